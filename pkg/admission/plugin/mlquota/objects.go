package mlquota

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
)

// current returns the internal version of an object, from the informer or,
// when the informer has not seen it, from the server.
func (p *Plugin) current(ctx context.Context, resource, namespace, name string) (runtime.Object, error) {
	var obj runtime.Object
	var err error
	switch resource {
	case "trainingjobs":
		obj, err = p.jobs.TrainingJobs(namespace).Get(name)
		if apierrors.IsNotFound(err) {
			obj, err = p.mlClient.MlV1alpha1().TrainingJobs(namespace).Get(ctx, name, metav1.GetOptions{})
		}
	case "models":
		obj, err = p.models.Models(namespace).Get(name)
		if apierrors.IsNotFound(err) {
			obj, err = p.mlClient.MlV1alpha1().Models(namespace).Get(ctx, name, metav1.GetOptions{})
		}
	case "notebooks":
		obj, err = p.notebooks.Notebooks(namespace).Get(name)
		if apierrors.IsNotFound(err) {
			obj, err = p.mlClient.MlV1alpha1().Notebooks(namespace).Get(ctx, name, metav1.GetOptions{})
		}
	case "pipelineruns":
		obj, err = p.runs.PipelineRuns(namespace).Get(name)
		if apierrors.IsNotFound(err) {
			obj, err = p.mlClient.MlV1alpha1().PipelineRuns(namespace).Get(ctx, name, metav1.GetOptions{})
		}
	case "tuningjobs":
		obj, err = p.tuns.TuningJobs(namespace).Get(name)
		if apierrors.IsNotFound(err) {
			obj, err = p.mlClient.MlV1alpha1().TuningJobs(namespace).Get(ctx, name, metav1.GetOptions{})
		}
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("%s: resource %q holds no quota", PluginName, resource))
	}
	if err != nil {
		return nil, err
	}
	return internal(obj)
}

// internal converts a versioned object of the group to its internal version.
func internal(obj runtime.Object) (runtime.Object, error) {
	out, err := scheme.Scheme.ConvertToVersion(obj.DeepCopyObject(), ml.SchemeGroupVersion)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("convert %T: %w", obj, err))
	}
	return out, nil
}

// liveEntries are the entries the namespace's objects hold now, as the
// informers see them, keyed like the record.
func (l *ledger) liveEntries(namespace string) map[string]entry {
	entries := map[string]entry{}
	add := func(resource string, obj runtime.Object) {
		m, c, err := l.chargeOf(obj)
		if err != nil || len(c) == 0 {
			return
		}
		entries[entryKey(resource, m.GetName())] = newEntry(m.GetUID(), c, m.GetCreationTimestamp().Time)
	}
	jobs, _ := l.jobs.TrainingJobs(namespace).List(labels.Everything())
	for _, o := range jobs {
		add("trainingjobs", o)
	}
	models, _ := l.models.Models(namespace).List(labels.Everything())
	for _, o := range models {
		add("models", o)
	}
	notebooks, _ := l.notebooks.Notebooks(namespace).List(labels.Everything())
	for _, o := range notebooks {
		add("notebooks", o)
	}
	runs, _ := l.runs.PipelineRuns(namespace).List(labels.Everything())
	for _, o := range runs {
		add("pipelineruns", o)
	}
	tuns, _ := l.tuns.TuningJobs(namespace).List(labels.Everything())
	for _, o := range tuns {
		add("tuningjobs", o)
	}
	return entries
}

// liveTotal is what the namespace's objects hold, as the informers see them.
func (l *ledger) liveTotal(namespace string) charge {
	total := charge{}
	for _, e := range l.liveEntries(namespace) {
		total = total.add(e.charge())
	}
	return total
}

// prunePending drops the pending entries of rec that no longer need
// keeping: older than the grace period, or whose object the informers show
// as admitted (same uid, same charge), so the total counts it already.
func (l *ledger) prunePending(rec *record) {
	now := l.now()
	for k, e := range rec.pending {
		if now.Sub(e.At.Time) >= l.Grace {
			delete(rec.pending, k)
			continue
		}
		if live, ok := l.liveEntry(rec.namespace, k); ok && live.UID == e.UID && live.charge().equal(e.charge()) {
			delete(rec.pending, k)
		}
	}
}

