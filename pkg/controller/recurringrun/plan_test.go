package recurringrun

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// created is when the RecurringRuns of the tests were created.
var created = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mtime(s string) *metav1.Time { return &metav1.Time{Time: at(s)} }

// rrWith returns a RecurringRun "a" created at created, with the server's
// defaults, changed by mutate.
func rrWith(mutate func(*mlv1alpha1.RecurringRun)) *mlv1alpha1.RecurringRun {
	rr := &mlv1alpha1.RecurringRun{
		ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", UID: "uid-a", Generation: 1, ResourceVersion: "1", CreationTimestamp: metav1.NewTime(created)},
		Spec: mlv1alpha1.RecurringRunSpec{
			Schedule:                   mlv1alpha1.RecurringSchedule{Cron: "0 2 * * *"},
			ConcurrencyPolicy:          mlv1alpha1.ConcurrencyAllow,
			SuccessfulRunsHistoryLimit: ptr.To[int32](3),
			FailedRunsHistoryLimit:     ptr.To[int32](1),
			RunTemplate: mlv1alpha1.RunTemplate{PipelineRun: &mlv1alpha1.PipelineRunSpec{
				PipelineRef: &mlv1alpha1.LocalObjectReference{Name: "train"},
				Params:      []mlv1alpha1.Param{{Name: "date", Value: "$(schedule.scheduledTime)"}, {Name: "n", Value: "run-$(schedule.index)"}},
			}},
		},
	}
	if mutate != nil {
		mutate(rr)
	}
	return rr
}

func every(d time.Duration) mlv1alpha1.RecurringSchedule {
	return mlv1alpha1.RecurringSchedule{Interval: &metav1.Duration{Duration: d}}
}

