// Package tuningjob is the TuningJob controller: it runs a hyperparameter
// search as TrainingJobs, proposed by the algorithms of pkg/tuning/algorithm.
//
// Everything is derived from the trials that exist, so a restart neither
// loses nor repeats a proposal: trial i of TuningJob t is the TrainingJob
// <t>-<i>, labeled ml.example.io/tuning-job=<t>, owned by t (a controller
// ownerReference) and annotated with its parameters
// (ml.example.io/trial-parameters, a JSON object) and index. At each sync
// the controller lists the trials, reads each one's objective series from
// the metric store (what the trainingjobs/metrics subresource serves),
// early-stops the running trials the median stopping rule condemns,
// decides whether the search ended (target reached, maxTrials done,
// maxFailedTrials failed, the algorithm exhausted) and otherwise asks the
// algorithm for as many proposals as parallelTrials leaves room for,
// giving it every trial so far in index order. Creating a trial that
// exists already is success: the lister had not seen it yet.
//
// A trial is stopped by suspending its TrainingJob (spec.suspend, which
// deletes its replicas) with the annotation ml.example.io/early-stopped
// saying why. A trial that succeeded without ever reporting the objective
// metric counts as failed, so a misspelt metric name fails the search
// after maxFailedTrials trials instead of running it blind.
//
// While trials run, the TuningJob is requeued every poll interval to read
// their metrics. When a TuningJob is deleted its trials are deleted too
// (orphans.go): standalone mode has no garbage collector.
package tuningjob
