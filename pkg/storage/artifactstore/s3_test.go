package artifactstore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore/s3test"
)

// TestS3 runs the store against a real SeaweedFS with credentials.
func TestS3(t *testing.T) {
	srv := s3test.Start(t, s3test.Options{AccessKeyID: "ml-test", SecretAccessKey: "ml-test-secret-key"})
	srv.MakeBucket(t, "artifacts")
	cfg := Config{Type: TypeS3, Endpoint: "http://" + srv.Endpoint, Bucket: "artifacts", Prefix: "tenant/a",
		AccessKeyID: srv.AccessKeyID, SecretAccessKey: srv.SecretAccessKey}
	st, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*S3)
	testStore(t, s)

	t.Run("LargeFile", func(t *testing.T) {
		// A file of several parts goes up with its digest in the user
		// metadata (no copy afterwards) and comes down byte-identical, its
		// digest checked.
		ctx := context.Background()
		dir := t.TempDir()
		data := randomBytes(t, 5*s3PartSize+s3PartSize/2)
		src := filepath.Join(dir, "model.bin")
		if err := os.WriteFile(src, data, 0o600); err != nil {
			t.Fatal(err)
		}
		key := Key("team-a", "trainingjobs", "job", "0c1d", "master", "model")
		info, err := PushPath(ctx, s, key, src, int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != int64(len(data)) || info.Digest != digestString(data) {
			t.Errorf("pushed %d bytes with %s, want %d with %s", info.Size, info.Digest, len(data), digestString(data))
		}
		oi, err := s.Client().StatObject(ctx, "artifacts", "tenant/a/"+key, minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := oi.UserMetadata[digestMeta]; got != digestString(data) {
			t.Errorf("user metadata %s = %q, want the digest", digestMeta, got)
		}
		out := filepath.Join(dir, "pulled.bin")
		if _, err := PullPath(ctx, s, key, out); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, data) {
			t.Errorf("pulled %d bytes (%v), not the %d pushed", len(got), err, len(data))
		}
		if _, err := PushPath(ctx, s, key, src, int64(len(data))-1); !errors.Is(err, ErrTooLarge) {
			t.Errorf("push over the cap: %v, want ErrTooLarge", err)
		}
		if err := s.DeletePrefix(ctx, "team-a"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Layout", func(t *testing.T) {
		ctx := context.Background()
		key := Key("team-a", "pipelineruns", "run", "0c1d", "prepare", "dataset")
		if _, err := s.Put(ctx, key, strings.NewReader("rows"), 0); err != nil {
			t.Fatal(err)
		}
		want := "tenant/a/team-a/pipelineruns/run/0c1d/prepare/dataset"
		if got := s.URI(key); got != "s3://artifacts/"+want {
			t.Errorf("URI = %s, want s3://artifacts/%s", got, want)
		}
		oi, err := s.Client().StatObject(ctx, "artifacts", want, minio.StatObjectOptions{})
		if err != nil {
			t.Fatalf("the object is not at the documented name: %v", err)
		}
		if got := oi.UserMetadata[digestMeta]; got != digestString([]byte("rows")) {
			t.Errorf("user metadata %s = %q, want the digest; all: %v", digestMeta, got, oi.UserMetadata)
		}
		if err := s.DeletePrefix(ctx, OwnerPrefix("team-a", "pipelineruns", "run", "0c1d")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("after DeletePrefix of the owner: %v, want ErrNotFound", err)
		}
	})

	t.Run("Credentials", func(t *testing.T) {
		ctx := context.Background()
		for name, c := range map[string]Config{
			"wrong secret": {AccessKeyID: srv.AccessKeyID, SecretAccessKey: "not-the-secret"},
			"unknown key":  {AccessKeyID: "someone", SecretAccessKey: "ml-test-secret-key"},
			"anonymous":    {},
		} {
			c.Type, c.Endpoint, c.Bucket, c.Insecure = TypeS3, srv.Endpoint, "artifacts", true
			bad, err := New(c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := bad.Put(ctx, "ns/x", strings.NewReader("x"), 0); err == nil {
				t.Errorf("%s: Put succeeded", name)
			} else if code := minio.ToErrorResponse(errors.Unwrap(err)).Code; code != "AccessDenied" && code != "SignatureDoesNotMatch" && code != "InvalidAccessKeyId" {
				t.Errorf("%s: Put failed with %v (code %q), want a refused credential", name, err, code)
			}
			if _, err := bad.Stat(ctx, "ns/x"); err == nil || errors.Is(err, ErrNotFound) {
				t.Errorf("%s: Stat: %v, want a refusal", name, err)
			}
		}
	})
}
