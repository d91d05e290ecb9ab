// Package tree is `kubectl ml tree KIND/NAME`: an object of ml.example.io
// and what it owns. On a cluster the children are read from the core and
// apps APIs (pods, services, deployments, replica sets, stateful sets,
// claims), linked by ownerReferences; in standalone mode, which serves no
// pods, they are what the object's status says (see standalone.go).
package tree

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

const example = `  # A training job and its pods and service
  kubectl ml tree tj/mnist-ddp

  # A model's deployments, replica sets, pods and service
  kubectl ml tree model/sentiment

  # A pipeline run's tasks and the pod (or process) of each attempt,
  # and the instances of its forEach tasks counted by phase
  kubectl ml tree plr/train-eval-1`

// Options are the state of `kubectl ml tree`.
type Options struct {
	// Now is the end of ages.
	Now func() time.Time

	target util.Target
	client rest.Interface
	// kube reads the children on a cluster; nil in standalone mode.
	kube kubernetes.Interface
	genericiooptions.IOStreams
}

// NewCmdTree returns the tree command. flags give the core client.
func NewCmdTree(f *util.Factory, flags genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{Now: time.Now, IOStreams: streams}
	return &cobra.Command{
		Use:                   "tree KIND/NAME",
		DisableFlagsInUseLine: true,
		Short:                 "Show an object and what it owns",
		Long: `Show a training job, pipeline run, model or notebook and what it owns.

On a cluster the children are the pods, services, deployments, replica sets,
stateful sets and persistent volume claims that carry the object's label,
nested by their ownerReferences. In standalone mode, which has no pods, the
children are what the object's status says: a training job's replica
processes, the replicas and URL of a model or notebook.

A pipeline run's children are its tasks, in both modes: the tasks of nested
pipelines under their parent, the pod (or process) of each attempt, and for
a forEach task its instances' counts by phase and the first failed ones
(kubectl get --raw .../pipelineruns/NAME/tasks lists every instance).`,
		Example: example,
		Args:    util.OneObject,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(f, flags, args); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
}

// Complete resolves the object and the clients; kube stays nil when the
// server serves no pods (standalone mode).
func (o *Options) Complete(f *util.Factory, flags genericclioptions.RESTClientGetter, args []string) error {
	target, err := f.Resolve(args[0])
	if err != nil {
		return err
	}
	if _, ok := labelKeys[target.Resource]; !ok {
		return fmt.Errorf("tree shows trainingjobs, pipelineruns, models and notebooks, not %s", target.Resource)
	}
	o.target = target
	if o.client, err = f.RESTClient(); err != nil {
		return err
	}
	dc, err := flags.ToDiscoveryClient()
	if err != nil {
		return err
	}
	core, err := dc.ServerResourcesForGroupVersion("v1")
	switch {
	case apierrors.IsNotFound(err), errors.Is(err, memory.ErrCacheNotFound):
		// No core API at all: standalone mode before it served events.
		return nil
	case err != nil:
		return fmt.Errorf("discover the core API: %w", err)
	}
	hasPods := false
	for _, r := range core.APIResources {
		hasPods = hasPods || r.Name == "pods"
	}
	if !hasPods {
		return nil
	}
	config, err := flags.ToRESTConfig()
	if err != nil {
		return err
	}
	o.kube, err = kubernetes.NewForConfig(config)
	return err
}

// object is the part of any ml.example.io object the tree needs.
type object struct {
	metav1.TypeMeta
	metav1.ObjectMeta `json:"metadata"`
	Status            struct {
		Phase string `json:"phase"`
	} `json:"status"`
	raw []byte
}

// Run prints the tree.
func (o *Options) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	raw, err := o.client.Get().Namespace(o.target.Namespace).Resource(o.target.Resource).Name(o.target.Name).Do(ctx).Raw()
	if err != nil {
		return err
	}
	obj := &object{raw: raw}
	if err := json.Unmarshal(raw, obj); err != nil {
		return fmt.Errorf("decode %s: %w", o.target, err)
	}
	root := &node{
		name:    strings.TrimSuffix(o.target.Resource, "s") + "/" + obj.Name,
		status:  obj.Status.Phase,
		created: obj.CreationTimestamp.Time,
	}
	switch {
	case o.target.Resource == "pipelineruns" && o.kube != nil:
		// A run's tree is its tasks, on a cluster too: a wide fan-out
		// has thousands of pods, which its status summarizes.
		run := &mlv1alpha1.PipelineRun{}
		if err := json.Unmarshal(raw, run); err != nil {
			return fmt.Errorf("decode %s: %w", o.target, err)
		}
		root.children = runChildren(run, o.pipeline(ctx), "pod")
	case o.kube != nil:
		root.children, err = o.clusterChildren(ctx, obj)
	default:
		root.children, err = standaloneChildren(o.target.Resource, raw, o.pipeline(ctx))
	}
	if err != nil {
		return err
	}
	return printTree(o.Out, root, o.Now())
}

// node is a row of the tree.
type node struct {
	name, status string
	// created is when the row's object was made (or its process started);
	// zero when not known.
	created  time.Time
	uid      types.UID
	owners   []types.UID
	children []*node
}

// printTree writes the tree under a NAME STATUS AGE header.
func printTree(out io.Writer, root *node, now time.Time) error {
	var buf bytes.Buffer
	w := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSTATUS\tAGE")
	var rows func(n *node, indent, branch, next string)
	rows = func(n *node, indent, branch, next string) {
		age := ""
		if !n.created.IsZero() {
			age = duration.HumanDuration(now.Sub(n.created))
		}
		fmt.Fprintf(w, "%s%s%s\t%s\t%s\n", indent, branch, n.name, n.status, age)
		for i, c := range n.children {
			if i == len(n.children)-1 {
				rows(c, indent+next, "└─ ", "   ")
			} else {
				rows(c, indent+next, "├─ ", "│  ")
			}
		}
	}
	rows(root, "", "", "")
	if err := w.Flush(); err != nil {
		return err
	}
	// Empty last columns leave padding behind.
	for line := range strings.Lines(buf.String()) {
		if _, err := io.WriteString(out, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// pipeline is the snapshot of the pipeline a run executes, from its
// pipeline subresource; nil for other kinds, or when it cannot be read
// (the tasks then come in status order).
func (o *Options) pipeline(ctx context.Context) *mlv1alpha1.PipelineSpec {
	if o.target.Resource != "pipelineruns" {
		return nil
	}
	p := &mlv1alpha1.Pipeline{}
	raw, err := o.client.Get().Namespace(o.target.Namespace).Resource(o.target.Resource).Name(o.target.Name).SubResource("pipeline").Do(ctx).Raw()
	if err != nil || json.Unmarshal(raw, p) != nil {
		return nil
	}
	return &p.Spec
}
