//go:build race

package bench

// raceEnabled is true when the tests run with -race, which slows Coraza on
// large bodies by an order of magnitude.
const raceEnabled = true
