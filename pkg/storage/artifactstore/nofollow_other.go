//go:build !unix

package artifactstore

import "os"

const noFollow = 0

func openNoFollow(name string) (*os.File, error) { return os.Open(name) }
