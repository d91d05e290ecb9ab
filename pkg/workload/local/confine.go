package local

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/workload/local/launcher"
)

// Confinement is how the runtime keeps its processes away from the rest of
// the host: by default each process runs through the launcher (package
// launcher), which lets it read and execute the system paths, read its
// owner's credentials and ReadOnlyPaths, and read and write its working
// directory, its volumes, a private TMPDIR and its termination message
// file; nothing else of the file system, the server's data directory
// included.
type Confinement struct {
	// Disabled starts processes directly, without Landlock.
	Disabled bool
	// RunAs is the user processes run as; nil for the server's own.
	RunAs *User
	// Launcher is the binary started as the launcher: the server's own
	// (/proc/self/exe) when empty. Its main (a test binary's TestMain)
	// must call launcher.RunIfLauncher first; a process fails to start
	// with an error saying so when it does not.
	Launcher string
	// ReadOnlyPaths are more paths confined processes may read and
	// execute (a tool chain outside the system paths).
	ReadOnlyPaths []string
	// ReadWritePaths are paths confined processes may read and write (a
	// scratch directory shared by jobs, a data set they update). Those
	// that do not exist are made, for the user processes run as.
	ReadWritePaths []string
}

// User is a uid and its primary gid.
type User struct {
	UID, GID uint32
}

// LookupUser resolves a user name, or uid[:gid] numbers. "" and "root"
// (uid 0) mean the server's own user: nil.
func LookupUser(name string) (*User, error) {
	if name == "" {
		return nil, nil
	}
	uidStr, gidStr, hasGID := strings.Cut(name, ":")
	var u User
	if uid, err := strconv.ParseUint(uidStr, 10, 32); err == nil {
		u.UID, u.GID = uint32(uid), uint32(uid)
		if hasGID {
			gid, err := strconv.ParseUint(gidStr, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("group id %q is not a number", gidStr)
			}
			u.GID = uint32(gid)
		}
	} else {
		found, err := user.Lookup(name)
		if err != nil {
			return nil, err
		}
		uid, _ := strconv.ParseUint(found.Uid, 10, 32)
		gid, _ := strconv.ParseUint(found.Gid, 10, 32)
		u.UID, u.GID = uint32(uid), uint32(gid)
	}
	if u.UID == 0 {
		return nil, nil
	}
	return &u, nil
}

// ConfinedPATH is the PATH of confined processes and of processes run as
// another user: system directories only, which every user can read (the
// server's own PATH may name directories of its user's home).
const ConfinedPATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// systemReadOnly are the paths every confined process may read and
// execute; those a host does not have are skipped. /tmp is not among them:
// a process gets a TMPDIR of its own.
var systemReadOnly = []string{
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt",
	"/proc", "/sys", "/run", "/snap", "/nix/store",
}

// systemDevices are the device files every confined process may use.
var systemDevices = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"}

// tmpDirName is the private TMPDIR of a confined replica in its directory.
const tmpDirName = "tmp"

