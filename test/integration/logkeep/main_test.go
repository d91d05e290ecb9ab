package logkeep

import (
	"os"
	"testing"

	"ml.example.io/ml-apiserver/pkg/workload/local/launcher"
)

func TestMain(m *testing.M) {
	// The local runtime starts this test binary as the launcher of its
	// confined processes.
	launcher.RunIfLauncher()
	os.Exit(m.Run())
}
