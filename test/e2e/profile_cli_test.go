package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/util/retry"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/profile"
	mlcmd "ml.example.io/ml-apiserver/pkg/kubectl/cmd"
	"ml.example.io/ml-apiserver/test/e2e/framework"
)

// profilesCLI runs `kubectl ml profiles args...` in-process against the
// cluster's kube-apiserver, with the admin kubeconfig and --as user.
func profilesCLI(ctx context.Context, t *testing.T, user string, args ...string) (string, string, error) {
	t.Helper()
	t.Setenv("HOME", t.TempDir()) // the discovery cache
	var out, errOut bytes.Buffer
	root := mlcmd.NewCmdML(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	root.SetArgs(append(append([]string{"profiles"}, args...), "--kubeconfig", cluster.Kubeconfig, "--as", user))
	err := root.ExecuteContext(ctx)
	t.Logf("kubectl ml profiles %s --as %s (err=%v)\n%s%s", strings.Join(args, " "), user, err, out.String(), errOut.String())
	return out.String(), errOut.String(), err
}

// roleIn is the ROLE column of the row of profile name in a table.
func roleIn(table, name string) string {
	for line := range strings.Lines(table) {
		if f := strings.Fields(line); len(f) > 1 && f[0] == name {
			return f[1]
		}
	}
	return ""
}

// TestProfileCLI: alice's `kubectl ml profiles` shows her profile as owner;
// she adds bob as edit with add-contributor, bob's table shows it with
// role edit, and after remove-contributor bob has none. A TrainingJob in
// the profile's namespace runs as default-editor, and so do the tasks of a
// PipelineRun. Bob, an edit member, creates a TrainingJob there but may not
// write its status nor change the quota, and the quota an admin sets on
// the profile refuses his job past it up front, with the numbers.
func TestProfileCLI(t *testing.T) {
	ctx := testContext(t, 3*longTimeout)
	u := newProfileUsers(t)
	waitProfileMember(ctx, t, u.alice)
	name := "cli-" + framework.NamespaceName(t)
	deleteProfiles(t, name)
	kube := framework.Kube(t, cluster.Config())
	ml := framework.ML(t, cluster.Config())
	t.Cleanup(func() {
		// Retain keeps the namespace: delete it too.
		if err := kube.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", name, err)
		}
	})
	if _, err := profilesAs(t, u.alice).ProfileRequests().Create(ctx, &mlv1alpha1.ProfileRequest{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("alice's ProfileRequest: %v", err)
	}

	out, _, err := profilesCLI(ctx, t, u.alice)
	if err != nil || roleIn(out, name) != "owner" || !strings.HasPrefix(out, "NAME ") || !strings.Contains(out, "User/"+u.alice) {
		t.Fatalf("alice's profiles (%v):\n%s\nwant %s with role owner", err, out, name)
	}
	out, _, err = profilesCLI(ctx, t, u.alice, "add-contributor", name, "--user", u.bob, "--role", "edit")
	if want := "profile.ml.example.io/" + name + " contributor user:" + u.bob + " added (edit)\n"; err != nil || out != want {
		t.Fatalf("add-contributor: %q (%v), want %q", out, err, want)
	}
	if _, _, err := profilesCLI(ctx, t, u.alice, "add-contributor", name, "--user", u.bob, "--role", "view"); err == nil || !strings.Contains(err.Error(), "already a contributor") {
		t.Errorf("adding bob again: %v, want already a contributor", err)
	}
	if _, _, err := profilesCLI(ctx, t, u.bob, "add-contributor", name, "--user", u.carol); err == nil || !apierrors.IsForbidden(err) {
		t.Errorf("bob adds carol: %v, want forbidden", err)
	}
	out, _, err = profilesCLI(ctx, t, u.bob)
	if err != nil || roleIn(out, name) != "edit" {
		t.Fatalf("bob's profiles (%v):\n%s\nwant %s with role edit", err, out, name)
	}
	out, _, err = profilesCLI(ctx, t, u.bob, "-o", "name")
	if want := "profile.ml.example.io/" + name + "\n"; err != nil || out != want {
		t.Errorf("bob's profiles -o name: %q (%v), want %q", out, err, want)
	}

	// Pods of a TrainingJob in the profile's namespace run as default-editor.
	waitProfile(ctx, t, ml, name, "Ready", func(p *mlv1alpha1.Profile) bool { return p.Status.Phase == mlv1alpha1.ProfileReady })
	job, err := ml.MlV1alpha1().TrainingJobs(name).Create(ctx, mltesting.NewTrainingJob("sa", name).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create TrainingJob in %s: %v", name, err)
	}
	if job.Spec.ServiceAccountName != profile.DefaultEditor {
		t.Errorf("TrainingJob serviceAccountName %q, want %q", job.Spec.ServiceAccountName, profile.DefaultEditor)
	}
	framework.WaitJobPods(ctx, t, kube, name, "sa", longTimeout, "made with default-editor", func(pods []corev1.Pod) (bool, string) {
		if len(pods) == 0 {
			return false, "no pods"
		}
		for _, p := range pods {
			if p.Spec.ServiceAccountName != profile.DefaultEditor {
				return false, "pod " + p.Name + " runs as " + p.Spec.ServiceAccountName
			}
		}
		return true, ""
	})

	// Bob, an edit member, works in the namespace: he creates a
	// TrainingJob, but may not write its status, nor change the profile's
	// quota; the quota an admin sets on the profile refuses his job past
	// it up front, with the numbers.
	bobML := framework.ML(t, cluster.ConfigAs(u.bob)).MlV1alpha1()
	bobs, err := bobML.TrainingJobs(name).Create(ctx, mltesting.NewTrainingJob("bobs", name).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("bob creates a TrainingJob in %s: %v", name, err)
	}
	_, err = bobML.TrainingJobs(name).Patch(ctx, bobs.Name, types.MergePatchType, []byte(`{"status":{"phase":"Succeeded"}}`), metav1.PatchOptions{}, "status")
	if !apierrors.IsForbidden(err) {
		t.Errorf("bob writes the status of his TrainingJob: %v, want forbidden", err)
	}
	err = updateMembers(ctx, bobML, name, func(p *mlv1alpha1.Profile) {
		p.Spec.ResourceQuota = &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"requests." + gpu: apiresource.MustParse("8")}}
	})
	if !apierrors.IsForbidden(err) {
		t.Errorf("bob changes the profile's quota: %v, want forbidden", err)
	}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := ml.MlV1alpha1().Profiles().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		p.Spec.ResourceQuota = &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"requests." + gpu: apiresource.MustParse("8")}}
		_, err = ml.MlV1alpha1().Profiles().Update(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("set the profile's GPU quota: %v", err)
	}
	err = untilRefused(t, "bob's job past the profile's quota refused", func() error {
		big := gpuJob("big", 3, "4")
		big.Namespace = name
		_, err := bobML.TrainingJobs(name).Create(ctx, big, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err
	})
	wantRefused(t, err, 403, `exceeded quota "ml-profile"`, "requests.nvidia.com/gpu requested 12 (3 replicas x 4)", "8 left")

	// And so do the tasks of a pipeline run: in the pipeline it executes
	// (its pipeline subresource, the snapshot made at admission).
	run, err := ml.MlV1alpha1().PipelineRuns(name).Create(ctx, mltesting.NewPipelineRun("sa", name).Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create PipelineRun in %s: %v", name, err)
	}
	snapshot, err := ml.MlV1alpha1().PipelineRuns(name).GetPipeline(ctx, run.Name, metav1.GetOptions{})
	if err != nil || len(snapshot.Spec.Tasks) == 0 {
		t.Fatalf("the pipeline of PipelineRun %s: %+v (%v)", run.Name, snapshot, err)
	}
	for _, task := range snapshot.Spec.Tasks {
		if task.ServiceAccountName != profile.DefaultEditor {
			t.Errorf("PipelineRun task %s: serviceAccountName %q, want %q", task.Name, task.ServiceAccountName, profile.DefaultEditor)
		}
	}

	out, _, err = profilesCLI(ctx, t, u.alice, "remove-contributor", name, "--user", u.bob)
	if want := "profile.ml.example.io/" + name + " contributor user:" + u.bob + " removed\n"; err != nil || out != want {
		t.Fatalf("remove-contributor: %q (%v), want %q", out, err, want)
	}
	out, errOut, err := profilesCLI(ctx, t, u.bob)
	if err != nil || out != "" || errOut != "No profiles found.\n" {
		t.Errorf("bob's profiles after his removal: %q %q (%v), want none", out, errOut, err)
	}
}
