// Package nested expands nested pipelines: a pipeline task with
// pipelineRef runs the tasks of another Pipeline of the namespace. When a
// PipelineRun is created, the PipelineRunResolve admission plugin calls
// Expand to write the run's snapshot with every such task replaced by the
// tasks of the pipeline it references, named <task>.<inner task> (and so
// on at each level), so that the planner and the controller only ever see
// container tasks:
//
//   - the referenced pipeline's $(params.x) become the values the task
//     gives (templates of the outer pipeline, so $(tasks.t.outputs.o) in a
//     value becomes a dependency of the inner tasks that use it) or the
//     declared defaults;
//   - inner tasks that depend on no other inner task depend on what the
//     nested task depends on; tasks that depend on the nested task depend
//     on its finishing inner tasks (those no inner task depends on);
//   - $(tasks.<nested task>.outputs.<o>) becomes the inner task output
//     the referenced pipeline names in spec.outputs;
//   - the nested task's when conditions guard every inner task, its
//     retries become those of every inner task that has none, and
//     cache: false turns the cache off for every inner task.
//
// A cycle of pipelines referencing each other, nesting deeper than
// Limits.MaxDepth, more than Limits.MaxTasks tasks after expansion, a
// missing pipeline, params the referenced pipeline does not take and
// outputs it does not declare are errors naming the task and the
// pipelines. It is pure: the caller reads Pipelines.
package nested
