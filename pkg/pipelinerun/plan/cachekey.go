package plan

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"
)

// cacheKeyVersion is part of every key, so that a change of what the key
// covers never matches keys of the old scheme.
const cacheKeyVersion = "v1"

// CacheKey identifies what a task runs: a hash (32 hex digits) of its image, its command,
// args and env after substitution, and its resources. Tasks with equal
// keys compute the same thing, so the outputs of one serve the other.
// Quantities are hashed in canonical form ("1024Mi" and "1Gi" are the same
// key) and resource names in sorted order; env keeps its order, which
// Kubernetes' own $(VAR) expansion depends on.
func CacheKey(image string, c container, resources corev1.ResourceRequirements) string {
	h := sha256.New()
	writeString(h, cacheKeyVersion)
	writeString(h, image)
	writeStrings(h, c.Command)
	writeStrings(h, c.Args)
	writeInt(h, len(c.Env))
	for _, e := range c.Env {
		writeString(h, e.Name)
		writeString(h, e.Value)
		// A variable from a secret or ConfigMap is known by where it
		// comes from, not its value.
		if e.ValueFrom != nil {
			writeString(h, e.ValueFrom.String())
		} else {
			writeString(h, "")
		}
	}
	writeResources(h, resources.Requests)
	writeResources(h, resources.Limits)
	claims := make([]string, 0, len(resources.Claims))
	for _, c := range resources.Claims {
		claims = append(claims, c.Name+"/"+c.Request)
	}
	slices.Sort(claims)
	writeStrings(h, claims)
	// 128 bits are plenty against collisions and keep the status small.
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func writeResources(h hash.Hash, list corev1.ResourceList) {
	names := sets.List(sets.KeySet(list))
	writeInt(h, len(names))
	for _, name := range names {
		q := list[name]
		writeString(h, string(name))
		writeString(h, canonical(q))
	}
}

func canonical(q resource.Quantity) string {
	c := q.DeepCopy()
	return c.String()
}

func writeStrings(h hash.Hash, ss []string) {
	writeInt(h, len(ss))
	for _, s := range ss {
		writeString(h, s)
	}
}

// writeString writes s with its length, so that no two lists of strings
// hash alike by where their boundaries are.
func writeString(h hash.Hash, s string) {
	writeInt(h, len(s))
	_, _ = h.Write([]byte(s))
}

func writeInt(h hash.Hash, n int) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	_, _ = h.Write(b[:])
}
