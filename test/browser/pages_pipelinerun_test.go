package browser

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/browser/framework"
)

// diamond is a -> (b, c) -> d, where c fails, so the graph shows every
// kind of final phase a diamond can have: d is skipped.
const diamond = `
apiVersion: ml.example.io/v1alpha1
kind: Pipeline
metadata:
  name: diamond
spec:
  tasks:
  - name: a
    image: busybox:1.36
    command: ["sh", "-c", "echo hello from a; echo x=1 > \"$ML_TERMINATION_MESSAGE_PATH\""]
    outputs:
    - name: x
  - name: b
    image: busybox:1.36
    dependsOn: [a]
    command: ["sh", "-c", "echo hello from b"]
  - name: c
    image: busybox:1.36
    command: ["sh", "-c", "echo hello from c with x=$(tasks.a.outputs.x); exit 3"]
  - name: d
    image: busybox:1.36
    dependsOn: [b, c]
    command: ["sh", "-c", "echo hello from d"]
`

// TestPipelineRunPageDiamond: the run graph of a finished diamond shows
// its four tasks with the final phase of each and the four edges; a click
// on a task opens its panel with its log.
func TestPipelineRunPageDiamond(t *testing.T) {
	env := framework.New(t)
	ctx := context.Background()
	pl := &mlv1alpha1.Pipeline{}
	decode(t, diamond, pl)
	if _, err := env.Client.MlV1alpha1().Pipelines(env.Namespace).Create(ctx, pl, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	run := &mlv1alpha1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "diamond-1"}, Spec: mlv1alpha1.PipelineRunSpec{PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "diamond"}}}
	if _, err := env.Client.MlV1alpha1().PipelineRuns(env.Namespace).Create(ctx, run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ended := waitRun(t, env.Client, env.Namespace, "diamond-1", 2*time.Minute)
	want := map[string]string{}
	for _, ts := range ended.Status.Tasks {
		want[ts.Name] = string(ts.Phase)
	}
	if want["a"] != "Succeeded" || want["b"] != "Succeeded" || want["c"] != "Failed" || want["d"] != "Skipped" {
		t.Fatalf("the diamond ended with task phases %v; want a, b Succeeded, c Failed, d Skipped", want)
	}

	b := env.Browser(t)
	open(t, env, b, fmt.Sprintf("/ns/%s/pipelineruns/diamond-1", env.Namespace))
	waitFor(t, b, "the four tasks of the graph", `document.querySelectorAll('[data-testid="dag"] [data-testid="dag-node"]').length === 4`)
	type node struct {
		Task  string `json:"task"`
		Phase string `json:"phase"`
		Text  string `json:"text"`
	}
	nodes := eval[[]node](t, b, `[...document.querySelectorAll('[data-testid="dag-node"]')].map((n) => ({task: n.dataset.task, phase: n.dataset.phase, text: n.textContent}))`)
	got := map[string]string{}
	for _, n := range nodes {
		got[n.Task] = n.Phase
		// The phase is written in the node, not only coloured.
		if !strings.Contains(n.Text, n.Phase) {
			t.Errorf("node %s shows %q, without its phase %s", n.Task, n.Text, n.Phase)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("graph nodes show phases %v; the run's status has %v", got, want)
	}
	if edges := eval[int](t, b, `document.querySelectorAll('[data-testid="dag"] path.edge').length`); edges != 4 {
		t.Errorf("the graph draws %d edges; a diamond has 4 (a-b, a-c, b-d, c-d)", edges)
	}
	env.Screenshot(t, b, "graph")

	// A click on c shows its panel and its log.
	do(t, b, chromedp.Click(chromedp.CSS(`[data-testid="dag-node"][data-task="c"]`)))
	waitFor(t, b, "the panel of task c", `document.querySelector('[data-testid="task-panel"] h2 code')?.textContent === 'c' && document.querySelector('[data-testid="task-panel"] [data-testid="phase"]').dataset.phase === 'Failed'`)
	waitFor(t, b, "the log of task c", `document.querySelector('[data-testid="log-view"]')?.textContent.includes('hello from c with x=1')`)
	if log := eval[string](t, b, `document.querySelector('[data-testid="log-view"]').textContent`); strings.Contains(log, "hello from b") {
		t.Errorf("the log of task c holds another task's lines: %q", log)
	}
	env.Screenshot(t, b, "task-log")

	// The keyboard: a focused node takes Enter.
	do(t, b, chromedp.Focus(chromedp.CSS(`[data-testid="dag-node"][data-task="a"]`)), chromedp.KeyEvent("\r"))
	waitFor(t, b, "the log of task a after Enter", `document.querySelector('[data-testid="log-view"]')?.textContent.includes('hello from a')`)

	// A narrow window: the navigation goes above the page, the panel under
	// the graph, and nothing is wider than the window (the graph scrolls
	// inside its own box).
	do(t, b, chromedp.EmulateViewport(420, 900))
	waitFor(t, b, "the narrow layout", `document.documentElement.scrollWidth <= window.innerWidth && document.querySelector('[data-testid="nav"]').getBoundingClientRect().bottom <= document.querySelector('main').getBoundingClientRect().top && document.querySelector('[data-testid="task-panel"]').getBoundingClientRect().top >= document.querySelector('.dag-wrap').getBoundingClientRect().bottom`)
	env.Screenshot(t, b, "narrow")
	do(t, b, chromedp.EmulateViewport(framework.WindowWidth, framework.WindowHeight))
}

// TestPipelineRunPageThousandTasks times the graph of a 1,000-task run
// (20 layers of 50) from navigation to the last node drawn, and reports it.
// The run is suspended, so nothing runs: the graph comes from its snapshot.
func TestPipelineRunPageThousandTasks(t *testing.T) {
	env := framework.New(t)
	env.CreateWideRun(t, "wide-1", 1000, 50)
	b := env.Browser(t)
	measureLoad(t, env, b, "1,000-task run graph drawn", fmt.Sprintf("/ns/%s/pipelineruns/wide-1", env.Namespace),
		`document.querySelectorAll('[data-testid="dag-node"]').length === 1000`)
	t.Logf("1,000-task run graph: its layout (%s) and SVG took %s ms of it", eval[string](t, b, `document.querySelector('svg[data-testid="dag"]').dataset.layout`), eval[string](t, b, `document.querySelector('svg[data-testid="dag"]').dataset.renderMs`))
	names := eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="dag-node"]')].map((n) => n.dataset.task)`)
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	if len(seen) != 1000 || !seen["t-0-0"] || !seen["t-19-49"] {
		t.Errorf("the graph has %d distinct nodes; want the 1,000 tasks t-0-0 .. t-19-49", len(seen))
	}
	edges := eval[int](t, b, `document.querySelectorAll('[data-testid="dag"] path.edge').length`)
	// Each layer after the first: 49 chains and a fan-in of 50.
	if want := 19 * (49 + 50); edges != want {
		t.Errorf("the graph draws %d edges, want %d", edges, want)
	}
	env.Screenshot(t, b, "graph-1000")
}
