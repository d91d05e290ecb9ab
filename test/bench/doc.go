// Package bench measures ml-apiserver against the etcd it stores objects
// in: TrainingJob create, get and list through the server over HTTPS with
// JSON, next to raw etcd put and range of the same serialized bytes on the
// same embedded etcd. Run it with `make bench`; it prints a ratio table.
package bench
