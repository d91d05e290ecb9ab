package trainingjob

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

func TestReplicaEnv(t *testing.T) {
	const metrics = "https://kubernetes.default.svc/apis/ml.example.io/v1alpha1/namespaces/ns/trainingjobs/a/metrics"
	common := func(index, replicas string) []corev1.EnvVar {
		return []corev1.EnvVar{
			{Name: "ML_JOB_NAME", Value: "a"},
			{Name: "ML_REPLICA_INDEX", Value: index},
			{Name: "ML_REPLICAS", Value: replicas},
			{Name: "ML_METRICS_URL", Value: metrics},
		}
	}
	cases := []struct {
		name  string
		job   *mlv1alpha1.TrainingJob
		index int32
		want  []corev1.EnvVar
	}{
		{
			name:  "Generic",
			job:   makeJob("a").Replicas(3).V1alpha1(),
			index: 2,
			want:  common("2", "3"),
		},
		{
			name:  "PyTorch",
			job:   makeJob("a").Framework(ml.FrameworkPyTorch).Replicas(4).V1alpha1(),
			index: 1,
			want: append(common("1", "4"),
				corev1.EnvVar{Name: "MASTER_ADDR", Value: "a-0.a.ns.svc"},
				corev1.EnvVar{Name: "MASTER_PORT", Value: "29500"},
				corev1.EnvVar{Name: "WORLD_SIZE", Value: "4"},
				corev1.EnvVar{Name: "RANK", Value: "1"},
				corev1.EnvVar{Name: "LOCAL_RANK", Value: "0"},
				corev1.EnvVar{Name: "PET_MASTER_ADDR", Value: "a-0.a.ns.svc"},
				corev1.EnvVar{Name: "PET_MASTER_PORT", Value: "29500"},
				corev1.EnvVar{Name: "PET_NNODES", Value: "4"},
				corev1.EnvVar{Name: "PET_NODE_RANK", Value: "1"},
				corev1.EnvVar{Name: "PET_NPROC_PER_NODE", Value: "1"},
			),
		},
		{
			name:  "elastic PyTorch rendezvous through c10d",
			job:   makeJob("a").Framework(ml.FrameworkPyTorch).Replicas(2).Elastic(1, 4).V1alpha1(),
			index: 0,
			want: append(common("0", "2"),
				corev1.EnvVar{Name: "MASTER_ADDR", Value: "a-0.a.ns.svc"},
				corev1.EnvVar{Name: "MASTER_PORT", Value: "29500"},
				corev1.EnvVar{Name: "WORLD_SIZE", Value: "2"},
				corev1.EnvVar{Name: "RANK", Value: "0"},
				corev1.EnvVar{Name: "LOCAL_RANK", Value: "0"},
				corev1.EnvVar{Name: "PET_MASTER_ADDR", Value: "a-0.a.ns.svc"},
				corev1.EnvVar{Name: "PET_MASTER_PORT", Value: "29500"},
				corev1.EnvVar{Name: "PET_NNODES", Value: "1:4"},
				corev1.EnvVar{Name: "PET_NODE_RANK", Value: "0"},
				corev1.EnvVar{Name: "PET_NPROC_PER_NODE", Value: "1"},
				corev1.EnvVar{Name: "PET_RDZV_BACKEND", Value: "c10d"},
				corev1.EnvVar{Name: "PET_RDZV_ENDPOINT", Value: "a-0.a.ns.svc:29500"},
				corev1.EnvVar{Name: "PET_RDZV_ID", Value: "a"},
			),
		},
		{
			name:  "TensorFlow",
			job:   makeJob("a").Framework(ml.FrameworkTensorFlow).Replicas(2).V1alpha1(),
			index: 1,
			want: append(common("1", "2"), corev1.EnvVar{
				Name:  "TF_CONFIG",
				Value: `{"cluster":{"worker":["a-0.a.ns.svc:29500","a-1.a.ns.svc:29500"]},"task":{"type":"worker","index":1}}`,
			}),
		},
		{
			name: "PyTorch with 2 processes per replica",
			job: func() *mlv1alpha1.TrainingJob {
				j := makeJob("a").Framework(ml.FrameworkPyTorch).Replicas(2).V1alpha1()
				j.Spec.NumProcPerNode = ptr.To[int32](2)
				return j
			}(),
			index: 1,
			want: append(common("1", "2"),
				corev1.EnvVar{Name: "MASTER_ADDR", Value: "a-0.a.ns.svc"},
				corev1.EnvVar{Name: "MASTER_PORT", Value: "29500"},
				corev1.EnvVar{Name: "WORLD_SIZE", Value: "4"},
				corev1.EnvVar{Name: "RANK", Value: "1"},
				corev1.EnvVar{Name: "LOCAL_RANK", Value: "0"},
				corev1.EnvVar{Name: "PET_MASTER_ADDR", Value: "a-0.a.ns.svc"},
				corev1.EnvVar{Name: "PET_MASTER_PORT", Value: "29500"},
				corev1.EnvVar{Name: "PET_NNODES", Value: "2"},
				corev1.EnvVar{Name: "PET_NODE_RANK", Value: "1"},
				corev1.EnvVar{Name: "PET_NPROC_PER_NODE", Value: "2"},
			),
		},
		{
			name:  "JAX",
			job:   makeJob("a").Framework(ml.FrameworkJAX).Replicas(3).V1alpha1(),
			index: 2,
			want: append(common("2", "3"),
				corev1.EnvVar{Name: "JAX_COORDINATOR_ADDRESS", Value: "a-0.a.ns.svc:29500"},
				corev1.EnvVar{Name: "JAX_NUM_PROCESSES", Value: "3"},
				corev1.EnvVar{Name: "JAX_PROCESS_ID", Value: "2"},
			),
		},
		{
			name:  "MPI",
			job:   makeJob("a").Framework(ml.FrameworkMPI).Replicas(2).V1alpha1(),
			index: 0,
			want:  append(common("0", "2"), corev1.EnvVar{Name: "ML_HOSTS", Value: "a-0.a.ns.svc,a-1.a.ns.svc"}),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, replicaEnv(tc.job, tc.index)); diff != "" {
				t.Errorf("env (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTFConfigParses checks TF_CONFIG against the shape TensorFlow reads.
func TestTFConfigParses(t *testing.T) {
	job := makeJob("a").Framework(ml.FrameworkTensorFlow).Replicas(3).V1alpha1()
	job.Spec.MasterPort = ptr.To[int32](2222)
	var got struct {
		Cluster map[string][]string
		Task    struct {
			Type  string
			Index int
		}
	}
	if err := json.Unmarshal([]byte(tfConfig(job, 2)), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Cluster["worker"]) != 3 || got.Cluster["worker"][2] != "a-2.a.ns.svc:2222" || got.Task.Type != "worker" || got.Task.Index != 2 {
		t.Errorf("TF_CONFIG = %+v", got)
	}
}
