package storage

import (
	"context"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// REST is the storage of PipelineRuns: the shared store, but that a
// dry-run create answers as a real one does, with status.pipeline and
// without the snapshot (which the dry run does not store).
type REST struct {
	*registryutil.REST
	snapshots *Snapshots
}

// Create creates a run; see REST.
func (r *REST) Create(ctx context.Context, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	out, err := r.REST.Create(ctx, obj, createValidation, options)
	if err != nil || options == nil || len(options.DryRun) == 0 {
		return out, err
	}
	run, ok := out.(*ml.PipelineRun)
	if !ok || run.Status.PipelineSpec == nil {
		return out, nil
	}
	ref, err := r.snapshots.Ref(run.Status.PipelineSpec, run.Status.Pipeline)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	run.Status.PipelineSpec, run.Status.Pipeline = nil, ref
	return run, nil
}

// PipelineREST is the pipeline subresource of PipelineRuns: the snapshot
// of the pipeline a run executes, as a Pipeline named after the run:
// `kubectl get --raw /apis/ml.example.io/v1alpha1/namespaces/NS/pipelineruns/NAME/pipeline`.
type PipelineREST struct {
	runs      *genericregistry.Store
	snapshots *Snapshots
}

var (
	_ rest.Getter  = &PipelineREST{}
	_ rest.Storage = &PipelineREST{}
)

// New returns an empty Pipeline.
func (r *PipelineREST) New() runtime.Object { return &ml.Pipeline{} }

// Destroy does nothing: the snapshots go with the runs' store.
func (r *PipelineREST) Destroy() {}

// Get returns the snapshot of the run name.
func (r *PipelineREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	obj, err := r.runs.Get(ctx, name, options)
	if err != nil {
		return nil, err
	}
	return r.snapshots.Pipeline(ctx, obj.(*ml.PipelineRun))
}

// Pipeline returns the snapshot of run, as the pipeline subresource serves
// it: named after the run, with the hash and where it was taken from in
// annotations. A run stored by an earlier version, not migrated yet, has
// it in status.pipelineSpec.
func (s *Snapshots) Pipeline(ctx context.Context, run *ml.PipelineRun) (*ml.Pipeline, error) {
	spec := run.Status.PipelineSpec
	if spec == nil {
		if run.Status.Pipeline == nil {
			return nil, snapshotNotFound(run, "the run has none (status.pipeline is empty): it is taken when the run is created, by the PipelineRunResolve admission plugin")
		}
		stored, err := s.Get(ctx, run.Namespace, run.UID)
		if storage.IsNotFound(err) {
			return nil, snapshotNotFound(run, "it is not in storage")
		}
		if err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("read the pipeline snapshot: %w", err))
		}
		spec = &stored.Spec
	}
	p := &ml.Pipeline{
		ObjectMeta: metav1.ObjectMeta{
			Name:              run.Name,
			Namespace:         run.Namespace,
			CreationTimestamp: run.CreationTimestamp,
		},
		Spec: *spec.DeepCopy(),
	}
	if ref := run.Status.Pipeline; ref != nil {
		p.Annotations = map[string]string{mlv1alpha1.PipelineSnapshotHashAnnotation: ref.Hash}
		if ref.Name != "" {
			p.Annotations[mlv1alpha1.PipelineSnapshotSourceAnnotation] = ref.Name
		}
	}
	return p, nil
}

func snapshotNotFound(run *ml.PipelineRun, why string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure,
		Code:   http.StatusNotFound,
		Reason: metav1.StatusReasonNotFound,
		Details: &metav1.StatusDetails{
			Group: ml.GroupName, Kind: "pipelineruns", Name: run.Name,
		},
		Message: fmt.Sprintf("the pipeline snapshot of pipelineruns.%s %q is missing: %s", ml.GroupName, run.Name, why),
	}}
}
