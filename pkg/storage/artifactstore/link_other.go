//go:build !linux

package artifactstore

import (
	"errors"
	"os"
)

// linkFile is unsupported here: read-only pulls copy.
func linkFile(*os.Root, string, *os.File) error { return errors.ErrUnsupported }
