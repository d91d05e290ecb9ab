package validation_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/admission/plugin/trainingruntimeresolve"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/install"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
)

const (
	examplesDir = "../../../../artifacts/examples"
	runtimesDir = "../../../../artifacts/deploy/runtimes"
	apiDoc      = "../../../../docs/api.md"
)

// yamlBlock matches the ```yaml blocks of a Markdown file.
var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// mlObject matches a YAML document of our group.
var mlObject = regexp.MustCompile(`(?m)^apiVersion: ml\.example\.io/`)

// TestExamplesAreValid decodes the user-facing examples (artifacts/examples
// and the YAML blocks of docs/api.md) as the server does: strictly, then
// defaulted and converted to the internal version. Each must pass
// validation, so the documentation cannot drift from the rules.
func TestExamplesAreValid(t *testing.T) {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	decoder := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme, json.SerializerOptions{Yaml: true, Strict: true})

	docs := map[string][]byte{}
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	local, err2 := filepath.Glob(filepath.Join(examplesDir, "local", "*.yaml"))
	failing, err3 := filepath.Glob(filepath.Join(examplesDir, "local", "failing", "*.yaml"))
	roles, err7 := filepath.Glob(filepath.Join(examplesDir, "local", "roles", "*.yaml"))
	profiles, err4 := filepath.Glob(filepath.Join(examplesDir, "profiles", "*.yaml"))
	runtimes, err5 := filepath.Glob(filepath.Join(runtimesDir, "*.yaml"))
	runtimes = slices.DeleteFunc(runtimes, func(f string) bool { return filepath.Base(f) == "kustomization.yaml" })
	runtimeJobFiles, err6 := filepath.Glob(filepath.Join(examplesDir, "runtimes", "*.yaml"))
	files = slices.Concat(files, local, failing, roles, profiles, runtimes, runtimeJobFiles)
	err = errors.Join(err, err2, err3, err4, err5, err6, err7)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(examplesDir, f)
		docs[rel] = data
	}
	md, err := os.ReadFile(apiDoc)
	if err != nil {
		t.Fatal(err)
	}
	// Blocks of other groups (an HPA targeting a Model, say) are the
	// cluster's to check.
	var blocks [][]byte
	for _, b := range yamlBlock.FindAllSubmatch(md, -1) {
		if mlObject.Match(b[1]) {
			blocks = append(blocks, b[1])
		}
	}
	if len(blocks) < 5 {
		t.Fatalf("want a YAML example per kind in %s, found %d", apiDoc, len(blocks))
	}
	for i, b := range blocks {
		docs[filepath.Base(apiDoc)+"#"+string(rune('a'+i))] = b
	}

	pipelines := map[string]*ml.Pipeline{}
	var runs []*ml.PipelineRun
	clusterRuntimes := map[string]*ml.ClusterTrainingRuntime{}
	var runtimeJobs []*ml.TrainingJob
	for name, data := range docs {
		t.Run(name, func(t *testing.T) {
			versioned, gvk, err := decoder.Decode(data, nil, nil)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			scheme.Default(versioned)
			internal, err := scheme.ConvertToVersion(versioned, ml.SchemeGroupVersion)
			if err != nil {
				t.Fatalf("convert %s: %v", gvk, err)
			}
			var errs field.ErrorList
			switch obj := internal.(type) {
			case *ml.Pipeline:
				obj.Namespace = "default"
				errs = validation.ValidatePipeline(obj, opts)
				pipelines[obj.Name] = obj
			case *ml.PipelineRun:
				obj.Namespace = "default"
				errs = validation.ValidatePipelineRun(obj, opts)
				runs = append(runs, obj)
			case *ml.TrainingJob:
				obj.Namespace = "default"
				if obj.Spec.RuntimeRef != nil {
					runtimeJobs = append(runtimeJobs, obj) // validated merged, below
					return
				}
				errs = validation.ValidateTrainingJob(obj, opts)
			case *ml.ClusterTrainingRuntime:
				errs = validation.ValidateClusterTrainingRuntime(obj, opts)
				clusterRuntimes[obj.Name] = obj
			case *ml.TrainingRuntime:
				obj.Namespace = "default"
				errs = validation.ValidateTrainingRuntime(obj, opts)
			case *ml.Model:
				obj.Namespace = "default"
				errs = validation.ValidateModel(obj, opts)
			case *ml.Notebook:
				obj.Namespace = "default"
				errs = validation.ValidateNotebook(obj)
			case *ml.RecurringRun:
				obj.Namespace = "default"
				errs = validation.ValidateRecurringRun(obj, opts)
			case *ml.TuningJob:
				obj.Namespace = "default"
				errs = validation.ValidateTuningJob(obj, opts)
			case *ml.Profile:
				errs = validation.ValidateProfile(obj)
			case *ml.ProfileRequest:
				errs = validation.ValidateProfileRequest(obj)
			default:
				t.Fatalf("unexpected kind %s", gvk)
			}
			if len(errs) > 0 {
				t.Errorf("example does not validate: %v", errs.ToAggregate())
			}
		})
	}

	// What the TrainingRuntimeResolve admission plugin does for a runtimeRef.
	for _, j := range runtimeJobs {
		r := clusterRuntimes[j.Spec.RuntimeRef.Name]
		if j.Spec.RuntimeRef.Kind != ml.ClusterTrainingRuntimeKind || r == nil {
			t.Errorf("TrainingJob %s: no default ClusterTrainingRuntime %q in %s", j.Name, j.Spec.RuntimeRef.Name, runtimesDir)
			continue
		}
		trainingruntimeresolve.Merge(&j.Spec, &r.Spec.Template)
		if errs := validation.ValidateTrainingJob(j, opts); len(errs) > 0 {
			t.Errorf("TrainingJob %s merged with ClusterTrainingRuntime %s does not validate: %v", j.Name, r.Name, errs.ToAggregate())
		}
	}

	// What the PipelineRunResolve admission plugin checks for a pipelineRef.
	for _, r := range runs {
		if r.Spec.PipelineRef == nil {
			continue
		}
		p := pipelines[r.Spec.PipelineRef.Name]
		if p == nil {
			t.Errorf("PipelineRun %s: no example Pipeline %q", r.Name, r.Spec.PipelineRef.Name)
			continue
		}
		if errs := validation.ValidateParamsAgainstSpec(p.Spec.Params, r.Spec.Params, field.NewPath("spec", "params")); len(errs) > 0 {
			t.Errorf("PipelineRun %s: params do not fit Pipeline %s: %v", r.Name, p.Name, errs.ToAggregate())
		}
	}
}
