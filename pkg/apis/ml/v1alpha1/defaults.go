package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

// Default values of optional fields.
const (
	DefaultBackoffLimit       int32 = 3
	DefaultMasterPort         int32 = 29500
	DefaultModelPort          int32 = 8080
	DefaultNotebookPort       int32 = 8888
	DefaultWorkspaceMountPath       = "/home/jovyan"
	DefaultWorkspaceSize            = "10Gi"
	DefaultRetryFactor        int32 = 2
)

func addDefaultingFuncs(scheme *runtime.Scheme) error {
	return RegisterDefaults(scheme)
}

// SetDefaults_PipelineSpec defaults parameter types.
func SetDefaults_PipelineSpec(obj *PipelineSpec) {
	for i := range obj.Params {
		if obj.Params[i].Type == "" {
			obj.Params[i].Type = ParamTypeString
		}
	}
}

// SetDefaults_RetryPolicy defaults the backoff factor.
func SetDefaults_RetryPolicy(obj *RetryPolicy) {
	if obj.Backoff != nil && obj.Backoff.Factor == nil {
		obj.Backoff.Factor = ptr.To(DefaultRetryFactor)
	}
}

// SetDefaults_TrainingJobSpec defaults framework, replicas and failure
// handling. A job that names a runtime keeps framework, replicas and
// masterPort unset: the runtime's template fills them at admission, which
// then defaults what is still unset (DefaultTrainingJobTemplateFields).
func SetDefaults_TrainingJobSpec(obj *TrainingJobSpec) {
	if obj.RuntimeRef != nil {
		if obj.RuntimeRef.Kind == "" {
			obj.RuntimeRef.Kind = ClusterTrainingRuntimeKind
		}
	} else {
		DefaultTrainingJobTemplateFields(obj)
	}
	if obj.BackoffLimit == nil {
		obj.BackoffLimit = ptr.To(DefaultBackoffLimit)
	}
	if obj.CleanPodPolicy == "" {
		obj.CleanPodPolicy = CleanPodPolicyRunning
	}
}

// DefaultTrainingJobTemplateFields defaults the fields a training runtime
// may set: framework, replicas, masterPort and the replicas of roles other
// than worker (1; the worker role's count is spec.replicas).
func DefaultTrainingJobTemplateFields(obj *TrainingJobSpec) {
	if obj.Framework == "" {
		obj.Framework = FrameworkGeneric
	}
	if obj.Replicas == nil {
		obj.Replicas = ptr.To[int32](1)
		if obj.Elastic != nil && obj.Elastic.MinReplicas != nil {
			obj.Replicas = ptr.To(*obj.Elastic.MinReplicas)
		}
	}
	if obj.MasterPort == nil {
		obj.MasterPort = ptr.To(DefaultMasterPort)
	}
	for i := range obj.Roles {
		if r := &obj.Roles[i]; r.Replicas == nil && r.Name != RoleWorker {
			r.Replicas = ptr.To[int32](1)
		}
	}
}

// SetDefaults_MetricsSpec defaults the collector.
func SetDefaults_MetricsSpec(obj *MetricsSpec) {
	if obj.Collector == "" {
		obj.Collector = MetricsCollectorStdOut
	}
}

// SetDefaults_ModelSpec defaults replicas and the serving port. A Model
// served by a serving runtime (runtimeRef, or a format and no server of its
// own) gets its port from the runtime at admission, so it is left unset
// here; the ServingRuntimeResolve plugin defaults it when the runtime has
// none.
func SetDefaults_ModelSpec(obj *ModelSpec) {
	if obj.Replicas == nil {
		obj.Replicas = ptr.To[int32](1)
	}
	servedByRuntime := obj.RuntimeRef != nil || (obj.Format != "" && obj.Runtime.Image == "" && len(obj.Runtime.Command) == 0)
	if obj.Runtime.Port == 0 && !servedByRuntime {
		obj.Runtime.Port = DefaultModelPort
	}
}

// SetDefaults_NotebookSpec defaults replicas, port and gives every notebook a workspace.
func SetDefaults_NotebookSpec(obj *NotebookSpec) {
	if obj.Replicas == nil {
		obj.Replicas = ptr.To[int32](1)
	}
	if obj.Port == 0 {
		obj.Port = DefaultNotebookPort
	}
	if obj.Workspace == nil {
		// Defaulted further by SetDefaults_WorkspaceSpec.
		obj.Workspace = &WorkspaceSpec{}
	}
}

// SetDefaults_WorkspaceSpec defaults the size and mount path of a workspace.
func SetDefaults_WorkspaceSpec(obj *WorkspaceSpec) {
	if obj.VolumeSize == nil {
		q := resource.MustParse(DefaultWorkspaceSize)
		obj.VolumeSize = &q
	}
	if obj.MountPath == "" {
		obj.MountPath = DefaultWorkspaceMountPath
	}
}
