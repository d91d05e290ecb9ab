package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlvalidation "ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/storage/taskstore"
)

// Defaults of TasksConfig.
const (
	// DefaultMaxTasksPage caps a page of GET .../tasks.
	DefaultMaxTasksPage = 1000
	// MaxTasksWrite is the most instances one POST .../tasks may carry.
	MaxTasksWrite = 1000
	// maxInstanceBytes caps the encoding of one instance: messages and
	// outputs are bounded by the controller long before.
	maxInstanceBytes = 64 << 10
)

// TasksConfig is what the tasks subresource needs.
type TasksConfig struct {
	// Store holds the instances; nil serves no tasks subresource.
	Store taskstore.Store
	// MaxPage caps a page of GET; 0 means DefaultMaxTasksPage.
	MaxPage int64
	// Validation holds the caps of instances: --max-foreach per task and
	// --max-run-instances per run.
	Validation mlvalidation.Options
}

// TasksREST is the tasks subresource of PipelineRuns: the per-instance
// state of their forEach tasks, which the run's status only summarizes.
// GET .../pipelineruns/NAME/tasks?task=X&phase=Failed&limit=N&continue=T
// reads a page (verb get, like log); POST writes instances (verb create,
// the controller's).
type TasksREST struct {
	runs *genericregistry.Store
	c    TasksConfig
}

var (
	_ rest.Storage           = &TasksREST{}
	_ rest.GetterWithOptions = &TasksREST{}
	_ rest.NamedCreater      = &TasksREST{}
	_ rest.Scoper            = &TasksREST{}
)

// New returns an empty PipelineRunTaskList.
func (r *TasksREST) New() runtime.Object { return &ml.PipelineRunTaskList{} }

// Destroy does nothing: the runs' store is shared.
func (r *TasksREST) Destroy() {}

// NamespaceScoped is true.
func (r *TasksREST) NamespaceScoped() bool { return true }

// NewGetOptions returns the options GET decodes its query into.
func (r *TasksREST) NewGetOptions() (runtime.Object, bool, string) {
	return &ml.PipelineRunTasksOptions{}, false, ""
}

func (r *TasksREST) maxPage() int64 {
	if r.c.MaxPage > 0 {
		return r.c.MaxPage
	}
	return DefaultMaxTasksPage
}

// owner reads the run name.
func (r *TasksREST) owner(ctx context.Context, name string) (*ml.PipelineRun, taskstore.Owner, error) {
	obj, err := r.runs.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, taskstore.Owner{}, err
	}
	run := obj.(*ml.PipelineRun)
	return run, taskstore.Owner{Namespace: run.Namespace, UID: run.UID}, nil
}

// Get returns a page of the run's instances, by task then index. A limit
// above the server's --max-tasks-page is lowered to it.
func (r *TasksREST) Get(ctx context.Context, name string, opts runtime.Object) (runtime.Object, error) {
	o, ok := opts.(*ml.PipelineRunTasksOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid options object: %#v", opts))
	}
	if errs := validateTasksOptions(o); len(errs) > 0 {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid tasks options: %s", errs.ToAggregate()))
	}
	_, owner, err := r.owner(ctx, name)
	if err != nil {
		return nil, err
	}
	limit := o.Limit
	if limit <= 0 || limit > r.maxPage() {
		limit = r.maxPage()
	}
	page, next, err := r.c.Store.List(ctx, owner, taskstore.ListOptions{Task: o.Task, Phase: o.Phase, Limit: limit, Continue: o.Continue})
	if errors.Is(err, taskstore.ErrBadContinue) {
		return nil, apierrors.NewBadRequest("continue: not a token of this list (tokens are only valid for the same run, task and phase)")
	}
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	list := &ml.PipelineRunTaskList{ListMeta: metav1.ListMeta{Continue: next}, Items: make([]ml.PipelineRunTaskInstance, 0, len(page))}
	for _, in := range page {
		var v mlv1alpha1.PipelineRunTaskInstance
		if err := json.Unmarshal(in.Data, &v); err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("decode task instance %s/%d: %w", in.Task, in.Index, err))
		}
		var out ml.PipelineRunTaskInstance
		if err := mlv1alpha1.Convert_v1alpha1_PipelineRunTaskInstance_To_ml_PipelineRunTaskInstance(&v, &out, nil); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		out.Task, out.Index, out.Phase = in.Task, in.Index, ml.TaskPhase(in.Phase)
		list.Items = append(list.Items, out)
	}
	return list, nil
}

