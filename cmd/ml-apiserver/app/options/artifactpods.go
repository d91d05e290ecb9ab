package options

import (
	"errors"
	"strings"

	"github.com/spf13/pflag"

	"ml.example.io/ml-apiserver/pkg/controller"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

// FlagArtifactHelperImage names the image of the artifact pull step.
const FlagArtifactHelperImage = "artifact-helper-image"

// ArtifactPodOptions say how the pods of a cluster move their artifacts:
// an init container of the helper image (`ml-apiserver artifact pull`) and
// `ml-apiserver artifact push` around the main container's command, with
// the store from the namespace's Secret.
type ArtifactPodOptions struct {
	// HelperImage is the image of the pull step, the server's own.
	HelperImage string
}

// NewArtifactPodOptions returns the defaults.
func NewArtifactPodOptions() *ArtifactPodOptions {
	return &ArtifactPodOptions{HelperImage: workloadkubernetes.DefaultArtifactHelperImage}
}

// AddFlags adds --artifact-helper-image to fs; the API server and the
// controller subcommand both have it.
func (o *ArtifactPodOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.HelperImage, FlagArtifactHelperImage, o.HelperImage,
		"Aggregated mode: image of the init container that downloads a pod's input artifacts and installs the upload step of its outputs (ml-apiserver artifact pull|push); "+
			"the server's own image, as deployed by artifacts/deploy. The user's image is never changed.")
}

// Validate checks the flag.
func (o *ArtifactPodOptions) Validate() []error {
	if strings.TrimSpace(o.HelperImage) == "" {
		return []error{errors.New("--" + FlagArtifactHelperImage + " must not be empty")}
	}
	return nil
}

// ApplyToController sets how the controllers' pods move artifacts; store
// gives the Secret's name and the cap (nil for the defaults).
func (o *ArtifactPodOptions) ApplyToController(c *controller.Config, store *ArtifactOptions) {
	c.ArtifactPods = workloadkubernetes.ArtifactConfig{HelperImage: o.HelperImage, SecretName: artifactstore.DefaultSecretName, MaxBytes: artifactstore.DefaultMaxBytes}
	if store != nil {
		c.ArtifactPods.SecretName, c.ArtifactPods.MaxBytes = store.SecretName, store.MaxBytes
	}
}
