package launcher

import (
	"os"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsyscall "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// landlockConfig is the Landlock ABI the launcher asks for: version 7, the
// kernel's here, downgraded to what an older kernel offers. Only file
// system rights are restricted: replicas bind and connect where they
// like (their peers, the server's metrics endpoint).
var landlockConfig = landlock.V7.BestEffort()

// ABI is the Landlock ABI version the kernel offers, 0 without Landlock.
func ABI() int {
	v, err := llsyscall.LandlockGetABIVersion()
	if err != nil {
		return 0
	}
	return v
}

// confine restricts the process, and what it executes, to the paths of s.
func confine(s *Spec) error {
	var rules []landlock.Rule
	if ro := existing(s.ReadOnly); len(ro) > 0 {
		rules = append(rules, landlock.RODirs(ro...))
	}
	if rw := existing(s.ReadWrite); len(rw) > 0 {
		rules = append(rules, landlock.RWDirs(rw...))
	}
	if f := existing(s.ReadWriteFiles); len(f) > 0 {
		rules = append(rules, landlock.RWFiles(f...))
	}
	if d := existing(s.Devices); len(d) > 0 {
		rules = append(rules, landlock.RWFiles(d...).WithIoctlDev())
	}
	return landlockConfig.RestrictPaths(rules...)
}

// existing are the paths that exist.
func existing(paths []string) []string {
	var out []string
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}
