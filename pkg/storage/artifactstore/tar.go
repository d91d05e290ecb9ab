package artifactstore

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"time"
)

// ReadManifest reads the manifest of the directory artifact at key; the
// returned Info has the manifest's digest, the artifact's. A key without
// one is ErrNotFound.
func ReadManifest(ctx context.Context, s Store, key string) (Manifest, Info, error) {
	return readManifest(ctx, s, key)
}

// ManifestSize is the number of bytes of all files of m.
func ManifestSize(m Manifest) int64 {
	var n int64
	for _, e := range m.Files {
		n += e.Size
	}
	return n
}

// WriteTar writes the directory artifact at key, whose manifest is m, to w
// as a tar archive: its directories and files in the manifest's order,
// with paths relative to the artifact, modes 0755 (directories and
// executables) or 0644, and modTime as every entry's time. Each file is
// checked against its size and sha256 in the manifest as it is written; a
// mismatch stops the archive with an error, so a reader sees it truncated,
// never a wrong file in a complete archive.
func WriteTar(ctx context.Context, w io.Writer, s Store, key string, m Manifest, modTime time.Time) error {
	tw := tar.NewWriter(w)
	for _, e := range m.Files {
		if err := CheckKey(e.Path); err != nil || e.Path == ManifestName {
			return fmt.Errorf("manifest of %s names %q: not a relative path", key, e.Path)
		}
		if e.Dir {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: e.Path + "/", Mode: 0o755, ModTime: modTime, Format: tar.FormatPAX}); err != nil {
				return err
			}
			continue
		}
		if err := writeTarFile(ctx, tw, s, key, e, modTime); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeTarFile(ctx context.Context, tw *tar.Writer, s Store, key string, e ManifestEntry, modTime time.Time) error {
	rc, _, err := s.Get(ctx, key+"/"+e.Path)
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	mode := int64(0o644)
	if e.Executable {
		mode = 0o755
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.Path, Size: e.Size, Mode: mode, ModTime: modTime, Format: tar.FormatPAX}); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), io.LimitReader(rc, e.Size))
	if err != nil {
		return err
	}
	if got := digestOf(h); n != e.Size || (e.Digest != "" && got != e.Digest) {
		return fmt.Errorf("%s/%s: got %d bytes with %s, the manifest records %d bytes with %s", key, e.Path, n, got, e.Size, e.Digest)
	}
	return nil
}
