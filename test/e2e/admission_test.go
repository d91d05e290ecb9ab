package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/model"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

const gpu = corev1.ResourceName("nvidia.com/gpu")

// wantRefused fails the test unless err is an API error with code whose
// message holds every one of want.
func wantRefused(t *testing.T, err error, code int32, want ...string) {
	t.Helper()
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Code != code {
		t.Fatalf("want a %d refusal, got %v", code, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("refusal %q does not say %q", err, w)
		}
	}
}

// gpuJob is a TrainingJob of replicas pods of gpus GPUs each.
func gpuJob(name string, replicas int32, gpus string) *mlv1alpha1.TrainingJob {
	job := mltesting.NewTrainingJob(name, "").Replicas(replicas).Obj()
	q := apiresource.MustParse(gpus)
	job.Spec.Resources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{gpu: q},
		Limits:   corev1.ResourceList{gpu: q},
	}
	return job
}

func createQuota(ctx context.Context, t *testing.T, ns string, hard corev1.ResourceList) {
	t.Helper()
	kube := framework.Kube(t, cluster.Config())
	if _, err := kube.CoreV1().ResourceQuotas(ns).Create(ctx, &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "gpus"},
		Spec:       corev1.ResourceQuotaSpec{Hard: hard},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create ResourceQuota: %v", err)
	}
}

// untilRefused retries a dry-run request until admission refuses it: the
// server's informers see objects made just before a moment later.
func untilRefused(t *testing.T, what string, try func() error) error {
	t.Helper()
	var last error
	eventually(t, shortTimeout, what, func() (bool, string) {
		last = try()
		return last != nil && !apierrors.IsNotFound(last), fmt.Sprint(last)
	})
	return last
}

// TestAdmissionPipelineRunResolve: a run of a missing Pipeline is refused
// naming it; a run of an existing one carries the resolved pipeline and
// its effective params in status.
func TestAdmissionPipelineRunResolve(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	ml := framework.ML(t, cluster.Config())

	_, err := ml.MlV1alpha1().PipelineRuns(ns).Create(ctx, mltesting.NewPipelineRun("orphan", ns).Ref("missing").Obj(), metav1.CreateOptions{})
	wantRefused(t, err, 422, "spec.pipelineRef.name", `Pipeline "missing" does not exist in namespace "`+ns+`"`)

	pipeline := mltesting.NewPipeline("train", ns).Obj()
	pipeline.Spec.Params = []mlv1alpha1.ParamSpec{
		{Name: "lr", Type: mlv1alpha1.ParamTypeFloat, Default: ptr.To("0.1")},
		{Name: "epochs", Type: mlv1alpha1.ParamTypeInt},
	}
	if _, err := ml.MlV1alpha1().Pipelines(ns).Create(ctx, pipeline, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Pipeline: %v", err)
	}
	bad := mltesting.NewPipelineRun("bad", ns).Ref("train").Obj()
	bad.Spec.Params = []mlv1alpha1.Param{{Name: "epochs", Value: "many"}}
	_, err = ml.MlV1alpha1().PipelineRuns(ns).Create(ctx, bad, metav1.CreateOptions{})
	wantRefused(t, err, 422, "spec.params[0].value", `parameter "epochs" is of type int`)

	run := mltesting.NewPipelineRun("nightly", ns).Ref("train").Obj()
	run.Spec.Params = []mlv1alpha1.Param{{Name: "epochs", Value: "3"}}
	created, err := ml.MlV1alpha1().PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create PipelineRun: %v", err)
	}
	if ref := created.Status.Pipeline; ref == nil || ref.Name != "train" || ref.Hash == "" {
		t.Errorf("status.pipeline = %+v, want a reference to Pipeline train with the snapshot's hash", ref)
	}
	snapshot, err := ml.MlV1alpha1().PipelineRuns(ns).GetPipeline(ctx, "nightly", metav1.GetOptions{})
	if err != nil || len(snapshot.Spec.Tasks) != len(pipeline.Spec.Tasks) {
		t.Errorf("the pipeline subresource: %v, err %v; want the Pipeline's spec", snapshot, err)
	}
	want := []mlv1alpha1.Param{{Name: "lr", Value: "0.1"}, {Name: "epochs", Value: "3"}}
	if fmt.Sprint(created.Status.Params) != fmt.Sprint(want) {
		t.Errorf("status.params = %v, want %v", created.Status.Params, want)
	}
}

// warnings records the warnings the server sends.
type warnings struct {
	mu   sync.Mutex
	text []string
}

