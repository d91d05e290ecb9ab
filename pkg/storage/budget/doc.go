// Package budget bounds the bytes that the keyspaces of archived logs and
// metric points may use in etcd, so that a runaway job is refused (429)
// long before etcd reaches its space quota, and the objects of every user
// keep room to be created and updated.
//
// The stores keep one usage key per owner object in their own keyspace
// (<prefix>/_usage/...): the bytes of keys and values the owner holds,
// written in the same transaction as the data. The budget adds those keys
// up when the server starts and again every RecountPeriod (which also
// brings in what other API servers wrote), and counts the writes and
// deletions of this server in between. Deleting an object deletes its
// usage key with its data and frees its share.
package budget
