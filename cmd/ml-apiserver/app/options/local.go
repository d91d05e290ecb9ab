package options

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"ml.example.io/ml-apiserver/pkg/workload/local"
)

// DefaultLocalRunAsUser is the user local processes run as when the
// server runs as root.
const DefaultLocalRunAsUser = "nobody"

// LocalOptions configure how standalone mode confines the processes it
// runs on this host.
type LocalOptions struct {
	// Confine runs every process through the Landlock launcher.
	Confine bool
	// RunAsUser is the user processes run as when the server is root ("" or
	// "root": the server's own).
	RunAsUser string
	// Launcher is the launcher binary; by default ml-apiserver-launch next
	// to the server's binary, else the server's own binary.
	Launcher string
	// ReadOnlyPaths and ReadWritePaths are more paths processes may use.
	ReadOnlyPaths, ReadWritePaths []string
}

// NewLocalOptions returns the defaults: confined, as nobody when root.
func NewLocalOptions() *LocalOptions {
	return &LocalOptions{Confine: true, RunAsUser: DefaultLocalRunAsUser}
}

// AddFlags adds the flags of local processes to fs.
func (o *LocalOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.Confine, "local-confine", o.Confine,
		"Standalone mode: confine each local process with Landlock to the system paths (read-only), its own working directory, "+
			"volumes and TMPDIR (read-write) and its credentials (read-only). false runs processes unconfined.")
	fs.StringVar(&o.RunAsUser, "local-run-as-user", o.RunAsUser,
		"Standalone mode, server running as root: the user (name, or uid[:gid]) local processes run as. \"\" or \"root\" runs them as root.")
	fs.StringVar(&o.Launcher, "local-launcher", o.Launcher,
		"Standalone mode: the launcher binary that confines local processes (default: ml-apiserver-launch next to this binary, else this binary).")
	fs.StringSliceVar(&o.ReadOnlyPaths, "local-read-only-paths", o.ReadOnlyPaths,
		"Standalone mode: more paths confined local processes may read and execute (a tool chain outside /usr and /opt).")
	fs.StringSliceVar(&o.ReadWritePaths, "local-read-write-paths", o.ReadWritePaths,
		"Standalone mode: more paths confined local processes may read and write (a shared scratch or data directory).")
}

// Validate checks the flags of local processes.
func (o *LocalOptions) Validate() []error {
	var errs []error
	if _, err := local.LookupUser(o.RunAsUser); err != nil {
		errs = append(errs, fmt.Errorf("--local-run-as-user %q: %w", o.RunAsUser, err))
	}
	for _, p := range append(append([]string(nil), o.ReadOnlyPaths...), o.ReadWritePaths...) {
		if !filepath.IsAbs(p) {
			errs = append(errs, fmt.Errorf("--local-read-only-paths and --local-read-write-paths take absolute paths, got %q", p))
		}
	}
	return errs
}

// Confinement is the local runtime's confinement.
func (o *LocalOptions) Confinement() local.Confinement {
	u, _ := local.LookupUser(o.RunAsUser)
	launcher := o.Launcher
	if launcher == "" {
		if exe, err := os.Executable(); err == nil {
			if p := filepath.Join(filepath.Dir(exe), "ml-apiserver-launch"); isExecutable(p) {
				launcher = p
			}
		}
	}
	return local.Confinement{
		Disabled:       !o.Confine,
		RunAs:          u,
		Launcher:       launcher,
		ReadOnlyPaths:  o.ReadOnlyPaths,
		ReadWritePaths: o.ReadWritePaths,
	}
}

// isExecutable says whether p is an executable that only its owner may
// change: the launcher runs as the server's user.
func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 && fi.Mode()&0o022 == 0
}
