package artifactstore

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"k8s.io/klog/v2"
)

const (
	// s3PartSize is the part of multipart uploads: objects up to it go in
	// one request, larger ones stream in parts of it (so up to 160 GiB
	// with S3's 10,000 parts).
	s3PartSize = 16 << 20
	// s3Threads parts are uploaded at once; each holds a buffer of
	// s3PartSize.
	s3Threads = 4
	// digestMeta is the user metadata (x-amz-meta-ml-sha256) that keeps an
	// object's "sha256:<hex>", so Stat returns it without reading it.
	digestMeta = "Ml-Sha256"
)

// S3 is a Store in a bucket of an S3-compatible server, under an optional
// prefix. Every object keeps its sha256 in its user metadata. A file
// larger than one part is hashed, then uploaded with its digest (putFile);
// a stream larger than one part goes up as a multipart upload while its
// sha256 is computed on the way, then a metadata-only copy onto itself
// records the digest.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string // without a trailing "/"
}

var _ Store = &S3{}

// NewS3 returns the S3 store c describes (Type is not checked). It makes
// no request: a wrong endpoint or credential shows on first use.
func NewS3(c Config) (*S3, error) {
	host, secure, err := parseEndpoint(c.Endpoint, c.Insecure)
	if err != nil {
		return nil, err
	}
	prefix, err := checkPrefix(c.Prefix)
	if err != nil {
		return nil, fmt.Errorf("s3 prefix: %w", err)
	}
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("s3 transport: %w", err)
	}
	if c.CAFile != "" || len(c.CAData) > 0 {
		pool, err := caPool(c.CAFile, c.CAData)
		if err != nil {
			return nil, err
		}
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	if c.DenyLocalAddresses {
		denyLocalTransport(tr)
	}
	client, err := minio.New(host, &minio.Options{
		Creds:     credentials.NewStaticV4(c.AccessKeyID, c.SecretAccessKey, ""),
		Secure:    secure,
		Region:    c.Region,
		Transport: tr,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client for %s: %w", c.Endpoint, err)
	}
	return &S3{client: client, bucket: c.Bucket, prefix: prefix}, nil
}

// parseEndpoint accepts host[:port] or an http(s) URL without a path.
func parseEndpoint(endpoint string, insecure bool) (string, bool, error) {
	if !strings.Contains(endpoint, "://") {
		return endpoint, !insecure, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", false, fmt.Errorf("s3 endpoint %q: %w", endpoint, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return "", false, fmt.Errorf("s3 endpoint %q: want host[:port], http://host[:port] or https://host[:port]", endpoint)
	}
	return u.Host, u.Scheme == "https" && !insecure, nil
}

func caPool(file string, data []byte) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("s3 CA file: %w", err)
		}
		data = append(append([]byte{}, data...), b...)
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, errors.New("s3 CA bundle: no PEM certificate found")
	}
	return pool, nil
}

// Client is the underlying client, for tests and benchmarks.
func (s *S3) Client() *minio.Client { return s.client }

// Bucket is the store's bucket.
func (s *S3) Bucket() string { return s.bucket }

// EnsureBucket creates the bucket unless it exists.
func (s *S3) EnsureBucket(ctx context.Context, region string) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("bucket %s: %w", s.bucket, err)
	}
	if ok {
		return nil
	}
	if err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region}); err != nil {
		return fmt.Errorf("create bucket %s: %w", s.bucket, err)
	}
	return nil
}

// object is the object name of key in the bucket.
func (s *S3) object(key string) string {
	if s.prefix == "" {
		return key
	}
	return s.prefix + "/" + key
}

