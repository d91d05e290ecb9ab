package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

func TestCacheKey(t *testing.T) {
	base := func() keyInput {
		return keyInput{
			Task: &ml.PipelineTask{
				Name: "train",
				ContainerSpec: ml.ContainerSpec{
					Image: "img:1",
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")},
					},
				},
				Outputs: []ml.TaskOutput{{Name: "model"}, {Name: "loss"}},
			},
			Container: container{
				Command: []string{"python", "-m", "train"},
				Args:    []string{"--lr=0.1"},
				Env:     []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}},
			},
			Deps:  []string{"prep", "lint"},
			Reads: map[string]string{"$(params.lr)": "0.1", "$(tasks.prep.outputs.uri)": "s3://d"},
		}
	}
	key := func(change func(*keyInput)) string {
		in := base()
		change(&in)
		return CacheKey(in)
	}
	same := key(func(*keyInput) {})
	if len(same) != 32 {
		t.Errorf("key %q, want 32 hex digits", same)
	}
	// A golden value: the key must not change between releases, or every
	// cached result is lost on upgrade.
	if want := "c7e50084f8d0e47ddfe3b95d80ebdc37"; same != want {
		t.Errorf("cache key of the base task is %s, want %s", same, want)
	}
	equal := map[string]func(*keyInput){
		"nothing changed": func(*keyInput) {},
		"1024Mi is 1Gi": func(in *keyInput) {
			in.Task.Resources.Requests[corev1.ResourceMemory] = resource.MustParse("1024Mi")
		},
		"0.5 cpu is 500m": func(in *keyInput) {
			in.Task.Resources.Requests[corev1.ResourceCPU] = resource.MustParse("0.5")
		},
		"another name":                  func(in *keyInput) { in.Task.Name = "train2" },
		"outputs in another order":      func(in *keyInput) { in.Task.Outputs[0], in.Task.Outputs[1] = in.Task.Outputs[1], in.Task.Outputs[0] },
		"dependencies in another order": func(in *keyInput) { in.Deps[0], in.Deps[1] = in.Deps[1], in.Deps[0] },
		"a description":                 func(in *keyInput) { in.Task.Description = "trains" },
	}
	for name, change := range equal {
		if got := key(change); got != same {
			t.Errorf("%s: key changed", name)
		}
	}
	different := map[string]func(*keyInput){
		"image":   func(in *keyInput) { in.Task.Image = "img:2" },
		"command": func(in *keyInput) { in.Container.Command[2] = "eval" },
		"args":    func(in *keyInput) { in.Container.Args[0] = "--lr=0.2" },
		"arg moved to command": func(in *keyInput) {
			in.Container.Command, in.Container.Args = append(in.Container.Command, in.Container.Args...), nil
		},
		"args split": func(in *keyInput) { in.Container.Args = []string{"--lr", "=0.1"} },
		"env value":  func(in *keyInput) { in.Container.Env[0].Value = "2" },
		"env order": func(in *keyInput) {
			in.Container.Env[0], in.Container.Env[1] = in.Container.Env[1], in.Container.Env[0]
		},
		"env from a secret": func(in *keyInput) {
			in.Container.Env[0].ValueFrom = &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "k"}}
		},
		"resources": func(in *keyInput) {
			in.Task.Resources.Requests[corev1.ResourceCPU] = resource.MustParse("1")
		},
		"request becomes limit": func(in *keyInput) {
			in.Task.Resources.Limits, in.Task.Resources.Requests = in.Task.Resources.Requests, nil
		},
		"another output":      func(in *keyInput) { in.Task.Outputs[1].Name = "acc" },
		"one output fewer":    func(in *keyInput) { in.Task.Outputs = in.Task.Outputs[:1] },
		"no outputs":          func(in *keyInput) { in.Task.Outputs = nil },
		"another dependency":  func(in *keyInput) { in.Deps[1] = "check" },
		"one dependency more": func(in *keyInput) { in.Deps = append(in.Deps, "check") },
		"no dependencies":     func(in *keyInput) { in.Deps = nil },
		"upstream value read": func(in *keyInput) { in.Reads["$(tasks.prep.outputs.uri)"] = "s3://e" },
		"param value read":    func(in *keyInput) { in.Reads["$(params.lr)"] = "0.2" },
		"one read more":       func(in *keyInput) { in.Reads["$(tasks.lint.outputs.ok)"] = "true" },
		"no reads":            func(in *keyInput) { in.Reads = nil },
		"a volume mount": func(in *keyInput) {
			in.Task.VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
		},
	}
	seen := map[string]string{same: "base"}
	for name, change := range different {
		got := key(change)
		if prev, dup := seen[got]; dup {
			t.Errorf("%s: same key as %s", name, prev)
		}
		seen[got] = name
	}
}

