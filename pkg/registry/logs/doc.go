// Package logs implements the log subresource of TrainingJobs,
// PipelineRuns, Models and Notebooks: GET streams the logs of an object's
// pods as text/plain, merged with a [replica-N] or [task] prefix per line,
// from the pods while they exist (through a workload.LogSource) and from
// the archive (a logstore.LogStore) once they are gone; POST archives one
// pod's logs.
//
// A follow (GET with follow=true) follows the object, not only the pods it
// had when the request came: it looks again every second and streams the
// pods that start later (a replaced replica, a scale up, the next task, a
// retry, a container restarted in place), each pod once, until the object
// has ended (lifecycle.go) and every followed log has.
//
// Each kind plugs in a Kind, which finds its pods and names them.
package logs
