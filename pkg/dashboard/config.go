package dashboard

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

// Modes of the API server, as /config.json reports them.
const (
	// ModeStandalone is ml-apiserver serving on its own (no core API).
	ModeStandalone = "standalone"
	// ModeCluster is a Kubernetes cluster, ml-apiserver aggregated.
	ModeCluster = "cluster"
)

// UIConfig is what GET /config.json answers: what the UI needs before its
// first API call.
type UIConfig struct {
	// Namespace is the kubeconfig's namespace, or default.
	Namespace string `json:"namespace"`
	// User is the user name the API server sees (SelfSubjectReview), or
	// empty when the server cannot say.
	User string `json:"user"`
	// Server is the host (and port) of the API server.
	Server string `json:"server"`
	// Mode is standalone or cluster.
	Mode string `json:"mode"`
}

// uiConfig asks the API server who the user is and what it is, once:
// neither changes while the dashboard runs.
type uiConfig struct {
	namespace, server string
	kube              kubernetes.Interface

	once sync.Once
	user string
	mode string
}

func (c *uiConfig) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
		return
	}
	c.once.Do(func() { c.learn(r.Context()) })
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(UIConfig{Namespace: c.namespace, User: c.user, Server: c.server, Mode: c.mode})
}

func coreResources(l *metav1.APIResourceList) []metav1.APIResource {
	if l == nil {
		return nil
	}
	return l.APIResources
}

// learn fills user and mode from the API server. A server whose core API
// has no namespaces (standalone mode serves only events there) is
// ml-apiserver's standalone mode.
func (c *uiConfig) learn(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	logger := klog.FromContext(ctx)
	c.mode = ModeStandalone
	core, err := c.kube.Discovery().ServerResourcesForGroupVersion("v1")
	if err != nil {
		logger.V(2).Info("no core API: standalone mode", "err", err)
	}
	for _, r := range coreResources(core) {
		if r.Name == "namespaces" {
			c.mode = ModeCluster
		}
	}
	review, err := c.kube.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		logger.V(2).Info("no SelfSubjectReview: the user is unknown", "err", err)
		return
	}
	c.user = review.Status.UserInfo.Username
}