// runCacheOf is a Cache over the Succeeded tasks of a simulated run that
// ran (not those served from the cache), as the controller's cache sees
// the run itself while it runs.
type runCacheOf struct{ s *sim }

func (c runCacheOf) Lookup(key string) (CacheHit, bool) {
	for _, e := range c.s.run.Status.Tasks {
		if e.Phase == ml.TaskSucceeded && e.Reason != ReasonCached && e.CacheKey == key {
			return CacheHit{Run: c.s.run.Name, Task: e.Name, Outputs: e.Outputs}, true
		}
	}
	return CacheHit{}, false
}

// TestCacheKeyCoversInterface: tasks of one run with the same image and
// no command, but other outputs and dependencies, do not share a result:
// gather runs its own pod and gets no outputs of split.
func TestCacheKeyCoversInterface(t *testing.T) {
	spec := pipeline(
		task("split").Outputs("shards"),
		task("work").Args("$(tasks.split.outputs.shards)"),
		task("gather").DependsOn("work"),
	).Spec()
	s := newSim(t, spec)
	s.cache = runCacheOf{s}
	s.script = func(entry string, _ int) outcome {
		if entry == "split" {
			return outcome{message: "shards=3"}
		}
		return outcome{}
	}
	s.runToEnd()
	want := []string{pod("split"), pod("work"), pod("gather")}
	if diff := cmp.Diff(want, s.started); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
	if g := s.task("gather"); g.Reason == ReasonCached || len(g.Outputs) != 0 {
		t.Errorf("gather: reason %q, outputs %v; want it run, without outputs", g.Reason, g.Outputs)
	}
	keys := map[string]string{}
	for _, e := range s.run.Status.Tasks {
		if prev, dup := keys[e.CacheKey]; dup {
			t.Errorf("tasks %s and %s share the cache key %s", prev, e.Name, e.CacheKey)
		}
		keys[e.CacheKey] = e.Name
	}
}

// TestCacheKeyReadsUpstream: the values a task reads from upstream tasks
// are part of its key, also when it reads them only in a when expression.
func TestCacheKeyReadsUpstream(t *testing.T) {
	spec := pipeline(
		task("check").Outputs("ok"),
		task("train").When("$(tasks.check.outputs.ok)", ml.WhenOperatorNotIn, "no"),
	).Spec()
	keyWith := func(ok string) string {
		s := newSim(t, spec)
		s.script = func(entry string, _ int) outcome { return outcome{message: "ok=" + ok} }
		s.runToEnd()
		return s.task("train").CacheKey
	}
	if a, b := keyWith("yes"), keyWith("sure"); a == "" || a == b {
		t.Errorf("train read another value in its when expression but has the key %q both times", a)
	}
	if a, b := keyWith("yes"), keyWith("yes"); a != b {
		t.Errorf("identical runs gave train the keys %s and %s", a, b)
	}
}

// TestCachedOutputsAreDeclared: a cached result gives a task only the
// outputs it declares, and one that lacks a declared output is a miss.
func TestCachedOutputsAreDeclared(t *testing.T) {
	spec := pipeline(task("a").Outputs("x")).Spec()
	s := newSim(t, spec)
	s.runToEnd() // learns a's key
	key := s.task("a").CacheKey

	hit := newSim(t, spec)
	hit.cache = mapCache{key: {Run: "old", Task: "a", Outputs: []ml.Param{{Name: "x", Value: "1"}, {Name: "shards", Value: "3"}}}}
	hit.plan()
	if got, want := hit.phases()["a"], "Succeeded/Cached"; got != want {
		t.Fatalf("a is %s, want %s", got, want)
	}
	if diff := cmp.Diff([]ml.Param{{Name: "x", Value: "1"}}, hit.task("a").Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}

	miss := newSim(t, spec)
	miss.cache = mapCache{key: {Run: "old", Task: "a", Outputs: []ml.Param{{Name: "shards", Value: "3"}}}}
	if res := miss.plan(); !cmp.Equal(podNames(res.Create), []string{pod("a")}) {
		t.Errorf("a cached result without output x: created %v, want a to run", podNames(res.Create))
	}
}

