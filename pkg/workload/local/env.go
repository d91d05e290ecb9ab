package local

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// addressEnv are the variables the controllers inject whose values are
// addresses of the owner's services (trainingjob's rendezvous variables,
// TF_CONFIG, ML_HOSTS and JAX_COORDINATOR_ADDRESS, notebook's ML_NOTEBOOK_URL, model's
// ML_MODEL_PORT): the only ones rewritten for this host. Any other value
// is the user's and is kept as written, even when it equals the name of a
// service (RUN_NAME=<job>). A template that sets one of these names
// itself replaces the injected value, and its value plays the same part.
var addressEnv = map[string]bool{
	"MASTER_ADDR":             true,
	"MASTER_PORT":             true,
	"PET_MASTER_ADDR":         true,
	"PET_MASTER_PORT":         true,
	"PET_RDZV_ENDPOINT":       true,
	"JAX_COORDINATOR_ADDRESS": true,
	"TF_CONFIG":               true,
	"ML_HOSTS":                true,
	"ML_NOTEBOOK_URL":         true,
	"ML_MODEL_PORT":           true,
}

// environment is the replica's environment: a minimal host environment,
// then the container's variables in order (each may refer to the ones
// before it), with the names of the owner's services in the addresses
// the controllers inject rewritten to 127.0.0.1, and the termination
// message path.
func environment(rep *replica, c *corev1.Container, serviceHosts []localService) ([]string, error) {
	serviceHosts = ownPorts(rep, c, serviceHosts)
	env := []string{
		"PATH=" + hostEnv("PATH", "/usr/local/bin:/usr/bin:/bin"),
		"HOME=" + rep.workDir,
		"LANG=" + hostEnv("LANG", "C.UTF-8"),
		"HOSTNAME=" + rep.name,
		TerminationMessagePathEnv + "=" + filepath.Join(rep.dir, terminationFile),
	}
	if rep.port != 0 {
		env = append(env, "PORT="+strconv.Itoa(rep.port))
	}
	if tz, ok := os.LookupEnv("TZ"); ok {
		env = append(env, "TZ="+tz)
	}
	lookup := func(name string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, _ := strings.Cut(env[i], "="); k == name {
				return v, true
			}
		}
		return "", false
	}
	if len(c.EnvFrom) > 0 {
		return nil, fmt.Errorf("container %q: envFrom is not supported by the local runtime", c.Name)
	}
	for _, e := range c.Env {
		v := expand(e.Value, lookup)
		if e.ValueFrom != nil {
			var err error
			if v, err = fieldValue(rep, e); err != nil {
				return nil, err
			}
		}
		if e.Name == "PORT" && rep.port != 0 {
			// The replica's own port wins over the template's.
			continue
		}
		if addressEnv[e.Name] {
			v = localValue(e.Name, v, rep.owner.Namespace, serviceHosts)
		}
		env = append(env, e.Name+"="+v)
	}
	return env, nil
}

// ownPorts gives a replica with a port of its own (PORT: replicas of
// Models and Notebooks) that port in place of its container's ports:
// an injected address of its service with a container port (a notebook's
// ML_NOTEBOOK_URL) then carries the port the process listens on.
func ownPorts(rep *replica, c *corev1.Container, services []localService) []localService {
	if rep.port == 0 || len(c.Ports) == 0 {
		return services
	}
	out := make([]localService, 0, len(services))
	for _, svc := range services {
		ports := map[int32]int{}
		for _, p := range c.Ports {
			ports[p.ContainerPort] = rep.port
		}
		// The ports the runtime gave the service (headless) win.
		for p, hp := range svc.ports {
			ports[p] = hp
		}
		svc.ports = ports
		out = append(out, svc)
	}
	return out
}

func hostEnv(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return fallback
}

// fieldValue resolves the downward-API references a process can have.
func fieldValue(rep *replica, e corev1.EnvVar) (string, error) {
	f := e.ValueFrom.FieldRef
	if f == nil {
		return "", fmt.Errorf("env %s: only fieldRef is supported by the local runtime (no secrets, config maps or resource fields)", e.Name)
	}
	meta := rep.template.ObjectMeta
	switch path := f.FieldPath; {
	case path == "metadata.name":
		return rep.name, nil
	case path == "metadata.namespace":
		return rep.owner.Namespace, nil
	case path == "metadata.uid":
		return rep.uid, nil
	case path == "spec.serviceAccountName":
		return rep.template.Spec.ServiceAccountName, nil
	case path == "spec.nodeName":
		host, _ := os.Hostname()
		return host, nil
	case path == "status.podIP" || path == "status.hostIP":
		return "127.0.0.1", nil
	case strings.HasPrefix(path, "metadata.labels['") && strings.HasSuffix(path, "']"):
		return meta.Labels[strings.TrimSuffix(strings.TrimPrefix(path, "metadata.labels['"), "']")], nil
	case strings.HasPrefix(path, "metadata.annotations['") && strings.HasSuffix(path, "']"):
		return meta.Annotations[strings.TrimSuffix(strings.TrimPrefix(path, "metadata.annotations['"), "']")], nil
	default:
		return "", fmt.Errorf("env %s: fieldRef %q is not supported by the local runtime", e.Name, path)
	}
}

