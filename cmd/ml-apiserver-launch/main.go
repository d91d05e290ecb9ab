// Command ml-apiserver-launch is the launcher of standalone mode's local
// processes (package launcher), as a small binary that starts in a
// millisecond; ml-apiserver uses it when it is installed next to it, and
// runs its own binary as the launcher otherwise.
package main

import (
	"fmt"
	"os"

	"ml.example.io/ml-apiserver/pkg/workload/local/launcher"
)

func main() {
	launcher.RunIfLauncher()
	fmt.Fprintf(os.Stderr, "ml-apiserver-launch is started by ml-apiserver only (%s is not set)\n", launcher.SpecEnv)
	os.Exit(2)
}
