package pipelinerun

import (
	"time"

	"k8s.io/client-go/tools/cache"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
)

// cacheKeyIndex indexes runs by <namespace>/<cache key> of their
// Succeeded tasks.
const cacheKeyIndex = "cacheKey"

// indexByCacheKey is the cacheKeyIndex function.
func indexByCacheKey(obj any) ([]string, error) {
	run, ok := obj.(*mlv1alpha1.PipelineRun)
	if !ok {
		return nil, nil
	}
	var keys []string
	seen := map[string]bool{}
	for i := range run.Status.Tasks {
		t := &run.Status.Tasks[i]
		if !ranAndSucceeded(t) || seen[t.CacheKey] {
			continue
		}
		seen[t.CacheKey] = true
		keys = append(keys, run.Namespace+"/"+t.CacheKey)
	}
	return keys, nil
}

// ranAndSucceeded says whether t ran and succeeded with a cache key: a
// task served from the cache, or reused from the run a retry retries, is
// not a cached result itself, so that the retention window counts from
// when the outputs were computed.
func ranAndSucceeded(t *mlv1alpha1.PipelineTaskStatus) bool {
	return t.Phase == mlv1alpha1.TaskSucceeded && t.Reason != plan.ReasonCached && t.Reason != plan.ReasonReused && t.CacheKey != ""
}

// runCache finds cached results for the runs of one namespace among the
// Succeeded tasks of the runs in the informer's cache: tasks that ran,
// not those served from the cache themselves, that ended within the
// retention window.
type runCache struct {
	indexer   cache.Indexer
	namespace string
	notBefore time.Time
}

var _ plan.Cache = runCache{}

// Lookup returns the newest Succeeded task with key.
func (c runCache) Lookup(key string) (plan.CacheHit, bool) {
	objs, err := c.indexer.ByIndex(cacheKeyIndex, c.namespace+"/"+key)
	if err != nil {
		return plan.CacheHit{}, false
	}
	var best *mlv1alpha1.PipelineTaskStatus
	var bestRun string
	for _, obj := range objs {
		run, ok := obj.(*mlv1alpha1.PipelineRun)
		if !ok || run.DeletionTimestamp != nil {
			continue
		}
		for i := range run.Status.Tasks {
			t := &run.Status.Tasks[i]
			if !ranAndSucceeded(t) || t.CacheKey != key || t.CompletionTime == nil || t.CompletionTime.Time.Before(c.notBefore) {
				continue
			}
			if best == nil || best.CompletionTime.Before(t.CompletionTime) ||
				(best.CompletionTime.Equal(t.CompletionTime) && run.Name < bestRun) {
				best, bestRun = t, run.Name
			}
		}
	}
	if best == nil {
		return plan.CacheHit{}, false
	}
	hit := plan.CacheHit{Run: bestRun, Task: best.Name}
	for _, o := range best.Outputs {
		hit.Outputs = append(hit.Outputs, ml.Param{Name: o.Name, Value: o.Value})
	}
	hit.Artifacts = cachedArtifacts(best.Artifacts)
	return hit, true
}
