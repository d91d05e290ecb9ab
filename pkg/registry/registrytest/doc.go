// Package registrytest is the shared setup of the registry tests: REST
// options over a real etcd started for the test, and the contracts every
// kind's strategies and storage must keep, run by each kind's own tests
// with objects of that kind.
package registrytest
