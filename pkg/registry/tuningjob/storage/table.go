package storage

import (
	"fmt"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

func newTableConvertor() registryutil.TableConvertor[*ml.TuningJob] {
	return registryutil.TableConvertor[*ml.TuningJob]{
		Columns: []metav1.TableColumnDefinition{
			registryutil.NameColumn(),
			registryutil.Column("Algorithm", "string", "The search algorithm."),
			registryutil.Column("Trials", "string", "Trials ended (succeeded, failed or early-stopped) of spec.maxTrials."),
			registryutil.Column("Best", "string", "The best objective value so far."),
			registryutil.Column("Phase", "string", "Pending, Running, Succeeded or Failed."),
			registryutil.AgeColumn(),
			registryutil.WideColumn("Metric", "string", "The objective metric and its goal."),
			registryutil.WideColumn("Running", "integer", "Trials running."),
			registryutil.WideColumn("Best-Trial", "string", "The trial with the best objective value."),
		},
		Cells: tuningJobCells,
	}
}

func tuningJobCells(tun *ml.TuningJob, now time.Time) []any {
	s := &tun.Status
	maxTrials := "?"
	if tun.Spec.MaxTrials != nil {
		maxTrials = strconv.Itoa(int(*tun.Spec.MaxTrials))
	}
	best, bestTrial := "", ""
	if b := s.BestTrial; b != nil {
		bestTrial = b.Name
		if b.ObjectiveValue != nil {
			best = strconv.FormatFloat(*b.ObjectiveValue, 'g', 6, 64)
		}
	}
	return []any{
		tun.Name,
		string(tun.Spec.Algorithm.Name),
		fmt.Sprintf("%d/%s", s.Succeeded+s.Failed+s.EarlyStopped, maxTrials),
		best,
		string(s.Phase),
		registryutil.Age(tun.CreationTimestamp, now),
		tun.Spec.Objective.Metric + " (" + string(tun.Spec.Objective.Goal) + ")",
		int64(s.Running),
		bestTrial,
	}
}
