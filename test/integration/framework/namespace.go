package framework

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

var namespaceSeq atomic.Int64

// NewNamespace returns a namespace name of its own for the test, derived
// from the test's name so that leftovers are easy to attribute. Standalone
// mode has no namespace objects to create: a namespace exists as soon as an
// object is stored in it.
func NewNamespace(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	dash := true
	for _, r := range strings.ToLower(t.Name()) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 50 {
		name = strings.TrimRight(name[:50], "-")
	}
	return fmt.Sprintf("%s-%d", name, namespaceSeq.Add(1))
}
