// Package bench holds fieldwall's side-by-side benchmarks: fieldwall against
// Coraza with the OWASP CRS on a fixed request set, the parse and match
// limits of the same bytes, keyword matcher implementations, and replay
// throughput. The benchmarks and their checks live in the test files; this
// package's own code generates the request set.
//
// The request set is committed in testdata and regenerated with
//
//	go generate ./bench
//
// TestTestdataUpToDate fails when the committed files and the generator
// disagree. bench/run.sh runs the whole suite and RESULTS.md records a run.
package bench

//go:generate go run ./gen -dir testdata
