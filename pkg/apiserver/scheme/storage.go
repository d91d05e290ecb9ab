package scheme

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	serverstorage "k8s.io/apiserver/pkg/server/storage"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// StorageMediaTypes are the encodings objects of ml.example.io can be
// stored in (--storage-media-type).
var StorageMediaTypes = []string{runtime.ContentTypeProtobuf, runtime.ContentTypeJSON, runtime.ContentTypeYAML}

// StorageCodec is the codec of the objects of ml.example.io in etcd: it
// writes v1alpha1 in mediaType and reads every encoding Codecs recognizes,
// so objects stored in another encoding (JSON, by servers before protobuf)
// stay readable and are rewritten in mediaType on their next update.
func StorageCodec(mediaType string) (runtime.Codec, error) {
	codec, _, err := serverstorage.NewStorageCodec(serverstorage.StorageCodecConfig{
		StorageMediaType:  mediaType,
		StorageSerializer: Codecs,
		StorageVersion:    mlv1alpha1.SchemeGroupVersion,
		MemoryVersion:     schema.GroupVersion{Group: ml.GroupName, Version: runtime.APIVersionInternal},
	})
	if err != nil {
		return nil, fmt.Errorf("storage codec for %q: %w", mediaType, err)
	}
	return codec, nil
}

// CoreStorageCodec is StorageCodec for the core/v1 Events standalone mode
// stores.
func CoreStorageCodec(mediaType string) (runtime.Codec, error) {
	codec, _, err := serverstorage.NewStorageCodec(serverstorage.StorageCodecConfig{
		StorageMediaType:  mediaType,
		StorageSerializer: CoreCodecs,
		StorageVersion:    corev1.SchemeGroupVersion,
		MemoryVersion:     schema.GroupVersion{Group: corev1.GroupName, Version: runtime.APIVersionInternal},
	})
	if err != nil {
		return nil, fmt.Errorf("storage codec of core/v1 for %q: %w", mediaType, err)
	}
	return codec, nil
}
