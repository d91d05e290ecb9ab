// Package metrics is `kubectl ml metrics`.
package metrics

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

// NewCmdMetrics returns the metrics command.
func NewCmdMetrics(f *util.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{Use: "metrics KIND/NAME", Hidden: true}
}
