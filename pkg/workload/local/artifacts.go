package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// Artifacts: /ml/artifacts of a replica is the directory artifactsDirName
// of its own directory. The runtime (not the process, which never sees
// the store's credentials) pulls the inputs there before the process
// starts, gives them to the process's user, and pushes the outputs after
// it exited 0; ML_ARTIFACT_INPUT_<NAME> and ML_ARTIFACT_OUTPUT_<NAME> name
// the real paths.
const artifactsDirName = "artifacts"

// Reasons of a replica whose artifacts could not be moved.
const (
	ReasonArtifactPullFailed = "ArtifactPullFailed"
	ReasonArtifactPushFailed = "ArtifactPushFailed"
)

// ArtifactConfig is where the runtime pulls and pushes artifacts.
type ArtifactConfig struct {
	// Stores gives the store of a namespace; nil refuses replicas with
	// artifacts.
	Stores workload.ArtifactStores
	// MaxBytes caps one output artifact (the server's
	// --max-artifact-bytes); 0 means no cap.
	MaxBytes int64
}

func artifactsDir(rep *replica) string { return filepath.Join(rep.dir, artifactsDirName) }

// artifactPath maps p, a path under /ml/artifacts, into the replica's
// directory.
func artifactPath(rep *replica, p string) (string, error) {
	rel, ok := strings.CutPrefix(p, ml.ArtifactsRoot+"/")
	if !ok || rel == "" || filepath.Clean(rel) != rel || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("artifact path %q is not under %s/", p, ml.ArtifactsRoot)
	}
	return filepath.Join(artifactsDir(rep), filepath.FromSlash(rel)), nil
}

// artifactEnv reads the replica's artifact plan and returns the variables
// naming the local paths; ok is false when it has none.
func (r *Runtime) artifactEnv(rep *replica) ([]corev1.EnvVar, bool, error) {
	plan, ok, err := workload.ArtifactPlanOf(&rep.template)
	if err != nil || !ok {
		return nil, ok, err
	}
	if r.artifacts.Stores == nil {
		return nil, true, errors.New("the replica reads or writes artifacts and the runtime has no artifact store")
	}
	var env []corev1.EnvVar
	for _, set := range []struct {
		dir string
		ts  []workload.ArtifactTransfer
	}{{"INPUT", plan.Inputs}, {"OUTPUT", plan.Outputs}} {
		for _, t := range set.ts {
			p, err := artifactPath(rep, t.Path)
			if err != nil {
				return nil, true, err
			}
			env = append(env, corev1.EnvVar{Name: validation.ArtifactEnvName(set.dir, t.Name), Value: p})
		}
	}
	return env, true, nil
}

// pullArtifacts makes the replica's artifacts directory with its inputs
// in place and the parents of its outputs. With processes run as another
// user the directories are that user's and the inputs stay the server's,
// read-only, and are hard links to the files of a filesystem store (no
// bytes copied: the process can neither write them nor change their
// mode); with processes run as the server's user the inputs are copies.
func (r *Runtime) pullArtifacts(ctx context.Context, rep *replica) error {
	plan, ok, err := workload.ArtifactPlanOf(&rep.template)
	if err != nil || !ok {
		return err
	}
	dir := artifactsDir(rep)
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	store, err := r.artifacts.Stores.For(ctx, rep.owner.Namespace)
	if err != nil {
		return fmt.Errorf("artifact store of namespace %s: %w", rep.owner.Namespace, err)
	}
	logger := klog.FromContext(ctx).WithValues("replica", klog.KRef(rep.owner.Namespace, rep.name))
	for _, t := range append(append([]workload.ArtifactTransfer(nil), plan.Inputs...), plan.Outputs...) {
		local, err := artifactPath(rep, t.Path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(local), 0o700); err != nil {
			return err
		}
	}
	// The directories become the process's user's before the inputs are
	// pulled: the inputs stay the server's.
	pull := artifactstore.PullPath
	if u := r.confinement.RunAs; u != nil {
		if err := chownTree(dir, u); err != nil {
			return err
		}
		if _, err := allowTraverse(rep.dir); err != nil {
			return err
		}
		pull = artifactstore.PullPathReadOnly
	}
	for _, in := range plan.Inputs {
		local, err := artifactPath(rep, in.Path)
		if err != nil {
			return err
		}
		key, err := workload.ArtifactKey(store, in.Key, rep.owner.Namespace)
		if err != nil {
			return fmt.Errorf("input artifact %q: %w", in.Name, err)
		}
		info, err := pull(ctx, store, key, local)
		if err != nil {
			return fmt.Errorf("input artifact %q from %s: %w", in.Name, store.URI(key), err)
		}
		logger.V(4).Info("Pulled an input artifact", "artifact", in.Name, "key", key, "size", info.Size, "digest", info.Digest)
	}
	return nil
}