// validateTasksOptions checks the query of GET.
func validateTasksOptions(o *ml.PipelineRunTasksOptions) field.ErrorList {
	var errs field.ErrorList
	if o.Task != "" {
		for _, msg := range validation.IsDNS1123Label(o.Task) {
			errs = append(errs, field.Invalid(field.NewPath("task"), o.Task, msg))
		}
	}
	switch ml.TaskPhase(o.Phase) {
	case "", ml.TaskPending, ml.TaskRunning, ml.TaskSucceeded, ml.TaskFailed, ml.TaskSkipped, ml.TaskCanceled:
	default:
		errs = append(errs, field.NotSupported(field.NewPath("phase"), o.Phase, []string{
			string(ml.TaskPending), string(ml.TaskRunning), string(ml.TaskSucceeded), string(ml.TaskFailed), string(ml.TaskSkipped), string(ml.TaskCanceled)}))
	}
	if o.Limit < 0 {
		errs = append(errs, field.Invalid(field.NewPath("limit"), o.Limit, "must not be negative"))
	}
	return errs
}

// Create writes the instances of the list to the run name: the
// controller's record of them. It answers the list it was given.
func (r *TasksREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	list, ok := obj.(*ml.PipelineRunTaskList)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a PipelineRunTaskList: %T", obj))
	}
	if n := len(list.Items); n > MaxTasksWrite {
		return nil, tooLarge(fmt.Sprintf("%d task instances in one request, more than %d: write them in several", n, MaxTasksWrite))
	}
	if errs := r.validateInstances(list); len(errs) > 0 {
		return nil, apierrors.NewInvalid(ml.Kind("PipelineRunTaskList"), name, errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, obj.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	run, owner, err := r.owner(ctx, name)
	if err != nil {
		return nil, err
	}
	if run.DeletionTimestamp != nil {
		return nil, apierrors.NewConflict(ml.Resource("pipelineruns"), name, errors.New("the run is being deleted"))
	}
	records := make([]taskstore.Instance, 0, len(list.Items))
	for i := range list.Items {
		in := &list.Items[i]
		var v mlv1alpha1.PipelineRunTaskInstance
		if err := mlv1alpha1.Convert_ml_PipelineRunTaskInstance_To_v1alpha1_PipelineRunTaskInstance(in, &v, nil); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		data, err := json.Marshal(&v)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		if len(data) > maxInstanceBytes {
			return nil, tooLarge(fmt.Sprintf("task instance %s/%d is %d bytes encoded, more than %d", in.Task, in.Index, len(data), maxInstanceBytes))
		}
		records = append(records, taskstore.Instance{Task: in.Task, Index: in.Index, Phase: string(in.Phase), Data: data})
	}
	if options != nil && len(options.DryRun) > 0 {
		return list, nil
	}
	if err := r.c.Store.Put(ctx, owner, records); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return list, nil
}

// validateInstances checks what POST writes: instances of DNS-label tasks
// within the caps of forEach lists.
func (r *TasksREST) validateInstances(list *ml.PipelineRunTaskList) field.ErrorList {
	var errs field.ErrorList
	maxIndex := r.c.Validation.MaxForEachItems
	if maxIndex <= 0 {
		maxIndex = mlvalidation.DefaultMaxForEachItems
	}
	for i := range list.Items {
		in := &list.Items[i]
		p := field.NewPath("items").Index(i)
		for _, msg := range validation.IsDNS1123Label(in.Task) {
			errs = append(errs, field.Invalid(p.Child("task"), in.Task, msg))
		}
		if in.Index < 0 || in.Index >= maxIndex {
			errs = append(errs, field.Invalid(p.Child("index"), in.Index, fmt.Sprintf("must be from 0 to %d (the server's --max-foreach)", maxIndex-1)))
		}
		switch in.Phase {
		case ml.TaskPending, ml.TaskRunning, ml.TaskSucceeded, ml.TaskFailed, ml.TaskSkipped, ml.TaskCanceled:
		default:
			errs = append(errs, field.NotSupported(p.Child("phase"), in.Phase, []string{"Pending", "Running", "Succeeded", "Failed", "Skipped", "Canceled"}))
		}
	}
	return errs
}

// tooLarge is a 413 naming what is too large.
func tooLarge(msg string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusRequestEntityTooLarge,
		Reason: metav1.StatusReasonRequestEntityTooLarge, Message: msg,
	}}
}

// tasksCleanupTimeout bounds the deletion of a run's instances.
const tasksCleanupTimeout = 30 * time.Second

// deleteTasksWithRuns makes store delete the instances of a run once the
// run is gone, as logstore.DeleteWithOwner does for its logs.
func deleteTasksWithRuns(store *genericregistry.Store, tasks taskstore.Store) {
	if tasks == nil {
		return
	}
	next := store.AfterDelete
	store.AfterDelete = func(obj runtime.Object, options *metav1.DeleteOptions) {
		if next != nil {
			next(obj, options)
		}
		if options != nil && len(options.DryRun) > 0 {
			return
		}
		run, ok := obj.(*ml.PipelineRun)
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), tasksCleanupTimeout)
		defer cancel()
		if err := tasks.DeleteOwner(ctx, run.Namespace, run.UID); err != nil {
			utilruntime.HandleError(err)
		}
	}
}
