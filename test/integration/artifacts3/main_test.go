// Package artifacts3 runs standalone mode with its artifact store on a
// real S3 server (SeaweedFS): the example artifacts pipeline runs as
// processes and its objects land in the bucket under the documented
// layout, and go with the run.
package artifacts3

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
