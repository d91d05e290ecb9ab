package s3test

import "syscall"

// sysProcAttr puts weed in a process group of its own (stopped as one) and
// kills it if the test binary dies without cleaning up (a test timeout).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
