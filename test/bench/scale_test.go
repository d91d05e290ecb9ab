package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

// scaleJobsEnv sets how many jobs of each kind BenchmarkScale creates;
// `make bench` runs the default, `make bench-scale` 10,000 unless it is set.
const scaleJobsEnv = "ML_BENCH_SCALE_JOBS"

// Defaults of BenchmarkScale: the 1,000 jobs of 2 replicas.
const (
	scaleDefaultJobs = 1000
	scaleReplicas    = 2
	// scaleCreators create the jobs concurrently, "at once".
	scaleCreators = 32
	// scalePodsPerNode is what the benchmark's kwok nodes allow.
	scalePodsPerNode = 1000
	// scaleTimeout bounds one phase.
	scaleTimeout = 30 * time.Minute
	// scaleControllerQPS and scaleControllerBurst are the client rate of
	// both controllers compared, the TrainingJob controller's defaults:
	// kube-controller-manager gets the same (its own defaults are 20 and
	// 30), so that neither phase waits on a smaller client budget.
	scaleControllerQPS   = 50
	scaleControllerBurst = 100
)

// Targets of the issue at 10,000 jobs, reported, never asserted.
const (
	scaleTimeTarget   = 1.0 // TrainingJob time / batch Job time
	scaleWritesTarget = 3.0 // controller writes per pod created
)

// BenchmarkScale creates N TrainingJobs of 2 replicas at once on a local
// cluster with kwok nodes and measures how long until every one is
// Running with both replicas ready, the controller's CPU seconds and peak
// RSS, and the API writes it made per job and per pod. The baseline is N
// batch/v1 Jobs of parallelism 2 handled by kube-controller-manager in the
// same run (first, in a namespace of their own): the time until every Job
// reports both pods ready or succeeded, and the writes of its Job
// controller. The TrainingJob controller runs as its own `ml-apiserver
// controller` process (ml-apiserver's own controllers are off) so that
// /proc tells its CPU and memory apart. After both phases it reports the
// API servers' CPU and peak RSS, and times reads at two sizes (see reads).
func BenchmarkScale(b *testing.B) {
	jobs := scaleDefaultJobs
	if v := os.Getenv(scaleJobsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive number of jobs", scaleJobsEnv, v)
		}
		jobs = n
	}
	// kube-controller-manager gets the TrainingJob controller's client
	// rate, and its pod garbage collector keeps the terminated pods of the
	// batch/v1 phase (by default it deletes them beyond 12,500, which at
	// 10,000 Jobs would race the Job controller's own tracking of them).
	b.Setenv("KUBE_CONTROLLER_MANAGER_FLAGS", fmt.Sprintf("--kube-api-qps=%d --kube-api-burst=%d --terminated-pod-gc-threshold=%d",
		scaleControllerQPS, scaleControllerBurst, 4*jobs*scaleReplicas))
	c := startLocalCluster(b)
	ctx := context.Background()

	admin := rest.CopyConfig(c.admin)
	admin.QPS, admin.Burst = 2000, 4000
	kube, err := kubernetes.NewForConfig(admin)
	if err != nil {
		b.Fatal(err)
	}
	ml, err := mlclientset.NewForConfig(admin)
	if err != nil {
		b.Fatal(err)
	}
	direct := rest.CopyConfig(admin)
	direct.Host = c.env["ML_APISERVER_URL"]
	direct.TLSClientConfig.CAFile, direct.TLSClientConfig.CAData = c.env["ML_APISERVER_CA_FILE"], nil
	direct.TLSClientConfig.ServerName = ""
	s := &scaleRun{c: c, kube: kube, ml: ml, kubeMetrics: admin, mlMetrics: direct, jobs: jobs}
	// Room for the pods of both phases, which stay.
	nodes := (2*jobs*scaleReplicas)/scalePodsPerNode + 1
	if err := s.addNodes(ctx, nodes); err != nil {
		b.Fatalf("kwok nodes: %v", err)
	}
	ctrl := s.startController(ctx, b)

	loadBefore := loadAverage()
	b.ResetTimer()
	var results []scaleResult
	for i := 0; i < b.N; i++ {
		batch, err := s.runBatch(ctx, fmt.Sprintf("bench-batch-%d", i))
		if err != nil {
			b.Fatalf("batch/v1 Jobs: %v", err)
		}
		tj, err := s.runTrainingJobs(ctx, fmt.Sprintf("bench-tj-%d", i), ctrl)
		if err != nil {
			b.Fatalf("TrainingJobs: %v (controller log: %s)", err, ctrl.log)
		}
		results = append(results, batch, tj)
	}
	b.StopTimer()
	batch, tj := results[len(results)-2], results[len(results)-1]
	tj.peakRSS = ctrl.peakRSS()
	servers := serverMemory{
		ml:   procStatus(c.pid("ml-apiserver"), "VmHWM"),
		kube: procStatus(c.pid("kube-apiserver"), "VmHWM"),
	}
	loadAfter := loadAverage()
	n := b.N - 1
	tjReads, batchReads, err := s.reads(ctx, fmt.Sprintf("bench-tj-%d", n), fmt.Sprintf("bench-batch-%d", n))
	if err != nil {
		b.Fatalf("reads: %v", err)
	}
	reportScale(b, jobs, nodes+2, batch, tj, loadBefore, loadAfter)
	reportScaleReads(b, jobs, servers, batch, tj, tjReads, batchReads, loadAverage())
}

