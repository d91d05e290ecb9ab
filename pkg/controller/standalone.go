package controller

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"

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

// NewStandaloneManager returns a manager of the controllers config enables
// that runs them in the server's own process, with no kube-apiserver:
// children are run by rt (host processes), there is no leader election
// (one process owns its data directory), events are written to the
// server's own core/v1 Events through events (as on a cluster, so that
// `kubectl describe` shows them) and to its log, the StdOut metrics collector reads the processes' log
// files, and the children of deleted objects are stopped by the manager
// since no garbage collector does it. The controllers that need the core
// Kubernetes API are skipped.
// A nil events writes events to the log only.
func NewStandaloneManager(config Config, ml mlclientset.Interface, events typedcorev1.EventsGetter, rt LocalRuntime) *Manager {
	config.LeaderElection = LeaderElectionConfig{}
	return newManager(config, ml, backend{
		mode:    "standalone",
		runtime: func(informers.SharedInformerFactory) workload.ServingRuntime { return rt },
		events: func(ctx context.Context) record.EventBroadcaster {
			broadcaster := record.NewBroadcaster(record.WithContext(ctx))
			// The server's log keeps them too: it is where a user of
			// standalone mode looks once they expired (--event-ttl).
			broadcaster.StartStructuredLogging(0)
			if events != nil {
				broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: events.Events("")})
			}
			return broadcaster
		},
		logs: metricscollector.SourceLogs{Source: rt.LogSource()},
		prepare: func(ctx context.Context, cc Context) error {
			rt.SetEventRecorder(cc.Recorder)
			return forgetDeletedOwners(ctx, cc.MLInformers, rt)
		},
	})
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
