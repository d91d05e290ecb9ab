package apiserver

import (
	"fmt"

	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"

	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/pkg/registry/artifactgc"
	"ml.example.io/ml-apiserver/pkg/registry/metrics"
	modelstorage "ml.example.io/ml-apiserver/pkg/registry/model/storage"
	notebookstorage "ml.example.io/ml-apiserver/pkg/registry/notebook/storage"
	pipelinestorage "ml.example.io/ml-apiserver/pkg/registry/pipeline/storage"
	pipelinerunstorage "ml.example.io/ml-apiserver/pkg/registry/pipelinerun/storage"
	recurringrunstorage "ml.example.io/ml-apiserver/pkg/registry/recurringrun/storage"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
	servingruntimestorage "ml.example.io/ml-apiserver/pkg/registry/servingruntime/storage"
	trainingjobstorage "ml.example.io/ml-apiserver/pkg/registry/trainingjob/storage"
	trainingruntimestorage "ml.example.io/ml-apiserver/pkg/registry/trainingruntime/storage"
	tuningjobstorage "ml.example.io/ml-apiserver/pkg/registry/tuningjob/storage"
	"ml.example.io/ml-apiserver/pkg/storage/historywatch"
	"ml.example.io/ml-apiserver/pkg/storage/statuscodes"
)

// v1alpha1Storage is the storage of every kind of ml.example.io/v1alpha1,
// subresources included.
type v1alpha1Storage struct {
	pipelines     pipelinestorage.PipelineStorage
	pipelineRuns  pipelinerunstorage.PipelineRunStorage
	trainingJobs  trainingjobstorage.TrainingJobStorage
	models        modelstorage.ModelStorage
	notebooks     notebookstorage.NotebookStorage
	recurringRuns recurringrunstorage.RecurringRunStorage
	tuningJobs    tuningjobstorage.TuningJobStorage
	runtimes      trainingruntimestorage.TrainingRuntimeStorage
	serving       servingruntimestorage.ServingRuntimeStorage
	// profiles is nil in standalone mode.
	profiles *profileStorage
	// artifacts are the artifacts subresources of runs and jobs.
	artifacts artifactStorage
}

// newV1alpha1Storage builds the storage of every kind: objects in the etcd
// of optsGetter, validated against the caps of ExtraConfig.Validation, logs
// and metric series in data.
func (c completedConfig) newV1alpha1Storage(optsGetter generic.RESTOptionsGetter, data *dataStores) (*v1alpha1Storage, error) {
	o := registryutil.StorageOptions{
		Scheme:      scheme.Scheme,
		RESTOptions: statuscodes.RESTOptionsGetter(historywatch.RESTOptionsGetter(optsGetter)),
		Validation:  c.ExtraConfig.Validation,
	}
	logDeps := c.logDeps(data)
	metricDeps := c.metricDeps(data)
	s := &v1alpha1Storage{}
	var err error
	if s.pipelines, err = pipelinestorage.NewStorage(o); err != nil {
		return nil, fmt.Errorf("pipelines storage: %w", err)
	}
	if s.pipelineRuns, err = pipelinerunstorage.NewStorage(o, logDeps, metricDeps, c.tasksConfig(data)); err != nil {
		return nil, fmt.Errorf("pipelineruns storage: %w", err)
	}
	if s.trainingJobs, err = trainingjobstorage.NewStorage(o, logDeps, metricDeps); err != nil {
		return nil, fmt.Errorf("trainingjobs storage: %w", err)
	}
	if s.models, err = modelstorage.NewStorage(o, logDeps, metricDeps); err != nil {
		return nil, fmt.Errorf("models storage: %w", err)
	}
	if s.notebooks, err = notebookstorage.NewStorage(o, logDeps); err != nil {
		return nil, fmt.Errorf("notebooks storage: %w", err)
	}
	if s.recurringRuns, err = recurringrunstorage.NewStorage(o); err != nil {
		return nil, fmt.Errorf("recurringruns storage: %w", err)
	}
	if s.tuningJobs, err = tuningjobstorage.NewStorage(o); err != nil {
		return nil, fmt.Errorf("tuningjobs storage: %w", err)
	}
	if s.runtimes, err = trainingruntimestorage.NewStorage(o); err != nil {
		return nil, fmt.Errorf("training runtimes storage: %w", err)
	}
	if s.serving, err = servingruntimestorage.NewStorage(o); err != nil {
		return nil, fmt.Errorf("serving runtimes storage: %w", err)
	}
	if s.profiles, err = c.newProfileStorage(o); err != nil {
		return nil, err
	}
	artifactgc.DeleteWithOwner(s.pipelineRuns.PipelineRun.Store, "pipelineruns", c.ExtraConfig.Artifacts)
	artifactgc.DeleteWithOwner(s.trainingJobs.TrainingJob.Store, "trainingjobs", c.ExtraConfig.Artifacts)
	s.artifacts = c.newArtifactStorage(s.pipelineRuns.PipelineRun, s.trainingJobs.TrainingJob)
	return s, nil
}

// resources maps the path of every resource and subresource to its
// storage, for InstallAPIGroup. The metrics subresources are served only
// with a metric store.
func (s *v1alpha1Storage) resources() map[string]rest.Storage {
	m := map[string]rest.Storage{
		"pipelines":        s.pipelines.Pipeline,
		"pipelines/status": s.pipelines.Status,

		"pipelineruns":          s.pipelineRuns.PipelineRun,
		"pipelineruns/status":   s.pipelineRuns.Status,
		"pipelineruns/log":      s.pipelineRuns.Log,
		"pipelineruns/pipeline": s.pipelineRuns.Pipeline,

		"trainingjobs":        s.trainingJobs.TrainingJob,
		"trainingjobs/status": s.trainingJobs.Status,
		"trainingjobs/scale":  s.trainingJobs.Scale,
		"trainingjobs/log":    s.trainingJobs.Log,

		"models":        s.models.Model,
		"models/status": s.models.Status,
		"models/scale":  s.models.Scale,
		"models/log":    s.models.Log,

		"notebooks":        s.notebooks.Notebook,
		"notebooks/status": s.notebooks.Status,
		"notebooks/scale":  s.notebooks.Scale,
		"notebooks/log":    s.notebooks.Log,

		"recurringruns":        s.recurringRuns.RecurringRun,
		"recurringruns/status": s.recurringRuns.Status,

		"tuningjobs":              s.tuningJobs.TuningJob,
		"tuningjobs/status":       s.tuningJobs.Status,
		"clustertrainingruntimes": s.runtimes.ClusterTrainingRuntime,
		"trainingruntimes":        s.runtimes.TrainingRuntime,
		"clusterservingruntimes":  s.serving.ClusterServingRuntime,
		"servingruntimes":         s.serving.ServingRuntime,
	}
	for path, r := range map[string]*metrics.REST{
		"pipelineruns/metrics": s.pipelineRuns.Metrics,
		"trainingjobs/metrics": s.trainingJobs.Metrics,
		"models/metrics":       s.models.Metrics,
	} {
		if r != nil {
			m[path] = r
		}
	}
	if s.pipelineRuns.Tasks != nil {
		m["pipelineruns/tasks"] = s.pipelineRuns.Tasks
	}
	s.profiles.addTo(m)
	s.artifacts.addTo(m)
	return m
}
