package local

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// pulledDir is the folder of a replica's directory that holds the files
// of its pulls (pull init containers), one folder per pull.
const pulledDir = "pulled"

// pullTimeout bounds the pulls of one replica start.
const pullTimeout = 30 * time.Minute

// pull does the pulls of the init containers of rep's template (see
// workload.ParsePull) itself, as the server, into the replica's directory,
// and returns the host directory of each pull's path. A pull that was done
// for an earlier run of the replica is kept. The files are the server's
// and readable by all: the process reads them, and may not change them.
func (r *Runtime) pull(rep *replica) (map[string]string, error) {
	var pulls []workload.Pull
	for i := range rep.template.Spec.InitContainers {
		if p, ok := workload.ParsePull(&rep.template.Spec.InitContainers[i]); ok {
			pulls = append(pulls, p)
		}
	}
	if len(pulls) == 0 {
		return nil, nil
	}
	if r.fetcher == nil {
		return nil, fmt.Errorf("cannot download %s: this server has no artifact store", pulls[0].URI)
	}
	ctx, cancel := context.WithTimeout(context.Background(), pullTimeout)
	defer cancel()
	go func() {
		select {
		case <-rep.stopped:
			cancel()
		case <-ctx.Done():
		}
	}()
	paths := map[string]string{}
	for i, p := range pulls {
		dest := filepath.Join(rep.dir, pulledDir, strconv.Itoa(i))
		if _, err := os.Stat(dest); err != nil {
			tmp := dest + ".partial"
			if err := os.RemoveAll(tmp); err != nil {
				return nil, err
			}
			if err := os.MkdirAll(filepath.Dir(tmp), 0o711); err != nil {
				return nil, err
			}
			if err := r.fetcher.Pull(ctx, rep.owner.Namespace, p.URI, tmp); err != nil {
				_ = os.RemoveAll(tmp)
				return nil, fmt.Errorf("download %s: %w", p.URI, err)
			}
			if err := readOnlyForAll(tmp); err != nil {
				return nil, err
			}
			if err := os.Rename(tmp, dest); err != nil {
				return nil, err
			}
		}
		paths[p.Path] = dest
	}
	return paths, nil
}

// hasPulls says whether t has a pull init container.
func hasPulls(t *corev1.PodTemplateSpec) bool {
	for i := range t.Spec.InitContainers {
		if _, ok := workload.ParsePull(&t.Spec.InitContainers[i]); ok {
			return true
		}
	}
	return false
}

// readOnlyForAll lets every user read (and traverse) what is under root,
// and nobody but the server write it.
func readOnlyForAll(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := os.FileMode(0o444)
		if d.IsDir() {
			mode = 0o755
		}
		return os.Chmod(p, mode)
	})
}

// withPulledPaths points the variables of env whose value is a pull's
// path (ML_MODEL_PATH=/ml/model) at the host directory it was pulled to,
// as is a path below it.
func withPulledPaths(env []string, paths map[string]string) []string {
	for i, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		for in, host := range paths {
			switch {
			case v == in:
				env[i] = k + "=" + host
			case strings.HasPrefix(v, in+"/"):
				env[i] = k + "=" + host + v[len(in):]
			}
		}
	}
	return env
}
