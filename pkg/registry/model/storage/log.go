package storage

import (
	"k8s.io/apimachinery/pkg/runtime"

	"ml.example.io/ml-apiserver/pkg/apis/ml"
	"ml.example.io/ml-apiserver/pkg/registry/logs"
)

// logKind makes the log subresource of Models show the logs of the pods
// status.selector selects, the pod name before each line.
var logKind = logs.SelectorKind{
	Resource: "models",
	Selector: func(obj runtime.Object) string { return obj.(*ml.Model).Status.Selector },
}
