package controller

import (
	"ml.example.io/ml-apiserver/pkg/controller/model"
	"ml.example.io/ml-apiserver/pkg/storage/artifactfetch"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// DefaultModelHelperImage is the image of the pull init container of
// Models without --artifact-helper-image: the image of artifacts/deploy.
const DefaultModelHelperImage = "ml-apiserver:latest"

// modelPull is how the pods of Models get their files on a cluster.
func modelPull(cc Context) model.PullConfig {
	image := cc.ModelFiles.HelperImage
	if image == "" {
		image = DefaultModelHelperImage
	}
	return model.PullConfig{HelperImage: image}
}

// modelFetcher checks Models' sources before the controller makes their
// Deployments: with the artifact stores of an API server's manager and,
// in standalone mode, the files local processes may read; nil (no check)
// in `ml-apiserver controller`, which has no store.
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
