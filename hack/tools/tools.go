//go:build tools

// Package tools keeps the commands built by hack/build-tools.sh required by this
// module, so `go mod tidy` keeps them and their pinned dependencies.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
