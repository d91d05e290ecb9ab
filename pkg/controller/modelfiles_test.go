package controller

import (
	"testing"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

// The pull init container of Models gets the namespace's store from its
// Secret by secretKeyRef: endpoint and bucket required, the rest optional.
func TestModelPullCredentials(t *testing.T) {
	for _, tc := range []struct {
		resolver *artifactstore.Resolver
		secret   string
	}{{nil, artifactstore.DefaultSecretName}, {&artifactstore.Resolver{SecretName: "team-store"}, "team-store"}} {
		pull := modelPull(Context{Data: DataStores{Artifacts: tc.resolver}, ModelFiles: ModelFilesConfig{HelperImage: "registry/ml-apiserver:v2"}})
		if pull.HelperImage != "registry/ml-apiserver:v2" || len(pull.CredentialsEnv) == 0 {
			t.Fatalf("pull config %+v", pull)
		}
		for _, e := range pull.CredentialsEnv {
			ref := e.ValueFrom.SecretKeyRef
			if e.Value != "" || ref == nil || ref.Name != tc.secret {
				t.Errorf("%s: %+v, want a secretKeyRef of Secret %s and no value", e.Name, e, tc.secret)
				continue
			}
			required := ref.Key == artifactstore.SecretKeyEndpoint || ref.Key == artifactstore.SecretKeyBucket
			if *ref.Optional == required {
				t.Errorf("%s from key %s: optional %v", e.Name, ref.Key, *ref.Optional)
			}
		}
	}
	if got := modelPull(Context{}).HelperImage; got != DefaultModelHelperImage {
		t.Errorf("default helper image %q", got)
	}
}
