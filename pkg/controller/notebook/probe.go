package notebook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"k8s.io/utils/clock"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// ActivityProbe tells when a running notebook was last active.
type ActivityProbe interface {
	// LastActivity returns the time of nb's latest kernel activity: the
	// zero time when it has no kernels, now when a kernel is busy.
	LastActivity(ctx context.Context, nb *mlv1alpha1.Notebook) (time.Time, error)
}

// DefaultProbeTimeout bounds one request of the JupyterProbe.
const DefaultProbeTimeout = 5 * time.Second

// JupyterProbe reads Jupyter's kernel list, GET <base>/api/kernels, through
// the notebook's Service. The notebook server must answer it without a
// token, as Kubeflow's notebook images do (they start Jupyter with an empty
// token and rely on the network for access control).
type JupyterProbe struct {
	// Client sends the requests; nil uses one with DefaultProbeTimeout.
	Client *http.Client
	// BaseURL returns the notebook server's base URL; nil uses the
	// notebook's status.url, or URL(nb) before it has one.
	BaseURL func(nb *mlv1alpha1.Notebook) string
	// Clock tells the time of a busy kernel's activity.
	Clock clock.PassiveClock
}

var _ ActivityProbe = &JupyterProbe{}

// kernel is the part of a Jupyter kernel model the probe reads.
type kernel struct {
	LastActivity   time.Time `json:"last_activity"`
	ExecutionState string    `json:"execution_state"`
}

// LastActivity returns the latest last_activity of the notebook's kernels,
// or now when one of them is busy.
func (p *JupyterProbe) LastActivity(ctx context.Context, nb *mlv1alpha1.Notebook) (time.Time, error) {
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: DefaultProbeTimeout}
	}
	base := URL(nb)
	if nb.Status.URL != "" {
		base = nb.Status.URL
	}
	if p.BaseURL != nil {
		base = p.BaseURL(nb)
	}
	url := strings.TrimSuffix(base, "/") + "/api/kernels"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return time.Time{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return time.Time{}, fmt.Errorf("get %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return time.Time{}, fmt.Errorf("get %s: %s", url, resp.Status)
	}
	var kernels []kernel
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&kernels); err != nil {
		return time.Time{}, fmt.Errorf("read the kernels of %s: %w", url, err)
	}
	var last time.Time
	for _, k := range kernels {
		if k.ExecutionState == "busy" {
			return p.now(), nil
		}
		if k.LastActivity.After(last) {
			last = k.LastActivity
		}
	}
	return last, nil
}

func (p *JupyterProbe) now() time.Time {
	if p.Clock == nil {
		return time.Now()
	}
	return p.Clock.Now()
}
