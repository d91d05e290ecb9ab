// Package local runs the children of ml.example.io objects as host
// processes: the workload runtime of standalone mode. A replica runs the
// command and args of its template's first container (the image is
// ignored) in a working directory of its own, with the template's
// environment, in its own process group; its stdout and stderr are written
// to a log file in the CRI format that kubelets write, rotated as they
// rotate it (Config.Log), and what it writes to the file named by
// ML_TERMINATION_MESSAGE_PATH is its termination message. At most
// Config.MaxProcesses replicas run at once; the others wait, Pending with
// reason WaitingForProcessSlot, in the order they were started; the
// replicas of a gang (a distributed job's) start together (slots.go).
//
// Services have no network of their own: every replica listens on
// 127.0.0.1, so the runtime rewrites, in the address variables the
// controllers inject (never in other values), hosts that name a
// service of the replica's owner (`<host>.<service>`, `<service>`,
// `<service>.<namespace>.svc...`) to 127.0.0.1. Ports of a headless
// service get a free port of 127.0.0.1 each, and each of its hosts
// (`<host>.<service>:<port>`, as TF_CONFIG lists a job's workers) a port
// of its own, kept until the owner is forgotten, so that every replica
// listens where the others look for it.
//
// Downward API volumes (downward.go) are files the runtime writes into
// the replica's directory before the process starts, from fieldRef items
// (the pod's name, namespace, UID, a label or an annotation), with the
// owner's hosts rewritten line by line as in the address variables; a
// variable whose value is a path below the volume's mount path points at
// them (an MPI launcher's hostfile at ML_HOSTFILE=/etc/mpi/hostfile).
//
// Credentials that Config.OwnerEnv writes for an owner's processes live in
// a directory per owner that goes with the owner (ForgetOwner), or at a
// later start when the owner is gone (RemoveStaleCredentials).
//
// Confinement: every process starts as the launcher (package launcher),
// which confines it with Landlock to the system paths (read-only), its own
// directories and volumes (read-write) and its owner's credentials
// (read-only), and runs it as Confinement.RunAs (nobody when the server is
// root), before it executes the command (confine.go).
//
// Restarts of the server: replicas do not survive them. A runtime started
// on a directory where an earlier one ran stops every process that one left
// running: those carrying the directory's marker (MarkerEnv) in
// /proc/<pid>/environ, and the process groups recorded in pid files (with
// their start time, so a reused pid is never killed). A confined process
// runs nothing until the runtime has recorded it (the launcher's start
// pipe). The controllers then start the replicas again, as they would
// after a node was lost.
//
// Logs outlive their processes (keep.go, archive.go): each replica's
// directory holds its record (replica.json). While ArchiveLogs runs (the
// logarchive controller), the log of a replica is archived once its last
// process ended, and before its directory is removed; a directory goes
// only once its log is archived. A runtime started after a restart keeps
// the directories of an earlier run whose logs are not archived, serves
// them through LogSource as finished pods, and removes each once
// ArchiveLeftovers or ArchiveLogs archived it.
package local
