package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	"ml.example.io/ml-apiserver/pkg/etcdspace"
	"ml.example.io/ml-apiserver/pkg/standalone"
)

// NewEtcdRecoverCommand returns `ml-apiserver etcd-recover`: it frees a
// full embedded etcd (NOSPACE alarm) without losing a key.
func NewEtcdRecoverCommand() *cobra.Command {
	dataDir := options.NewOptions().DataDir
	timeout := 10 * time.Minute
	cmd := &cobra.Command{
		Use:   "etcd-recover",
		Short: "Free a full embedded etcd: compact, defragment, disarm the NOSPACE alarm",
		Long: `When the embedded etcd reaches its space quota it raises the NOSPACE alarm and
refuses every write; /readyz fails with the check etcd-space. This command
compacts the etcd of --data-dir to its current revision (watchers of older
revisions relist), defragments it and disarms the alarm. No object, log or
metric point is deleted. It works on the etcd of a running server, or, when
no server runs on --data-dir, starts that etcd just for the recovery (a
server also does this by itself at start).`,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 0 {
				return fmt.Errorf("unexpected arguments: %v", args)
			}
			if dataDir == "" {
				return errors.New("--data-dir is required")
			}
			ctx, cancel := context.WithTimeout(c.Context(), timeout)
			defer cancel()
			return recoverEtcd(ctx, c.OutOrStdout(), dataDir)
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", dataDir, "Data directory of the server whose embedded etcd to recover.")
	cmd.Flags().DurationVar(&timeout, "timeout", timeout, "Give up after this long (defragmenting a large database takes a while).")
	return cmd
}

func recoverEtcd(ctx context.Context, out io.Writer, dataDir string) error {
	dir := standalone.EmbeddedEtcdDir(dataDir)
	client, endpoint, err := standalone.DialEmbeddedEtcd(ctx, dir)
	if err != nil {
		if locked, lerr := etcdLocked(dir); lerr == nil && locked {
			return fmt.Errorf("a server runs on %s but its etcd cannot be reached: %w", dataDir, err)
		}
		if _, serr := os.Stat(filepath.Join(dir, "data")); serr != nil {
			return fmt.Errorf("no embedded etcd in %s: %w", dataDir, serr)
		}
		fmt.Fprintf(out, "No server runs on %s: starting its etcd to recover it.\n", dataDir)
		etcd, err := standalone.StartEtcd(ctx, standalone.EtcdOptions{Dir: dir})
		if err != nil {
			return err
		}
		defer etcd.Close()
		if r, ok := etcd.RecoveredAtStart(); ok {
			return report(out, r)
		}
		if client, err = etcd.NewClient(); err != nil {
			return err
		}
		endpoint = etcd.ClientURL()
	}
	defer func() { _ = client.Close() }()
	r, err := etcdspace.Recover(ctx, client, endpoint)
	if err != nil {
		return err
	}
	return report(out, r)
}

func report(out io.Writer, r etcdspace.Result) error {
	fmt.Fprintf(out, "Compacted to revision %d and defragmented: database %s -> %s (%s in use, quota %s); disarmed %d NOSPACE alarm(s).\n",
		r.Revision, size(r.SizeBefore), size(r.SizeAfter), size(r.SizeInUse), size(r.Quota), r.Disarmed)
	if r.StillFull() {
		return fmt.Errorf("the keys alone use %s of the %s quota, so etcd will soon be full again: delete objects, "+
			"or restart the server with a larger --embedded-etcd-quota-backend-bytes", size(r.SizeInUse), size(r.Quota))
	}
	return nil
}

// etcdLocked says whether a process holds etcd's database, as a running
// server does (bbolt takes an exclusive flock on it).
func etcdLocked(dir string) (bool, error) {
	f, err := os.Open(filepath.Join(dir, "data", "member", "snap", "db"))
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK), nil
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, nil
}

func size(b int64) string {
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
