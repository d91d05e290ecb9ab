package testing

import (
	"path"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// OutputArtifact adds an output artifact of the given type at its default
// path, /ml/artifacts/out/<name>.
func (w *TaskWrapper) OutputArtifact(name string, typ ml.ArtifactType) *TaskWrapper {
	return w.OutputArtifactAt(name, typ, path.Join(ml.ArtifactsRoot, "out", name))
}

// OutputArtifactAt adds an output artifact written at p.
func (w *TaskWrapper) OutputArtifactAt(name string, typ ml.ArtifactType, p string) *TaskWrapper {
	a := w.artifacts()
	a.Outputs = append(a.Outputs, ml.OutputArtifact{Name: name, Type: typ, Path: p})
	return w
}

// InputArtifact adds an input artifact read from $(tasks.<task>.outputs.artifacts.<artifact>)
// at its default path, /ml/artifacts/in/<name>.
func (w *TaskWrapper) InputArtifact(name, task, artifact string) *TaskWrapper {
	a := w.artifacts()
	a.Inputs = append(a.Inputs, ml.InputArtifact{
		Name: name,
		From: "$(tasks." + task + ".outputs.artifacts." + artifact + ")",
		Path: path.Join(ml.ArtifactsRoot, "in", name),
	})
	return w
}

// InputArtifactFrom adds an input artifact with the given from, uri and path.
func (w *TaskWrapper) InputArtifactFrom(name, from, uri, p string) *TaskWrapper {
	a := w.artifacts()
	a.Inputs = append(a.Inputs, ml.InputArtifact{Name: name, From: from, URI: uri, Path: p})
	return w
}

func (w *TaskWrapper) artifacts() *ml.TaskArtifacts {
	if w.obj.Artifacts == nil {
		w.obj.Artifacts = &ml.TaskArtifacts{}
	}
	return w.obj.Artifacts
}

// OutputArtifact adds an output artifact of the given type at its default
// path, /ml/artifacts/out/<name>.
func (w *TrainingJobWrapper) OutputArtifact(name string, typ ml.ArtifactType) *TrainingJobWrapper {
	if w.obj.Spec.Artifacts == nil {
		w.obj.Spec.Artifacts = &ml.TrainingJobArtifacts{}
	}
	w.obj.Spec.Artifacts.Outputs = append(w.obj.Spec.Artifacts.Outputs, ml.OutputArtifact{Name: name, Type: typ, Path: path.Join(ml.ArtifactsRoot, "out", name)})
	return w
}
