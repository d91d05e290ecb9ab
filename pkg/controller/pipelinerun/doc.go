// Package pipelinerun is the PipelineRun controller: it executes a run's
// DAG as pods. Every sync reads the run's snapshot of its pipeline
// (status.pipelineSpec) and effective params (status.params), which the
// PipelineRunResolve admission plugin writes at create time, and the pods
// the run owns; package pipelinerun/plan plans the next step from them (which
// tasks start, are skipped, served from the cache, retried, canceled or
// end); the sync then deletes and creates pods through the workload
// runtime, writes the status once if it changed (tasks, phase, conditions
// Running, Succeeded and Failed) and emits events. A finished run is
// deleted ttlSecondsAfterFinished after it ended.
//
// Pods are named <run>-<task>-<attempt> (see pipeline.PodName), so that a
// sync working from a cache that lags behind never starts an attempt twice.
package pipelinerun
