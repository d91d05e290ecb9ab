package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

// Reads of BenchmarkScale, after both phases: get and list with
// limit=500 through kube-apiserver, in a namespace of scaleSmallJobs
// objects (a tenth of N when N is no more) and in the phase's namespace of
// N, for TrainingJobs and for batch/v1 Jobs.
const (
	// scaleSmallJobs is the size the reads at N are compared with; the
	// small namespace's jobs are suspended, so they make no pods.
	scaleSmallJobs = 1000
	// scaleListLimit is the page size of the lists.
	scaleListLimit = 500
	// scaleReadSamples is how many gets, and about how many list pages,
	// each read series times.
	scaleReadSamples = 300
)

// Targets of the issue at 10,000 jobs, reported, never asserted.
const (
	scaleListTarget       = 1.5             // list p99 at N / list p99 at 1k (paged)
	scaleServerRSSTarget  = 1.5 * (1 << 30) // ml-apiserver peak RSS, bytes
	scaleControlRSSTarget = 1 << 30         // controller peak RSS, bytes
)

// scaleTimeoutFor bounds one phase of n jobs: 30 minutes, or 0.6 s a job
// on this shared machine (1,000 batch/v1 Jobs took 410 s at a load of 16).
func scaleTimeoutFor(n int) time.Duration {
	return max(scaleTimeout, time.Duration(n)*600*time.Millisecond)
}

