package profiles

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/util/retry"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	mlclient "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/typed/ml/v1alpha1"
)

// FieldManager is the field manager of the plugin's writes.
const FieldManager = "kubectl-ml"

// MemberOptions are the state of add-contributor and remove-contributor.
type MemberOptions struct {
	// Add is true for add-contributor.
	Add bool
	// User, Group and ServiceAccount name the subject, as the flags of
	// kubectl create rolebinding do; Role is its role when added.
	User, Group, ServiceAccount, Role string

	profile string
	subject rbacv1.Subject
	role    mlv1alpha1.ContributorRole
	client  mlclient.MlV1alpha1Interface
	genericiooptions.IOStreams
}

func newCmdAddContributor(flags genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *cobra.Command {
	o := &MemberOptions{Add: true, IOStreams: streams}
	cmd := &cobra.Command{
		Use:                   "add-contributor PROFILE (--user NAME | --group NAME | --serviceaccount NAMESPACE:NAME) [--role admin|edit|view]",
		DisableFlagsInUseLine: true,
		Short:                 "Add a user, group or ServiceAccount to a profile's contributors",
		Long: `Add a user, group or ServiceAccount to a profile's spec.contributors with a
role: admin, edit (the default) or view. The profile controller then binds
the subject to that role in the profile's namespace.

The change goes through the profiles/members subresource, which the owner
of the profile and its admin contributors may write without any
cluster-wide rights; it is retried when the profile changed meanwhile.`,
		Example: `  # Let bob create training jobs in the profile vision
  kubectl ml profiles add-contributor vision --user bob --role edit

  # Let a group read it, and a CI ServiceAccount administer it
  kubectl ml profiles add-contributor vision --group ml-auditors --role view
  kubectl ml profiles add-contributor vision --serviceaccount ci:deployer --role admin`,
		Args: exactlyOneProfile,
		RunE: func(c *cobra.Command, args []string) error {
			return o.complete(flags, args, c)
		},
	}
	o.addSubjectFlags(cmd)
	cmd.Flags().StringVar(&o.Role, "role", string(mlv1alpha1.ContributorRoleEdit), "The contributor's role in the profile: admin, edit or view.")
	return cmd
}

func newCmdRemoveContributor(flags genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *cobra.Command {
	o := &MemberOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:                   "remove-contributor PROFILE (--user NAME | --group NAME | --serviceaccount NAMESPACE:NAME)",
		DisableFlagsInUseLine: true,
		Short:                 "Remove a user, group or ServiceAccount from a profile's contributors",
		Long: `Remove a user, group or ServiceAccount from a profile's spec.contributors,
through the profiles/members subresource. The profile controller deletes
their RoleBinding, so their access to the profile's namespace ends.`,
		Example: `  # bob leaves the profile vision
  kubectl ml profiles remove-contributor vision --user bob`,
		Args: exactlyOneProfile,
		RunE: func(c *cobra.Command, args []string) error {
			return o.complete(flags, args, c)
		},
	}
	o.addSubjectFlags(cmd)
	return cmd
}

func exactlyOneProfile(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("name one profile, for example: vision (got %d arguments)", len(args))
	}
	return nil
}

func (o *MemberOptions) addSubjectFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.User, "user", "", "The user name of the contributor.")
	cmd.Flags().StringVar(&o.Group, "group", "", "The group name of the contributor.")
	cmd.Flags().StringVar(&o.ServiceAccount, "serviceaccount", "", "The ServiceAccount of the contributor, as NAMESPACE:NAME.")
}

func (o *MemberOptions) complete(flags genericclioptions.RESTClientGetter, args []string, c *cobra.Command) error {
	if err := o.Validate(args); err != nil {
		return err
	}
	var err error
	if o.client, _, err = clients(flags); err != nil {
		return err
	}
	return o.Run(c.Context())
}

// Validate checks the profile, the subject and the role.
func (o *MemberOptions) Validate(args []string) error {
	o.profile = args[0]
	subject, err := subjectFromFlags(o.User, o.Group, o.ServiceAccount)
	if err != nil {
		return err
	}
	o.subject = subject
	if o.Add {
		o.role, err = parseRole(o.Role)
	}
	return err
}

// Run reads the profile's members, changes the contributors and writes
// them back, again from a fresh read on a conflict.
func (o *MemberOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p := &mlv1alpha1.Profile{}
		err := o.client.RESTClient().Get().Resource("profiles").Name(o.profile).SubResource("members").Do(ctx).Into(p)
		if err != nil {
			return err
		}
		if err := o.change(p); err != nil {
			return err
		}
		_, err = o.client.Profiles().UpdateMembers(ctx, o.profile, p, metav1.UpdateOptions{FieldManager: FieldManager})
		return err
	})
	if err != nil {
		return err
	}
	done := "removed"
	if o.Add {
		done = fmt.Sprintf("added (%s)", o.role)
	}
	_, err = fmt.Fprintf(o.Out, "profile.%s/%s contributor %s %s\n", ml.GroupName, o.profile, subjectString(o.subject), done)
	return err
}

// change adds or removes the subject in p's contributors, or says why not.
func (o *MemberOptions) change(p *mlv1alpha1.Profile) error {
	who := subjectString(o.subject)
	i := slices.IndexFunc(p.Spec.Contributors, func(c mlv1alpha1.Contributor) bool { return sameSubject(c.Subject, o.subject) })
	if !o.Add {
		if i < 0 {
			return fmt.Errorf("%s is not a contributor of profile %q", who, p.Name)
		}
		p.Spec.Contributors = slices.Delete(p.Spec.Contributors, i, i+1)
		return nil
	}
	if sameSubject(p.Spec.Owner, o.subject) {
		return fmt.Errorf("%s is the owner of profile %q, who is admin already", who, p.Name)
	}
	if i >= 0 {
		c := p.Spec.Contributors[i]
		if c.Role == o.role {
			return fmt.Errorf("%s is already a contributor of profile %q (%s)", who, p.Name, c.Role)
		}
		return fmt.Errorf("%s is already a contributor of profile %q (%s): remove-contributor first to change the role to %s", who, p.Name, c.Role, o.role)
	}
	p.Spec.Contributors = append(p.Spec.Contributors, mlv1alpha1.Contributor{Subject: o.subject, Role: o.role})
	return nil
}
