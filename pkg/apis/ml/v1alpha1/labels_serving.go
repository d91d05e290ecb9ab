package v1alpha1

// Labels the bundled controller puts on the children of serving objects
// (a Model's Deployments, pods and Service; a Notebook's StatefulSet, pod
// and Service). Their status.selector, the Services and `kubectl get pods
// -l ml.example.io/model=<name>` select by them; they also tell whose a pod
// is when its controller is a ReplicaSet or StatefulSet.
const (
	// ModelNameLabel is on every child of a Model, with the model's name:
	// the Service and status.selector (so `kubectl scale` and HPAs) select
	// the pods of both Deployments by it.
	ModelNameLabel = "ml.example.io/model"

	// ModelTrackLabel tells the pods of a Model's stable Deployment from
	// the canary's: it keeps the selectors of the two apart.
	ModelTrackLabel = "ml.example.io/model-track"

	// NotebookNameLabel is on every child of a Notebook, with the
	// notebook's name; status.selector selects the notebook's pod by it.
	NotebookNameLabel = "ml.example.io/notebook"
)