// localService is a service of a replica's owner as the replica's
// environment sees it: its name, and the host port each of its ports is
// given here (every replica shares 127.0.0.1, so two jobs cannot both use
// port 29500).
type localService struct {
	name  string
	ports map[int32]int
	// hostPort, for a headless service, returns the port of 127.0.0.1 that
	// its host <host>.<service> has for the service port: on a cluster
	// every replica has an address of its own, here every host gets a port
	// of its own (TF_CONFIG lists every worker at "<job>-<i>.<job>:<port>",
	// and each must listen where the others look for it). nil, or false
	// for a port the service does not have: the host has the service's
	// port.
	hostPort func(host string, port int32) (int, bool)
}

// portOf is the port of 127.0.0.1 for the service port p, reached as the
// service itself (host "") or as one of its hosts.
func (s localService) portOf(host string, p int32) (int, bool) {
	if host != "" && s.hostPort != nil {
		if hp, ok := s.hostPort(host, p); ok {
			return hp, true
		}
	}
	hp, ok := s.ports[p]
	return hp, ok
}

// hostPattern matches a host name with an optional port inside a value
// (a URL, a host list, TF_CONFIG's JSON).
var hostPattern = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]+)?`)

// localValue rewrites the env var name=v for this host: every host in v
// that names one of the services (as the service, a host in it, or its
// cluster DNS name) becomes 127.0.0.1, with a service port after it
// becoming its host port (the host's own for a host of a headless
// service); and a variable named *PORT whose value is a service port gets
// the service's host port.
func localValue(name, v, namespace string, services []localService) string {
	if strings.HasSuffix(name, "PORT") {
		if p, err := strconv.Atoi(v); err == nil {
			for _, svc := range services {
				if hp, ok := svc.ports[int32(p)]; ok {
					return strconv.Itoa(hp)
				}
			}
		}
	}
	var b strings.Builder
	last := 0
	for _, loc := range hostPattern.FindAllStringIndex(v, -1) {
		start, end := loc[0], loc[1]
		if !hostPosition(v, start) {
			continue
		}
		m := v[start:end]
		host, port, hasPort := strings.Cut(m, ":")
		svc, svcHost, ok := serviceOf(host, namespace, services)
		if !ok {
			continue
		}
		b.WriteString(v[last:start])
		b.WriteString("127.0.0.1")
		if hasPort {
			if p, err := strconv.Atoi(port); err == nil && p > 0 && p <= 65535 {
				if hp, ok := svc.portOf(svcHost, int32(p)); ok {
					port = strconv.Itoa(hp)
				}
			}
			b.WriteString(":" + port)
		}
		last = end
	}
	b.WriteString(v[last:])
	return b.String()
}

// hostPosition says whether a host may start at v[i]: at the start of the
// value, after a URL's "//" or user "@", or after a separator of a list
// or JSON; never inside a path ("/dir/<name>") or a longer word.
func hostPosition(v string, i int) bool {
	if i == 0 {
		return true
	}
	switch v[i-1] {
	case '/':
		return i >= 2 && v[i-2] == '/' && (i < 3 || v[i-3] != '/')
	case '@', '"', '\'', ',', ' ', '\t', '=', '[', '(':
		return true
	}
	return false
}

// serviceOf returns the service that host names: the service itself, a
// host in it (<host>.<service>, and then the host's name), or either with
// the namespace's cluster DNS suffix.
func serviceOf(host, namespace string, services []localService) (svc localService, svcHost string, ok bool) {
	h := strings.TrimSuffix(host, ".")
	h = strings.TrimSuffix(h, ".svc.cluster.local")
	h = strings.TrimSuffix(h, ".svc")
	h = strings.TrimSuffix(h, "."+namespace)
	for _, svc := range services {
		if h == svc.name {
			return svc, "", true
		}
		if prefix, ok := strings.CutSuffix(h, "."+svc.name); ok && prefix != "" && !strings.Contains(prefix, ".") {
			return svc, prefix, true
		}
	}
	return localService{}, "", false
}

// lookPath finds file in the PATH of env, as exec.LookPath does for the
// server's own PATH.
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == "PATH" {
			for _, dir := range filepath.SplitList(v) {
				p := filepath.Join(dir, file)
				if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
					return p, nil
				}
			}
		}
	}
	// As os/exec says it: `exec: "pyhton3": executable file not found in $PATH`.
	return "", &exec.Error{Name: file, Err: exec.ErrNotFound}
}
