package profilerequest

import "sync"

// userLocks serializes the requests of each user, so that counting a
// user's profiles and creating the next one is atomic within this server.
type userLocks struct {
	mu    sync.Mutex
	locks map[string]*userLock
}

type userLock struct {
	sync.Mutex
	waiters int
}

// lock locks name's mutex and returns its unlock; a mutex nobody holds or
// waits for is forgotten.
func (l *userLocks) lock(name string) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*userLock{}
	}
	ul := l.locks[name]
	if ul == nil {
		ul = &userLock{}
		l.locks[name] = ul
	}
	ul.waiters++
	l.mu.Unlock()

	ul.Lock()
	return func() {
		ul.Unlock()
		l.mu.Lock()
		ul.waiters--
		if ul.waiters == 0 {
			delete(l.locks, name)
		}
		l.mu.Unlock()
	}
}
