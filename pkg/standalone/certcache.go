package standalone

import (
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"strings"
	"time"

	utilcache "k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/utils/clock"
)

// DefaultCertCacheTTL is how long a verified client certificate is trusted
// without verifying its chain again: the TTL kube-apiserver's token cache
// uses for successful authentications.
const DefaultCertCacheTTL = 10 * time.Second

// certCacheSize bounds the cache: the admin and the metrics writers of the
// objects that run at the same time.
const certCacheSize = 4096

// WithCertCache wraps an authenticator whose answer depends only on the
// request's client certificate chain (standalone mode: x509 client
// certificates, no tokens, no front proxy) with a cache of its successful
// answers, keyed by the chain's bytes. Verifying a chain costs an ECDSA
// signature check per certificate on every request — on a busy server a
// tenth of the CPU of a create — although a client sends the same
// certificate on every request of its connection.
//
// An answer is kept for ttl at most and never past the certificate's
// NotAfter. Failures, anonymous answers and requests with a bearer token
// (which a token authenticator could answer) are not cached, so a removed
// CA stops admitting its certificates within ttl.
func WithCertCache(a authenticator.Request, ttl time.Duration) authenticator.Request {
	return withCertCache(a, ttl, clock.RealClock{})
}

func withCertCache(a authenticator.Request, ttl time.Duration, c clock.Clock) authenticator.Request {
	if a == nil {
		return nil
	}
	return &certCache{inner: a, ttl: ttl, clock: c, cache: utilcache.NewLRUExpireCacheWithClock(certCacheSize, c)}
}

type certCache struct {
	inner authenticator.Request
	ttl   time.Duration
	clock clock.Clock
	cache *utilcache.LRUExpireCache
}

// AuthenticateRequest answers from the cache when the same chain was
// verified less than ttl ago.
func (c *certCache) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	key, ok := chainKey(req)
	if !ok {
		return c.inner.AuthenticateRequest(req)
	}
	if v, hit := c.cache.Get(key); hit {
		resp := *v.(*authenticator.Response)
		return &resp, true, nil
	}
	resp, ok, err := c.inner.AuthenticateRequest(req)
	if err != nil || !ok || resp == nil || resp.User == nil || resp.User.GetName() == user.Anonymous {
		return resp, ok, err
	}
	ttl := c.ttl
	if left := req.TLS.PeerCertificates[0].NotAfter.Sub(c.clock.Now()); left < ttl {
		ttl = left
	}
	if ttl > 0 {
		kept := *resp
		c.cache.Add(key, &kept, ttl)
	}
	return resp, ok, err
}

// chainKey is the SHA-256 of the request's client certificate chain, when
// the request is authenticated by that chain alone: it carries no bearer
// token (in the Authorization header, or in the WebSocket protocol header
// as kube-apiserver's clients send it), which a token authenticator could
// answer when the chain is refused.
func chainKey(req *http.Request) ([sha256.Size]byte, bool) {
	if req.TLS == nil || len(req.TLS.PeerCertificates) == 0 || req.Header.Get("Authorization") != "" || hasWebSocketToken(req) {
		return [sha256.Size]byte{}, false
	}
	h := sha256.New()
	var n [8]byte
	for _, cert := range req.TLS.PeerCertificates {
		binary.BigEndian.PutUint64(n[:], uint64(len(cert.Raw)))
		h.Write(n[:])
		h.Write(cert.Raw)
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key, true
}

// webSocketTokenProtocol is the prefix of the WebSocket subprotocol that
// carries a bearer token (k8s.io/apiserver/pkg/authentication/request/websocket).
const webSocketTokenProtocol = "base64url.bearer.authorization.k8s.io."

func hasWebSocketToken(req *http.Request) bool {
	for _, v := range req.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if strings.HasPrefix(strings.TrimSpace(p), webSocketTokenProtocol) {
				return true
			}
		}
	}
	return false
}
