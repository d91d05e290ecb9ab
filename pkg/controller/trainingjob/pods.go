package trainingjob

import (
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"

	mlv1alpha1 "ml.example.io/ml-apiserver/pkg/apis/ml/v1alpha1"
	"ml.example.io/ml-apiserver/pkg/workload"
)

// ContainerName is the name of the container of every replica's pod.
const ContainerName = "trainer"

// PortName names the rendezvous port (spec.masterPort) on the pods and the
// Service.
const PortName = "rendezvous"

// kind is the group, version and kind of the owner reference of children.
var kind = mlv1alpha1.SchemeGroupVersion.WithKind("TrainingJob")

// ownerOf is job as the owner of its pods and Service.
func ownerOf(job *mlv1alpha1.TrainingJob) workload.Owner {
	return workload.NewOwner(job, kind, map[string]string{mlv1alpha1.TrainingJobNameLabel: job.Name})
}

// replicaSpec is the pod of replica index of job. Its hostname and
// subdomain make <job>-<index>.<job> resolve through the headless Service.
// Pods never restart in place: a failed pod is counted and replaced.
func replicaSpec(job *mlv1alpha1.TrainingJob, index int32) workload.ReplicaSpec {
	spec := &job.Spec
	name := PodName(job.Name, index)
	labels := map[string]string{}
	var annotations map[string]string
	if m := spec.PodMetadata; m != nil {
		maps.Copy(labels, m.Labels)
		annotations = maps.Clone(m.Annotations)
	}
	labels[mlv1alpha1.TrainingJobNameLabel] = job.Name
	labels[mlv1alpha1.ReplicaIndexLabel] = itoa(index)

	container := corev1.Container{
		Name:                     ContainerName,
		Image:                    spec.Image,
		Command:                  slices.Clone(spec.Command),
		Args:                     slices.Clone(spec.Args),
		Env:                      mergeEnv(replicaEnv(job, index), spec.Env),
		Resources:                *spec.Resources.DeepCopy(),
		Ports:                    []corev1.ContainerPort{{Name: PortName, ContainerPort: masterPort(job), Protocol: corev1.ProtocolTCP}},
		VolumeMounts:             slices.Clone(spec.VolumeMounts),
		SecurityContext:          spec.SecurityContext.DeepCopy(),
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
	pod := corev1.PodSpec{
		RestartPolicy:      corev1.RestartPolicyNever,
		Hostname:           name,
		Subdomain:          job.Name,
		ServiceAccountName: spec.ServiceAccountName,
		NodeSelector:       maps.Clone(spec.NodeSelector),
		SecurityContext:    spec.PodSecurityContext.DeepCopy(),
		ImagePullSecrets:   slices.Clone(spec.ImagePullSecrets),
		Containers:         []corev1.Container{container},
	}
	for i := range spec.Tolerations {
		pod.Tolerations = append(pod.Tolerations, *spec.Tolerations[i].DeepCopy())
	}
	for i := range spec.Volumes {
		pod.Volumes = append(pod.Volumes, *spec.Volumes[i].DeepCopy())
	}
	return workload.ReplicaSpec{
		Name: name,
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations},
			Spec:       pod,
		},
	}
}

// mergeEnv is the injected variables the user did not set, then the
// user's: a variable of spec.env overrides an injected one.
func mergeEnv(injected, user []corev1.EnvVar) []corev1.EnvVar {
	names := sets.New[string]()
	for _, e := range user {
		names.Insert(e.Name)
	}
	env := make([]corev1.EnvVar, 0, len(injected)+len(user))
	for _, e := range injected {
		if !names.Has(e.Name) {
			env = append(env, e)
		}
	}
	for i := range user {
		env = append(env, *user[i].DeepCopy())
	}
	return env
}

// headlessService is the job's Service: it gives every replica the DNS
// name <job>-<index>.<job>, ready or not, for rendezvous.
func headlessService(job *mlv1alpha1.TrainingJob) workload.ServiceSpec {
	port := masterPort(job)
	selector := map[string]string{mlv1alpha1.TrainingJobNameLabel: job.Name}
	return workload.ServiceSpec{
		Name:     job.Name,
		Labels:   maps.Clone(selector),
		Selector: selector,
		Ports: []corev1.ServicePort{{
			Name: PortName, Port: port, TargetPort: intstr.FromInt32(port), Protocol: corev1.ProtocolTCP,
		}},
		Headless: true,
	}
}
