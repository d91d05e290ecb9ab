package tree

import (
	"encoding/json"
	"fmt"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/get"
)

// standaloneChildren are the children the status of an object (raw, as
// the server sent it) names, for standalone mode where the local runtime's
// processes are not served as pods:
//   - a pipeline run: its tasks (forEach instances) in the order they run
//     (as kubectl ml get shows them), each with the process
//     of every attempt and its exit code;
//   - a training job: one process per replica, named as its pods would be
//     (<job>-<index>), with the counts of status on the job's row;
//   - a model or notebook: its replica processes, ready of all, and the
//     URL it is served at.
func standaloneChildren(resource string, raw []byte, pipeline *mlv1alpha1.PipelineSpec) ([]*node, error) {
	decode := func(obj any) error {
		if err := json.Unmarshal(raw, obj); err != nil {
			return fmt.Errorf("decode %s: %w", resource, err)
		}
		return nil
	}
	switch resource {
	case "pipelineruns":
		run := &mlv1alpha1.PipelineRun{}
		if err := decode(run); err != nil {
			return nil, err
		}
		return runChildren(run, pipeline, "process"), nil
	case "trainingjobs":
		job := &mlv1alpha1.TrainingJob{}
		if err := decode(job); err != nil {
			return nil, err
		}
		return jobChildren(job), nil
	case "models":
		m := &mlv1alpha1.Model{}
		if err := decode(m); err != nil {
			return nil, err
		}
		return servedChildren(m.Name, m.Status.ReadyReplicas, m.Status.Replicas, m.Status.CanaryReplicas, m.Status.URL), nil
	case "notebooks":
		nb := &mlv1alpha1.Notebook{}
		if err := decode(nb); err != nil {
			return nil, err
		}
		return servedChildren(nb.Name, nb.Status.ReadyReplicas, nb.Status.Replicas, 0, nb.Status.URL), nil
	}
	return nil, nil
}

// runChildren are the tasks of run in the order they run, the tasks of
// nested pipelines under their parent, each with its attempts (pods or
// processes, attemptKind) or, for a wide forEach task, its instances'
// counts by phase.
func runChildren(run *mlv1alpha1.PipelineRun, pipeline *mlv1alpha1.PipelineSpec, attemptKind string) []*node {
	spec := pipeline
	if spec == nil {
		spec = run.Status.PipelineSpec // stored by an earlier server
	}
	if spec == nil {
		spec = run.Spec.PipelineSpec
	}
	var out []*node
	for _, t := range get.Ordered(spec, run.Status.Tasks) {
		out = append(out, taskNode(t, attemptKind))
	}
	return nestTasks(out)
}

// jobChildren are a job's replica processes, by the names the controller
// gives them.
func jobChildren(job *mlv1alpha1.TrainingJob) []*node {
	replicas := int32(1)
	if job.Spec.Replicas != nil {
		replicas = *job.Spec.Replicas
	}
	s := job.Status
	status := fmt.Sprintf("%d/%d ready, %d succeeded, %d failed", s.ReadyReplicas, s.Replicas, s.Succeeded, s.Failed)
	group := &node{name: fmt.Sprintf("processes (%d replicas)", replicas), status: status}
	for i := range replicas {
		group.children = append(group.children, &node{name: fmt.Sprintf("process/%s-%d", job.Name, i)})
	}
	return []*node{group}
}

func servedChildren(name string, ready, replicas, canary int32, url string) []*node {
	out := []*node{{name: "processes/" + name, status: fmt.Sprintf("%d/%d ready", ready, replicas)}}
	if canary > 0 {
		out = append(out, &node{name: "processes/" + name + "-canary", status: fmt.Sprintf("%d running", canary)})
	}
	if url != "" {
		out = append(out, &node{name: "service/" + name, status: url})
	}
	return out
}
