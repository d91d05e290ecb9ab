package servingruntimeresolve

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"

	"ml.example.io/ml-apiserver/pkg/admission/admissiontest"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/fake"
)

const ns = admissiontest.Namespace

func clusterRuntime(t *testing.T, name string, priority int32) *mlv1alpha1.ClusterServingRuntime {
	return admissiontest.Versioned(t, &ml.ClusterServingRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: ml.ServingRuntimeSpec{
			SupportedModelFormats: []ml.SupportedModelFormat{auto("sklearn", "", priority)},
			Container:             ml.ModelRuntime{Image: name + ":v1", Port: 9000},
		},
	}, &mlv1alpha1.ClusterServingRuntime{})
}

func namespacedRuntime(t *testing.T, name string, formats ...ml.SupportedModelFormat) *mlv1alpha1.ServingRuntime {
	return admissiontest.Versioned(t, &ml.ServingRuntime{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: ml.ServingRuntimeSpec{
			SupportedModelFormats: formats,
			Container:             ml.ModelRuntime{Command: []string{"/usr/bin/python3", "serve.py"}},
		},
	}, &mlv1alpha1.ServingRuntime{})
}

func newPlugin(t *testing.T, objs ...runtime.Object) *Plugin {
	t.Helper()
	p := New()
	p.SetMLClient(fake.NewClientset(objs...))
	if err := p.ValidateInitialization(); err != nil {
		t.Fatal(err)
	}
	return p
}

func model(format string) *ml.Model {
	return &ml.Model{
		ObjectMeta: metav1.ObjectMeta{Name: "m", Namespace: ns},
		Spec:       ml.ModelSpec{Source: ml.ModelSource{URI: "s3://b/m"}, Format: format},
	}
}

func admit(t *testing.T, p *Plugin, m *ml.Model) error {
	t.Helper()
	return p.Admit(t.Context(), admissiontest.Request{Resource: "models", Kind: "Model", Name: m.Name, Object: m}.Attributes(), nil)
}

func TestAdmitSelectsByFormat(t *testing.T) {
	p := newPlugin(t, clusterRuntime(t, "low", 1), clusterRuntime(t, "high", 5))
	m := model("sklearn")
	if err := admit(t, p, m); err != nil {
		t.Fatalf("Admit: %v", err)
	}
	if r := m.Spec.RuntimeRef; r == nil || r.Kind != ml.ClusterServingRuntimeKind || r.Name != "high" {
		t.Errorf("runtimeRef %+v, want ClusterServingRuntime high", r)
	}
	if m.Spec.Runtime.Image != "high:v1" || m.Spec.Runtime.Port != 9000 {
		t.Errorf("runtime %+v, want the container of high", m.Spec.Runtime)
	}
}

func TestAdmitPrefersNamespaced(t *testing.T) {
	p := newPlugin(t, clusterRuntime(t, "high", 100), namespacedRuntime(t, "mine", auto("sklearn", "", 0)))
	m := model("sklearn")
	if err := admit(t, p, m); err != nil {
		t.Fatalf("Admit: %v", err)
	}
	if r := m.Spec.RuntimeRef; r == nil || r.Kind != ml.ServingRuntimeKindName || r.Name != "mine" {
		t.Errorf("runtimeRef %+v, want ServingRuntime mine", r)
	}
	if len(m.Spec.Runtime.Command) == 0 || m.Spec.Runtime.Command[0] != "/usr/bin/python3" {
		t.Errorf("runtime %+v, want the command of mine", m.Spec.Runtime)
	}
}

func TestAdmitNoMatchLeavesTheModelToTheController(t *testing.T) {
	p := newPlugin(t, clusterRuntime(t, "sk", 1))
	m := model("onnx")
	if err := admit(t, p, m); err != nil {
		t.Fatalf("Admit: %v", err)
	}
	if m.Spec.RuntimeRef != nil || m.Spec.Runtime.Image != "" {
		t.Errorf("runtimeRef %+v, runtime %+v: want none", m.Spec.RuntimeRef, m.Spec.Runtime)
	}
}

func TestAdmitKeepsAModelsOwnServer(t *testing.T) {
	p := newPlugin(t, clusterRuntime(t, "sk", 1))
	m := model("sklearn")
	m.Spec.Runtime.Image = "mine:v1"
	if err := admit(t, p, m); err != nil {
		t.Fatalf("Admit: %v", err)
	}
	if m.Spec.RuntimeRef != nil || m.Spec.Runtime.Image != "mine:v1" || m.Spec.Runtime.Port != 0 {
		t.Errorf("runtimeRef %+v, runtime %+v: want the Model's own server untouched", m.Spec.RuntimeRef, m.Spec.Runtime)
	}
}