// serverMemory are the peak RSS of the API servers after the phases.
type serverMemory struct{ ml, kube int64 }

// scaleRun is one cluster and its clients.
type scaleRun struct {
	c                      *localCluster
	kube                   kubernetes.Interface
	ml                     mlclientset.Interface
	kubeMetrics, mlMetrics *rest.Config
	jobs                   int
}

// scaleResult is what one phase measured.
type scaleResult struct {
	name string
	// running is the time from the first create until every job reported
	// all its pods running; podsRunning until every pod was seen running.
	running, podsRunning time.Duration
	// cpu is the CPU time the controller process used in the phase;
	// kubeAPICPU kube-apiserver's, mlAPICPU ml-apiserver's.
	cpu, kubeAPICPU, mlAPICPU time.Duration
	peakRSS                   int64
	// writes are the controller's writes until every job was running, by
	// kind ("create pods", "update trainingjobs/status", ...); events its
	// events created; pods the pods created.
	writes map[string]float64
	events float64
	pods   int
	// refused are the writes counted in writes that did not succeed.
	refused float64
}

func (r scaleResult) totalWrites() float64 {
	var n float64
	for _, v := range r.writes {
		n += v
	}
	return n
}

// controllerProcess is the `ml-apiserver controller` of the benchmark.
type controllerProcess struct {
	cmd *exec.Cmd
	log string
}

// startController starts the TrainingJob controller as its own process,
// with the ServiceAccount kubeconfig ml-apiserver runs with, no leader
// election (it is the only copy: the server's are off) and no endpoint.
func (s *scaleRun) startController(ctx context.Context, b *testing.B) *controllerProcess {
	b.Helper()
	log := filepath.Join(s.c.dir, "logs", "ml-controller.log")
	out, err := os.Create(log)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(filepath.Join(s.c.root, "_output", "bin", "ml-apiserver"), "controller",
		"--kubeconfig", s.c.env["ML_APISERVER_KUBECONFIG"],
		"--controllers", "trainingjob",
		"--controller-kube-api-qps", strconv.Itoa(scaleControllerQPS),
		"--controller-kube-api-burst", strconv.Itoa(scaleControllerBurst),
		"--leader-elect=false",
		"--secure-port=0",
		"--v=1")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		b.Fatalf("start ml-apiserver controller: %v", err)
	}
	p := &controllerProcess{cmd: cmd, log: log}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	// Ready once its informers have synced: it logs starting its workers.
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(context.Context) (bool, error) {
		select {
		case <-done:
			return false, fmt.Errorf("ml-apiserver controller exited:\n%s", tail(log, 30))
		default:
		}
		data, _ := os.ReadFile(log)
		return strings.Contains(string(data), "Caches are synced"), nil
	})
	if err != nil {
		b.Fatalf("ml-apiserver controller not ready: %v\n%s", err, tail(log, 30))
	}
	return p
}

