package artifactstore

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// denyLocalTransport makes tr refuse loopback, link-local (the cloud
// metadata address among them), unspecified and multicast endpoints, for
// a store a namespace's Secret names. Without a proxy the dial checks the
// address it connects to (so a name that resolves there is refused too).
// Through a proxy of the server's environment (HTTPS_PROXY, HTTP_PROXY,
// NO_PROXY, read when the store is made) the dial reaches the proxy, which
// the server's administrator chose and which may be local, and the
// endpoint's own addresses are checked before the request is handed to
// it: the proxy resolves the name again, so a name whose DNS answer
// changes in between (rebinding) is the proxy's to refuse.
func denyLocalTransport(tr *http.Transport) {
	cfg := httpproxy.FromEnvironment()
	proxyFor := cfg.ProxyFunc()
	proxies := map[string]bool{}
	for _, p := range []string{cfg.HTTPProxy, cfg.HTTPSProxy} {
		if u, err := url.Parse(p); err == nil && u.Host != "" {
			proxies[hostPort(u)] = true
		}
	}
	plain := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	checked := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: denyLocal}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if proxies[addr] {
			return plain.DialContext(ctx, network, addr)
		}
		return checked.DialContext(ctx, network, addr)
	}
	tr.Proxy = func(req *http.Request) (*url.URL, error) {
		p, err := proxyFor(req.URL)
		if err != nil || p == nil {
			return p, err
		}
		if err := denyLocalHost(req.Context(), req.URL.Hostname()); err != nil {
			return nil, err
		}
		return p, nil
	}
}

// hostPort is the address a proxy URL is dialled at, as net/http does.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}[u.Scheme]
	if port == "" {
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// denyLocalHost refuses host when it is, or resolves to, a local address.
func denyLocalHost(ctx context.Context, host string) error {
	if ip, err := netip.ParseAddr(host); err == nil {
		return denyLocalAddr(ip)
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("artifact store endpoint %s: %w", host, err)
	}
	for _, ip := range ips {
		if err := denyLocalAddr(ip); err != nil {
			return fmt.Errorf("artifact store endpoint %s: %w", host, err)
		}
	}
	return nil
}

// denyLocal is the dial check of denyLocalTransport: it sees the resolved
// address.
func denyLocal(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("artifact store endpoint address %q: %w", address, err)
	}
	return denyLocalAddr(ap.Addr())
}

func denyLocalAddr(ip netip.Addr) error {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return fmt.Errorf("artifact store endpoint %s is a loopback, link-local or multicast address, refused for a namespace's Secret (--artifact-store-secret-allow-local-endpoints)", ip)
	}
	return nil
}