func TestAdmitNamedRuntime(t *testing.T) {
	p := newPlugin(t, clusterRuntime(t, "sk", 1),
		namespacedRuntime(t, "manual", ml.SupportedModelFormat{Name: "sklearn"}))
	m := model("sklearn")
	m.Spec.RuntimeRef = &ml.ServingRuntimeRef{Kind: ml.ServingRuntimeKindName, Name: "manual"}
	m.Spec.Runtime.Args = []string{"--x"}
	if err := admit(t, p, m); err != nil {
		t.Fatalf("Admit: %v", err)
	}
	if rt := m.Spec.Runtime; len(rt.Command) != 2 || len(rt.Args) != 1 || rt.Args[0] != "--x" {
		t.Errorf("runtime %+v: want the runtime's command and the Model's args", rt)
	}

	for name, tc := range map[string]struct {
		ref    ml.ServingRuntimeRef
		format string
		want   string
	}{
		"missing cluster":    {ml.ServingRuntimeRef{Name: "nope"}, "sklearn", `ClusterServingRuntime "nope" does not exist`},
		"missing namespaced": {ml.ServingRuntimeRef{Kind: ml.ServingRuntimeKindName, Name: "sk"}, "sklearn", `ServingRuntime "sk" does not exist in namespace "team-a"`},
		"unsupported format": {ml.ServingRuntimeRef{Name: "sk"}, "onnx", `ClusterServingRuntime "sk" does not support format "onnx"`},
	} {
		t.Run(name, func(t *testing.T) {
			m := model(tc.format)
			m.Spec.RuntimeRef = &tc.ref
			err := admit(t, p, m)
			status, ok := err.(apierrors.APIStatus)
			if !ok || status.Status().Code != 422 {
				t.Fatalf("want a 422 error, got %v", err)
			}
			for _, w := range []string{"spec.runtimeRef.name", tc.want} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDeleteWarnsAboutModelsInUse(t *testing.T) {
	user := admissiontest.Versioned(t, &ml.Model{
		ObjectMeta: metav1.ObjectMeta{Name: "served", Namespace: ns},
		Spec: ml.ModelSpec{Source: ml.ModelSource{URI: "s3://b/m"}, Format: "sklearn",
			RuntimeRef: &ml.ServingRuntimeRef{Kind: ml.ClusterServingRuntimeKind, Name: "sk"},
			Runtime:    ml.ModelRuntime{Image: "sk:v1"}},
	}, &mlv1alpha1.Model{})
	p := newPlugin(t, clusterRuntime(t, "sk", 1), clusterRuntime(t, "idle", 1), user)
	for name, want := range map[string]string{"sk": `ClusterServingRuntime "sk" serves 1 Model(s) (team-a/served)`, "idle": ""} {
		var warnings admissiontest.Warnings
		attrs := admissiontest.Request{Operation: admission.Delete, Resource: "clusterservingruntimes", Kind: "ClusterServingRuntime", Name: name}.Attributes()
		if err := p.Validate(warnings.Context(t), attrs, nil); err != nil {
			t.Fatalf("Validate delete %s: %v", name, err)
		}
		switch {
		case want == "" && len(warnings) > 0:
			t.Errorf("delete %s warned %q, want no warning", name, warnings)
		case want != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], want)):
			t.Errorf("delete %s warned %q, want one containing %q", name, warnings, want)
		}
	}
}

// An update that leaves out the server (a re-applied manifest naming only
// the format) keeps the one resolved at create; nothing is selected again.
func TestAdmitUpdateKeepsTheResolvedServer(t *testing.T) {
	p := newPlugin(t, clusterRuntime(t, "sk", 1))
	old := model("sklearn")
	if err := admit(t, p, old); err != nil {
		t.Fatal(err)
	}
	m := model("sklearn")
	attrs := admissiontest.Request{Operation: admission.Update, Resource: "models", Kind: "Model", Name: m.Name, Object: m, Old: old}.Attributes()
	if err := p.Admit(t.Context(), attrs, nil); err != nil {
		t.Fatalf("Admit update: %v", err)
	}
	if m.Spec.RuntimeRef == nil || m.Spec.RuntimeRef.Name != "sk" || m.Spec.Runtime.Image != "sk:v1" {
		t.Errorf("after the update runtimeRef %+v, runtime %+v: want the server resolved at create", m.Spec.RuntimeRef, m.Spec.Runtime)
	}
}
