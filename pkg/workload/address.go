package workload

import "fmt"

// Addresser is implemented by runtimes whose services are not reached at
// their cluster DNS names: the local runtime serves each service port on a
// port of 127.0.0.1.
type Addresser interface {
	// ServiceAddress returns the host:port where port of owner's service
	// name is served; ok is false when the runtime does not know it.
	ServiceAddress(owner Owner, service string, port int32) (address string, ok bool)
}

// ServiceURL is the http URL of port of owner's service name: the address
// the runtime gives it, or else its cluster DNS name,
// http://<service>.<namespace>.svc:<port>.
func ServiceURL(runtime any, owner Owner, service string, port int32) string {
	if a, ok := runtime.(Addresser); ok {
		if addr, ok := a.ServiceAddress(owner, service, port); ok {
			return "http://" + addr
		}
	}
	return fmt.Sprintf("http://%s.%s.svc:%d", service, owner.Namespace, port)
}
