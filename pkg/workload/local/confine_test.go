package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"ml.example.io/ml-apiserver/pkg/workload"
	"ml.example.io/ml-apiserver/pkg/workload/local/launcher"
)

func launcherABI() int { return launcher.ABI() }

// testConfinement is the confinement of the server's defaults (Landlock,
// and the user nobody when the tests run as root), with sharedDir(t)
// writable.
func testConfinement(t *testing.T) Confinement {
	t.Helper()
	u, err := LookupUser("nobody")
	if err != nil {
		t.Fatal(err)
	}
	return Confinement{RunAs: u, ReadWritePaths: []string{sharedDir(t)}}
}

var shared sync.Map

// sharedDir is a directory of the test that its replicas may write.
func sharedDir(t *testing.T) string {
	t.Helper()
	if d, ok := shared.Load(t); ok {
		return d.(string)
	}
	d := t.TempDir()
	if err := os.Chmod(d, 0o777); err != nil {
		t.Fatal(err)
	}
	shared.Store(t, d)
	t.Cleanup(func() { shared.Delete(t) })
	return d
}

// A confined process reads the system, writes its own directory, reads
// its own credentials and prints its log; it cannot read the server's
// keys or another job's credentials or directory, nor write anywhere else
// below the data directory. With Landlock alone (the server's uid, root
// here) as with Landlock and another uid.
func TestConfinement(t *testing.T) {
	nobody, err := LookupUser("nobody")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		c    Confinement
	}{
		{"landlock", Confinement{}},
		{"landlock and nobody", Confinement{RunAs: nobody}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if launcherABI() < 1 {
				t.Skip("this kernel has no Landlock")
			}
			if tc.c.RunAs != nil && os.Geteuid() != 0 {
				t.Skip("only root runs processes as another user")
			}
			testConfinement1(t, tc.c)
		})
	}
}

func testConfinement1(t *testing.T, c Confinement) {
	data := t.TempDir()
	for _, f := range []string{"pki/ca.key", "pki/admin.key", "kubeconfig"} {
		p := filepath.Join(data, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(data, "workloads")
	r, err := New(Config{Dir: dir, MaxGracePeriod: 2 * time.Second, Confinement: c,
		OwnerEnv: func(o workload.Owner, credentials string) ([]corev1.EnvVar, error) {
			if err := os.MkdirAll(credentials, 0o700); err != nil {
				return nil, err
			}
			file := filepath.Join(credentials, "token")
			if err := os.WriteFile(file, []byte("token-of-"+o.Name), 0o600); err != nil {
				return nil, err
			}
			return []corev1.EnvVar{{Name: "TOKEN_FILE", Value: file}}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Shutdown(ctx)
	})
	ctx := context.Background()
	other := owner("other", "2")
	if _, err := r.EnsureReplica(ctx, other, shReplica("other-0", `echo mine > mine; exec sleep 300`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, other, "other-0", func(s workload.ReplicaStatus) bool { return s.Phase == workload.PhaseRunning })
	otherDir := replicaDir(t, r, "other-0")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(otherDir, workDirName, "mine")); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the other job never wrote its file: %v", err)
		}
	}
	otherToken, err := r.credentialsDir(other.UID)
	if err != nil {
		t.Fatal(err)
	}
	otherToken = filepath.Join(otherToken, "token")

	// Each check prints "<name>: ok" or "<name>: <its error>".
	script := `
try() { n=$1; shift; if out=$("$@" 2>&1); then echo "$n: ok"; else echo "$n: $out"; fi; }
try ca-key cat ` + filepath.Join(data, "pki/ca.key") + `
try admin-key cat ` + filepath.Join(data, "pki/admin.key") + `
try kubeconfig cat ` + filepath.Join(data, "kubeconfig") + `
try other-token cat ` + otherToken + `
try other-workdir cat ` + filepath.Join(otherDir, workDirName, "mine") + `
try other-log cat ` + filepath.Join(otherDir, logFile) + `
try write-data-dir touch ` + filepath.Join(data, "escape") + `
try write-runtime-dir touch ` + filepath.Join(dir, "escape") + `
try write-own-log sh -c 'echo forged >> ../log'
try write-own-pid sh -c 'echo 1 > ../pid'
try own-workdir sh -c 'echo hello > out && cat out'
try own-token cat "$TOKEN_FILE"
try own-tmp sh -c 'f=$(mktemp) && echo x > "$f" && rm "$f"'
try own-termination sh -c 'echo bye > "$ML_TERMINATION_MESSAGE_PATH"'
try system cat /etc/passwd
try proc sh -c 'cat /proc/self/status >/dev/null'
`
	o := owner("job", "1")
	if _, err := r.EnsureReplica(ctx, o, shReplica("job-0", script)); err != nil {
		t.Fatal(err)
	}
	s := waitFor(t, r, o, "job-0", finished)
	if s.Phase != workload.PhaseSucceeded {
		t.Fatalf("the confined job failed: %+v", s)
	}
	if s.TerminationMessage != "bye\n" {
		t.Errorf("termination message %q, want %q", s.TerminationMessage, "bye\n")
	}
	log, err := os.ReadFile(LogPath(replicaDir(t, r, "job-0")))
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		if _, msg, ok := parseCRILine(l); ok {
			if name, res, ok := strings.Cut(msg, ": "); ok {
				results[name] = res
			}
		}
	}
	for _, name := range []string{"ca-key", "admin-key", "kubeconfig", "other-token", "other-workdir", "other-log",
		"write-data-dir", "write-runtime-dir", "write-own-log", "write-own-pid"} {
		if res, ok := results[name]; !ok || !strings.Contains(res, "Permission denied") {
			t.Errorf("%s: %q, want permission denied", name, res)
		}
	}
	for _, name := range []string{"own-workdir", "own-token", "own-tmp", "own-termination", "system", "proc"} {
		if res := results[name]; res != "ok" {
			t.Errorf("%s: %q, want ok", name, res)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "escape")); err == nil {
		t.Errorf("the job wrote the data directory")
	}
	if strings.Contains(string(log), "forged") {
		t.Errorf("the job wrote its own log file")
	}
}

func TestLookupUser(t *testing.T) {
	for _, tc := range []struct {
		name    string
		want    *User
		wantErr bool
	}{
		{name: "", want: nil},
		{name: "root", want: nil},
		{name: "0", want: nil},
		{name: "nobody", want: &User{UID: 65534, GID: 65534}},
		{name: "1234", want: &User{UID: 1234, GID: 1234}},
		{name: "1234:99", want: &User{UID: 1234, GID: 99}},
		{name: "1234:x", wantErr: true},
		{name: "no-such-user-here", wantErr: true},
	} {
		got, err := LookupUser(tc.name)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: error %v, want error %v", tc.name, err, tc.wantErr)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" && !tc.wantErr {
			t.Errorf("%q: (-want +got)\n%s", tc.name, diff)
		}
	}
}

// Credentials rewritten by the server while processes run are given back
// to the processes' user.
func TestShareCredentials(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs processes as another user")
	}
	r := newRuntime(t, t.TempDir())
	dir, err := r.credentialsDir("uid-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "metrics.crt")
	if err := os.WriteFile(file, []byte("renewed"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.ShareCredentials("uid-1"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, file} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 65534 {
			t.Errorf("%s belongs to uid %d, want nobody (65534)", p, st.Uid)
		}
	}
}
