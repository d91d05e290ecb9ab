// Package trainingjob is the TrainingJob controller: for every job it runs
// one pod per replica, named <job>-<index>, and a headless Service named
// <job> through which replicas find each other, with the rendezvous
// environment of the job's framework injected; it replaces failed pods up
// to spec.backoffLimit, enforces spec.activeDeadlineSeconds, suspends and
// resumes, scales elastic jobs, cleans up after the end (cleanPodPolicy,
// ttlSecondsAfterFinished) and reports all of it in status, conditions and
// events.
//
// A sync is a sequence of small steps over a syncState, each in its own
// file: failures, completion, suspend, deadline, replicas, cleanup and
// status. Steps decide; the sync then acts on the workload runtime, writes
// the status once if it changed, and emits events. Decisions that destroy
// something (deleting a failed pod after counting it, cleaning pods after
// the end) are taken only once the decision they follow from is stored in
// the job, so a failed status write can never lose a count or an end.
package trainingjob