// pushArtifacts pushes the replica's outputs after its process exited 0.
// An output the process did not write, one that is (or lies under) a
// symbolic link, or one over the cap is an error naming it.
func (r *Runtime) pushArtifacts(ctx context.Context, rep *replica) ([]workload.ArtifactResult, error) {
	plan, ok, err := workload.ArtifactPlanOf(&rep.template)
	if err != nil || !ok || len(plan.Outputs) == 0 {
		return nil, err
	}
	store, err := r.artifacts.Stores.For(ctx, rep.owner.Namespace)
	if err != nil {
		return nil, fmt.Errorf("artifact store of namespace %s: %w", rep.owner.Namespace, err)
	}
	var results []workload.ArtifactResult
	for _, out := range plan.Outputs {
		local, err := artifactPath(rep, out.Path)
		if err != nil {
			return nil, err
		}
		if err := noSymlinkBelow(artifactsDir(rep), local); err != nil {
			return nil, fmt.Errorf("output artifact %q: %w", out.Name, err)
		}
		info, err := artifactstore.PushPath(ctx, store, out.Key, local, r.artifacts.MaxBytes)
		switch {
		case errors.Is(err, artifactstore.ErrTooLarge):
			return nil, fmt.Errorf("output artifact %q is larger than the cap of %d bytes (the server's --max-artifact-bytes)", out.Name, r.artifacts.MaxBytes)
		case errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("output artifact %q: the task exited 0 without writing %s ($%s)", out.Name, out.Path, validation.ArtifactEnvName("OUTPUT", out.Name))
		case err != nil:
			return nil, fmt.Errorf("output artifact %q: %w", out.Name, err)
		}
		results = append(results, workload.ArtifactResult{Name: out.Name, Key: out.Key, URI: store.URI(out.Key), Size: info.Size, Digest: info.Digest})
	}
	return results, nil
}

// noSymlinkBelow checks that no directory between root and p is a
// symbolic link, so that a process cannot make the runtime read outside
// its own directory (PushPath refuses a link at p itself).
func noSymlinkBelow(root, p string) error {
	rel, err := filepath.Rel(root, filepath.Dir(p))
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("%s is not under %s", p, root)
	}
	d := root
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if part == "." {
			continue
		}
		d = filepath.Join(d, part)
		fi, err := os.Lstat(d)
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link", d)
		}
	}
	return nil
}

// artifactDirs is the replica's artifacts directory when it has one, for
// its confinement.
func (r *Runtime) artifactDirs(rep *replica) []string {
	if _, ok := rep.template.Annotations[workload.ArtifactsAnnotation]; !ok {
		return nil
	}
	return []string{artifactsDir(rep)}
}

// replicaContext is canceled when the replica starts stopping, so that a
// deletion does not wait for a transfer.
func (r *Runtime) replicaContext(rep *replica) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-rep.stopped:
			cancel()
		case <-rep.done:
			cancel()
		}
	}()
	return ctx
}

// failBeforeStart ends a replica whose process could not start.
func (r *Runtime) failBeforeStart(rep *replica, reason string, err error) {
	r.mu.Lock()
	rep.status.Phase = workload.PhaseFailed
	rep.status.Reason = reason
	rep.status.Message = err.Error()
	rep.status.FinishTime = r.now()
	r.mu.Unlock()
	close(rep.done)
	r.notify(rep.owner)
}

// failAfterRun ends a replica whose process exited 0 and whose outputs
// could not be pushed.
func (r *Runtime) failAfterRun(rep *replica, code int32, terminationMessage string, err error) {
	r.mu.Lock()
	rep.status.Phase = workload.PhaseFailed
	rep.status.ExitCode = &code
	rep.status.Reason = ReasonArtifactPushFailed
	rep.status.TerminationMessage = terminationMessage
	rep.status.Message = err.Error()
	rep.status.Ready = false
	rep.status.FinishTime = r.now()
	r.mu.Unlock()
	r.notify(rep.owner)
}
