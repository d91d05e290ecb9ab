package trainingjob

import (
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
)

// Where the launcher of an MPI job finds its hostfile.
const (
	// HostfileDir is where the launcher's hostfile volume is mounted.
	HostfileDir = "/etc/mpi"
	// HostfilePath is the launcher's hostfile.
	HostfilePath = HostfileDir + "/hostfile"
	// hostfileVolume names the downward API volume that holds it.
	hostfileVolume = "ml-hostfile"
)

// roleEnv is the environment of replica s of a job with roles: ML_* with
// the role, its index in the role and the role's replica count, and the
// framework's variables.
func roleEnv(job *mlv1alpha1.TrainingJob, s slot) []corev1.EnvVar {
	env := []corev1.EnvVar{
		{Name: "ML_JOB_NAME", Value: job.Name},
		{Name: "ML_REPLICA_ROLE", Value: s.role},
		{Name: "ML_REPLICA_INDEX", Value: itoa(s.index)},
		{Name: "ML_REPLICAS", Value: itoa(mlv1alpha1.RoleReplicas(&job.Spec, s.role))},
		{Name: "ML_METRICS_URL", Value: MetricsURL(job.Namespace, job.Name)},
	}
	switch job.Spec.Framework {
	case mlv1alpha1.FrameworkTensorFlow:
		env = append(env, corev1.EnvVar{Name: "TF_CONFIG", Value: tfRoleConfig(job, s)})
	case mlv1alpha1.FrameworkMPI:
		env = append(env, mpiEnv(job, s)...)
	}
	return env
}

// tfRoleConfig is TF_CONFIG of replica s: every role's replicas at
// masterPort in cluster (the evaluator is no part of the training
// cluster, as in TensorFlow's and Kubeflow's TF_CONFIG), and s as task.
func tfRoleConfig(job *mlv1alpha1.TrainingJob, s slot) string {
	port := itoa(masterPort(job))
	cluster := map[string][]string{}
	for _, role := range mlv1alpha1.RoleOrder(job.Spec.Framework) {
		if role == mlv1alpha1.RoleEvaluator {
			continue
		}
		for _, h := range roleHosts(job, role) {
			cluster[role] = append(cluster[role], h+":"+port)
		}
	}
	type task struct {
		Type  string `json:"type"`
		Index int32  `json:"index"`
	}
	config := struct {
		Cluster map[string][]string `json:"cluster"`
		Task    task                `json:"task"`
	}{Cluster: cluster, Task: task{Type: s.role, Index: s.index}}
	b, err := json.Marshal(config)
	if err != nil {
		// A struct of strings always marshals.
		panic(err)
	}
	return string(b)
}

// mpiEnv is the environment of replica s of an MPI job with roles. Every
// replica gets ML_HOSTS (the workers) and ML_SLOTS_PER_WORKER; the
// launcher also gets the hostfile's path where Open MPI
// (OMPI_MCA_orte_default_hostfile) and MPICH or Intel MPI's Hydra
// (HYDRA_HOST_FILE) read it, and the total process count for mpirun -np.
func mpiEnv(job *mlv1alpha1.TrainingJob, s slot) []corev1.EnvVar {
	workers := mlv1alpha1.RoleReplicas(&job.Spec, mlv1alpha1.RoleWorker)
	slots := procsPerReplica(job)
	env := []corev1.EnvVar{
		{Name: "ML_HOSTS", Value: strings.Join(roleHosts(job, mlv1alpha1.RoleWorker), ",")},
		{Name: "ML_SLOTS_PER_WORKER", Value: itoa(slots)},
	}
	if s.role != mlv1alpha1.RoleLauncher {
		return env
	}
	return append(env,
		corev1.EnvVar{Name: "ML_HOSTFILE", Value: HostfilePath},
		corev1.EnvVar{Name: "ML_NUM_PROCESSES", Value: itoa(workers * slots)},
		corev1.EnvVar{Name: "OMPI_MCA_orte_default_hostfile", Value: HostfilePath},
		corev1.EnvVar{Name: "OMPI_MCA_orte_keep_fqdn_hostnames", Value: "true"},
		corev1.EnvVar{Name: "HYDRA_HOST_FILE", Value: HostfilePath},
	)
}

// hostfile is the MPI hostfile of job: each worker's host name with its
// slots (spec.numProcPerNode), one a line.
func hostfile(job *mlv1alpha1.TrainingJob) string {
	var b strings.Builder
	for _, h := range roleHosts(job, mlv1alpha1.RoleWorker) {
		fmt.Fprintf(&b, "%s slots=%d\n", h, procsPerReplica(job))
	}
	return b.String()
}

// mountHostfile gives the launcher's pod template the job's hostfile at
// HostfilePath: the file is the pod's HostfileAnnotation, projected by a
// downward API volume. No ConfigMap to create, update or garbage-collect,
// and no init container (nor image) to write it: the kubelet writes the
// file before the container starts, and the local runtime does the same.
func mountHostfile(job *mlv1alpha1.TrainingJob, t *corev1.PodTemplateSpec) {
	if t.Annotations == nil {
		t.Annotations = map[string]string{}
	}
	t.Annotations[mlv1alpha1.HostfileAnnotation] = hostfile(job)
	t.Spec.Volumes = append(t.Spec.Volumes, corev1.Volume{
		Name: hostfileVolume,
		VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
			Items: []corev1.DownwardAPIVolumeFile{{
				Path:     "hostfile",
				FieldRef: &corev1.ObjectFieldSelector{FieldPath: fmt.Sprintf("metadata.annotations['%s']", mlv1alpha1.HostfileAnnotation)},
			}},
		}},
	})
	c := &t.Spec.Containers[0]
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: hostfileVolume, MountPath: HostfileDir, ReadOnly: true})
}