func (p *controllerProcess) pid() int { return p.cmd.Process.Pid }

// peakRSS is the process's high-water mark of resident memory (VmHWM), in
// bytes, or 0 when unknown.
func (p *controllerProcess) peakRSS() int64 { return procStatus(p.pid(), "VmHWM") }

// apiCPUs are the CPU times of kube-apiserver and ml-apiserver.
type apiCPUs struct{ kube, ml time.Duration }

func (s *scaleRun) apiCPU() apiCPUs {
	return apiCPUs{kube: pidCPU(s.c.pid("kube-apiserver")), ml: pidCPU(s.c.pid("ml-apiserver"))}
}

func (a apiCPUs) since(before apiCPUs) apiCPUs {
	return apiCPUs{kube: a.kube - before.kube, ml: a.ml - before.ml}
}

// addNodes registers n more kwok nodes (local-up's two allow 110 pods
// each) that take scalePodsPerNode pods, and waits until kwok made them
// Ready.
func (s *scaleRun) addNodes(ctx context.Context, n int) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("1000"),
		corev1.ResourceMemory: resource.MustParse("4Ti"),
		corev1.ResourcePods:   resource.MustParse(strconv.Itoa(scalePodsPerNode)),
	}
	for i := range n {
		name := fmt.Sprintf("bench-node-%d", i)
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        name,
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
				Labels:      map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "type": "kwok"},
			},
			Status: corev1.NodeStatus{Allocatable: capacity, Capacity: capacity},
		}
		if _, err := s.kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	return wait.PollUntilContextTimeout(ctx, time.Second, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		for i := range n {
			node, err := s.kube.CoreV1().Nodes().Get(ctx, fmt.Sprintf("bench-node-%d", i), metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			ready := false
			for _, c := range node.Status.Conditions {
				ready = ready || (c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue)
			}
			if !ready {
				return false, nil
			}
		}
		return true, nil
	})
}

// createNamespace creates ns.
func (s *scaleRun) createNamespace(ctx context.Context, ns string) error {
	_, err := s.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	// The ServiceAccount admission needs the default ServiceAccount.
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := s.kube.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
}

// createAll calls create for every job's index with scaleCreators
// goroutines.
func (s *scaleRun) createAll(ctx context.Context, create func(ctx context.Context, i int) error) error {
	return s.createN(ctx, s.jobs, create)
}

