package options

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"k8s.io/client-go/kubernetes"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

// Flag names of the artifact store.
const (
	FlagArtifactStore         = "artifact-store"
	FlagMaxArtifactBytes      = "max-artifact-bytes"
	FlagMaxArtifactServeBytes = "max-artifact-serve-bytes"
)

// ArtifactOptions say where the artifacts of tasks and TrainingJobs are
// kept and how large they may be.
type ArtifactOptions struct {
	// Store is "filesystem", "s3" or "none"; empty means filesystem in
	// standalone mode and none in aggregated mode (where pods on other
	// nodes cannot read the server's disk).
	Store string
	// Dir is the root of the filesystem store; empty means
	// <data-dir>/artifacts.
	Dir string
	// S3Endpoint, S3Bucket, S3Prefix, S3Region, S3Insecure and S3CAFile
	// locate the s3 store.
	S3Endpoint, S3Bucket, S3Prefix, S3Region string
	S3Insecure                               bool
	S3CAFile                                 string
	// S3CredentialsFile holds accessKeyID=… and secretAccessKey=… lines;
	// empty means anonymous requests.
	S3CredentialsFile string
	// SecretName is the Secret that gives a namespace its own S3 store
	// (aggregated mode).
	SecretName string
	// SecretAllowLocalEndpoints lets those Secrets name loopback and
	// link-local endpoints (tests with a local S3 server).
	SecretAllowLocalEndpoints bool
	// MaxBytes caps one artifact; MaxServeBytes what GET .../artifacts/NAME
	// streams.
	MaxBytes, MaxServeBytes int64
}

// NewArtifactOptions returns the defaults.
func NewArtifactOptions() *ArtifactOptions {
	return &ArtifactOptions{
		SecretName:    artifactstore.DefaultSecretName,
		MaxBytes:      artifactstore.DefaultMaxBytes,
		MaxServeBytes: artifactstore.DefaultMaxServeBytes,
	}
}

// AddFlags adds the flags of the artifact store to fs.
func (o *ArtifactOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Store, FlagArtifactStore, o.Store,
		"Where task and TrainingJob artifacts are kept: filesystem (under --artifact-dir; standalone mode only), s3 (--artifact-s3-*), or none. "+
			"Default: filesystem in standalone mode, none in aggregated mode (each namespace then needs its Secret --artifact-store-secret-name).")
	fs.StringVar(&o.Dir, "artifact-dir", o.Dir, "Root of the filesystem artifact store (default <data-dir>/artifacts).")
	fs.StringVar(&o.S3Endpoint, "artifact-s3-endpoint", o.S3Endpoint,
		"S3 endpoint of --artifact-store=s3: host[:port], https://host[:port], or http://host[:port] for plain HTTP.")
	fs.StringVar(&o.S3Bucket, "artifact-s3-bucket", o.S3Bucket, "Bucket of --artifact-store=s3; it must exist.")
	fs.StringVar(&o.S3Prefix, "artifact-s3-prefix", o.S3Prefix, "Key prefix inside the bucket (optional).")
	fs.StringVar(&o.S3Region, "artifact-s3-region", o.S3Region, "Region of the bucket (optional; found from the server when empty).")
	fs.BoolVar(&o.S3Insecure, "artifact-s3-insecure", o.S3Insecure, "Speak plain HTTP to --artifact-s3-endpoint (test servers only).")
	fs.StringVar(&o.S3CAFile, "artifact-s3-ca-file", o.S3CAFile, "PEM bundle trusted for the S3 endpoint's certificate, besides the system roots.")
	fs.StringVar(&o.S3CredentialsFile, "artifact-s3-credentials-file", o.S3CredentialsFile,
		"File with the S3 credentials as lines accessKeyID=... and secretAccessKey=... (default: anonymous requests).")
	fs.StringVar(&o.SecretName, "artifact-store-secret-name", o.SecretName,
		"Aggregated mode: a Secret of this name in a namespace (keys endpoint, bucket, prefix, region, accessKeyID, secretAccessKey, insecure, ca.crt) "+
			"gives that namespace its own S3 store instead of the server's.")
	fs.BoolVar(&o.SecretAllowLocalEndpoints, "artifact-store-secret-allow-local-endpoints", o.SecretAllowLocalEndpoints,
		"Let a namespace's artifact store Secret name a loopback or link-local endpoint (the server's own host, the cloud metadata address). "+
			"Off by default: such connections are refused. For test clusters with a local S3 server.")
	fs.Int64Var(&o.MaxBytes, FlagMaxArtifactBytes, o.MaxBytes,
		"Largest artifact (a file, or all files of a directory) in bytes; an upload past it fails naming this cap. Default 10 GiB.")
	fs.Int64Var(&o.MaxServeBytes, FlagMaxArtifactServeBytes, o.MaxServeBytes,
		"Largest artifact that GET .../artifacts/NAME streams, in bytes; larger ones are downloaded from the store. Default 10 MiB.")
}

