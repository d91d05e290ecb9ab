package plan

import (
	"fmt"
	"slices"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/apis/ml/validation"
	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// ReasonMissingArtifact: a task succeeded without reporting an output
// artifact it declares.
const ReasonMissingArtifact = "MissingArtifact"

// expandTask is the container of t after substitution, once the artifacts
// it reads are available: an input from a task that was skipped, failed
// or has no such artifact is an error as a missing output is.
func (p *planner) expandTask(sc *scope, t *ml.PipelineTask) (container, error) {
	c, err := sc.expandContainer(t.Command, t.Args, t.Env)
	if err != nil {
		return c, err
	}
	_, err = p.inputArtifacts(t)
	return c, err
}

// inputArtifacts are the records of what t reads: for an input from
// another task, that task's output record under the input's name; for an
// input by URI, the URI.
func (p *planner) inputArtifacts(t *ml.PipelineTask) ([]ml.ArtifactRecord, error) {
	if t.Artifacts == nil {
		return nil, nil
	}
	var records []ml.ArtifactRecord
	for _, in := range t.Artifacts.Inputs {
		if in.From == "" {
			records = append(records, ml.ArtifactRecord{Name: in.Name, URI: in.URI})
			continue
		}
		task, artifact, ok := validation.ParseArtifactRef(in.From)
		if !ok {
			return nil, fmt.Errorf("input artifact %s: from %q is not $(tasks.<task>.outputs.artifacts.<artifact>)", in.Name, in.From)
		}
		r, err := p.outputArtifact(task, artifact)
		if err != nil {
			return nil, err
		}
		r.Name = in.Name
		records = append(records, r)
	}
	return records, nil
}

// outputArtifact is the record of output artifact of task, which must have
// succeeded with it.
func (p *planner) outputArtifact(task, artifact string) (ml.ArtifactRecord, error) {
	ref := "artifacts." + artifact
	ni, ok := p.g.byName[task]
	if !ok || p.expanded[ni] || len(p.byNode[ni]) == 0 {
		return ml.ArtifactRecord{}, &refError{kind: refUnavailable, task: task, output: ref}
	}
	e := &p.entries[p.byNode[ni][0]]
	switch e.Phase {
	case ml.TaskSucceeded:
		if e.Artifacts != nil {
			if k := slices.IndexFunc(e.Artifacts.Outputs, func(r ml.ArtifactRecord) bool { return r.Name == artifact }); k >= 0 {
				return *e.Artifacts.Outputs[k].DeepCopy(), nil
			}
		}
		return ml.ArtifactRecord{}, &refError{kind: refMissing, task: task, output: ref}
	case ml.TaskSkipped:
		return ml.ArtifactRecord{}, &refError{kind: refSkipped, task: task, output: ref}
	}
	return ml.ArtifactRecord{}, &refError{kind: refUnavailable, task: task, output: ref}
}

// artifactReads adds to reads, for the cache key, what t's artifacts
// are: each output's type and path, each input's path and digest (its URI
// for an input by URI, whose content the server does not know), so that
// a task reading other bytes does not hit the cache.
func (p *planner) artifactReads(t *ml.PipelineTask, reads map[string]string) map[string]string {
	if t.Artifacts == nil {
		return reads
	}
	for _, o := range t.Artifacts.Outputs {
		reads["artifacts.outputs."+o.Name] = string(o.Type) + " " + o.Path
	}
	inputs, _ := p.inputArtifacts(t)
	for k, in := range t.Artifacts.Inputs {
		v := in.Path
		if k < len(inputs) {
			if inputs[k].Digest != "" {
				v += " " + inputs[k].Digest
			} else {
				v += " " + inputs[k].URI
			}
		}
		reads["artifacts.inputs."+in.Name] = v
	}
	return reads
}

// artifactPlan is what the pod of entry e of task t pulls and pushes, and
// the entry's artifacts with the inputs' records; nil for a task without
// artifacts.
func (p *planner) artifactPlan(t *ml.PipelineTask, e *ml.PipelineTaskStatus) *workload.ArtifactPlan {
	if t.Artifacts == nil {
		return nil
	}
	inputs, _ := p.inputArtifacts(t) // resolvable: expandTask checked
	plan := &workload.ArtifactPlan{}
	for k, in := range t.Artifacts.Inputs {
		if k >= len(inputs) {
			break
		}
		plan.Inputs = append(plan.Inputs, workload.ArtifactTransfer{Name: in.Name, Key: inputs[k].Key, Path: in.Path})
	}
	for _, o := range t.Artifacts.Outputs {
		plan.Outputs = append(plan.Outputs, workload.ArtifactTransfer{Name: o.Name, Key: p.artifactKey(e.Name, o.Name), Path: o.Path})
	}
	if len(inputs) > 0 {
		e.Artifacts = &ml.ArtifactsStatus{Inputs: inputs}
	}
	return plan
}

// artifactKey is the key of output artifact of entry in the store.
func (p *planner) artifactKey(entry, artifact string) string {
	r := p.run
	return artifactstore.Key(r.Namespace, workload.ArtifactKindPipelineRun, r.Name, string(r.UID), entry, artifact)
}

// recordOutputArtifacts records the output artifacts the pod of entry e of
// task t pushed; an artifact it declares and did not report is an error.
func (p *planner) recordOutputArtifacts(t *ml.PipelineTask, e *ml.PipelineTaskStatus, pod *workload.ReplicaStatus) error {
	if t.Artifacts == nil || len(t.Artifacts.Outputs) == 0 {
		return nil
	}
	var outputs []ml.ArtifactRecord
	for _, o := range t.Artifacts.Outputs {
		k := slices.IndexFunc(pod.Artifacts, func(r workload.ArtifactResult) bool { return r.Name == o.Name })
		if k < 0 {
			return fmt.Errorf("the task did not report its output artifact %q as stored", o.Name)
		}
		r := pod.Artifacts[k]
		outputs = append(outputs, ml.ArtifactRecord{
			Name: o.Name, Type: o.Type, Key: r.Key, URI: r.URI, Size: r.Size, Digest: r.Digest,
			Producer: &ml.ArtifactProducer{Kind: "PipelineRun", Name: p.run.Name, UID: string(p.run.UID), Task: e.Name},
		})
	}
	if e.Artifacts == nil {
		e.Artifacts = &ml.ArtifactsStatus{}
	}
	e.Artifacts.Outputs = outputs
	return nil
}

// cachedArtifacts gives entry e of task t the output artifacts of a cache
// hit, and says whether the hit has every one t declares.
func cachedArtifacts(t *ml.PipelineTask, e *ml.PipelineTaskStatus, hit []ml.ArtifactRecord) bool {
	if t.Artifacts == nil || len(t.Artifacts.Outputs) == 0 {
		return true
	}
	var outputs []ml.ArtifactRecord
	for _, o := range t.Artifacts.Outputs {
		k := slices.IndexFunc(hit, func(r ml.ArtifactRecord) bool { return r.Name == o.Name })
		if k < 0 {
			return false
		}
		outputs = append(outputs, *hit[k].DeepCopy())
	}
	e.Artifacts = &ml.ArtifactsStatus{Outputs: outputs}
	return true
}

// reusedArtifacts are the output artifacts of a task a retry reuses: the
// files of the retried run, which its inputs were not.
func reusedArtifacts(a *ml.ArtifactsStatus) *ml.ArtifactsStatus {
	if a == nil || len(a.Outputs) == 0 {
		return nil
	}
	return &ml.ArtifactsStatus{Outputs: append([]ml.ArtifactRecord(nil), a.Outputs...)}
}

// appendArtifactRefs adds to refs the tasks whose artifacts t reads.
func appendArtifactRefs(refs []string, t *ml.PipelineTask) []string {
	if t.Artifacts == nil {
		return refs
	}
	for _, in := range t.Artifacts.Inputs {
		if task, _, ok := validation.ParseArtifactRef(in.From); ok && !slices.Contains(refs, task) {
			refs = append(refs, task)
		}
	}
	return refs
}
