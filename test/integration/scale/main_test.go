// Package scale tests the scale subresources of TrainingJobs, Models and
// Notebooks (autoscaling/v1 Scale) through the generated clientset,
// client-go's scale client (what a HorizontalPodAutoscaler uses), raw
// server-side apply, discovery and the machine's kubectl.
package scale

import (
	"context"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	mltesting "ml.example.io/ml-apiserver/pkg/apis/ml/testing"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/generated/clientset/versioned"
	"ml.example.io/ml-apiserver/test/integration/framework"
)

// server is shared by every test of the package; each test works in a
// namespace of its own.
var server *framework.TestServer

func TestMain(m *testing.M) {
	framework.Main(m, &server)
}

// setup returns the context, an admin clientset and a fresh namespace for
// a test.
func setup(t *testing.T) (context.Context, versioned.Interface, string) {
	t.Helper()
	return t.Context(), server.Clientset(), framework.NewNamespace(t)
}

// scalable is one kind with a scale subresource, reached through the
// generated clientset.
type scalable struct {
	kind, resource string
	// label is the pod label the default selector is made of.
	label string
	// from and to are the replicas of the object create makes and a count
	// it may be scaled to.
	from, to int32
	// create stores a valid object named name asking for from replicas.
	create func(ctx context.Context, cs versioned.Interface, ns, name string) (mltesting.Object, error)
	// get returns the stored object and its spec.replicas.
	get      func(ctx context.Context, cs versioned.Interface, ns, name string) (mltesting.Object, int32, error)
	getScale func(ctx context.Context, cs versioned.Interface, ns, name string) (*autoscalingv1.Scale, error)
	update   func(ctx context.Context, cs versioned.Interface, ns string, scale *autoscalingv1.Scale, opts metav1.UpdateOptions) (*autoscalingv1.Scale, error)
	// setStatus writes status.replicas and status.selector.
	setStatus func(ctx context.Context, cs versioned.Interface, ns, name string, replicas int32, selector string) error
}

// elasticJob is a TrainingJob that may scale between 1 and 4 workers.
func elasticJob(name, ns string, replicas int32) *mlv1alpha1.TrainingJob {
	job := mltesting.NewTrainingJob(name, ns).Replicas(replicas).Obj()
	job.Spec.Elastic = &mlv1alpha1.ElasticPolicy{MinReplicas: ptr.To[int32](1), MaxReplicas: ptr.To[int32](4)}
	return job
}