func (w *warnings) HandleWarningHeader(code int, agent, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.text = append(w.text, text)
}

func (w *warnings) all() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.text, "\n")
}

// TestAdmissionModelSource: a Model of a failed TrainingJob is refused; one
// of a running job is accepted with a warning, waits, and is resolved once
// the job succeeds.
func TestAdmissionModelSource(t *testing.T) {
	ctx := testContext(t, 5*time.Minute)
	ns := cluster.Namespace(t)
	cfg := rest.CopyConfig(cluster.Config())
	var warned warnings
	cfg.WarningHandler = &warned
	ml := framework.ML(t, cfg)
	kubectl := cluster.Kubectl(t)

	_, err := ml.MlV1alpha1().Models(ns).Create(ctx, modelOfJob("ghost", "nobody"), metav1.CreateOptions{})
	wantRefused(t, err, 422, "spec.source.trainingJobRef.name", `TrainingJob "nobody" does not exist`)

	broken := mltesting.NewTrainingJob("broken", ns).Replicas(1).BackoffLimit(0).Obj()
	broken.Spec.PodMetadata = &mlv1alpha1.PodMetadata{Annotations: map[string]string{
		framework.PodExitCodeAnnotation:  "1",
		framework.PodExitDelayAnnotation: "200ms",
	}}
	running := mltesting.NewTrainingJob("running", ns).Replicas(1).Obj()
	running.Spec.OutputURI = "s3://out/running"
	for _, job := range []*mlv1alpha1.TrainingJob{broken, running} {
		if _, err := ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create TrainingJob %s: %v", job.Name, err)
		}
	}
	framework.WaitTrainingJob(ctx, t, ml, ns, "broken", 2*time.Minute, "Failed", framework.JobPhase(mlv1alpha1.TrainingJobFailed))
	err = untilRefused(t, "a Model of the failed job refused", func() error {
		_, err := ml.MlV1alpha1().Models(ns).Create(ctx, modelOfJob("of-broken", "broken"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	})
	wantRefused(t, err, 422, "spec.source.trainingJobRef.name", `TrainingJob "broken" failed`)

	if _, err := ml.MlV1alpha1().Models(ns).Create(ctx, modelOfJob("of-running", "running"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create the Model of the running job: %v", err)
	}
	if w := warned.all(); !strings.Contains(w, `TrainingJob "running" has not succeeded yet`) || !strings.Contains(w, "SourceResolved=False") {
		t.Errorf("warnings %q do not say the Model waits for the job", w)
	}
	waitCondition := func(status metav1.ConditionStatus) {
		eventually(t, 2*time.Minute, "SourceResolved="+string(status), func() (bool, string) {
			m, err := ml.MlV1alpha1().Models(ns).Get(ctx, "of-running", metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			c := meta.FindStatusCondition(m.Status.Conditions, model.ConditionSourceResolved)
			return c != nil && c.Status == status, fmt.Sprintf("conditions %+v", m.Status.Conditions)
		})
	}
	waitCondition(metav1.ConditionFalse)

	kube := framework.Kube(t, cluster.Config())
	eventually(t, 2*time.Minute, "the running job's pod running", func() (bool, string) {
		p, err := kube.CoreV1().Pods(ns).Get(ctx, "running-0", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return p.Status.Phase == corev1.PodRunning, string(p.Status.Phase)
	})
	kubectl.MustRun(t, "-n", ns, "annotate", "pods", "running-0", framework.PodExitCodeAnnotation+"=0")
	framework.WaitTrainingJob(ctx, t, ml, ns, "running", 2*time.Minute, "Succeeded", framework.JobPhase(mlv1alpha1.TrainingJobSucceeded))
	waitCondition(metav1.ConditionTrue)
}

func modelOfJob(name, job string) *mlv1alpha1.Model {
	m := mltesting.NewModel(name, "").Obj()
	m.Spec.Source = mlv1alpha1.ModelSource{TrainingJobRef: &mlv1alpha1.LocalObjectReference{Name: job}}
	return m
}

// TestAdmissionQuota: with requests.nvidia.com/gpu 8, a job of 3 replicas x
// 4 GPUs is refused naming both numbers, and so is `kubectl scale` past
// the quota.
func TestAdmissionQuota(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	ml := framework.ML(t, cluster.Config())
	createQuota(ctx, t, ns, corev1.ResourceList{"requests." + gpu: apiresource.MustParse("8")})

	err := untilRefused(t, "a job past the quota refused", func() error {
		_, err := ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, gpuJob("big", 3, "4"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	})
	wantRefused(t, err, 403, `exceeded quota "gpus"`, "requests.nvidia.com/gpu requested 12 (3 replicas x 4)", "hold 0 of 8, 8 left")
	_, err = ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, gpuJob("big", 3, "4"), metav1.CreateOptions{})
	wantRefused(t, err, 403, "requested 12 (3 replicas x 4)", "8 left")

	elastic := gpuJob("elastic", 1, "4")
	elastic.Spec.Elastic = &mlv1alpha1.ElasticPolicy{MinReplicas: ptr.To[int32](1), MaxReplicas: ptr.To[int32](4)}
	if _, err := ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, elastic, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create a job within the quota: %v", err)
	}
	res := cluster.Kubectl(t).Run(t, "-n", ns, "scale", "trainingjob/elastic", "--replicas=3")
	if res.Err == nil || !strings.Contains(res.Stderr, "requested 12 (3 replicas x 4)") || !strings.Contains(res.Stderr, "8 left") {
		t.Errorf("kubectl scale past the quota: err %v, stderr %q; want a refusal naming 12 and 8 left", res.Err, res.Stderr)
	}
	cluster.Kubectl(t).MustRun(t, "-n", ns, "scale", "trainingjob/elastic", "--replicas=2")
	job, err := ml.MlV1alpha1().TrainingJobs(ns).Get(ctx, "elastic", metav1.GetOptions{})
	if err != nil || *job.Spec.Replicas != 2 {
		t.Errorf("after scaling within the quota: %v, replicas %v", err, job.Spec.Replicas)
	}

	// The quota is full; deleting a job gives its share back at once.
	_, err = ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, gpuJob("next", 1, "4"), metav1.CreateOptions{})
	wantRefused(t, err, 403, "requested 4 (1 replicas x 4), other ml.example.io objects hold 8 of 8, 0 left")
	if err := ml.MlV1alpha1().TrainingJobs(ns).Delete(ctx, "elastic", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, gpuJob("next", 1, "4"), metav1.CreateOptions{}); err != nil {
		t.Errorf("create after a delete freed the quota: %v", err)
	}
}

// TestAdmissionQuotaConcurrent: 20 creates at once of 1-GPU jobs against
// room for 10 admit exactly 10.
func TestAdmissionQuotaConcurrent(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	ml := framework.ML(t, cluster.Config())
	createQuota(ctx, t, ns, corev1.ResourceList{"requests." + gpu: apiresource.MustParse("10")})
	untilRefused(t, "the quota seen by admission", func() error {
		_, err := ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, gpuJob("probe", 11, "1"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	})

	errs := make([]error, 20)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, gpuJob(fmt.Sprintf("job-%02d", i), 1, "1"), metav1.CreateOptions{})
		}()
	}
	wg.Wait()
	admitted := 0
	for i, err := range errs {
		switch {
		case err == nil:
			admitted++
		case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "exceeded quota"):
		default:
			t.Errorf("job-%02d: want admitted or refused by the quota, got %v", i, err)
		}
	}
	if admitted != 10 {
		t.Errorf("admitted %d of 20 jobs of 1 GPU against room for 10", admitted)
	}
	list, err := ml.MlV1alpha1().TrainingJobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 10 {
		t.Errorf("%d jobs stored (%v), want 10", len(list.Items), err)
	}
}

