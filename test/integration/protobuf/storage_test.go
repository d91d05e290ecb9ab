package protobuf

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// TestJSONStoredObjectsAreReadAndRewrittenAsProtobuf starts a server that
// stores objects as JSON (as servers before protobuf did), creates one
// object of every kind, and restarts it on the same data directory with
// the default --storage-media-type. Every object must read back unchanged
// from its JSON bytes, list and update, and an update must store it as
// protobuf.
func TestJSONStoredObjectsAreReadAndRewrittenAsProtobuf(t *testing.T) {
	ctx := t.Context()
	mediaType := runtime.ContentTypeJSON
	server := framework.StartTestServerWith(t, func(o *options.Options) {
		if mediaType != "" {
			o.RecommendedOptions.Etcd.DefaultStorageMediaType = mediaType
		}
	})
	ns := framework.NewNamespace(t)
	objs := objectsOfEveryKind(t, server.ClientConfig, ns)

	dyn := dynamicClient(t, server)
	created := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		got, err := resourceClient(dyn, o).Create(ctx, o.obj, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create %s: %v", o.gvr.Resource, err)
		}
		created[o.gvr.Resource] = got
	}
	for _, o := range objs {
		if enc := encoding(etcdGet(t, server, o.etcdKey())); enc != "JSON" {
			t.Fatalf("%s stored with --storage-media-type=application/json is %s", o.etcdKey(), enc)
		}
	}

	// The default media type from here on.
	mediaType = ""
	server.Restart()
	dyn = dynamicClient(t, server)

	for _, o := range objs {
		t.Run(o.gvr.Resource, func(t *testing.T) {
			rc := resourceClient(dyn, o)
			got, err := rc.Get(ctx, o.obj.GetName(), metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get of the JSON-stored object: %v", err)
			}
			if diff := cmp.Diff(created[o.gvr.Resource], got); diff != "" {
				t.Errorf("JSON-stored object read by the protobuf-storing server (-created +read):\n%s", diff)
			}
			if enc := encoding(etcdGet(t, server, o.etcdKey())); enc != "JSON" {
				t.Errorf("a read rewrote the stored object as %s", enc)
			}
			list, err := rc.List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if n := len(list.Items); n != 1 || list.Items[0].GetUID() != got.GetUID() {
				t.Errorf("list returned %d objects, want the one created", n)
			}

			got.SetLabels(map[string]string{"rewritten": "true"})
			updated, err := rc.Update(ctx, got, metav1.UpdateOptions{})
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			stored := etcdGet(t, server, o.etcdKey())
			if enc := encoding(stored); enc != "protobuf" {
				t.Fatalf("after an update the object is stored as %s, want protobuf", enc)
			}
			// The stored bytes are the object, as protobuf decodes them.
			decoded, _, err := scheme.Codecs.UniversalDeserializer().Decode(stored, nil, nil)
			if err != nil {
				t.Fatalf("decode the stored protobuf: %v", err)
			}
			m, err := apimeta.Accessor(decoded)
			if err != nil || m.GetLabels()["rewritten"] != "true" || m.GetUID() != got.GetUID() {
				t.Errorf("stored protobuf decodes to %T (%v), want the updated object", decoded, err)
			}
			reread, err := rc.Get(ctx, o.obj.GetName(), metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get of the protobuf-stored object: %v", err)
			}
			if diff := cmp.Diff(updated, reread); diff != "" {
				t.Errorf("protobuf-stored object read back (-updated +read):\n%s", diff)
			}
		})
	}
}

func dynamicClient(t *testing.T, server *framework.TestServer) *dynamic.DynamicClient {
	t.Helper()
	dyn, err := dynamic.NewForConfig(server.ClientConfig)
	if err != nil {
		t.Fatal(err)
	}
	return dyn
}

func resourceClient(dyn *dynamic.DynamicClient, o storedObject) dynamic.ResourceInterface {
	if o.namespaced {
		return dyn.Resource(o.gvr).Namespace(o.obj.GetNamespace())
	}
	return dyn.Resource(o.gvr)
}

// etcdGet reads key from the server's etcd, failing the test when it is
// missing.
func etcdGet(t *testing.T, server *framework.TestServer, key string) []byte {
	t.Helper()
	client, err := (&options.DataStoreOptions{}).NewEtcdClient(server.Etcd)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	resp, err := client.Get(context.WithoutCancel(t.Context()), key)
	if err != nil {
		t.Fatalf("etcd get %s: %v", key, err)
	}
	if len(resp.Kvs) != 1 {
		keys, _ := client.Get(t.Context(), options.EtcdPathPrefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
		var all [][]byte
		for _, kv := range keys.Kvs {
			all = append(all, kv.Key)
		}
		t.Fatalf("etcd has no key %s; it has:\n%s", key, bytes.Join(all, []byte("\n")))
	}
	return resp.Kvs[0].Value
}
