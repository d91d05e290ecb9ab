package artifactstore

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Keys of a Secret describing a namespace's S3 store (ConfigFromSecret).
const (
	SecretKeyEndpoint        = "endpoint"
	SecretKeyBucket          = "bucket"
	SecretKeyPrefix          = "prefix"
	SecretKeyRegion          = "region"
	SecretKeyAccessKeyID     = "accessKeyID"
	SecretKeySecretAccessKey = "secretAccessKey"
	SecretKeyInsecure        = "insecure"
	SecretKeyCA              = "ca.crt"
)

// ConfigFromSecret reads the S3 store a namespace's Secret describes: keys
// endpoint and bucket (required), prefix, region, accessKeyID and
// secretAccessKey (both or neither), insecure ("true" for plain HTTP) and
// ca.crt (PEM). Errors name the Secret and the key. A Secret can only
// describe an S3 store: a filesystem store on the server's host is the
// server's own choice.
func ConfigFromSecret(s *corev1.Secret) (Config, error) {
	name := s.Namespace + "/" + s.Name
	get := func(k string) string {
		if v, ok := s.Data[k]; ok {
			return strings.TrimSpace(string(v))
		}
		return strings.TrimSpace(s.StringData[k])
	}
	c := Config{
		Type:            TypeS3,
		Endpoint:        get(SecretKeyEndpoint),
		Bucket:          get(SecretKeyBucket),
		Prefix:          get(SecretKeyPrefix),
		Region:          get(SecretKeyRegion),
		AccessKeyID:     get(SecretKeyAccessKeyID),
		SecretAccessKey: get(SecretKeySecretAccessKey),
	}
	for _, k := range []struct{ key, v string }{{SecretKeyEndpoint, c.Endpoint}, {SecretKeyBucket, c.Bucket}} {
		if k.v == "" {
			return Config{}, fmt.Errorf("artifact store Secret %s: missing key %q", name, k.key)
		}
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		missing := SecretKeyAccessKeyID
		if c.SecretAccessKey == "" {
			missing = SecretKeySecretAccessKey
		}
		return Config{}, fmt.Errorf("artifact store Secret %s: missing key %q (accessKeyID and secretAccessKey go together)", name, missing)
	}
	if v := get(SecretKeyInsecure); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("artifact store Secret %s: key %q: want true or false, got %q", name, SecretKeyInsecure, v)
		}
		c.Insecure = b
	}
	if ca := s.Data[SecretKeyCA]; len(ca) > 0 {
		c.CAData = ca
	} else if ca := s.StringData[SecretKeyCA]; ca != "" {
		c.CAData = []byte(ca)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("artifact store Secret %s: %w", name, err)
	}
	return c, nil
}