// gpuTask is a pipeline task whose pod asks for gpus GPUs.
func gpuTask(name, gpus string, dependsOn ...string) mlv1alpha1.PipelineTask {
	t := mltesting.NewTask(name)
	t.DependsOn = dependsOn
	t.Resources = gpuResources(gpus)
	return t
}

// gpuResources request and limit gpus GPUs.
func gpuResources(gpus string) corev1.ResourceRequirements {
	q := apiresource.MustParse(gpus)
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{gpu: q}, Limits: corev1.ResourceList{gpu: q}}
}

// TestAdmissionQuotaPipelineRun: with requests.nvidia.com/gpu 8, a run of
// a pipeline that fans out to three 4-GPU tasks at once is refused naming
// its peak, 12; the same run capped at parallelism 2 is admitted and holds
// 8 until it is deleted.
func TestAdmissionQuotaPipelineRun(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	ml := framework.ML(t, cluster.Config())
	createQuota(ctx, t, ns, corev1.ResourceList{"requests." + gpu: apiresource.MustParse("8")})

	pipeline := mltesting.NewPipeline("sweep", ns).Obj()
	train := gpuTask("train", "4", "prep")
	train.ForEach = &mlv1alpha1.ForEach{Items: []string{"0.1", "0.01", "0.001"}}
	pipeline.Spec.Tasks = []mlv1alpha1.PipelineTask{gpuTask("prep", "1"), train, gpuTask("pick", "1", "train")}
	if _, err := ml.MlV1alpha1().Pipelines(ns).Create(ctx, pipeline, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Pipeline: %v", err)
	}

	err := untilRefused(t, "a run past the quota refused", func() error {
		_, err := ml.MlV1alpha1().PipelineRuns(ns).Create(ctx, mltesting.NewPipelineRun("wide", ns).Ref("sweep").Obj(), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	})
	wantRefused(t, err, 403, `exceeded quota "gpus"`, "requests.nvidia.com/gpu requested 12 (tasks that can run at once: train 3 x 4)", "hold 0 of 8, 8 left")
	_, err = ml.MlV1alpha1().PipelineRuns(ns).Create(ctx, mltesting.NewPipelineRun("wide", ns).Ref("sweep").Obj(), metav1.CreateOptions{})
	wantRefused(t, err, 403, "requested 12 (tasks that can run at once: train 3 x 4)", "8 left")

	// Suspended, it holds what it will run but starts nothing, so it cannot
	// end (and give its quota back) while the test looks at the record.
	narrow := mltesting.NewPipelineRun("narrow", ns).Ref("sweep").Parallelism(2).Obj()
	narrow.Spec.Suspend = true
	if _, err := ml.MlV1alpha1().PipelineRuns(ns).Create(ctx, narrow, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create a run whose peak fits: %v", err)
	}
	one := mltesting.NewPipelineRun("one", ns).Inline(&mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{gpuTask("main", "1")}}).Obj()
	_, err = ml.MlV1alpha1().PipelineRuns(ns).Create(ctx, one, metav1.CreateOptions{})
	wantRefused(t, err, 403, "requested 1 (tasks that can run at once: main 1 x 1), other ml.example.io objects hold 8 of 8, 0 left")

	// Deleting the run gives its share back at once.
	if err := ml.MlV1alpha1().PipelineRuns(ns).Delete(ctx, "narrow", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := ml.MlV1alpha1().PipelineRuns(ns).Create(ctx, one, metav1.CreateOptions{}); err != nil {
		t.Errorf("create after a delete freed the quota: %v", err)
	}
}

// TestAdmissionQuotaPipelineRunEnds: a run that holds the whole quota gives
// it back when it ends, at the usage record's next recount.
func TestAdmissionQuotaPipelineRunEnds(t *testing.T) {
	ctx := testContext(t, runTimeout+2*longTimeout)
	e := newPLREnv(t)
	createQuota(ctx, t, e.ns, corev1.ResourceList{"requests." + gpu: apiresource.MustParse("8")})
	run := func(name string) *mlv1alpha1.PipelineRun {
		task := plrTask("train")
		task.Resources = gpuResources("8")
		return inlineRun(name, mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{task}})
	}
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	untilRefused(t, "the quota seen by admission", func() error {
		_, err := e.ml.MlV1alpha1().PipelineRuns(e.ns).Create(ctx, inlineRun("probe", mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{gpuTask("main", "9")}}), dryRun)
		return err
	})

	e.create(ctx, t, run("first"))
	_, err := e.ml.MlV1alpha1().PipelineRuns(e.ns).Create(ctx, run("second"), dryRun)
	wantRefused(t, err, 403, "requested 8 (tasks that can run at once: train 1 x 8), other ml.example.io objects hold 8 of 8, 0 left")

	e.waitEnded(ctx, t, "first", runTimeout, mlv1alpha1.PipelineRunSucceeded)
	eventually(t, longTimeout, "the ended run's quota given back", func() (bool, string) {
		_, err := e.ml.MlV1alpha1().PipelineRuns(e.ns).Create(ctx, run("second"), dryRun)
		return err == nil, fmt.Sprint(err)
	})
	e.create(ctx, t, run("second"))
}

