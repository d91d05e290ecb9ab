package logs

import (
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// noLogs is the 404 answer of a read that no log answers, never an empty
// 200: it says which logs were asked for and why there are none. matched
// says whether a pod the options select exists (and has written nothing
// readable yet).
func (r *REST) noLogs(obj runtime.Object, name string, o *ml.LogOptions, matched bool) error {
	kind := strings.TrimSuffix(r.c.Resource.Resource, "s")
	what, is, do := fmt.Sprintf("the logs of %s %q", kind, name), "are", "do"
	if sel := selection(o); sel != "" {
		what, is, do = fmt.Sprintf("the log of %s of %s %q", sel, kind, name), "is", "does"
	}
	if o.Container != "" {
		what += fmt.Sprintf(" (container %s)", o.Container)
	}
	if o.Previous {
		what = "the previous " + strings.TrimPrefix(what, "the ")
	}
	var why string
	switch {
	case matched && o.Previous:
		why = is + " not there: no earlier run of the container ended"
	case matched:
		why = is + " not there yet: the process has not started"
	case lifecycleOf(r.c.Kind, obj) == ended:
		why = is + " not kept: its processes are gone and no archive of their logs exists " +
			"(the logarchive controller may be off, or the archive refused them: --" + FlagMaxBytesPerObject + ")"
	case o.Replica != "" || o.Task != "":
		why = do + " not exist: no such process has started"
	default:
		why = do + " not exist yet: no process has started"
	}
	err := apierrors.NewNotFound(r.c.Resource, name)
	err.ErrStatus.Message = what + " " + why
	return err
}
