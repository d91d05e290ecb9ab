package options

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"ml.example.io/ml-apiserver/pkg/apiserver"
	"ml.example.io/ml-apiserver/pkg/registry/profilerequest"
)

// ProfileOptions configure Profiles and ProfileRequests, served in
// aggregated mode only.
type ProfileOptions struct {
	// MaxPerUser is how many profiles one user may own through
	// ProfileRequests; 0 turns requests off.
	MaxPerUser int
	// Template is the ConfigMap (namespace/name) requested profiles start from.
	Template string
}

// NewProfileOptions returns the defaults: 5 profiles per user, the template
// in ml-system/profile-template.
func NewProfileOptions() *ProfileOptions {
	return &ProfileOptions{
		MaxPerUser: profilerequest.DefaultMaxProfilesPerUser,
		Template:   profilerequest.DefaultTemplate.String(),
	}
}

// AddFlags adds the profile flags to fs.
func (o *ProfileOptions) AddFlags(fs *pflag.FlagSet) {
	fs.IntVar(&o.MaxPerUser, "max-profiles-per-user", o.MaxPerUser,
		"Aggregated mode: how many profiles one user may own through ProfileRequests (0 turns ProfileRequests off; administrators create profiles beyond it).")
	fs.StringVar(&o.Template, "profile-template", o.Template,
		"Aggregated mode: the ConfigMap (namespace/name) whose key "+profilerequest.TemplateKey+" holds the spec requested profiles start from; without it they get the defaults.")
}

// Validate checks the profile flags.
func (o *ProfileOptions) Validate() []error {
	var errs []error
	if o.MaxPerUser < 0 {
		errs = append(errs, fmt.Errorf("--max-profiles-per-user must be 0 or more, got %d", o.MaxPerUser))
	}
	if _, err := o.template(); err != nil {
		errs = append(errs, err)
	}
	return errs
}

func (o *ProfileOptions) template() (types.NamespacedName, error) {
	ns, name, ok := strings.Cut(o.Template, "/")
	if !ok || len(apivalidation.ValidateNamespaceName(ns, false)) > 0 || len(apivalidation.NameIsDNSSubdomain(name, false)) > 0 {
		return types.NamespacedName{}, fmt.Errorf("--profile-template must be namespace/name of a ConfigMap, got %q", o.Template)
	}
	return types.NamespacedName{Namespace: ns, Name: name}, nil
}

// ApplyTo serves Profiles and ProfileRequests in aggregated mode only,
// showing every profile to whom authz allows.
func (o *ProfileOptions) ApplyTo(c *apiserver.ExtraConfig, standalone bool, authz authorizer.Authorizer) {
	if standalone {
		return
	}
	template, _ := o.template() // checked by Validate
	c.Profiles = &apiserver.ProfilesConfig{MaxPerUser: o.MaxPerUser, Template: template, Authorizer: authz}
}