// TestAdmissionWorkloadSecurity: a privileged notebook is refused in a
// restricted namespace and accepted in a privileged one.
func TestAdmissionWorkloadSecurity(t *testing.T) {
	ctx := testContext(t, longTimeout)
	kube := framework.Kube(t, cluster.Config())
	ml := framework.ML(t, cluster.Config())
	namespaces := map[string]string{}
	for _, level := range []string{"restricted", "privileged"} {
		ns := cluster.Namespace(t)
		patch := fmt.Sprintf(`{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":%q}}}`, level)
		if _, err := kube.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatalf("label namespace: %v", err)
		}
		namespaces[level] = ns
	}
	privileged := func() *mlv1alpha1.Notebook {
		nb := &mlv1alpha1.Notebook{ObjectMeta: metav1.ObjectMeta{Name: "root"}}
		nb.Spec.Image = "jupyter/base-notebook:latest"
		nb.Spec.SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
		return nb
	}
	err := untilRefused(t, "a privileged notebook refused", func() error {
		_, err := ml.MlV1alpha1().Notebooks(namespaces["restricted"]).Create(ctx, privileged(), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	})
	wantRefused(t, err, 403, `PodSecurity "restricted:latest"`, `privileged (container "notebook" must not set securityContext.privileged=true)`)
	if _, err := ml.MlV1alpha1().Notebooks(namespaces["privileged"]).Create(ctx, privileged(), metav1.CreateOptions{}); err != nil {
		t.Errorf("a privileged notebook in a privileged namespace: %v", err)
	}

	nb := privileged()
	nb.Spec.SecurityContext = nil
	nb.Spec.ServiceAccountName = "robot"
	_, err = ml.MlV1alpha1().Notebooks(namespaces["privileged"]).Create(ctx, nb, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	wantRefused(t, err, 422, "spec.serviceAccountName", `ServiceAccount "robot" does not exist`)
}

// TestAdmissionValidatingAdmissionPolicy: a cluster admin's CEL policy on
// trainingjobs applies to requests that reach ml-apiserver through
// kube-apiserver.
func TestAdmissionValidatingAdmissionPolicy(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	kube := framework.Kube(t, cluster.Config())
	ml := framework.ML(t, cluster.Config())
	name := "ml-replicas-" + ns
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{"ml.example.io"}, APIVersions: []string{"*"}, Resources: []string{"trainingjobs"}},
				},
			}}},
			Validations: []admissionregistrationv1.Validation{{Expression: "object.spec.replicas <= 8", Message: "at most 8 replicas"}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns},
			}},
		},
	}
	policies := kube.AdmissionregistrationV1()
	if _, err := policies.ValidatingAdmissionPolicies().Create(ctx, policy, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create policy: %v", err)
	}
	t.Cleanup(func() {
		_ = policies.ValidatingAdmissionPolicies().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	if _, err := policies.ValidatingAdmissionPolicyBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create binding: %v", err)
	}
	t.Cleanup(func() {
		_ = policies.ValidatingAdmissionPolicyBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
	})

	err := untilRefused(t, "the policy applied", func() error {
		_, err := ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, mltesting.NewTrainingJob("wide", ns).Replicas(16).Obj(), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	})
	wantRefused(t, err, 422, name, "at most 8 replicas")
	_, err = ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, mltesting.NewTrainingJob("wide", ns).Replicas(16).Obj(), metav1.CreateOptions{})
	wantRefused(t, err, 422, "at most 8 replicas")
	if _, err := ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, mltesting.NewTrainingJob("narrow", ns).Replicas(8).Obj(), metav1.CreateOptions{}); err != nil {
		t.Errorf("8 replicas under the policy: %v", err)
	}
}

