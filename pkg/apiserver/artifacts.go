package apiserver

import (
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/artifacts"
)

// ArtifactsConfig is what the artifacts subresource of PipelineRuns and
// TrainingJobs reads.
type ArtifactsConfig struct {
	// Stores are the namespaces' artifact stores; nil serves the lists
	// only.
	Stores artifacts.Stores
	// MaxServeBytes caps what GET .../artifacts/<path> streams
	// (--max-artifact-serve-bytes); 0 means artifacts.DefaultMaxServeBytes.
	MaxServeBytes int64
}

// artifactStorage are the artifacts subresources.
type artifactStorage struct {
	pipelineRuns, trainingJobs *artifacts.REST
}

// newArtifactStorage serves the artifacts of the objects runs and jobs
// read.
func (c completedConfig) newArtifactStorage(runs, jobs rest.Getter) artifactStorage {
	conf := c.ExtraConfig.Artifacts
	return artifactStorage{
		pipelineRuns: artifacts.NewREST(artifacts.Config{Resource: ml.Resource("pipelineruns"), Objects: runs, Stores: conf.Stores, MaxServeBytes: conf.MaxServeBytes}),
		trainingJobs: artifacts.NewREST(artifacts.Config{Resource: ml.Resource("trainingjobs"), Objects: jobs, Stores: conf.Stores, MaxServeBytes: conf.MaxServeBytes}),
	}
}

// addTo adds the subresources to the resources of InstallAPIGroup.
func (s artifactStorage) addTo(m map[string]rest.Storage) {
	m["pipelineruns/artifacts"] = s.pipelineRuns
	m["trainingjobs/artifacts"] = s.trainingJobs
}
