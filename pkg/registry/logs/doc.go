// Package logs implements the log subresource of TrainingJobs,
// PipelineRuns, Models and Notebooks: GET streams the logs of an object's
// pods as text/plain, merged with a [replica-N] or [task] prefix per line,
// from the pods while they exist (through a Source) and from the archive
// (a logstore.LogStore) once they are gone; POST archives one pod's logs.
//
// Each kind plugs in a Kind, which finds its pods and names them.
package logs