// setUpConfinement checks what the host offers and makes the runtime's
// directory traversable by the user processes run as.
func (r *Runtime) setUpConfinement(c Confinement) error {
	r.confinement = c
	if r.confinement.Launcher == "" {
		r.confinement.Launcher = "/proc/self/exe"
	}
	if c.RunAs != nil && os.Geteuid() != 0 {
		// Only root may change its uid; processes run as the server.
		r.confinement.RunAs = nil
	}
	if !c.Disabled && launcher.ABI() < 1 {
		klog.InfoS("WARNING: this kernel has no Landlock: local processes are not confined to their directories and can read whatever the server's data directory lets their user read")
	}
	if r.confinement.RunAs == nil {
		return nil
	}
	// The processes' user must reach its directories below the data
	// directory: every directory on the way lets others traverse it (not
	// list it); what is in them stays the server's (0600 and 0700).
	for d := r.dir; ; d = filepath.Dir(d) {
		changed, err := allowTraverse(d)
		if err != nil {
			return fmt.Errorf("local runtime: %w", err)
		}
		if changed {
			klog.InfoS("Letting local processes traverse a directory on the way to theirs (o+x)", "dir", d, "user", r.confinement.RunAs.UID)
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	for _, sub := range []string{"replicas", "volumes", credentialsFolder} {
		d := filepath.Join(r.dir, sub)
		if err := os.MkdirAll(d, 0o711); err != nil {
			return fmt.Errorf("local runtime: %w", err)
		}
		if _, err := allowTraverse(d); err != nil {
			return fmt.Errorf("local runtime: %w", err)
		}
	}
	return nil
}

// makeSharedPaths makes the read-write paths that do not exist, for the
// user processes run as.
func (r *Runtime) makeSharedPaths() error {
	for _, p := range r.confinement.ReadWritePaths {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			continue
		}
		if err := os.MkdirAll(p, 0o700); err != nil {
			return err
		}
		if u := r.confinement.RunAs; u != nil {
			if err := os.Chown(p, int(u.UID), int(u.GID)); err != nil {
				return err
			}
		}
	}
	return nil
}

// allowTraverse lets every user traverse dir when the server owns it;
// changed says whether its mode changed.
func allowTraverse(dir string) (changed bool, err error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return false, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) != os.Geteuid() || fi.Mode().Perm()&0o001 != 0 {
		return false, nil
	}
	return true, os.Chmod(dir, fi.Mode().Perm()|0o001)
}

// confined says whether processes go through the launcher.
func (r *Runtime) confined() bool { return !r.confinement.Disabled }

// prepareConfined sets up, for a confined process or one of another user,
// its files (a TMPDIR, the termination message file, owned by its user)
// and its PATH and TMPDIR in env.
func (r *Runtime) prepareConfined(rep *replica, env []string, credentials string) ([]string, error) {
	if !r.confined() && r.confinement.RunAs == nil {
		return env, nil
	}
	if err := r.makeSharedPaths(); err != nil {
		return nil, err
	}
	tmp := filepath.Join(rep.dir, tmpDirName)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, err
	}
	term := filepath.Join(rep.dir, terminationFile)
	f, err := os.OpenFile(term, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	_ = f.Close()
	if u := r.confinement.RunAs; u != nil {
		owned := append([]string{rep.workDir, tmp, term}, r.volumeDirs(rep)...)
		for _, p := range owned {
			if err := os.Chown(p, int(u.UID), int(u.GID)); err != nil {
				return nil, err
			}
			// The way to it from the runtime's directory (a replica's,
			// a volume's namespace).
			for d := filepath.Dir(p); d != r.dir && strings.HasPrefix(d, r.dir+string(filepath.Separator)); d = filepath.Dir(d) {
				if _, err := allowTraverse(d); err != nil {
					return nil, err
				}
			}
		}
		if credentials != "" {
			if err := chownTree(credentials, u); err != nil {
				return nil, err
			}
		}
	}
	// The host's PATH may name its user's home, which the process cannot
	// read; the template's own PATH, after it, still wins.
	for i, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			env[i] = "PATH=" + ConfinedPATH
			break
		}
	}
	if !hasEnv(env, "TMPDIR") {
		env = append(env, "TMPDIR="+tmp)
	}
	return env, nil
}

func hasEnv(env []string, name string) bool {
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == name {
			return true
		}
	}
	return false
}

// chownTree gives dir and what is in it to u.
func chownTree(dir string, u *User) error {
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(u.UID), int(u.GID))
	})
}

// volumeDirs are the directories of the owner's volumes that the
// replica's main container mounts, and its working directory below one.
func (r *Runtime) volumeDirs(rep *replica) []string {
	t := &rep.template
	if len(t.Spec.Containers) == 0 {
		return nil
	}
	claims := map[string]string{}
	for _, v := range t.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			claims[v.Name] = v.PersistentVolumeClaim.ClaimName
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range t.Spec.Containers[0].VolumeMounts {
		claim, ok := claims[m.Name]
		if !ok {
			continue
		}
		if v, ok := r.volumes[cache.ObjectName{Namespace: rep.owner.Namespace, Name: claim}]; ok && v.ownerUID == string(rep.owner.UID) {
			out = append(out, v.dir)
		}
	}
	return out
}

