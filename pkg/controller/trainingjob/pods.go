package trainingjob

import (
	"maps"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

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

// replicaSpec is the pod of replica number index of job (see layout). Its
// hostname and subdomain make <job>-<index>.<job> (<job>-<role>-<index>.<job>
// with roles) resolve through the headless Service. Pods never restart in
// place: a failed pod is counted and replaced.
func replicaSpec(job *mlv1alpha1.TrainingJob, index int32) workload.ReplicaSpec {
	s := slotOf(job, index)
	name := s.podName(job.Name)
	podLabels := s.labels()
	podLabels[mlv1alpha1.TrainingJobNameLabel] = job.Name
	own := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Hostname:      name,
			Subdomain:     job.Name,
			Containers: []corev1.Container{{
				Name:                     ContainerName,
				Env:                      replicaEnv(job, index),
				Ports:                    []corev1.ContainerPort{{Name: PortName, ContainerPort: masterPort(job), Protocol: corev1.ProtocolTCP}},
				TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
			}},
		},
	}
	if n := gangSize(job); n > 1 {
		own.Annotations = map[string]string{mlv1alpha1.GangSizeAnnotation: strconv.Itoa(int(n))}
	}
	setArtifactPlan(job, index, &own)
	if s.role == mlv1alpha1.RoleLauncher {
		mountHostfile(job, &own)
	}
	container, podOptions := &job.Spec.ContainerSpec, &job.Spec.PodOptions
	if s.role != "" {
		container, podOptions = roleContainer(job, s.role), rolePodOptions(job, s.role)
	}
	return workload.ReplicaSpec{
		Name:     name,
		Template: workload.PodTemplate(own, container, podOptions),
	}
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

// gangSize is how many replicas of job must run at once for any to make
// progress: every replica of a framework whose replicas rendezvous (the
// minimum of an elastic job), 0 for Generic jobs, whose replicas may well
// work alone.
func gangSize(job *mlv1alpha1.TrainingJob) int32 {
	switch job.Spec.Framework {
	case mlv1alpha1.FrameworkPyTorch, mlv1alpha1.FrameworkTensorFlow, mlv1alpha1.FrameworkMPI, mlv1alpha1.FrameworkJAX:
	default:
		return 0
	}
	if e := job.Spec.Elastic; e != nil && e.MinReplicas != nil {
		return *e.MinReplicas
	}
	return totalReplicas(job)
}
