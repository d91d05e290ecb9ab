package framework

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"ml.example.io/ml-apiserver/pkg/dashboard"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	itframework "ml.example.io/ml-apiserver/test/integration/framework"
)

// Env is one test's namespace and a dashboard for it.
type Env struct {
	// Namespace is the test's own; the dashboard opens it.
	Namespace string
	// Client and Config are the admin's, to set up and check objects.
	Client mlclientset.Interface
	Config *rest.Config
	// Kubeconfig is the admin's kubeconfig with Namespace as its
	// namespace; Kubectl uses it.
	Kubeconfig string
	// DashboardKubeconfig is the kubeconfig the dashboard acts with: the
	// admin's, or the limited user's of LimitedDashboard.
	DashboardKubeconfig string
	// Dashboard is a running dashboard server of DashboardKubeconfig.
	Dashboard *Dashboard
	// Mode is the API server's: standalone, or cluster for
	// LimitedDashboard.
	Mode string
}

// Dashboard is a running pkg/dashboard server.
type Dashboard struct {
	// URL is http://127.0.0.1:PORT/, without the token.
	URL string
	// Token is the secret of the login URL.
	Token string
	// Server is the server itself.
	Server *dashboard.Server
}

// LoginURL is the URL with the token, as `kubectl ml dashboard` prints it.
func (d *Dashboard) LoginURL() string { return d.Server.LoginURL() }

// New gives the test a namespace of its own on the package's standalone
// server and a dashboard for it with the admin's credentials, stopped when
// the test ends. It skips the test when the browser cannot run here.
func New(t *testing.T) *Env {
	t.Helper()
	if state.skip != "" {
		t.Skip("browser tests cannot run here: " + state.skip)
	}
	if state.server == nil {
		t.Fatal("framework.New needs framework.Main in the package's TestMain")
	}
	ns := itframework.NewNamespace(t)
	kubeconfig := writeKubeconfig(t, state.server.Kubeconfig, ns, "")
	cfg := rest.CopyConfig(state.server.ClientConfig)
	e := &Env{
		Namespace:           ns,
		Client:              state.server.Clientset(),
		Config:              cfg,
		Kubeconfig:          kubeconfig,
		DashboardKubeconfig: kubeconfig,
		Mode:                dashboard.ModeStandalone,
	}
	e.Dashboard = startDashboard(t, kubeconfig)
	return e
}

// writeKubeconfig copies the kubeconfig at from into the test's temporary
// directory with namespace as the current context's namespace and, when
// impersonate is set, acting as that user.
func writeKubeconfig(t *testing.T, from, namespace, impersonate string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(from)
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	ctx, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok {
		t.Fatalf("kubeconfig %s has no current context", from)
	}
	ctx.Namespace = namespace
	if impersonate != "" {
		auth := *cfg.AuthInfos[ctx.AuthInfo]
		auth.Impersonate = impersonate
		cfg.AuthInfos["limited"] = &auth
		ctx.AuthInfo = "limited"
	}
	name := "kubeconfig"
	if impersonate != "" {
		name = "kubeconfig-" + impersonate
	}
	path := filepath.Join(t.TempDir(), name)
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatalf("write kubeconfig: %v", err)
	}
	return path
}

// startDashboard serves a dashboard for kubeconfig, as `kubectl ml
// dashboard --kubeconfig` does, with the files of Main's build, until the
// test ends.
func startDashboard(t *testing.T, kubeconfig string) *Dashboard {
	t.Helper()
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig}, &clientcmd.ConfigOverrides{})
	cfg, err := loader.ClientConfig()
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", kubeconfig, err)
	}
	ns, _, err := loader.Namespace()
	if err != nil {
		t.Fatal(err)
	}
	s, err := dashboard.New(dashboard.Config{REST: cfg, Namespace: ns, Assets: os.DirFS(state.dist)})
	if err != nil {
		t.Fatalf("start the dashboard: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("dashboard: %v", err)
		}
	})
	return &Dashboard{URL: s.URL, Token: s.Token(), Server: s}
}

// Kubectl runs the machine's kubectl with the admin's kubeconfig of the
// test's namespace, in the repository's root (so artifacts/examples/...
// paths work), and returns its output; it fails the test when kubectl
// fails.
func (e *Env) Kubectl(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Dir = state.root
	cmd.Env = append(os.Environ(), "KUBECONFIG="+e.Kubeconfig)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl %v: %v\n%s", args, err, out.String())
	}
	return out.String()
}
