package logs

import (
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// DefaultMaxFollows is the default of --max-log-follows.
const DefaultMaxFollows = 1000

// followRetryAfter is the Retry-After of a follow refused by a full
// FollowLimit, in seconds: client-go waits that long and retries.
const followRetryAfter = 5

// FollowLimit bounds the log follows open at once in one server
// (--max-log-follows). A follow is a long-running request, which
// --max-requests-inflight does not count, and it holds a connection, a
// goroutine per followed log, a pod log stream to kube-apiserver (or a
// log file, in standalone mode) and a subscription to the shared pod
// watch for as long as its client keeps it open. One FollowLimit is shared
// by the log subresources of all kinds; nil means no limit.
type FollowLimit struct {
	max  int
	mu   sync.Mutex
	open int
}

// NewFollowLimit returns a limit of max follows; 0 or less is no limit.
func NewFollowLimit(max int) *FollowLimit {
	if max <= 0 {
		return nil
	}
	return &FollowLimit{max: max}
}

// Open is how many follows are open.
func (l *FollowLimit) Open() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// take reserves one follow, or refuses with 429 Too Many Requests when
// all are open; release (safe to call more than once) gives it back.
func (l *FollowLimit) take() (release func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.max {
		return nil, apierrors.NewTooManyRequests(fmt.Sprintf(
			"this server already streams %d followed logs, its limit (--max-log-follows); try again later", l.max), followRetryAfter)
	}
	l.open++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.open--
			l.mu.Unlock()
		})
	}, nil
}
