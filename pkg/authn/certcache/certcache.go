// Package certcache keeps the answers of an authenticator for requests
// authenticated by their client certificate chain, so that the chain is not
// verified again on every request of a connection.
package certcache

import (
	"crypto/sha256"
	"encoding/binary"
	"net/http"
	"slices"
	"strings"
	"time"

	utilcache "k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	"k8s.io/apiserver/pkg/authentication/request/headerrequest"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/utils/clock"
)

// DefaultTTL is how long a verified client certificate is trusted without
// verifying its chain again: the TTL kube-apiserver's token cache uses for
// successful authentications.
const DefaultTTL = 10 * time.Second

// size bounds the cache: the clients (the admin, a front proxy, the
// metrics writers of running objects) and, behind a front proxy, the users
// it forwards.
const size = 4096

// New wraps an authenticator (the delegating authenticator: a front proxy's
// request headers, x509 client certificates, bearer tokens) with a cache of
// its successful answers to requests that carry a client certificate chain
// and no bearer token. Verifying a chain costs an ECDSA signature check per
// certificate on every request — on a busy server a tenth of the CPU of a
// create — although a client sends the same certificate on every request
// of its connection.
//
// The key is the chain's bytes and, when requestHeader is set, the values of
// every header the front-proxy authenticator reads (user, uid, groups and
// extras), so each user a front proxy forwards has an entry of its own.
// An answer is kept for ttl at most and never past the certificate's
// NotAfter. Failures, anonymous answers and requests with a bearer token
// (which a token authenticator could answer) are not cached, so a removed
// CA stops admitting its certificates within ttl.
func New(a authenticator.Request, requestHeader *authenticatorfactory.RequestHeaderConfig, ttl time.Duration) authenticator.Request {
	return newWithClock(a, requestHeader, ttl, clock.RealClock{})
}

func newWithClock(a authenticator.Request, requestHeader *authenticatorfactory.RequestHeaderConfig, ttl time.Duration, c clock.Clock) authenticator.Request {
	if a == nil {
		return nil
	}
	return &certCache{inner: a, requestHeader: requestHeader, ttl: ttl, clock: c, cache: utilcache.NewLRUExpireCacheWithClock(size, c)}
}

type certCache struct {
	inner         authenticator.Request
	requestHeader *authenticatorfactory.RequestHeaderConfig
	ttl           time.Duration
	clock         clock.Clock
	cache         *utilcache.LRUExpireCache
}

// AuthenticateRequest answers from the cache when the same chain was
// verified less than ttl ago.
func (c *certCache) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	key, ok := c.key(req)
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

// key is the SHA-256 of the request's client certificate chain and of the
// front-proxy headers, when the request is authenticated by them alone: it
// carries no bearer token (in the Authorization header, or in the
// WebSocket protocol header as kube-apiserver's clients send it), which a
// token authenticator could answer when the chain is refused.
func (c *certCache) key(req *http.Request) ([sha256.Size]byte, bool) {
	if req.TLS == nil || len(req.TLS.PeerCertificates) == 0 || req.Header.Get("Authorization") != "" || hasWebSocketToken(req) {
		return [sha256.Size]byte{}, false
	}
	h := sha256.New()
	write := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, cert := range req.TLS.PeerCertificates {
		write(cert.Raw)
	}
	if rh := c.requestHeader; rh != nil {
		write([]byte("headers"))
		for _, names := range []headerrequest.StringSliceProvider{rh.UsernameHeaders, rh.UIDHeaders, rh.GroupHeaders} {
			for _, name := range values(names) {
				write([]byte(name))
				for _, v := range req.Header.Values(name) {
					write([]byte(v))
				}
			}
		}
		if prefixes := values(rh.ExtraHeaderPrefixes); len(prefixes) > 0 {
			var names []string
			for name := range req.Header {
				for _, p := range prefixes {
					if len(name) >= len(p) && strings.EqualFold(name[:len(p)], p) {
						names = append(names, name)
						break
					}
				}
			}
			slices.Sort(names)
			for _, name := range names {
				write([]byte(name))
				for _, v := range req.Header[name] {
					write([]byte(v))
				}
			}
		}
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key, true
}

func values(p headerrequest.StringSliceProvider) []string {
	if p == nil {
		return nil
	}
	return p.Value()
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
