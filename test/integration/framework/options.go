package framework

import (
	"testing"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
)

// StartTestServerWith starts a standalone server like StartTestServer,
// with options changed by customize first (for example a fake pod log
// source in options.Logs.Source).
func StartTestServerWith(t testing.TB, customize func(*options.Options)) *TestServer {
	t.Helper()
	s := &TestServer{DataDir: t.TempDir(), t: t, customize: customize}
	s.start()
	t.Cleanup(s.Stop)
	return s
}
