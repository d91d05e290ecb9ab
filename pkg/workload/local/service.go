package local

import (
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/workload"
)

// proxy is one port of a service: a listener on 127.0.0.1 that forwards
// each connection to a ready replica the service selects, in turn.
type proxy struct {
	listener net.Listener
	port     corev1.ServicePort
	next     atomic.Uint64
	wg       sync.WaitGroup
}

// newProxy listens for the service port p of owner's service spec.
func (r *Runtime) newProxy(owner workload.Owner, spec workload.ServiceSpec, p corev1.ServicePort) (*proxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	px := &proxy{listener: l, port: p}
	px.wg.Add(1)
	go func() {
		defer px.wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					klog.ErrorS(err, "Service proxy stopped", "service", spec.Name)
				}
				return
			}
			px.wg.Add(1)
			go func() {
				defer px.wg.Done()
				px.forward(conn, r.backends(owner, spec.Selector, p))
			}()
		}
	}()
	return px, nil
}

// backends are the 127.0.0.1 addresses of the ready replicas of owner
// that selector selects, for the service port p.
func (r *Runtime) backends(owner workload.Owner, selector map[string]string, p corev1.ServicePort) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var reps []*replica
	for _, rep := range r.replicas {
		if rep.owner.UID == owner.UID {
			reps = append(reps, rep)
		}
	}
	for _, set := range r.sets {
		if set.owner.UID == owner.UID {
			for _, rep := range set.replicas {
				reps = append(reps, rep)
			}
		}
	}
	var out []string
	for _, rep := range reps {
		if !rep.status.Ready || !selected(selector, rep) {
			continue
		}
		port := rep.port
		if port == 0 {
			port = targetPort(rep, p)
		}
		if port != 0 {
			out = append(out, "127.0.0.1:"+strconv.Itoa(port))
		}
	}
	return out
}

// targetPort is the port a replica without a port of its own serves p on.
func targetPort(rep *replica, p corev1.ServicePort) int {
	switch {
	case p.TargetPort.Type == intstr.Int && p.TargetPort.IntValue() != 0:
		return p.TargetPort.IntValue()
	case p.TargetPort.Type == intstr.String && p.TargetPort.StrVal != "":
		for _, c := range rep.template.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == p.TargetPort.StrVal {
					return int(cp.ContainerPort)
				}
			}
		}
		return 0
	}
	return int(p.Port)
}

// forward copies between conn and one of backends, tried in turn from the
// next one; with none reachable the connection is closed, as a Service
// without ready endpoints refuses it.
func (px *proxy) forward(conn net.Conn, backends []string) {
	defer conn.Close()
	if len(backends) == 0 {
		return
	}
	start := px.next.Add(1)
	var upstream net.Conn
	for i := range backends {
		c, err := net.Dial("tcp", backends[(int(start)+i)%len(backends)])
		if err == nil {
			upstream = c
			break
		}
	}
	if upstream == nil {
		return
	}
	defer upstream.Close()
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(upstream, conn)
		if c, ok := upstream.(*net.TCPConn); ok {
			_ = c.CloseWrite()
		}
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(conn, upstream)
		if c, ok := conn.(*net.TCPConn); ok {
			_ = c.CloseWrite()
		}
		done <- struct{}{}
	}()
	<-done
	<-done
}

// close stops the service's proxies.
func (s *service) close() {
	for _, px := range s.proxies {
		_ = px.listener.Close()
	}
}

// ServiceAddress is where the port port of owner's service name is served
// on this host: 127.0.0.1 and the proxy's port. ok is false for a service
// the runtime does not know or a headless one.
func (r *Runtime) ServiceAddress(owner workload.Owner, name string, port int32) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	svc, ok := r.services[cache.ObjectName{Namespace: owner.Namespace, Name: name}]
	if !ok || svc.ownerUID != string(owner.UID) {
		return "", false
	}
	for _, px := range svc.proxies {
		if px.port.Port == port {
			return px.listener.Addr().String(), true
		}
	}
	return "", false
}
