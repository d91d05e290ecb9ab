package options

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	"ml.example.io/ml-apiserver/pkg/apiserver"
)

func TestProfileOptions(t *testing.T) {
	o := NewProfileOptions()
	if errs := o.Validate(); len(errs) > 0 {
		t.Fatalf("defaults: %v", errs)
	}
	var extra apiserver.ExtraConfig
	o.ApplyTo(&extra, true, nil)
	if extra.Profiles != nil {
		t.Errorf("standalone mode serves profiles: %+v", extra.Profiles)
	}
	o.ApplyTo(&extra, false, nil)
	if extra.Profiles == nil || extra.Profiles.MaxPerUser != 5 || extra.Profiles.Template != (types.NamespacedName{Namespace: "ml-system", Name: "profile-template"}) {
		t.Errorf("aggregated mode: %+v", extra.Profiles)
	}

	for flag, set := range map[string]func(*ProfileOptions){
		"--max-profiles-per-user": func(o *ProfileOptions) { o.MaxPerUser = -1 },
		"--profile-template":      func(o *ProfileOptions) { o.Template = "profile-template" },
	} {
		o := NewProfileOptions()
		set(o)
		errs := o.Validate()
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), flag) {
			t.Errorf("bad %s: got %v", flag, errs)
		}
	}
}
