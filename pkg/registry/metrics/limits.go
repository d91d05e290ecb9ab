package metrics

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/storage/budget"
	"ml.example.io/ml-apiserver/pkg/storage/metricstore"
)

const (
	// DefaultMaxPoints is the number of points per series a GET without
	// maxPoints returns: the series is downsampled beyond it.
	DefaultMaxPoints = 1000
	// DefaultMaxQueryPoints is the default bound of maxPoints.
	DefaultMaxQueryPoints = 100000
)

// The flags that set the bounds, named in refusals.
const (
	FlagMaxSeriesPerObject = mlv1alpha1.FlagMetricsMaxSeriesPerObject
	FlagMaxBytesPerObject  = "metrics-max-bytes-per-object"
	FlagMaxQueryPoints     = "metrics-max-query-points"
)

// QueryLimits bound the answers of GET.
type QueryLimits struct {
	// DefaultMaxPoints is maxPoints when a GET has none (DefaultMaxPoints
	// when 0).
	DefaultMaxPoints int64
	// MaxQueryPoints is the highest maxPoints a GET may ask for
	// (DefaultMaxQueryPoints when 0); maxPoints=0, every point, is always
	// allowed: it is streamed.
	MaxQueryPoints int64
}

func (l QueryLimits) withDefaults() QueryLimits {
	if l.DefaultMaxPoints <= 0 {
		l.DefaultMaxPoints = DefaultMaxPoints
	}
	if l.MaxQueryPoints <= 0 {
		l.MaxQueryPoints = DefaultMaxQueryPoints
	}
	return l
}

// appendError turns a refused append into an API error: 422 for new series
// past the object's cap (the request can never succeed as it is; clients
// recognise it with mlv1alpha1.IsMetricSeriesCapError), 429 for
// bytes past the object's cap or the store's budget (a budget that
// deleting points or objects gives back), 500 for anything else.
func appendError(name string, err error) error {
	var series *metricstore.SeriesCapError
	var bytes *metricstore.BytesCapError
	var full *budget.ExceededError
	switch {
	case errors.As(err, &series):
		return apierrors.NewInvalid(ml.Kind("Metrics"), name, field.ErrorList{field.Forbidden(field.NewPath("series"),
			fmt.Sprintf("%v (--%s)", series, FlagMaxSeriesPerObject))})
	case errors.As(err, &bytes):
		return apierrors.NewTooManyRequests(fmt.Sprintf("metrics of %s refused: %v (--%s)", name, bytes, FlagMaxBytesPerObject), 0)
	case errors.As(err, &full):
		return apierrors.NewTooManyRequests(fmt.Sprintf("metrics of %s refused: %v", name, full), 0)
	}
	return apierrors.NewInternalError(err)
}
