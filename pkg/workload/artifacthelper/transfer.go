package artifacthelper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// Transfer is one artifact to pull or push: its name (push), key and
// local path.
type Transfer struct {
	Name, Key, Path string
}

// Pull installs the running binary at installSelf (when set), for the push
// step of the main container, then downloads each input to its path.
func Pull(ctx context.Context, s artifactstore.Store, inputs []Transfer, installSelf string) error {
	if installSelf != "" {
		if err := installExecutable(installSelf); err != nil {
			return err
		}
	}
	for _, in := range inputs {
		if err := os.MkdirAll(filepath.Dir(in.Path), 0o755); err != nil {
			return err
		}
		if _, err := artifactstore.PullPath(ctx, s, in.Key, in.Path); err != nil {
			return fmt.Errorf("input artifact %s: %w", s.URI(in.Key), err)
		}
	}
	return nil
}

// installExecutable copies the running binary to dst, executable.
func installExecutable(dst string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	in, err := os.Open(self)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// Push runs argv, and after it exited 0 uploads each output (more than
// maxBytes, when >0, fails naming the cap) and appends what it stored to
// the termination message file. It returns the exit code to exit with:
// the command's, or 1 when an upload failed (the error says why, and is
// written to the termination message too).
func Push(ctx context.Context, s artifactstore.Store, outputs []Transfer, maxBytes int64, terminationPath string, argv []string) (int, error) {
	if len(argv) == 0 {
		return 2, errors.New("no command to run after --")
	}
	for _, o := range outputs {
		if err := os.MkdirAll(filepath.Dir(o.Path), 0o777); err != nil {
			return 1, err
		}
	}
	code, err := run(argv)
	if err != nil || code != 0 {
		return code, err
	}
	var lines []string
	for _, o := range outputs {
		info, err := artifactstore.PushPath(ctx, s, o.Key, o.Path, maxBytes)
		switch {
		case errors.Is(err, artifactstore.ErrTooLarge):
			err = fmt.Errorf("output artifact %q is larger than the cap of %d bytes (the server's --max-artifact-bytes)", o.Name, maxBytes)
		case errors.Is(err, os.ErrNotExist):
			err = fmt.Errorf("output artifact %q: the command exited 0 without writing %s ($%s)", o.Name, o.Path, validation.ArtifactEnvName("OUTPUT", o.Name))
		case err != nil:
			err = fmt.Errorf("output artifact %q: %w", o.Name, err)
		}
		if err != nil {
			appendTermination(terminationPath, err.Error())
			return 1, err
		}
		lines = append(lines, workload.FormatArtifactResult(workload.ArtifactResult{Name: o.Name, Key: o.Key, URI: s.URI(o.Key), Size: info.Size, Digest: info.Digest}))
	}
	for _, l := range lines {
		appendTermination(terminationPath, l)
	}
	return 0, nil
}

// run runs argv with the store's variables taken out of the environment,
// passing on SIGTERM and SIGINT, and returns its exit code.
func run(argv []string) (int, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = withoutStoreEnv(os.Environ())
	if err := cmd.Start(); err != nil {
		return 127, fmt.Errorf("start %s: %w", argv[0], err)
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	go func() {
		for sig := range sigs {
			_ = cmd.Process.Signal(sig)
		}
	}()
	err := cmd.Wait()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exitErr):
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return exitErr.ExitCode(), nil
	}
	return 1, err
}

// appendTermination appends a line to the termination message file (no
// file, no message).
func appendTermination(path, line string) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer func() { _ = f.Close() }()
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		_, _ = f.WriteString("\n")
	}
	_, _ = f.WriteString(line)
}
