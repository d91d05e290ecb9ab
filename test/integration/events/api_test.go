package events

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestDiscoveryListsOnlyEvents checks that of the core group, /api offers
// v1 and /api/v1 only events, with the verbs of kube-apiserver, and that
// the ml.example.io group is still discovered.
func TestDiscoveryListsOnlyEvents(t *testing.T) {
	client := discovery.NewDiscoveryClientForConfigOrDie(server.ClientConfig)
	raw, err := client.RESTClient().Get().AbsPath("/api").DoRaw(context.Background())
	if err != nil {
		t.Fatalf("GET /api: %v", err)
	}
	var versions metav1.APIVersions
	if err := json.Unmarshal(raw, &versions); err != nil {
		t.Fatalf("GET /api: %v\n%s", err, raw)
	}
	if !slices.Equal(versions.Versions, []string{"v1"}) {
		t.Errorf("/api versions = %v, want [v1]", versions.Versions)
	}
	resources, err := client.ServerResourcesForGroupVersion("v1")
	if err != nil {
		t.Fatalf("discover /api/v1: %v", err)
	}
	var names []string
	for _, r := range resources.APIResources {
		names = append(names, r.Name)
		if r.Name != "events" {
			continue
		}
		if !r.Namespaced || r.Kind != "Event" || !slices.Contains(r.ShortNames, "ev") {
			t.Errorf("events resource = %+v", r)
		}
		for _, verb := range []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"} {
			if !slices.Contains(r.Verbs, verb) {
				t.Errorf("events verbs %v lack %s", r.Verbs, verb)
			}
		}
	}
	if !slices.Equal(names, []string{"events"}) {
		t.Errorf("/api/v1 resources = %v, want only events", names)
	}
	if _, err := client.ServerResourcesForGroupVersion(mlv1alpha1.SchemeGroupVersion.String()); err != nil {
		t.Errorf("discover %s: %v", mlv1alpha1.SchemeGroupVersion, err)
	}
}

func event(ns, name string) *corev1.Event {
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		InvolvedObject: corev1.ObjectReference{
			APIVersion: mlv1alpha1.SchemeGroupVersion.String(), Kind: "TrainingJob", Namespace: ns, Name: "job", UID: "uid-job",
		},
		Reason:         "Testing",
		Message:        "an event of a test",
		Type:           corev1.EventTypeNormal,
		Source:         corev1.EventSource{Component: "test"},
		FirstTimestamp: metav1.Now(),
		LastTimestamp:  metav1.Now(),
		Count:          1,
	}
}

// TestBadEventsRefused checks that an event outside its object's namespace
// is refused 422 naming the field, and that a field selector on a field
// Events cannot be selected by is refused 400.
func TestBadEventsRefused(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	events := kubernetes.NewForConfigOrDie(server.ClientConfig).CoreV1().Events(ns)
	e := event(ns, "elsewhere")
	e.InvolvedObject.Namespace = "other"
	_, err := events.Create(ctx, e, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "involvedObject.namespace") {
		t.Errorf("create an event about an object of another namespace: got %v, want 422 naming involvedObject.namespace", err)
	}
	_, err = events.List(ctx, metav1.ListOptions{FieldSelector: "message=x"})
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "message") {
		t.Errorf("list events by message: got %v, want 400 naming the field", err)
	}
}

// TestEventsExpire checks that an event is gone once --event-ttl has
// passed since it was written.
func TestEventsExpire(t *testing.T) {
	s := framework.StartTestServerWith(t, func(o *options.Options) {
		o.Events.TTL = 2 * time.Second
	})
	ns := framework.NewNamespace(t)
	ctx := context.Background()
	events := kubernetes.NewForConfigOrDie(s.ClientConfig).CoreV1().Events(ns)
	if _, err := events.Create(ctx, event(ns, "short-lived"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := events.Get(ctx, "short-lived", metav1.GetOptions{}); err != nil {
		t.Fatalf("get the event just written: %v", err)
	}
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := events.Get(ctx, "short-lived", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		t.Errorf("the event is still there a minute after its TTL of 2s: %v", err)
	}
}

// TestWatchPatchDelete follows one object's events with a watch, as
// `kubectl get events -w --field-selector` does, while an event is created,
// patched the way a recorder counts a repeated event, and deleted with
// the collection.
func TestWatchPatchDelete(t *testing.T) {
	ns := framework.NewNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	events := kubernetes.NewForConfigOrDie(server.ClientConfig).CoreV1().Events(ns)
	w, err := events.Watch(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=job"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	other := event(ns, "other.1")
	other.InvolvedObject.Name = "other"
	if _, err := events.Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := events.Create(ctx, event(ns, "job.1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	patch := []byte(`{"count":2,"message":"again"}`)
	if _, err := events.Patch(ctx, "job.1", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch the event's count: %v", err)
	}
	if err := events.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatalf("delete the collection: %v", err)
	}
	var got []string
	for len(got) < 3 {
		select {
		case e, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("the watch ended after %v", got)
			}
			ev, isEvent := e.Object.(*corev1.Event)
			if !isEvent {
				t.Fatalf("watch event %s of a %T: %+v", e.Type, e.Object, e.Object)
			}
			got = append(got, fmt.Sprintf("%s %s %d", e.Type, ev.Name, ev.Count))
		case <-ctx.Done():
			t.Fatalf("watch events so far: %v: %v", got, ctx.Err())
		}
	}
	want := []string{"ADDED job.1 1", "MODIFIED job.1 2", "DELETED job.1 2"}
	if !slices.Equal(want, got) {
		t.Errorf("watch events = %v, want %v", got, want)
	}
}
