package options

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	"ml.example.io/ml-apiserver/pkg/apiserver/scheme"
)

// TestStorageMediaType checks that objects are stored as protobuf unless
// --storage-media-type says otherwise, and that the codec built for the
// flag's value writes that encoding.
func TestStorageMediaType(t *testing.T) {
	cases := []struct {
		name       string
		args       []string
		wantPrefix string
		wantErr    string
	}{
		{name: "default", wantPrefix: "k8s\x00"},
		{name: "json", args: []string{"--storage-media-type=application/json"}, wantPrefix: "{"},
		{name: "protobuf", args: []string{"--storage-media-type=application/vnd.kubernetes.protobuf"}, wantPrefix: "k8s\x00"},
		{name: "unknown", args: []string{"--storage-media-type=text/plain"}, wantErr: `--storage-media-type "text/plain" invalid`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := NewOptions()
			fss := o.Flags()
			// The etcd options are only valid with servers.
			args := append([]string{"--etcd-servers=https://127.0.0.1:2379"}, tc.args...)
			if err := fss.FlagSet("generic").Parse(args); err != nil {
				t.Fatal(err)
			}
			errs := o.RecommendedOptions.Etcd.Validate()
			if tc.wantErr != "" {
				if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.wantErr) {
					t.Errorf("errors %v, want one containing %q", errs, tc.wantErr)
				}
				return
			}
			if len(errs) != 0 {
				t.Fatalf("errors %v", errs)
			}
			codec, err := scheme.StorageCodec(o.RecommendedOptions.Etcd.DefaultStorageMediaType)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := runtime.Encode(codec, mltesting.MakeTrainingJob("a", "ns").Obj())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(stored, []byte(tc.wantPrefix)) {
				t.Errorf("stored bytes start with %q, want %q", stored[:min(len(stored), 8)], tc.wantPrefix)
			}
		})
	}
}
