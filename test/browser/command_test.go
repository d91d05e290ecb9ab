package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ml.example.io/ml-apiserver/pkg/dashboard"
	"ml.example.io/ml-apiserver/test/browser/framework"
)

// TestKubectlMLDashboard runs the command as a user does, through the
// machine's kubectl with the plugin built from this repository on PATH:
// it prints a URL with a fresh token, the URL opens the dashboard in
// chromium with the kubeconfig's namespace, and Ctrl+C stops it.
func TestKubectlMLDashboard(t *testing.T) {
	env := framework.New(t)
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "kubectl-ml"), "./cmd/kubectl-ml")
	build.Dir = framework.Root()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build kubectl-ml: %v\n%s", err, out)
	}
	cmd := exec.Command("kubectl", "ml", "dashboard", "--kubeconfig", env.Kubeconfig)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	// A process group of its own, as a shell's job: kubectl runs the
	// plugin as its child, and Ctrl+C signals them both.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// exited is closed when the command ended, with its error in waitErr.
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})

	urls := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			t.Logf("kubectl ml dashboard: %s", lines.Text())
			if u := regexp.MustCompile(`http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]{43}`).FindString(lines.Text()); u != "" {
				urls <- u
			}
		}
	}()
	var login string
	select {
	case login = <-urls:
	case <-exited:
		t.Fatalf("kubectl ml dashboard exited: %v\n%s", waitErr, stderr.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("kubectl ml dashboard printed no URL\n%s", stderr.String())
	}
	base := strings.SplitN(login, "?", 2)[0]

	ctx := env.NewBrowser(t, framework.BrowserOptions{})
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	// Navigate, not NavigateResponse: the login answers with a redirect.
	if err := chromedp.Do(tctx, chromedp.Navigate(login)); err != nil {
		t.Fatal(err)
	}
	if loc := location(t, tctx); loc != base {
		t.Errorf("after the printed URL the browser is at %s, want %s", loc, base)
	}
	raw := fetchText(t, tctx, "/config.json")
	var cfg dashboard.UIConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil || cfg.Namespace != env.Namespace {
		t.Errorf("/config.json = %s (%v), want the kubeconfig's namespace %s", raw, err, env.Namespace)
	}

	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("kubectl ml dashboard after Ctrl+C: %v\n%s", waitErr, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("kubectl ml dashboard still runs a minute after Ctrl+C")
	}
	if _, err := http.Get(base); err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("the dashboard still answers after Ctrl+C: %v", err)
	}
}
