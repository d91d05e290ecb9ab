package controller

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/metricscollector"
	mlclientset "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	mlinformers "ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// LocalRuntime is a workload runtime without a garbage collector behind
// it: when an owner is deleted, its children must be let go explicitly.
type LocalRuntime interface {
	workload.ServingRuntime
	// ForgetOwner stops and removes every child of owner.
	ForgetOwner(ctx context.Context, owner workload.Owner)
	// LogSource reads the children's logs.
	LogSource() workload.LogSource
	// SetEventRecorder gives the runtime a recorder for warnings about
	// what it cannot run as asked.
	SetEventRecorder(record.EventRecorder)
}

// RunStandalone runs the enabled controllers of config in the server's own
// process, with no kube-apiserver: children are run by rt (host
// processes), there is no leader election (one process owns its data
// directory), events are written to the server's log, and the children of
// deleted objects are stopped by the manager since no garbage collector
// does it. It returns once the controllers stopped after ctx is done.
func RunStandalone(ctx context.Context, config Config, ml mlclientset.Interface, rt LocalRuntime) error {
	logger := klog.FromContext(ctx)
	var names []string
	inits := map[string]InitFunc{}
	for _, name := range EnabledControllers(config.Controllers) {
		init, ok := standaloneInitializers(rt)[name]
		if !ok {
			init, ok = initializers[name]
		}
		if !ok {
			continue
		}
		inits[name] = init
		if needsKubeAPI[name] {
			logger.Info("Controller needs the core Kubernetes API, skipping it in standalone mode", "controller", name)
			continue
		}
		names = append(names, name)
	}
	mlInformers := mlinformers.NewSharedInformerFactory(ml, config.ResyncPeriod)
	defer mlInformers.Shutdown()
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	defer broadcaster.Shutdown()
	// Without kube-apiserver there is nowhere to store Events: they go to
	// the log, where a user of standalone mode sees them.
	broadcaster.StartStructuredLogging(0)
	recorder := broadcaster.NewRecorder(Scheme, corev1.EventSource{Component: mlv1alpha1.ControllerName})
	rt.SetEventRecorder(recorder)

	if err := forgetDeletedOwners(ctx, mlInformers, rt); err != nil {
		return err
	}
	cc := Context{
		MLClient:    ml,
		MLInformers: mlInformers,
		Runtime:     rt,
		Recorder:    recorder,
		Clock:       clock.RealClock{},
	}
	cc.MaxForEachItems = config.MaxForEachItems
	controllers := make([]Controller, 0, len(names))
	for _, name := range names {
		c, err := inits[name](ctx, cc)
		if err != nil {
			return fmt.Errorf("start controller %s: %w", name, err)
		}
		controllers = append(controllers, c)
	}
	mlInformers.Start(ctx.Done())
	workers := max(config.Workers, 1)
	var wg sync.WaitGroup
	for _, c := range controllers {
		wg.Go(func() { c.Run(ctx, workers) })
	}
	logger.Info("Started controllers with the local runtime", "controllers", names, "workers", workers)
	wg.Wait()
	return nil
}

// needsKubeAPI are the controllers that watch pods in kube-apiserver and
// have no standalone counterpart: the log archiver (in standalone mode the
// TrainingJob and PipelineRun controllers archive a replica's log before
// they remove it, which covers every removal there).
var needsKubeAPI = map[string]bool{
	LogArchiveController: true,
}

// standaloneInitializers build the controllers whose standalone form
// differs: the StdOut metrics collector reads the processes' log files.
func standaloneInitializers(rt LocalRuntime) map[string]InitFunc {
	return map[string]InitFunc{
		MetricsController: func(_ context.Context, cc Context) (Controller, error) {
			return metricscollector.New(metricscollector.Config{
				Jobs:     cc.MLInformers.Ml().V1alpha1().TrainingJobs(),
				Replicas: cc.Runtime,
				Logs:     metricscollector.SourceLogs{Source: rt.LogSource()},
				API:      metricscollector.ClientAPI{Client: cc.MLClient},
				Clock:    cc.Clock,
			})
		},
	}
}

// ownerKinds are the kinds whose objects own children.
var ownerKinds = []string{"TrainingJob", "PipelineRun", "Model", "Notebook"}

// forgetDeletedOwners lets rt stop the children of every object of
// ownerKinds once it is deleted.
func forgetDeletedOwners(ctx context.Context, f mlinformers.SharedInformerFactory, rt LocalRuntime) error {
	v1 := f.Ml().V1alpha1()
	informers := map[string]cache.SharedIndexInformer{
		"TrainingJob": v1.TrainingJobs().Informer(),
		"PipelineRun": v1.PipelineRuns().Informer(),
		"Model":       v1.Models().Informer(),
		"Notebook":    v1.Notebooks().Informer(),
	}
	for _, kind := range ownerKinds {
		gvk := mlv1alpha1.SchemeGroupVersion.WithKind(kind)
		if _, err := informers[kind].AddEventHandler(cache.ResourceEventHandlerFuncs{
			DeleteFunc: func(obj any) { forget(ctx, rt, gvk, obj) },
		}); err != nil {
			return fmt.Errorf("watch deletions of %s: %w", kind, err)
		}
	}
	return nil
}

func forget(ctx context.Context, rt LocalRuntime, gvk schema.GroupVersionKind, obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	meta, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	klog.FromContext(ctx).V(2).Info("Stopping the children of a deleted object", "kind", gvk.Kind, "object", klog.KObj(meta))
	rt.ForgetOwner(ctx, workload.NewOwner(meta, gvk, nil))
}
