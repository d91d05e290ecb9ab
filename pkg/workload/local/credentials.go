package local

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/klog/v2"
)

// credentialsFolder holds, under the runtime's directory, a directory per
// owner (named by its UID) for the credentials its processes are given.
const credentialsFolder = "credentials"

// credentialsDir is the directory of the credentials of the owner uid.
func (r *Runtime) credentialsDir(uid types.UID) (string, error) {
	name := string(uid)
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("owner UID %q cannot name a directory", name)
	}
	return filepath.Join(r.dir, credentialsFolder, name), nil
}

// RemoveStaleCredentials removes the credentials of owners that are gone:
// ForgetOwner removes an owner's when it is deleted, but an owner deleted
// while the server was not running leaves them behind. exists says whether
// the owner of a UID still exists; the credentials of an owner whose
// processes this runtime runs are kept whatever it says. Call it before
// the controllers start, with the UIDs of every object listed.
func (r *Runtime) RemoveStaleCredentials(exists func(types.UID) bool) error {
	root := filepath.Join(r.dir, credentialsFolder)
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("local runtime: %w", err)
	}
	r.mu.Lock()
	running := map[types.UID]bool{}
	for _, rep := range r.replicas {
		running[rep.owner.UID] = true
	}
	for _, set := range r.sets {
		running[set.owner.UID] = true
	}
	r.mu.Unlock()
	var errs []error
	for _, e := range entries {
		uid := types.UID(e.Name())
		if running[uid] || exists(uid) {
			continue
		}
		dir := filepath.Join(root, e.Name())
		klog.InfoS("Removing the credentials of an object that no longer exists", "uid", uid, "dir", dir)
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("local runtime: remove %s: %w", dir, err))
		}
	}
	return utilerrors.NewAggregate(errs)
}

// CredentialsDirs are the credentials directories of the owners that have
// one, by UID: for renewing what OwnerEnv wrote there.
func (r *Runtime) CredentialsDirs() (map[types.UID]string, error) {
	root := filepath.Join(r.dir, credentialsFolder)
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("local runtime: %w", err)
	}
	dirs := make(map[types.UID]string, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			dirs[types.UID(e.Name())] = filepath.Join(root, e.Name())
		}
	}
	return dirs, nil
}
