package launcher

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunProcs: each local rank gets torchrun's variables, and the first
// failure's exit code is the launcher's.
func TestRunProcs(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PET_NODE_RANK", "1")
	t.Setenv("WORLD_SIZE", "6")
	script := `echo "$RANK $LOCAL_RANK $WORLD_SIZE $LOCAL_WORLD_SIZE $GROUP_RANK" > "$0/rank-$LOCAL_RANK"`
	if code := runProcs(&Spec{Path: "/bin/sh", Args: []string{"sh", "-c", script, dir}, Procs: 3}); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	for local, want := range []string{"3 0 6 3 1", "4 1 6 3 1", "5 2 6 3 1"} {
		data, err := os.ReadFile(filepath.Join(dir, "rank-"+string(rune('0'+local))))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(data)); got != want {
			t.Errorf("local rank %d: RANK LOCAL_RANK WORLD_SIZE LOCAL_WORLD_SIZE GROUP_RANK = %q, want %q", local, got, want)
		}
	}
	// Local rank 1 fails at once; rank 0 would run long, and is stopped.
	failing := `[ "$LOCAL_RANK" = 1 ] && exit 7; exec sleep 600`
	if code := runProcs(&Spec{Path: "/bin/sh", Args: []string{"sh", "-c", failing}, Procs: 2}); code != 7 {
		t.Errorf("exit code %d, want 7, the failing rank's", code)
	}
}
