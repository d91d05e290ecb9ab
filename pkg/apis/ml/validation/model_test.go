package validation_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

// model starts a valid Model "m" in "ns".
func model() *mltesting.ModelWrapper {
	return mltesting.MakeModel("m", "ns")
}

// withProbe is a valid Model whose server has a readiness probe of h.
func withProbe(h corev1.ProbeHandler) *ml.Model {
	m := model().Obj()
	m.Spec.Runtime.ReadinessProbe = &corev1.Probe{ProbeHandler: h}
	return m
}

func TestValidateModel(t *testing.T) {
	jobRef := ml.ModelSource{TrainingJobRef: &ml.LocalObjectReference{Name: "train"}}
	cases := []struct {
		name string
		obj  *ml.Model
		want []string
	}{
		{name: "valid", obj: model().Obj()},
		{name: "name too long", obj: mltesting.MakeModel(strings.Repeat("m", validation.MaxWorkloadNameLength+1), "ns").Obj(), want: []string{"metadata.name: Invalid value"}},
		{name: "name not a DNS-1035 label", obj: mltesting.MakeModel("9b", "ns").Obj(), want: []string{"metadata.name: Invalid value"}},

		{name: "source trainingJobRef", obj: model().SourceTrainingJob("train-resnet").Obj()},
		{name: "source absolute path", obj: model().SourceURI("/models/resnet").Obj()},
		{name: "source required", obj: model().Source(ml.ModelSource{}).Obj(), want: []string{"spec.source: Required value"}},
		{name: "source uri and trainingJobRef", obj: model().Source(ml.ModelSource{URI: "s3://b/m", TrainingJobRef: &ml.LocalObjectReference{Name: "t"}}).Obj(), want: []string{"spec.source.trainingJobRef: Forbidden"}},
		{name: "source uri relative", obj: model().SourceURI("models/resnet").Obj(), want: []string{"spec.source.uri: Invalid value"}},
		{name: "source trainingJobRef name invalid", obj: model().SourceTrainingJob("Train").Obj(), want: []string{"spec.source.trainingJobRef.name: Invalid value"}},
		{name: "source trainingJobRef name required", obj: model().SourceTrainingJob("").Obj(), want: []string{"spec.source.trainingJobRef.name: Required value"}},

		{name: "runtime command only", obj: model().RuntimeImage("").RuntimeCommand("python", "-m", "serve").Obj()},
		{name: "runtime image or command required", obj: model().RuntimeImage("").Obj(), want: []string{"spec.runtime.image: Required value"}},
		{name: "runtime env invalid", obj: model().RuntimeEnv("1DIR", "/m").Obj(), want: []string{"spec.runtime.env[0].name: Invalid value"}},
		{name: "runtime port unset means default", obj: model().Port(0).Obj()},
		{name: "runtime port too high", obj: model().Port(65536).Obj(), want: []string{"spec.runtime.port: Invalid value"}},
		{name: "runtime port negative", obj: model().Port(-1).Obj(), want: []string{"spec.runtime.port: Invalid value"}},

		{name: "probe httpGet on the named port", obj: withProbe(corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http")}})},
		{name: "probe tcpSocket by number", obj: withProbe(corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}})},
		{name: "probe exec", obj: withProbe(corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}})},
		{name: "probe grpc", obj: withProbe(corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9000}})},
		{name: "probe without a handler", obj: withProbe(corev1.ProbeHandler{}), want: []string{"spec.runtime.readinessProbe: Required value"}},
		{name: "probe with two handlers", obj: withProbe(corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}, TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}), want: []string{"spec.runtime.readinessProbe: Forbidden"}},
		{name: "probe of a port the container lacks", obj: withProbe(corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("metrics")}}), want: []string{"spec.runtime.readinessProbe.httpGet.port: Invalid value"}},
		{name: "probe port out of range", obj: withProbe(corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(70000)}}), want: []string{"spec.runtime.readinessProbe.tcpSocket.port: Invalid value"}},
		{name: "probe scheme", obj: withProbe(corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(8080), Scheme: "FTP"}}), want: []string{"spec.runtime.readinessProbe.httpGet.scheme: Unsupported value"}},
		{name: "probe header name", obj: withProbe(corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(8080), HTTPHeaders: []corev1.HTTPHeader{{Name: "bad header", Value: "x"}}}}), want: []string{"spec.runtime.readinessProbe.httpGet.httpHeaders[0].name: Invalid value"}},
		{name: "probe exec without a command", obj: withProbe(corev1.ProbeHandler{Exec: &corev1.ExecAction{}}), want: []string{"spec.runtime.readinessProbe.exec.command: Required value"}},
		{name: "probe grpc port 0", obj: withProbe(corev1.ProbeHandler{GRPC: &corev1.GRPCAction{}}), want: []string{"spec.runtime.readinessProbe.grpc.port: Invalid value"}},
		{name: "probe negative period and grace period", obj: func() *ml.Model {
			m := withProbe(corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}})
			m.Spec.Runtime.ReadinessProbe.PeriodSeconds = -1
			m.Spec.Runtime.ReadinessProbe.TerminationGracePeriodSeconds = ptr.To[int64](5)
			return m
		}(), want: []string{"spec.runtime.readinessProbe.periodSeconds: Invalid value", "spec.runtime.readinessProbe.terminationGracePeriodSeconds: Invalid value"}},

		{name: "replicas 0", obj: model().Replicas(0).Obj()},
		{name: "replicas negative", obj: model().Replicas(-1).Obj(), want: []string{"spec.replicas: Invalid value"}},

		{name: "canary", obj: model().Canary(jobRef, 10).Obj()},
		{name: "canary 100 percent", obj: model().Canary(ml.ModelSource{URI: "s3://b/v2"}, 100).Obj()},
		{name: "canary percent above 100", obj: model().Canary(jobRef, 101).Obj(), want: []string{"spec.canary.trafficPercent: Invalid value"}},
		{name: "canary percent negative", obj: model().Canary(jobRef, -1).Obj(), want: []string{"spec.canary.trafficPercent: Invalid value"}},
		{name: "canary source required", obj: model().Canary(ml.ModelSource{}, 10).Obj(), want: []string{"spec.canary.source: Required value"}},
		{name: "canary source uri and trainingJobRef", obj: model().Canary(ml.ModelSource{URI: "s3://x/m", TrainingJobRef: jobRef.TrainingJobRef}, 10).Obj(), want: []string{"spec.canary.source.trainingJobRef: Forbidden"}},

		{name: "resources", obj: model().Request("cpu", "1").Limit("cpu", "1").Obj()},
		{name: "resources request above limit", obj: model().Request("memory", "2Gi").Limit("memory", "1Gi").Obj(), want: []string{"spec.resources.requests[memory]: Invalid value"}},
		{name: "pod options", obj: model().ServiceAccountName("Server").Obj(), want: []string{"spec.serviceAccountName: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateModel(tc.obj, opts))
		})
	}
}

