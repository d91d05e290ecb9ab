// Command build-dashboard builds the web dashboard into pkg/dashboard/dist,
// which pkg/dashboard embeds: it installs the npm packages of
// web/dashboard when package-lock.json is newer than node_modules (npm ci),
// bundles src/main.ts and the CSS it imports with esbuild's Go API, copies
// index.html, prints the gzipped sizes and fails when they add up to more
// than the budget (500 KB by default: what the first page transfers).
//
//	go run ./hack/build-dashboard [-src web/dashboard] [-out pkg/dashboard/dist]
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

func main() {
	var o options
	flag.StringVar(&o.src, "src", "web/dashboard", "The dashboard's sources: package.json, package-lock.json, index.html and src/main.ts.")
	flag.StringVar(&o.out, "out", "pkg/dashboard/dist", "Where to write index.html, app.js and app.css (files other than README there are replaced).")
	flag.IntVar(&o.budget, "max-gzip-bytes", 500*1024, "Fail when index.html, app.js and app.css add up to more than this many bytes gzipped.")
	flag.StringVar(&o.npm, "npm", "npm", "The npm command that installs the packages of package-lock.json.")
	flag.Parse()
	if _, err := build(o, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "build-dashboard: %v\n", err)
		os.Exit(1)
	}
}

type options struct {
	src, out string
	budget   int
	npm      string
}

// size is a built file's size, plain and gzipped.
type size struct {
	name     string
	plain, z int
}

// build installs, bundles, copies and measures; it reports to w.
func build(o options, w io.Writer) ([]size, error) {
	if _, err := os.Stat(o.src); errors.Is(err, os.ErrNotExist) {
		// A tree without the dashboard's sources still builds: the
		// server then answers 503 "dashboard not built".
		fmt.Fprintf(w, "no dashboard sources in %s: nothing to build\n", o.src)
		return nil, nil
	}
	entry := filepath.Join(o.src, "src", "main.ts")
	if _, err := os.Stat(entry); err != nil {
		return nil, fmt.Errorf("no entry point: %w", err)
	}
	if err := npmCI(o, w); err != nil {
		return nil, err
	}
	if err := clean(o.out); err != nil {
		return nil, err
	}
	result := api.Build(api.BuildOptions{
		EntryPoints:       []string{entry},
		Bundle:            true,
		Outdir:            o.out,
		EntryNames:        "app",
		Format:            api.FormatESModule,
		Target:            api.ES2020,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		Sourcemap:         api.SourceMapNone,
		LegalComments:     api.LegalCommentsEndOfFile,
		Loader:            map[string]api.Loader{".css": api.LoaderCSS, ".svg": api.LoaderText},
		Define:            map[string]string{"process.env.NODE_ENV": `"production"`},
		NodePaths:         []string{filepath.Join(o.src, "node_modules")},
		Write:             true,
		LogLevel:          api.LogLevelWarning,
	})
	if len(result.Errors) > 0 {
		msgs := api.FormatMessages(result.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return nil, fmt.Errorf("esbuild: %d errors:\n%s", len(result.Errors), strings.Join(msgs, ""))
	}
	if err := copyFile(filepath.Join(o.src, "index.html"), filepath.Join(o.out, "index.html")); err != nil {
		return nil, err
	}
	return measure(o, w)
}

// npmCI runs `npm ci` when package-lock.json is newer than what npm last
// installed (node_modules/.package-lock.json), or nothing was installed.
// Sources without a package.json need no packages.
func npmCI(o options, w io.Writer) error {
	lock := filepath.Join(o.src, "package-lock.json")
	lockInfo, err := os.Stat(lock)
	if errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(o.src, "package.json")); err == nil {
			return fmt.Errorf("%s has a package.json but no package-lock.json: run npm install there and commit the lock file", o.src)
		}
		return nil
	}
	if err != nil {
		return err
	}
	installed, err := os.Stat(filepath.Join(o.src, "node_modules", ".package-lock.json"))
	if err == nil && !installed.ModTime().Before(lockInfo.ModTime()) {
		return nil
	}
	fmt.Fprintf(w, "npm ci in %s\n", o.src)
	cmd := exec.Command(o.npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = o.src
	cmd.Stdout, cmd.Stderr = w, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci in %s: %w", o.src, err)
	}
	// npm writes no node_modules for a lock file without packages:
	// record the install so the next build skips it.
	if err := os.MkdirAll(filepath.Join(o.src, "node_modules"), 0o755); err != nil {
		return err
	}
	marker := filepath.Join(o.src, "node_modules", ".package-lock.json")
	if _, err := os.Stat(marker); errors.Is(err, os.ErrNotExist) {
		return copyFile(lock, marker)
	}
	return nil
}

// clean removes what an earlier build wrote, README aside.
func clean(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == "README" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(out, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// measure prints every built file's size, plain and gzipped, and the
// total, and fails over the budget.
func measure(o options, w io.Writer) ([]size, error) {
	entries, err := os.ReadDir(o.out)
	if err != nil {
		return nil, err
	}
	var sizes []size
	total := 0
	for _, e := range entries {
		if e.IsDir() || e.Name() == "README" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(o.out, e.Name()))
		if err != nil {
			return nil, err
		}
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		_, _ = zw.Write(data)
		_ = zw.Close()
		sizes = append(sizes, size{name: e.Name(), plain: len(data), z: z.Len()})
		total += z.Len()
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i].name < sizes[j].name })
	for _, s := range sizes {
		fmt.Fprintf(w, "%-12s %9s  %9s gzipped\n", s.name, kb(s.plain), kb(s.z))
	}
	fmt.Fprintf(w, "%-12s %9s  %9s gzipped (budget %s)\n", "total", "", kb(total), kb(o.budget))
	if total > o.budget {
		return sizes, fmt.Errorf("the dashboard is %s gzipped, over its budget of %s", kb(total), kb(o.budget))
	}
	return sizes, nil
}

func kb(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}
