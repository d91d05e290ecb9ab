package browser

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ml.example.io/ml-apiserver/test/browser/framework"
)

// TestMeasurementHarness checks the tools of the page timing tests: 1,000
// PipelineRuns and a run of 1,000 tasks (the most --max-pipeline-tasks
// allows) are created, and the page lists the runs through the dashboard's
// proxy as a Table, timed by the page's clock. The times are logged, not
// asserted.
func TestMeasurementHarness(t *testing.T) {
	env := framework.New(t)
	names := env.CreatePipelineRuns(t, "bulk", 1000)
	if len(names) != 1000 {
		t.Fatalf("created %d runs, want 1000", len(names))
	}
	wide := env.CreateWideRun(t, "wide", framework.MaxPipelineTasks, 50)
	if n := len(wide.Spec.PipelineSpec.Tasks); n != framework.MaxPipelineTasks {
		t.Fatalf("the wide run has %d tasks, want %d", n, framework.MaxPipelineTasks)
	}

	ctx := env.Browser(t)
	list := fmt.Sprintf(`fetch('/k8s/apis/ml.example.io/v1alpha1/namespaces/%s/pipelineruns', {headers: {'X-Requested-With': 'ml-dashboard',
	  'Accept': 'application/json;as=Table;v=v1;g=meta.k8s.io'}}).then(r => r.json()).then(j => { document.title = 'rows ' + j.rows.length; })`, env.Namespace)
	m := framework.Measure(t, ctx, "list 1001 pipelineruns as a Table through the proxy",
		chromedp.Evaluate[chromedp.Void](list), `document.title === 'rows 1001'`, 2*time.Minute)
	if m.End < m.Start {
		t.Errorf("timing %+v ends before it starts", m)
	}
	load := env.MeasureLoad(t, ctx, "first page", "", `document.body !== null && document.readyState === 'complete'`, time.Minute)
	if load.End <= 0 {
		t.Errorf("page load timing %+v", load)
	}
}
