package recurringrun

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestBadSchedules: a bad cron expression or time zone is a 422 naming
// the field, never a 500.
func TestBadSchedules(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		schedule mlv1alpha1.RecurringSchedule
		field    string
	}{
		"bad-cron":     {mlv1alpha1.RecurringSchedule{Cron: "0 25 * * *"}, "spec.schedule.cron"},
		"bad-tz":       {mlv1alpha1.RecurringSchedule{Cron: "0 2 * * *", TimeZone: ptr.To("Moon/Base")}, "spec.schedule.timeZone"},
		"no-schedule":  {mlv1alpha1.RecurringSchedule{}, "spec.schedule.cron"},
		"short-period": {mlv1alpha1.RecurringSchedule{Interval: &metav1.Duration{Duration: 1}}, "spec.schedule.interval"},
	} {
		rr := newRecurringRun(ns, name)
		rr.Spec.Schedule = tc.schedule
		_, err := server.Clientset().MlV1alpha1().RecurringRuns(ns).Create(ctx, rr, metav1.CreateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: create returned %v, want a 422 naming %s", name, err, tc.field)
		}
	}
}

// TestTable: kubectl get rr prints the schedule, suspend, active, last and
// next columns, and the defaults are set.
func TestTable(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	rr := newRecurringRun(ns, "table")
	rr.Spec.Schedule = mlv1alpha1.RecurringSchedule{Cron: "0 2 * * *", TimeZone: ptr.To("Europe/Berlin")}
	rr.Spec.SuccessfulRunsHistoryLimit = nil
	created, err := server.Clientset().MlV1alpha1().RecurringRuns(ns).Create(ctx, rr, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s := created.Spec; s.ConcurrencyPolicy != mlv1alpha1.ConcurrencyAllow || ptr.Deref(s.SuccessfulRunsHistoryLimit, -1) != 3 || ptr.Deref(s.FailedRunsHistoryLimit, -1) != 1 {
		t.Errorf("defaults: concurrencyPolicy %q, successfulRunsHistoryLimit %v, failedRunsHistoryLimit %v; want Allow, 3, 1",
			s.ConcurrencyPolicy, s.SuccessfulRunsHistoryLimit, s.FailedRunsHistoryLimit)
	}
	body, err := server.Clientset().MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("recurringruns").Name("table").
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var table metav1.Table
	if err := json.Unmarshal(body, &table); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range table.ColumnDefinitions {
		if c.Priority == 0 {
			names = append(names, c.Name)
		}
	}
	if got, want := strings.Join(names, ","), "Name,Schedule,Suspend,Active,Last,Next,Age"; got != want {
		t.Errorf("columns %s, want %s", got, want)
	}
	if len(table.Rows) != 1 || table.Rows[0].Cells[1] != "0 2 * * * (Europe/Berlin)" {
		t.Errorf("rows %v", table.Rows)
	}
}
