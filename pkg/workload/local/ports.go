package local

// hostPort is the port of 127.0.0.1 that the host <host>.<service> of the
// headless service s listens on for the service port p: on a cluster each
// replica has an address of its own, here each host has a port of its
// own. It is given when a replica's environment first names the host and
// kept as long as the service, so every replica of the owner sees the
// same one and a replaced replica listens where its predecessor did. The
// host <service>-0, the master of a TrainingJob, has the service's port,
// so that MASTER_PORT and the master's address name one port as on a
// cluster. ok is false for a port the service does not have.
func (r *Runtime) hostPort(s *service, host string, p int32) (port int, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	base, ok := s.hostPorts[p]
	if !ok {
		return 0, false
	}
	if host == s.spec.Name+"-0" {
		return base, true
	}
	if hp, ok := s.replicaPorts[host][p]; ok {
		return hp, true
	}
	hp := r.freePortLocked()
	if hp == 0 {
		return 0, false
	}
	if s.replicaPorts[host] == nil {
		s.replicaPorts[host] = map[int32]int{}
	}
	s.replicaPorts[host][p] = hp
	return hp, true
}

// freePortLocked is a free port of 127.0.0.1 that the runtime has not
// given yet: the kernel may hand out again a port that was free a moment
// ago while the replica it was given to does not listen on it yet. 0 when
// none is found.
func (r *Runtime) freePortLocked() int {
	for range 50 {
		p := freePort()
		if p == 0 {
			return 0
		}
		if !r.portGivenLocked(p) {
			return p
		}
	}
	return 0
}

// portGivenLocked says whether a service or a replica of the runtime has
// port p.
func (r *Runtime) portGivenLocked(p int) bool {
	for _, s := range r.services {
		for _, hp := range s.hostPorts {
			if hp == p {
				return true
			}
		}
		for _, ports := range s.replicaPorts {
			for _, hp := range ports {
				if hp == p {
					return true
				}
			}
		}
	}
	for _, rep := range r.replicas {
		if rep.port == p {
			return true
		}
	}
	for _, set := range r.sets {
		for _, rep := range set.replicas {
			if rep.port == p {
				return true
			}
		}
	}
	return false
}