func TestDecide(t *testing.T) {
	active := func(name, sched string) run { return run{name: name, scheduled: at(sched)} }
	done := func(name, sched string, ok bool) run {
		return run{name: name, scheduled: at(sched), finished: true, succeeded: ok}
	}
	cases := []struct {
		name   string
		rr     *mlv1alpha1.RecurringRun
		runs   []run
		now    string
		create []string
		want   plan // create, replace, prune, next and skips are compared
	}{
		{
			name: "cron not yet due",
			rr:   rrWith(nil), now: "2026-03-02T01:59:59Z",
			want: plan{next: at("2026-03-02T02:00:00Z")},
		},
		{
			name: "cron due",
			rr:   rrWith(nil), now: "2026-03-02T02:00:00Z",
			create: []string{"2026-03-02T02:00:00Z"},
			want:   plan{next: at("2026-03-03T02:00:00Z"), lastSchedule: at("2026-03-02T02:00:00Z")},
		},
		{
			name: "cron in a time zone",
			rr: rrWith(func(rr *mlv1alpha1.RecurringRun) {
				rr.Spec.Schedule.TimeZone = ptr.To("Europe/Berlin")
			}), now: "2026-03-02T01:00:00Z",
			create: []string{"2026-03-02T01:00:00Z"}, // 02:00 in Berlin (CET, UTC+1)
			want:   plan{next: at("2026-03-03T01:00:00Z"), lastSchedule: at("2026-03-02T01:00:00Z")},
		},
		{
			name: "cron in a time zone after the switch to summer time",
			rr: rrWith(func(rr *mlv1alpha1.RecurringRun) {
				rr.Spec.Schedule.TimeZone = ptr.To("Europe/Berlin")
				rr.Status.LastScheduleTime = mtime("2026-04-01T00:00:00Z")
			}), now: "2026-04-01T12:00:00Z",
			want: plan{next: at("2026-04-02T00:00:00Z")}, // 02:00 CEST is 00:00 UTC
		},
		{
			name: "interval counts from creation",
			rr:   rrWith(func(rr *mlv1alpha1.RecurringRun) { rr.Spec.Schedule = every(10 * time.Second) }),
			now:  "2026-03-01T10:00:15Z", create: []string{"2026-03-01T10:00:10Z"},
			want: plan{next: at("2026-03-01T10:00:20Z"), lastSchedule: at("2026-03-01T10:00:10Z")},
		},
		{
			name: "interval from startTime, due at startTime",
			rr: rrWith(func(rr *mlv1alpha1.RecurringRun) {
				rr.Spec.Schedule = every(24 * time.Hour)
				rr.Spec.StartTime = mtime("2026-03-02T02:00:00Z")
			}),
			now: "2026-03-02T02:00:00Z", create: []string{"2026-03-02T02:00:00Z"},
			want: plan{next: at("2026-03-03T02:00:00Z"), lastSchedule: at("2026-03-02T02:00:00Z")},
		},
		{
			name: "before startTime",
			rr: rrWith(func(rr *mlv1alpha1.RecurringRun) {
				rr.Spec.StartTime = mtime("2026-03-05T00:00:00Z")
			}),
			now:  "2026-03-04T03:00:00Z",
			want: plan{next: at("2026-03-05T02:00:00Z")},
		},
		{
			name: "missed runs without catch-up: only the latest",
			rr:   rrWith(func(rr *mlv1alpha1.RecurringRun) { rr.Status.LastScheduleTime = mtime("2026-03-02T02:00:00Z") }),
			now:  "2026-03-06T03:00:00Z", create: []string{"2026-03-06T02:00:00Z"},
			want: plan{next: at("2026-03-07T02:00:00Z"), lastSchedule: at("2026-03-06T02:00:00Z"), skipped: 3},
		},
		{
			name: "missed runs with catch-up: oldest first",
			rr: rrWith(func(rr *mlv1alpha1.RecurringRun) {
				rr.Status.LastScheduleTime = mtime("2026-03-02T02:00:00Z")
				rr.Spec.CatchUp = true
			}),
			now:    "2026-03-04T03:00:00Z",
			create: []string{"2026-03-03T02:00:00Z", "2026-03-04T02:00:00Z"},
			want:   plan{next: at("2026-03-05T02:00:00Z"), lastSchedule: at("2026-03-04T02:00:00Z")},
		},
		{
			name: "catch-up is capped at the latest 10",
			rr: rrWith(func(rr *mlv1alpha1.RecurringRun) {
				rr.Spec.Schedule = every(time.Minute)
				rr.Spec.CatchUp = true
				rr.Status.LastScheduleTime = mtime("2026-03-01T10:01:00Z")
			}),
			now: "2026-03-01T11:00:30Z", // 59 due: 10:02 .. 11:00
			create: []string{
				"2026-03-01T10:51:00Z", "2026-03-01T10:52:00Z", "2026-03-01T10:53:00Z", "2026-03-01T10:54:00Z", "2026-03-01T10:55:00Z",
				"2026-03-01T10:56:00Z", "2026-03-01T10:57:00Z", "2026-03-01T10:58:00Z", "2026-03-01T10:59:00Z", "2026-03-01T11:00:00Z",
			},
			want: plan{next: at("2026-03-01T11:01:00Z"), lastSchedule: at("2026-03-01T11:00:00Z"), skipped: 49},
		},
		{
			name: "catch-up cap of a cron schedule",
			rr: rrWith(func(rr *mlv1alpha1.RecurringRun) {
				rr.Spec.Schedule.Cron = "0 * * * *"
				rr.Spec.CatchUp = true
				rr.Status.LastScheduleTime = mtime("2026-03-01T10:00:00Z")
			}),
			now: "2026-03-02T10:00:00Z", // 24 due
			create: []string{
				"2026-03-02T01:00:00Z", "2026-03-02T02:00:00Z", "2026-03-02T03:00:00Z", "2026-03-02T04:00:00Z", "2026-03-02T05:00:00Z",
				"2026-03-02T06:00:00Z", "2026-03-02T07:00:00Z", "2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z",
			},
			want: plan{next: at("2026-03-02T11:00:00Z"), lastSchedule: at("2026-03-02T10:00:00Z"), skipped: 14},
		},
		{
			name: "suspended: nothing starts, the due time stays missed",
			rr:   rrWith(func(rr *mlv1alpha1.RecurringRun) { rr.Spec.Suspend = true }),
			now:  "2026-03-03T03:00:00Z",
			want: plan{next: at("2026-03-04T02:00:00Z")},
		},
		{
			name: "after endTime: no run and no next",
			rr: rrWith(func(rr *mlv1alpha1.RecurringRun) {
				rr.Spec.EndTime = mtime("2026-03-02T12:00:00Z")
				rr.Status.LastScheduleTime = mtime("2026-03-02T02:00:00Z")
			}),
			now:  "2026-03-04T03:00:00Z",
			want: plan{},
		},
		{
			name: "endTime bounds the missed runs",
			rr: rrWith(func(rr *mlv1alpha1.RecurringRun) {
				rr.Spec.EndTime = mtime("2026-03-02T12:00:00Z")
			}),
			now:    "2026-03-04T03:00:00Z",
			create: []string{"2026-03-02T02:00:00Z"},
			want:   plan{lastSchedule: at("2026-03-02T02:00:00Z")},
		},
		{
			name: "Forbid skips while a run is active",
			rr:   rrWith(func(rr *mlv1alpha1.RecurringRun) { rr.Spec.ConcurrencyPolicy = mlv1alpha1.ConcurrencyForbid }),
			runs: []run{active("a-1", "2026-03-01T10:30:00Z")},
			now:  "2026-03-02T02:00:00Z",
			want: plan{next: at("2026-03-03T02:00:00Z"), lastSchedule: at("2026-03-02T02:00:00Z"), skippedByPolicy: 1},
		},
		{
			name: "Forbid starts once the run finished",
			rr:   rrWith(func(rr *mlv1alpha1.RecurringRun) { rr.Spec.ConcurrencyPolicy = mlv1alpha1.ConcurrencyForbid }),
			runs: []run{done("a-1", "2026-03-01T10:30:00Z", true)},
			now:  "2026-03-02T02:00:00Z", create: []string{"2026-03-02T02:00:00Z"},
			want: plan{next: at("2026-03-03T02:00:00Z"), lastSchedule: at("2026-03-02T02:00:00Z")},
		},
		{
			name: "Replace deletes the active runs",
			rr:   rrWith(func(rr *mlv1alpha1.RecurringRun) { rr.Spec.ConcurrencyPolicy = mlv1alpha1.ConcurrencyReplace }),
			runs: []run{active("a-1", "2026-03-01T10:30:00Z"), done("a-0", "2026-03-01T10:20:00Z", true)},
			now:  "2026-03-02T02:00:00Z", create: []string{"2026-03-02T02:00:00Z"},
			want: plan{next: at("2026-03-03T02:00:00Z"), lastSchedule: at("2026-03-02T02:00:00Z"), replace: []string{"a-1"}},
		},
		{
			name: "Allow up to maxConcurrency",
			rr: rrWith(func(rr *mlv1alpha1.RecurringRun) {
				rr.Spec.MaxConcurrency = ptr.To[int32](2)
				rr.Spec.CatchUp = true
			}),
			runs: []run{active("a-1", "2026-03-01T10:30:00Z")},
			now:  "2026-03-04T02:00:00Z", create: []string{"2026-03-02T02:00:00Z"},
			want: plan{next: at("2026-03-05T02:00:00Z"), lastSchedule: at("2026-03-04T02:00:00Z"), skippedByPolicy: 2},
		},
		{
			name: "Allow without a cap",
			rr:   rrWith(nil),
			runs: []run{active("a-1", "2026-03-01T10:30:00Z")},
			now:  "2026-03-02T02:00:00Z", create: []string{"2026-03-02T02:00:00Z"},
			want: plan{next: at("2026-03-03T02:00:00Z"), lastSchedule: at("2026-03-02T02:00:00Z")},
		},
		{
			name: "history limits delete the oldest finished runs",
			rr: rrWith(func(rr *mlv1alpha1.RecurringRun) {
				rr.Spec.SuccessfulRunsHistoryLimit = ptr.To[int32](2)
				rr.Status.LastScheduleTime = mtime("2026-03-01T20:00:00Z")
			}),
			runs: []run{
				done("s3", "2026-03-01T13:00:00Z", true), done("s1", "2026-03-01T11:00:00Z", true), done("s2", "2026-03-01T12:00:00Z", true),
				done("f1", "2026-03-01T14:00:00Z", false), done("f2", "2026-03-01T15:00:00Z", false), active("r1", "2026-03-01T16:00:00Z"),
			},
			now:  "2026-03-01T21:00:00Z",
			want: plan{next: at("2026-03-02T02:00:00Z"), prune: []string{"s1", "f1"}},
		},
		{
			name: "history limit 0 keeps none",
			rr: rrWith(func(rr *mlv1alpha1.RecurringRun) {
				rr.Spec.SuccessfulRunsHistoryLimit = ptr.To[int32](0)
				rr.Status.LastScheduleTime = mtime("2026-03-01T20:00:00Z")
			}),
			runs: []run{done("s1", "2026-03-01T11:00:00Z", true)},
			now:  "2026-03-01T21:00:00Z",
			want: plan{next: at("2026-03-02T02:00:00Z"), prune: []string{"s1"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sched, err := parseSchedule(tc.rr)
			if err != nil {
				t.Fatal(err)
			}
			got := decide(tc.rr, sched, slices.Clone(tc.runs), at(tc.now), mlv1alpha1.MaxCatchUpRuns)
			for _, c := range tc.create {
				tc.want.create = append(tc.want.create, at(c))
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(plan{})); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDueTimesLongDowntime checks that a minutely schedule down for a year
// still finds the latest due time, without walking every minute.
func TestDueTimesLongDowntime(t *testing.T) {
	rr := rrWith(func(rr *mlv1alpha1.RecurringRun) { rr.Spec.Schedule.Cron = "* * * * *" })
	sched, err := parseSchedule(rr)
	if err != nil {
		t.Fatal(err)
	}
	now := created.AddDate(1, 0, 0).Add(30 * time.Second)
	due, skipped, next := dueTimes(sched, created, now, 1)
	if want := created.AddDate(1, 0, 0); len(due) != 1 || !due[0].Equal(want) {
		t.Errorf("due = %v, want [%v]", due, want)
	}
	if skipped == 0 {
		t.Errorf("skipped = 0, want the minutes left out")
	}
	if want := created.AddDate(1, 0, 0).Add(time.Minute); !next.Equal(want) {
		t.Errorf("next = %v, want %v", next, want)
	}
}

// TestDecideCatchUpCapFlag: --recurring-run-max-catch-up sets how many of
// the missed runs catchUp starts.
func TestDecideCatchUpCapFlag(t *testing.T) {
	rr := rrWith(func(rr *mlv1alpha1.RecurringRun) {
		rr.Spec.Schedule = every(time.Minute)
		rr.Spec.CatchUp = true
		rr.Status.LastScheduleTime = mtime("2026-03-01T10:01:00Z")
	})
	sched, err := parseSchedule(rr)
	if err != nil {
		t.Fatal(err)
	}
	got := decide(rr, sched, nil, at("2026-03-01T11:00:30Z"), 3)
	want := []time.Time{at("2026-03-01T10:58:00Z"), at("2026-03-01T10:59:00Z"), at("2026-03-01T11:00:00Z")}
	if diff := cmp.Diff(want, got.create); diff != "" || got.skipped != 56 {
		t.Errorf("with a cap of 3: create (-want +got):\n%s\nskipped %d, want 56", diff, got.skipped)
	}
}
