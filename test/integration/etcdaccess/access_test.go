package etcdaccess

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/standalone"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// helperEnv selects the helper mode of the test binary: it runs the probes
// of the JSON request in the variable and prints a helperReport.
const helperEnv = "ML_ETCDACCESS_HELPER"

// nobody is the account the helper runs as.
const nobody = 65534

type helperRequest struct {
	EtcdHosts []string
	Paths     []string
	API       string
}

type helperReport struct {
	UID int
	// Control is a world-readable file the helper could read: proof that
	// the probes ran and failed for want of permission only.
	Control bool
	Worked  []string
}

func TestMain(m *testing.M) {
	if req := os.Getenv(helperEnv); req != "" {
		os.Exit(runHelper(req))
	}
	os.Exit(m.Run())
}

func runHelper(request string) int {
	var req helperRequest
	if err := json.Unmarshal([]byte(request), &req); err != nil {
		return 2
	}
	ctx := context.Background()
	r := helperReport{UID: os.Getuid()}
	if _, err := os.ReadFile("/etc/passwd"); err == nil {
		r.Control = true
	}
	for _, h := range req.EtcdHosts {
		r.Worked = append(r.Worked, probeEtcd(ctx, h)...)
	}
	r.Worked = append(r.Worked, probeFiles(req.Paths)...)
	r.Worked = append(r.Worked, probeAPI(ctx, req.API)...)
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		return 2
	}
	return 0
}

// startServer starts a standalone server whose data directory is reachable
// by other accounts (mode 0755 in a 0755 parent) when it starts: the
// server must close it itself. It creates a TrainingJob.
func startServer(t *testing.T) *framework.TestServer {
	t.Helper()
	s := framework.StartTestServer(t)
	s.Stop()
	for _, dir := range []string{filepath.Dir(s.DataDir), s.DataDir} {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s.Restart()
	if _, err := s.Clientset().MlV1alpha1().TrainingJobs("default").Create(t.Context(),
		mltesting.NewTrainingJob("kept", "default").Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatalf("the server does not work: %v", err)
	}
	return s
}

// etcdHosts are every TCP listener of the process but the API's: the
// embedded etcd's client and peer listeners.
func etcdHosts(t *testing.T, s *framework.TestServer) []string {
	t.Helper()
	ports, err := tcpListeners()
	if err != nil {
		t.Fatal(err)
	}
	_, apiPort, _ := net.SplitHostPort(s.Address)
	var hosts []string
	for _, p := range ports {
		if strconv.Itoa(p) != apiPort {
			hosts = append(hosts, net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		}
	}
	if len(hosts) < 2 {
		t.Fatalf("found listeners %v besides the API's %s; want etcd's client and peer listeners", hosts, apiPort)
	}
	return hosts
}

// TestEtcdListenersRefuseClientsWithoutCredentials connects to every
// listener of the embedded etcd without the server's credentials.
func TestEtcdListenersRefuseClientsWithoutCredentials(t *testing.T) {
	s := startServer(t)
	ctx := t.Context()
	for _, h := range etcdHosts(t, s) {
		for _, w := range probeEtcd(ctx, h) {
			t.Errorf("without credentials: %s", w)
		}
	}
	// The server's own credentials do work: the probes can tell.
	c, _, err := standalone.DialEmbeddedEtcd(ctx, standalone.EmbeddedEtcdDir(s.DataDir))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	resp, err := c.Get(ctx, "/registry/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatalf("with the server's credentials: %v", err)
	}
	var keys []string
	for _, kv := range resp.Kvs {
		keys = append(keys, string(kv.Key))
	}
	if !strings.Contains(strings.Join(keys, " "), "/trainingjobs/default/kept") {
		t.Errorf("with the server's credentials: keys %v, want the TrainingJob", keys)
	}
	if _, err := s.Clientset().MlV1alpha1().TrainingJobs("default").Get(ctx, "kept", metav1.GetOptions{}); err != nil {
		t.Errorf("the server: %v", err)
	}
}

// TestOtherAccountCannotReachObjects runs the probes as nobody: etcd's
// listeners, every file and directory of the data directory, and the API
// without a certificate.
func TestOtherAccountCannotReachObjects(t *testing.T) {
	s := startServer(t)
	ctx := t.Context()
	var paths []string
	if err := filepath.WalkDir(s.DataDir, func(p string, _ fs.DirEntry, err error) error {
		paths = append(paths, p)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"etcd/data/member/snap/db", "etcd/pki/client.key", "pki/ca.key", "pki/admin.key"} {
		if !contains(paths, filepath.Join(s.DataDir, want)) {
			t.Fatalf("%s is not in the data directory", want)
		}
	}
	req, err := json.Marshal(helperRequest{EtcdHosts: etcdHosts(t, s), Paths: paths, API: s.Address})
	if err != nil {
		t.Fatal(err)
	}

	bin := helperBinary(t)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "-test.run=^$")
	cmd.Env = []string{helperEnv + "=" + string(req), "PATH=/usr/bin:/bin", "HOME=/"}
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	if err := cmd.Run(); err != nil {
		t.Fatalf("helper as uid %d: %v\n%s", nobody, err, stderr.String())
	}
	var r helperReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("helper report %q: %v", stdout.String(), err)
	}
	if r.UID != nobody || !r.Control {
		t.Fatalf("helper ran as uid %d, control read %v: want uid %d able to read /etc/passwd", r.UID, r.Control, nobody)
	}
	for _, w := range r.Worked {
		t.Errorf("as uid %d: %s", nobody, w)
	}
	if _, err := os.Stat(filepath.Join(s.DataDir, "planted")); err == nil {
		t.Errorf("uid %d created a file in the data directory", nobody)
	}
	list, err := s.Clientset().MlV1alpha1().TrainingJobs("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range list.Items {
		if j.Name != "kept" {
			t.Errorf("TrainingJob %s was planted", j.Name)
		}
	}
}

// helperBinary copies the test binary where uid nobody can run it: the go
// tool builds it in a directory only root can enter.
func helperBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "etcdaccess-helper-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = src.Close() }()
	bin := filepath.Join(dir, "helper")
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return bin
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
