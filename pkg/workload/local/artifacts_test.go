package local

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// oneStore serves the same store to every namespace.
type oneStore struct{ s artifactstore.Store }

func (o oneStore) For(context.Context, string) (artifactstore.Store, error) { return o.s, nil }

func newArtifactRuntime(t *testing.T, maxBytes int64) (*Runtime, *artifactstore.Filesystem) {
	t.Helper()
	store, err := artifactstore.NewFilesystem(filepath.Join(t.TempDir(), "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Config{Dir: t.TempDir(), MaxGracePeriod: 2 * time.Second, Confinement: testConfinement(t),
		Artifacts: ArtifactConfig{Stores: oneStore{store}, MaxBytes: maxBytes}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Shutdown(ctx)
	})
	return r, store
}

// A replica reads its input at $ML_ARTIFACT_INPUT_<NAME> before it starts
// and its output is pushed after it exits 0, byte for byte, and reported.
func TestReplicaPullsInputsAndPushesOutputs(t *testing.T) {
	r, store := newArtifactRuntime(t, 0)
	ctx := context.Background()
	input := bytes.Repeat([]byte("row,1\n"), 1000)
	if _, err := store.Put(ctx, "ns/pipelineruns/r/u/prepare/data", bytes.NewReader(input), 0); err != nil {
		t.Fatal(err)
	}
	script := `set -e
test "$ML_ARTIFACT_INPUT_DATASET" != ""
mkdir -p "$ML_ARTIFACT_OUTPUT_MODEL"
cp "$ML_ARTIFACT_INPUT_DATASET" "$ML_ARTIFACT_OUTPUT_MODEL/weights"
echo done > "$ML_ARTIFACT_OUTPUT_MODEL/README"`
	if os.Geteuid() == 0 {
		// Run as nobody, the process gets its input as a read-only link
		// to the store's file: it can neither write it nor make it
		// writable.
		script += `
if (echo tampered >> "$ML_ARTIFACT_INPUT_DATASET") 2>/dev/null; then echo "the input is writable" >&2; exit 3; fi
if chmod u+w "$ML_ARTIFACT_INPUT_DATASET" 2>/dev/null; then echo "the input's mode can be changed" >&2; exit 4; fi`
	}
	spec := shReplica("train", script)
	workload.SetArtifactPlan(&spec.Template, workload.ArtifactPlan{
		Inputs:  []workload.ArtifactTransfer{{Name: "dataset", Key: "ns/pipelineruns/r/u/prepare/data", Path: "/ml/artifacts/in/dataset"}},
		Outputs: []workload.ArtifactTransfer{{Name: "model", Key: "ns/pipelineruns/r/u/train/model", Path: "/ml/artifacts/out/model"}},
	})
	o := owner("r", "u")
	if _, err := r.EnsureReplica(ctx, o, spec); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, r, o, "train", finished)
	if st.Phase != workload.PhaseSucceeded {
		t.Fatalf("phase %s (%s), want Succeeded", st.Phase, st.Cause())
	}
	if len(st.Artifacts) != 1 || st.Artifacts[0].Name != "model" || st.Artifacts[0].Key != "ns/pipelineruns/r/u/train/model" ||
		!strings.HasPrefix(st.Artifacts[0].Digest, "sha256:") || st.Artifacts[0].Size != int64(len(input))+5 || !strings.HasPrefix(st.Artifacts[0].URI, "file://") {
		t.Errorf("artifacts %+v, want the model of %d bytes", st.Artifacts, len(input)+5)
	}
	out := filepath.Join(t.TempDir(), "model")
	if _, err := artifactstore.PullPath(ctx, store, "ns/pipelineruns/r/u/train/model", out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, "weights"))
	if err != nil || !bytes.Equal(got, input) {
		t.Errorf("pushed weights differ from the input (%d bytes, %v)", len(got), err)
	}
	stored, err := store.Path("ns/pipelineruns/r/u/prepare/data")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(stored); err != nil || !bytes.Equal(got, input) {
		t.Errorf("the store's input changed (%d bytes, %v)", len(got), err)
	}
}

// An output over the cap fails the replica with a message naming the cap,
// and nothing is stored.
func TestReplicaOutputOverCapFails(t *testing.T) {
	r, store := newArtifactRuntime(t, 1<<20)
	ctx := context.Background()
	spec := shReplica("big", `head -c 2097152 /dev/zero > "$ML_ARTIFACT_OUTPUT_DATA"`)
	workload.SetArtifactPlan(&spec.Template, workload.ArtifactPlan{
		Outputs: []workload.ArtifactTransfer{{Name: "data", Key: "ns/pipelineruns/r/u/big/data", Path: "/ml/artifacts/out/data"}},
	})
	o := owner("r", "u")
	if _, err := r.EnsureReplica(ctx, o, spec); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, r, o, "big", finished)
	if st.Phase != workload.PhaseFailed || st.Reason != ReasonArtifactPushFailed || !strings.Contains(st.Message, "1048576") || !strings.Contains(st.Message, "--max-artifact-bytes") {
		t.Errorf("status %s/%s %q, want Failed/%s naming the cap", st.Phase, st.Reason, st.Message, ReasonArtifactPushFailed)
	}
	if _, err := store.Stat(ctx, "ns/pipelineruns/r/u/big/data"); err == nil {
		t.Errorf("an artifact over the cap was stored")
	}
}

// A missing input fails the replica before its process starts, naming the
// input.
func TestReplicaMissingInputFails(t *testing.T) {
	r, _ := newArtifactRuntime(t, 0)
	spec := shReplica("train", `echo ran > "$ML_TERMINATION_MESSAGE_PATH"`)
	workload.SetArtifactPlan(&spec.Template, workload.ArtifactPlan{
		Inputs: []workload.ArtifactTransfer{{Name: "dataset", Key: "ns/pipelineruns/r/u/prepare/data", Path: "/ml/artifacts/in/dataset"}},
	})
	o := owner("r", "u")
	if _, err := r.EnsureReplica(context.Background(), o, spec); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, r, o, "train", finished)
	if st.Phase != workload.PhaseFailed || st.Reason != ReasonArtifactPullFailed || !strings.Contains(st.Message, `"dataset"`) || st.TerminationMessage != "" {
		t.Errorf("status %s/%s %q (termination message %q), want Failed/%s naming the input before the process ran", st.Phase, st.Reason, st.Message, st.TerminationMessage, ReasonArtifactPullFailed)
	}
}

// An output that is a symbolic link is refused: the runtime never reads
// outside the replica's directory for it.
func TestReplicaOutputSymlinkRefused(t *testing.T) {
	r, _ := newArtifactRuntime(t, 0)
	spec := shReplica("evil", `rmdir "$(dirname "$ML_ARTIFACT_OUTPUT_DATA")" && ln -s /etc "$(dirname "$ML_ARTIFACT_OUTPUT_DATA")"`)
	workload.SetArtifactPlan(&spec.Template, workload.ArtifactPlan{
		Outputs: []workload.ArtifactTransfer{{Name: "data", Key: "ns/pipelineruns/r/u/evil/data", Path: "/ml/artifacts/out/hostname"}},
	})
	o := owner("r", "u")
	if _, err := r.EnsureReplica(context.Background(), o, spec); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, r, o, "evil", finished)
	if st.Phase != workload.PhaseFailed || !strings.Contains(st.Message, "symbolic link") {
		t.Errorf("status %s/%s %q, want Failed refusing the symbolic link", st.Phase, st.Reason, st.Message)
	}
}
