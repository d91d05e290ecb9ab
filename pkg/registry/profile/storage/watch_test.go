package storage

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/watch"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
)

// TestMembershipWatchTranslate feeds events of profiles bob is in or not
// and checks what bob's watch gets.
func TestMembershipWatchTranslate(t *testing.T) {
	in := func(name string) *ml.Profile {
		return mltesting.MakeProfile(name, "alice").Contributor(mltesting.User("bob"), ml.ContributorRoleView).Obj()
	}
	out := func(name string) *ml.Profile { return mltesting.MakeProfile(name, "alice").Obj() }
	bookmark := &ml.Profile{}
	bookmark.ResourceVersion = "42"

	source := watch.NewFake()
	w := newMembershipWatch(source, map[string]bool{"seen": true}, func(p *ml.Profile) bool { return p.Name == "own" || len(p.Spec.Contributors) > 0 })
	defer w.Stop()
	events := []watch.Event{
		{Type: watch.Added, Object: out("other")},   // dropped
		{Type: watch.Added, Object: in("a")},        // ADDED
		{Type: watch.Modified, Object: in("a")},     // MODIFIED
		{Type: watch.Bookmark, Object: bookmark},    // passes
		{Type: watch.Modified, Object: out("a")},    // bob removed: DELETED
		{Type: watch.Modified, Object: out("a")},    // dropped
		{Type: watch.Modified, Object: in("b")},     // bob added: ADDED
		{Type: watch.Modified, Object: in("seen")},  // seen before the watch: MODIFIED
		{Type: watch.Deleted, Object: out("other")}, // dropped
		{Type: watch.Deleted, Object: in("b")},      // DELETED
		{Type: watch.Modified, Object: out("seen")}, // DELETED
		{Type: watch.Added, Object: out("own")},     // owned: ADDED
	}
	want := []string{"ADDED a", "MODIFIED a", "BOOKMARK ", "DELETED a", "ADDED b", "MODIFIED seen", "DELETED b", "DELETED seen", "ADDED own"}
	go func() {
		for _, ev := range events {
			source.Action(ev.Type, ev.Object)
		}
		source.Stop()
	}()
	var got []string
	for ev := range w.ResultChan() {
		got = append(got, string(ev.Type)+" "+name(ev.Object))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
