package workload

import (
	"path/filepath"
	"testing"

	"ml.example.io/ml-apiserver/pkg/storage/artifactstore"
)

func TestArtifactKey(t *testing.T) {
	root := filepath.Join(t.TempDir(), "store")
	s, err := artifactstore.NewFilesystem(root)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "ns/pipelineruns/r/u/t/a", want: "ns/pipelineruns/r/u/t/a"},
		{in: s.URI("ns/pipelineruns/r/u/t/a"), want: "ns/pipelineruns/r/u/t/a"},
		{in: "s3://other-bucket/ns/pipelineruns/r/u/t/a", wantErr: true},
		{in: s.URI("ns/../../etc"), wantErr: true},
		{in: s.URI("other/pipelineruns/r/u/t/a"), wantErr: true},
	}
	for _, tc := range cases {
		got, err := ArtifactKey(s, tc.in, "ns")
		if (err != nil) != tc.wantErr || got != tc.want && !tc.wantErr {
			t.Errorf("ArtifactKey(%q) = %q, %v; want %q (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
