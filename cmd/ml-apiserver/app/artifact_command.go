package app

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"ml.example.io/ml-apiserver/pkg/storage/artifactfetch"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/workload/artifacthelper"
)

// NewArtifactCommand is `ml-apiserver artifact pull|push`, the steps that
// move artifacts in the pods of a cluster (package artifacthelper).
func NewArtifactCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "artifact",
		Short: "Download inputs and upload outputs of a pod's artifacts (run by the server's pods, not by users)",
		Long: `The server adds these steps to the pods of tasks and TrainingJobs with
artifacts: "artifact pull" as an init container of the server's image
(--artifact-helper-image), "artifact push" around the main container's command.

The store is configured by environment variables, which the pods take from the
namespace's artifact store Secret with secretKeyRef, so that credentials never
appear on a command line:
  ` + artifacthelper.EnvType + `               s3 (default) or filesystem
  ` + artifacthelper.EnvRoot + `               the directory of a filesystem store
  ` + artifacthelper.EnvEndpoint + `           S3 endpoint (host[:port] or URL)
  ` + artifacthelper.EnvBucket + `             bucket
  ` + artifacthelper.EnvS3Prefix + `             prefix in the bucket
  ` + artifacthelper.EnvRegion + `             region
  ` + artifacthelper.EnvInsecure + `           true for plain HTTP
  ` + artifacthelper.EnvAccessKeyID + `      access key
  ` + artifacthelper.EnvSecretAccessKey + `  secret key
  ` + artifacthelper.EnvCA + `                 PEM bundle trusted for the endpoint`,
		SilenceUsage: true,
	}
	cmd.AddCommand(newArtifactPullCommand(), newArtifactPushCommand())
	return cmd
}

// transferFlags are the repeated --key/--path (and --name) of a step.
type transferFlags struct {
	names, keys, paths []string
}

func (f *transferFlags) add(cmd *cobra.Command, withNames bool) {
	if withNames {
		cmd.Flags().StringArrayVar(&f.names, "name", nil, "Name of an output artifact (repeated: one per --key).")
	}
	cmd.Flags().StringArrayVar(&f.keys, "key", nil, "Key of an artifact in the store (repeated).")
	cmd.Flags().StringArrayVar(&f.paths, "path", nil, "Local path of the artifact of the --key at the same position: a file or a directory (repeated).")
}

func (f *transferFlags) transfers(withNames bool) ([]artifacthelper.Transfer, error) {
	if len(f.keys) != len(f.paths) || withNames && len(f.names) != len(f.keys) {
		return nil, fmt.Errorf("--key, --path and --name must be given as many times each (got %d, %d and %d)", len(f.keys), len(f.paths), len(f.names))
	}
	ts := make([]artifacthelper.Transfer, len(f.keys))
	for i := range f.keys {
		ts[i] = artifacthelper.Transfer{Key: f.keys[i], Path: f.paths[i]}
		if withNames {
			ts[i].Name = f.names[i]
		}
	}
	return ts, nil
}

func newArtifactPullCommand() *cobra.Command {
	var f transferFlags
	var installSelf, namespace, uri string
	cmd := &cobra.Command{
		Use:          "pull [--install-self PATH] [--namespace NS] [--key KEY|URI --path PATH]... | pull --uri URI --path DIR",
		Short:        "Download artifacts to local paths (and install this binary for the push step)",
		SilenceUsage: true,
		Args:         cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if uri != "" {
				if len(f.keys) > 0 || len(f.paths) != 1 {
					return fmt.Errorf("--uri takes one --path and no --key")
				}
				return artifactfetch.PullURI(c.Context(), uri, f.paths[0], func() (artifactstore.Store, error) { return artifacthelper.StoreFromEnv(os.Getenv) })
			}
			ts, err := f.transfers(false)
			if err != nil {
				return err
			}
			store, err := artifacthelper.StoreFromEnv(os.Getenv)
			if err != nil {
				return err
			}
			return artifacthelper.Pull(c.Context(), store, ts, installSelf, namespace)
		},
	}
	f.add(cmd, false)
	cmd.Flags().StringVar(&installSelf, "install-self", "", "Copy this binary to this path first, for the push step of the main container.")
	cmd.Flags().StringVar(&namespace, "namespace", "", "Namespace of the pod: a --key given as a URI must be one of its artifacts.")
	cmd.Flags().StringVar(&uri, "uri", "", "Download this URI (a Model's source: an object or directory artifact of the store, or https://) into the directory of the one --path.")
	return cmd
}

func newArtifactPushCommand() *cobra.Command {
	var f transferFlags
	var maxBytes int64
	var terminationPath string
	cmd := &cobra.Command{
		Use:   "push [--name NAME --key KEY --path PATH]... -- COMMAND [ARG]...",
		Short: "Run a command, then upload artifacts if it exited 0",
		Long: `Runs COMMAND (without the store's ML_ARTIFACT_STORE_* variables), and after it
exited 0 uploads each --path to its --key, appending a line per artifact (size
and sha256) to --termination-message-path. Exits with the command's exit code,
or 1 when an upload failed (over --max-bytes, or a path the command did not
write).`,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			ts, err := f.transfers(true)
			if err != nil {
				return err
			}
			store, err := artifacthelper.StoreFromEnv(os.Getenv)
			if err != nil {
				return err
			}
			code, err := artifacthelper.Push(c.Context(), store, ts, maxBytes, terminationPath, args)
			if err != nil {
				fmt.Fprintln(c.ErrOrStderr(), "artifact push:", err)
			}
			if code != 0 {
				os.Exit(code)
			}
			return nil
		},
	}
	f.add(cmd, true)
	cmd.Flags().Int64Var(&maxBytes, "max-bytes", 0, "Largest artifact to upload, in bytes (0: no cap); the server passes its --max-artifact-bytes.")
	cmd.Flags().StringVar(&terminationPath, "termination-message-path", "/dev/termination-log", "Termination message file of the container, to which the results are appended.")
	return cmd
}