// mapCache is a Cache over a map.
type mapCache map[string]CacheHit

func (c mapCache) Lookup(key string) (CacheHit, bool) {
	h, ok := c[key]
	return h, ok
}

// TestCaching runs a pipeline, then the same again against a cache of the
// first run's Succeeded tasks: every task is served from the cache with
// its outputs, and no pod starts, except for tasks that opt out.
func TestCaching(t *testing.T) {
	spec := pipeline(
		task("prep").Outputs("uri").Args("--size=$(params.size)"),
		task("train").Args("--data=$(tasks.prep.outputs.uri)").Outputs("model"),
		task("eval").Args("$(tasks.train.outputs.model)"),
		task("upload").DependsOn("eval"),
	).Spec()
	spec.Tasks[3].Cache = ptr.To(false)
	spec.Params = []ml.ParamSpec{paramSpec("size", "")}
	first := newSim(t, spec, paramOf("size", "10"))
	first.script = func(entry string, _ int) outcome {
		switch entry {
		case "prep":
			return outcome{message: "uri=s3://d"}
		case "train":
			return outcome{message: "model=s3://m"}
		}
		return outcome{}
	}
	first.runToEnd()
	cache := mapCache{}
	for _, e := range first.run.Status.Tasks {
		if e.Phase == ml.TaskSucceeded && e.CacheKey != "" {
			cache[e.CacheKey] = CacheHit{Run: "r", Task: e.Name, Outputs: e.Outputs}
		}
	}
	if len(cache) != 3 {
		t.Fatalf("%d cacheable tasks, want 3 (upload has cache: false)", len(cache))
	}

	second := newSim(t, spec, paramOf("size", "10"))
	second.cache = cache
	res := second.plan()
	// The whole chain settles in one plan; only upload runs.
	if diff := cmp.Diff([]string{pod("upload")}, podNames(res.Create)); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
	want := map[string]string{"prep": "Succeeded/Cached", "train": "Succeeded/Cached", "eval": "Succeeded/Cached", "upload": "Running"}
	if diff := cmp.Diff(want, second.phases()); diff != "" {
		t.Errorf("phases (-want +got):\n%s", diff)
	}
	if got := second.task("train"); !cmp.Equal(got.Outputs, []ml.Param{{Name: "model", Value: "s3://m"}}) || got.Message != "outputs of task train of PipelineRun r" {
		t.Errorf("train: outputs %v, message %q", got.Outputs, got.Message)
	}
	second.runToEnd()
	if second.run.Status.Phase != ml.PipelineRunSucceeded {
		t.Errorf("second run %s", second.run.Status.Phase)
	}

	// Another param value, another key: nothing is cached.
	third := newSim(t, spec, paramOf("size", "20"))
	third.cache = cache
	if res := third.plan(); !cmp.Equal(podNames(res.Create), []string{pod("prep")}) {
		t.Errorf("with another param: created %v, want prep to run", podNames(res.Create))
	}

	// cache: false on the run runs everything.
	fourth := newSim(t, spec, paramOf("size", "10"))
	fourth.cache = cache
	fourth.run.Spec.Cache = ptr.To(false)
	if res := fourth.plan(); !cmp.Equal(podNames(res.Create), []string{pod("prep")}) {
		t.Errorf("with cache: false: created %v, want prep to run", podNames(res.Create))
	}
}

// TestLegacySkippedCached: a run that an older server recorded a cached
// task of as Skipped/Cached goes on with the task's outputs: the task
// reads Succeeded/Cached and its dependents get its outputs.
func TestLegacySkippedCached(t *testing.T) {
	spec := pipeline(
		task("a").Outputs("x"),
		task("b").Args("$(tasks.a.outputs.x)"),
	).Spec()
	s := newSim(t, spec)
	s.run.Status.Tasks = []ml.PipelineTaskStatus{
		{Name: "a", Task: "a", Phase: ml.TaskSkipped, Reason: ReasonCached, Outputs: []ml.Param{{Name: "x", Value: "1"}}},
		{Name: "b", Task: "b", Phase: ml.TaskPending},
	}
	res := s.plan()
	if got := s.phases()["a"]; got != "Succeeded/Cached" {
		t.Errorf("a is %s, want Succeeded/Cached", got)
	}
	if got := s.create(res, pod("b")).Args; !cmp.Equal(got, []string{"1"}) {
		t.Errorf("b args %q, want [1]", got)
	}
}
