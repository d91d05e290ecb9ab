package launcher

import (
	"os"
	"testing"
)

// plainEnv makes the test binary skip RunIfLauncher: it then plays a
// binary that does not act as the launcher.
const plainEnv = "ML_LAUNCHER_TEST_PLAIN"

func TestMain(m *testing.M) {
	if _, plain := os.LookupEnv(plainEnv); !plain {
		RunIfLauncher()
	}
	os.Exit(m.Run())
}
