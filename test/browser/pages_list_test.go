package browser

import (
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/browser/framework"
)

// TestListPageThousandRuns times the list of 1,000 PipelineRuns from
// navigation to the last row, and reports it; then checks the list shows
// the server's printer columns, is live (a new run appears, a deleted one
// goes), filters by phase and label, and that the overview counts them.
func TestListPageThousandRuns(t *testing.T) {
	env := framework.New(t)
	names := env.CreatePipelineRuns(t, "run", 1000)
	b := env.Browser(t)
	measureLoad(t, env, b, "1,000 PipelineRuns listed", fmt.Sprintf("/ns/%s/pipelineruns", env.Namespace),
		`document.querySelectorAll('[data-testid="list-row"]').length === 1000`)
	cols := eval[[]string](t, b, `[...document.querySelectorAll('[data-testid="list-table"] thead th')].map((th) => th.textContent)`)
	want := map[string]bool{"Name": false, "Phase": false, "Tasks": false}
	for _, c := range cols {
		if _, ok := want[c]; ok {
			want[c] = true
		}
	}
	for c, ok := range want {
		if !ok {
			t.Errorf("the list's columns are %v; want the server's printer columns, %s among them", cols, c)
		}
	}
	env.Screenshot(t, b, "list-1000")

	// Live: a run created now appears, a deleted one goes, without a reload.
	runs := env.Client.MlV1alpha1().PipelineRuns(env.Namespace)
	late, err := runs.Get(t.Context(), names[0], metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	late = &mlv1alpha1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "late", Labels: map[string]string{"team": "late"}}, Spec: late.Spec}
	if _, err := runs.Create(t.Context(), late, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := runs.Delete(t.Context(), names[1], metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "the new run listed and the deleted one gone", fmt.Sprintf(`document.querySelector('[data-testid="list-row"][data-name="late"]') && !document.querySelector('[data-testid="list-row"][data-name=%q]')`, names[1]))

	// Filters: by label on the server, by phase in the page.
	open(t, env, b, fmt.Sprintf("/ns/%s/pipelineruns?labels=team%%3Dlate", env.Namespace))
	waitFor(t, b, "only the labelled run", `document.querySelectorAll('[data-testid="list-row"]').length === 1 && document.querySelector('[data-testid="list-row"]').dataset.name === 'late'`)
	open(t, env, b, fmt.Sprintf("/ns/%s/pipelineruns?phase=Failed", env.Namespace))
	waitFor(t, b, "an empty list of failed runs", `document.querySelectorAll('[data-testid="list-row"]').length === 0 && document.querySelector('[data-testid="list-table"]').textContent.includes('Nothing matches')`)

	// The overview counts the runs by phase.
	open(t, env, b, fmt.Sprintf("/ns/%s", env.Namespace))
	waitFor(t, b, "the overview's count of the 1,000 runs", `[...document.querySelectorAll('[data-kind="pipelineruns"] [data-count]')].reduce((n, e) => n + Number(e.dataset.count), 0) === 1000`)
	env.Screenshot(t, b, "overview")
}

// TestNamespaceSwitcherOther types a namespace into the switcher's
// "Other…" entry, for one the user may use but not list: a name that is
// not a DNS label is refused where it was typed, a valid one opens its
// overview and joins the switcher's list.
func TestNamespaceSwitcherOther(t *testing.T) {
	env := framework.New(t)
	b := env.Browser(t)
	open(t, env, b, fmt.Sprintf("/ns/%s", env.Namespace))
	other := env.Namespace + "-typed"
	choose := `(() => {
		const sel = document.querySelector('[data-testid="ns-switcher"]');
		const opt = [...sel.options].find((o) => o.textContent === 'Other…');
		sel.value = opt.value;
		sel.dispatchEvent(new Event('change'));
		return !document.querySelector('[data-testid="ns-other"]').hidden;
	})()`
	if !eval[bool](t, b, choose) {
		t.Fatal("choosing Other… shows no field to type a namespace in")
	}
	enter := func(name string) string {
		return eval[string](t, b, fmt.Sprintf(`(() => {
			const input = document.querySelector('[data-testid="ns-other"]');
			input.value = %q;
			input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
			return input.validationMessage;
		})()`, name))
	}
	if msg := enter("Not_A_Namespace"); msg == "" {
		t.Error("an invalid namespace name was not refused")
	}
	if hash := eval[string](t, b, `location.hash`); hash != "#/ns/"+env.Namespace {
		t.Errorf("after an invalid name the page moved to %s", hash)
	}
	enter(other)
	waitFor(t, b, "the typed namespace's overview", fmt.Sprintf(`location.hash === '#/ns/%s' && document.querySelector('[data-testid="ns-switcher"]').value === %q && document.querySelector('[data-testid="ns-other"]').hidden`, other, other))
}
