package controller

import (
	"context"
	"slices"

	"k8s.io/client-go/informers"
	"k8s.io/klog/v2"

	"ml.example.io/ml-apiserver/pkg/admission/plugin/mlquota"
	"ml.example.io/ml-apiserver/pkg/controller/latestmetrics"
	"ml.example.io/ml-apiserver/pkg/controller/logsweep"
	"ml.example.io/ml-apiserver/pkg/controller/profile"
)

// The initializers of the controllers that reconcile what the API servers
// keep beside the objects: status.latestMetrics from the metric store,
// the archive of logs, and the MLQuota plugin's usage records. They run
// under the manager, so of several copies only the leader acts.

func needsMetricStore(d DataStores) string {
	if d.Metrics == nil {
		return "metric store"
	}
	return ""
}

func needsLogStore(d DataStores) string {
	if d.Logs == nil {
		return "log archive"
	}
	return ""
}

func startLatestMetricsController(_ context.Context, cc Context) (Controller, error) {
	return latestmetrics.New(latestmetrics.Config{
		Client:       cc.MLClient,
		Jobs:         cc.MLInformers.Ml().V1alpha1().TrainingJobs(),
		Store:        cc.Data.Metrics,
		FieldManager: FieldManager,
	}), nil
}

func startLogArchiveSweepController(_ context.Context, cc Context) (Controller, error) {
	return logsweep.New(logsweep.Config{Archive: cc.Data.Logs, Client: cc.MLClient}), nil
}

// startQuotaUsageController builds the reconciler of the MLQuota usage
// records in the controllers' namespace. It reads every ResourceQuota,
// which the manager's kube informers (only the controllers' children) do
// not watch: it has an informer factory of its own.
func startQuotaUsageController(ctx context.Context, cc Context) (Controller, error) {
	if cc.Namespace == "" {
		klog.FromContext(ctx).Info("No controller namespace, where the quota usage records are: not reconciling them", "controller", QuotaUsageController)
		return idle{}, nil
	}
	quotas := informers.NewSharedInformerFactory(cc.KubeClient, cc.ResyncPeriod)
	r, err := mlquota.NewReconciler(mlquota.ReconcilerConfig{
		Client:          cc.KubeClient,
		SystemNamespace: cc.Namespace,
		Quotas:          quotas.Core().V1().ResourceQuotas(),
		Objects:         cc.MLInformers,
		MLClient:        cc.MLClient,
	})
	if err != nil {
		return nil, err
	}
	return withInformers{Controller: r, factory: quotas}, nil
}

// withInformers runs a controller with an informer factory of its own,
// started with it and shut down after it.
type withInformers struct {
	Controller
	factory informers.SharedInformerFactory
}

func (w withInformers) Run(ctx context.Context, workers int) {
	w.factory.Start(ctx.Done())
	defer w.factory.Shutdown()
	w.Controller.Run(ctx, workers)
}

// idle is a controller with nothing to do.
type idle struct{}

func (idle) Run(ctx context.Context, _ int) { <-ctx.Done() }

// startProfileController builds the Profile controller. Its children in
// kube-apiserver (the namespace, RoleBindings, ServiceAccount, quota,
// limits and NetworkPolicy) carry the managed-by label, so the manager's
// filtered informers see them all; the controllers' own namespace is a
// system namespace the profiles' network policies admit.
func startProfileController(_ context.Context, cc Context) (Controller, error) {
	system := profile.SystemNamespaces
	if cc.Namespace != "" {
		system = append(slices.Clone(system), cc.Namespace)
	}
	core := cc.KubeInformers.Core().V1()
	return profile.New(profile.Config{
		Client:           cc.MLClient,
		Kube:             cc.KubeClient,
		Profiles:         cc.MLInformers.Ml().V1alpha1().Profiles(),
		Namespaces:       core.Namespaces(),
		RoleBindings:     cc.KubeInformers.Rbac().V1().RoleBindings(),
		ServiceAccounts:  core.ServiceAccounts(),
		ResourceQuotas:   core.ResourceQuotas(),
		LimitRanges:      core.LimitRanges(),
		NetworkPolicies:  cc.KubeInformers.Networking().V1().NetworkPolicies(),
		SystemNamespaces: system,
		Recorder:         cc.Recorder,
		Clock:            cc.Clock,
		FieldManager:     FieldManager,
	})
}