// procStatus reads a field in kB of /proc/PID/status (VmHWM, VmRSS), in
// bytes, or 0 when unknown.
func procStatus(pid int, field string) int64 {
	if pid <= 0 {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// latencies are the p50 and p99 of a series of reads.
type latencies struct{ p50, p99 time.Duration }

func latenciesOf(d []time.Duration) latencies {
	return latencies{p50: quantile(d, 0.5), p99: quantile(d, 0.99)}
}

// readResult is what the reads of one kind measured, at scaleSmallJobs
// (small) and at N (large) objects in the namespace.
type readResult struct {
	getSmall, getLarge   latencies
	listSmall, listLarge latencies
	// informer is the sync of a new informer over every object of the
	// kind (both namespaces): its time, and the heap it keeps.
	informerSync  time.Duration
	informerHeap  int64
	informerItems int
}

// smallJobs is the size of the namespaces whose reads those at n objects
// are compared with: scaleSmallJobs, or a tenth of n when n is no more.
func smallJobs(n int) int {
	if n > scaleSmallJobs {
		return scaleSmallJobs
	}
	return max(n/10, 1)
}

// reads measures gets and paged lists of TrainingJobs and batch/v1 Jobs in
// small namespaces of their own (created here, of suspended jobs) and in
// the namespaces of the phases, tjNS and batchNS, which hold s.jobs each.
func (s *scaleRun) reads(ctx context.Context, tjNS, batchNS string) (tj, batch readResult, err error) {
	small := smallJobs(s.jobs)
	tjSmall, batchSmall := tjNS+"-small", batchNS+"-small"
	if err := s.createSuspended(ctx, tjSmall, batchSmall, small); err != nil {
		return tj, batch, err
	}
	tjGet := func(ctx context.Context, ns, name string) error {
		_, err := s.ml.MlV1alpha1().TrainingJobs(ns).Get(ctx, name, metav1.GetOptions{})
		return err
	}
	tjList := func(ctx context.Context, ns, cont string) (string, error) {
		l, err := s.ml.MlV1alpha1().TrainingJobs(ns).List(ctx, metav1.ListOptions{Limit: scaleListLimit, Continue: cont})
		if err != nil {
			return "", err
		}
		return l.Continue, nil
	}
	batchGet := func(ctx context.Context, ns, name string) error {
		_, err := s.kube.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		return err
	}
	batchList := func(ctx context.Context, ns, cont string) (string, error) {
		l, err := s.kube.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{Limit: scaleListLimit, Continue: cont})
		if err != nil {
			return "", err
		}
		return l.Continue, nil
	}
	for _, m := range []struct {
		r            *readResult
		get          func(context.Context, string, string) error
		list         func(context.Context, string, string) (string, error)
		prefix       string
		small, large string
	}{
		{&tj, tjGet, tjList, "tj-", tjSmall, tjNS},
		{&batch, batchGet, batchList, "job-", batchSmall, batchNS},
	} {
		if m.r.getSmall, err = timeGets(ctx, m.small, m.prefix, small, m.get); err != nil {
			return tj, batch, err
		}
		if m.r.getLarge, err = timeGets(ctx, m.large, m.prefix, s.jobs, m.get); err != nil {
			return tj, batch, err
		}
		if m.r.listSmall, err = timeLists(ctx, m.small, m.list); err != nil {
			return tj, batch, err
		}
		if m.r.listLarge, err = timeLists(ctx, m.large, m.list); err != nil {
			return tj, batch, err
		}
	}
	if err := s.informerMemory(ctx, &tj, &batch); err != nil {
		return tj, batch, err
	}
	return tj, batch, nil
}

// createSuspended creates n suspended TrainingJobs in tjNS and n suspended
// batch/v1 Jobs in batchNS: objects of the same size as the phases', with
// no pods.
func (s *scaleRun) createSuspended(ctx context.Context, tjNS, batchNS string, n int) error {
	for _, ns := range []string{tjNS, batchNS} {
		if err := s.createNamespace(ctx, ns); err != nil {
			return err
		}
	}
	err := s.createN(ctx, n, func(ctx context.Context, i int) error {
		j := scaleTrainingJob(fmt.Sprintf("tj-%d", i))
		j.Spec.Suspend = true
		if _, err := s.ml.MlV1alpha1().TrainingJobs(tjNS).Create(ctx, j, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create suspended TrainingJob: %w", err)
		}
		bj := batchJob(fmt.Sprintf("job-%d", i))
		bj.Spec.Suspend = ptr.To(true)
		if _, err := s.kube.BatchV1().Jobs(batchNS).Create(ctx, bj, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create suspended Job: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The reads are timed once the controllers are done with the new
	// jobs: every TrainingJob Suspended, every Job with its Suspended
	// condition.
	return wait.PollUntilContextTimeout(ctx, 2*time.Second, 10*time.Minute, true, func(ctx context.Context) (bool, error) {
		tjs, err := s.ml.MlV1alpha1().TrainingJobs(tjNS).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, j := range tjs.Items {
			if j.Status.Phase != mlv1alpha1.TrainingJobSuspended {
				return false, nil
			}
		}
		bjs, err := s.kube.BatchV1().Jobs(batchNS).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, j := range bjs.Items {
			suspended := false
			for _, c := range j.Status.Conditions {
				suspended = suspended || (c.Type == batchv1.JobSuspended && c.Status == corev1.ConditionTrue)
			}
			if !suspended {
				return false, nil
			}
		}
		return len(tjs.Items) == n && len(bjs.Items) == n, nil
	})
}

// scaleWarmUp requests precede each timed series, untimed.
const scaleWarmUp = 10

// timeGets times scaleReadSamples gets of random objects named
// prefix0..prefix(n-1) in ns, one at a time.
func timeGets(ctx context.Context, ns, prefix string, n int, get func(context.Context, string, string) error) (latencies, error) {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	for range scaleWarmUp {
		if err := get(ctx, ns, prefix+strconv.Itoa(rng.IntN(n))); err != nil {
			return latencies{}, fmt.Errorf("get in %s: %w", ns, err)
		}
	}
	d := make([]time.Duration, 0, scaleReadSamples)
	for range scaleReadSamples {
		name := prefix + strconv.Itoa(rng.IntN(n))
		start := time.Now()
		if err := get(ctx, ns, name); err != nil {
			return latencies{}, fmt.Errorf("get %s/%s: %w", ns, name, err)
		}
		d = append(d, time.Since(start))
	}
	return latenciesOf(d), nil
}

// timeLists times the pages of whole lists of ns with limit=500, one
// request at a time, until about scaleReadSamples pages were read.
func timeLists(ctx context.Context, ns string, list func(context.Context, string, string) (string, error)) (latencies, error) {
	for range scaleWarmUp {
		if _, err := list(ctx, ns, ""); err != nil {
			return latencies{}, fmt.Errorf("list %s: %w", ns, err)
		}
	}
	var d []time.Duration
	for len(d) < scaleReadSamples {
		cont := ""
		for {
			start := time.Now()
			next, err := list(ctx, ns, cont)
			if err != nil {
				return latencies{}, fmt.Errorf("list %s: %w", ns, err)
			}
			d = append(d, time.Since(start))
			if next == "" {
				break
			}
			cont = next
		}
	}
	return latenciesOf(d), nil
}

// informerMemory starts a new informer over all TrainingJobs, then one over
// all batch/v1 Jobs, as a controller does when it starts or relists, and
// measures how long each took to sync and how much heap its cache keeps.
func (s *scaleRun) informerMemory(ctx context.Context, tj, batch *readResult) error {
	for _, m := range []struct {
		r     *readResult
		start func(stop <-chan struct{}) cache.SharedIndexInformer
	}{
		{tj, func(stop <-chan struct{}) cache.SharedIndexInformer {
			f := mlinformers.NewSharedInformerFactory(s.ml, 0)
			inf := f.Ml().V1alpha1().TrainingJobs().Informer()
			f.Start(stop)
			return inf
		}},
		{batch, func(stop <-chan struct{}) cache.SharedIndexInformer {
			f := informers.NewSharedInformerFactory(s.kube, 0)
			inf := f.Batch().V1().Jobs().Informer()
			f.Start(stop)
			return inf
		}},
	} {
		before := heapInUse()
		stop := make(chan struct{})
		start := time.Now()
		inf := m.start(stop)
		if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
			close(stop)
			return fmt.Errorf("informer did not sync")
		}
		m.r.informerSync = time.Since(start)
		m.r.informerHeap = heapInUse() - before
		m.r.informerItems = len(inf.GetStore().ListKeys())
		close(stop)
		runtime.KeepAlive(inf)
	}
	return nil
}

// heapInUse is the live heap after a collection.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// scaleTrainingJob is the TrainingJob of BenchmarkScale: 2 replicas.
func scaleTrainingJob(name string) *mlv1alpha1.TrainingJob {
	return &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: mlv1alpha1.TrainingJobSpec{
			Replicas:      ptr.To[int32](scaleReplicas),
			ContainerSpec: mlv1alpha1.ContainerSpec{Image: "ghcr.io/example/trainer:1", Command: []string{"python", "train.py"}},
		},
	}
}
