package artifacthelper

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ml.example.io/ml-apiserver/pkg/workload"
)

func TestPushRunsCommandThenUploadsAndReports(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvType, "filesystem")
	t.Setenv(EnvRoot, root)
	t.Setenv(EnvSecretAccessKey, "do-not-leak")
	store, err := StoreFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	term := filepath.Join(dir, "termination-log")
	if err := os.WriteFile(term, []byte("accuracy=0.9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "ml", "artifacts", "out", "model")
	envFile := filepath.Join(dir, "env")
	script := `env > "` + envFile + `"; printf weights > "` + out + `"`
	code, err := Push(context.Background(), store, []Transfer{{Name: "model", Key: "ns/trainingjobs/j/u/main/model", Path: out}}, 0, term, []string{"sh", "-c", script})
	if err != nil || code != 0 {
		t.Fatalf("Push = %d, %v", code, err)
	}
	env, _ := os.ReadFile(envFile)
	if strings.Contains(string(env), "do-not-leak") {
		t.Errorf("the command saw the store's credentials")
	}
	msg, _ := os.ReadFile(term)
	rest, results := workload.SplitArtifactResults(string(msg))
	if strings.TrimSpace(rest) != "accuracy=0.9" || len(results) != 1 || results[0].Size != 7 || !strings.HasPrefix(results[0].Digest, "sha256:") {
		t.Errorf("termination message %q: outputs %q, results %+v", msg, rest, results)
	}
	// Pull gets it back, byte for byte.
	in := filepath.Join(dir, "in", "model")
	if err := Pull(context.Background(), store, []Transfer{{Key: "ns/trainingjobs/j/u/main/model", Path: in}}, filepath.Join(dir, "bin", "helper")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(in); string(got) != "weights" {
		t.Errorf("pulled %q, want weights", got)
	}
	if fi, err := os.Stat(filepath.Join(dir, "bin", "helper")); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("helper not installed executable: %v", err)
	}
}

func TestPushFailures(t *testing.T) {
	t.Setenv(EnvType, "filesystem")
	t.Setenv(EnvRoot, t.TempDir())
	store, err := StoreFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	term := filepath.Join(dir, "termination-log")
	out := filepath.Join(dir, "out", "data")
	cases := []struct {
		name     string
		script   string
		wantCode int
		wantMsg  string
	}{
		{name: "command fails: its exit code, no upload", script: "exit 3", wantCode: 3},
		{name: "over the cap", script: `head -c 2048 /dev/zero > "` + out + `"`, wantCode: 1, wantMsg: "larger than the cap of 1024 bytes"},
		{name: "not written", script: "true", wantCode: 1, wantMsg: "without writing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_ = os.Remove(out)
			_ = os.Remove(term)
			code, err := Push(context.Background(), store, []Transfer{{Name: "data", Key: "ns/k/n/u/t/data", Path: out}}, 1024, term, []string{"sh", "-c", tc.script})
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d (%v)", code, tc.wantCode, err)
			}
			msg, _ := os.ReadFile(term)
			if tc.wantMsg != "" && (err == nil || !strings.Contains(string(msg), tc.wantMsg)) {
				t.Errorf("termination message %q (error %v), want it to say %q", msg, err, tc.wantMsg)
			}
		})
	}
}
