package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDeployManifestsDryRun checks that the kustomize base of
// artifacts/deploy is accepted by a real kube-apiserver: every object passes
// server-side validation and admission (dry run, nothing is changed).
func TestDeployManifestsDryRun(t *testing.T) {
	k := cluster.Kubectl(t)
	base := filepath.Join(cluster.Root(), "artifacts", "deploy")
	out := k.MustRun(t, "apply", "--dry-run=server", "-k", base)
	for _, want := range []string{
		"namespace/ml-system",
		"serviceaccount/ml-apiserver",
		"clusterrole.rbac.authorization.k8s.io/ml-apiserver",
		"deployment.apps/ml-apiserver",
		"service/ml-apiserver",
		"poddisruptionbudget.policy/ml-apiserver",
		"apiservice.apiregistration.k8s.io/v1alpha1.ml.example.io",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("apply --dry-run=server -k %s: want %s in the output, got:\n%s", base, want, out)
		}
	}
	if !strings.Contains(out, "(server dry run)") {
		t.Errorf("apply --dry-run=server -k %s: want every line marked (server dry run), got:\n%s", base, out)
	}
}
