// Command ml-apiserver serves the ml.example.io API group.
package main

import (
	"os"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/cli"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app"
	"ml.example.io/ml-apiserver/pkg/workload/local/launcher"
)

func main() {
	// Without ml-apiserver-launch next to it, the local runtime starts
	// this binary as the launcher of its processes.
	launcher.RunIfLauncher()
	ctx := genericapiserver.SetupSignalContext()
	os.Exit(cli.Run(app.NewServerCommand(ctx)))
}
