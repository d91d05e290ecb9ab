// Package testing builds ml.example.io objects for tests, so that a test
// states only what it is about:
//
//	job := mltesting.MakeTrainingJob("a", "ns").Replicas(2).Obj()
//
// Every Make function returns an object that passes validation as it is:
// named, namespaced and with the few fields each kind requires (an image
// for containers, a source for models). Obj returns a deep copy, so one
// builder can produce an object and, after more calls, its updated version.
//
// The builders make internal objects, which validation, strategies and
// admission take; V1alpha1 returns the ml.example.io/v1alpha1 object that
// controllers read:
//
//	job := mltesting.MakeTrainingJob("a", "ns").Replicas(2).V1alpha1()
package testing
