package model

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// resolution is where a source's model files are, or why it has none yet.
type resolution struct {
	// URI is the location, "" while unresolved.
	URI string
	// Reason and Message explain the resolution (ReasonResolved or why
	// not), for the SourceResolved condition.
	Reason, Message string
	// Final is true when the source cannot resolve without a change of
	// the Model or of its TrainingJob's spec: the model fails.
	Final bool
	// Digest, Artifact and Producer describe an artifact source, for
	// status.source.
	Digest, Artifact string
	Producer         *mlv1alpha1.ArtifactProducer
}

// resolved says whether the source has a location.
func (r resolution) resolved() bool { return r.URI != "" }

// resolveSource finds the location of a source's files: its uri, or the
// spec.outputURI of the TrainingJob it names once that job has succeeded.
// A job that does not exist yet or is still running is waited for; a
// failed one, or one without an outputURI, is final.
func resolveSource(src mlv1alpha1.ModelSource, namespace string, p producers) (resolution, error) {
	if src.URI != "" {
		return resolution{URI: src.URI, Reason: ReasonResolved, Message: "Serving " + src.URI}, nil
	}
	if src.Artifact != nil {
		return resolveArtifact(src.Artifact, namespace, p)
	}
	if src.TrainingJobRef == nil || src.TrainingJobRef.Name == "" {
		return resolution{Reason: ReasonNoSource, Message: "spec.source sets none of uri, trainingJobRef and artifact", Final: true}, nil
	}
	name := src.TrainingJobRef.Name
	job, err := p.jobs.TrainingJobs(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return resolution{Reason: ReasonTrainingJobNotFound, Message: fmt.Sprintf("Waiting for TrainingJob %s to exist", name)}, nil
	}
	if err != nil {
		return resolution{}, fmt.Errorf("get trainingjob %s/%s: %w", namespace, name, err)
	}
	switch job.Status.Phase {
	case mlv1alpha1.TrainingJobSucceeded:
	case mlv1alpha1.TrainingJobFailed:
		return resolution{Reason: ReasonTrainingJobFailed, Message: fmt.Sprintf("TrainingJob %s failed", name), Final: true}, nil
	default:
		phase := job.Status.Phase
		if phase == "" {
			phase = mlv1alpha1.TrainingJobPending
		}
		return resolution{Reason: ReasonTrainingJobNotSucceeded, Message: fmt.Sprintf("Waiting for TrainingJob %s to succeed (it is %s)", name, phase)}, nil
	}
	if job.Spec.OutputURI == "" {
		return resolution{Reason: ReasonNoOutputURI, Message: fmt.Sprintf("TrainingJob %s succeeded but sets no spec.outputURI to load the model from", name), Final: true}, nil
	}
	return resolution{
		URI:     job.Spec.OutputURI,
		Reason:  ReasonResolved,
		Message: fmt.Sprintf("Serving %s, the output of TrainingJob %s", job.Spec.OutputURI, name),
	}, nil
}

// keepResolved keeps serving what a model's TrainingJob source resolved to
// once that job is gone: a job is often deleted after it ended (its
// ttlSecondsAfterFinished), and its output stays where it was. It applies
// while the spec is the one the stored resolution was made for (the
// SourceResolved condition is true for the current generation).
func keepResolved(m *mlv1alpha1.Model, r resolution) resolution {
	if r.Reason != ReasonTrainingJobNotFound && r.Reason != ReasonProducerNotFound || m.Status.ModelURI == "" {
		return r
	}
	c := meta.FindStatusCondition(m.Status.Conditions, ConditionSourceResolved)
	if c == nil || c.Status != "True" || c.ObservedGeneration != m.Generation {
		return r
	}
	if r.Reason == ReasonProducerNotFound {
		// The artifact stays where it was while the producer's
		// retainArtifacts keeps it; the pods have their copy.
		kept := resolution{URI: m.Status.ModelURI, Reason: ReasonResolved,
			Message: fmt.Sprintf("Serving %s, whose producer is gone", m.Status.ModelURI)}
		if src := m.Status.Source; src != nil {
			kept.Digest, kept.Artifact, kept.Producer = src.Digest, src.Artifact, src.Producer.DeepCopy()
		}
		return kept
	}
	return resolution{
		URI:     m.Status.ModelURI,
		Reason:  ReasonResolved,
		Message: fmt.Sprintf("Serving %s, the output of TrainingJob %s, which is gone", m.Status.ModelURI, m.Spec.Source.TrainingJobRef.Name),
	}
}
