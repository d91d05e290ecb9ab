package launcher

import (
	"os"
	"strings"
	"testing"
)

// A binary that calls RunIfLauncher passes Check.
func TestCheckLauncher(t *testing.T) {
	if err := Check("/proc/self/exe"); err != nil {
		t.Fatalf("the test binary, which calls RunIfLauncher: %v", err)
	}
}

// A binary that does not act as the launcher fails Check with an error
// that says why, and does not run as itself: the test binary without
// RunIfLauncher refuses the probe's flag instead of running its tests.
func TestCheckNotLauncher(t *testing.T) {
	t.Setenv(plainEnv, "1")
	// The test binary by its own path: /proc/self/exe passed the check
	// in TestCheckLauncher, and a path that passed is not probed again.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{exe, []string{"RunIfLauncher", "exit status 2", "flag provided but not defined"}},
		{"/bin/true", []string{"RunIfLauncher", "exit code 0", "no output"}},
		{"/nonexistent/launcher", []string{"/nonexistent/launcher", "no such file"}},
	} {
		err := Check(tc.path)
		if err == nil {
			t.Errorf("%s: passed the check", tc.path)
			continue
		}
		t.Logf("%s: %v", tc.path, err)
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tc.path, err, w)
			}
		}
	}
}
