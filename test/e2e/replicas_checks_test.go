package e2e

// What TestAPIServerReplicas checks at the end: the watcher's view, and
// MLQuota with creates sent to both replicas.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"ml.example.io/ml-apiserver/pkg/admission/plugin/mlquota"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// checkWatcher checks that the watcher missed no write and that its view
// ends equal to a fresh list once it has caught up with it. Writes the
// writers gave up on when they stopped may still land meanwhile, so the
// list is made again until the two agree.
func checkWatcher(ctx context.Context, t *testing.T, tr *traffic, ml mlclientset.Interface, ns string) {
	t.Helper()
	var want, got map[string]int64
	var listErr error
	err := wait.PollUntilContextTimeout(ctx, time.Second, shortTimeout, true, func(ctx context.Context) (bool, error) {
		list, err := ml.MlV1alpha1().Pipelines(ns).List(ctx, metav1.ListOptions{})
		if listErr = err; err != nil {
			return false, nil
		}
		want = map[string]int64{}
		for _, p := range list.Items {
			want[p.Name], _ = strconv.ParseInt(p.ResourceVersion, 10, 64)
		}
		// Every object with the resourceVersion of its last write: the
		// watcher has caught up with the list. (The list's own
		// resourceVersion is etcd's, shared with the whole cluster.)
		tr.mu.Lock()
		defer tr.mu.Unlock()
		got = maps.Clone(tr.state)
		return maps.Equal(got, want), nil
	})
	if err != nil {
		t.Errorf("the watcher's view is not the final list (last list error: %v):\n%s", listErr, cmp.Diff(want, got))
	}
	if missed := tr.missed(); len(missed) > 0 {
		t.Errorf("the watcher missed %d writes the writers saw succeed: %s", len(missed), strings.Join(missed, ", "))
	}
	if len(want) == 0 || len(tr.ops) == 0 {
		t.Errorf("%d writes, %d Pipelines at the end: the writers did nothing", len(tr.ops), len(want))
	}
}

// checkQuotaAcrossReplicas sends 20 creates of a 1-GPU TrainingJob at
// once, 10 to each replica directly, against a quota with room for 7.
func checkQuotaAcrossReplicas(ctx context.Context, t *testing.T, c *framework.Cluster, kube kubernetes.Interface) {
	t.Helper()
	const room, creates = 7, 20
	ns := c.Namespace(t)
	if _, err := kube.CoreV1().ResourceQuotas(ns).Create(ctx, &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "gpus"},
		Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"requests." + gpu: apiresource.MustParse(strconv.Itoa(room))}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create ResourceQuota: %v", err)
	}
	replicas := []mlclientset.Interface{framework.ML(t, c.ReplicaConfig(t, 1)), framework.ML(t, c.ReplicaConfig(t, 2))}
	for i, r := range replicas {
		eventually(t, shortTimeout, fmt.Sprintf("replica %d sees the quota", i+1), func() (bool, string) {
			_, err := r.MlV1alpha1().TrainingJobs(ns).Create(ctx, gpuJob("probe", room+1, "1"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			return apierrors.IsForbidden(err), fmt.Sprint(err)
		})
	}
	errs := make([]error, creates)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = replicas[i%2].MlV1alpha1().TrainingJobs(ns).Create(ctx, gpuJob(fmt.Sprintf("job-%02d", i), 1, "1"), metav1.CreateOptions{})
		}()
	}
	wg.Wait()
	admitted := 0
	for i, err := range errs {
		switch {
		case err == nil:
			admitted++
		case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "exceeded quota") && strings.Contains(err.Error(), "gpus"):
		default:
			t.Errorf("job-%02d (replica %d): want admitted or refused naming the quota gpus, got %v", i, i%2+1, err)
		}
	}
	if admitted != room {
		t.Errorf("admitted %d of %d 1-GPU jobs sent to both replicas against room for %d", admitted, creates, room)
	}
	cm, err := kube.CoreV1().ConfigMaps(leaseNamespace).Get(ctx, mlquota.RecordPrefix+ns, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the quota usage record of %s: %v", ns, err)
	}
	var used map[string]string
	if err := json.Unmarshal([]byte(cm.Data["used"]), &used); err != nil {
		t.Fatalf("the quota usage record of %s: %v: %q", ns, err, cm.Data["used"])
	}
	if q, err := apiresource.ParseQuantity(used["requests."+string(gpu)]); err != nil || q.Value() != room {
		t.Errorf("usage record of %s: requests.%s = %q, want %d", ns, gpu, used["requests."+string(gpu)], room)
	}
}
