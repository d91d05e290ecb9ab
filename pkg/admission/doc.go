// Package admission assembles the admission plugins of ml.example.io: it
// registers them and declares, in one place, the order in which they run
// with the plugins of the generic chain.
//
// Every plugin lives in its own package under plugin/ and gets its
// informers from the initializer package. Each refuses requests with 503
// Service Unavailable until its informers have synced, never with a guess.
package admission
