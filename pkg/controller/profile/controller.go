package profile

import (
	"context"
	"fmt"
	"maps"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	networkinginformers "k8s.io/client-go/informers/networking/v1"
	rbacinformers "k8s.io/client-go/informers/rbac/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	networkinglisters "k8s.io/client-go/listers/networking/v1"
	rbaclisters "k8s.io/client-go/listers/rbac/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"ml.example.io/ml-apiserver/pkg/controller/queue"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions/ml/v1alpha1"
	mllisters "ml.example.io/ml-apiserver/pkg/generated/listers/ml/v1alpha1"
)

// Name is the controller's name, in logs and for the workqueue.
const Name = "profile"

// Config is what the controller needs. The kube informers may watch only
// the objects labelled managed-by the controller (the manager's do): every
// object the controller makes carries that label.
type Config struct {
	// Client writes the profiles' finalizer and status.
	Client mlclientset.Interface
	// Kube makes the namespaces and their children.
	Kube kubernetes.Interface
	// Profiles is the informer of Profiles.
	Profiles mlinformers.ProfileInformer
	// Namespaces, RoleBindings, ServiceAccounts, ResourceQuotas,
	// LimitRanges and NetworkPolicies are the informers of the children.
	Namespaces      coreinformers.NamespaceInformer
	RoleBindings    rbacinformers.RoleBindingInformer
	ServiceAccounts coreinformers.ServiceAccountInformer
	ResourceQuotas  coreinformers.ResourceQuotaInformer
	LimitRanges     coreinformers.LimitRangeInformer
	NetworkPolicies networkinginformers.NetworkPolicyInformer
	// SystemNamespaces may reach a profile's pods under network
	// isolation; nil means SystemNamespaces.
	SystemNamespaces []string
	// Recorder emits events about profiles.
	Recorder record.EventRecorder
	// Clock tells the time of conditions.
	Clock clock.WithTicker
	// FieldManager is the field manager of every write.
	FieldManager string
}

// Controller is the Profile controller.
type Controller struct {
	client           mlclientset.Interface
	kube             kubernetes.Interface
	profiles         mllisters.ProfileLister
	namespaces       corelisters.NamespaceLister
	roleBindings     rbaclisters.RoleBindingLister
	serviceAccounts  corelisters.ServiceAccountLister
	resourceQuotas   corelisters.ResourceQuotaLister
	limitRanges      corelisters.LimitRangeLister
	networkPolicies  networkinglisters.NetworkPolicyLister
	synced           []cache.InformerSynced
	systemNamespaces []string
	recorder         record.EventRecorder
	clock            clock.WithTicker
	fieldManager     string
	queue            *queue.Queue
}

// New returns the controller and registers its event handlers.
func New(c Config) (*Controller, error) {
	ctrl := &Controller{
		client:           c.Client,
		kube:             c.Kube,
		profiles:         c.Profiles.Lister(),
		namespaces:       c.Namespaces.Lister(),
		roleBindings:     c.RoleBindings.Lister(),
		serviceAccounts:  c.ServiceAccounts.Lister(),
		resourceQuotas:   c.ResourceQuotas.Lister(),
		limitRanges:      c.LimitRanges.Lister(),
		networkPolicies:  c.NetworkPolicies.Lister(),
		systemNamespaces: c.SystemNamespaces,
		recorder:         c.Recorder,
		clock:            c.Clock,
		fieldManager:     c.FieldManager,
	}
	if ctrl.systemNamespaces == nil {
		ctrl.systemNamespaces = SystemNamespaces
	}
	ctrl.systemNamespaces = slices.Sorted(slices.Values(ctrl.systemNamespaces))
	ctrl.systemNamespaces = slices.Compact(ctrl.systemNamespaces)
	ctrl.queue = queue.New(queue.Options{Name: Name, Kind: "Profile", Clock: c.Clock}, ctrl.sync)
	if _, err := c.Profiles.Informer().AddEventHandler(ctrl.queue.EventHandler()); err != nil {
		return nil, fmt.Errorf("watch profiles: %w", err)
	}
	children := map[string]cache.SharedIndexInformer{
		"namespaces":      c.Namespaces.Informer(),
		"rolebindings":    c.RoleBindings.Informer(),
		"serviceaccounts": c.ServiceAccounts.Informer(),
		"resourcequotas":  c.ResourceQuotas.Informer(),
		"limitranges":     c.LimitRanges.Informer(),
		"networkpolicies": c.NetworkPolicies.Informer(),
	}
	ctrl.synced = []cache.InformerSynced{c.Profiles.Informer().HasSynced}
	for _, resource := range slices.Sorted(maps.Keys(children)) {
		informer := children[resource]
		if _, err := informer.AddEventHandler(ctrl.childHandler()); err != nil {
			return nil, fmt.Errorf("watch %s of profiles: %w", resource, err)
		}
		ctrl.synced = append(ctrl.synced, informer.HasSynced)
	}
	return ctrl, nil
}

// childHandler syncs the profile a changed child is labelled with: a
// quota's usage reaches the profile's status, and a child changed or
// deleted by hand is brought back.
func (c *Controller) childHandler() cache.ResourceEventHandlerFuncs {
	enqueue := func(obj any) {
		if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tombstone.Obj
		}
		o, ok := obj.(metav1.Object)
		if !ok {
			return
		}
		if name := o.GetLabels()[ProfileLabel]; name != "" {
			c.queue.Add(cache.ObjectName{Name: name})
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}
}

// Run waits for the caches, then runs workers until ctx is done, and
// returns once they have stopped.
func (c *Controller) Run(ctx context.Context, workers int) {
	c.queue.Run(ctx, workers, c.synced...)
}
