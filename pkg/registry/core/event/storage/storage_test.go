package storage

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	etcd3testing "k8s.io/apiserver/pkg/storage/etcd3/testing"
	"k8s.io/apiserver/pkg/storage/storagebackend"

	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/registry/registrytest"
)

// newStorage stores Events in an etcd of the test's, as core/v1, the way
// the server does, with the given TTL.
func newStorage(t *testing.T, decorator generic.StorageDecorator, ttl time.Duration) EventStorage {
	t.Helper()
	_, etcdConfig := etcd3testing.NewUnsecuredEtcd3TestClientServer(t)
	config := storagebackend.NewDefaultConfig(etcdConfig.Prefix, scheme.CoreCodecs.LegacyCodec(corev1.SchemeGroupVersion))
	config.Transport.ServerList = etcdConfig.Transport.ServerList
	config.EncodeVersioner = corev1.SchemeGroupVersion
	gr := corev1.Resource("events")
	s, err := NewStorage(scheme.CoreScheme, generic.RESTOptions{
		StorageConfig:           config.ForResource(gr),
		Decorator:               decorator,
		DeleteCollectionWorkers: 1,
		ResourcePrefix:          "/events",
	}, ttl)
	if err != nil {
		t.Fatalf("NewStorage: %v", err)
	}
	t.Cleanup(s.Event.Destroy)
	return s
}

func newEvent(name, object, reason, typ string) *corev1.Event {
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: registrytest.Namespace},
		InvolvedObject: corev1.ObjectReference{
			APIVersion: "ml.example.io/v1alpha1", Kind: "TrainingJob", Namespace: registrytest.Namespace, Name: object, UID: types.UID("uid-" + object),
		},
		Reason: reason, Type: typ, Message: reason + " of " + object,
		Source: corev1.EventSource{Component: "ml-controller"},
		Count:  1,
	}
}

// TestFieldSelectors lists Events by the fields `kubectl describe` and
// `kubectl get events --field-selector` select on, straight from etcd and
// through the watch cache.
func TestFieldSelectors(t *testing.T) {
	for backend, decorator := range registrytest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := newStorage(t, decorator, time.Hour)
			ctx := registrytest.NewContext(registrytest.Namespace)
			for _, e := range []*corev1.Event{
				newEvent("a.1", "a", "SuccessfulCreate", corev1.EventTypeNormal),
				newEvent("a.2", "a", "PodFailed", corev1.EventTypeWarning),
				newEvent("b.1", "b", "SuccessfulCreate", corev1.EventTypeNormal),
			} {
				if _, err := s.Event.Create(ctx, e, rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			for selector, want := range map[string][]string{
				// kubectl describe's search.
				"involvedObject.name=a,involvedObject.namespace=team-a,involvedObject.kind=TrainingJob,involvedObject.uid=uid-a": {"a.1", "a.2"},
				"involvedObject.name=b":             {"b.1"},
				"type=Warning":                      {"a.2"},
				"reason=SuccessfulCreate":           {"a.1", "b.1"},
				"source=ml-controller,type!=Normal": {"a.2"},
				"metadata.name=b.1":                 {"b.1"},
				"involvedObject.uid=nope":           nil,
			} {
				sel, err := fields.ParseSelector(selector)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				var listErr error
				err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
					// The watch cache answers 429 until it has listed etcd.
					list, err := s.Event.List(ctx, &metainternalversion.ListOptions{FieldSelector: sel})
					if listErr = err; err != nil {
						return false, nil
					}
					got = nil
					for _, e := range list.(*corev1.EventList).Items {
						got = append(got, e.Name)
					}
					return cmp.Equal(want, got), nil
				})
				if err != nil {
					t.Errorf("list %s = %v, want %v: %v (last error: %v)", selector, got, want, err, listErr)
				}
			}
		})
	}
}

// TestTTL checks that an Event is gone once its TTL has passed since its
// last write.
func TestTTL(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage, time.Second)
	ctx := registrytest.NewContext(registrytest.Namespace)
	if _, err := s.Event.Create(ctx, newEvent("a.1", "a", "Started", corev1.EventTypeNormal), rest.ValidateAllObjectFunc, &metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		_, err := s.Event.Get(ctx, "a.1", &metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		t.Errorf("the event outlived its TTL of 1s by a minute: %v", err)
	}
}

// TestCreateInvalid checks that an Event about an object of another
// namespace is refused with the field named.
func TestCreateInvalid(t *testing.T) {
	s := newStorage(t, generic.UndecoratedStorage, time.Hour)
	ctx := registrytest.NewContext(registrytest.Namespace)
	e := newEvent("a.1", "a", "Started", corev1.EventTypeNormal)
	e.InvolvedObject.Namespace = "other"
	_, err := s.Event.Create(ctx, e, rest.ValidateAllObjectFunc, &metav1.CreateOptions{})
	registrytest.CheckInvalid(t, err, "involvedObject.namespace", "does not match event.namespace")
}

func TestNewStorageRefusesNoTTL(t *testing.T) {
	if _, err := NewStorage(scheme.CoreScheme, nil, 0); err == nil {
		t.Errorf("NewStorage with a TTL of 0: want an error")
	}
}

func TestShortNames(t *testing.T) {
	if diff := cmp.Diff([]string{"ev"}, (&REST{}).ShortNames()); diff != "" {
		t.Errorf("short names (-want +got):\n%s", diff)
	}
}
