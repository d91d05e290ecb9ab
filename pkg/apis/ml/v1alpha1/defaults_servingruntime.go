package v1alpha1

// SetDefaults_ServingRuntimeRef defaults the kind of a Model's runtimeRef
// to ClusterServingRuntime.
func SetDefaults_ServingRuntimeRef(obj *ServingRuntimeRef) {
	if obj.Kind == "" {
		obj.Kind = ClusterServingRuntimeKind
	}
}
