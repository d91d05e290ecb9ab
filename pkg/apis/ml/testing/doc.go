// Package testing builds ml.example.io objects for tests, so that a test
// states only what it is about. Its builders come in two sets, one per
// layer a test works at.
//
// Make<Kind> builds the internal object as the API server holds it after
// defaulting, for validation, strategies, admission and controllers;
// V1alpha1 returns it as ml.example.io/v1alpha1, the version controllers
// read:
//
//	job := mltesting.MakeTrainingJob("a", "ns").Replicas(2).Obj()
//	job := mltesting.MakeTrainingJob("a", "ns").Replicas(2).V1alpha1()
//
// New<Kind> builds the ml.example.io/v1alpha1 object as a client sends
// it, with only the fields the API requires and no defaults, so that
// integration and end-to-end tests see the server default it:
//
//	job := mltesting.NewTrainingJob("a", "ns").Replicas(2).Obj()
//
// Every builder returns an object that passes validation as it is: named,
// namespaced and with the few fields each kind requires (an image for
// containers, a source for models). Obj returns a deep copy, so one
// builder can produce an object and, after more calls, its updated
// version. Both sets share the setters of metadata (MetaSetters).
//
// Kinds describes every kind in a uniform way (a New builder, its typed
// client behind Client, a mutable field), so that an integration test can
// run the same checks against each of them through the generated
// clientset.
package testing
