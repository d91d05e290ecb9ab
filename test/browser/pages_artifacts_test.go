package browser

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/browser/framework"
)

// reports is a run whose task writes a Markdown and an HTML report, both
// with script in them.
const reports = `
apiVersion: ml.example.io/v1alpha1
kind: PipelineRun
metadata:
  name: reports-1
spec:
  pipelineSpec:
    tasks:
    - name: report
      image: busybox:1.36
      command: ["sh", "-c"]
      args:
      - |
        cat > "$ML_ARTIFACT_OUTPUT_SUMMARY" <<'END'
        # Summary

        Some **bold** text, ` + "`code`" + ` and a [link](https://example.com/x).

        | metric | value |
        | --- | --- |
        | accuracy | 0.93 |

        <script>window.top.__pwned = 1</script>
        <img src="x" onerror="window.top.__pwned = 2">
        END
        cat > "$ML_ARTIFACT_OUTPUT_PAGE" <<'END'
        <h1 id="title">HTML report</h1>
        <script>try { window.top.__pwned = 3 } catch (e) {} document.getElementById('title').textContent = 'scripted'</script>
        END
      artifacts:
        outputs:
        - name: summary
          type: Markdown
        - name: page
          type: HTML
`

// TestPipelineRunPageArtifacts: a task's Markdown report is rendered as
// Markdown with its HTML shown as text, and its HTML report is shown in a
// sandboxed frame where its script does not run.
func TestPipelineRunPageArtifacts(t *testing.T) {
	env := framework.New(t)
	run := &mlv1alpha1.PipelineRun{}
	decode(t, reports, run)
	if _, err := env.Client.MlV1alpha1().PipelineRuns(env.Namespace).Create(t.Context(), run, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if ended := waitRun(t, env.Client, env.Namespace, run.Name, 2*time.Minute); ended.Status.Phase != mlv1alpha1.PipelineRunSucceeded {
		t.Fatalf("the run ended %s: %+v", ended.Status.Phase, ended.Status.Tasks)
	}
	b := env.Browser(t)
	open(t, env, b, fmt.Sprintf("/ns/%s/pipelineruns/%s?task=report", env.Namespace, run.Name))
	waitFor(t, b, "the task's artifacts", `document.querySelectorAll('[data-testid="artifacts"] tbody tr').length === 2`)

	view := func(name string) {
		t.Helper()
		eval[bool](t, b, fmt.Sprintf(`(() => { const row = [...document.querySelectorAll('[data-testid="artifacts"] tbody tr')].find((r) => r.children[1].textContent === %q); row.querySelector('button').click(); return true; })()`, name))
	}
	view("summary")
	waitFor(t, b, "the rendered Markdown", `document.querySelector('.artifact-view .markdown table td') && document.querySelector('.artifact-view .markdown strong')?.textContent === 'bold'`)
	md := eval[struct {
		Text    string `json:"text"`
		Scripts int    `json:"scripts"`
		Images  int    `json:"images"`
		Link    string `json:"link"`
	}](t, b, `(() => { const m = document.querySelector('.artifact-view .markdown'); return {text: m.textContent, scripts: m.querySelectorAll('script').length, images: m.querySelectorAll('img').length, link: m.querySelector('a')?.rel || ''}; })()`)
	if md.Scripts != 0 || md.Images != 0 || !strings.Contains(md.Text, "<script>") {
		t.Errorf("the Markdown's HTML became elements (%d scripts, %d images) instead of text: %q", md.Scripts, md.Images, md.Text)
	}
	if !strings.Contains(md.Link, "noopener") {
		t.Errorf("the report's link has rel %q, want noopener", md.Link)
	}
	env.Screenshot(t, b, "markdown")

	view("page")
	waitFor(t, b, "the HTML report's frame", `document.querySelector('.artifact-view iframe')`)
	frame := eval[struct {
		Sandbox string `json:"sandbox"`
		Srcdoc  bool   `json:"srcdoc"`
	}](t, b, `(() => { const f = document.querySelector('.artifact-view iframe'); return {sandbox: f.getAttribute('sandbox'), srcdoc: f.srcdoc.includes('HTML report')}; })()`)
	if frame.Sandbox != "" || !frame.Srcdoc {
		t.Errorf("the HTML report is in a frame with sandbox=%q (want \"\": no scripts, no same origin), its document set: %v", frame.Sandbox, frame.Srcdoc)
	}
	// A script of the frame would have run before its load event.
	waitFor(t, b, "the frame's load", `document.querySelector('.artifact-view iframe').dataset.loaded === 'true'`)
	if pwned := eval[bool](t, b, `window.__pwned !== undefined`); pwned {
		t.Errorf("a report's script reached the dashboard's window (__pwned=%v)", eval[any](t, b, `window.__pwned`))
	}
	env.Screenshot(t, b, "html")
}
