package util

import (
	"strings"

	"github.com/spf13/cobra"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// OneObject is the usage error, as kubectl words it, of a command given
// other than exactly one KIND/NAME argument; nil when it was given one.
func OneObject(c *cobra.Command, args []string) error {
	switch len(args) {
	case 1:
		return nil
	case 0:
		return cmdutil.UsageErrorf(c, "KIND/NAME is a required argument for the %s command, for example trainingjob/mnist", c.Name())
	default:
		return cmdutil.UsageErrorf(c, "the %s command takes one KIND/NAME, got %d arguments: %s", c.Name(), len(args), strings.Join(args, " "))
	}
}