// key is the store key of an object name.
func (s *S3) key(object string) string {
	if s.prefix == "" {
		return object
	}
	return strings.TrimPrefix(object, s.prefix+"/")
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, maxBytes int64) (Info, error) {
	if err := CheckKey(key); err != nil {
		return Info{}, err
	}
	name := s.object(key)
	if f, size := largeFile(r); f != nil {
		return s.putFile(ctx, key, f, size, maxBytes)
	}
	hr := newHashingReader(ctx, r, maxBytes)
	// Read one part: an object that fits goes up in one request that
	// carries its digest.
	buf := getBuf(s3PartSize)
	defer putBuf(buf)
	n, err := io.ReadFull(hr, buf)
	switch {
	case hr.max > 0 && hr.n > hr.max:
		return Info{}, tooLarge(key, maxBytes)
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		digest := hr.digest()
		up, err := s.client.PutObject(ctx, s.bucket, name, bytes.NewReader(buf[:n]), int64(n), minio.PutObjectOptions{
			ContentType:          "application/octet-stream",
			UserMetadata:         map[string]string{digestMeta: digest},
			DisableContentSha256: true,
		})
		if err != nil {
			return Info{}, fmt.Errorf("put %s: %w", s.URI(key), err)
		}
		return Info{Key: key, Size: int64(n), Digest: digest, ModTime: modTime(up.LastModified)}, nil
	case err != nil:
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	up, err := s.client.PutObject(ctx, s.bucket, name, io.MultiReader(bytes.NewReader(buf), hr), -1, minio.PutObjectOptions{
		ContentType:           "application/octet-stream",
		PartSize:              s3PartSize,
		NumThreads:            s3Threads,
		ConcurrentStreamParts: true,
		DisableContentSha256:  true,
	})
	if hr.max > 0 && hr.n > hr.max {
		return Info{}, tooLarge(key, maxBytes)
	}
	if err != nil {
		return Info{}, fmt.Errorf("put %s: %w", s.URI(key), err)
	}
	digest := hr.digest()
	if err := s.setDigest(ctx, name, up.ETag, digest); err != nil {
		// The object is complete; only Stat will not know its digest.
		klog.FromContext(ctx).Error(err, "Could not record the digest of an artifact", "uri", s.URI(key))
	}
	return Info{Key: key, Size: hr.n, Digest: digest, ModTime: modTime(up.LastModified)}, nil
}

// largeFile returns r as an open regular file with more than one part
// (s3PartSize) left to read, and that size; nil otherwise.
func largeFile(r io.Reader) (*os.File, int64) {
	f, ok := r.(*os.File)
	if !ok {
		return nil, 0
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, 0
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil || fi.Size()-off <= s3PartSize {
		return nil, 0
	}
	return f, fi.Size() - off
}

// putFile uploads the size bytes left of the regular file f to key. A file
// can be read twice: the first read, sequential and mostly from the page
// cache, computes the digest, so the upload carries it in its user metadata
// and needs no copy afterwards (which S3 refuses for objects over 5 GiB);
// the upload, of known size, reads its parts with ReadAt, s3Threads at
// once, as FPutObject does. A file that changed between the two reads (its
// size, modification or change time moved) fails the Put and leaves no
// object; a change the times do not show is caught by every download,
// which checks the digest. Like every upload of the store, its payload is
// unsigned (only the headers are): the digest covers the bytes.
func (s *S3) putFile(ctx context.Context, key string, f *os.File, size, maxBytes int64) (Info, error) {
	if maxBytes > 0 && size > maxBytes {
		return Info{}, tooLarge(key, maxBytes)
	}
	before, err := f.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	hr := newHashingReader(ctx, io.NewSectionReader(f, off, size), 0)
	buf := getBuf(copyBufSize)
	n, err := io.CopyBuffer(io.Discard, hr, buf)
	putBuf(buf)
	if err != nil {
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	if n != size {
		return Info{}, fmt.Errorf("put %s: read %d bytes of a file of %d", key, n, size)
	}
	digest := hr.digest()
	name := s.object(key)
	up, err := s.client.PutObject(ctx, s.bucket, name, io.NewSectionReader(f, off, size), size, minio.PutObjectOptions{
		ContentType:          "application/octet-stream",
		UserMetadata:         map[string]string{digestMeta: digest},
		PartSize:             s3PartSize,
		NumThreads:           s3Threads,
		DisableContentSha256: true,
	})
	if err != nil {
		return Info{}, fmt.Errorf("put %s: %w", s.URI(key), err)
	}
	if after, err := f.Stat(); err != nil || changed(before, after) {
		_ = s.client.RemoveObject(context.WithoutCancel(ctx), s.bucket, name, minio.RemoveObjectOptions{})
		return Info{}, fmt.Errorf("put %s: the file changed while it was uploaded", s.URI(key))
	}
	return Info{Key: key, Size: size, Digest: digest, ModTime: modTime(up.LastModified)}, nil
}

// changed says whether a file's size, modification or change time differ
// between two stats.
func changed(before, after os.FileInfo) bool {
	if before.Size() != after.Size() || !before.ModTime().Equal(after.ModTime()) {
		return true
	}
	b, ok1 := changeTime(before)
	a, ok2 := changeTime(after)
	return ok1 && ok2 && !b.Equal(a)
}

// setDigest records digest in the user metadata of the object name, if it
// is still the one uploaded (etag), by a metadata-only copy onto itself.
func (s *S3) setDigest(ctx context.Context, name, etag, digest string) error {
	_, err := s.client.CopyObject(ctx,
		minio.CopyDestOptions{
			Bucket:          s.bucket,
			Object:          name,
			ReplaceMetadata: true,
			UserMetadata:    map[string]string{digestMeta: digest},
		},
		minio.CopySrcOptions{Bucket: s.bucket, Object: name, MatchETag: etag})
	if err != nil {
		return fmt.Errorf("record digest of s3://%s/%s: %w", s.bucket, name, err)
	}
	return nil
}

func modTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// info converts a stat of object name at key.
func (s *S3) info(key string, oi minio.ObjectInfo) Info {
	var digest string
	for k, v := range oi.UserMetadata {
		if strings.EqualFold(k, digestMeta) || strings.EqualFold(k, "X-Amz-Meta-"+digestMeta) {
			digest = v
		}
	}
	return Info{Key: key, Size: oi.Size, Digest: digest, ModTime: oi.LastModified}
}

// s3Error maps a missing object to ErrNotFound.
func (s *S3) s3Error(op, key string, err error) error {
	switch minio.ToErrorResponse(err).Code {
	case minio.NoSuchKey, "NotFound":
		return fmt.Errorf("%w: %s", ErrNotFound, s.URI(key))
	}
	return fmt.Errorf("%s %s: %w", op, s.URI(key), err)
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := CheckKey(key); err != nil {
		return nil, Info{}, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.object(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, s.s3Error("get", key, err)
	}
	oi, err := obj.Stat()
	if err != nil {
		_ = obj.Close()
		return nil, Info{}, s.s3Error("get", key, err)
	}
	return obj, s.info(key, oi), nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := CheckKey(key); err != nil {
		return Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, s.object(key), minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s.s3Error("stat", key, err)
	}
	return s.info(key, oi), nil
}

// list returns the object names of the subtree p (a checked prefix).
func (s *S3) list(ctx context.Context, p string) ([]string, error) {
	listPrefix := s.prefix
	if p != "" {
		listPrefix = s.object(p)
	} else if listPrefix != "" {
		listPrefix += "/"
	}
	var names []string
	for oi := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: listPrefix, Recursive: true}) {
		if oi.Err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", s.bucket, listPrefix, oi.Err)
		}
		if inSubtree(s.key(oi.Key), p) && !strings.HasSuffix(oi.Key, "/") {
			names = append(names, oi.Key)
		}
	}
	sort.Strings(names)
	return names, nil
}

// List implements Store. It asks for each object's metadata, which holds
// its digest.
func (s *S3) List(ctx context.Context, prefix string) ([]Info, error) {
	p, err := checkPrefix(prefix)
	if err != nil {
		return nil, err
	}
	names, err := s.list(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]Info, 0, len(names))
	for _, name := range names {
		info, err := s.Stat(ctx, s.key(name))
		if errors.Is(err, ErrNotFound) {
			continue // deleted while listing
		}
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// DeletePrefix implements Store.
func (s *S3) DeletePrefix(ctx context.Context, prefix string) error {
	p, err := checkPrefix(prefix)
	if err != nil {
		return err
	}
	names, err := s.list(ctx, p)
	if err != nil {
		return err
	}
	objs := make(chan minio.ObjectInfo, len(names))
	for _, name := range names {
		objs <- minio.ObjectInfo{Key: name}
	}
	close(objs)
	var errs []error
	for re := range s.client.RemoveObjectsWithResult(ctx, s.bucket, objs, minio.RemoveObjectsOptions{}) {
		if re.Err != nil && minio.ToErrorResponse(re.Err).Code != minio.NoSuchKey {
			errs = append(errs, fmt.Errorf("delete s3://%s/%s: %w", s.bucket, re.ObjectName, re.Err))
		}
	}
	return errors.Join(errs...)
}

// URI implements Store: s3://bucket/prefix/key.
func (s *S3) URI(key string) string {
	return "s3://" + path.Join(s.bucket, s.object(key))
}
