// Package controllertest is what the unit tests of the controllers in
// pkg/controller share. Fixture holds fake clientsets and informer
// factories that are never started: Observe fills their caches with what
// the clientsets hold, so that each test decides when a controller sees a
// change, and Sync runs one sync after that. The kube clientset gives
// created objects a UID as kube-apiserver does (NewKubeClientset). Writes,
// StatusWrites, DrainEvents and EventReasons read what a sync left
// behind.
//
// Only tests import it: it is test support kept in non-test files so that
// the tests of several packages can use it.
package controllertest
