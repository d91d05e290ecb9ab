package app

import (
	"testing"

	"k8s.io/client-go/rest"

	"ml.example.io/ml-apiserver/cmd/ml-apiserver/app/options"
)

// The controllers of `ml-apiserver controller` get artifact stores from
// the subcommand's flags, as the API server's in-process controllers get
// the server's: Model sources are checked, and pods and stores name the
// same Secret and cap.
func TestSubcommandControllerConfigArtifacts(t *testing.T) {
	o := options.NewControllerCommandOptions()
	o.Artifacts.SecretName = "team-store"
	o.Artifacts.MaxBytes = 1 << 20
	c, err := o.Complete()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	cc, err := subcommandControllerConfig(c, &rest.Config{Host: "https://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	r := cc.Data.Artifacts
	if r == nil || r.Secrets == nil || r.Secret() != "team-store" || r.MaxBytes != 1<<20 {
		t.Fatalf("artifact stores %+v: want the namespaces' Secrets team-store and the cap 1048576", r)
	}
	if cc.ArtifactPods.SecretName != "team-store" || cc.ArtifactPods.MaxBytes != 1<<20 {
		t.Errorf("pods' artifact steps %+v: want Secret team-store and the cap 1048576", cc.ArtifactPods)
	}
}
