package options

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

func parseControllerCommand(t *testing.T, args ...string) *ControllerCommandOptions {
	t.Helper()
	o := NewControllerCommandOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	for _, f := range o.Flags().FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o
}

// Complete hands the forEach cap to the controllers and the kubeconfig to
// the endpoint's delegated authentication and authorization, on copies.
func TestControllerCommandComplete(t *testing.T) {
	o := parseControllerCommand(t, "--kubeconfig", "cluster.kubeconfig", "--max-foreach", "7",
		"--leader-elect-resource-namespace", "locks", "--leader-elect-resource-name", "ml-lock")
	c, err := o.Complete()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	le := c.Controller.LeaderElection
	if c.Controller.MaxForEachItems != 7 || le.Namespace != "locks" || le.Name != "ml-lock" || !le.Enabled {
		t.Errorf("controller config %+v: want --max-foreach 7 and the Lease locks/ml-lock", c.Controller)
	}
	if c.Serving == nil || c.Serving.Authentication.RemoteKubeConfigFile != "cluster.kubeconfig" || c.Serving.Authorization.RemoteKubeConfigFile != "cluster.kubeconfig" {
		t.Errorf("endpoint %+v: want authentication and authorization through --kubeconfig", c.Serving)
	}
	if o.Serving.Authentication.RemoteKubeConfigFile != "" {
		t.Errorf("Complete changed the flags' serving options")
	}
}

func TestControllerCommandValidate(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr string
	}{
		{args: []string{"--controllers=-trainingjob,-model,-notebook,-pipelinerun,-metrics,-logarchive"}, wantErr: "--controllers enables no controller"},
		{args: []string{"--max-foreach=0"}, wantErr: "--max-foreach must be at least 1"},
		{args: []string{"--leader-elect-retry-period=0s"}, wantErr: "--leader-elect-retry-period: Invalid value"},
		{args: []string{"--secure-port=0"}},
	} {
		c, err := parseControllerCommand(t, tc.args...).Complete()
		if err != nil {
			t.Fatal(err)
		}
		err = c.Validate()
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.wantErr)
		}
		if tc.wantErr == "" && c.Serving != nil {
			t.Errorf("%q: the endpoint is on", tc.args)
		}
	}
}

// The controller subcommand takes the API server's artifact flags: its
// pods name the namespaces' Secret and carry the cap the servers use, and
// its stores (for the Model controller's source checks) are the server's
// store and the namespaces' Secrets, as in the server.
func TestControllerCommandArtifacts(t *testing.T) {
	o := parseControllerCommand(t, "--artifact-store-secret-name", "team-store", "--max-artifact-bytes", "1048576",
		"--artifact-store", "s3", "--artifact-s3-endpoint", "https://s3.example.com", "--artifact-s3-bucket", "ml-artifacts", "--artifact-s3-prefix", "prod")
	c, err := o.Complete()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if pods := c.Controller.ArtifactPods; pods.SecretName != "team-store" || pods.MaxBytes != 1048576 || pods.HelperImage != "ml-apiserver:latest" {
		t.Errorf("pods' artifact steps %+v: want Secret team-store and the cap 1048576", pods)
	}
	team := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "team-store", ResourceVersion: "1"},
		Data:       map[string][]byte{"endpoint": []byte("https://minio.team-a.example.com"), "bucket": []byte("team-a-ml")},
	}
	r, err := c.ArtifactResolver(fake.NewClientset(team))
	if err != nil {
		t.Fatal(err)
	}
	if r.Secret() != "team-store" || r.MaxBytes != 1048576 || r.MaxServeBytes != artifactstore.DefaultMaxServeBytes {
		t.Errorf("resolver Secret %s, caps %d/%d: want team-store and the flags' caps", r.Secret(), r.MaxBytes, r.MaxServeBytes)
	}
	ctx := context.Background()
	for ns, want := range map[string]string{"team-a": "s3://team-a-ml/k", "team-b": "s3://ml-artifacts/prod/k"} {
		s, err := r.For(ctx, ns)
		if err != nil {
			t.Fatalf("store of %s: %v", ns, err)
		}
		if got := s.URI("k"); got != want {
			t.Errorf("store of %s keeps k at %s, want %s", ns, got, want)
		}
	}

	// Without --artifact-store a namespace needs its Secret, as with an
	// aggregated server; a filesystem store needs --standalone, which the
	// subcommand has not.
	c, err = parseControllerCommand(t).Complete()
	if err != nil {
		t.Fatal(err)
	}
	r, err = c.ArtifactResolver(fake.NewClientset())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.For(ctx, "team-b"); !errors.Is(err, artifactstore.ErrNoStore) || !strings.Contains(err.Error(), artifactstore.DefaultSecretName) {
		t.Errorf("store of a namespace without a Secret: %v, want ErrNoStore naming %s", err, artifactstore.DefaultSecretName)
	}
	c, err = parseControllerCommand(t, "--artifact-store", "filesystem").Complete()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "needs --standalone") {
		t.Errorf("--artifact-store=filesystem: %v, want an error naming --standalone", err)
	}
}
