package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixture writes a small dashboard source tree: an entry that imports a
// module and a stylesheet, and index.html.
func fixture(t *testing.T) string {
	t.Helper()
	src := t.TempDir()
	files := map[string]string{
		"index.html":    `<!doctype html><link rel="stylesheet" href="/app.css"><script type="module" src="/app.js"></script>`,
		"src/main.ts":   "import './style.css';\nimport { greet } from './greet';\nconst el: HTMLElement = document.body;\nel.textContent = greet('dashboard');\n",
		"src/greet.ts":  "export function greet(who: string): string {\n  return `hello ${who} from the build fixture`;\n}\n",
		"src/style.css": "body { font-family: sans-serif; }\n.phase-Succeeded { color: #0a7d2c; }\n",
	}
	for name, data := range files {
		path := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

func TestBuild(t *testing.T) {
	src := fixture(t)
	out := filepath.Join(t.TempDir(), "dist")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// README stays; what an earlier build left goes.
	for name, data := range map[string]string{"README": "keep", "stale.js": "old"} {
		if err := os.WriteFile(filepath.Join(out, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var report bytes.Buffer
	sizes, err := build(options{src: src, out: out, budget: 500 * 1024, npm: "npm"}, &report)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, report.String())
	}
	var names []string
	for _, s := range sizes {
		names = append(names, s.name)
		if s.z == 0 || s.plain == 0 {
			t.Errorf("%s: sizes %+v", s.name, s)
		}
	}
	if got, want := strings.Join(names, " "), "app.css app.js index.html"; got != want {
		t.Errorf("built %q, want %q", got, want)
	}
	js := read(t, filepath.Join(out, "app.js"))
	if !strings.Contains(js, "from the build fixture") || strings.Contains(js, ": string") || strings.Contains(js, "import ") {
		t.Errorf("app.js is not the bundled, type-stripped entry:\n%s", js)
	}
	if css := read(t, filepath.Join(out, "app.css")); !strings.Contains(css, ".phase-Succeeded") {
		t.Errorf("app.css lacks the imported stylesheet:\n%s", css)
	}
	if read(t, filepath.Join(out, "README")) != "keep" {
		t.Error("README was not kept")
	}
	if _, err := os.Stat(filepath.Join(out, "stale.js")); !os.IsNotExist(err) {
		t.Errorf("stale.js is still there: %v", err)
	}
	for _, line := range []string{"app.js", "gzipped", "total", "budget 500.0 KB"} {
		if !strings.Contains(report.String(), line) {
			t.Errorf("report lacks %q:\n%s", line, report.String())
		}
	}
}

func TestBuildOverBudget(t *testing.T) {
	src := fixture(t)
	var report bytes.Buffer
	_, err := build(options{src: src, out: t.TempDir(), budget: 100, npm: "npm"}, &report)
	if err == nil || !strings.Contains(err.Error(), "over its budget of 0.1 KB") {
		t.Fatalf("err %v, want over budget", err)
	}
}

func TestBuildErrors(t *testing.T) {
	src := fixture(t)
	if err := os.WriteFile(filepath.Join(src, "src/main.ts"), []byte("import { nope } from './missing';\nnope();\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := build(options{src: src, out: t.TempDir(), budget: 1 << 20, npm: "npm"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("err %v, want esbuild's error naming ./missing", err)
	}
	_, err = build(options{src: t.TempDir(), out: t.TempDir(), budget: 1 << 20, npm: "npm"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "no entry point") {
		t.Fatalf("err %v, want no entry point", err)
	}
	var report bytes.Buffer
	if _, err := build(options{src: filepath.Join(t.TempDir(), "absent"), out: t.TempDir(), budget: 1 << 20, npm: "npm"}, &report); err != nil || !strings.Contains(report.String(), "nothing to build") {
		t.Fatalf("without sources: %v, %q; want nothing built and no error", err, report.String())
	}
	if err := os.WriteFile(filepath.Join(src, "package.json"), []byte(`{"name":"x","private":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = build(options{src: src, out: t.TempDir(), budget: 1 << 20, npm: "npm"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "no package-lock.json") {
		t.Fatalf("err %v, want the missing lock file", err)
	}
}

// TestNPMCI runs the real npm on a lock file without packages (no
// network needed): once when nothing was installed, not again until the
// lock file changes.
func TestNPMCI(t *testing.T) {
	src := fixture(t)
	for name, data := range map[string]string{
		"package.json":      `{"name":"fixture","version":"0.0.0","private":true}`,
		"package-lock.json": `{"name":"fixture","version":"0.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"fixture","version":"0.0.0"}}}`,
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("npm_config_cache", t.TempDir())
	t.Setenv("npm_config_offline", "true")
	o := options{src: src, out: t.TempDir(), budget: 1 << 20, npm: "npm"}
	var report bytes.Buffer
	if _, err := build(o, &report); err != nil {
		t.Fatalf("build: %v\n%s", err, report.String())
	}
	if !strings.Contains(report.String(), "npm ci in") {
		t.Fatalf("npm ci did not run:\n%s", report.String())
	}
	report.Reset()
	if _, err := build(o, &report); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(report.String(), "npm ci in") {
		t.Errorf("npm ci ran again with node_modules up to date:\n%s", report.String())
	}
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(src, "package-lock.json"), future, future); err != nil {
		t.Fatal(err)
	}
	report.Reset()
	if _, err := build(o, &report); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(report.String(), "npm ci in") {
		t.Errorf("npm ci did not run after package-lock.json changed:\n%s", report.String())
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
