package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
)

// profileEnv names a directory: when set, BenchmarkAggregation saves CPU
// profiles of kube-apiserver and ml-apiserver (their /debug/pprof) taken
// during the measurements of profiledRows on every path. Profiling costs the
// servers a little CPU, so runs with it are for finding causes, not for the
// numbers.
const profileEnv = "ML_BENCH_PROFILE_DIR"

// profiledRows are the rows profiled, with the profile length in seconds:
// one profile per round and path, about as long as a round on a 2-core
// machine (`go tool pprof` merges the files of one row and path).
var profiledRows = map[string]int{"create10k": 3, "get10k": 2, "list10k": 1}

// startProfiles starts the profiles of round r of one row on one path, if
// asked for, and returns a function that waits for them to be written.
func (c *benchCluster) startProfiles(ctx context.Context, row string, r int, p *apiPath) func() {
	dir := os.Getenv(profileEnv)
	seconds := profiledRows[row]
	if dir == "" || seconds == 0 {
		return func() {}
	}
	var wg sync.WaitGroup
	for _, target := range []struct {
		process string
		client  *apiPath
		host    string
	}{
		{"kube-apiserver", c.paths[crd], c.env["KUBE_APISERVER_URL"]},
		{"ml-apiserver", c.paths[direct], c.env["ML_APISERVER_URL"]},
	} {
		wg.Go(func() {
			url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", target.host, seconds)
			body, err := target.client.do(ctx, http.MethodGet, url, "", nil, http.StatusOK, true)
			if err != nil {
				fmt.Fprintf(os.Stderr, "profile %s: %v\n", target.process, err)
				return
			}
			name := filepath.Join(dir, fmt.Sprintf("%s-%s-%s-%d.pprof", row, p.key, target.process, r))
			if err := os.WriteFile(name, body, 0o644); err != nil {
				fmt.Fprintf(os.Stderr, "profile %s: %v\n", target.process, err)
			}
		})
	}
	return wg.Wait
}
