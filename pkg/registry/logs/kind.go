package logs

import (
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// Kind is what the log subresource of one kind needs to know: where its
// pods are, how each is named in merged output, and what replica or task
// options select.
type Kind interface {
	// Pods says where the live pods of obj are: those selector selects,
	// plus the pods named (either may be empty).
	Pods(obj runtime.Object) (selector labels.Selector, names []string)
	// Label says whether pod belongs to obj and names it in merged output
	// ("replica-0", a task name).
	Label(obj runtime.Object, pod *workload.Pod) (label string, ok bool)
	// Select returns which logs the options select, by pod name and
	// label, or field errors about replica, task and attempt.
	Select(obj runtime.Object, opts *ml.LogOptions) (func(pod, label string) bool, field.ErrorList)
}

// SelectAll selects every log.
func SelectAll(string, string) bool { return true }

// NoTask rejects the task options for kinds without tasks.
func NoTask(opts *ml.LogOptions, resource string) field.ErrorList {
	var errs field.ErrorList
	if opts.Task != "" {
		errs = append(errs, field.Forbidden(field.NewPath("task"), "applies to pipelineruns only, not "+resource))
	}
	if opts.Attempt != nil {
		errs = append(errs, field.Forbidden(field.NewPath("attempt"), "applies to pipelineruns only, not "+resource))
	}
	return errs
}

// Deps are what every log subresource shares: where live logs come from,
// the archive and the limit of follows. Any may be nil.
type Deps struct {
	Source  workload.LogSource
	Archive logstore.LogStore
	Follows *FollowLimit
}
