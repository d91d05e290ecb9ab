// Package profileserviceaccount is the ProfileServiceAccount admission
// plugin. In a profile's namespace (label ml.example.io/profile), the
// pods of training jobs and of pipeline runs run as the profile's
// default-editor ServiceAccount, which the Profile controller makes, when
// their spec names none: the plugin writes it into the object on create,
// so `kubectl get -o yaml` shows who the pods run as. An explicit
// serviceAccountName is never changed.
//
// It needs the core Kubernetes API (namespaces), so it runs in aggregated
// mode only, where profiles are served.
package profileserviceaccount

import (
	"context"
	"fmt"
	"io"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	genericinitializer "k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/admission/ready"
	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/controller/profile"
)

// PluginName is the name of the plugin, for --disable-admission-plugins.
const PluginName = "ProfileServiceAccount"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) {
		return New(), nil
	})
}

// Plugin defaults the service account of pods in profile namespaces.
type Plugin struct {
	*admission.Handler
	gate       *ready.Gate
	namespaces corelisters.NamespaceLister
	client     kubernetes.Interface
}

var (
	_ admission.MutationInterface                         = &Plugin{}
	_ admission.InitializationValidator                   = &Plugin{}
	_ genericinitializer.WantsExternalKubeInformerFactory = &Plugin{}
	_ genericinitializer.WantsExternalKubeClientSet       = &Plugin{}
)

// New returns the plugin; it needs the generic initializer before use.
// Only creates are mutated: on update the registry keeps a pipeline run's
// status, and a training job's service account cannot be unset by
// leaving it out, since it was written on create.
func New() *Plugin {
	return &Plugin{Handler: admission.NewHandler(admission.Create), gate: ready.New(PluginName)}
}

// SetExternalKubeInformerFactory reads namespaces from the shared informer.
func (p *Plugin) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	ns := f.Core().V1().Namespaces()
	p.namespaces = ns.Lister()
	p.gate.Add("namespaces", ns.Informer().HasSynced)
}

// SetExternalKubeClientSet reads namespaces the informer has not seen yet.
func (p *Plugin) SetExternalKubeClientSet(c kubernetes.Interface) { p.client = c }

// Gate is the plugin's readiness gate; tests shorten its wait.
func (p *Plugin) Gate() *ready.Gate { return p.gate }

// ValidateInitialization checks that the plugin got its informer and client.
func (p *Plugin) ValidateInitialization() error {
	if p.namespaces == nil {
		return fmt.Errorf("%s: missing core informers (it needs a Kubernetes API: disable it in standalone mode)", PluginName)
	}
	if p.client == nil {
		return fmt.Errorf("%s: missing Kubernetes client", PluginName)
	}
	return nil
}

// Admit sets serviceAccountName to default-editor where it is empty, in a
// training job's spec or in each task of a pipeline run's resolved
// pipeline (status.pipelineSpec, which the registry stores as the run's
// pipeline snapshot, the one it executes), when the namespace is a
// profile's.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetResource().Group != ml.GroupName || a.GetSubresource() != "" || a.GetOperation() != admission.Create {
		return nil
	}
	var targets []*string
	switch o := a.GetObject().(type) {
	case *ml.TrainingJob:
		targets = append(targets, &o.Spec.ServiceAccountName)
	case *ml.PipelineRun:
		// PipelineRunResolve, earlier in the chain, resolved the pipeline.
		if ps := o.Status.PipelineSpec; ps != nil {
			for i := range ps.Tasks {
				targets = append(targets, &ps.Tasks[i].ServiceAccountName)
			}
			for i := range ps.Finally {
				targets = append(targets, &ps.Finally[i].ServiceAccountName)
			}
		}
	default:
		return nil
	}
	empty := targets[:0]
	for _, t := range targets {
		if *t == "" {
			empty = append(empty, t)
		}
	}
	if len(empty) == 0 {
		return nil
	}
	if err := p.gate.Check(ctx); err != nil {
		return err
	}
	isProfile, err := p.profileNamespace(ctx, a.GetNamespace())
	if err != nil || !isProfile {
		return err
	}
	for _, t := range empty {
		*t = profile.DefaultEditor
	}
	klog.FromContext(ctx).V(4).Info("Defaulted the service account of a profile namespace's pods",
		"resource", a.GetResource().Resource, "object", klog.KRef(a.GetNamespace(), a.GetName()), "serviceAccount", profile.DefaultEditor)
	return nil
}

// profileNamespace reports whether the namespace carries the profile label.
func (p *Plugin) profileNamespace(ctx context.Context, namespace string) (bool, error) {
	ns, err := p.namespaces.Get(namespace)
	if apierrors.IsNotFound(err) {
		ns, err = p.client.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
	}
	switch {
	case apierrors.IsNotFound(err):
		return false, nil // NamespaceLifecycle refuses writes to a missing namespace
	case err != nil:
		return false, apierrors.NewInternalError(fmt.Errorf("read namespace %q: %w", namespace, err))
	}
	return ns.Labels[profile.ProfileLabel] != "", nil
}
