// Package artifacts serves the artifacts subresource of PipelineRuns and
// TrainingJobs: GET .../<resource>/<name>/artifacts lists what the object
// produced and consumed (from its status), and GET
// .../artifacts/<task>/<name> (or .../artifacts/<name> for a TrainingJob)
// streams the content of one small artifact from the namespace's artifact
// store, up to the server's --max-artifact-serve-bytes. RBAC is that of
// the log subresource: `get` on <resource>/artifacts.
package artifacts
