package options

import (
	"net"
	"path/filepath"
	"strconv"

	"ml.example.io/ml-apiserver/pkg/standalone"
)

// PKI is the certificate directory of standalone mode.
func (o *Options) PKI() standalone.PKI {
	return standalone.PKI{Dir: filepath.Join(o.DataDir, "pki")}
}

// ServingAddress is host:port of the secure listener, for clients.
func (o *Options) ServingAddress() string {
	ss := o.RecommendedOptions.SecureServing
	port := ss.BindPort
	if ss.Listener != nil {
		if addr, ok := ss.Listener.Addr().(*net.TCPAddr); ok {
			port = addr.Port
		}
	}
	host := "127.0.0.1"
	if a := ss.BindAddress; a != nil && !a.IsUnspecified() {
		host = a.String()
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// WriteKubeconfig writes the admin kubeconfig of standalone mode.
func (o *Options) WriteKubeconfig() error {
	pki := o.PKI()
	return standalone.WriteKubeconfig(o.KubeconfigPath, "https://"+o.ServingAddress(), pki, pki.AdminCertFile(), pki.AdminKeyFile())
}
