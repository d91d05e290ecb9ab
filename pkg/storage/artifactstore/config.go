package artifactstore

import (
	"errors"
	"fmt"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// Store types of Config.Type.
const (
	TypeFilesystem = "filesystem"
	TypeS3         = "s3"
)

// Config describes a store.
type Config struct {
	// Type is "filesystem" or "s3".
	Type string
	// Root is the directory of a filesystem store.
	Root string
	// Endpoint (host[:port], or a URL whose scheme sets Insecure), Bucket,
	// Prefix (optional, within the bucket) and Region (optional) locate an
	// S3 store.
	Endpoint, Bucket, Prefix, Region string
	// AccessKeyID and SecretAccessKey are the S3 credentials; both empty
	// means anonymous requests.
	AccessKeyID, SecretAccessKey string
	// Insecure speaks plain HTTP to the S3 endpoint.
	Insecure bool
	// CAFile is a PEM bundle trusted for the S3 endpoint's certificate, in
	// addition to the system roots; CAData the same bundle inline (from a
	// Secret's ca.crt).
	CAFile string
	CAData []byte
	// DenyLocalAddresses refuses to connect to loopback, link-local and
	// multicast addresses (stores from namespaces' Secrets).
	DenyLocalAddresses bool
}

// Validate checks the fields the type needs.
func (c Config) Validate() error {
	var errs []error
	switch c.Type {
	case TypeFilesystem:
		if c.Root == "" {
			errs = append(errs, errors.New("a filesystem artifact store needs a root directory"))
		}
	case TypeS3:
		if c.Endpoint == "" {
			errs = append(errs, errors.New("an s3 artifact store needs an endpoint"))
		}
		if c.Bucket == "" {
			errs = append(errs, errors.New("an s3 artifact store needs a bucket"))
		} else if err := s3utils.CheckValidBucketName(c.Bucket); err != nil {
			errs = append(errs, fmt.Errorf("s3 bucket %q: %w", c.Bucket, err))
		}
		if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
			errs = append(errs, errors.New("an s3 artifact store needs both accessKeyID and secretAccessKey, or neither"))
		}
		if c.Prefix != "" {
			if _, err := checkPrefix(c.Prefix); err != nil {
				errs = append(errs, fmt.Errorf("s3 prefix: %w", err))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("unknown artifact store type %q (known: %s, %s)", c.Type, TypeFilesystem, TypeS3))
	}
	return errors.Join(errs...)
}

// New returns the store c describes.
func New(c Config) (Store, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	switch c.Type {
	case TypeFilesystem:
		return NewFilesystem(c.Root)
	default:
		return NewS3(c)
	}
}
