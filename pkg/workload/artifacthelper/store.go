package artifacthelper

import (
	"fmt"
	"strconv"
	"strings"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

// Environment variables that configure the store of the helper, each from
// the key of the artifact store Secret named in its comment.
const (
	EnvPrefix          = "ML_ARTIFACT_STORE_"
	EnvType            = EnvPrefix + "TYPE"              // "s3" (default) or "filesystem"
	EnvRoot            = EnvPrefix + "ROOT"              // root of a filesystem store
	EnvEndpoint        = EnvPrefix + "ENDPOINT"          // endpoint
	EnvBucket          = EnvPrefix + "BUCKET"            // bucket
	EnvS3Prefix        = EnvPrefix + "PREFIX"            // prefix
	EnvRegion          = EnvPrefix + "REGION"            // region
	EnvInsecure        = EnvPrefix + "INSECURE"          // insecure
	EnvAccessKeyID     = EnvPrefix + "ACCESS_KEY_ID"     // accessKeyID
	EnvSecretAccessKey = EnvPrefix + "SECRET_ACCESS_KEY" // secretAccessKey
	EnvCA              = EnvPrefix + "CA"                // ca.crt
)

// SecretEnv maps each variable to the key of the Secret it comes from.
var SecretEnv = []struct{ Env, Key string }{
	{EnvEndpoint, artifactstore.SecretKeyEndpoint},
	{EnvBucket, artifactstore.SecretKeyBucket},
	{EnvS3Prefix, artifactstore.SecretKeyPrefix},
	{EnvRegion, artifactstore.SecretKeyRegion},
	{EnvInsecure, artifactstore.SecretKeyInsecure},
	{EnvAccessKeyID, artifactstore.SecretKeyAccessKeyID},
	{EnvSecretAccessKey, artifactstore.SecretKeySecretAccessKey},
	{EnvCA, artifactstore.SecretKeyCA},
}

// StoreFromEnv opens the store the environment describes.
func StoreFromEnv(getenv func(string) string) (artifactstore.Store, error) {
	c := artifactstore.Config{Type: getenv(EnvType)}
	if c.Type == "" {
		c.Type = artifactstore.TypeS3
	}
	c.Root = getenv(EnvRoot)
	c.Endpoint, c.Bucket, c.Prefix, c.Region = getenv(EnvEndpoint), getenv(EnvBucket), getenv(EnvS3Prefix), getenv(EnvRegion)
	c.AccessKeyID, c.SecretAccessKey = getenv(EnvAccessKeyID), getenv(EnvSecretAccessKey)
	if v := getenv(EnvInsecure); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%s: want true or false, got %q", EnvInsecure, v)
		}
		c.Insecure = b
	}
	if ca := getenv(EnvCA); ca != "" {
		c.CAData = []byte(ca)
	}
	s, err := artifactstore.New(c)
	if err != nil {
		return nil, fmt.Errorf("artifact store from %s*: %w", EnvPrefix, err)
	}
	return s, nil
}

// withoutStoreEnv is env without the store's variables, for the command
// the push step runs.
func withoutStoreEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, EnvPrefix) {
			out = append(out, kv)
		}
	}
	return out
}
