// Package algorithm holds the search algorithms of hyperparameter tuning:
// grid, random, TPE (tree-structured Parzen estimator) and Hyperband, plus
// the median stopping rule used for early stopping.
//
// The package is pure: it talks to no server and imports no API types. A
// caller (the TuningJob controller) describes the search space with
// Parameter, hands every trial created so far as Observations, and asks for
// Proposals. Every algorithm is deterministic for a seed: the proposal for
// trial N depends only on the seed, N and the observations, so a controller
// that restarts and re-derives its observations from the stored trials
// proposes exactly the trial an uninterrupted controller would have.
package algorithm
