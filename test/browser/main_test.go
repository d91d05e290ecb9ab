// Package browser tests the web dashboard in Debian's chromium, driven by
// chromedp, against a standalone ml-apiserver (see framework): its
// security here, its pages in pages_*_test.go.
package browser

import (
	"testing"

	"ml.example.io/ml-apiserver/test/browser/framework"
)

func TestMain(m *testing.M) {
	framework.Main(m)
}