// TestValidateModelProbeMessages: a probe's errors say what to do.
func TestValidateModelProbeMessages(t *testing.T) {
	checkMessages(t, []string{
		`spec.runtime.readinessProbe.httpGet.port: Invalid value: "metrics": the container has no port of that name; name one of ["http"] or give a number`,
	}, validation.ValidateModel(withProbe(corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("metrics")}}), opts))
	checkMessages(t, []string{
		"spec.runtime.readinessProbe: Required value: must specify a handler type: one of exec, httpGet, tcpSocket or grpc",
	}, validation.ValidateModel(withProbe(corev1.ProbeHandler{}), opts))
}

func TestValidateModelUpdate(t *testing.T) {
	old := model().ResourceVersion("1").Obj()
	cases := []struct {
		name string
		obj  *ml.Model
		want []string
	}{
		{
			name: "every spec field may change",
			obj: model().SourceTrainingJob("train").Format("onnx").RuntimeImage("server:v2").Port(9000).Replicas(3).
				Canary(ml.ModelSource{URI: "s3://b/v2"}, 20).Request("cpu", "2").NodeSelector("pool", "serving").
				ResourceVersion("1").Obj(),
		},
		{name: "new spec is validated", obj: model().Replicas(-1).ResourceVersion("1").Obj(), want: []string{"spec.replicas: Invalid value"}},
		{name: "namespace immutable", obj: mltesting.MakeModel("m", "other").ResourceVersion("1").Obj(), want: []string{"metadata.namespace: Invalid value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrors(t, tc.want, validation.ValidateModelUpdate(tc.obj, old, opts))
		})
	}
}