// createN calls create for 0..n-1 with scaleCreators goroutines.
func (s *scaleRun) createN(ctx context.Context, n int, create func(ctx context.Context, i int) error) error {
	next := make(chan int)
	errs := make(chan error, scaleCreators)
	var wg sync.WaitGroup
	for range scaleCreators {
		wg.Go(func() {
			for i := range next {
				if err := create(ctx, i); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// tracker records when each job, and each pod, first met its condition.
type tracker struct {
	mu      sync.Mutex
	start   time.Time
	want    int
	jobs    map[string]time.Duration
	pods    map[string]time.Duration
	allJobs chan struct{}
	closed  bool
}

func newTracker(want int) *tracker {
	return &tracker{want: want, jobs: map[string]time.Duration{}, pods: map[string]time.Duration{}, allJobs: make(chan struct{})}
}

func (t *tracker) job(name string, ok bool) {
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, seen := t.jobs[name]; !seen && !t.start.IsZero() {
		t.jobs[name] = time.Since(t.start)
		if len(t.jobs) == t.want && !t.closed {
			t.closed = true
			close(t.allJobs)
		}
	}
}

func (t *tracker) pod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || (pod.Status.Phase != corev1.PodRunning && pod.Status.Phase != corev1.PodSucceeded) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, seen := t.pods[pod.Name]; !seen && !t.start.IsZero() {
		t.pods[pod.Name] = time.Since(t.start)
	}
}

func (t *tracker) begin() {
	t.mu.Lock()
	t.start = time.Now()
	t.mu.Unlock()
}

func (t *tracker) result() (running, podsRunning time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, d := range t.jobs {
		running = max(running, d)
	}
	for _, d := range t.pods {
		podsRunning = max(podsRunning, d)
	}
	return running, podsRunning
}

// watchPods tracks the pods of ns.
// The informer runs until ctx is done.
func (s *scaleRun) watchPods(ctx context.Context, ns string, t *tracker) error {
	f := informers.NewSharedInformerFactoryWithOptions(s.kube, 0, informers.WithNamespace(ns))
	inf := f.Core().V1().Pods().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    t.pod,
		UpdateFunc: func(_, obj any) { t.pod(obj) },
	}); err != nil {
		return err
	}
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("pod informer of %s did not sync", ns)
	}
	return nil
}

// runBatch is the baseline: batch/v1 Jobs of parallelism 2 through
// kube-controller-manager's Job controller.
func (s *scaleRun) runBatch(ctx context.Context, ns string) (scaleResult, error) {
	ctx, cancel := context.WithTimeout(ctx, scaleTimeoutFor(s.jobs))
	defer cancel()
	if err := s.createNamespace(ctx, ns); err != nil {
		return scaleResult{}, err
	}
	t := newTracker(s.jobs)
	f := informers.NewSharedInformerFactoryWithOptions(s.kube, 0, informers.WithNamespace(ns))
	inf := f.Batch().V1().Jobs().Informer()
	check := func(obj any) {
		if j, ok := obj.(*batchv1.Job); ok {
			// kwok ends a Job's pods as soon as they run: succeeded pods
			// count from when the Job controller lists them as
			// uncounted, before it removes their finalizers.
			started := ptr.Deref(j.Status.Ready, 0) + j.Status.Succeeded
			if u := j.Status.UncountedTerminatedPods; u != nil {
				started += int32(len(u.Succeeded))
			}
			t.job(j.Name, started >= scaleReplicas)
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: check, UpdateFunc: func(_, obj any) { check(obj) }}); err != nil {
		return scaleResult{}, err
	}
	stop := make(chan struct{})
	f.Start(stop)
	defer f.Shutdown()
	defer close(stop)
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return scaleResult{}, fmt.Errorf("job informer did not sync")
	}
	if err := s.watchPods(ctx, ns, t); err != nil {
		return scaleResult{}, err
	}

	kcm := s.c.pid("kube-controller-manager")
	before, err := s.scrape(ctx)
	if err != nil {
		return scaleResult{}, err
	}
	cpu0 := pidCPU(kcm)
	api0 := s.apiCPU()
	t.begin()
	err = s.createAll(ctx, func(ctx context.Context, i int) error {
		_, err := s.kube.BatchV1().Jobs(ns).Create(ctx, batchJob(fmt.Sprintf("job-%d", i)), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return scaleResult{}, fmt.Errorf("create Jobs: %w", err)
	}
	if err := waitAll(ctx, t); err != nil {
		return scaleResult{}, err
	}
	cpu := pidCPU(kcm) - cpu0
	api := s.apiCPU().since(api0)
	after, err := s.scrape(ctx)
	if err != nil {
		return scaleResult{}, err
	}
	r := scaleResult{name: "batch/v1 Job (kube-controller-manager)", cpu: cpu, kubeAPICPU: api.kube, mlAPICPU: api.ml, writes: map[string]float64{}}
	r.running, r.podsRunning = t.result()
	for _, w := range []struct{ key, verb, resource, subresource string }{
		{"create pods", "POST", "pods", ""},
		{"patch pods", "PATCH", "pods", ""},
		{"delete pods", "DELETE", "pods", ""},
		{"update jobs/status", "PUT", "jobs", "status"},
		{"patch jobs/status", "PATCH", "jobs", "status"},
	} {
		r.writes[w.key] = after.kube.delta(before.kube, w.verb, w.resource, w.subresource)
		r.refused += r.writes[w.key] - after.kube.deltaOK(before.kube, w.verb, w.resource, w.subresource)
	}
	r.events = after.kube.delta(before.kube, "POST", "events", "")
	r.pods = int(after.kube.deltaOK(before.kube, "POST", "pods", ""))
	return r, nil
}

func batchJob(name string) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.JobSpec{
			Parallelism: ptr.To[int32](scaleReplicas),
			Completions: ptr.To[int32](scaleReplicas),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "trainer", Image: "ghcr.io/example/trainer:1", Command: []string{"python", "train.py"}}},
			}},
		},
	}
}

