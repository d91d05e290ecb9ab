// Package restart tests that a standalone server restarted on the same data
// directory keeps its objects, its watch history and its certificates.
package restart

import (
	"testing"

	"ml.example.io/ml-apiserver/test/integration/framework"
)

// server is the package's server; the test restarts it.
var server *framework.TestServer

func TestMain(m *testing.M) {
	framework.Main(m, &server)
}
