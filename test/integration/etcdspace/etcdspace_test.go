// Package etcdspace tests a standalone server whose embedded etcd fills
// up: /readyz fails with what to do, and ml-apiserver etcd-recover (or a
// restart) frees it without losing an object.
package etcdspace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app"
	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/etcdspace"
	"ml.example.io/ml-apiserver/pkg/standalone"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// quota is small so that a few big writes fill etcd.
const quota = 32 << 20

const objects = 5

// startFullServer starts a server with a small etcd quota, creates
// TrainingJobs, then fills etcd until NOSPACE by rewriting a big key under
// a prefix no object uses (its history fills the quota, as a stream of
// metric batches would).
func startFullServer(t *testing.T) (*framework.TestServer, string) {
	t.Helper()
	ctx := t.Context()
	s := framework.StartTestServerWith(t, func(o *options.Options) { o.EtcdQuotaBackendBytes = quota })
	ns := framework.NewNamespace(t)
	jobs := s.Clientset().MlV1alpha1().TrainingJobs(ns)
	for i := 0; i < objects; i++ {
		if _, err := jobs.Create(ctx, mltesting.NewTrainingJob(fmt.Sprintf("before-%d", i), ns).Obj(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c, _, err := standalone.DialEmbeddedEtcd(ctx, standalone.EmbeddedEtcdDir(s.DataDir))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	fill(ctx, t, c)
	if _, err := jobs.Create(ctx, mltesting.NewTrainingJob("while-full", ns).Obj(), metav1.CreateOptions{}); err == nil {
		t.Fatal("create on a full etcd succeeded: the fill did not fill it")
	}
	return s, ns
}

// fill rewrites one big key under a prefix no object uses until etcd
// refuses with NOSPACE.
func fill(ctx context.Context, t *testing.T, c *clientv3.Client) {
	t.Helper()
	junk := strings.Repeat("x", 1<<20)
	for i := 0; i < 1000; i++ {
		_, err := c.Put(ctx, "/ml-test-junk/big", fmt.Sprintf("%d%s", i, junk))
		if errors.Is(err, rpctypes.ErrNoSpace) {
			return
		}
		if err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	t.Fatal("etcd never ran out of space")
}

// get returns the status code and body of path on the server.
func get(ctx context.Context, t *testing.T, cfg *rest.Config, path string) (int, string) {
	t.Helper()
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Host+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitReadyz waits until /readyz answers want.
func waitReadyz(ctx context.Context, t *testing.T, s *framework.TestServer, want int) string {
	t.Helper()
	var code int
	var body string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		code, body = get(ctx, t, s.ClientConfig, "/readyz?verbose")
		return code == want, nil
	})
	if err != nil {
		t.Fatalf("/readyz answered %d, want %d:\n%s", code, want, body)
	}
	return body
}

// checkObjects checks that every object created before the fill is there
// and that creates work.
func checkObjects(ctx context.Context, t *testing.T, s *framework.TestServer, ns string) {
	t.Helper()
	jobs := s.Clientset().MlV1alpha1().TrainingJobs(ns)
	if _, err := jobs.Create(ctx, mltesting.NewTrainingJob("after", ns).Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create after the recovery: %v", err)
	}
	for i := 0; i < objects; i++ {
		if _, err := jobs.Get(ctx, fmt.Sprintf("before-%d", i), metav1.GetOptions{}); err != nil {
			t.Errorf("object created before the fill: %v", err)
		}
	}
	c, _, err := standalone.DialEmbeddedEtcd(ctx, standalone.EmbeddedEtcdDir(s.DataDir))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if resp, err := c.Get(ctx, "/ml-test-junk/big", clientv3.WithCountOnly()); err != nil || resp.Count != 1 {
		t.Errorf("the big key after the recovery: %v, %v; want it kept", resp, err)
	}
}

func TestFullEtcdFailsReadyzAndRecovers(t *testing.T) {
	ctx := t.Context()
	s, ns := startFullServer(t)

	body := waitReadyz(ctx, t, s, http.StatusInternalServerError)
	if !strings.Contains(body, "[-]etcd-space failed") {
		t.Errorf("/readyz?verbose does not name the etcd-space check:\n%s", body)
	}
	code, body := get(ctx, t, s.ClientConfig, "/readyz/etcd-space")
	for _, want := range []string{"NOSPACE", "ml-apiserver etcd-recover --data-dir " + s.DataDir} {
		if code != http.StatusInternalServerError || !strings.Contains(body, want) {
			t.Errorf("/readyz/etcd-space: %d %q, want 500 saying %q", code, body, want)
		}
	}

	var out bytes.Buffer
	cmd := app.NewEtcdRecoverCommand()
	cmd.SetArgs([]string{"--data-dir", s.DataDir})
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	if err := cmd.ExecuteContext(ctx); err != nil {
		t.Fatalf("etcd-recover: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "disarmed 1 NOSPACE alarm") {
		t.Errorf("etcd-recover said %q, want one alarm disarmed", out.String())
	}
	t.Logf("etcd-recover: %s", out.String())

	waitReadyz(ctx, t, s, http.StatusOK)
	checkObjects(ctx, t, s, ns)
}

func TestRestartRecoversFullEtcd(t *testing.T) {
	ctx := t.Context()
	s, ns := startFullServer(t)
	waitReadyz(ctx, t, s, http.StatusInternalServerError)
	// Restart waits for /readyz to be OK.
	s.Restart()
	checkObjects(ctx, t, s, ns)
}

func TestRecoverWhileTheServerIsStopped(t *testing.T) {
	ctx := t.Context()
	s, ns := startFullServer(t)
	s.Stop()
	var out bytes.Buffer
	cmd := app.NewEtcdRecoverCommand()
	cmd.SetArgs([]string{"--data-dir", s.DataDir})
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	if err := cmd.ExecuteContext(ctx); err != nil {
		t.Fatalf("etcd-recover: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "No server runs on "+s.DataDir) || !strings.Contains(out.String(), "disarmed 1 NOSPACE alarm") {
		t.Errorf("etcd-recover said %q", out.String())
	}
	s.Restart()
	checkObjects(ctx, t, s, ns)
}

// TestFullExternalEtcdFailsReadyz runs the server on an etcd it does not
// own (--etcd-servers): the check reports, with the etcdctl way out, and
// leaves the recovery to the etcd's administrator.
func TestFullExternalEtcdFailsReadyz(t *testing.T) {
	ctx := t.Context()
	etcdCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ext, err := standalone.StartEtcd(etcdCtx, standalone.EtcdOptions{Dir: t.TempDir(), QuotaBackendBytes: quota, UnsafeNoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	s := framework.StartTestServerWith(t, func(o *options.Options) {
		tls := ext.PKI().ClientTLSInfo()
		tr := &o.RecommendedOptions.Etcd.StorageConfig.Transport
		tr.ServerList = []string{ext.ClientURL()}
		tr.CertFile, tr.KeyFile, tr.TrustedCAFile = tls.CertFile, tls.KeyFile, tls.TrustedCAFile
	})
	c, err := ext.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	fill(ctx, t, c)
	waitReadyz(ctx, t, s, http.StatusInternalServerError)
	code, body := get(ctx, t, s.ClientConfig, "/readyz/etcd-space")
	if code != http.StatusInternalServerError || !strings.Contains(body, "etcdctl alarm disarm") || strings.Contains(body, "etcd-recover") {
		t.Errorf("/readyz/etcd-space: %d %q, want 500 with the etcdctl commands", code, body)
	}
	// The server only reported: the alarm is still there.
	if alarms, err := c.AlarmList(ctx); err != nil || len(alarms.Alarms) != 1 {
		t.Errorf("alarms of the external etcd: %v, %v; want the NOSPACE alarm, untouched", alarms, err)
	}
	// What the administrator does (docs/install.md).
	if _, err := etcdspace.Recover(ctx, c, ext.ClientURL()); err != nil {
		t.Fatal(err)
	}
	waitReadyz(ctx, t, s, http.StatusOK)
}
