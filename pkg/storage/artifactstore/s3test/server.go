// Package s3test starts a real S3-compatible server, SeaweedFS's `weed
// server -s3`, for tests of the S3 artifact store: on free loopback ports,
// in a temporary directory, stopped when the test ends. The weed binary is
// built by `make tools` (hack/build-tools.sh) into $TOOLS_BIN or
// _output/bin; without it tests skip, except in CI (CI=true), where they
// fail, since CI builds it.
package s3test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// startTimeout is how long the server may take to serve S3 on a loaded
// machine (about 15 s on a quiet one).
const startTimeout = 3 * time.Minute

// stopTimeout is how long it may take to stop on SIGTERM before it is
// killed.
const stopTimeout = 30 * time.Second

// Options configure the server.
type Options struct {
	// AccessKeyID and SecretAccessKey, when set, are the only identity
	// the server accepts (an admin); without them it accepts anonymous
	// requests.
	AccessKeyID, SecretAccessKey string
}

// Server is a running SeaweedFS with its S3 gateway.
type Server struct {
	// Endpoint is host:port of the S3 gateway (plain HTTP).
	Endpoint string
	// AccessKeyID and SecretAccessKey are the identity of Options.
	AccessKeyID, SecretAccessKey string
	// Dir holds the server's data and its log (weed.log).
	Dir string

	cmd  *exec.Cmd
	done chan struct{}
}

// Binary finds weed: $TOOLS_BIN/weed (a relative TOOLS_BIN is relative to
// the module root, as make passes it), else _output/bin/weed of the module
// the current directory is in.
func Binary() (string, error) {
	var tried []string
	root, rootErr := moduleRoot()
	if bin := os.Getenv("TOOLS_BIN"); bin != "" {
		if !filepath.IsAbs(bin) && rootErr == nil {
			bin = filepath.Join(root, bin)
		}
		p := filepath.Join(bin, "weed")
		if isExecutable(p) {
			return filepath.Abs(p)
		}
		tried = append(tried, p)
	}
	if rootErr == nil {
		p := filepath.Join(root, "_output", "bin", "weed")
		if isExecutable(p) {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("no weed binary (tried %s): build it with `make tools` or `hack/build-tools.sh weed`", strings.Join(tried, ", "))
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// moduleRoot is the nearest directory up from the working directory with
// a go.mod of ml.example.io/ml-apiserver.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module ml.example.io/ml-apiserver\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the ml-apiserver module")
		}
		dir = parent
	}
}

// Start starts a server for t and stops it when t ends. It skips t when
// weed is missing, unless CI=true.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SeaweedFS is required in CI: %v", err)
		}
		t.Skipf("skipping the test against SeaweedFS: %v", err)
	}
	dir := t.TempDir()
	ports, err := freePorts(8)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{
		Endpoint:        net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])),
		AccessKeyID:     opts.AccessKeyID,
		SecretAccessKey: opts.SecretAccessKey,
		Dir:             dir,
		done:            make(chan struct{}),
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	args := []string{"server",
		"-dir=" + data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-s3", "-s3.port=" + strconv.Itoa(ports[0]), "-s3.port.grpc=" + strconv.Itoa(ports[1]),
		"-s3.port.iceberg=0", "-s3.port.lance=0",
		"-master.port=" + strconv.Itoa(ports[2]), "-master.port.grpc=" + strconv.Itoa(ports[3]),
		"-volume.port=" + strconv.Itoa(ports[4]), "-volume.port.grpc=" + strconv.Itoa(ports[5]),
		"-filer.port=" + strconv.Itoa(ports[6]), "-filer.port.grpc=" + strconv.Itoa(ports[7]),
		"-filer.localSocket=" + filepath.Join(dir, "filer.sock"),
		"-master.telemetry=false", "-volume.preStopSeconds=0",
		"-master.volumeSizeLimitMB=2048", "-volume.max=0",
	}
	if opts.AccessKeyID != "" {
		cfg := filepath.Join(dir, "s3.json")
		if err := writeIdentities(cfg, opts.AccessKeyID, opts.SecretAccessKey); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-s3.config="+cfg)
	}
	logFile, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		_ = logFile.Close()
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		_ = s.cmd.Wait()
		_ = logFile.Close()
		close(s.done)
	}()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			s.logTail(t)
		}
	})
	if err := s.waitReady(); err != nil {
		s.logTail(t)
		t.Fatalf("SeaweedFS did not serve S3 on %s: %v", s.Endpoint, err)
	}
	return s
}

// Client is a client of the server with the identity of Options.
func (s *Server) Client() (*minio.Client, error) {
	return minio.New(s.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(s.AccessKeyID, s.SecretAccessKey, ""),
		Secure: false,
	})
}

// MakeBucket creates bucket.
func (s *Server) MakeBucket(t testing.TB, bucket string) {
	t.Helper()
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MakeBucket(context.Background(), bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("make bucket %s: %v", bucket, err)
	}
}

// waitReady polls until a bucket can be made and an object written (the
// volume server must have joined the master for that).
func (s *Server) waitReady() error {
	c, err := s.Client()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("weed exited: %v", s.cmd.ProcessState)
		default:
		}
		if last = probe(c); last == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %s: %w", startTimeout, last)
}

func probe(c *minio.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const bucket = "s3test-ready"
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		if code := minio.ToErrorResponse(err).Code; code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
			return err
		}
	}
	if _, err := c.PutObject(ctx, bucket, "probe", strings.NewReader("ok"), 2, minio.PutObjectOptions{}); err != nil {
		return err
	}
	if err := c.RemoveObject(ctx, bucket, "probe", minio.RemoveObjectOptions{}); err != nil {
		return err
	}
	return c.RemoveBucket(ctx, bucket)
}

func (s *Server) stop() {
	pgid := -s.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-s.done
	}
}

func (s *Server) logTail(t testing.TB) {
	b, err := os.ReadFile(filepath.Join(s.Dir, "weed.log"))
	if err != nil {
		return
	}
	if len(b) > 8<<10 {
		b = b[len(b)-8<<10:]
	}
	t.Logf("weed.log (tail):\n%s", b)
}

func writeIdentities(path, accessKey, secretKey string) error {
	cfg := map[string]any{
		"identities": []any{map[string]any{
			"name":        "admin",
			"credentials": []any{map[string]string{"accessKey": accessKey, "secretKey": secretKey}},
			"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"},
		}},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