// TestAdmissionNamespaceLifecycle: creates in a terminating namespace are
// refused. A finalizer on a ConfigMap keeps the namespace terminating.
func TestAdmissionNamespaceLifecycle(t *testing.T) {
	ctx := testContext(t, longTimeout)
	ns := cluster.Namespace(t)
	kube := framework.Kube(t, cluster.Config())
	ml := framework.ML(t, cluster.Config())
	const finalizer = "e2e.ml.example.io/hold"
	if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "hold", Finalizers: []string{finalizer}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create ConfigMap: %v", err)
	}
	t.Cleanup(func() {
		_, _ = kube.CoreV1().ConfigMaps(ns).Patch(context.Background(), "hold", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	})
	if err := kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete namespace: %v", err)
	}
	err := untilRefused(t, "a create in the terminating namespace refused", func() error {
		_, err := ml.MlV1alpha1().TrainingJobs(ns).Create(ctx, mltesting.NewTrainingJob("late", ns).Obj(), metav1.CreateOptions{})
		if err == nil {
			_ = ml.MlV1alpha1().TrainingJobs(ns).Delete(ctx, "late", metav1.DeleteOptions{})
		}
		return err
	})
	wantRefused(t, err, 403, "because it is being terminated")
	n, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil || n.Status.Phase != corev1.NamespaceTerminating {
		t.Errorf("namespace %s: %v, phase %v; want it kept Terminating by the finalizer", ns, err, n.Status.Phase)
	}
}