func scalables() []scalable {
	return []scalable{
		{
			kind: "TrainingJob", resource: "trainingjobs", label: "ml.example.io/trainingjob", from: 2, to: 3,
			create: func(ctx context.Context, cs versioned.Interface, ns, name string) (mltesting.Object, error) {
				return cs.MlV1alpha1().TrainingJobs(ns).Create(ctx, elasticJob(name, ns, 2), metav1.CreateOptions{})
			},
			get: func(ctx context.Context, cs versioned.Interface, ns, name string) (mltesting.Object, int32, error) {
				j, err := cs.MlV1alpha1().TrainingJobs(ns).Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					return nil, 0, err
				}
				return j, ptr.Deref(j.Spec.Replicas, -1), nil
			},
			getScale: func(ctx context.Context, cs versioned.Interface, ns, name string) (*autoscalingv1.Scale, error) {
				return cs.MlV1alpha1().TrainingJobs(ns).GetScale(ctx, name, metav1.GetOptions{})
			},
			update: func(ctx context.Context, cs versioned.Interface, ns string, s *autoscalingv1.Scale, opts metav1.UpdateOptions) (*autoscalingv1.Scale, error) {
				return cs.MlV1alpha1().TrainingJobs(ns).UpdateScale(ctx, s.Name, s, opts)
			},
			setStatus: func(ctx context.Context, cs versioned.Interface, ns, name string, replicas int32, selector string) error {
				j, err := cs.MlV1alpha1().TrainingJobs(ns).Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				j.Status.Replicas, j.Status.Selector = replicas, selector
				_, err = cs.MlV1alpha1().TrainingJobs(ns).UpdateStatus(ctx, j, metav1.UpdateOptions{})
				return err
			},
		},
		{
			kind: "Model", resource: "models", label: "ml.example.io/model", from: 2, to: 5,
			create: func(ctx context.Context, cs versioned.Interface, ns, name string) (mltesting.Object, error) {
				return cs.MlV1alpha1().Models(ns).Create(ctx, mltesting.NewModel(name, ns).Replicas(2).Obj(), metav1.CreateOptions{})
			},
			get: func(ctx context.Context, cs versioned.Interface, ns, name string) (mltesting.Object, int32, error) {
				m, err := cs.MlV1alpha1().Models(ns).Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					return nil, 0, err
				}
				return m, ptr.Deref(m.Spec.Replicas, -1), nil
			},
			getScale: func(ctx context.Context, cs versioned.Interface, ns, name string) (*autoscalingv1.Scale, error) {
				return cs.MlV1alpha1().Models(ns).GetScale(ctx, name, metav1.GetOptions{})
			},
			update: func(ctx context.Context, cs versioned.Interface, ns string, s *autoscalingv1.Scale, opts metav1.UpdateOptions) (*autoscalingv1.Scale, error) {
				return cs.MlV1alpha1().Models(ns).UpdateScale(ctx, s.Name, s, opts)
			},
			setStatus: func(ctx context.Context, cs versioned.Interface, ns, name string, replicas int32, selector string) error {
				m, err := cs.MlV1alpha1().Models(ns).Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				m.Status.Replicas, m.Status.Selector = replicas, selector
				_, err = cs.MlV1alpha1().Models(ns).UpdateStatus(ctx, m, metav1.UpdateOptions{})
				return err
			},
		},
		{
			kind: "Notebook", resource: "notebooks", label: "ml.example.io/notebook", from: 1, to: 0,
			create: func(ctx context.Context, cs versioned.Interface, ns, name string) (mltesting.Object, error) {
				return cs.MlV1alpha1().Notebooks(ns).Create(ctx, mltesting.NewNotebook(name, ns).Obj(), metav1.CreateOptions{})
			},
			get: func(ctx context.Context, cs versioned.Interface, ns, name string) (mltesting.Object, int32, error) {
				nb, err := cs.MlV1alpha1().Notebooks(ns).Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					return nil, 0, err
				}
				return nb, ptr.Deref(nb.Spec.Replicas, -1), nil
			},
			getScale: func(ctx context.Context, cs versioned.Interface, ns, name string) (*autoscalingv1.Scale, error) {
				return cs.MlV1alpha1().Notebooks(ns).GetScale(ctx, name, metav1.GetOptions{})
			},
			update: func(ctx context.Context, cs versioned.Interface, ns string, s *autoscalingv1.Scale, opts metav1.UpdateOptions) (*autoscalingv1.Scale, error) {
				return cs.MlV1alpha1().Notebooks(ns).UpdateScale(ctx, s.Name, s, opts)
			},
			setStatus: func(ctx context.Context, cs versioned.Interface, ns, name string, replicas int32, selector string) error {
				nb, err := cs.MlV1alpha1().Notebooks(ns).Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				nb.Status.Replicas, nb.Status.Selector = replicas, selector
				_, err = cs.MlV1alpha1().Notebooks(ns).UpdateStatus(ctx, nb, metav1.UpdateOptions{})
				return err
			},
		},
	}
}

// forEachScalable runs f as a subtest for every kind with a scale
// subresource, each in a namespace of its own.
func forEachScalable(t *testing.T, f func(t *testing.T, ctx context.Context, cs versioned.Interface, ns string, k scalable)) {
	t.Helper()
	for _, k := range scalables() {
		t.Run(k.kind, func(t *testing.T) {
			ctx, cs, ns := setup(t)
			f(t, ctx, cs, ns, k)
		})
	}
}
