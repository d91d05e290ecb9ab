// Command kubectl-ml is the kubectl plugin of ml.example.io: installed on the
// PATH it runs as `kubectl ml`.
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/component-base/cli"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"ml.example.io/ml-apiserver/pkg/kubectl/cmd"
)

func main() {
	root := cmd.NewCmdML(genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
	// As kubectl's main: errors are printed the way kubectl prints them
	// ("Error from server (NotFound): ...", "error: ...") and exit 1.
	if err := cli.RunNoErrOutput(root); err != nil {
		cmdutil.CheckErr(err)
	}
}
