// Package controllertest is what the unit tests of the controllers in
// pkg/controller share: a fake kube clientset that gives created objects
// a UID as kube-apiserver does, caches filled by hand instead of by
// started informers (so each test decides when a controller sees a
// change), and readers of the writes and events a sync left behind.
//
// Only tests import it: it is test support kept in non-test files so that
// the tests of several packages can use it.
package controllertest
