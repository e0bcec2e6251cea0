package rules

import "github.com/cloudflare/ahocorasick"

// Matcher finds which of a fixed set of keywords occur in a text. Keywords
// are lower case. The matcher of NewMatcher ignores ASCII case in the text,
// and the engine relies on that to match values without lowering them.
// Implementations are safe for concurrent use.
type Matcher interface {
	// AppendMatches appends the index of each keyword that occurs in text to
	// hits, at least once per keyword, and returns the extended slice.
	AppendMatches(hits []int, text []byte) []int
}

// NewMatcher returns the matcher that compiled rule sets use: an Automaton,
// because it scanned the built-in keywords faster than the Aho-Corasick
// modules compared in bench/ and allocates nothing per call.
func NewMatcher(keywords []string) Matcher {
	return NewAutomaton(keywords)
}

// NewCloudflareMatcher returns a matcher built on
// github.com/cloudflare/ahocorasick, the matcher that NewMatcher returned
// before the Automaton. It stays for the benchmarks in bench/. It matches
// case-sensitively, so texts must be lower case, and it allocates on every
// call that finds a keyword.
func NewCloudflareMatcher(keywords []string) Matcher {
	return &cloudflareMatcher{m: ahocorasick.NewStringMatcher(keywords), empty: len(keywords) == 0}
}

// cloudflareMatcher adapts github.com/cloudflare/ahocorasick.
type cloudflareMatcher struct {
	m     *ahocorasick.Matcher
	empty bool
}

func (c *cloudflareMatcher) AppendMatches(hits []int, text []byte) []int {
	if c.empty || len(text) == 0 {
		return hits
	}
	return append(hits, c.m.MatchThreadSafe(text)...)
}
