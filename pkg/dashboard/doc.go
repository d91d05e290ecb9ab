// Package dashboard serves the web dashboard of `kubectl ml dashboard`: the
// static pages embedded from dist/, /config.json, and /k8s/, a reverse proxy
// to the API server that adds the credentials of the user's kubeconfig, so
// every page shows exactly what the user's RBAC allows.
//
// The server listens on a loopback address only and guards the user's
// credentials against other local users and other web sites: every request
// needs the random token printed with the URL (as a cookie after the first
// visit, or as a bearer token), the Host header must name the loopback
// address (DNS rebinding), a request with an Origin header must come from
// the dashboard's own origin, and a request that changes anything must
// carry Origin or X-Requested-With (CSRF). The proxy refuses upgrades
// (exec, attach, port-forward), strips the browser's cookies and
// credentials from requests and drops Set-Cookie from responses.
package dashboard
