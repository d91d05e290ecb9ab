// Package launcher is the small program the local runtime starts in place
// of a replica's command: it waits until the runtime has recorded it,
// confines itself with Landlock to the paths its Spec allows, drops to the
// Spec's uid, and then executes the command, which inherits all of it.
//
// Landlock restricts the calling process and what it executes, never its
// parent, so the runtime starts a binary of its own with the Spec in the
// environment variable SpecEnv: cmd/ml-apiserver-launch when installed,
// else its own binary (/proc/self/exe). A binary becomes the launcher by
// calling RunIfLauncher first thing in main; so do the TestMain functions
// of test packages whose processes run confined, since the runtime
// re-executes the test binary there. Check tells a binary that does not
// from one that does, so a missing call fails the process's start with a
// clear error instead of running the binary a second time.
package launcher

import (
	"encoding/json"
	"fmt"
	"os"
	"syscall"
)

// SpecEnv names the environment variable that carries a JSON Spec. A
// binary that starts with it set is the launcher; the command does not see
// it.
const SpecEnv = "ML_LOCAL_LAUNCH"

// StartFD is the file descriptor of the start pipe: a launcher whose Spec
// says WaitStart reads one byte from it before it runs anything, and exits
// without running the command when the pipe closes empty (the runtime that
// started it died before it recorded the process).
const StartFD = 3

// Spec is what the launcher does.
type Spec struct {
	// Path is the executable and Args its argv.
	Path string   `json:"path"`
	Args []string `json:"args"`
	// WaitStart makes the launcher wait on StartFD.
	WaitStart bool `json:"waitStart,omitempty"`
	// Confine applies Landlock: the command may read (and execute) below
	// ReadOnly, read and write below ReadWrite, read and write the files
	// ReadWriteFiles, and use (ioctl included) the device files Devices;
	// nothing else of the file system. Paths that do not exist are
	// skipped.
	Confine        bool     `json:"confine,omitempty"`
	ReadOnly       []string `json:"readOnly,omitempty"`
	ReadWrite      []string `json:"readWrite,omitempty"`
	ReadWriteFiles []string `json:"readWriteFiles,omitempty"`
	Devices        []string `json:"devices,omitempty"`
	// UID and GID, when UID is not nil, are the user the command runs as,
	// without supplementary groups.
	UID *uint32 `json:"uid,omitempty"`
	GID uint32  `json:"gid,omitempty"`
	// Procs above 1 makes the launcher play torchrun: it runs the command
	// Procs times, one per local rank, instead of executing it (runProcs).
	Procs int `json:"procs,omitempty"`
	// Probe asks the launcher to answer probeReply on its standard output
	// and exit, running nothing (see Check).
	Probe bool `json:"probe,omitempty"`
}

// Exit codes of a launcher that could not run the command, as a shell's.
const (
	exitNotStarted = 125
	exitCannotRun  = 126
	exitNotFound   = 127
)

// RunIfLauncher turns the calling binary into the launcher when it was
// started as one (SpecEnv is set): it then runs the command and never
// returns. Otherwise it returns at once. Call it first thing in main, and
// in TestMain of a test package whose tests run confined local processes
// with the test binary as the launcher.
func RunIfLauncher() {
	if v, ok := os.LookupEnv(SpecEnv); ok {
		os.Exit(Run(v))
	}
}

// Run is the launcher: it runs the command of the JSON spec and only
// returns (an exit code) when it could not.
func Run(spec string) int {
	_ = os.Unsetenv(SpecEnv)
	var s Spec
	err := json.Unmarshal([]byte(spec), &s)
	if err == nil && s.Probe {
		fmt.Println(probeReply)
		return 0
	}
	if err != nil || s.Path == "" || len(s.Args) == 0 {
		fmt.Fprintf(os.Stderr, "local-launch: bad spec: %v\n", err)
		return exitNotStarted
	}
	if s.WaitStart {
		start := os.NewFile(StartFD, "start")
		b := make([]byte, 1)
		if n, _ := start.Read(b); n != 1 {
			// The runtime is gone: nothing of the command may run.
			return exitNotStarted
		}
		_ = start.Close()
	}
	if s.Confine {
		if err := confine(&s); err != nil {
			fmt.Fprintf(os.Stderr, "local-launch: confine: %v\n", err)
			return exitNotStarted
		}
	}
	if s.UID != nil {
		if err := dropTo(*s.UID, s.GID); err != nil {
			fmt.Fprintf(os.Stderr, "local-launch: run as uid %d: %v\n", *s.UID, err)
			return exitNotStarted
		}
	}
	if s.Procs > 1 {
		return runProcs(&s)
	}
	err = syscall.Exec(s.Path, s.Args, os.Environ())
	fmt.Fprintf(os.Stderr, "local-launch: exec %s: %v\n", s.Path, err)
	if os.IsNotExist(err) {
		return exitNotFound
	}
	return exitCannotRun
}

// dropTo makes every thread of the process run as uid and gid, without
// supplementary groups.
func dropTo(uid, gid uint32) error {
	if err := syscall.Setgroups(nil); err != nil {
		return err
	}
	if err := syscall.Setgid(int(gid)); err != nil {
		return err
	}
	return syscall.Setuid(int(uid))
}
