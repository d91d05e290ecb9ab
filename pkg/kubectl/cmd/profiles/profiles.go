// Package profiles is `kubectl ml profiles`: the profiles the caller
// belongs to with their role in each, and add-contributor and
// remove-contributor, which change a profile's spec.contributors through
// the profiles/members subresource as its owner and admins may.
package profiles

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/scheme"
	mlclient "ml.example.io/ml-apiserver/pkg/generated/clientset/versioned/typed/ml/v1alpha1"
)

const example = `  # The profiles you belong to, with your role in each
  kubectl ml profiles

  # As another user would see them, or as a list to script with
  kubectl ml profiles --as bob
  kubectl ml profiles -o name

  # Add bob to the profile vision as an editor, then remove him
  kubectl ml profiles add-contributor vision --user bob --role edit
  kubectl ml profiles remove-contributor vision --user bob`

// Options are the flags of `kubectl ml profiles`.
type Options struct {
	PrintFlags *genericclioptions.PrintFlags
	// Now is the end of the ages.
	Now func() time.Time

	client mlclient.MlV1alpha1Interface
	whoami func(context.Context) (Identity, error)
	genericiooptions.IOStreams
}

// NewCmdProfiles returns the profiles command and its subcommands.
func NewCmdProfiles(flags genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{
		PrintFlags: genericclioptions.NewPrintFlags("").WithTypeSetter(scheme.Scheme),
		Now:        time.Now,
		IOStreams:  streams,
	}
	cmd := &cobra.Command{
		Use:                   "profiles [-o json|yaml|name]",
		DisableFlagsInUseLine: true,
		Aliases:               []string{"profile", "prof"},
		Short:                 "List the profiles you belong to, and manage their contributors",
		Long: `List the profiles you belong to, with your role in each: owner, or the
role a contributor entry gives you (admin, edit or view), by your user name,
one of your groups or your ServiceAccount. The server learns who you are
(as kubectl auth whoami does) and lists only your profiles; a cluster
administrator sees every profile, with no role in those they are not in.

add-contributor and remove-contributor change a profile's contributors, as
its owner and admin contributors may without any cluster-wide rights.`,
		Example: example,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(flags); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	o.PrintFlags.AddFlags(cmd)
	cmd.AddCommand(newCmdAddContributor(flags, streams), newCmdRemoveContributor(flags, streams))
	return cmd
}

// clients builds the ml.example.io client and the whoami of the flags.
func clients(flags genericclioptions.RESTClientGetter) (mlclient.MlV1alpha1Interface, func(context.Context) (Identity, error), error) {
	config, err := flags.ToRESTConfig()
	if err != nil {
		return nil, nil, err
	}
	ml, err := mlclient.NewForConfig(config)
	if err != nil {
		return nil, nil, err
	}
	core, err := kubernetes.NewForConfig(rest.CopyConfig(config))
	if err != nil {
		return nil, nil, err
	}
	return ml, whoamiWith(core), nil
}

// whoamiWith asks the server who the caller is with a SelfSubjectReview,
// as kubectl auth whoami does.
func whoamiWith(core kubernetes.Interface) func(context.Context) (Identity, error) {
	return func(ctx context.Context) (Identity, error) {
		r, err := core.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			return Identity{}, fmt.Errorf("learn who you are (SelfSubjectReview, as kubectl auth whoami): %w", err)
		}
		return Identity{User: r.Status.UserInfo.Username, Groups: r.Status.UserInfo.Groups}, nil
	}
}

// Complete builds the clients.
func (o *Options) Complete(flags genericclioptions.RESTClientGetter) error {
	var err error
	o.client, o.whoami, err = clients(flags)
	return err
}

// Run lists the profiles and prints them with the caller's role.
func (o *Options) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	list, err := o.client.Profiles().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	if o.PrintFlags.OutputFormat != nil && *o.PrintFlags.OutputFormat != "" {
		printer, err := o.PrintFlags.ToPrinter()
		if err != nil {
			return err
		}
		// As kubectl get prints a list: each item names its kind, so the
		// output can be applied again.
		for i := range list.Items {
			list.Items[i].SetGroupVersionKind(mlv1alpha1.SchemeGroupVersion.WithKind("Profile"))
		}
		if *o.PrintFlags.OutputFormat != "name" {
			return printer.PrintObj(list, o.Out)
		}
		// The name printer takes one object at a time.
		for i := range list.Items {
			if err := printer.PrintObj(&list.Items[i], o.Out); err != nil {
				return err
			}
		}
		return nil
	}
	if len(list.Items) == 0 {
		_, err := fmt.Fprintln(o.ErrOut, "No profiles found.")
		return err
	}
	id, err := o.whoami(ctx)
	if err != nil {
		return err
	}
	return PrintProfiles(o.Out, list.Items, id, o.Now())
}

// PrintProfiles writes the table of profiles with the role of id in each.
func PrintProfiles(out io.Writer, items []mlv1alpha1.Profile, id Identity, now time.Time) error {
	w := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	fmt.Fprintln(w, "NAME\tROLE\tOWNER\tCONTRIBUTORS\tPHASE\tAGE")
	for i := range items {
		p := &items[i]
		role := RoleOf(p, id)
		if role == "" {
			role = "<none>"
		}
		phase := string(p.Status.Phase)
		if phase == "" {
			phase = string(mlv1alpha1.ProfilePending)
		}
		age := "<unknown>"
		if !p.CreationTimestamp.IsZero() {
			age = duration.HumanDuration(now.Sub(p.CreationTimestamp.Time))
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, role, p.Spec.Owner.Kind+"/"+p.Spec.Owner.Name,
			strconv.Itoa(len(p.Spec.Contributors)), phase, age)
	}
	return w.Flush()
}
