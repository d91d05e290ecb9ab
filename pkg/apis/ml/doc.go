// +k8s:deepcopy-gen=package
// +groupName=ml.example.io

// Package ml holds the internal (hub) types of the ml.example.io API group.
// Storage, validation, admission and the controllers work on these; the
// versioned packages convert to and from them.
package ml
