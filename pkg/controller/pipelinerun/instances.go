package pipelinerun

import (
	"context"
	"fmt"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// InstanceStore reads and writes the instances of a run's forEach tasks:
// what the tasks subresource of PipelineRuns serves.
type InstanceStore interface {
	// List returns every instance of run, by task then index.
	List(ctx context.Context, run *mlv1alpha1.PipelineRun) ([]mlv1alpha1.PipelineRunTaskInstance, error)
	// Put writes instances of run.
	Put(ctx context.Context, run *mlv1alpha1.PipelineRun, instances []mlv1alpha1.PipelineRunTaskInstance) error
}

// Sizes of the requests of ClientInstanceStore: pages the server's
// default --max-tasks-page allows, writes under its per-request cap.
const (
	instancesPage  = 1000
	instancesWrite = 500
)

// ClientInstanceStore reads and writes instances through client's tasks
// subresource, so that it works in the `ml-apiserver controller` process
// as in the server.
func ClientInstanceStore(client mlclientset.Interface) InstanceStore {
	return clientInstances{client: client}
}

type clientInstances struct {
	client mlclientset.Interface
}

func (c clientInstances) List(ctx context.Context, run *mlv1alpha1.PipelineRun) ([]mlv1alpha1.PipelineRunTaskInstance, error) {
	var all []mlv1alpha1.PipelineRunTaskInstance
	token := ""
	for {
		req := c.client.MlV1alpha1().RESTClient().Get().Namespace(run.Namespace).Resource("pipelineruns").Name(run.Name).
			SubResource("tasks").Param("limit", strconv.Itoa(instancesPage))
		if token != "" {
			req = req.Param("continue", token)
		}
		var page mlv1alpha1.PipelineRunTaskList
		if err := req.Do(ctx).Into(&page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if token = page.Continue; token == "" {
			return all, nil
		}
	}
}

func (c clientInstances) Put(ctx context.Context, run *mlv1alpha1.PipelineRun, instances []mlv1alpha1.PipelineRunTaskInstance) error {
	for start := 0; start < len(instances); start += instancesWrite {
		end := min(start+instancesWrite, len(instances))
		body := &mlv1alpha1.PipelineRunTaskList{
			TypeMeta: metav1.TypeMeta{APIVersion: mlv1alpha1.SchemeGroupVersion.String(), Kind: "PipelineRunTaskList"},
			Items:    instances[start:end],
		}
		err := c.client.MlV1alpha1().RESTClient().Post().Namespace(run.Namespace).Resource("pipelineruns").Name(run.Name).
			SubResource("tasks").Body(body).Do(ctx).Error()
		if err != nil {
			return fmt.Errorf("write %d task instances: %w", end-start, err)
		}
	}
	return nil
}
