package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// root is the repository, from this package's directory.
const root = "../.."

// manifest is the part of krew's Plugin (v1alpha2) that a release fills.
type manifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		ShortDescription string `json:"shortDescription"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			SHA256 string `json:"sha256"`
			Bin    string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

// platforms are those a release builds.
var platforms = []string{"darwin_amd64", "darwin_arm64", "linux_amd64", "linux_arm64", "windows_amd64"}

var sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// check parses data as a manifest of version and returns the sha256 of
// each platform's archive (os_arch).
func check(t *testing.T, data []byte, version, baseURL string) map[string]string {
	t.Helper()
	var m manifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("parse manifest: %v\n%s", err, data)
	}
	if m.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || m.Kind != "Plugin" || m.Metadata.Name != "ml" {
		t.Errorf("manifest is %s %s %q, want krew's v1alpha2 Plugin ml", m.APIVersion, m.Kind, m.Metadata.Name)
	}
	if m.Spec.Version != version {
		t.Errorf("spec.version = %q, want %q", m.Spec.Version, version)
	}
	sums := map[string]string{}
	for _, p := range m.Spec.Platforms {
		key := p.Selector.MatchLabels["os"] + "_" + p.Selector.MatchLabels["arch"]
		if _, dup := sums[key]; dup {
			t.Errorf("platform %s listed twice", key)
		}
		sums[key] = p.SHA256
		if !sha256RE.MatchString(p.SHA256) || p.SHA256 == strings.Repeat("0", 64) {
			t.Errorf("%s: sha256 %q is not a sum", key, p.SHA256)
		}
		if want := baseURL + "/kubectl-ml_" + key + ".tar.gz"; baseURL != "" && p.URI != want {
			t.Errorf("%s: uri %q, want %q", key, p.URI, want)
		}
		if !strings.Contains(p.URI, version) || !strings.HasSuffix(p.URI, "/kubectl-ml_"+key+".tar.gz") {
			t.Errorf("%s: uri %q is not the %s archive of the platform", key, p.URI, version)
		}
		want := "kubectl-ml"
		if p.Selector.MatchLabels["os"] == "windows" {
			want += ".exe"
		}
		if p.Bin != want {
			t.Errorf("%s: bin %q, want %q", key, p.Bin, want)
		}
	}
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, " ") != strings.Join(platforms, " ") {
		t.Errorf("platforms %v, want %v", keys, platforms)
	}
	return sums
}

// TestKrewManifest checks the committed manifest, which `make
// release-plugin` rendered: it parses, names every platform, and has a
// sum for each. When the archives of the same version are in
// _output/release (after `make release-plugin`), the sums must be theirs.
func TestKrewManifest(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "artifacts", "krew", "ml.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("parse artifacts/krew/ml.yaml: %v", err)
	}
	sums := check(t, data, m.Spec.Version, "")
	release := filepath.Join(root, "_output", "release")
	rendered, err := os.ReadFile(filepath.Join(release, "ml.yaml"))
	if err != nil || string(rendered) != string(data) {
		t.Logf("no release of this manifest in %s: the archives' sums are not compared", release)
		return
	}
	for key, sum := range sums {
		if got := fileSum(t, filepath.Join(release, "kubectl-ml_"+key+".tar.gz")); got != sum {
			t.Errorf("%s: manifest sha256 %s, archive's %s", key, sum, got)
		}
	}
}

// TestRenderKrewManifest runs the render script on made-up archives: every
// platform gets its archive's sum, the version and the URLs.
func TestRenderKrewManifest(t *testing.T) {
	dir := t.TempDir()
	want := map[string]string{}
	for i, key := range platforms {
		path := filepath.Join(dir, "kubectl-ml_"+key+".tar.gz")
		if err := os.WriteFile(path, []byte(fmt.Sprintf("archive %d of %s", i, key)), 0o644); err != nil {
			t.Fatal(err)
		}
		want[key] = fileSum(t, path)
	}
	const version, baseURL = "v9.8.7", "https://downloads.example.com/ml/v9.8.7"
	out, err := render(dir, version, baseURL)
	if err != nil {
		t.Fatalf("render: %v\n%s", err, out)
	}
	got := check(t, out, version, baseURL)
	for key, sum := range want {
		if got[key] != sum {
			t.Errorf("%s: sha256 %q, want the archive's %q", key, got[key], sum)
		}
	}

	// A platform without its archive is an error, not an empty sum.
	if err := os.Remove(filepath.Join(dir, "kubectl-ml_darwin_arm64.tar.gz")); err != nil {
		t.Fatal(err)
	}
	if out, err := render(dir, version, baseURL); err == nil {
		t.Errorf("render without the darwin_arm64 archive succeeded:\n%s", out)
	}
}

// render runs the render script; on failure the output is its stderr.
func render(dir, version, baseURL string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(root, "hack", "render-krew-manifest.sh"), dir, version, baseURL)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return stderr.Bytes(), err
	}
	return out, nil
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
