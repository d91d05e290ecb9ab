package artifacts

import (
	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// List is the artifacts obj (a PipelineRun or a TrainingJob) produced and
// consumed, from its status: per task in the order of status.tasks, the
// outputs before the inputs.
func List(obj any) *ml.ArtifactList {
	list := &ml.ArtifactList{Items: []ml.ArtifactListItem{}}
	add := func(task string, st *ml.ArtifactsStatus) {
		if st == nil {
			return
		}
		prefix := ""
		if task != "" {
			prefix = task + "/"
		}
		for _, rec := range st.Outputs {
			list.Items = append(list.Items, ml.ArtifactListItem{Task: task, Direction: ml.ArtifactOutput, Path: prefix + rec.Name, ArtifactRecord: *rec.DeepCopy()})
		}
		for _, rec := range st.Inputs {
			list.Items = append(list.Items, ml.ArtifactListItem{Task: task, Direction: ml.ArtifactInput, Path: prefix + rec.Name, ArtifactRecord: *rec.DeepCopy()})
		}
	}
	switch o := obj.(type) {
	case *ml.PipelineRun:
		for i := range o.Status.Tasks {
			add(o.Status.Tasks[i].Name, o.Status.Tasks[i].Artifacts)
		}
	case *ml.TrainingJob:
		add("", o.Status.Artifacts)
	}
	return list
}

// find is the item of list at path: an output before an input.
func find(list *ml.ArtifactList, path string) (ml.ArtifactListItem, bool) {
	var input *ml.ArtifactListItem
	for i := range list.Items {
		it := &list.Items[i]
		if it.Path != path {
			continue
		}
		if it.Direction == ml.ArtifactOutput {
			return *it, true
		}
		if input == nil {
			input = it
		}
	}
	if input != nil {
		return *input, true
	}
	return ml.ArtifactListItem{}, false
}
