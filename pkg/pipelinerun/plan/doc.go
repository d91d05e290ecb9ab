// Package plan plans the execution of a PipelineRun: from the run's
// snapshot of its pipeline (status.pipelineSpec), its effective params
// (status.params), the state of its tasks (status.tasks) and the pods the
// controller observed, Plan decides which tasks start, which are skipped
// and why, which finish, fail, retry or are canceled, and what the run's
// phase is. It is pure: no clients, no clock of its own, no cluster. The
// PipelineRun controller (package controller/pipelinerun) turns a Plan into
// pods through the workload runtime and writes the status it returns.
//
// The rules, in the order a plan applies them:
//
//   - A task is ready when every task it depends on (dependsOn, and every
//     task whose outputs it references, in CEL when conditions too) has
//     ended. Tasks are considered in
//     dependency order, so a chain of skipped or cached tasks settles in
//     one plan.
//   - A ready task that references outputs of a Skipped task is Skipped
//     too (reason UpstreamSkipped); one whose when expressions (In/NotIn,
//     or CEL conditions compiled once by validation.CompileWhenCEL and
//     held to its cost limit) do not hold is Skipped (WhenNotMet); one whose cache key (see CacheKey) matches a
//     Succeeded task of a run in the namespace takes the outputs it
//     declares and is Succeeded (Cached).
//   - forEach expands a task into instances <task>-<i>, one per item; a
//     reference to the outputs of a forEach task is the JSON list of its
//     instances' values.
//   - Command, args and env values get $(params.X), $(tasks.X.outputs.Y),
//     $(item) and $(run.status) substituted; "$$" stays an escaped "$".
//   - At most spec.parallelism attempts run at once; spec.suspend starts
//     nothing new.
//   - A failed attempt is retried up to retries.limit times after the
//     backoff delay; an attempt running longer than the task's timeout
//     fails. Outputs are read from the termination message of a succeeded
//     attempt; a malformed message fails the attempt.
//   - The first task that fails for good, spec.cancel and
//     spec.activeDeadlineSeconds stop the run: nothing new starts, tasks
//     not started are Skipped, running ones finish (or are canceled, with
//     spec.failFast, cancel or the deadline). Then the finally tasks run,
//     and the run ends Succeeded, Failed or Canceled.
package plan