// processCmd is the command that runs path with argv and env for rep in
// dir: through the launcher unless confinement is off, carrying the
// runtime's marker. waitStart makes the launcher wait for the start pipe,
// returned: write a byte to it once the process is recorded.
func (r *Runtime) processCmd(rep *replica, path string, argv, env []string, dir string, waitStart bool) (*exec.Cmd, *os.File, error) {
	env = append(env[:len(env):len(env)], MarkerEnv+"="+r.marker+":"+rep.owner.Namespace+"/"+rep.name)
	cmd := &exec.Cmd{Path: path, Args: argv, Env: env, Dir: dir, SysProcAttr: &syscall.SysProcAttr{Setpgid: true}}
	procs := 0
	if waitStart { // the replica's command, not a probe
		procs = procsPerReplica(env)
	}
	if !r.confined() && procs < 2 {
		if u := r.confinement.RunAs; u != nil {
			cmd.SysProcAttr.Credential = &syscall.Credential{Uid: u.UID, Gid: u.GID, Groups: []uint32{}}
		}
		return cmd, nil, nil
	}
	spec := launcher.Spec{
		Path:           path,
		Args:           argv,
		WaitStart:      waitStart,
		Procs:          procs,
		Confine:        r.confined(),
		ReadOnly:       append(append([]string(nil), systemReadOnly...), r.confinement.ReadOnlyPaths...),
		ReadWrite:      slices.Concat([]string{dir, filepath.Join(rep.dir, tmpDirName), "/dev/shm"}, r.volumeDirs(rep), r.artifactDirs(rep), r.confinement.ReadWritePaths),
		ReadWriteFiles: []string{filepath.Join(rep.dir, terminationFile)},
		Devices:        devices(),
	}
	if creds := r.ownerCredentialsDir(rep.owner.UID); creds != "" {
		spec.ReadOnly = append(spec.ReadOnly, creds)
	}
	spec.ReadOnly = append(spec.ReadOnly, rep.pulled...)
	if u := r.confinement.RunAs; u != nil {
		uid := u.UID
		spec.UID, spec.GID = &uid, u.GID
	}
	if err := launcher.Check(r.confinement.Launcher); err != nil {
		return nil, nil, err
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return nil, nil, err
	}
	cmd.Path = r.confinement.Launcher
	cmd.Args = append([]string{"ml-apiserver-local-launch"}, argv...)
	cmd.Env = append(cmd.Env, launcher.SpecEnv+"="+string(data))
	if !waitStart {
		return cmd, nil, nil
	}
	startR, startW, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	cmd.ExtraFiles = []*os.File{startR} // launcher.StartFD
	return cmd, startW, nil
}

// devices are the device files a confined process may use: the usual
// ones, and GPUs.
func devices() []string {
	gpus, _ := filepath.Glob("/dev/nvidia*")
	dri, _ := filepath.Glob("/dev/dri/*")
	return append(append(append([]string(nil), systemDevices...), gpus...), dri...)
}

// ownerCredentialsDir is the credentials directory of owner, "" when the
// runtime gives none.
func (r *Runtime) ownerCredentialsDir(uid types.UID) string {
	if r.ownerEnv == nil {
		return ""
	}
	dir, err := r.credentialsDir(uid)
	if err != nil {
		return ""
	}
	return dir
}

// ShareCredentials gives the credentials of the owner uid to the user
// processes run as. The runtime does so whenever a process starts; call it
// after rewriting them while processes run (a renewed certificate written
// by the server's user is unreadable to them otherwise).
func (r *Runtime) ShareCredentials(uid types.UID) error {
	u := r.confinement.RunAs
	if u == nil {
		return nil
	}
	dir, err := r.credentialsDir(uid)
	if err != nil {
		return err
	}
	return chownTree(dir, u)
}

// procsPerReplica is the replica's PET_NPROC_PER_NODE when above 1 (the
// TrainingJob controller injects spec.numProcPerNode there for PyTorch):
// there is no torchrun on the host, so the launcher plays it and runs that
// many processes of the command (launcher.Spec.Procs). 0 otherwise.
func procsPerReplica(env []string) int {
	n := 0
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PET_NPROC_PER_NODE="); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	if n < 2 {
		return 0
	}
	return n
}
