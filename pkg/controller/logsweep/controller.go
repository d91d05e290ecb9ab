package logsweep

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"

	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
)

// Name is the controller's name, in logs.
const Name = "logarchivesweep"

// DefaultPeriod is how often the archive is swept.
const DefaultPeriod = 30 * time.Minute

// Config is what the controller needs.
type Config struct {
	// Archive holds the archived logs.
	Archive logstore.LogStore
	// Client reads the owners of archived logs.
	Client mlclientset.Interface
	// Period is how often the archive is swept (DefaultPeriod when 0).
	Period time.Duration
}

// Controller sweeps the archived logs of deleted objects.
type Controller struct {
	archive logstore.LogStore
	client  mlclientset.Interface
	period  time.Duration
}

// New returns the controller.
func New(c Config) *Controller {
	period := c.Period
	if period <= 0 {
		period = DefaultPeriod
	}
	return &Controller{archive: c.Archive, client: c.Client, period: period}
}

// Run sweeps the archive now and every period until ctx is done. workers
// is ignored.
func (c *Controller) Run(ctx context.Context, _ int) {
	logger := klog.FromContext(ctx).WithName(Name)
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		n, err := c.SweepOnce(ctx)
		if err != nil {
			logger.Error(err, "Sweeping archived logs of deleted objects")
			return
		}
		if n > 0 {
			logger.Info("Deleted archived logs of deleted objects", "objects", n)
		}
	}, c.period)
}

// SweepOnce deletes the archived logs whose owner no longer exists, and
// says of how many owners.
func (c *Controller) SweepOnce(ctx context.Context) (int, error) {
	return logstore.DeleteOrphans(ctx, c.archive, c.ownerExists)
}

// ownerExists reads an owner through the API; owners of resources the
// controller does not know are kept.
func (c *Controller) ownerExists(ctx context.Context, o logstore.Owner) (bool, error) {
	v1 := c.client.MlV1alpha1()
	var uid types.UID
	var err error
	get := metav1.GetOptions{}
	switch o.Resource {
	case "trainingjobs":
		var obj metav1.Object
		obj, err = v1.TrainingJobs(o.Namespace).Get(ctx, o.Name, get)
		uid = uidOf(obj, err)
	case "pipelineruns":
		var obj metav1.Object
		obj, err = v1.PipelineRuns(o.Namespace).Get(ctx, o.Name, get)
		uid = uidOf(obj, err)
	case "models":
		var obj metav1.Object
		obj, err = v1.Models(o.Namespace).Get(ctx, o.Name, get)
		uid = uidOf(obj, err)
	case "notebooks":
		var obj metav1.Object
		obj, err = v1.Notebooks(o.Namespace).Get(ctx, o.Name, get)
		uid = uidOf(obj, err)
	default:
		return true, nil
	}
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, err
	}
	return uid == o.UID, nil
}

func uidOf(obj metav1.Object, err error) types.UID {
	if err != nil {
		return ""
	}
	return obj.GetUID()
}
