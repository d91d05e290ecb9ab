// Package model is the Model controller: for every Model it runs the model
// server as a Deployment named <model> behind a Service named <model>
// (status.url http://<model>.<namespace>.svc:<port>), and a canary as a
// second Deployment, <model>-canary, behind the same Service.
//
// Traffic is split by replica ratio: the Service selects the pods of both
// Deployments alike, so each version gets the share of requests its share
// of ready replicas gives it, and spec.canary.trafficPercent is turned into
// replica counts by SplitReplicas. spec.replicas (what `kubectl scale` and
// an HPA set) is the total of both.
//
// The model files come from spec.source.uri, or from a TrainingJob named by
// spec.source.trainingJobRef: its spec.outputURI, once it has succeeded. The
// resolved location is status.modelURI and reaches the server container as
// ML_MODEL_URI. While the job has not succeeded the controller waits,
// creating nothing (condition SourceResolved False); a failed job, or one
// without an outputURI, fails the Model.
//
// A sync decides in small steps (source, split, children, status), acts on
// the workload runtime, writes the status once if it changed, and emits
// the events of the transitions after that write.
package model
