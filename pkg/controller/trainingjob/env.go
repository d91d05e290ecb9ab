package trainingjob

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// MetricsURLBase is where pods reach kube-apiserver, and through it the
// metrics subresource of their job.
const MetricsURLBase = "https://kubernetes.default.svc"

// replicaEnv is the environment injected into replica index of job: ML_*
// for every framework, and the rendezvous variables of its framework.
func replicaEnv(job *mlv1alpha1.TrainingJob, index int32) []corev1.EnvVar {
	if s := slotOf(job, index); s.role != "" {
		return roleEnv(job, s)
	}
	n := desiredReplicas(job)
	env := []corev1.EnvVar{
		{Name: "ML_JOB_NAME", Value: job.Name},
		{Name: "ML_REPLICA_INDEX", Value: itoa(index)},
		{Name: "ML_REPLICAS", Value: itoa(n)},
		{Name: "ML_METRICS_URL", Value: MetricsURL(job.Namespace, job.Name)},
	}
	switch job.Spec.Framework {
	case mlv1alpha1.FrameworkPyTorch:
		env = append(env, pytorchEnv(job, index)...)
	case mlv1alpha1.FrameworkTensorFlow:
		env = append(env, corev1.EnvVar{Name: "TF_CONFIG", Value: tfConfig(job, index)})
	case mlv1alpha1.FrameworkMPI:
		env = append(env, corev1.EnvVar{Name: "ML_HOSTS", Value: strings.Join(replicaHosts(job), ",")})
	case mlv1alpha1.FrameworkJAX:
		env = append(env, jaxEnv(job, index)...)
	}
	return env
}

// pytorchEnv is what torch.distributed's env:// init method reads, and the
// PET_* variables torchrun reads in place of its flags. Elastic jobs
// rendezvous through c10d on replica 0, with a node range instead of a
// fixed count. With spec.numProcPerNode, torchrun starts that many
// processes per replica (PET_NPROC_PER_NODE) and WORLD_SIZE counts them
// all, as Kubeflow's PyTorchJob does; RANK stays the replica's (node) rank,
// which torchrun replaces with each process's own.
func pytorchEnv(job *mlv1alpha1.TrainingJob, index int32) []corev1.EnvVar {
	master, port := ReplicaHost(job, 0), itoa(masterPort(job))
	nproc := procsPerReplica(job)
	n := itoa(desiredReplicas(job))
	nnodes := n
	e := job.Spec.Elastic
	if e != nil {
		lo, hi := int32(1), desiredReplicas(job)
		if e.MinReplicas != nil {
			lo = *e.MinReplicas
		}
		if e.MaxReplicas != nil {
			hi = *e.MaxReplicas
		}
		nnodes = fmt.Sprintf("%d:%d", lo, hi)
	}
	env := []corev1.EnvVar{
		{Name: "MASTER_ADDR", Value: master},
		{Name: "MASTER_PORT", Value: port},
		{Name: "WORLD_SIZE", Value: itoa(desiredReplicas(job) * nproc)},
		{Name: "RANK", Value: itoa(index)},
		{Name: "LOCAL_RANK", Value: "0"},
		{Name: "PET_MASTER_ADDR", Value: master},
		{Name: "PET_MASTER_PORT", Value: port},
		{Name: "PET_NNODES", Value: nnodes},
		{Name: "PET_NODE_RANK", Value: itoa(index)},
		{Name: "PET_NPROC_PER_NODE", Value: itoa(nproc)},
	}
	if e != nil {
		env = append(env,
			corev1.EnvVar{Name: "PET_RDZV_BACKEND", Value: "c10d"},
			corev1.EnvVar{Name: "PET_RDZV_ENDPOINT", Value: master + ":" + port},
			corev1.EnvVar{Name: "PET_RDZV_ID", Value: job.Name},
		)
	}
	return env
}

// jaxEnv is what jax.distributed.initialize() reads when it is given no
// arguments: the coordinator (replica 0 at the rendezvous port), the
// number of processes and this one's id, one process per replica.
func jaxEnv(job *mlv1alpha1.TrainingJob, index int32) []corev1.EnvVar {
	return []corev1.EnvVar{
		{Name: "JAX_COORDINATOR_ADDRESS", Value: ReplicaHost(job, 0) + ":" + itoa(masterPort(job))},
		{Name: "JAX_NUM_PROCESSES", Value: itoa(desiredReplicas(job))},
		{Name: "JAX_PROCESS_ID", Value: itoa(index)},
	}
}

// procsPerReplica is spec.numProcPerNode, 1 when unset.
func procsPerReplica(job *mlv1alpha1.TrainingJob) int32 {
	if job.Spec.NumProcPerNode == nil {
		return 1
	}
	return *job.Spec.NumProcPerNode
}

// tfConfig is TensorFlow's TF_CONFIG: every replica is a worker.
func tfConfig(job *mlv1alpha1.TrainingJob, index int32) string {
	port := itoa(masterPort(job))
	var workers []string
	for _, h := range replicaHosts(job) {
		workers = append(workers, h+":"+port)
	}
	type task struct {
		Type  string `json:"type"`
		Index int32  `json:"index"`
	}
	config := struct {
		Cluster map[string][]string `json:"cluster"`
		Task    task                `json:"task"`
	}{
		Cluster: map[string][]string{"worker": workers},
		Task:    task{Type: "worker", Index: index},
	}
	b, err := json.Marshal(config)
	if err != nil {
		// A struct of strings always marshals.
		panic(err)
	}
	return string(b)
}

// ReplicaHost is the DNS name of replica index of job, through the job's
// headless Service: <job>-<index>.<job>.<namespace>.svc.
func ReplicaHost(job *mlv1alpha1.TrainingJob, index int32) string {
	return fmt.Sprintf("%s.%s.%s.svc", PodName(job.Name, index), job.Name, job.Namespace)
}

// replicaHosts are the DNS names of every replica of job.
func replicaHosts(job *mlv1alpha1.TrainingJob) []string {
	n := desiredReplicas(job)
	hosts := make([]string, 0, n)
	for i := range n {
		hosts = append(hosts, ReplicaHost(job, i))
	}
	return hosts
}

// MetricsURL is the metrics subresource of a job, where its pods push
// points.
func MetricsURL(namespace, name string) string {
	return fmt.Sprintf("%s/apis/%s/namespaces/%s/trainingjobs/%s/metrics",
		MetricsURLBase, mlv1alpha1.SchemeGroupVersion.String(), namespace, name)
}

// masterPort is spec.masterPort, the API default when unset.
func masterPort(job *mlv1alpha1.TrainingJob) int32 {
	if job.Spec.MasterPort == nil {
		return mlv1alpha1.DefaultMasterPort
	}
	return *job.Spec.MasterPort
}

func itoa(i int32) string { return strconv.FormatInt(int64(i), 10) }
