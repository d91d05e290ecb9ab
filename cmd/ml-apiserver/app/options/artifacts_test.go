package options

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"k8s.io/client-go/kubernetes/fake"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

func TestArtifactOptions(t *testing.T) {
	o := NewArtifactOptions()
	if errs := o.Validate(true); len(errs) > 0 {
		t.Fatalf("standalone defaults: %v", errs)
	}
	if errs := o.Validate(false); len(errs) > 0 {
		t.Fatalf("aggregated defaults: %v", errs)
	}
	dataDir := t.TempDir()
	r, err := o.Resolver(true, dataDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Default.URI("k"), "file://"+filepath.Join(dataDir, "artifacts", "k"); got != want {
		t.Errorf("standalone default store URI = %s, want %s", got, want)
	}
	if r.Secrets != nil || r.MaxBytes != 10<<30 || r.MaxServeBytes != 10<<20 {
		t.Errorf("standalone resolver: secrets %v, caps %d/%d", r.Secrets != nil, r.MaxBytes, r.MaxServeBytes)
	}
	r, err = o.Resolver(false, dataDir, fake.NewClientset())
	if err != nil {
		t.Fatal(err)
	}
	if r.Default != nil || r.Secrets == nil || r.Secret() != "ml-artifact-store" {
		t.Errorf("aggregated resolver: default %v, secrets %v, secret %q", r.Default, r.Secrets != nil, r.Secret())
	}

	for _, c := range []struct {
		name       string
		standalone bool
		args       []string
		want       string
	}{
		{"filesystem needs standalone", false, []string{"--artifact-store=filesystem"}, "--artifact-store=filesystem needs --standalone"},
		{"s3 needs a bucket", true, []string{"--artifact-store=s3", "--artifact-s3-endpoint=s3.example.com"}, "--artifact-s3-bucket"},
		{"unknown store", true, []string{"--artifact-store=gcs"}, `got "gcs"`},
		{"cap", true, []string{"--max-artifact-bytes=0"}, "--max-artifact-bytes must be positive"},
		{"serve cap", true, []string{"--max-artifact-serve-bytes=-1"}, "--max-artifact-serve-bytes must be positive"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := NewArtifactOptions()
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.AddFlags(fs)
			if err := fs.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			errs := o.Validate(c.standalone)
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), c.want) {
				t.Errorf("got %v, want one error containing %q", errs, c.want)
			}
		})
	}
}

func TestArtifactS3Options(t *testing.T) {
	creds := filepath.Join(t.TempDir(), "s3-credentials")
	if err := os.WriteFile(creds, []byte("# team bucket\naccessKeyID = AK\nsecretAccessKey=SK\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := NewArtifactOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse([]string{"--artifact-store=s3", "--artifact-s3-endpoint=http://127.0.0.1:8333", "--artifact-s3-bucket=ml-runs",
		"--artifact-s3-prefix=prod", "--artifact-s3-region=eu-west-1", "--artifact-s3-credentials-file=" + creds}); err != nil {
		t.Fatal(err)
	}
	if errs := o.Validate(false); len(errs) > 0 {
		t.Fatal(errs)
	}
	got, ok, err := o.StoreConfig(false, "")
	if err != nil || !ok {
		t.Fatalf("StoreConfig: %v %v", ok, err)
	}
	want := artifactstore.Config{Type: "s3", Endpoint: "http://127.0.0.1:8333", Bucket: "ml-runs", Prefix: "prod", Region: "eu-west-1", AccessKeyID: "AK", SecretAccessKey: "SK"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := os.WriteFile(creds, []byte("accessKeyID=AK\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.StoreConfig(false, ""); err == nil || !strings.Contains(err.Error(), "secretAccessKey") {
		t.Errorf("credentials without the secret: %v", err)
	}
	if err := os.WriteFile(creds, []byte("password=x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := o.StoreConfig(false, ""); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("credentials with an unknown key: %v", err)
	}
}
