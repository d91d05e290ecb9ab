// Package artifacthelper is what `ml-apiserver artifact pull|push` does in
// the pods of tasks and TrainingJobs with artifacts, on a cluster: the pull
// step (an init container of the server's image) copies the server's own
// binary where the main container can run it and downloads the inputs;
// the push step wraps the main container's command, runs it, and uploads
// the outputs after it exited 0, reporting each in the termination message
// (workload.FormatArtifactResult). The user's image is never changed.
//
// The store is configured by environment variables (Env*), which the pod
// takes from the namespace's artifact store Secret through secretKeyRef:
// credentials never appear on a command line, and the push step removes
// them from the environment of the command it runs.
package artifacthelper
