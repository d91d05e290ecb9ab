// Package registryutil holds what the registries of the ml.example.io kinds
// share: a generic create/update/status strategy parameterized by a kind's
// spec and status, selectable-field helpers, a table convertor with kubectl
// style formatting, the etcd store of a kind's main resource (NewStore),
// the status and scale subresource storages, and the pod label keys the
// scale subresources select by. Each kind's own package (pkg/registry/<kind>)
// only says how to reach its spec and status, which fields are selectable,
// which columns it prints and how it scales; its storage subpackage puts
// the main store and the subresources together in a <Kind>Storage.
package registryutil
