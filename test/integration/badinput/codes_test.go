package badinput

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// expectStatus fails the test unless err is an API error with code whose
// message contains every one of words.
func expectStatus(t *testing.T, err error, code int32, words ...string) {
	t.Helper()
	status, ok := err.(apierrors.APIStatus)
	if !ok {
		t.Fatalf("want a %d API error, got %v", code, err)
	}
	s := status.Status()
	if s.Code != code {
		t.Errorf("status code %d (%s), want %d: %s", s.Code, s.Reason, code, s.Message)
	}
	for _, w := range words {
		if !strings.Contains(s.Message, w) {
			t.Errorf("the message %q does not say %q", s.Message, w)
		}
	}
}

// TestOverEtcdRequestLimitIs413 writes objects that pass the 3 MiB body
// limit but not etcd's 1.5 MiB request limit: the answer is 413 naming the
// size and the limit, on create, update and status update.
func TestOverEtcdRequestLimitIs413(t *testing.T) {
	ctx, cs, ns := setup(t)
	big := strings.Repeat("x", 2_000_000)
	pipelines := cs.MlV1alpha1().Pipelines(ns)

	_, err := pipelines.Create(ctx, mltesting.NewPipeline("big", ns).Description(big).Obj(), metav1.CreateOptions{})
	expectStatus(t, err, http.StatusRequestEntityTooLarge, `pipelines.ml.example.io "big" is 2000`, "bytes", "request limit of 1572864 bytes")

	job := mltesting.NewTrainingJob("big", ns).Obj()
	job.Spec.Env = []corev1.EnvVar{{Name: "BIG", Value: big}}
	_, err = cs.MlV1alpha1().TrainingJobs(ns).Create(ctx, job, metav1.CreateOptions{})
	expectStatus(t, err, http.StatusRequestEntityTooLarge, "bytes", "request limit of 1572864 bytes")

	p, err := pipelines.Create(ctx, mltesting.NewPipeline("small", ns).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	grown := p.DeepCopy()
	grown.Spec.Description = big
	_, err = pipelines.Update(ctx, grown, metav1.UpdateOptions{})
	expectStatus(t, err, http.StatusRequestEntityTooLarge, "bytes", "request limit of 1572864 bytes")

	grown = p.DeepCopy()
	for i := range 60 {
		grown.Status.Conditions = append(grown.Status.Conditions, metav1.Condition{
			Type: fmt.Sprintf("Big%d", i), Status: metav1.ConditionTrue, Reason: "Big",
			Message: strings.Repeat("y", 30_000), LastTransitionTime: metav1.Now(),
		})
	}
	_, err = pipelines.UpdateStatus(ctx, grown, metav1.UpdateOptions{})
	expectStatus(t, err, http.StatusRequestEntityTooLarge, "bytes", "request limit of 1572864 bytes")

	list, err := pipelines.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 || list.Items[0].ResourceVersion != p.ResourceVersion {
		t.Errorf("want only the small pipeline, unchanged; got %v, %v", list, err)
	}
}

// TestBadResourceVersionIs400 reads with a resourceVersion that is not a
// number: 400 naming it, as kube-apiserver answers.
func TestBadResourceVersionIs400(t *testing.T) {
	for _, k := range mltesting.Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			ctx, cs, ns := setup(t)
			c := k.Client(cs, ns)
			if _, err := c.Create(ctx, k.New("a", ns), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			w, err := c.Watch(ctx, metav1.ListOptions{ResourceVersion: "abc"})
			if err == nil {
				w.Stop()
			}
			expectStatus(t, err, http.StatusBadRequest, "abc")
			_, err = c.List(ctx, metav1.ListOptions{ResourceVersion: "abc"})
			expectStatus(t, err, http.StatusBadRequest, "abc")
			_, err = c.Get(ctx, "a", metav1.GetOptions{ResourceVersion: "abc"})
			expectStatus(t, err, http.StatusBadRequest, "abc")
		})
	}
}

