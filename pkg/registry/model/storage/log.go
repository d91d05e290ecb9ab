package storage

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
	"ml.example.io/ml-apiserver/pkg/storage/logstore"
)

// LogREST is the log subresource of Models: the logs of the pods
// status.selector selects, the pod name before each line.
type LogREST struct {
	*logs.REST
}

// NewLogREST returns the log subresource of the Models of store, and
// makes store delete an object's archived logs with it.
func NewLogREST(store *REST, deps logs.Deps) *LogREST {
	logstore.DeleteWithOwner(store.Store, deps.Archive)
	return &LogREST{logs.NewREST(logs.Config{
		Resource: ml.Resource("models"),
		Objects:  store,
		Kind: logs.SelectorKind{
			Resource: "models",
			Selector: func(obj runtime.Object) string { return obj.(*ml.Model).Status.Selector },
		},
		Source:  deps.Source,
		Archive: deps.Archive,
	})}
}
