package artifactstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// DefaultSecretName is the Secret that gives a namespace its own S3 store
// (see ConfigFromSecret).
const DefaultSecretName = "ml-artifact-store"

// Default caps (--max-artifact-bytes, --max-artifact-serve-bytes).
const (
	DefaultMaxBytes      = 10 << 30
	DefaultMaxServeBytes = 10 << 20
)

// SecretGetter reads a Secret; a missing one is a NotFound API error.
type SecretGetter func(ctx context.Context, namespace, name string) (*corev1.Secret, error)

// SecretsFromClient reads Secrets with a core client, one GET each (the
// server needs only `get` on Secrets of one name, not list or watch).
func SecretsFromClient(kube kubernetes.Interface) SecretGetter {
	return func(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
		return kube.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	}
}

// ErrNoStore is returned (wrapped) by Resolver.For when a namespace has no
// store: the server has none and the namespace no Secret.
var ErrNoStore = errors.New("no artifact store")

// Resolver picks the store of a namespace: the one the namespace's Secret
// SecretName describes when it exists, otherwise Default. It also carries
// the caps of artifacts, so that whoever stores or serves them finds
// everything in one place. A nil *Resolver has no store.
type Resolver struct {
	// Default is the server's store (--artifact-store); nil means none.
	Default Store
	// Secrets reads the namespaces' Secrets; nil means namespaces cannot
	// have their own store (standalone mode has no Secrets).
	Secrets SecretGetter
	// SecretName is the per-namespace Secret; empty means
	// DefaultSecretName.
	SecretName string
	// MaxBytes caps one artifact (--max-artifact-bytes).
	MaxBytes int64
	// MaxServeBytes caps what GET .../artifacts/NAME streams
	// (--max-artifact-serve-bytes).
	MaxServeBytes int64
	// AllowLocalEndpoints lets a namespace's Secret name a loopback or
	// link-local endpoint (tests with a local S3 server); otherwise the
	// server refuses to connect there.
	AllowLocalEndpoints bool

	mu    sync.Mutex
	cache map[string]cachedStore // by namespace
}

type cachedStore struct {
	resourceVersion string
	store           Store
}

// Close releases what the server's store holds (the root directory of a
// filesystem store); call it once nothing uses the stores any more.
func (r *Resolver) Close() error {
	if r == nil {
		return nil
	}
	if c, ok := r.Default.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Secret is the name of the per-namespace Secret.
func (r *Resolver) Secret() string {
	if r == nil || r.SecretName == "" {
		return DefaultSecretName
	}
	return r.SecretName
}

// For returns the store of namespace. Errors name the Secret: one that
// cannot be read or describes no valid store is an error (not a fallback
// to the server's store, which the team did not ask for).
func (r *Resolver) For(ctx context.Context, namespace string) (Store, error) {
	if r == nil {
		return nil, fmt.Errorf("%w is configured", ErrNoStore)
	}
	if r.Secrets != nil {
		name := r.Secret()
		s, err := r.Secrets(ctx, namespace, name)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return nil, fmt.Errorf("artifact store Secret %s/%s: %w", namespace, name, err)
		default:
			return r.fromSecret(namespace, s)
		}
	}
	if r.Default == nil {
		return nil, fmt.Errorf("%w for namespace %s: the server has none (--artifact-store) and the namespace has no Secret %s", ErrNoStore, namespace, r.Secret())
	}
	return r.Default, nil
}

func (r *Resolver) fromSecret(namespace string, s *corev1.Secret) (Store, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.cache[namespace]; ok && c.resourceVersion == s.ResourceVersion && s.ResourceVersion != "" {
		return c.store, nil
	}
	cfg, err := ConfigFromSecret(s)
	if err != nil {
		return nil, err
	}
	cfg.DenyLocalAddresses = !r.AllowLocalEndpoints
	store, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("artifact store Secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	if r.cache == nil {
		r.cache = map[string]cachedStore{}
	}
	r.cache[namespace] = cachedStore{resourceVersion: s.ResourceVersion, store: store}
	return store, nil
}
