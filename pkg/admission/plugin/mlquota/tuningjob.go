package mlquota

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// A TuningJob holds, until it ends, its peak: parallelTrials trials at
// once, each what one trial TrainingJob holds (its replicas x what one
// replica requests), as a PipelineRun holds the peak of its tasks. So a
// search that cannot fit is refused when it is created, naming the numbers.
//
// Its trials, the TrainingJobs it owns, are held for by that peak: the
// first parallelTrials of its trials that run (by index) hold nothing
// themselves. A TrainingJob beyond them, or one whose TuningJob is gone or
// ended, holds what any TrainingJob holds, so an ownerReference to a
// TuningJob never lets more run than the TuningJob was charged for.

// trialsPeak is the demand of a TuningJob.
type trialsPeak struct {
	// trial is one trial's demand: a shape, or a jobShape when the
	// template has roles.
	trial  demand
	trials int32
}

func (t trialsPeak) charge() charge {
	if s, ok := t.trial.(shape); ok {
		s.replicas *= t.trials
		return s.charge()
	}
	out := charge{}
	for k, q := range t.trial.charge() {
		q.Mul(int64(t.trials))
		out[k] = q
	}
	return out
}

func (t trialsPeak) explain(key corev1.ResourceName) string {
	return fmt.Sprintf("parallelTrials %d x %s", t.trials, t.trial.explain(key))
}

// tuningPeakOf returns what a TuningJob's trials can hold at once; an
// ended TuningJob holds nothing.
func tuningPeakOf(tun *ml.TuningJob) demand {
	tj := tun.Spec.TrialTemplate.TrainingJob
	if tj == nil || tun.Status.Phase == ml.TuningJobSucceeded || tun.Status.Phase == ml.TuningJobFailed {
		return shape{}
	}
	return trialsPeak{
		trial:  trainingJobShape(&ml.TrainingJob{Spec: *tj}),
		trials: replicasOr(tun.Spec.ParallelTrials, mlv1alpha1.DefaultParallelTrials),
	}
}

// demandOf is shapeOf, but a trial its TuningJob's peak holds for holds
// nothing itself.
func (l *ledger) demandOf(obj runtime.Object) (demand, bool) {
	d, ok := shapeOf(obj)
	if tj, isJob := obj.(*ml.TrainingJob); isJob && ok && l.coveredTrial(tj) {
		return shape{}, true
	}
	return d, ok
}

// coveredTrial says whether job is one of the first parallelTrials
// running trials, by index, of the running TuningJob that controls it.
func (l *ledger) coveredTrial(job *ml.TrainingJob) bool {
	ref := metav1.GetControllerOf(job)
	if l.tuns == nil || ref == nil || ref.Kind != "TuningJob" || ref.APIVersion != mlv1alpha1.SchemeGroupVersion.String() {
		return false
	}
	tun, err := l.tuns.TuningJobs(job.Namespace).Get(ref.Name)
	if err != nil || tun.UID != ref.UID || tun.Spec.TrialTemplate.TrainingJob == nil ||
		tun.Status.Phase == mlv1alpha1.TuningJobSucceeded || tun.Status.Phase == mlv1alpha1.TuningJobFailed {
		return false
	}
	// Only a trial shaped as the template: one scaled or changed since
	// holds its own.
	tmpl := tun.Spec.TrialTemplate.TrainingJob
	if replicasOr(job.Spec.Replicas, 1) != replicasOr(tmpl.Replicas, 1) || !apiequality.Semantic.DeepEqual(job.Spec.Resources, tmpl.Resources) ||
		!sameRoles(job.Spec.Roles, tmpl.Roles) {
		return false
	}
	parallel := int(replicasOr(tun.Spec.ParallelTrials, mlv1alpha1.DefaultParallelTrials))
	trials, err := l.jobs.TrainingJobs(job.Namespace).List(labels.SelectorFromSet(labels.Set{mlv1alpha1.TuningJobNameLabel: tun.Name}))
	if err != nil {
		return false
	}
	type slot struct {
		index int
		name  string
	}
	slots := []slot{{trialIndex(job.Annotations), job.Name}}
	for _, t := range trials {
		r := metav1.GetControllerOf(t)
		if t.Name == job.Name || r == nil || r.UID != tun.UID || t.Spec.Suspend ||
			t.Status.Phase == mlv1alpha1.TrainingJobSucceeded || t.Status.Phase == mlv1alpha1.TrainingJobFailed {
			continue
		}
		slots = append(slots, slot{trialIndex(t.Annotations), t.Name})
	}
	slices.SortFunc(slots, func(a, b slot) int {
		if a.index != b.index {
			return a.index - b.index
		}
		if a.name < b.name {
			return -1
		}
		return 1
	})
	for i, s := range slots {
		if s.name == job.Name {
			return i < parallel
		}
	}
	return false
}

// trialIndex is a trial's index from its annotation; a TrainingJob
// without one comes last.
func trialIndex(annotations map[string]string) int {
	if i, err := strconv.Atoi(annotations[mlv1alpha1.TrialIndexAnnotation]); err == nil && i >= 0 {
		return i
	}
	return math.MaxInt32
}

// sameRoles says whether a trial's roles are the template's: a trial with
// other roles (each with its replicas and resources) holds its own.
func sameRoles(job []ml.ReplicaRole, tmpl []mlv1alpha1.ReplicaRole) bool {
	if len(job) != len(tmpl) {
		return false
	}
	for i := range tmpl {
		var r ml.ReplicaRole
		if err := mlv1alpha1.Convert_v1alpha1_ReplicaRole_To_ml_ReplicaRole(&tmpl[i], &r, nil); err != nil || !apiequality.Semantic.DeepEqual(job[i], r) {
			return false
		}
	}
	return true
}
