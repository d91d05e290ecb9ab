package workload

import (
	"context"
	"path"

	corev1 "k8s.io/api/core/v1"
)

// ReasonPullError: a replica's pull (its model files) failed; the
// message names the URI and why.
const ReasonPullError = "PullError"

// PullCommand is the command of a pull init container: the server's own
// binary (`ml-apiserver artifact pull`), in the helper image.
var PullCommand = []string{"ml-apiserver", "artifact", "pull"}

// Pull is a download of files that must be in place before a replica's
// main container starts: an init container of its pod (PullContainer) that
// the Kubernetes runtime runs as it is, and that the local runtime does
// itself, with an ArtifactFetcher, into a directory of the replica.
type Pull struct {
	// URI is what to download: s3://, file:// or https://.
	URI string
	// Path is where the files appear in the main container: the mount
	// path of the pull's volume there, and the value of the main
	// container's environment variables that name it.
	Path string
}

// PullContainer is the init container named name that downloads p.URI
// into p.Path of volume with image, with env (the store's credentials as
// secretKeyRefs) set.
func PullContainer(name, image, volume string, p Pull, env []corev1.EnvVar) corev1.Container {
	args := []string{"--uri", p.URI, "--path", p.Path}
	return corev1.Container{
		Name:         name,
		Image:        image,
		Command:      append(append([]string(nil), PullCommand...), args...),
		Env:          env,
		VolumeMounts: []corev1.VolumeMount{{Name: volume, MountPath: p.Path}},
	}
}

// ParsePull returns the pull an init container made by PullContainer
// does; ok is false for any other container.
func ParsePull(c *corev1.Container) (p Pull, ok bool) {
	if len(c.Command) < len(PullCommand) {
		return Pull{}, false
	}
	for i, w := range PullCommand {
		if c.Command[i] != w {
			return Pull{}, false
		}
	}
	rest := c.Command[len(PullCommand):]
	for i := 0; i+1 < len(rest); i += 2 {
		switch rest[i] {
		case "--uri":
			p.URI = rest[i+1]
		case "--path":
			p.Path = rest[i+1]
		}
	}
	if p.URI == "" || !path.IsAbs(p.Path) {
		return Pull{}, false
	}
	return p, true
}

// ArtifactFetcher reads artifacts by URI with the credentials of a
// namespace: the local runtime pulls with it, and the Model controller
// checks a source with it before anything runs.
type ArtifactFetcher interface {
	// Check says whether uri can be read: nil, or an error saying why not
	// (missing, refused), which names neither the credentials nor the
	// server's paths beyond uri.
	Check(ctx context.Context, namespace, uri string) error
	// Pull downloads uri (a file, or a directory artifact) to dest, which
	// must not exist; the files are the server's, readable by all.
	Pull(ctx context.Context, namespace, uri, dest string) error
}

// ReadOnlyPuller is an ArtifactFetcher that can also pull without copying:
// files of the artifact store may appear at dest as the store's own files
// (hard links), read-only. Only processes that neither own them (the
// server does) nor are root may read them there: they could change the
// stored files otherwise.
type ReadOnlyPuller interface {
	PullReadOnly(ctx context.Context, namespace, uri, dest string) error
}
