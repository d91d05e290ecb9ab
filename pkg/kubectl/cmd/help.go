package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/kubectl/pkg/util/templates"
)

// actAsRoot gives the command tree kubectl's help layout: each command's
// own flags, with the global ones listed by `kubectl ml options`.
// kubectl's templates name the root by its first word in one hint ("Use
// "ml <command> --help""), so the root's own usage is written here with
// its display name; every subcommand keeps kubectl's template.
func actAsRoot(root *cobra.Command) {
	templates.ActsAsRootCommand(root, []string{"options"})
	sub := root.UsageFunc()
	root.SetUsageFunc(func(c *cobra.Command) error {
		if c != root && c.HasSubCommands() {
			return subUsage(c, root, sub)
		}
		if c != root {
			return sub(c)
		}
		_, err := fmt.Fprint(c.OutOrStderr(), rootUsage(c))
		return err
	})
}

// subUsage is kubectl's usage of a command with subcommands, whose "Use
// "ml profiles <command> --help"" hint names the root by its display name.
func subUsage(c, root *cobra.Command, sub func(*cobra.Command) error) error {
	out := c.OutOrStderr()
	var b bytes.Buffer
	c.SetOut(&b)
	c.SetErr(&b)
	err := sub(c)
	c.SetOut(nil) // subcommands write where the root does
	c.SetErr(nil)
	hint := "Use \"" + root.Name() + " "
	_, werr := io.WriteString(out, strings.ReplaceAll(b.String(), hint, "Use \""+root.CommandPath()+" "))
	return errors.Join(err, werr)
}

// rootUsage is kubectl's root usage (see kubectl's MainUsageTemplate) for
// a root whose name is two words.
func rootUsage(root *cobra.Command) string {
	var b strings.Builder
	b.WriteString("\n\nAvailable Commands:\n")
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() || c.Name() == "options" {
			continue
		}
		fmt.Fprintf(&b, "  %-*s   %s\n", c.NamePadding(), c.Name(), c.Short)
	}
	path := root.CommandPath()
	fmt.Fprintf(&b, "\nUsage:\n  %s [flags] [options]\n\n", path)
	fmt.Fprintf(&b, "Use \"%s <command> --help\" for more information about a given command.\n", path)
	fmt.Fprintf(&b, "Use \"%s options\" for a list of global command-line options (applies to all commands).\n", path)
	return b.String()
}
