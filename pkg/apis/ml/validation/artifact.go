package validation

import (
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

var artifactTypes = phaseNames(ml.ArtifactTypeDataset, ml.ArtifactTypeModel, ml.ArtifactTypeMetrics,
	ml.ArtifactTypeMarkdown, ml.ArtifactTypeHTML, ml.ArtifactTypeGeneric)

// artifactURISchemes are the schemes an input artifact's uri may have: the
// URIs the artifact stores give their objects.
var artifactURISchemes = []string{"file", "s3"}

// ParseArtifactRef parses $(tasks.<task>.outputs.artifacts.<artifact>), the
// from of an input artifact. ok is false for anything else.
func ParseArtifactRef(s string) (task, artifact string, ok bool) {
	expr, found := strings.CutPrefix(s, "$(")
	if !found {
		return "", "", false
	}
	expr, found = strings.CutSuffix(expr, ")")
	if !found {
		return "", "", false
	}
	parts := strings.Split(expr, ".")
	if len(parts) != 5 || parts[0] != "tasks" || parts[2] != "outputs" || parts[3] != "artifacts" || parts[1] == "" || parts[4] == "" {
		return "", "", false
	}
	return parts[1], parts[4], true
}

// ArtifactEnvName is the environment variable that names the local path of
// an input (dir "INPUT") or output (dir "OUTPUT") artifact:
// ML_ARTIFACT_<DIR>_<NAME>, the name upper-cased with '-' as '_'.
func ArtifactEnvName(dir, name string) string {
	return "ML_ARTIFACT_" + dir + "_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// validateTaskArtifacts checks the artifacts of task t: unique names and
// paths under /ml/artifacts, types, and that every from names an output
// artifact of another regular task that is not fanned out.
func (pc *pipelineContext) validateTaskArtifacts(t *ml.PipelineTask, fldPath *field.Path) field.ErrorList {
	a := t.Artifacts
	paths := map[string]*field.Path{}
	allErrs := validateOutputArtifacts(a.Outputs, paths, fldPath.Child("outputs"))
	inPath := fldPath.Child("inputs")
	seen := sets.New[string]()
	for i, in := range a.Inputs {
		p := inPath.Index(i)
		allErrs = append(allErrs, validateArtifactName(in.Name, seen, p.Child("name"))...)
		allErrs = append(allErrs, validateArtifactPath(in.Path, paths, p.Child("path"))...)
		switch {
		case in.From == "" && in.URI == "":
			allErrs = append(allErrs, field.Required(p, "one of from and uri is required"))
		case in.From != "" && in.URI != "":
			allErrs = append(allErrs, field.Forbidden(p.Child("uri"), "may not be set together with from"))
		case in.From != "":
			allErrs = append(allErrs, pc.validateArtifactRef(t.Name, in.From, p.Child("from"))...)
		default:
			allErrs = append(allErrs, validateArtifactURI(in.URI, p.Child("uri"))...)
		}
	}
	return allErrs
}

func (pc *pipelineContext) validateArtifactRef(self, from string, fldPath *field.Path) field.ErrorList {
	task, artifact, ok := ParseArtifactRef(from)
	switch {
	case !ok:
		return field.ErrorList{field.Invalid(fldPath, from, "must be $(tasks.<task>.outputs.artifacts.<artifact>)")}
	case task == self:
		return field.ErrorList{field.Invalid(fldPath, from, "a task may not read its own artifacts")}
	case pc.finally[task] != nil:
		return field.ErrorList{field.Forbidden(fldPath, fmt.Sprintf("%q is a finally task; the artifacts of finally tasks may not be read", task))}
	case pc.tasks[task] == nil:
		return field.ErrorList{field.Invalid(fldPath, from, fmt.Sprintf("no task %q in %s", task, pc.tasksPath))}
	case pc.tasks[task].ForEach != nil:
		return field.ErrorList{field.Forbidden(fldPath, fmt.Sprintf("task %q has forEach: the artifacts of its instances may not be read by name", task))}
	}
	producer := pc.tasks[task]
	if producer.Artifacts == nil || !slices.ContainsFunc(producer.Artifacts.Outputs, func(o ml.OutputArtifact) bool { return o.Name == artifact }) {
		return field.ErrorList{field.Invalid(fldPath, from, fmt.Sprintf("task %q declares no output artifact %q", task, artifact))}
	}
	return nil
}

// validateOutputArtifacts checks output artifacts and records their paths.
func validateOutputArtifacts(outputs []ml.OutputArtifact, paths map[string]*field.Path, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := sets.New[string]()
	for i, o := range outputs {
		p := fldPath.Index(i)
		allErrs = append(allErrs, validateArtifactName(o.Name, seen, p.Child("name"))...)
		if o.Type != "" && !slices.Contains(artifactTypes, string(o.Type)) {
			allErrs = append(allErrs, field.NotSupported(p.Child("type"), o.Type, artifactTypes))
		}
		allErrs = append(allErrs, validateArtifactPath(o.Path, paths, p.Child("path"))...)
	}
	return allErrs
}

func validateArtifactName(name string, seen sets.Set[string], fldPath *field.Path) field.ErrorList {
	defer seen.Insert(name)
	switch {
	case name == "":
		return field.ErrorList{field.Required(fldPath, "")}
	case seen.Has(name):
		return field.ErrorList{field.Duplicate(fldPath, name)}
	}
	var allErrs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(name) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, msg))
	}
	return allErrs
}

// validateArtifactPath checks that p is a clean absolute path under
// /ml/artifacts that neither holds nor lies in another artifact's path
// (recorded in paths).
func validateArtifactPath(p string, paths map[string]*field.Path, fldPath *field.Path) field.ErrorList {
	root := ml.ArtifactsRoot + "/"
	switch {
	case p == "":
		return field.ErrorList{field.Required(fldPath, "")}
	case path.Clean(p) != p || !strings.HasPrefix(p, root):
		return field.ErrorList{field.Invalid(fldPath, p, "must be a clean absolute path under "+root+", such as "+root+"out/model")}
	}
	for other, otherPath := range paths {
		if other == p || strings.HasPrefix(p, other+"/") || strings.HasPrefix(other, p+"/") {
			return field.ErrorList{field.Invalid(fldPath, p, fmt.Sprintf("overlaps %s (%s)", otherPath, other))}
		}
	}
	paths[p] = fldPath
	return nil
}

func validateArtifactURI(uri string, fldPath *field.Path) field.ErrorList {
	u, err := url.Parse(uri)
	switch {
	case err != nil:
		return field.ErrorList{field.Invalid(fldPath, uri, err.Error())}
	case !slices.Contains(artifactURISchemes, u.Scheme):
		return field.ErrorList{field.Invalid(fldPath, uri, "must be a file:// or s3:// URI of the namespace's artifact store")}
	case u.Path == "" || u.Path == "/":
		return field.ErrorList{field.Invalid(fldPath, uri, "must name an object")}
	}
	return nil
}

// validateTrainingJobArtifacts checks the artifacts of a TrainingJob.
func validateTrainingJobArtifacts(a *ml.TrainingJobArtifacts, fldPath *field.Path) field.ErrorList {
	return validateOutputArtifacts(a.Outputs, map[string]*field.Path{}, fldPath.Child("outputs"))
}
