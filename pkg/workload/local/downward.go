package local

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// downwardDir is the folder of a replica's directory that holds the files
// of its downward API volumes, one folder per volume.
const downwardDir = "downward"

// downwardVolumes writes the files of the downward API volumes that the
// container c of rep mounts, as the kubelet does before a container
// starts, into the replica's directory, and returns the host directory of
// each mount path. Hosts that name a service of the replica's owner are
// rewritten in the files, line by line, as in the address variables (an
// MPI launcher's hostfile lists the workers as 127.0.0.1). Only fieldRef
// items are supported: metadata.name, namespace, uid and one label or
// annotation. The files are the server's and readable by all, as pulls
// are: the process reads them, and may not change them.
func downwardVolumes(rep *replica, c *corev1.Container, services []localService) (map[string]string, error) {
	mounts := map[string]string{}
	for _, v := range rep.template.Spec.Volumes {
		if v.DownwardAPI == nil {
			continue
		}
		var paths []corev1.VolumeMount
		for _, m := range c.VolumeMounts {
			if m.Name == v.Name {
				paths = append(paths, m)
			}
		}
		if len(paths) == 0 {
			continue
		}
		dir := filepath.Join(rep.dir, downwardDir, v.Name)
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		for _, item := range v.DownwardAPI.Items {
			if item.FieldRef == nil {
				return nil, fmt.Errorf("volume %s: item %s: only fieldRef is supported by the local runtime", v.Name, item.Path)
			}
			value, err := fieldValue(rep, corev1.EnvVar{Name: item.Path, ValueFrom: &corev1.EnvVarSource{FieldRef: item.FieldRef}})
			if err != nil {
				return nil, fmt.Errorf("volume %s: %w", v.Name, err)
			}
			lines := strings.Split(value, "\n")
			for i, l := range lines {
				lines[i] = localValue("", l, rep.owner.Namespace, services)
			}
			p := filepath.Join(dir, filepath.Clean("/"+item.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o444); err != nil {
				return nil, err
			}
		}
		if err := readOnlyForAll(filepath.Join(rep.dir, downwardDir)); err != nil {
			return nil, err
		}
		for _, m := range paths {
			mounts[m.MountPath] = filepath.Join(dir, m.SubPath)
		}
	}
	return mounts, nil
}
