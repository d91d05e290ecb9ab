package dashboard

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"ml.example.io/ml-apiserver/pkg/dashboard"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/cmdtest"
)

// syncBuffer is written by the command and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRun runs `kubectl ml dashboard` against a fake API server: it
// prints the URL with the token, the URL logs in, and API calls reach the
// server with the kubeconfig's credential. Ctrl+C (the context) stops it.
func TestRun(t *testing.T) {
	var mu sync.Mutex
	var authz []string
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		authz = append(authz, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"kind":"APIVersions"}`)
	}))
	defer api.Close()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["c"] = &clientcmdapi.Cluster{Server: api.URL, CertificateAuthorityData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw})}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "kube-credential"}
	cfg.Contexts["ml-standalone"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u", Namespace: "team-a"}
	cfg.CurrentContext = "ml-standalone"
	if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
		t.Fatal(err)
	}
	t.Setenv(TokenEnv, "fixed-test-token")

	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &kubeconfig
	var out syncBuffer
	cmd := NewCmdDashboard(flags, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out})
	cmd.SetArgs([]string{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("dashboard: %v", err)
		}
	}()
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		select {
		case err := <-done:
			return false, fmt.Errorf("the command ended: %v: %s", err, out.String())
		default:
		}
		return strings.Contains(out.String(), "Ctrl+C"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	printed := out.String()
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+/\?token=\S+`).FindString(printed)
	if url == "" {
		t.Fatalf("no URL in %q", printed)
	}
	normalized := regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(strings.ReplaceAll(printed, api.URL, "https://API"), "127.0.0.1:PORT")
	cmdtest.Golden(t, "run", normalized)

	// The printed URL logs in; the cookie then reaches the API.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 || resp.Cookies()[0].Name != dashboard.CookieName {
		t.Fatalf("login: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	base := strings.SplitN(url, "?", 2)[0]
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"k8s/api", nil)
	req.AddCookie(resp.Cookies()[0])
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /k8s/api: %d", resp.StatusCode)
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, base+"k8s/api", nil)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /k8s/api without the cookie: %d, want 401", resp.StatusCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(authz) != 1 || authz[0] != "Bearer kube-credential" {
		t.Errorf("the API server saw Authorization %q, want once the kubeconfig's", authz)
	}
}
