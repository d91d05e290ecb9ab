package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// podReads are kube-apiserver's counts of LIST and GET of pods so far.
func podReads(ctx context.Context, t *testing.T) (lists, gets float64) {
	t.Helper()
	body, err := framework.Kube(t, cluster.Config()).CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		t.Fatalf("kube-apiserver /metrics: %v", err)
	}
	sample := regexp.MustCompile(`^apiserver_request_total\{([^}]*)\} ([0-9.e+]+)$`)
	for _, line := range strings.Split(string(body), "\n") {
		m := sample.FindStringSubmatch(line)
		if m == nil || !strings.Contains(m[1], `resource="pods"`) || !strings.Contains(m[1], `subresource=""`) {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		switch {
		case strings.Contains(m[1], `verb="LIST"`):
			lists += v
		case strings.Contains(m[1], `verb="GET"`):
			gets += v
		}
	}
	return lists, gets
}

// TestLogsManyFollowsShareOnePodWatch follows several TrainingJobs at once
// through kube-apiserver and checks, from kube-apiserver's request counts,
// that the open follows do not read pods once a second each (they share
// ml-apiserver's one watch of the controller's pods) while each still
// streams what its pod writes and ends with its job.
func TestLogsManyFollowsShareOnePodWatch(t *testing.T) {
	if cluster.LocalUpDir == "" {
		t.Skip("pod logs need kwok's log files: a local-up cluster")
	}
	const jobs = 8
	// idle is how long the follows stay open: polling, each would have
	// listed pods and read its pod about once a second.
	const idle = 8 * time.Second
	ctx := testContext(t, 6*time.Minute)
	e := newTJEnv(t)
	logs := map[string]string{}
	for i := range jobs {
		logs[fmt.Sprintf("follow-%d-0", i)] = criLines(fmt.Sprintf("job %d ready", i))
	}
	files := podLogFiles(ctx, t, e.ns, logs)
	for i := range jobs {
		name := fmt.Sprintf("follow-%d", i)
		job := mltesting.NewTrainingJob(name, e.ns).Replicas(1).Obj()
		e.create(ctx, t, job)
	}
	for i := range jobs {
		name := fmt.Sprintf("follow-%d", i)
		e.waitRunning(ctx, t, name, name+"-0")
	}

	readers := make([]*bufio.Reader, jobs)
	for i := range jobs {
		rc, err := e.ml.MlV1alpha1().RESTClient().Get().Namespace(e.ns).Resource("trainingjobs").Name(fmt.Sprintf("follow-%d", i)).
			SubResource("log").Param("follow", "true").Stream(ctx)
		if err != nil {
			t.Fatalf("follow %d: %v", i, err)
		}
		t.Cleanup(func() { _ = rc.Close() })
		readers[i] = bufio.NewReader(rc)
		if l, err := readers[i].ReadString('\n'); err != nil || l != fmt.Sprintf("[replica-0] job %d ready\n", i) {
			t.Fatalf("first line of follow %d: %q, %v", i, l, err)
		}
	}

	// The namespace controller lists the pods of every namespace it
	// deletes: wait until the namespaces of earlier tests are gone, so
	// their lists are not counted as the follows'.
	waitNoTerminatingNamespaces(ctx, t)
	lists0, gets0 := podReads(ctx, t)
	time.Sleep(idle)
	lists, gets := podReads(ctx, t)
	// Other components may read pods too (the garbage collector, kubectl
	// of other tests): the bound is what one follow polling alone would
	// have made.
	limit := idle.Seconds() * 3 / 4
	t.Logf("%d open follows for %v: %.0f pod lists and %.0f pod gets counted by kube-apiserver", jobs, idle, lists-lists0, gets-gets0)
	if d := lists - lists0; d >= limit {
		t.Errorf("%d open follows: kube-apiserver counted %.0f pod lists in %v, want fewer than %.0f", jobs, d, idle, limit)
	}
	if d := gets - gets0; d >= limit {
		t.Errorf("%d open follows: kube-apiserver counted %.0f pod gets in %v, want fewer than %.0f", jobs, d, idle, limit)
	}

	// Every follow still streams what its pod writes, and ends with its job.
	for i := range jobs {
		pod := fmt.Sprintf("follow-%d-0", i)
		f, err := os.OpenFile(files[pod], os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.WriteString(criLines(fmt.Sprintf("job %d step 10", i)))
		_ = f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range readers {
		if l, err := r.ReadString('\n'); err != nil || l != fmt.Sprintf("[replica-0] job %d step 10\n", i) {
			t.Fatalf("line written while following %d: %q, %v", i, l, err)
		}
	}
	for i := range jobs {
		name := fmt.Sprintf("follow-%d", i)
		e.exitPods(t, 0, "", name+"-0")
	}
	for i, r := range readers {
		done := make(chan error, 1)
		go func() {
			rest, err := io.ReadAll(r)
			if err == nil && len(rest) > 0 {
				err = fmt.Errorf("more lines after the end: %q", rest)
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("follow %d: %v", i, err)
			}
		case <-ctx.Done():
			t.Fatalf("follow %d did not end with its job", i)
		}
	}
	for i := range jobs {
		framework.WaitTrainingJob(ctx, t, e.ml, e.ns, fmt.Sprintf("follow-%d", i), jobTimeout, "Succeeded", framework.JobPhase(mlv1alpha1.TrainingJobSucceeded))
	}
}

// waitNoTerminatingNamespaces waits, for at most two minutes, until no
// namespace is being deleted; after that it goes on and says so.
func waitNoTerminatingNamespaces(ctx context.Context, t *testing.T) {
	t.Helper()
	kube := framework.Kube(t, cluster.Config())
	var terminating []string
	err := wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		terminating = terminating[:0]
		for _, ns := range list.Items {
			if ns.Status.Phase == corev1.NamespaceTerminating {
				terminating = append(terminating, ns.Name)
			}
		}
		return len(terminating) == 0, nil
	})
	if err != nil {
		t.Logf("namespaces still being deleted (their pod lists may be counted): %v", terminating)
	}
}
