package logs

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/storage/budget"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// Create archives the logs of one pod of the object name: every
// container's log, and the previous run's of a restarted container. The
// server reads them itself, from a pod the object owns, so the right to
// ask (create <resource>/log) never gives access to other pods' logs.
func (r *REST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	req, ok := obj.(*ml.LogArchiveRequest)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a LogArchiveRequest: %T", obj))
	}
	if errs := validateArchiveRequest(req); len(errs) > 0 {
		return nil, apierrors.NewInvalid(ml.Kind("LogArchiveRequest"), name, errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, obj.DeepCopyObject()); err != nil {
			return nil, err
		}
	}
	if r.c.Source == nil || r.c.Archive == nil {
		return nil, apierrors.NewMethodNotSupported(r.c.Resource, "archive logs: this server has no pods to read from")
	}
	owner, err := r.c.Objects.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	m, err := meta.Accessor(owner)
	if err != nil {
		return nil, err
	}
	pod, err := r.c.Source.GetPod(ctx, m.GetNamespace(), req.PodName)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, apierrors.NewNotFound(schemaPods, req.PodName)
		}
		return nil, podError(err)
	}
	if req.PodUID != "" && types.UID(req.PodUID) != pod.UID {
		return nil, apierrors.NewConflict(schemaPods, req.PodName, fmt.Errorf("the pod has UID %s, not %s", pod.UID, req.PodUID))
	}
	label, ok := r.c.Kind.Label(owner, pod)
	if !ok {
		return nil, apierrors.NewInvalid(ml.Kind("LogArchiveRequest"), name, field.ErrorList{field.Invalid(
			field.NewPath("podName"), req.PodName, fmt.Sprintf("is not a pod of %s %s", r.c.Resource.Resource, name))})
	}
	out := req.DeepCopy()
	out.Status = ml.LogArchiveStatus{}
	dryRun := options != nil && len(options.DryRun) > 0
	for i, container := range pod.Containers {
		runs := []bool{false}
		if pod.Restarts[container] > 0 {
			runs = append(runs, true)
		}
		for _, previous := range runs {
			if dryRun {
				continue
			}
			stored, err := r.archive(ctx, m, pod, label, i, container, previous)
			if err != nil {
				if previous {
					klog.FromContext(ctx).V(2).Info("No previous log to archive", "pod", klog.KRef(m.GetNamespace(), pod.Name), "container", container, "err", err)
					continue
				}
				return nil, err
			}
			out.Status.Streams = append(out.Status.Streams, ml.ArchivedLogStream{
				Container: container, Previous: previous, Bytes: stored.Bytes, StoredBytes: stored.StoredBytes,
			})
		}
	}
	return out, nil
}

var schemaPods = schema.GroupResource{Resource: "pods"}

func (r *REST) archive(ctx context.Context, owner metav1.Object, pod *workload.Pod, label string, index int, container string, previous bool) (logstore.Meta, error) {
	rc, err := r.c.Source.Stream(ctx, owner.GetNamespace(), pod.Name, workload.PodLogOptions{Container: container, Previous: previous, Timestamps: true})
	if err != nil {
		return logstore.Meta{}, podError(err)
	}
	defer rc.Close()
	stored, err := r.c.Archive.Put(ctx, logstore.Meta{
		Stream: logstore.Stream{
			Namespace: owner.GetNamespace(),
			OwnerUID:  owner.GetUID(),
			Pod:       pod.Name,
			Container: container,
			Previous:  previous,
		},
		OwnerResource:  r.c.Resource.Resource,
		OwnerName:      owner.GetName(),
		PodUID:         pod.UID,
		Label:          label,
		ContainerIndex: index,
	}, rc)
	if err != nil {
		return logstore.Meta{}, archiveError(owner.GetName(), err)
	}
	return stored, nil
}

// FlagMaxBytesPerObject is the server flag of the archive cap per object,
// named in refusals.
const FlagMaxBytesPerObject = "log-archive-max-bytes-per-object"

// archiveError turns a refused archive into an API error: 429 for the
// object's cap or the store's budget (deleting objects gives bytes back),
// 500 for anything else.
func archiveError(name string, err error) error {
	var capErr *logstore.BytesCapError
	var full *budget.ExceededError
	switch {
	case errors.As(err, &capErr):
		return apierrors.NewTooManyRequests(fmt.Sprintf("log archive of %s refused: %v (--%s)", name, capErr, FlagMaxBytesPerObject), 0)
	case errors.As(err, &full):
		return apierrors.NewTooManyRequests(fmt.Sprintf("log archive of %s refused: %v", name, full), 0)
	}
	return apierrors.NewInternalError(err)
}

func validateArchiveRequest(req *ml.LogArchiveRequest) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("podName")
	if req.PodName == "" {
		return append(errs, field.Required(p, "the pod whose logs to archive"))
	}
	for _, msg := range validation.IsDNS1123Subdomain(req.PodName) {
		errs = append(errs, field.Invalid(p, req.PodName, msg))
	}
	return errs
}
