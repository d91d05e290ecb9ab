package tuning

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kubectlPATH builds the kubectl ml plugin of this repository and
// returns a PATH on which the machine's kubectl finds it.
func kubectlPATH(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Fatalf("the test needs the machine's kubectl: %v", err)
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "kubectl-ml"), "./cmd/kubectl-ml")
	cmd.Dir = filepath.Join("..", "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build kubectl-ml: %v\n%s", err, out)
	}
	return dir + string(os.PathListSeparator) + os.Getenv("PATH")
}

// compareRows runs `kubectl ml compare ARGS -n ns` with the machine's
// kubectl and returns the rows of its table, each by column header.
func compareRows(t *testing.T, ns string, args ...string) []map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", append(append([]string{"ml", "compare"}, args...), "-n", ns)...)
	cmd.Env = append(os.Environ(), "PATH="+kubectlPATH(t), "KUBECONFIG="+server.Kubeconfig)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl ml compare %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	t.Logf("kubectl ml compare %s -n %s:\n%s", strings.Join(args, " "), ns, stdout.String())
	lines := strings.Split(stdout.String(), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("kubectl ml compare printed no table:\n%s", stdout.String())
	}
	header := strings.Fields(lines[0])
	seen := map[string]bool{}
	for _, h := range header {
		if seen[h] {
			t.Errorf("kubectl ml compare: column %s twice in %q", h, lines[0])
		}
		seen[h] = true
	}
	var rows []map[string]string
	for _, l := range lines[1:] {
		if strings.TrimSpace(l) == "" {
			break // the table ends; notes such as "Same in every row" follow
		}
		fields := strings.Fields(l)
		if len(fields) != len(header) {
			t.Fatalf("kubectl ml compare: row %q has %d columns, the header %d", l, len(fields), len(header))
		}
		row := map[string]string{}
		for i, h := range header {
			row[h] = fields[i]
		}
		rows = append(rows, row)
	}
	return rows
}
