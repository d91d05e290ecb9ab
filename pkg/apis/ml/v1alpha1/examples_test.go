package v1alpha1_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/sets"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/install"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// examplesDir holds the user-facing examples, one per kind.
const examplesDir = "../../../../artifacts/examples"

// strictDecoder decodes YAML or JSON into the registered v1alpha1 types and
// reports unknown and duplicate fields as errors, as the server does for
// fieldValidation=Strict.
func strictDecoder(scheme *runtime.Scheme) runtime.Decoder {
	return json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme, json.SerializerOptions{Yaml: true, Strict: true})
}

// splitYAML returns the non-empty documents of a YAML stream.
func splitYAML(data []byte) ([][]byte, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripComments(doc))) > 0 {
			docs = append(docs, doc)
		}
	}
}

func stripComments(doc []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// TestExamples checks each directory of examples: the cluster examples
// and those that run on one machine in standalone mode.
func TestExamples(t *testing.T) {
	for _, dir := range []string{examplesDir, filepath.Join(examplesDir, "local")} {
		t.Run(filepath.Base(dir), func(t *testing.T) { testExamples(t, dir) })
	}
}

// testExamples decodes every example of dir strictly, defaults it and
// converts it to the internal version, then checks that together the
// examples cover every kind and that their references to each other
// resolve.
func testExamples(t *testing.T, dir string) {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	decoder := strictDecoder(scheme)

	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no examples in %s", dir)
	}

	var objects []runtime.Object
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			docs, err := splitYAML(data)
			if err != nil {
				t.Fatalf("split YAML: %v", err)
			}
			if len(docs) == 0 {
				t.Fatal("no object in file")
			}
			for i, doc := range docs {
				obj, gvk, err := decoder.Decode(doc, nil, nil)
				if err != nil {
					t.Fatalf("document %d: %v", i, err)
				}
				if gv := gvk.GroupVersion(); gv != mlv1alpha1.SchemeGroupVersion {
					t.Fatalf("document %d: apiVersion %q, want %q", i, gv, mlv1alpha1.SchemeGroupVersion)
				}
				scheme.Default(obj)
				internal, err := scheme.ConvertToVersion(obj, ml.SchemeGroupVersion)
				if err != nil {
					t.Fatalf("document %d: convert %s to internal: %v", i, gvk.Kind, err)
				}
				objects = append(objects, internal)
			}
		})
	}
	if t.Failed() {
		return
	}

	kinds := sets.New[string]()
	pipelines := map[string]*ml.Pipeline{}
	trainingJobs := sets.New[string]()
	for _, obj := range objects {
		switch o := obj.(type) {
		case *ml.Pipeline:
			kinds.Insert("Pipeline")
			pipelines[o.Name] = o
		case *ml.PipelineRun:
			kinds.Insert("PipelineRun")
		case *ml.TrainingJob:
			kinds.Insert("TrainingJob")
			trainingJobs.Insert(o.Name)
		case *ml.Model:
			kinds.Insert("Model")
		case *ml.Notebook:
			kinds.Insert("Notebook")
		case *ml.RecurringRun:
			kinds.Insert("RecurringRun")
		case *ml.TuningJob:
			kinds.Insert("TuningJob")
		default:
			t.Errorf("unexpected example type %T", obj)
		}
	}
	if want := sets.New("Pipeline", "PipelineRun", "TrainingJob", "Model", "Notebook", "RecurringRun", "TuningJob"); !kinds.Equal(want) {
		t.Errorf("examples cover kinds %v, want %v", sets.List(kinds), sets.List(want))
	}

	for _, obj := range objects {
		switch o := obj.(type) {
		case *ml.PipelineRun:
			checkRunParams(t, o, pipelines)
		case *ml.RecurringRun:
			if tmpl := o.Spec.RunTemplate.PipelineRun; tmpl != nil {
				checkRunParams(t, &ml.PipelineRun{ObjectMeta: o.ObjectMeta, Spec: *tmpl}, pipelines)
			}
		case *ml.Model:
			if ref := o.Spec.Source.TrainingJobRef; ref != nil && !trainingJobs.Has(ref.Name) {
				t.Errorf("Model %s: trainingJobRef %q names no example TrainingJob", o.Name, ref.Name)
			}
		}
	}
}

// checkRunParams checks that a run of an example pipeline gives only
// declared parameters and every parameter without a default.
func checkRunParams(t *testing.T, run *ml.PipelineRun, pipelines map[string]*ml.Pipeline) {
	t.Helper()
	if run.Spec.PipelineRef == nil {
		return
	}
	pl, ok := pipelines[run.Spec.PipelineRef.Name]
	if !ok {
		t.Errorf("PipelineRun %s: pipelineRef %q names no example Pipeline", run.Name, run.Spec.PipelineRef.Name)
		return
	}
	given := sets.New[string]()
	for _, p := range run.Spec.Params {
		given.Insert(p.Name)
	}
	declared := sets.New[string]()
	for _, p := range pl.Spec.Params {
		declared.Insert(p.Name)
		if p.Default == nil && !given.Has(p.Name) {
			t.Errorf("PipelineRun %s: required param %q of Pipeline %s is not given", run.Name, p.Name, pl.Name)
		}
	}
	if extra := given.Difference(declared); extra.Len() > 0 {
		t.Errorf("PipelineRun %s: params %v are not declared by Pipeline %s", run.Name, sets.List(extra), pl.Name)
	}
}

// TestStrictDecoderRejectsUnknownFields guards TestExamples: a decoder that
// silently dropped misspelled fields would let broken examples pass.
func TestStrictDecoderRejectsUnknownFields(t *testing.T) {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	decoder := strictDecoder(scheme)

	for name, doc := range map[string]string{
		"unknown spec field": `
apiVersion: ml.example.io/v1alpha1
kind: TrainingJob
metadata: {name: a}
spec: {replica: 2}
`,
		"unknown nested field": `
apiVersion: ml.example.io/v1alpha1
kind: Notebook
metadata: {name: a}
spec: {workspace: {sizes: 5Gi}}
`,
		"duplicate field": `
apiVersion: ml.example.io/v1alpha1
kind: Model
metadata: {name: a}
spec:
  replicas: 1
  replicas: 2
`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := decoder.Decode([]byte(doc), nil, nil); !runtime.IsStrictDecodingError(err) {
				t.Errorf("Decode() error = %v, want a strict decoding error", err)
			}
		})
	}
}
