package metricscollector

import (
	"context"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/types"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
)

// API reads and appends the points of TrainingJobs through the metrics
// subresource.
type API interface {
	// Append posts series to the job.
	Append(ctx context.Context, namespace, job string, series []mlv1alpha1.MetricSeries) error
	// LastSteps returns the last stored step of each series of the job.
	LastSteps(ctx context.Context, namespace, job string) (map[string]int64, types.UID, error)
}

// ClientAPI is API over a clientset.
type ClientAPI struct {
	Client mlclientset.Interface
}

var _ API = ClientAPI{}

// Append implements API.
func (a ClientAPI) Append(ctx context.Context, namespace, job string, series []mlv1alpha1.MetricSeries) error {
	body, err := json.Marshal(&mlv1alpha1.Metrics{Series: series})
	if err != nil {
		return err
	}
	return a.Client.MlV1alpha1().RESTClient().Post().Namespace(namespace).Resource("trainingjobs").Name(job).
		SubResource("metrics").SetHeader("Content-Type", "application/json").Body(body).Do(ctx).Error()
}

// LastSteps implements API with a GET of at most 4 points a series.
func (a ClientAPI) LastSteps(ctx context.Context, namespace, job string) (map[string]int64, types.UID, error) {
	raw, err := a.Client.MlV1alpha1().RESTClient().Get().Namespace(namespace).Resource("trainingjobs").Name(job).
		SubResource("metrics").Param("maxPoints", "4").Do(ctx).Raw()
	if err != nil {
		return nil, "", err
	}
	m := &mlv1alpha1.Metrics{}
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, "", fmt.Errorf("decode metrics of %s/%s: %w", namespace, job, err)
	}
	steps := map[string]int64{}
	for _, s := range m.Series {
		if s.Last != nil {
			steps[s.Name] = s.Last.Step
		}
	}
	return steps, m.Metadata.UID, nil
}