// runTrainingJobs creates TrainingJobs of 2 replicas and waits until all
// are Running with both replicas ready.
func (s *scaleRun) runTrainingJobs(ctx context.Context, ns string, ctrl *controllerProcess) (scaleResult, error) {
	ctx, cancel := context.WithTimeout(ctx, scaleTimeoutFor(s.jobs))
	defer cancel()
	if err := s.createNamespace(ctx, ns); err != nil {
		return scaleResult{}, err
	}
	t := newTracker(s.jobs)
	f := mlinformers.NewSharedInformerFactoryWithOptions(s.ml, 0, mlinformers.WithNamespace(ns))
	inf := f.Ml().V1alpha1().TrainingJobs().Informer()
	check := func(obj any) {
		if j, ok := obj.(*mlv1alpha1.TrainingJob); ok {
			t.job(j.Name, j.Status.Phase == mlv1alpha1.TrainingJobRunning && j.Status.ReadyReplicas == scaleReplicas)
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: check, UpdateFunc: func(_, obj any) { check(obj) }}); err != nil {
		return scaleResult{}, err
	}
	stop := make(chan struct{})
	f.Start(stop)
	defer f.Shutdown()
	defer close(stop)
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return scaleResult{}, fmt.Errorf("trainingjob informer did not sync")
	}
	if err := s.watchPods(ctx, ns, t); err != nil {
		return scaleResult{}, err
	}

	before, err := s.scrape(ctx)
	if err != nil {
		return scaleResult{}, err
	}
	cpu0 := pidCPU(ctrl.pid())
	api0 := s.apiCPU()
	t.begin()
	err = s.createAll(ctx, func(ctx context.Context, i int) error {
		_, err := s.ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, scaleTrainingJob(fmt.Sprintf("tj-%d", i)), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return scaleResult{}, fmt.Errorf("create TrainingJobs: %w", err)
	}
	if err := waitAll(ctx, t); err != nil {
		return scaleResult{}, err
	}
	cpu := pidCPU(ctrl.pid()) - cpu0
	api := s.apiCPU().since(api0)
	after, err := s.scrape(ctx)
	if err != nil {
		return scaleResult{}, err
	}
	r := scaleResult{name: "TrainingJob (ml-apiserver controller)", cpu: cpu, kubeAPICPU: api.kube, mlAPICPU: api.ml, writes: map[string]float64{}}
	r.running, r.podsRunning = t.result()
	for _, w := range []struct{ key, verb, resource, subresource string }{
		{"create pods", "POST", "pods", ""},
		{"patch pods", "PATCH", "pods", ""},
		{"delete pods", "DELETE", "pods", ""},
		{"create services", "POST", "services", ""},
	} {
		r.writes[w.key] = after.kube.delta(before.kube, w.verb, w.resource, w.subresource)
		r.refused += r.writes[w.key] - after.kube.deltaOK(before.kube, w.verb, w.resource, w.subresource)
	}
	for _, w := range []struct{ key, verb, resource, subresource string }{
		{"update trainingjobs/status", "PUT", "trainingjobs", "status"},
		{"patch trainingjobs/status", "PATCH", "trainingjobs", "status"},
		{"update trainingjobs", "PUT", "trainingjobs", ""},
	} {
		r.writes[w.key] = after.ml.delta(before.ml, w.verb, w.resource, w.subresource)
		r.refused += r.writes[w.key] - after.ml.deltaOK(before.ml, w.verb, w.resource, w.subresource)
	}
	r.events = after.kube.delta(before.kube, "POST", "events", "")
	r.pods = int(after.kube.deltaOK(before.kube, "POST", "pods", ""))
	return r, nil
}

// waitAll waits until every job met its condition.
func waitAll(ctx context.Context, t *tracker) error {
	select {
	case <-t.allJobs:
		return nil
	case <-ctx.Done():
		t.mu.Lock()
		defer t.mu.Unlock()
		return fmt.Errorf("only %d of %d jobs running, %d pods running, after %v: %w",
			len(t.jobs), t.want, len(t.pods), time.Since(t.start).Round(time.Second), ctx.Err())
	}
}
