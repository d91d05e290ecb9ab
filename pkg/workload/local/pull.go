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

// pulls are the pulls of the init containers of t (see
// workload.ParsePull).
func pulls(t *corev1.PodTemplateSpec) []workload.Pull {
	var out []workload.Pull
	for i := range t.Spec.InitContainers {
		if p, ok := workload.ParsePull(&t.Spec.InitContainers[i]); ok {
			out = append(out, p)
		}
	}
	return out
}

// pullDir is the host directory of rep's i-th pull.
func pullDir(rep *replica, i int) string {
	return filepath.Join(rep.dir, pulledDir, strconv.Itoa(i))
}

// pullDirs maps the path of each of rep's pulls to its host directory.
func pullDirs(rep *replica) map[string]string {
	dirs := map[string]string{}
	for i, p := range pulls(&rep.template) {
		dirs[p.Path] = pullDir(rep, i)
	}
	return dirs
}

// pull does the pulls of rep (the init containers its template has for
// them) itself, as the server, into the replica's directory, before the
// process starts. A pull that was done for an earlier run of the replica
// is kept. The files are the server's and readable by all: the process
// reads them, and may not change them. With processes run as another user
// the files of a filesystem store are hard links to the store's own.
func (r *Runtime) pull(rep *replica) error {
	ps := pulls(&rep.template)
	if len(ps) == 0 {
		return nil
	}
	if r.fetcher == nil {
		return fmt.Errorf("cannot download %s: this server has no artifact store", ps[0].URI)
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
	for i, p := range ps {
		dest := pullDir(rep, i)
		if _, err := os.Stat(dest); err == nil {
			continue
		}
		tmp := dest + ".partial"
		if err := os.RemoveAll(tmp); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(tmp), 0o711); err != nil {
			return err
		}
		pull := r.fetcher.Pull
		if ro, ok := r.fetcher.(workload.ReadOnlyPuller); ok && r.confinement.RunAs != nil {
			// Processes run as another user: the store's files themselves,
			// read-only, instead of a copy for every replica.
			pull = ro.PullReadOnly
		}
		if err := pull(ctx, rep.owner.Namespace, p.URI, tmp); err != nil {
			_ = os.RemoveAll(tmp)
			return fmt.Errorf("download %s: %w", p.URI, err)
		}
		if err := readOnlyForAll(tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, dest); err != nil {
			return err
		}
	}
	return nil
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
