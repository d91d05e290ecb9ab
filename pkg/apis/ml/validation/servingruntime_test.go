package validation_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/install"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

func validServingRuntime() *ml.ClusterServingRuntime {
	return &ml.ClusterServingRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: "sk"},
		Spec: ml.ServingRuntimeSpec{
			SupportedModelFormats: []ml.SupportedModelFormat{{Name: "sklearn", AutoSelect: true, Priority: 1}},
			Container:             ml.ModelRuntime{Image: "server:1", Port: 8080},
		},
	}
}

// TestValidateProbeRatchets: an update keeps a probe stored before probes
// were validated, and validates a changed one.
func TestValidateProbeRatchets(t *testing.T) {
	bad := &corev1.Probe{}
	old := validServingRuntime()
	old.Spec.Container.ReadinessProbe = bad
	old.ResourceVersion = "1"
	cur := old.DeepCopy()
	cur.Labels = map[string]string{"edited": "yes"}
	checkErrors(t, nil, validation.ValidateClusterServingRuntimeUpdate(cur, old, opts))
	cur.Spec.Container.ReadinessProbe = &corev1.Probe{PeriodSeconds: 3}
	checkErrors(t, []string{"spec.container.readinessProbe: Required value"}, validation.ValidateClusterServingRuntimeUpdate(cur, old, opts))

	oldModel := withProbe(corev1.ProbeHandler{})
	oldModel.ResourceVersion = "1"
	m := oldModel.DeepCopy()
	m.Finalizers = nil
	checkErrors(t, nil, validation.ValidateModelUpdate(m, oldModel, opts))
	m.Spec.Runtime.ReadinessProbe.TimeoutSeconds = -1
	checkErrors(t, []string{"spec.runtime.readinessProbe: Required value", "spec.runtime.readinessProbe.timeoutSeconds: Invalid value"}, validation.ValidateModelUpdate(m, oldModel, opts))
}

func TestValidateServingRuntime(t *testing.T) {
	tests := []struct {
		name   string
		change func(*ml.ClusterServingRuntime)
		want   []string
	}{
		{name: "valid", change: func(*ml.ClusterServingRuntime) {}},
		{name: "command only", change: func(r *ml.ClusterServingRuntime) {
			r.Spec.Container = ml.ModelRuntime{Command: []string{"/usr/bin/python3", "serve.py"}}
		}},
		{name: "image or command required", change: func(r *ml.ClusterServingRuntime) { r.Spec.Container.Image = "" },
			want: []string{"spec.container.image: Required value"}},
		{name: "format name required", change: func(r *ml.ClusterServingRuntime) { r.Spec.SupportedModelFormats[0].Name = "" },
			want: []string{"spec.supportedModelFormats[0].name: Required value"}},
		{name: "negative priority", change: func(r *ml.ClusterServingRuntime) { r.Spec.SupportedModelFormats[0].Priority = -1 },
			want: []string{"spec.supportedModelFormats[0].priority: Invalid value"}},
		{name: "duplicate format", change: func(r *ml.ClusterServingRuntime) {
			r.Spec.SupportedModelFormats = append(r.Spec.SupportedModelFormats, ml.SupportedModelFormat{Name: "sklearn"})
		}, want: []string{"spec.supportedModelFormats[1]: Duplicate value"}},
		{name: "too many formats", change: func(r *ml.ClusterServingRuntime) {
			r.Spec.SupportedModelFormats = nil
			for i := range validation.MaxSupportedModelFormats + 1 {
				r.Spec.SupportedModelFormats = append(r.Spec.SupportedModelFormats, ml.SupportedModelFormat{Name: "f" + string(rune('a'+i%26)) + string(rune('a'+i/26))})
			}
		}, want: []string{"spec.supportedModelFormats: Too many"}},
		{name: "bad port", change: func(r *ml.ClusterServingRuntime) { r.Spec.Container.Port = 70000 },
			want: []string{"spec.container.port: Invalid value"}},
		{name: "probe of a port the server lacks", change: func(r *ml.ClusterServingRuntime) {
			r.Spec.Container.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/v2/health/ready", Port: intstr.FromString("grpc")}}}
		}, want: []string{"spec.container.readinessProbe.httpGet.port: Invalid value"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := validServingRuntime()
			tc.change(r)
			checkErrors(t, tc.want, validation.ValidateClusterServingRuntime(r, opts))
			ns := &ml.ServingRuntime{ObjectMeta: metav1.ObjectMeta{Name: r.Name, Namespace: "team-a"}, Spec: r.Spec}
			checkErrors(t, tc.want, validation.ValidateServingRuntime(ns, opts))
		})
	}
}

// A Model may leave its server to a serving runtime when it names a format
// or a runtime; a runtimeRef is checked.
func TestValidateModelRuntimeRef(t *testing.T) {
	base := func() *ml.Model {
		return &ml.Model{
			ObjectMeta: metav1.ObjectMeta{Name: "m", Namespace: "team-a"},
			Spec:       ml.ModelSpec{Source: ml.ModelSource{URI: "s3://b/m"}},
		}
	}
	byFormat := base()
	byFormat.Spec.Format = "sklearn"
	checkErrors(t, nil, validation.ValidateModel(byFormat, opts))
	byRef := base()
	byRef.Spec.RuntimeRef = &ml.ServingRuntimeRef{Kind: ml.ServingRuntimeKindName, Name: "mine"}
	checkErrors(t, nil, validation.ValidateModel(byRef, opts))
	neither := base()
	checkErrors(t, []string{"spec.runtime.image: Required value"}, validation.ValidateModel(neither, opts))
	badRef := base()
	badRef.Spec.RuntimeRef = &ml.ServingRuntimeRef{Kind: "Nope", Name: "Bad_Name"}
	checkErrors(t, []string{"spec.runtimeRef.kind: Unsupported value", "spec.runtimeRef.name: Invalid value"}, validation.ValidateModel(badRef, opts))
}

// The default serving runtimes of artifacts/deploy/serving-runtimes decode
// strictly and validate.
func TestDefaultServingRuntimesAreValid(t *testing.T) {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	decoder := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme, json.SerializerOptions{Yaml: true, Strict: true})
	files, err := filepath.Glob("../../../../artifacts/deploy/serving-runtimes/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("glob: %v %v", files, err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "kustomization.yaml") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			versioned, gvk, err := decoder.Decode(data, nil, nil)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			scheme.Default(versioned)
			internal, err := scheme.ConvertToVersion(versioned, ml.SchemeGroupVersion)
			if err != nil {
				t.Fatalf("convert %s: %v", gvk, err)
			}
			r, ok := internal.(*ml.ClusterServingRuntime)
			if !ok {
				t.Fatalf("%s is a %s, want a ClusterServingRuntime", f, gvk)
			}
			checkErrors(t, nil, validation.ValidateClusterServingRuntime(r, opts))
		})
	}
}
