package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// The admission workload: rounds of sequential creates, alternating
// between the servers so that both see the same machine load.
const (
	admissionRounds   = 20
	admissionPerRound = 50
	admissionWarmUp   = 100
)

// ourPlugins are the admission plugins of ml.example.io.
var ourPlugins = []string{"PipelineRunResolve", "TrainingRuntimeResolve", "ModelSource", "ProfileServiceAccount", "WorkloadSecurity", "MLQuota"}

// BenchmarkAdmission measures what our admission plugins add to a
// TrainingJob create. On the local cluster it starts two more aggregated
// ml-apiserver processes of the same binary, on the same etcd and
// kube-apiserver, differing only in --disable-admission-plugins: one with
// every plugin on, one with ours off (the generic chain stays on in both).
// Clients send creates straight to each, with a ServiceAccount token
// (delegated authentication and authorization, cached after warm-up), one
// at a time, and the median latencies are compared. A third series runs on
// the plugins-on server in a namespace with a ResourceQuota, where MLQuota
// charges every create by compare-and-swap on the namespace's usage record.
func BenchmarkAdmission(b *testing.B) {
	lc := startLocalCluster(b)
	ctx := context.Background()
	admin := rest.CopyConfig(lc.admin)
	admin.QPS, admin.Burst = 1e6, 1e6
	kube, err := kubernetes.NewForConfig(admin)
	if err != nil {
		b.Fatal(err)
	}
	token, err := benchToken(ctx, kube)
	if err != nil {
		b.Fatal(err)
	}
	on := startAggregatedServer(ctx, b, lc, "on", token)
	off := startAggregatedServer(ctx, b, lc, "off", token, "--disable-admission-plugins="+strings.Join(ourPlugins, ","))

	type series struct {
		name string
		path *apiPath
		ns   string
		lat  []time.Duration
	}
	all := []*series{
		{name: "plugins off", path: off, ns: "adm-off"},
		{name: "plugins on", path: on, ns: "adm-on"},
		{name: "plugins on, namespace with a ResourceQuota", path: on, ns: "adm-quota"},
	}
	for _, s := range all {
		if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: s.ns}}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := kube.CoreV1().ResourceQuotas("adm-quota").Create(ctx, &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "room"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			corev1.ResourcePods: apiresource.MustParse("1000000"), "requests.nvidia.com/gpu": apiresource.MustParse("1000000"),
		}},
	}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	for _, s := range all {
		err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			return s.path.create(ctx, s.ns, "warm-up-probe") == nil, nil
		})
		if err != nil {
			b.Fatalf("%s does not accept creates: %v", s.name, s.path.create(ctx, s.ns, "warm-up-probe-2"))
		}
		for i := 0; i < admissionWarmUp; i++ {
			if err := s.path.create(ctx, s.ns, fmt.Sprintf("warm-up-%d", i)); err != nil {
				b.Fatalf("warm-up %s: %v", s.name, err)
			}
		}
	}

	loadBefore := loadAverage()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for round := 0; round < admissionRounds; round++ {
			for _, s := range all {
				for j := 0; j < admissionPerRound; j++ {
					name := fmt.Sprintf("job-%d-%d-%d", i, round, j)
					start := time.Now()
					if err := s.path.create(ctx, s.ns, name); err != nil {
						b.Fatalf("%s: %v", s.name, err)
					}
					s.lat = append(s.lat, time.Since(start))
				}
			}
		}
	}
	b.StopTimer()

	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	medians := make([]time.Duration, len(all))
	for i, s := range all {
		slices.Sort(s.lat)
		medians[i] = quantile(s.lat, 0.5)
	}
	b.ReportMetric(ms(medians[0]), "off-median-ms")
	b.ReportMetric(ms(medians[1]), "on-median-ms")
	b.ReportMetric(ms(medians[1]-medians[0]), "added-median-ms")
	b.ReportMetric(ms(medians[2]-medians[0]), "added-quota-median-ms")

	fmt.Printf("\nTrainingJob create, one at a time, straight to ml-apiserver (%d per series; load %s -> %s)\n",
		len(all[0].lat), loadBefore, loadAverage())
	fmt.Printf("%-45s %10s %10s %10s %12s\n", "series", "p50 ms", "p90 ms", "p99 ms", "p50 added")
	for i, s := range all {
		fmt.Printf("%-45s %10.2f %10.2f %10.2f %+12.2f\n", s.name, ms(medians[i]), ms(quantile(s.lat, 0.9)), ms(quantile(s.lat, 0.99)), ms(medians[i]-medians[0]))
	}
}

// startAggregatedServer starts an ml-apiserver process of the local
// cluster's binary, configured as hack/lib/ml-apiserver.sh configures the
// cluster's own (its ServiceAccount kubeconfig, the cluster's etcd) but
// with its own etcd prefix, port and data directory, no controllers and
// the extra args; it is stopped when the benchmark ends. Not registered
// as an APIService: clients reach it directly.
func startAggregatedServer(ctx context.Context, b *testing.B, lc *localCluster, name, token string, args ...string) *apiPath {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	dataDir := b.TempDir()
	log := filepath.Join(lc.dir, "logs", "ml-apiserver-"+name+".log")
	out, err := os.Create(log)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	kubeconfig := lc.env["ML_APISERVER_KUBECONFIG"]
	cmd := exec.Command(filepath.Join(lc.root, "_output", "bin", "ml-apiserver"), append([]string{
		"--etcd-servers", lc.env["ETCD_URL"],
		"--etcd-prefix", "/registry/bench-admission-" + name,
		"--bind-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(port),
		"--authentication-kubeconfig", kubeconfig,
		"--authorization-kubeconfig", kubeconfig,
		"--kubeconfig", kubeconfig,
		"--data-dir", dataDir,
		"--controllers=-trainingjob",
		"--leader-elect=false",
		"--v=1",
	}, args...)...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		b.Fatalf("start ml-apiserver %s: %v", name, err)
	}
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

	cfg := &rest.Config{
		Host:            "https://127.0.0.1:" + strconv.Itoa(port),
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAFile: filepath.Join(dataDir, "serving-certs", "apiserver.crt")},
		UserAgent:       "ml-bench",
	}
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		select {
		case <-done:
			return false, fmt.Errorf("ml-apiserver %s exited:\n%s", name, tail(log, 30))
		default:
		}
		if _, err := os.Stat(cfg.TLSClientConfig.CAFile); err != nil {
			return false, nil
		}
		return readyOnce(ctx, cfg), nil
	})
	if err != nil {
		b.Fatalf("ml-apiserver %s not ready: %v\n%s", name, err, tail(log, 30))
	}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return &apiPath{key: name, name: name, group: mlv1alpha1.GroupName, host: cfg.Host, client: client}
}

// readyOnce says whether the server's /readyz answers 200 now.
func readyOnce(ctx context.Context, cfg *rest.Config) bool {
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return false
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Host+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
