package bench

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// clients is the number of concurrent clients of the throughput runs.
const clients = 16

// cost is what a measured run took: wall time and the CPU time of the
// whole process (clients, server and etcd), over ops operations.
type cost struct {
	wall, cpu time.Duration
	ops       int
}

// opsPerSecond is the throughput of the run.
func (c cost) opsPerSecond() float64 { return float64(c.ops) / c.wall.Seconds() }

// cpuPerOp is the process CPU time per operation in ms.
func (c cost) cpuPerOp() float64 { return ms(c.cpu) / float64(c.ops) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// runParallel calls op(0) … op(n-1) from clients goroutines; it stops at
// the first error.
func runParallel(n int, op func(i int) error) (cost, error) {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		failed   atomic.Bool
	)
	start, startCPU := time.Now(), processCPU()
	for range clients {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := op(i); err != nil {
					errOnce.Do(func() { firstErr = err })
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	return cost{wall: time.Since(start), cpu: processCPU() - startCPU, ops: n}, firstErr
}

// median calls op runs times one after the other and returns the median
// latency and the mean CPU time per call.
func median(runs int, op func() error) (time.Duration, cost, error) {
	lat := make([]time.Duration, 0, runs)
	start, startCPU := time.Now(), processCPU()
	for range runs {
		t := time.Now()
		if err := op(); err != nil {
			return 0, cost{}, err
		}
		lat = append(lat, time.Since(t))
	}
	c := cost{wall: time.Since(start), cpu: processCPU() - startCPU, ops: runs}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[len(lat)/2], c, nil
}

// spread maps the i-th of many reads onto one of n objects, visiting them
// in a scattered order.
func spread(i, n int) int { return (i * 7919) % n }

// jobName is the name of the i-th TrainingJob.
func jobName(i int) string { return fmt.Sprintf("tj-%05d", i) }

// trainingJob is a realistic TrainingJob, like artifacts/examples/trainingjob.yaml.
func trainingJob(name string) *mlv1alpha1.TrainingJob {
	res := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("2"),
		corev1.ResourceMemory: resource.MustParse("4Gi"),
	}
	return &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{
			Name:   name,
			Labels: map[string]string{"app.kubernetes.io/part-of": "mnist", "team": "vision"},
		},
		Spec: mlv1alpha1.TrainingJobSpec{
			Framework: mlv1alpha1.FrameworkPyTorch,
			Replicas:  ptr.To[int32](2),
			Elastic:   &mlv1alpha1.ElasticPolicy{MinReplicas: ptr.To[int32](1), MaxReplicas: ptr.To[int32](4)},
			ContainerSpec: mlv1alpha1.ContainerSpec{
				Image:   "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
				Command: []string{"python", "/opt/mnist/train_ddp.py"},
				Args:    []string{"--backend=gloo", "--epochs=10", "--batch-size=128", "--lr=0.001", "--output=s3://ml-artifacts/mnist/" + name},
				Env: []corev1.EnvVar{
					{Name: "OMP_NUM_THREADS", Value: "2"},
					{Name: "TORCH_DISTRIBUTED_DEBUG", Value: "INFO"},
				},
				Resources: corev1.ResourceRequirements{Requests: res, Limits: res},
			},
			BackoffLimit:          ptr.To[int32](3),
			ActiveDeadlineSeconds: ptr.To[int64](7200),
			CleanPodPolicy:        mlv1alpha1.CleanPodPolicyRunning,
			Metrics:               &mlv1alpha1.MetricsSpec{Collector: mlv1alpha1.MetricsCollectorStdOut},
			OutputURI:             "s3://ml-artifacts/mnist/" + name,
		},
	}
}
