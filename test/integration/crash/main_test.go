// Package crash tests that a standalone server killed at any moment
// (kill -9) leaves no process of its local runtime behind to run next to
// the replicas its restart starts. The server runs as a real process: the
// test binary re-executed as ml-apiserver.
package crash

import (
	"encoding/json"
	"os"
	"testing"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/cli"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app"
	"ml.example.io/ml-apiserver/pkg/workload/local/launcher"
)

// serverArgsEnv makes the test binary run ml-apiserver with the JSON list
// of arguments it holds.
const serverArgsEnv = "ML_CRASH_TEST_SERVER_ARGS"

func TestMain(m *testing.M) {
	// As ml-apiserver's main: the server process is this test binary.
	launcher.RunIfLauncher()
	if v, ok := os.LookupEnv(serverArgsEnv); ok {
		var args []string
		if err := json.Unmarshal([]byte(v), &args); err != nil {
			panic(err)
		}
		cmd := app.NewServerCommand(genericapiserver.SetupSignalContext())
		cmd.SetArgs(args)
		os.Exit(cli.Run(cmd))
	}
	os.Exit(m.Run())
}
