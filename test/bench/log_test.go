package bench

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/registry/logs/logstest"
	mlworkload "ml.example.io/ml-apiserver/pkg/workload"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// logBench is a standalone server whose live pod logs come from a fake
// source the benchmark fills.
type logBench struct {
	source *logstest.Source
	cs     versioned.Interface
	ns     string
}

func startLogBench(b *testing.B) *logBench {
	b.Helper()
	lb := &logBench{source: logstest.New(), ns: "bench"}
	s := framework.StartTestServerWith(b, func(o *options.Options) {
		o.Controllers.Controllers = nil
		o.Logs.Source = lb.source
		o.Logs.ArchiveMaxBytes = 16 << 20
	})
	lb.cs = s.Clientset()
	return lb
}

// job stores a TrainingJob with one running pod in the fake source, whose
// log is size bytes of training lines, already ended.
func (lb *logBench) job(b *testing.B, name string, size int) {
	b.Helper()
	job, err := lb.cs.MlV1alpha1().TrainingJobs(lb.ns).Create(context.Background(), mltesting.NewTrainingJob(name, lb.ns).Obj(), metav1.CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	pod := name + "-0"
	lb.source.AddPod(lb.ns, mlworkload.Pod{
		Name: pod, UID: types.UID("uid-" + pod), ControllerUID: job.UID, Containers: []string{"trainer"},
		Labels: map[string]string{mlv1alpha1.TrainingJobNameLabel: name, mlv1alpha1.ReplicaIndexLabel: "0"},
	})
	block := make([]byte, 0, 1<<20)
	for i := 0; len(block) < 1<<20-100; i++ {
		block = fmt.Appendf(block, "step %07d loss=%.6f accuracy=%.4f lr=0.001\n", i, 1/float64(i+1), float64(i%1000)/1000)
	}
	for written := 0; written < size; written += len(block) {
		lb.source.WriteBytes(lb.ns, pod, "trainer", block[:min(len(block), size-written)])
	}
	lb.source.End(lb.ns, pod, "trainer")
}

// get reads GET .../trainingjobs/name/log with params to its end.
func (lb *logBench) get(b *testing.B, name string, params ...string) int64 {
	r := lb.cs.MlV1alpha1().RESTClient().Get().Namespace(lb.ns).Resource("trainingjobs").Name(name).SubResource("log")
	for i := 0; i < len(params); i += 2 {
		r.Param(params[i], params[i+1])
	}
	rc, err := r.Stream(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer rc.Close()
	n, err := drain(rc)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// drain reads r to its end with a 256 KiB buffer, as both the direct and
// the API readers do.
func drain(r io.Reader) (int64, error) {
	return io.CopyBuffer(struct{ io.Writer }{io.Discard}, r, make([]byte, 256<<10))
}

// BenchmarkLogFollow compares following a 64 MiB log through the log
// subresource (HTTPS, one replica without prefixes, and merged with
// [replica-0] prefixes) with reading the same bytes from the source
// directly. Target: the subresource at least half the source's rate.
func BenchmarkLogFollow(b *testing.B) {
	const size = 64 << 20
	lb := startLogBench(b)
	lb.job(b, "follow", size)
	measure := func(read func() int64) float64 {
		start := time.Now()
		var n int64
		for range 3 {
			n += read()
		}
		return float64(n) / time.Since(start).Seconds() / (1 << 20)
	}
	var direct, api, merged float64
	for b.Loop() {
		direct = measure(func() int64 {
			rc, err := lb.source.Stream(context.Background(), lb.ns, "follow-0", mlworkload.PodLogOptions{Follow: true})
			if err != nil {
				b.Fatal(err)
			}
			defer rc.Close()
			n, err := drain(rc)
			if err != nil {
				b.Fatal(err)
			}
			return n
		})
		api = measure(func() int64 { return lb.get(b, "follow", "follow", "true", "replica", "0") })
		merged = measure(func() int64 { return lb.get(b, "follow", "follow", "true") })
	}
	b.ReportMetric(direct, "source-MiB/s")
	b.ReportMetric(api, "subresource-MiB/s")
	b.ReportMetric(merged, "merged-MiB/s")
	b.ReportMetric(api/direct, "ratio")
	fmt.Printf("\nlog follow of %d MiB: source %.0f MiB/s, subresource %.0f MiB/s (%.2fx), merged with prefixes %.0f MiB/s (%.2fx)\n",
		size>>20, direct, api, api/direct, merged, merged/direct)
}

// BenchmarkLogArchiveRead reads an archived 8 MiB log through the log
// subresource: the pod is gone, the chunks come from etcd. Target: under
// 200 ms.
func BenchmarkLogArchiveRead(b *testing.B) {
	const size = 8 << 20
	lb := startLogBench(b)
	lb.job(b, "archived", size)
	err := lb.cs.MlV1alpha1().RESTClient().Post().Namespace(lb.ns).Resource("trainingjobs").Name("archived").SubResource("log").
		Body(&mlv1alpha1.LogArchiveRequest{PodName: "archived-0"}).Do(context.Background()).Error()
	if err != nil {
		b.Fatal(err)
	}
	lb.source.DeletePod(lb.ns, "archived-0")
	var n int64
	start := time.Now()
	for b.Loop() {
		n = lb.get(b, "archived", "replica", "0")
	}
	if n < size-4096 {
		b.Fatalf("read %d archived bytes, want %d", n, size)
	}
	perRead := time.Since(start) / time.Duration(b.N)
	b.SetBytes(n)
	b.ReportMetric(float64(perRead.Microseconds())/1000, "ms/read")
	fmt.Printf("\narchived log read of %d MiB: %v per read\n", n>>20, perRead.Round(time.Millisecond))
}
