package artifactgc

import (
	"context"
	"fmt"
	"strings"

	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	"k8s.io/apimachinery/pkg/util/sets"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

// deleteRunArtifacts deletes what the deleted run no longer keeps in the
// store: its own subtree (own), and the subtrees of deleted runs whose
// artifacts it recorded (it borrowed them through the cache or a retry),
// except the artifacts that the namespace's remaining runs still record.
//
// It lists the remaining runs after the run left etcd, so of two runs
// deleted together, the one whose list comes last sees the other gone and
// deletes what both kept for each other.
func deleteRunArtifacts(store *genericregistry.Store, r *artifactstore.Resolver, run *ml.PipelineRun, own string) {
	logger := klog.Background().WithValues("pipelineRun", klog.KObj(run))
	ctx, cancel := context.WithTimeout(context.Background(), deleteTimeout)
	defer cancel()
	used, live, err := recordedKeys(ctx, store, run)
	if err != nil {
		logger.Error(err, "Cannot delete the artifacts of a deleted run: listing the runs that may record them")
		return
	}
	s, err := r.For(ctx, run.Namespace)
	if err != nil {
		logger.Error(err, "Cannot delete the artifacts of a deleted run")
		return
	}
	subtrees := sets.New(own)
	for _, rec := range records(run) {
		if p, uid := ownerOf(rec.Key); p != "" && !live.Has(uid) {
			subtrees.Insert(p)
		}
	}
	for _, p := range sets.List(subtrees) {
		if err := deleteUnused(ctx, s, p, used[p]); err != nil {
			logger.Error(err, "Cannot delete the artifacts of a deleted run", "prefix", p)
			continue
		}
		logger.V(2).Info("Deleted the artifacts no run records", "prefix", p, "kept", used[p].Len())
	}
}

// recordedKeys lists the other runs of run's namespace and returns the
// keys their artifact records name, by owner subtree, and their UIDs.
func recordedKeys(ctx context.Context, store *genericregistry.Store, run *ml.PipelineRun) (map[string]sets.Set[string], sets.Set[string], error) {
	obj, err := store.List(genericapirequest.WithNamespace(ctx, run.Namespace), &metainternalversion.ListOptions{})
	if err != nil {
		return nil, nil, err
	}
	list, ok := obj.(*ml.PipelineRunList)
	if !ok {
		return nil, nil, fmt.Errorf("listing runs returned a %T", obj)
	}
	used := map[string]sets.Set[string]{}
	live := sets.New[string]()
	for i := range list.Items {
		other := &list.Items[i]
		if other.UID == run.UID {
			continue
		}
		live.Insert(string(other.UID))
		for _, rec := range records(other) {
			if p, _ := ownerOf(rec.Key); p != "" {
				if used[p] == nil {
					used[p] = sets.New[string]()
				}
				used[p].Insert(rec.Key)
			}
		}
	}
	return used, live, nil
}

// records are the artifact records of run's tasks, inputs and outputs.
func records(run *ml.PipelineRun) []ml.ArtifactRecord {
	var out []ml.ArtifactRecord
	for i := range run.Status.Tasks {
		if a := run.Status.Tasks[i].Artifacts; a != nil {
			out = append(append(out, a.Inputs...), a.Outputs...)
		}
	}
	return out
}

// ownerOf is the owner subtree of a pipeline run's artifact key,
// <namespace>/pipelineruns/<name>/<uid>, and the owner's UID; "" for a key
// of another kind of owner.
func ownerOf(key string) (prefix, uid string) {
	segs := strings.SplitN(key, "/", 5)
	if len(segs) < 5 || segs[1] != "pipelineruns" {
		return "", ""
	}
	return artifactstore.OwnerPrefix(segs[0], segs[1], segs[2], segs[3]), segs[3]
}

// deleteUnused deletes the subtree prefix but the artifacts keep (keys,
// each a file or a directory artifact).
func deleteUnused(ctx context.Context, s artifactstore.Store, prefix string, keep sets.Set[string]) error {
	if keep.Len() == 0 {
		return s.DeletePrefix(ctx, prefix)
	}
	infos, err := s.List(ctx, prefix)
	if err != nil {
		return err
	}
	for _, in := range infos {
		if kept(in.Key, keep) {
			continue
		}
		if err := s.DeletePrefix(ctx, in.Key); err != nil {
			return err
		}
	}
	return nil
}

// kept says whether key is one of keep or an object of one of them (a file
// of a directory artifact).
func kept(key string, keep sets.Set[string]) bool {
	for k := range keep {
		if key == k || strings.HasPrefix(key, k+"/") {
			return true
		}
	}
	return false
}
