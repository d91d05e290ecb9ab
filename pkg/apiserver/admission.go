package apiserver

import (
	"fmt"

	"k8s.io/apiserver/pkg/admission"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/pkg/admission/initializer"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/pkg/generated/informers/externalversions"
)

// The rate limit of the client admission plugins write their records
// with (MLQuota's usage records: two requests per charged write).
const (
	admissionRecordQPS   = 200
	admissionRecordBurst = 400
)

// AdmissionInitializers give the admission plugins of ml.example.io
// informers and a client of the group, read through the loopback
// connection of c (the informers start once the server serves), and the
// namespace of the controllers, where MLQuota keeps its records.
func AdmissionInitializers(c *genericapiserver.RecommendedConfig, controllerNamespace string) ([]admission.PluginInitializer, error) {
	client, err := versioned.NewForConfig(c.LoopbackClientConfig)
	if err != nil {
		return nil, fmt.Errorf("admission client of ml.example.io: %w", err)
	}
	factory := externalversions.NewSharedInformerFactory(client, 0)
	if err := c.AddPostStartHook("ml-admission-informers", func(ctx genericapiserver.PostStartHookContext) error {
		factory.Start(ctx.Done())
		return nil
	}); err != nil {
		return nil, err
	}
	var recordClient kubernetes.Interface
	if c.ClientConfig != nil {
		cfg := rest.CopyConfig(c.ClientConfig)
		cfg.QPS, cfg.Burst = admissionRecordQPS, admissionRecordBurst
		if recordClient, err = kubernetes.NewForConfig(cfg); err != nil {
			return nil, fmt.Errorf("admission record client: %w", err)
		}
	}
	return []admission.PluginInitializer{initializer.New(factory, client, controllerNamespace, recordClient)}, nil
}