// TestNULBytesAre422 refuses NUL bytes in what becomes a process, for every
// kind that runs one, naming the field.
func TestNULBytesAre422(t *testing.T) {
	ctx, cs, ns := setup(t)
	job := mltesting.NewTrainingJob("nul", ns).Obj()
	job.Spec.Command = []string{"python", "train\x00.py"}
	job.Spec.Env = []corev1.EnvVar{{Name: "A", Value: "x\x00y"}}
	_, err := cs.MlV1alpha1().TrainingJobs(ns).Create(ctx, job, metav1.CreateOptions{})
	expectInvalid(t, err, "spec.command[1]", "spec.env[0].value")
	expectStatus(t, err, http.StatusUnprocessableEntity, "NUL")

	nb := mltesting.NewNotebook("nul", ns).Obj()
	nb.Spec.Args = []string{"--dir=\x00"}
	_, err = cs.MlV1alpha1().Notebooks(ns).Create(ctx, nb, metav1.CreateOptions{})
	expectInvalid(t, err, "spec.args[0]")

	m := mltesting.NewModel("nul", ns).Obj()
	m.Spec.Runtime.Args = []string{"\x00"}
	_, err = cs.MlV1alpha1().Models(ns).Create(ctx, m, metav1.CreateOptions{})
	expectInvalid(t, err, "spec.runtime.args[0]")

	task := mltesting.NewTask("a")
	task.Env = []corev1.EnvVar{{Name: "A", Value: "\x00"}}
	p := mltesting.NewPipeline("nul", ns).Obj()
	p.Spec.Tasks = []mlv1alpha1.PipelineTask{task}
	_, err = cs.MlV1alpha1().Pipelines(ns).Create(ctx, p, metav1.CreateOptions{})
	expectInvalid(t, err, "spec.tasks[0].env[0].value")

	run := &mlv1alpha1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "nul", Namespace: ns},
		Spec: mlv1alpha1.PipelineRunSpec{PipelineSpec: &mlv1alpha1.PipelineSpec{Tasks: []mlv1alpha1.PipelineTask{task}}}}
	_, err = cs.MlV1alpha1().PipelineRuns(ns).Create(ctx, run, metav1.CreateOptions{})
	expectInvalid(t, err, "spec.pipelineSpec.tasks[0].env[0].value")
}

// TestReplicasOverCapAre422 refuses a million replicas, through the object
// and through its scale subresource, naming spec.replicas and the cap.
func TestReplicasOverCapAre422(t *testing.T) {
	ctx, cs, ns := setup(t)
	jobs := cs.MlV1alpha1().TrainingJobs(ns)
	_, err := jobs.Create(ctx, mltesting.NewTrainingJob("huge", ns).Replicas(1000000).Obj(), metav1.CreateOptions{})
	expectInvalid(t, err, "spec.replicas")
	expectStatus(t, err, http.StatusUnprocessableEntity, "must be no more than 1000", "--max-replicas")

	_, err = cs.MlV1alpha1().Models(ns).Create(ctx, mltesting.NewModel("huge", ns).Replicas(1001).Obj(), metav1.CreateOptions{})
	expectInvalid(t, err, "spec.replicas")

	elastic := mltesting.NewTrainingJob("elastic", ns).Replicas(2).Obj()
	elastic.Spec.Elastic = &mlv1alpha1.ElasticPolicy{MinReplicas: ptr.To[int32](1), MaxReplicas: ptr.To[int32](5000)}
	_, err = jobs.Create(ctx, elastic, metav1.CreateOptions{})
	expectInvalid(t, err, "spec.elastic.maxReplicas")

	elastic.Spec.Elastic.MaxReplicas = ptr.To[int32](1000)
	if _, err := jobs.Create(ctx, elastic, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	scale, err := jobs.GetScale(ctx, "elastic", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = 1000000
	_, err = jobs.UpdateScale(ctx, "elastic", scale, metav1.UpdateOptions{})
	expectInvalid(t, err, "spec.replicas")
	expectStatus(t, err, http.StatusUnprocessableEntity, "1000000")

	items := make([]string, 5001)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	task := mltesting.NewTask("fan")
	task.ForEach = &mlv1alpha1.ForEach{Items: items}
	p := mltesting.NewPipeline("fan", ns).Obj()
	p.Spec.Tasks = []mlv1alpha1.PipelineTask{task}
	_, err = cs.MlV1alpha1().Pipelines(ns).Create(ctx, p, metav1.CreateOptions{})
	expectInvalid(t, err, "spec.tasks[0].forEach.items")
	expectStatus(t, err, http.StatusUnprocessableEntity, "at most 5000", "--max-foreach")

	// forEach.parallelism is at least 1.
	task.ForEach = &mlv1alpha1.ForEach{Items: items[:2], Parallelism: ptr.To[int32](0)}
	p.Spec.Tasks = []mlv1alpha1.PipelineTask{task}
	_, err = cs.MlV1alpha1().Pipelines(ns).Create(ctx, p, metav1.CreateOptions{})
	expectInvalid(t, err, "spec.tasks[0].forEach.parallelism")

	// Three tasks of 5,000 instances pass the 10,000 a run may have.
	p.Spec.Tasks = nil
	for _, name := range []string{"a", "b", "c"} {
		task := mltesting.NewTask(name)
		task.ForEach = &mlv1alpha1.ForEach{Items: items[:5000]}
		p.Spec.Tasks = append(p.Spec.Tasks, task)
	}
	_, err = cs.MlV1alpha1().Pipelines(ns).Create(ctx, p, metav1.CreateOptions{})
	expectInvalid(t, err, "spec.tasks")
	expectStatus(t, err, http.StatusUnprocessableEntity, "15000 items together", "--max-run-instances")
}
