package standalone

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/klog/v2"
)

// MetricsWriterGroup is the group of the client certificates standalone
// mode gives the processes of an object, to push metrics to it.
const MetricsWriterGroup = "ml.example.io:metrics-writers"

// metricsWriterPrefix starts the user name of every metrics writer.
const metricsWriterPrefix = "ml.example.io:metrics-writer"

// MetricsWriterUser is the user of the certificate of the processes of
// the object name of resource in namespace whose UID is uid. The UID binds
// the certificate to that object: a later object of the same name has
// another UID, so the certificate of a deleted object never writes into
// it.
func MetricsWriterUser(namespace, resource, name string, uid types.UID) string {
	return strings.Join([]string{metricsWriterPrefix, namespace, resource, name, string(uid)}, ":")
}

// metricsWriter is the object a metrics writer's user name designates.
type metricsWriter struct {
	namespace, resource, name string
	uid                       types.UID
}

// parseMetricsWriter reads the object out of a MetricsWriterUser name.
// Names, namespaces, resources and UIDs never contain a colon. Names of
// certificates issued before they carried the UID have no uid: they are
// refused.
func parseMetricsWriter(user string) (metricsWriter, bool) {
	rest, ok := strings.CutPrefix(user, metricsWriterPrefix+":")
	if !ok {
		return metricsWriter{}, false
	}
	parts := strings.Split(rest, ":")
	switch len(parts) {
	case 3:
		return metricsWriter{namespace: parts[0], resource: parts[1], name: parts[2]}, true
	case 4:
		return metricsWriter{namespace: parts[0], resource: parts[1], name: parts[2], uid: types.UID(parts[3])}, true
	}
	return metricsWriter{}, false
}

// OwnerLookup returns the UID of the object namespace/name of resource as
// the server stores it now (its watch cache), or a NotFound error when
// there is none.
type OwnerLookup = func(ctx context.Context, resource, namespace, name string) (types.UID, error)

// MetricsWriterAuthorizer allows a metrics writer exactly one thing: to
// create the metrics of the object its certificate names, while that very
// object (same namespace, name and UID) exists. It is asked on every
// request, after the certificate cache, so a deleted object's certificate
// is refused as soon as the server's watch cache saw the deletion, and the
// certificate of an earlier object of the same name never is allowed. It
// has no opinion on anyone else.
type MetricsWriterAuthorizer struct {
	owners atomic.Pointer[OwnerLookup]
}

var _ authorizer.Authorizer = &MetricsWriterAuthorizer{}

// NewMetricsWriterAuthorizer returns an authorizer that refuses every
// metrics writer until SetOwnerLookup gives it the server's objects.
func NewMetricsWriterAuthorizer() *MetricsWriterAuthorizer {
	return &MetricsWriterAuthorizer{}
}

// SetOwnerLookup gives the authorizer the lookup of the objects that own
// metrics, once the server's storage is built.
func (a *MetricsWriterAuthorizer) SetOwnerLookup(f OwnerLookup) {
	a.owners.Store(&f)
}

// Authorize implements authorizer.Authorizer.
func (a *MetricsWriterAuthorizer) Authorize(ctx context.Context, attrs authorizer.Attributes) (authorizer.Decision, string, error) {
	u := attrs.GetUser()
	if u == nil || !contains(u.GetGroups(), MetricsWriterGroup) {
		return authorizer.DecisionNoOpinion, "", nil
	}
	deny := func(format string, args ...any) (authorizer.Decision, string, error) {
		return authorizer.DecisionDeny, fmt.Sprintf(format, args...), nil
	}
	w, ok := parseMetricsWriter(u.GetName())
	if !ok || !attrs.IsResourceRequest() || attrs.GetAPIGroup() != "ml.example.io" || attrs.GetSubresource() != "metrics" ||
		attrs.GetVerb() != "create" || w.namespace != attrs.GetNamespace() || w.resource != attrs.GetResource() || w.name != attrs.GetName() {
		return deny("%s may only create the metrics of its own object", u.GetName())
	}
	if w.uid == "" {
		return deny("%s names no object UID: its certificate predates UID-bound metrics credentials; "+
			"the server renews it in the object's credentials directory, read ML_METRICS_CERT and ML_METRICS_KEY again", u.GetName())
	}
	lookup := a.owners.Load()
	if lookup == nil {
		return deny("the server cannot check yet that %s %s/%s exists", w.resource, w.namespace, w.name)
	}
	uid, err := (*lookup)(ctx, w.resource, w.namespace, w.name)
	switch {
	case apierrors.IsNotFound(err):
		return deny("%s %s/%s (uid %s) no longer exists: the metrics credentials of a deleted object are revoked",
			w.resource, w.namespace, w.name, w.uid)
	case err != nil:
		klog.FromContext(ctx).V(2).Info("Cannot check the object of a metrics writer", "user", u.GetName(), "err", err)
		return deny("cannot check that %s %s/%s exists: %v", w.resource, w.namespace, w.name, err)
	case uid != w.uid:
		return deny("the certificate was issued for %s %s/%s with uid %s, which was deleted; the object of that name now has uid %s",
			w.resource, w.namespace, w.name, w.uid, uid)
	}
	return authorizer.DecisionAllow, "", nil
}

// ConditionsAwareAuthorize implements authorizer.Authorizer: the
// decisions are unconditional.
func (a *MetricsWriterAuthorizer) ConditionsAwareAuthorize(ctx context.Context, attrs authorizer.Attributes) authorizer.ConditionsAwareDecision {
	return authorizer.AuthorizerFunc(a.Authorize).ConditionsAwareAuthorize(ctx, attrs)
}

// EvaluateConditions implements authorizer.Authorizer: there are no
// conditions to evaluate.
func (a *MetricsWriterAuthorizer) EvaluateConditions(ctx context.Context, d authorizer.ConditionsAwareDecision, data authorizer.ConditionsData) (authorizer.Decision, string, error) {
	return authorizer.AuthorizerFunc(a.Authorize).EvaluateConditions(ctx, d, data)
}

// CheckWriter checks, on the object a metrics write goes to (as read by
// the metrics subresource), that a metrics writer's certificate was
// issued for that very object: the authorizer checked the object a moment
// earlier, and it may have been replaced since.
func (a *MetricsWriterAuthorizer) CheckWriter(ctx context.Context, _ string, owner metav1.Object) error {
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok || !contains(u.GetGroups(), MetricsWriterGroup) {
		return nil
	}
	w, ok := parseMetricsWriter(u.GetName())
	if !ok || w.uid != owner.GetUID() {
		return apierrors.NewForbidden(schema.GroupResource{Group: "ml.example.io", Resource: w.resource + "/metrics"}, owner.GetName(),
			fmt.Errorf("the certificate of %s was not issued for %s/%s with uid %s", u.GetName(), owner.GetNamespace(), owner.GetName(), owner.GetUID()))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
