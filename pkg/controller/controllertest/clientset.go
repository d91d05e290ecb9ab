package controllertest

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

// NewKubeClientset returns a fake kube clientset holding objs whose
// creates behave like kube-apiserver's in what the controllers rely on
// (see AssignUIDs).
func NewKubeClientset(objs ...runtime.Object) *kubefake.Clientset {
	c := kubefake.NewClientset(objs...)
	AssignUIDs(&c.Fake)
	return c
}

// AssignUIDs makes every create through fake give an object without a UID
// a new UID and generation 1, as kube-apiserver does. The fake clientsets
// store objects as given, and the controllers need the UID of a child
// they created: owner references and expectations are keyed by it.
func AssignUIDs(fake *clienttesting.Fake) {
	fake.PrependReactor("create", "*", func(a clienttesting.Action) (bool, runtime.Object, error) {
		create, ok := a.(clienttesting.CreateAction)
		if !ok {
			return false, nil, nil
		}
		if obj, ok := create.GetObject().(metav1.Object); ok && obj.GetUID() == "" {
			obj.SetUID(uuid.NewUUID())
			obj.SetGeneration(1)
		}
		return false, nil, nil
	})
}
