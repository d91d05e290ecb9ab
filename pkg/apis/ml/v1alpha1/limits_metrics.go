package v1alpha1

import (
	"errors"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Bounds of one POST to a metrics subresource, which the server enforces
// and clients (the StdOut metrics collector) batch by.
const (
	// MaxMetricPointsPerRequest bounds the points of one POST.
	MaxMetricPointsPerRequest = 10000
	// MaxMetricSeriesPerRequest bounds the series of one POST (one etcd
	// transaction holds them all).
	MaxMetricSeriesPerRequest = 32
)

// FlagMetricsMaxSeriesPerObject is the server flag of the cap on the
// metric series of one object; the refusal of new series past it names it.
const FlagMetricsMaxSeriesPerObject = "metrics-max-series-per-object"

// IsMetricSeriesCapError says whether err, as a client receives it, is the
// server's refusal of new series past an object's cap: a 422 whose cause
// is a Forbidden "series" field naming FlagMetricsMaxSeriesPerObject.
func IsMetricSeriesCapError(err error) bool {
	if !apierrors.IsInvalid(err) {
		return false
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return false
	}
	for _, c := range status.Status().Details.Causes {
		if c.Field == "series" && c.Type == metav1.CauseType(field.ErrorTypeForbidden) && strings.Contains(c.Message, FlagMetricsMaxSeriesPerObject) {
			return true
		}
	}
	return false
}
