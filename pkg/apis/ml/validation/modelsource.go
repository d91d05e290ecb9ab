package validation

import (
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// ModelURISchemes are the schemes of a Model's spec.source.uri whose
// files the runtime puts in place before the server starts: file:// (and
// an absolute path) in standalone mode only, where it names the server's
// host.
var ModelURISchemes = []string{"s3", "https", "pvc", "file"}

// validateModelSource requires exactly one of uri, trainingJobRef and
// artifact.
func validateModelSource(src *ml.ModelSource, opts Options, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	uriPath, refPath, artPath := fldPath.Child("uri"), fldPath.Child("trainingJobRef"), fldPath.Child("artifact")
	var set []*field.Path
	if src.URI != "" {
		set = append(set, uriPath)
	}
	if src.TrainingJobRef != nil {
		set = append(set, refPath)
	}
	if src.Artifact != nil {
		set = append(set, artPath)
	}
	switch {
	case len(set) == 0:
		allErrs = append(allErrs, field.Required(fldPath, "one of uri, trainingJobRef or artifact is required"))
	case len(set) > 1:
		allErrs = append(allErrs, field.Forbidden(set[1], fmt.Sprintf("may not be set together with %s", set[0])))
	}
	if src.URI != "" {
		allErrs = append(allErrs, validateModelURI(src.URI, opts, uriPath)...)
	}
	if src.TrainingJobRef != nil {
		allErrs = append(allErrs, validateLocalObjectReference(src.TrainingJobRef, refPath)...)
	}
	if src.Artifact != nil {
		allErrs = append(allErrs, validateModelArtifactSource(src.Artifact, artPath)...)
	}
	return allErrs
}

// validateModelURI checks a model URI by its scheme: s3://bucket/key,
// https://host/path, pvc://claim/path, and file:///path or /path where
// local files may be served.
func validateModelURI(uri string, opts Options, fldPath *field.Path) field.ErrorList {
	if errs := validateURI(uri, fldPath); len(errs) > 0 {
		return errs
	}
	u, _ := url.Parse(uri)
	scheme := u.Scheme
	if scheme == "" {
		scheme = "file"
	}
	switch scheme {
	case "file":
		if opts.ForbidLocalFiles {
			return field.ErrorList{field.Invalid(fldPath, uri, "file:// URIs and paths name the server's host and are served in standalone mode only; use s3://, https:// or pvc:// on a cluster")}
		}
		if p := u.Path; u.Host != "" || !path.IsAbs(p) {
			return field.ErrorList{field.Invalid(fldPath, uri, "must be file:///absolute/path")}
		}
	case "s3":
		if u.Host == "" {
			return field.ErrorList{field.Invalid(fldPath, uri, "must be s3://bucket/key: the bucket is missing")}
		}
		if strings.Trim(u.Path, "/") == "" {
			return field.ErrorList{field.Invalid(fldPath, uri, "must be s3://bucket/key: the key is missing")}
		}
	case "https":
		if u.Host == "" {
			return field.ErrorList{field.Invalid(fldPath, uri, "must be https://host/path: the host is missing")}
		}
	case "pvc":
		var allErrs field.ErrorList
		for _, msg := range validation.IsDNS1123Subdomain(u.Host) {
			allErrs = append(allErrs, field.Invalid(fldPath, uri, "must be pvc://claim/path with the claim's name: "+msg))
		}
		if slices.Contains(strings.Split(u.Path, "/"), "..") {
			allErrs = append(allErrs, field.Invalid(fldPath, uri, "the path in the claim must be clean and may not contain '..'"))
		}
		return allErrs
	default:
		return field.ErrorList{field.NotSupported(fldPath, uri, []string{"s3://bucket/key", "https://host/path", "pvc://claim/path", "file:///path (standalone)"})}
	}
	return nil
}

// validateModelArtifactSource requires one producer (a TrainingJob, or a
// PipelineRun with the task) and the artifact's name.
func validateModelArtifactSource(a *ml.ModelArtifactSource, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	tjPath, plrPath, taskPath := fldPath.Child("fromTrainingJob"), fldPath.Child("fromPipelineRun"), fldPath.Child("task")
	switch {
	case a.FromTrainingJob == "" && a.FromPipelineRun == "":
		allErrs = append(allErrs, field.Required(fldPath, "one of fromTrainingJob or fromPipelineRun is required"))
	case a.FromTrainingJob != "" && a.FromPipelineRun != "":
		allErrs = append(allErrs, field.Forbidden(plrPath, fmt.Sprintf("may not be set together with %s", tjPath)))
	}
	for p, name := range map[*field.Path]string{tjPath: a.FromTrainingJob, plrPath: a.FromPipelineRun} {
		if name == "" {
			continue
		}
		for _, msg := range validation.IsDNS1123Subdomain(name) {
			allErrs = append(allErrs, field.Invalid(p, name, msg))
		}
	}
	switch {
	case a.FromPipelineRun != "" && a.Task == "":
		allErrs = append(allErrs, field.Required(taskPath, "the task of the PipelineRun that produced the artifact"))
	case a.FromPipelineRun == "" && a.Task != "":
		allErrs = append(allErrs, field.Forbidden(taskPath, "only with fromPipelineRun"))
	case a.Task != "":
		for _, msg := range validation.IsDNS1123Label(a.Task) {
			allErrs = append(allErrs, field.Invalid(taskPath, a.Task, msg))
		}
	}
	namePath := fldPath.Child("name")
	if a.Name == "" {
		allErrs = append(allErrs, field.Required(namePath, "the name of the artifact among the producer's outputs.artifacts"))
	}
	for _, msg := range validation.IsDNS1123Label(a.Name) {
		if a.Name != "" {
			allErrs = append(allErrs, field.Invalid(namePath, a.Name, msg))
		}
	}
	return allErrs
}
