package apiserver

import (
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/artifacts"
)

// artifactStorage are the artifacts subresources.
type artifactStorage struct {
	pipelineRuns, trainingJobs *artifacts.REST
}

// newArtifactStorage serves the artifacts of the objects runs and jobs
// read, from the stores of ExtraConfig.Artifacts.
func (c completedConfig) newArtifactStorage(runs, jobs rest.Getter) artifactStorage {
	var stores artifacts.Stores
	var maxServe int64
	if r := c.ExtraConfig.Artifacts; r != nil {
		stores, maxServe = r, r.MaxServeBytes
	}
	return artifactStorage{
		pipelineRuns: artifacts.NewREST(artifacts.Config{Resource: ml.Resource("pipelineruns"), Objects: runs, Stores: stores, MaxServeBytes: maxServe}),
		trainingJobs: artifacts.NewREST(artifacts.Config{Resource: ml.Resource("trainingjobs"), Objects: jobs, Stores: stores, MaxServeBytes: maxServe}),
	}
}

// addTo adds the subresources to the resources of InstallAPIGroup.
func (s artifactStorage) addTo(m map[string]rest.Storage) {
	m["pipelineruns/artifacts"] = s.pipelineRuns
	m["trainingjobs/artifacts"] = s.trainingJobs
}
