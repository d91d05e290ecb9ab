// Command ml-apiserver serves the ml.example.io API group.
package main

import (
	"os"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/cli"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app"
)

func main() {
	ctx := genericapiserver.SetupSignalContext()
	os.Exit(cli.Run(app.NewServerCommand(ctx)))
}
