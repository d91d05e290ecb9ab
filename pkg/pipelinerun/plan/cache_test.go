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
	base := func() (string, container, corev1.ResourceRequirements) {
		return "img:1",
			container{
				Command: []string{"python", "-m", "train"},
				Args:    []string{"--lr=0.1"},
				Env:     []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}},
			},
			corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")},
			}
	}
	key := func(change func(*string, *container, *corev1.ResourceRequirements)) string {
		img, c, r := base()
		change(&img, &c, &r)
		return CacheKey(img, c, r)
	}
	same := key(func(*string, *container, *corev1.ResourceRequirements) {})
	if len(same) != 32 {
		t.Errorf("key %q, want 32 hex digits", same)
	}
	// A golden value: the key must not change between releases, or every
	// cached result is lost on upgrade.
	if want := "f23332744640ab8c3cd946100f84b703"; same != want {
		t.Errorf("cache key of the base task is %s, want %s", same, want)
	}
	equal := map[string]func(*string, *container, *corev1.ResourceRequirements){
		"nothing changed": func(*string, *container, *corev1.ResourceRequirements) {},
		"1024Mi is 1Gi": func(_ *string, _ *container, r *corev1.ResourceRequirements) {
			r.Requests[corev1.ResourceMemory] = resource.MustParse("1024Mi")
		},
		"0.5 cpu is 500m": func(_ *string, _ *container, r *corev1.ResourceRequirements) {
			r.Requests[corev1.ResourceCPU] = resource.MustParse("0.5")
		},
	}
	for name, change := range equal {
		if got := key(change); got != same {
			t.Errorf("%s: key changed", name)
		}
	}
	different := map[string]func(*string, *container, *corev1.ResourceRequirements){
		"image":   func(i *string, _ *container, _ *corev1.ResourceRequirements) { *i = "img:2" },
		"command": func(_ *string, c *container, _ *corev1.ResourceRequirements) { c.Command[2] = "eval" },
		"args":    func(_ *string, c *container, _ *corev1.ResourceRequirements) { c.Args[0] = "--lr=0.2" },
		"arg moved to command": func(_ *string, c *container, _ *corev1.ResourceRequirements) {
			c.Command, c.Args = append(c.Command, c.Args...), nil
		},
		"args split": func(_ *string, c *container, _ *corev1.ResourceRequirements) { c.Args = []string{"--lr", "=0.1"} },
		"env value":  func(_ *string, c *container, _ *corev1.ResourceRequirements) { c.Env[0].Value = "2" },
		"env order":  func(_ *string, c *container, _ *corev1.ResourceRequirements) { c.Env[0], c.Env[1] = c.Env[1], c.Env[0] },
		"env from a secret": func(_ *string, c *container, _ *corev1.ResourceRequirements) {
			c.Env[0].ValueFrom = &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "k"}}
		},
		"resources": func(_ *string, _ *container, r *corev1.ResourceRequirements) {
			r.Requests[corev1.ResourceCPU] = resource.MustParse("1")
		},
		"request becomes limit": func(_ *string, _ *container, r *corev1.ResourceRequirements) {
			r.Limits, r.Requests = r.Requests, nil
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
	want := map[string]string{"prep": "Skipped/Cached", "train": "Skipped/Cached", "eval": "Skipped/Cached", "upload": "Running"}
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
