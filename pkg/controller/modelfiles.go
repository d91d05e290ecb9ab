package controller

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/controller/model"
	"ml.example.io/ml-apiserver/pkg/storage/artifactfetch"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/workload"
	"ml.example.io/ml-apiserver/pkg/workload/artifacthelper"
)

// DefaultModelHelperImage is the image of the pull init container of
// Models without --artifact-helper-image: the image of artifacts/deploy.
const DefaultModelHelperImage = "ml-apiserver:latest"

// modelPull is how the pods of Models get their files on a cluster: the
// pull init container reads the store from the namespace's artifact
// store Secret through secretKeyRefs (endpoint and bucket required, so a
// missing Secret keeps the pod from starting with a message naming it),
// never the server's own credentials.
func modelPull(cc Context) model.PullConfig {
	image := cc.ModelFiles.HelperImage
	if image == "" {
		image = DefaultModelHelperImage
	}
	secret := cc.ModelFiles.SecretName
	if secret == "" {
		secret = cc.Data.Artifacts.Secret()
	}
	var env []corev1.EnvVar
	for _, e := range artifacthelper.SecretEnv {
		required := e.Key == artifactstore.SecretKeyEndpoint || e.Key == artifactstore.SecretKeyBucket
		env = append(env, corev1.EnvVar{Name: e.Env, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: e.Key, Optional: ptr.To(!required),
		}}})
	}
	return model.PullConfig{HelperImage: image, CredentialsEnv: env}
}

// modelFetcher checks Models' sources before the controller makes their
// Deployments: with the artifact stores (of the API server, or of
// `ml-apiserver controller` from the same flags) and, in standalone mode,
// the files local processes may read; nil (no check) without either.
func modelFetcher(cc Context) workload.ArtifactFetcher {
	r := cc.Data.Artifacts
	if r == nil && len(cc.ModelFiles.LocalRoots) == 0 {
		return nil
	}
	f := &artifactfetch.Fetcher{LocalRoots: cc.ModelFiles.LocalRoots}
	if r != nil {
		f.Stores, f.MaxBytes = r, r.MaxBytes
	}
	return f
}

// modelFiles is c.ModelFiles with the helper image and Secret of the
// artifact steps of pods (--artifact-helper-image, the store's Secret)
// where it sets none.
func (c Config) modelFiles() ModelFilesConfig {
	f := c.ModelFiles
	if f.HelperImage == "" {
		f.HelperImage = c.ArtifactPods.HelperImage
	}
	if f.SecretName == "" {
		f.SecretName = c.ArtifactPods.SecretName
	}
	return f
}
