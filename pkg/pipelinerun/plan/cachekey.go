package plan

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// cacheKeyVersion is part of every key, so that a change of what the key
// covers never matches keys of the old scheme: entries of older servers
// simply miss.
//
// v1 covered only the container, so tasks with the same image and command
// but different outputs and dependencies shared a key.
const cacheKeyVersion = "v2"

// keyInput is what a task's cache key covers: its whole interface, as
// Kubeflow Pipelines keys on the component spec and its inputs.
type keyInput struct {
	// Task is the pipeline task (image, resources, declared outputs,
	// volumes and mounts are read from it).
	Task *ml.PipelineTask
	// Container is its command, args and env after substitution.
	Container container
	// Deps are the names of the tasks it waits for.
	Deps []string
	// Reads are the variables it reads (params, upstream outputs, the
	// forEach item) with their values, by their text ("$(params.lr)").
	Reads map[string]string
}

// CacheKey identifies what a task computes: a hash (32 hex digits) of its
// image, its command, args and env after substitution, its resources,
// volumes and mounts, the outputs it declares, the tasks it depends on and
// the values of the params and upstream outputs it reads (in when
// expressions too). Tasks with equal keys compute the same thing, so the
// outputs of one serve the other. Quantities are hashed in canonical form
// ("1024Mi" and "1Gi" are the same key) and resource names, outputs,
// dependencies and reads in sorted order; env keeps its order, which
// Kubernetes' own $(VAR) expansion depends on.
func CacheKey(in keyInput) string {
	t, c := in.Task, in.Container
	h := &keyBuf{b: make([]byte, 0, 256)}
	writeString(h, cacheKeyVersion)
	writeString(h, t.Image)
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
	writeResources(h, t.Resources.Requests)
	writeResources(h, t.Resources.Limits)
	claims := make([]string, 0, len(t.Resources.Claims))
	for _, c := range t.Resources.Claims {
		claims = append(claims, c.Name+"/"+c.Request)
	}
	slices.Sort(claims)
	writeStrings(h, claims)
	// What the task reads from disk is part of what it computes.
	writeJSON(h, t.Volumes)
	writeJSON(h, t.VolumeMounts)

	outputs := make([]string, 0, len(t.Outputs))
	for _, o := range t.Outputs {
		outputs = append(outputs, o.Name)
	}
	slices.Sort(outputs)
	writeStrings(h, outputs)
	deps := slices.Clone(in.Deps)
	slices.Sort(deps)
	writeStrings(h, slices.Compact(deps))
	names := sets.List(sets.KeySet(in.Reads))
	writeInt(h, len(names))
	for _, name := range names {
		writeString(h, name)
		writeString(h, in.Reads[name])
	}
	// 128 bits are plenty against collisions and keep the status small.
	sum := sha256.Sum256(h.b)
	return hex.EncodeToString(sum[:16])
}

// keyBuf collects what a cache key hashes, hashed at once: a plan hashes
// a key per forEach instance, and writing each piece to a hash.Hash
// allocates.
type keyBuf struct{ b []byte }

// writeJSON writes v as JSON, which encoding/json writes deterministically
// (struct fields in order, map keys sorted).
func writeJSON(h *keyBuf, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		data = nil
	}
	writeString(h, string(data))
}

func writeResources(h *keyBuf, list corev1.ResourceList) {
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

func writeStrings(h *keyBuf, ss []string) {
	writeInt(h, len(ss))
	for _, s := range ss {
		writeString(h, s)
	}
}

// writeString writes s with its length, so that no two lists of strings
// hash alike by where their boundaries are.
func writeString(h *keyBuf, s string) {
	writeInt(h, len(s))
	h.b = append(h.b, s...)
}

func writeInt(h *keyBuf, n int) {
	h.b = binary.BigEndian.AppendUint64(h.b, uint64(n))
}