// store is the type the options select in the mode.
func (o *ArtifactOptions) store(standalone bool) string {
	if o.Store != "" {
		return o.Store
	}
	if standalone {
		return artifactstore.TypeFilesystem
	}
	return "none"
}

// Validate checks the flags for the mode.
func (o *ArtifactOptions) Validate(standalone bool) []error {
	var errs []error
	switch o.store(standalone) {
	case "none":
	case artifactstore.TypeFilesystem:
		if !standalone {
			errs = append(errs, fmt.Errorf("--%s=filesystem needs --standalone: pods on other nodes cannot read the server's disk; use s3", FlagArtifactStore))
		}
	case artifactstore.TypeS3:
		if o.S3Endpoint == "" || o.S3Bucket == "" {
			errs = append(errs, fmt.Errorf("--%s=s3 needs --artifact-s3-endpoint and --artifact-s3-bucket", FlagArtifactStore))
		}
	default:
		errs = append(errs, fmt.Errorf("--%s must be filesystem, s3 or none, got %q", FlagArtifactStore, o.Store))
	}
	if o.MaxBytes < 1 {
		errs = append(errs, fmt.Errorf("--%s must be positive, got %d", FlagMaxArtifactBytes, o.MaxBytes))
	}
	if o.MaxServeBytes < 1 {
		errs = append(errs, fmt.Errorf("--%s must be positive, got %d", FlagMaxArtifactServeBytes, o.MaxServeBytes))
	}
	if o.SecretName == "" {
		errs = append(errs, errors.New("--artifact-store-secret-name must not be empty"))
	}
	return errs
}

// StoreConfig is the server's store; ok is false for none.
func (o *ArtifactOptions) StoreConfig(standalone bool, dataDir string) (artifactstore.Config, bool, error) {
	switch o.store(standalone) {
	case artifactstore.TypeFilesystem:
		dir := o.Dir
		if dir == "" {
			dir = filepath.Join(dataDir, "artifacts")
		}
		return artifactstore.Config{Type: artifactstore.TypeFilesystem, Root: dir}, true, nil
	case artifactstore.TypeS3:
		c := artifactstore.Config{
			Type: artifactstore.TypeS3, Endpoint: o.S3Endpoint, Bucket: o.S3Bucket, Prefix: o.S3Prefix,
			Region: o.S3Region, Insecure: o.S3Insecure, CAFile: o.S3CAFile,
		}
		if o.S3CredentialsFile != "" {
			var err error
			if c.AccessKeyID, c.SecretAccessKey, err = readS3Credentials(o.S3CredentialsFile); err != nil {
				return artifactstore.Config{}, false, err
			}
		}
		return c, true, nil
	}
	return artifactstore.Config{}, false, nil
}

// Resolver builds the artifact stores: the server's own and, with a core
// client (aggregated mode), the namespaces' from their Secrets.
func (o *ArtifactOptions) Resolver(standalone bool, dataDir string, kube kubernetes.Interface) (*artifactstore.Resolver, error) {
	r := &artifactstore.Resolver{SecretName: o.SecretName, MaxBytes: o.MaxBytes, MaxServeBytes: o.MaxServeBytes,
		AllowLocalEndpoints: o.SecretAllowLocalEndpoints}
	cfg, ok, err := o.StoreConfig(standalone, dataDir)
	if err != nil {
		return nil, err
	}
	if ok {
		if r.Default, err = artifactstore.New(cfg); err != nil {
			return nil, fmt.Errorf("artifact store: %w", err)
		}
	}
	if kube != nil {
		r.Secrets = artifactstore.SecretsFromClient(kube)
	}
	return r, nil
}

// readS3Credentials reads accessKeyID=… and secretAccessKey=… lines ("#"
// comments and blank lines allowed).
func readS3Credentials(path string) (string, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("--artifact-s3-credentials-file: %w", err)
	}
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || (k != artifactstore.SecretKeyAccessKeyID && k != artifactstore.SecretKeySecretAccessKey) {
			return "", "", fmt.Errorf("--artifact-s3-credentials-file %s line %d: want accessKeyID=<key> or secretAccessKey=<secret>", path, n)
		}
		vals[k] = strings.TrimSpace(v)
	}
	ak, sk := vals[artifactstore.SecretKeyAccessKeyID], vals[artifactstore.SecretKeySecretAccessKey]
	if ak == "" || sk == "" {
		return "", "", fmt.Errorf("--artifact-s3-credentials-file %s: needs both accessKeyID and secretAccessKey", path)
	}
	return ak, sk, nil
}
