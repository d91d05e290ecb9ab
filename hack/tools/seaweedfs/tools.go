//go:build tools

// Package tools keeps the weed command built by hack/build-tools.sh required by
// this module, so `go mod tidy` keeps it and its pinned dependencies.
package tools

import (
	_ "github.com/seaweedfs/seaweedfs/weed"
)
