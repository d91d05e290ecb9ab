// Package artifacts is `kubectl ml artifacts`: it lists what a pipeline
// run or training job produced and consumed (the artifacts subresource),
// and `kubectl ml artifacts get` downloads one.
package artifacts

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/rest"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"sigs.k8s.io/yaml"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/kubectl/cmd/util"
)

// Resources are the resources with an artifacts subresource.
var Resources = []string{"pipelineruns", "trainingjobs"}

const example = `  # The artifacts a pipeline run produced and consumed
  kubectl ml artifacts plr/train-eval-1

  # With their URIs and producers
  kubectl ml artifacts plr/train-eval-1 -o wide

  # Download the report the evaluate task wrote
  kubectl ml artifacts get plr/train-eval-1 evaluate/report -o report.md

  # Print the metrics of a training job's artifact "metrics"
  kubectl ml artifacts get tj/mnist metrics`

// Options are the flags of `kubectl ml artifacts`.
type Options struct {
	// Output is "", wide, json or yaml.
	Output string

	target util.Target
	client rest.Interface
	genericiooptions.IOStreams
}

// NewCmdArtifacts returns the artifacts command and its get subcommand.
func NewCmdArtifacts(f *util.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: streams}
	cmd := &cobra.Command{
		Use:                   "artifacts KIND/NAME [-o wide|json|yaml]",
		DisableFlagsInUseLine: true,
		Short:                 "List the artifacts a pipeline run or training job produced and consumed",
		Long: `List the artifacts a pipeline run or training job produced and consumed: per task,
their name, type, size and digest (with -o wide, their URI and producer too).
'kubectl ml artifacts get' downloads one.`,
		Example: example,
		RunE: func(c *cobra.Command, args []string) error {
			if err := util.OneObject(c, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return cmdutil.UsageErrorf(c, "%v", err)
			}
			if err := o.Complete(f, args[0]); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format: wide, json or yaml.")
	cmd.AddCommand(newCmdGet(f, streams))
	return cmd
}

// Validate checks the output format.
func (o *Options) Validate() error {
	switch o.Output {
	case "", "wide", "json", "yaml":
		return nil
	}
	return fmt.Errorf("--output must be wide, json or yaml, not %q", o.Output)
}

// Complete resolves the object and the client.
func (o *Options) Complete(f *util.Factory, arg string) error {
	target, err := f.Resolve(arg, Resources...)
	if err != nil {
		return err
	}
	o.target = target
	o.client, err = f.RESTClient()
	return err
}

// Run lists the artifacts.
func (o *Options) Run(ctx context.Context) error {
	list, err := List(ctx, o.client, o.target)
	if err != nil {
		return err
	}
	switch o.Output {
	case "json":
		data, err := json.MarshalIndent(list, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(o.Out, string(data))
		return err
	case "yaml":
		data, err := yaml.Marshal(list)
		if err != nil {
			return err
		}
		_, err = o.Out.Write(data)
		return err
	}
	if len(list.Items) == 0 {
		_, err := fmt.Fprintf(o.ErrOut, "No artifacts found for %s.\n", o.target)
		return err
	}
	return PrintList(o.Out, list, o.Output == "wide")
}

// List reads the artifacts subresource of t.
func List(ctx context.Context, client rest.Interface, t util.Target) (*mlv1alpha1.ArtifactList, error) {
	data, err := client.Get().Namespace(t.Namespace).Resource(t.Resource).Name(t.Name).SubResource("artifacts").
		SetHeader("Accept", "application/json").DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	list := &mlv1alpha1.ArtifactList{}
	if err := json.Unmarshal(data, list); err != nil {
		return nil, fmt.Errorf("read the artifacts of %s: %w", t, err)
	}
	return list, nil
}

// PrintList prints list as a table: TASK, DIRECTION, NAME, TYPE, SIZE,
// DIGEST (shortened), and with wide the URI and the producer.
func PrintList(w io.Writer, list *mlv1alpha1.ArtifactList, wide bool) error {
	tw := printers.GetNewTabWriter(w)
	header := "TASK\tDIRECTION\tNAME\tTYPE\tSIZE\tDIGEST"
	if wide {
		header += "\tURI\tPRODUCER"
	}
	fmt.Fprintln(tw, header)
	for _, it := range list.Items {
		task := it.Task
		if task == "" {
			task = "-"
		}
		typ := string(it.Type)
		if typ == "" {
			typ = string(mlv1alpha1.ArtifactTypeGeneric)
		}
		row := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", task, it.Direction, it.Name, typ, Size(it.SizeBytes), shortDigest(it.Digest))
		if wide {
			row += fmt.Sprintf("\t%s\t%s", orDash(it.URI), producer(it.Producer))
		}
		fmt.Fprintln(tw, row)
	}
	return tw.Flush()
}

// Size is n bytes for people: 512B, 1.5KiB, 20MiB.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	v, suffix := float64(n), ""
	for _, s := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= unit
		suffix = s
		if v < unit {
			break
		}
	}
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0") + suffix
}

