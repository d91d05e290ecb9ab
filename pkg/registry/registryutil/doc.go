// Package registryutil holds what the registries of the ml.example.io kinds
// share: a generic create/update/status strategy parameterized by a kind's
// spec and status, selectable-field helpers, a table convertor with kubectl
// style formatting, and the status subresource storage. Each kind's own
// package (pkg/registry/<kind>) only says how to reach its spec and status,
// which fields are selectable and which columns it prints.
package registryutil
