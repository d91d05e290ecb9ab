package mlquota

import (
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

// configMaps stands in for kube-apiserver's ConfigMaps with real
// optimistic concurrency: an update whose resourceVersion is not the
// stored one conflicts, as the fake clientset's tracker does not.
type configMaps struct {
	mu     sync.Mutex
	rv     int
	items  map[string]*corev1.ConfigMap
	writes int
}

var configMapsResource = schema.GroupResource{Resource: "configmaps"}

func installConfigMaps(c *fake.Clientset) *configMaps {
	s := &configMaps{items: map[string]*corev1.ConfigMap{}}
	c.PrependReactor("*", "configmaps", func(action clienttesting.Action) (bool, runtime.Object, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch action.GetVerb() {
		case "get":
			a := action.(clienttesting.GetAction)
			cm, ok := s.items[a.GetName()]
			if !ok {
				return true, nil, apierrors.NewNotFound(configMapsResource, a.GetName())
			}
			return true, cm.DeepCopy(), nil
		case "list":
			list := &corev1.ConfigMapList{}
			for _, cm := range s.items {
				list.Items = append(list.Items, *cm.DeepCopy())
			}
			return true, list, nil
		case "create":
			a := action.(clienttesting.CreateAction)
			cm := a.GetObject().(*corev1.ConfigMap).DeepCopy()
			if _, ok := s.items[cm.Name]; ok {
				return true, nil, apierrors.NewAlreadyExists(configMapsResource, cm.Name)
			}
			s.store(cm)
			return true, cm.DeepCopy(), nil
		case "delete":
			a := action.(clienttesting.DeleteAction)
			old, ok := s.items[a.GetName()]
			if !ok {
				return true, nil, apierrors.NewNotFound(configMapsResource, a.GetName())
			}
			if pre := a.GetDeleteOptions().Preconditions; pre != nil && pre.ResourceVersion != nil && *pre.ResourceVersion != old.ResourceVersion {
				return true, nil, apierrors.NewConflict(configMapsResource, old.Name, errStale)
			}
			delete(s.items, a.GetName())
			return true, nil, nil
		case "update":
			a := action.(clienttesting.UpdateAction)
			cm := a.GetObject().(*corev1.ConfigMap).DeepCopy()
			old, ok := s.items[cm.Name]
			if !ok {
				return true, nil, apierrors.NewNotFound(configMapsResource, cm.Name)
			}
			if cm.ResourceVersion != old.ResourceVersion {
				return true, nil, apierrors.NewConflict(configMapsResource, cm.Name, errStale)
			}
			s.store(cm)
			return true, cm.DeepCopy(), nil
		}
		return false, nil, nil
	})
	return s
}

var errStale = apierrors.NewBadRequest("the object has been modified")

func (s *configMaps) store(cm *corev1.ConfigMap) {
	s.rv++
	s.writes++
	cm.ResourceVersion = strconv.Itoa(s.rv)
	if cm.CreationTimestamp.IsZero() {
		cm.CreationTimestamp = metav1.Now()
	}
	s.items[cm.Name] = cm
}

func (s *configMaps) get(name string) *corev1.ConfigMap {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cm, ok := s.items[name]; ok {
		return cm.DeepCopy()
	}
	return nil
}

func (s *configMaps) writeCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}
