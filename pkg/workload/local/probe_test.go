package local

import (
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	corev1 "k8s.io/api/core/v1"
)

// TestGRPCProbe: a gRPC readiness probe speaks the gRPC health checking
// protocol to the replica's port, for the whole server or one service.
func TestGRPCProbe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)

	rep := &replica{port: ln.Addr().(*net.TCPAddr).Port}
	c := &corev1.Container{}
	check := func(service *string) bool {
		p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 1, Service: service}}}
		return (&Runtime{}).check(rep, c, p, 2*time.Second)
	}
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("model", healthpb.HealthCheckResponse_NOT_SERVING)
	if !check(nil) {
		t.Error("the server is SERVING, the probe failed")
	}
	if check(ptr("model")) {
		t.Error("service model is NOT_SERVING, the probe passed")
	}
	hs.SetServingStatus("model", healthpb.HealthCheckResponse_SERVING)
	if !check(ptr("model")) {
		t.Error("service model is SERVING, the probe failed")
	}
	if check(ptr("unknown")) {
		t.Error("an unknown service passed the probe")
	}
	srv.Stop()
	if check(nil) {
		t.Error("a stopped server passed the probe")
	}
}
