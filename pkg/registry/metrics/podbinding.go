package metrics

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// The user extras kube-apiserver sets for a service-account token bound to
// a pod (every token mounted into a pod is).
const (
	PodNameExtra = "authentication.kubernetes.io/pod-name"
	PodUIDExtra  = "authentication.kubernetes.io/pod-uid"
)

// PodGetter reads a pod (a core clientset's Pods(ns).Get, in aggregated
// mode).
type PodGetter func(ctx context.Context, namespace, name string) (*corev1.Pod, error)

// PodBinding is the WriterCheck of the metrics subresource: a request
// authenticated by a pod-bound service-account token may write the metrics
// of the object that pod belongs to and of no other. Other users (people,
// controllers, service-account tokens not bound to a pod) are left to
// RBAC.
//
// A pod belongs to an object when its controller reference names the
// object (TrainingJob, PipelineRun) or, for a Model, whose pods belong to
// a Deployment, when it carries the label ml.example.io/model=<name>.
type PodBinding struct {
	// Pods reads pods; nil refuses every pod-bound writer (standalone mode
	// has no pods).
	Pods PodGetter

	mu sync.Mutex
	// verified remembers pod UID -> owner UID for verifiedTTL.
	verified map[types.UID]verdict
}

type verdict struct {
	owner   types.UID
	expires time.Time
}

const (
	verifiedTTL = 5 * time.Minute
	maxVerified = 10000
)

var _ WriterCheck = &PodBinding{}

// CheckWriter implements WriterCheck.
func (b *PodBinding) CheckWriter(ctx context.Context, kind string, owner metav1.Object) error {
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return nil
	}
	extra := u.GetExtra()
	podName, podUID := first(extra[PodNameExtra]), first(extra[PodUIDExtra])
	if podName == "" {
		return nil
	}
	forbidden := func(reason string) error {
		return apierrors.NewForbidden(ml.Resource(strings.ToLower(kind)+"s/metrics"), owner.GetName(),
			fmt.Errorf("the token of pod %s/%s may write only the metrics of the object the pod belongs to: %s",
				owner.GetNamespace(), podName, reason))
	}
	saNamespace, _, err := serviceaccount.SplitUsername(u.GetName())
	if err != nil || saNamespace != owner.GetNamespace() {
		return forbidden("the pod is in another namespace")
	}
	if b.cached(types.UID(podUID), owner.GetUID()) {
		return nil
	}
	if b.Pods == nil {
		return forbidden("this server cannot read pods")
	}
	pod, err := b.Pods(ctx, saNamespace, podName)
	if apierrors.IsNotFound(err) {
		return forbidden("the pod does not exist")
	}
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("read pod %s/%s: %w", saNamespace, podName, err))
	}
	if podUID != "" && string(pod.UID) != podUID {
		return forbidden("the pod the token was issued for no longer exists")
	}
	if !belongs(pod, kind, owner) {
		return forbidden(fmt.Sprintf("the pod does not belong to %s %s", kind, owner.GetName()))
	}
	b.remember(pod.UID, owner.GetUID())
	return nil
}

func belongs(pod *corev1.Pod, kind string, owner metav1.Object) bool {
	if kind == "Model" {
		return pod.Labels[registryutil.ModelNameLabel] == owner.GetName()
	}
	ref := metav1.GetControllerOf(pod)
	return ref != nil && ref.Kind == kind && ref.Name == owner.GetName() && ref.UID == owner.GetUID() &&
		strings.HasPrefix(ref.APIVersion, ml.GroupName+"/")
}

func (b *PodBinding) cached(pod, owner types.UID) bool {
	if pod == "" {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.verified[pod]
	return ok && v.owner == owner && time.Now().Before(v.expires)
}

func (b *PodBinding) remember(pod, owner types.UID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.verified == nil || len(b.verified) >= maxVerified {
		b.verified = map[types.UID]verdict{}
	}
	b.verified[pod] = verdict{owner: owner, expires: time.Now().Add(verifiedTTL)}
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}
