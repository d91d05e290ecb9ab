package scale

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	scaleclient "k8s.io/client-go/scale"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

// TestScaleClient scales a Model with client-go's polymorphic scale
// client, set up as kube-controller-manager sets it up for the
// HorizontalPodAutoscaler: the resource's scale kind comes from discovery,
// and the selector the HPA lists pods with from the Scale's status.
func TestScaleClient(t *testing.T) {
	ctx, cs, ns := setup(t)
	if _, err := cs.MlV1alpha1().Models(ns).Create(ctx, mltesting.NewModel("m", ns).Replicas(2).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(server.ClientConfig)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	client, err := scaleclient.NewForConfig(server.ClientConfig, mapper, dynamic.LegacyAPIPathResolverFunc, scaleclient.NewDiscoveryScaleKindResolver(dc))
	if err != nil {
		t.Fatalf("scale client: %v", err)
	}
	models := schema.GroupResource{Group: "ml.example.io", Resource: "models"}

	scale, err := client.Scales(ns).Get(ctx, models, "m", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get scale: %v", err)
	}
	if scale.Spec.Replicas != 2 || scale.Status.Selector != "ml.example.io/model=m" {
		t.Errorf("Scale spec.replicas %d, status.selector %q; want 2 and ml.example.io/model=m", scale.Spec.Replicas, scale.Status.Selector)
	}
	scale.Spec.Replicas = 4
	if _, err := client.Scales(ns).Update(ctx, models, scale, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update scale: %v", err)
	}
	patched, err := client.Scales(ns).Patch(ctx, models.WithVersion("v1alpha1"), "m", types.MergePatchType,
		[]byte(`{"spec":{"replicas":6}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("patch scale: %v", err)
	}
	if patched.Spec.Replicas != 6 {
		t.Errorf("patched Scale spec.replicas = %d, want 6", patched.Spec.Replicas)
	}
	m, err := cs.MlV1alpha1().Models(ns).Get(ctx, "m", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ptr.Deref(m.Spec.Replicas, -1); got != 6 || m.Generation != 3 {
		t.Errorf("model spec.replicas %d, generation %d; want 6 and 3", got, m.Generation)
	}
}
