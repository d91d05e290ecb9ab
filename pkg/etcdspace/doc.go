// Package etcdspace keeps a full etcd from failing silently: a readyz check
// that fails while etcd has raised its NOSPACE alarm (the database reached
// its space quota and etcd refuses every write), and the recovery of an
// etcd the server owns — compact to the current revision, defragment,
// disarm — which keeps every key.
package etcdspace