// shortDigest is the algorithm and the first 12 hex digits, as docker
// shows image IDs.
func shortDigest(d string) string {
	if d == "" {
		return "-"
	}
	alg, hex, ok := strings.Cut(d, ":")
	if !ok || len(hex) <= 12 {
		return d
	}
	return alg + ":" + hex[:12]
}

func producer(p *mlv1alpha1.ArtifactProducer) string {
	if p == nil {
		return "-"
	}
	s := p.Kind + "/" + p.Name
	if p.Task != "" {
		s += "/" + p.Task
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// getOptions are the flags of `kubectl ml artifacts get`.
type getOptions struct {
	// File is where to write the content; "" or "-" is standard output.
	File string

	target util.Target
	path   string
	client rest.Interface
	genericiooptions.IOStreams
}

func newCmdGet(f *util.Factory, streams genericiooptions.IOStreams) *cobra.Command {
	o := &getOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:                   "get KIND/NAME TASK/ARTIFACT [-o FILE]",
		DisableFlagsInUseLine: true,
		Short:                 "Download an artifact of a pipeline run or training job",
		Long: `Download an artifact of a pipeline run (TASK/ARTIFACT) or training job (ARTIFACT),
byte for byte, to FILE or to the standard output; a directory artifact as a tar
archive of its files. The server streams up to its --max-artifact-serve-bytes;
larger artifacts are refused with the URI to read them from.`,
		Example: `  kubectl ml artifacts get plr/train-eval-1 evaluate/report -o report.md
  kubectl ml artifacts get plr/train-eval-1 train/model -o model.tar
  kubectl ml artifacts get tj/mnist metrics`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) != 2 {
				return cmdutil.UsageErrorf(c, "want KIND/NAME and the artifact (TASK/ARTIFACT for a pipeline run), got %d arguments", len(args))
			}
			target, err := f.Resolve(args[0], Resources...)
			if err != nil {
				return err
			}
			o.target, o.path = target, strings.Trim(args[1], "/")
			if o.client, err = f.RESTClient(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	cmd.Flags().StringVarP(&o.File, "output", "o", o.File, "Write the artifact to this file instead of the standard output.")
	return cmd
}

// request is the GET of the artifact's content.
func (o *getOptions) request() *rest.Request {
	segments := append([]string{"artifacts"}, strings.Split(o.path, "/")...)
	return o.client.Get().Namespace(o.target.Namespace).Resource(o.target.Resource).Name(o.target.Name).SubResource(segments...)
}

// Run streams the artifact to the file (through a temporary file renamed
// into place once complete) or the standard output.
func (o *getOptions) Run(ctx context.Context) error {
	stream, err := o.request().Stream(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = stream.Close() }()
	if o.File == "" || o.File == "-" {
		_, err := io.Copy(o.Out, stream)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(o.File), "."+filepath.Base(o.File)+".*")
	if err != nil {
		return err
	}
	_, err = io.Copy(tmp, stream)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), o.File)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("download %s of %s: %w", o.path, o.target, err)
	}
	return nil
}
