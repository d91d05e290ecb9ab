// Package workloadsecurity is the WorkloadSecurity admission plugin. The
// controller creates pods on behalf of users, so the pods an object would
// make are checked when the object is written, not when the controller
// later fails to create them: they must meet the Pod Security Standard
// the namespace enforces (label pod-security.kubernetes.io/enforce,
// evaluated with k8s.io/pod-security-admission; privileged when unset), and
// a serviceAccountName must name a ServiceAccount of the namespace.
//
// It needs the core Kubernetes API (namespaces and service accounts), so it
// runs in aggregated mode only.
package workloadsecurity

import (
	"context"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/admission"
	genericinitializer "k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"ml.example.io/ml-apiserver/pkg/admission/ready"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
)

// PluginName is the name of the plugin, for --disable-admission-plugins.
const PluginName = "WorkloadSecurity"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) {
		return New()
	})
}

// Plugin checks the pods objects would make against the namespace's pod
// security level and service accounts.
type Plugin struct {
	*admission.Handler
	gate            *ready.Gate
	evaluator       policy.Evaluator
	namespaces      corelisters.NamespaceLister
	serviceAccounts corelisters.ServiceAccountLister
	client          kubernetes.Interface
}

var (
	_ admission.ValidationInterface                       = &Plugin{}
	_ genericinitializer.WantsExternalKubeInformerFactory = &Plugin{}
	_ genericinitializer.WantsExternalKubeClientSet       = &Plugin{}
)

// New returns the plugin; it needs the generic initializer before use.
func New() (*Plugin, error) {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: pod security evaluator: %w", PluginName, err)
	}
	return &Plugin{
		Handler:   admission.NewHandler(admission.Create, admission.Update),
		gate:      ready.New(PluginName),
		evaluator: evaluator,
	}, nil
}

// SetExternalKubeInformerFactory reads namespaces and service accounts from
// the shared core informers.
func (p *Plugin) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	ns := f.Core().V1().Namespaces()
	sa := f.Core().V1().ServiceAccounts()
	p.namespaces, p.serviceAccounts = ns.Lister(), sa.Lister()
	p.gate.Add("namespaces", ns.Informer().HasSynced)
	p.gate.Add("serviceaccounts", sa.Informer().HasSynced)
}

// SetExternalKubeClientSet reads what the informers have not seen yet.
func (p *Plugin) SetExternalKubeClientSet(c kubernetes.Interface) { p.client = c }

// Gate is the plugin's readiness gate; tests shorten its wait.
func (p *Plugin) Gate() *ready.Gate { return p.gate }

// ValidateInitialization checks that the plugin got its informers and client.
func (p *Plugin) ValidateInitialization() error {
	if p.namespaces == nil || p.serviceAccounts == nil {
		return fmt.Errorf("%s: missing core informers (it needs a Kubernetes API: disable it in standalone mode)", PluginName)
	}
	if p.client == nil {
		return fmt.Errorf("%s: missing Kubernetes client", PluginName)
	}
	return nil
}

// Validate checks the pods of a new object, or of an update that changes them.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetResource().Group != ml.GroupName || a.GetSubresource() != "" {
		return nil
	}
	pods, ok := podsOf(a.GetObject())
	if !ok || len(pods) == 0 {
		return nil
	}
	if a.GetOperation() == admission.Update {
		if oldPods, _ := podsOf(a.GetOldObject()); equality.Semantic.DeepEqual(podSpecs(pods), podSpecs(oldPods)) {
			return nil
		}
	}
	if err := p.gate.Check(ctx); err != nil {
		return err
	}
	namespace := a.GetNamespace()

	var errs field.ErrorList
	checked := map[string]bool{}
	for _, pd := range pods {
		sa := pd.spec.ServiceAccountName
		if sa == "" || checked[sa] {
			continue
		}
		checked[sa] = true
		exists, err := p.serviceAccountExists(ctx, namespace, sa)
		switch {
		case err != nil:
			errs = append(errs, field.InternalError(pd.saPath, err))
		case !exists:
			errs = append(errs, field.Invalid(pd.saPath, sa, fmt.Sprintf("ServiceAccount %q does not exist in namespace %q", sa, namespace)))
		}
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(a.GetKind().GroupKind(), a.GetName(), errs)
	}

	level, err := p.enforceLevel(ctx, namespace)
	if err != nil {
		return err
	}
	if level.Level == psaapi.LevelPrivileged {
		return nil
	}
	var violations []string
	for _, pd := range pods {
		result := policy.AggregateCheckResults(p.evaluator.EvaluatePod(level, &pd.meta, &pd.spec))
		if !result.Allowed {
			violations = append(violations, fmt.Sprintf("%s: %s", pd.what, result.ForbiddenDetail()))
		}
	}
	if len(violations) > 0 {
		return admission.NewForbidden(a, fmt.Errorf("its pods would violate PodSecurity %q of namespace %q: %s",
			level.String(), namespace, strings.Join(violations, "; ")))
	}
	return nil
}

func podSpecs(pods []pod) []any {
	var out []any
	for _, p := range pods {
		out = append(out, p.meta, p.spec)
	}
	return out
}

// enforceLevel is the namespace's enforced pod security level.
func (p *Plugin) enforceLevel(ctx context.Context, namespace string) (psaapi.LevelVersion, error) {
	ns, err := p.namespaces.Get(namespace)
	if apierrors.IsNotFound(err) {
		ns, err = p.client.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
	}
	var labels map[string]string
	switch {
	case apierrors.IsNotFound(err):
		// NamespaceLifecycle refuses writes to a missing namespace.
	case err != nil:
		return psaapi.LevelVersion{}, apierrors.NewInternalError(fmt.Errorf("read namespace %q: %w", namespace, err))
	default:
		labels = ns.Labels
	}
	defaults := psaapi.Policy{
		Enforce: psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
		Audit:   psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
		Warn:    psaapi.LevelVersion{Level: psaapi.LevelPrivileged, Version: psaapi.LatestVersion()},
	}
	pol, errs := psaapi.PolicyToEvaluate(labels, defaults)
	if len(errs) > 0 {
		// Like PodSecurity: a bad label enforces restricted.
		return psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}, nil
	}
	return pol.Enforce, nil
}

func (p *Plugin) serviceAccountExists(ctx context.Context, namespace, name string) (bool, error) {
	_, err := p.serviceAccounts.ServiceAccounts(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		// The informer may lag a ServiceAccount created just before.
		_, err = p.client.CoreV1().ServiceAccounts(namespace).Get(ctx, name, metav1.GetOptions{})
	}
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read ServiceAccount %q: %w", name, err)
	}
	return true, nil
}
