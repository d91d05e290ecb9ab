package storage

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/registryutil"
)

// GPUResource is the quota key the GPU USED/HARD column shows.
const GPUResource corev1.ResourceName = "requests.nvidia.com/gpu"

func newTableConvertor() registryutil.TableConvertor[*ml.Profile] {
	return registryutil.TableConvertor[*ml.Profile]{
		Columns: []metav1.TableColumnDefinition{
			registryutil.NameColumn(),
			registryutil.Column("Owner", "string", "The owner: kind/name."),
			registryutil.Column("Contributors", "integer", "The number of contributors."),
			registryutil.Column("GPU Used/Hard", "string", "GPUs requested in the namespace and the quota's limit."),
			registryutil.PhaseColumn(),
			registryutil.AgeColumn(),
			registryutil.WideColumn("Pod Security", "string", "The Pod Security level of the namespace."),
			registryutil.WideColumn("Deletion Policy", "string", "What deleting the profile does to its namespace."),
		},
		Cells: profileCells,
	}
}

func profileCells(p *ml.Profile, now time.Time) []any {
	return []any{
		p.Name,
		fmt.Sprintf("%s/%s", p.Spec.Owner.Kind, p.Spec.Owner.Name),
		int64(len(p.Spec.Contributors)),
		gpuUsage(p),
		string(p.Status.Phase),
		registryutil.Age(p.CreationTimestamp, now),
		string(p.Spec.PodSecurity),
		string(p.Spec.DeletionPolicy),
	}
}

// gpuUsage is "used/hard" from the quota status the controller copies, the
// hard limit from the spec until then; "-" without a GPU quota.
func gpuUsage(p *ml.Profile) string {
	used, hard := "0", "-"
	if q := p.Spec.ResourceQuota; q != nil {
		if h, ok := q.Hard[GPUResource]; ok {
			hard = h.String()
		}
	}
	if q := p.Status.Quota; q != nil {
		if h, ok := q.Hard[GPUResource]; ok {
			hard = h.String()
		}
		if u, ok := q.Used[GPUResource]; ok {
			used = u.String()
		}
	}
	return used + "/" + hard
}
