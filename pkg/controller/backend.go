package controller

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/controller/metricscollector"
	"ml.example.io/ml-apiserver/pkg/workload"
	workloadkubernetes "ml.example.io/ml-apiserver/pkg/workload/kubernetes"
)

// backend is what differs between running the controllers against a
// cluster and in the standalone server: where children run, where events
// go, and whether there is a core Kubernetes API at all. The manager runs
// the same sequence over either.
type backend struct {
	// mode names the backend in logs.
	mode string
	// kube reaches kube-apiserver; nil in standalone mode, where there is
	// no kube informer factory, no leader election, and the controllers
	// that need the core API are skipped.
	kube kubernetes.Interface
	// runtime returns the workload runtime of one term of the controllers;
	// kubeInformers is nil without kube.
	runtime func(kubeInformers informers.SharedInformerFactory) workload.ServingRuntime
	// events returns the broadcaster the controllers' events go to; the
	// manager shuts it down when the controllers stopped.
	events func(ctx context.Context) record.EventBroadcaster
	// logs opens the logs of replicas, for the metrics collector.
	logs metricscollector.LogStreamer
	// prepare runs once the informers and recorder of a term exist, before
	// any controller is built; optional.
	prepare func(ctx context.Context, cc Context) error
}

// managedBy selects the objects the controllers made.
var managedBy = labels.Set{mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName}

// clusterBackend runs children as pods, Services, Deployments, StatefulSets
// and PersistentVolumeClaims through kube, and writes events there.
func clusterBackend(kube kubernetes.Interface, artifacts workloadkubernetes.ArtifactConfig) backend {
	return backend{
		mode: "cluster",
		kube: kube,
		runtime: func(f informers.SharedInformerFactory) workload.ServingRuntime {
			return workloadkubernetes.New(workloadkubernetes.Config{
				Client:       kube,
				Pods:         f.Core().V1().Pods(),
				Services:     f.Core().V1().Services(),
				Deployments:  f.Apps().V1().Deployments(),
				StatefulSets: f.Apps().V1().StatefulSets(),
				Volumes:      f.Core().V1().PersistentVolumeClaims(),
				FieldManager: FieldManager,
				Labels:       map[string]string{mlv1alpha1.ManagedByLabel: mlv1alpha1.ControllerName},
				Artifacts:    artifacts,
			})
		},
		events: func(ctx context.Context) record.EventBroadcaster {
			broadcaster, _ := NewEventRecorder(ctx, kube)
			return broadcaster
		},
		logs: metricscollector.KubeLogs{Client: kube},
	}
}

// newKubeInformers returns the informer factory of the objects the
// controllers made (those labelled ManagedByLabel=ControllerName), or nil
// without a core Kubernetes API.
func (b backend) newKubeInformers(config Config) informers.SharedInformerFactory {
	if b.kube == nil {
		return nil
	}
	selector := labels.SelectorFromSet(managedBy).String()
	return informers.NewSharedInformerFactoryWithOptions(b.kube, config.ResyncPeriod,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = selector }))
}
