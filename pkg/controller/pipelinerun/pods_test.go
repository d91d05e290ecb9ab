package pipelinerun

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/pipelinerun/plan"
	"ml.example.io/ml-apiserver/pkg/workload/podtemplatetest"
)

// TestReplicaSpec checks the pod of a forEach instance's retry: the
// substituted container from the plan, the task's pod options, and the
// labels that find it.
func TestReplicaSpec(t *testing.T) {
	task := mltesting.MakeTask("fit").Image("trainer:1").Request(corev1.ResourceCPU, "2").
		PodLabel("team", "vision").PodAnnotation("note", "x").ServiceAccountName("trainer").
		NodeSelector("gpu", "a100").PVCVolume("data", "mnist").VolumeMount("data", "/data").Obj()
	run := &mlv1alpha1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"}}
	spec := replicaSpec(run, plan.Start{
		Name: "fit-3", Task: &task, PodName: "r-fit-3-2", Attempt: 2, Index: 3,
		Command: []string{"python"}, Args: []string{"--lr=0.1"}, Env: []corev1.EnvVar{{Name: "A", Value: "1"}},
	})
	if spec.Name != "r-fit-3-2" {
		t.Errorf("name %s", spec.Name)
	}
	wantLabels := map[string]string{
		"team": "vision", mlv1alpha1.PipelineRunNameLabel: "r", mlv1alpha1.PipelineTaskLabel: "fit",
		mlv1alpha1.TaskAttemptLabel: "2", mlv1alpha1.ForEachIndexLabel: "3",
	}
	if diff := cmp.Diff(wantLabels, spec.Template.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"note": "x", mlv1alpha1.TaskEntryAnnotation: "fit-3"}, spec.Template.Annotations); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	pod := spec.Template.Spec
	c := pod.Containers[0]
	if c.Name != ContainerName || c.Image != "trainer:1" || !cmp.Equal(c.Args, []string{"--lr=0.1"}) || c.Env[0].Value != "1" ||
		c.Resources.Requests.Cpu().String() != "2" || c.VolumeMounts[0].MountPath != "/data" {
		t.Errorf("container %+v", c)
	}
	if pod.RestartPolicy != corev1.RestartPolicyNever || pod.ServiceAccountName != "trainer" || pod.NodeSelector["gpu"] != "a100" ||
		len(pod.Volumes) != 1 || c.TerminationMessagePath != "/dev/termination-log" {
		t.Errorf("pod %+v", pod)
	}
}

// TestLongRunName: a run name longer than a label value still labels its
// pods with a valid, distinct value.
func TestLongRunName(t *testing.T) {
	long := strings.Repeat("a", 100)
	v := labelValue(long)
	if errs := validation.IsValidLabelValue(v); len(errs) != 0 {
		t.Errorf("label value %q: %v", v, errs)
	}
	if other := labelValue(strings.Repeat("a", 99) + "b"); other == v {
		t.Errorf("two long names share the label value %q", v)
	}
	if labelValue("short") != "short" {
		t.Errorf("a short name changed")
	}
	for _, run := range []string{strings.Repeat("r", 250), strings.Repeat("r", 241) + "." + strings.Repeat("x", 20)} {
		if name := plan.PodName(run, "task", 1); len(validation.IsDNS1123Subdomain(name)) != 0 {
			t.Errorf("pod name %q is not a valid name: %v", name, validation.IsDNS1123Subdomain(name))
		}
	}
}

// TestTaskPodFields: every container and pod field of a task reaches the
// pod of its attempt, through the plan that substitutes command, args and
// env.
func TestTaskPodFields(t *testing.T) {
	podtemplatetest.CheckFields(t, func(t *testing.T, c *mlv1alpha1.ContainerSpec, opts *mlv1alpha1.PodOptions) corev1.PodTemplateSpec {
		task := ml.PipelineTask{Name: "fit"}
		if err := mlv1alpha1.Convert_v1alpha1_ContainerSpec_To_ml_ContainerSpec(c, &task.ContainerSpec, nil); err != nil {
			t.Fatal(err)
		}
		if err := mlv1alpha1.Convert_v1alpha1_PodOptions_To_ml_PodOptions(opts, &task.PodOptions, nil); err != nil {
			t.Fatal(err)
		}
		run := makeRun(t, "r", &ml.PipelineSpec{Tasks: []ml.PipelineTask{task}})
		in, err := internal(run)
		if err != nil {
			t.Fatal(err)
		}
		res := plan.Plan(plan.Input{Run: in, Now: t0})
		if len(res.Create) != 1 {
			t.Fatalf("the plan starts %d pods, want 1: %s", len(res.Create), res.Message)
		}
		return replicaSpec(run, res.Create[0]).Template
	}, nil)
}

// TestNestedTaskLabel: the task of a nested pipeline, named
// <task>.<inner task> in the snapshot, may be longer than a label value;
// its pods still get a valid one.
func TestNestedTaskLabel(t *testing.T) {
	task := mltesting.MakeTask(strings.Repeat("outer", 12) + "." + strings.Repeat("inner", 12)).Obj()
	run := &mlv1alpha1.PipelineRun{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"}}
	spec := replicaSpec(run, plan.Start{Name: task.Name, Task: &task, PodName: plan.PodName("r", task.Name, 1), Attempt: 1, Index: -1})
	if v := spec.Template.Labels[mlv1alpha1.PipelineTaskLabel]; len(validation.IsValidLabelValue(v)) != 0 {
		t.Errorf("task label %q: %v", v, validation.IsValidLabelValue(v))
	}
}
