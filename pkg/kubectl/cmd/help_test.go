package cmd

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/cmdtest"
)

// run runs the command tree with args as the binary does: an error goes
// through kubectl's CheckErr, whose message and exit code are captured.
func run(t *testing.T, args ...string) string {
	t.Helper()
	// The default of --cache-dir is under HOME.
	t.Setenv("HOME", "/home/user")
	var out, errOut bytes.Buffer
	root := NewCmdML(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	// Not nil: cobra reads os.Args then.
	root.SetArgs(append([]string{}, args...))
	code := 0
	cmdutil.BehaviorOnFatal(func(msg string, c int) {
		// As the binary: the message ends with a newline.
		errOut.WriteString(strings.TrimSuffix(msg, "\n") + "\n")
		code = c
	})
	defer cmdutil.DefaultBehaviorOnFatal()
	if err := root.Execute(); err != nil {
		cmdutil.CheckErr(err)
	}
	return "exit code: " + strconv.Itoa(code) + "\n--- stdout\n" + out.String() + "--- stderr\n" + errOut.String()
}

// TestHelp covers the help of every command, and of the root, with golden
// files: usage lines say `kubectl ml ...`, global flags are only listed
// by `kubectl ml options`.
func TestHelp(t *testing.T) {
	cmdtest.Golden(t, "help-root", run(t, "--help"))
	cmdtest.Golden(t, "help-no-command", run(t))
	cmdtest.Golden(t, "help-options", run(t, "options"))
	cmdtest.Golden(t, "help-profiles-add-contributor", run(t, "profiles", "add-contributor", "--help"))
	cmdtest.Golden(t, "help-profiles-remove-contributor", run(t, "profiles", "remove-contributor", "--help"))
	root := NewCmdML(genericiooptions.IOStreams{})
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "options" {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			out := run(t, c.Name(), "--help")
			cmdtest.Golden(t, "help-"+c.Name(), out)
			checkHelp(t, c, out)
		})
	}
}

// checkHelp holds every command to kubectl's help layout, so that a new
// command's golden file is not accepted as it comes.
func checkHelp(t *testing.T, c *cobra.Command, out string) {
	t.Helper()
	if want := "Usage:\n  kubectl ml " + c.Name(); !strings.Contains(out, want) {
		t.Errorf("help of %s: want %q in:\n%s", c.Name(), want, out)
	}
	if want := `Use "kubectl ml options" for a list of global command-line options`; !strings.Contains(out, want) {
		t.Errorf("help of %s: want %q in:\n%s", c.Name(), want, out)
	}
	for _, global := range []string{"--kubeconfig", "--namespace", "--context"} {
		if strings.Contains(out, global) {
			t.Errorf("help of %s lists the global flag %s; `kubectl ml options` lists those", c.Name(), global)
		}
	}
}

// TestUsageErrors covers the errors that need no server.
func TestUsageErrors(t *testing.T) {
	cases := map[string][]string{
		"error-logs-no-argument":      {"logs"},
		"error-metrics-no-argument":   {"metrics"},
		"error-logs-two-arguments":    {"logs", "tj/a", "tj/b"},
		"error-unknown-flag":          {"logs", "--bogus"},
		"error-unknown-command":       {"nope"},
		"error-version-bad-output":    {"version", "--client", "-o", "wide"},
		"error-options-takes-no-flag": {"options", "--bogus"},
		"error-profiles-bad-role":     {"profiles", "add-contributor", "vision", "--user", "bob", "--role", "owner"},
		"error-profiles-no-subject":   {"profiles", "remove-contributor", "vision"},
		"error-profiles-two-subjects": {"profiles", "add-contributor", "vision", "--user", "bob", "--group", "team"},
		"error-profiles-no-profile":   {"profiles", "add-contributor", "--user", "bob"},
		"error-profiles-bad-sa":       {"profiles", "add-contributor", "vision", "--serviceaccount", "deployer"},
		"error-compare-nothing-named": {"compare"},
		"error-compare-bad-selector":  {"compare", "-l", "a in b"},
		"error-dashboard-remote":      {"dashboard", "--address", "0.0.0.0"},
		"error-dashboard-bad-port":    {"dashboard", "--port", "70000"},
		"error-dashboard-argument":    {"dashboard", "tj/a"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			cmdtest.Golden(t, name, run(t, args...))
		})
	}
}
