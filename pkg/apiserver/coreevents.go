package apiserver

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	eventstorage "ml.example.io/ml-apiserver/pkg/registry/core/event/storage"
)

// installCoreEvents serves core/v1 Events under /api/v1, and nothing else
// of the core group, when ExtraConfig.EventTTL is set (standalone mode):
// without a kube-apiserver, this is where the controllers' events go, and
// where `kubectl describe` and `kubectl get events` read them.
func (c completedConfig) installCoreEvents(s *Server) error {
	if c.ExtraConfig.EventTTL == 0 {
		return nil
	}
	events, err := eventstorage.NewStorage(scheme.CoreScheme, coreV1RESTOptions{c.GenericConfig.RESTOptionsGetter, c.ExtraConfig.StorageMediaType}, c.ExtraConfig.EventTTL)
	if err != nil {
		return err
	}
	apiGroupInfo := genericapiserver.NewDefaultAPIGroupInfo(corev1.GroupName, scheme.CoreScheme, scheme.CoreParameterCodec, scheme.CoreCodecs)
	apiGroupInfo.VersionedResourcesStorageMap[corev1.SchemeGroupVersion.Version] = map[string]rest.Storage{
		"events": events.Event,
	}
	if err := s.GenericAPIServer.InstallLegacyAPIGroup(genericapiserver.DefaultLegacyAPIPrefix, &apiGroupInfo); err != nil {
		return fmt.Errorf("install core/v1 events: %w", err)
	}
	return nil
}

// coreV1RESTOptions stores core objects as core/v1: the server's storage
// codec encodes only ml.example.io/v1alpha1.
type coreV1RESTOptions struct {
	generic.RESTOptionsGetter
	mediaType string
}

func (g coreV1RESTOptions) GetRESTOptions(resource schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	opts, err := g.RESTOptionsGetter.GetRESTOptions(resource, example)
	if err != nil {
		return opts, err
	}
	config := *opts.StorageConfig
	mediaType := g.mediaType
	if mediaType == "" {
		mediaType = runtime.ContentTypeJSON
	}
	if config.Codec, err = scheme.CoreStorageCodec(mediaType); err != nil {
		return opts, err
	}
	config.EncodeVersioner = corev1.SchemeGroupVersion
	opts.StorageConfig = &config
	return opts, nil
}