// liveEntry is what the object at key (<resource>.<name>) holds as the
// informers see it; false when they do not show it.
func (l *ledger) liveEntry(namespace, key string) (entry, bool) {
	resource, name, ok := strings.Cut(key, ".")
	if !ok {
		return entry{}, false
	}
	var obj runtime.Object
	var err error
	switch resource {
	case "trainingjobs":
		obj, err = l.jobs.TrainingJobs(namespace).Get(name)
	case "models":
		obj, err = l.models.Models(namespace).Get(name)
	case "notebooks":
		obj, err = l.notebooks.Notebooks(namespace).Get(name)
	case "pipelineruns":
		obj, err = l.runs.PipelineRuns(namespace).Get(name)
	case "tuningjobs":
		obj, err = l.tuns.TuningJobs(namespace).Get(name)
	default:
		return entry{}, false
	}
	if err != nil {
		return entry{}, false
	}
	m, c, err := l.chargeOf(obj)
	if err != nil {
		return entry{}, false
	}
	return newEntry(m.GetUID(), c, m.GetCreationTimestamp().Time), true
}

// chargeOf is what an object, as the informers hold it, holds.
func (l *ledger) chargeOf(obj runtime.Object) (metav1.Object, charge, error) {
	if run, ok := obj.(*mlv1alpha1.PipelineRun); ok {
		c, err := l.runCharge(run)
		if err == nil && l.coveredRun(run) {
			c = charge{} // a trial its TuningJob's peak holds for
		}
		return run, c, err
	}
	in, err := internal(obj)
	if err != nil {
		return nil, nil, err
	}
	s, _ := l.demandOf(in)
	return in.(metav1.Object), s.charge(), nil
}

// maxCachedRuns bounds the charges of runs remembered.
const maxCachedRuns = 4096

// runKey is what the charge of a run depends on: its spec (generation);
// the snapshot of its pipeline and params is fixed at create.
type runKey struct {
	uid        types.UID
	generation int64
}

// runCharge is the charge of a run. Runs are read at every recount and
// every charge in their namespace while their own charge is in flight, so
// the charges of the runs in flight are remembered: working one out plans
// the whole run.
func (l *ledger) runCharge(run *mlv1alpha1.PipelineRun) (charge, error) {
	if plan.IsFinished(ml.PipelineRunPhase(run.Status.Phase)) {
		return charge{}, nil
	}
	key := runKey{uid: run.UID, generation: run.Generation}
	l.runsMu.Lock()
	c, ok := l.runCharges[key]
	l.runsMu.Unlock()
	if ok {
		return c, nil
	}
	in, err := internal(run)
	if err != nil {
		return nil, err
	}
	if err := l.readSnapshot(run, in.(*ml.PipelineRun)); err != nil {
		return nil, err
	}
	d, _ := shapeOf(in)
	c = d.charge()
	l.runsMu.Lock()
	defer l.runsMu.Unlock()
	if l.runCharges == nil || len(l.runCharges) >= maxCachedRuns {
		l.runCharges = map[runKey]charge{}
	}
	l.runCharges[key] = c
	return c, nil
}

// snapshotTimeout bounds the read of a run's pipeline snapshot.
const snapshotTimeout = 10 * time.Second

// readSnapshot sets the snapshot of the pipeline run executes into in (run
// converted), from the run's pipeline subresource: the server stores it
// apart from the run. Without an ml.example.io client, or for a run that
// carries it, in is left as it is.
func (l *ledger) readSnapshot(run *mlv1alpha1.PipelineRun, in *ml.PipelineRun) error {
	if in.Status.PipelineSpec != nil || run.Status.Pipeline == nil || l.mlClient == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
	defer cancel()
	p, err := l.mlClient.MlV1alpha1().PipelineRuns(run.Namespace).GetPipeline(ctx, run.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read the pipeline snapshot of pipelinerun %s/%s: %w", run.Namespace, run.Name, err)
	}
	spec := &ml.PipelineSpec{}
	if err := mlv1alpha1.Convert_v1alpha1_PipelineSpec_To_ml_PipelineSpec(&p.Spec, spec, nil); err != nil {
		return fmt.Errorf("convert the pipeline snapshot of pipelinerun %s/%s: %w", run.Namespace, run.Name, err)
	}
	in.Status.PipelineSpec = spec
	return nil
}
