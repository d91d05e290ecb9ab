package logs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestLocalLogRotation runs a replica that prints far more than its log
// files may hold, with small --local-log-max-size and
// --local-log-max-files: a follow of its log sees every line once, in
// order, across the rotations; the files on disk stay within the bound;
// tailLines reads the end across the last rotation.
func TestLocalLogRotation(t *testing.T) {
	const maxSize, maxFiles = 256 << 10, 3
	server := framework.StartTestServerWith(t, func(o *options.Options) {
		o.Controllers.Controllers = []string{"*"}
		o.LocalRuntime.LogMaxSize = "256Ki"
		o.LocalRuntime.LogMaxFiles = maxFiles
	})
	cs := server.Clientset()
	ns := framework.NewNamespace(t)
	ctx, cancel := context.WithTimeout(t.Context(), localTimeout)
	defer cancel()

	// The replica prints a chunk of lines (about 150 KB of log) each time
	// the test has read the previous one: over 4 MB in all, many
	// rotations, while the follower never lags more than the files keep.
	gates := t.TempDir()
	const chunks, perChunk = 30, 1000
	pad := strings.Repeat("z", 80)
	script := fmt.Sprintf(`for c in $(seq 1 %d); do
  while [ ! -e %s/$c ]; do sleep 0.02; done
  awk -v c=$c 'BEGIN { for (i = (c-1)*%d+1; i <= c*%d; i++) printf "%%07d %%s\n", i, "%s" }'
done`, chunks, gates, perChunk, perChunk, pad)
	job := &mlv1alpha1.TrainingJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "chatty"},
		Spec:       mlv1alpha1.TrainingJobSpec{Replicas: ptr.To[int32](1), ContainerSpec: shell(`echo started; ` + script)},
	}
	if _, err := cs.MlV1alpha1().TrainingJobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitStarted(ctx, t, cs, ns, "trainingjobs", "chatty", "started")
	r := openFollow(ctx, t, cs, ns, "trainingjobs", "chatty")
	if got := readLine(t, r); got != "[replica-0] started\n" {
		t.Fatalf("first followed line %q", got)
	}
	touch(t, filepath.Join(gates, "1"))
	for i := 1; i <= chunks*perChunk; i++ {
		want := fmt.Sprintf("[replica-0] %07d %s\n", i, pad)
		if got := readLine(t, r); got != want {
			t.Fatalf("followed line %d: %q, want %q", i, got, want)
		}
		if i%perChunk == 0 && i < chunks*perChunk {
			touch(t, filepath.Join(gates, strconv.Itoa(i/perChunk+1)))
		}
	}
	if rest := readRest(t, r); len(rest) != 0 {
		t.Errorf("after the last line the follow sent %q", rest)
	}

	files, err := filepath.Glob(filepath.Join(server.DataDir, "workloads", "replicas", ns, "chatty-0-*", "log*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no log files of the replica: %v", err)
	}
	var total int64
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			total += fi.Size()
		}
	}
	if len(files) > maxFiles || total > maxSize*maxFiles {
		t.Errorf("log files %v hold %d bytes: want at most %d files of %d bytes", files, total, maxFiles, maxSize)
	}

	out, err := cs.MlV1alpha1().RESTClient().Get().Namespace(ns).Resource("trainingjobs").Name("chatty").
		SubResource("log").Param("tailLines", "3").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := ""
	for i := chunks*perChunk - 2; i <= chunks*perChunk; i++ {
		want += fmt.Sprintf("[replica-0] %07d %s\n", i, pad)
	}
	if string(out) != want {
		t.Errorf("tailLines=3: %q, want %q", out, want)
	}
}
