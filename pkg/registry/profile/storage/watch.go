package storage

import (
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// membershipWatch passes on the events of the profiles a user belongs to,
// and turns changes of membership into ADDED (the user was added) and
// DELETED (the user was removed), which watch.Filter cannot: it needs the
// names the watcher sees now.
type membershipWatch struct {
	source   watch.Interface
	member   func(*ml.Profile) bool
	visible  map[string]bool
	result   chan watch.Event
	done     chan struct{}
	stopOnce sync.Once
}

func newMembershipWatch(source watch.Interface, visible map[string]bool, member func(*ml.Profile) bool) watch.Interface {
	w := &membershipWatch{
		source:  source,
		member:  member,
		visible: visible,
		result:  make(chan watch.Event),
		done:    make(chan struct{}),
	}
	go w.run()
	return w
}

// ResultChan returns the translated events.
func (w *membershipWatch) ResultChan() <-chan watch.Event { return w.result }

// Stop stops the source watch and the translation.
func (w *membershipWatch) Stop() {
	w.stopOnce.Do(func() {
		close(w.done)
		w.source.Stop()
	})
}

func (w *membershipWatch) run() {
	defer close(w.result)
	defer w.source.Stop()
	for {
		select {
		case <-w.done:
			return
		case ev, ok := <-w.source.ResultChan():
			if !ok {
				return
			}
			out, send := w.translate(ev)
			if !send {
				continue
			}
			select {
			case w.result <- out:
			case <-w.done:
				return
			}
		}
	}
}

// translate returns the event the watcher gets for ev, if any.
func (w *membershipWatch) translate(ev watch.Event) (watch.Event, bool) {
	p, ok := profileOf(ev.Object)
	if !ok || ev.Type == watch.Bookmark || ev.Type == watch.Error {
		// Bookmarks (an empty profile with a resourceVersion) and errors pass.
		return ev, true
	}
	was, is := w.visible[p.Name], w.member(p)
	switch ev.Type {
	case watch.Deleted:
		delete(w.visible, p.Name)
		return ev, was || is
	case watch.Added, watch.Modified:
		switch {
		case is && !was:
			w.visible[p.Name] = true
			return watch.Event{Type: watch.Added, Object: ev.Object}, true
		case !is && was:
			delete(w.visible, p.Name)
			return watch.Event{Type: watch.Deleted, Object: ev.Object}, true
		case is:
			return ev, true
		}
		return ev, false
	}
	return ev, true
}

// profileOf returns the profile of a watch event's object, which the watch
// cache wraps in a runtime.CacheableObject.
func profileOf(obj runtime.Object) (*ml.Profile, bool) {
	if c, ok := obj.(runtime.CacheableObject); ok {
		obj = c.GetObject()
	}
	p, ok := obj.(*ml.Profile)
	return p, ok
}
