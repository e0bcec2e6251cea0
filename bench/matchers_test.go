package bench

import (
	"fmt"
	"strings"

	bobu "github.com/BobuSumisu/aho-corasick"
	anknown "github.com/anknown/ahocorasick"
	coregx "github.com/coregx/ahocorasick"
	petar "github.com/petar-dambovaliev/aho-corasick"

	"github.com/fieldwall/fieldwall/rules"
)

// matcherImpl builds one keyword matcher implementation. Every adapter
// returns the same thing as rules.Matcher promises, each keyword that
// occurs once, so that the comparison measures equal work. Libraries that
// report every occurrence are deduplicated with keywordSet, which lives on
// the stack and costs no allocation.
type matcherImpl struct {
	name  string
	build func(keywords []string) (rules.Matcher, error)
}

// matcherImpls lists the implementations compared by BenchmarkMatcher.
// rules.NewAutomaton is fieldwall's own automaton. The others are the Go
// modules named by their import paths, at the versions in go.mod.
var matcherImpls = []matcherImpl{
	{"fieldwall", func(kw []string) (rules.Matcher, error) { return rules.NewAutomaton(kw), nil }},
	{"cloudflare", func(kw []string) (rules.Matcher, error) { return rules.NewCloudflareMatcher(kw), nil }},
	{"coregx", newCoregxMatcher},
	{"petar-dambovaliev", newPetarMatcher},
	{"bobusumisu", newBobuMatcher},
	{"anknown", newAnknownMatcher},
}

// keywordSet is a bitset of keyword indices for deduplicating hits.
type keywordSet [16]uint64

// maxSetKeywords is the number of keywords a keywordSet holds.
const maxSetKeywords = len(keywordSet{}) * 64

// add records keyword k and reports whether it was new.
func (s *keywordSet) add(k int) bool {
	word, bit := k/64, uint64(1)<<(k%64)
	if s[word]&bit != 0 {
		return false
	}
	s[word] |= bit
	return true
}

func checkKeywordCount(keywords []string) error {
	if len(keywords) > maxSetKeywords {
		return fmt.Errorf("%d keywords: the adapters deduplicate at most %d", len(keywords), maxSetKeywords)
	}
	return nil
}

// coregxMatcher adapts github.com/coregx/ahocorasick through its overlapping
// search, because its leftmost searches skip keywords that overlap an
// earlier match.
type coregxMatcher struct{ a *coregx.Automaton }

func newCoregxMatcher(keywords []string) (rules.Matcher, error) {
	if err := checkKeywordCount(keywords); err != nil {
		return nil, err
	}
	a, err := coregx.NewBuilder().AddStrings(keywords).Build()
	if err != nil {
		return nil, err
	}
	return &coregxMatcher{a: a}, nil
}

func (m *coregxMatcher) AppendMatches(hits []int, text []byte) []int {
	var seen keywordSet
	for _, match := range m.a.FindAllOverlapping(text) {
		if seen.add(match.PatternID) {
			hits = append(hits, match.PatternID)
		}
	}
	return hits
}

// petarMatcher adapts github.com/petar-dambovaliev/aho-corasick, which
// Coraza v3.8.1 uses for @pm, built as a DFA (as Coraza builds it) with
// standard semantics, the only ones that report overlapping matches.
type petarMatcher struct{ ac petar.AhoCorasick }

func newPetarMatcher(keywords []string) (rules.Matcher, error) {
	if err := checkKeywordCount(keywords); err != nil {
		return nil, err
	}
	builder := petar.NewAhoCorasickBuilder(petar.Opts{MatchKind: petar.StandardMatch, DFA: true})
	return &petarMatcher{ac: builder.Build(keywords)}, nil
}

func (m *petarMatcher) AppendMatches(hits []int, text []byte) []int {
	var seen keywordSet
	it := m.ac.IterOverlappingByte(text)
	for match := it.Next(); match != nil; match = it.Next() {
		if k := match.Pattern(); seen.add(k) {
			hits = append(hits, k)
		}
	}
	return hits
}

// bobuMatcher adapts github.com/BobuSumisu/aho-corasick through its
// callback walk, which allocates nothing per match.
type bobuMatcher struct{ trie *bobu.Trie }

func newBobuMatcher(keywords []string) (rules.Matcher, error) {
	if err := checkKeywordCount(keywords); err != nil {
		return nil, err
	}
	return &bobuMatcher{trie: bobu.NewTrieBuilder().AddStrings(keywords).Build()}, nil
}

func (m *bobuMatcher) AppendMatches(hits []int, text []byte) []int {
	var seen keywordSet
	m.trie.Walk(text, func(_, _, pattern int64) bool {
		if k := int(pattern); seen.add(k) {
			hits = append(hits, k)
		}
		return true
	})
	return hits
}

// anknownMatcher adapts github.com/anknown/ahocorasick, a double-array trie
// over runes: each text is converted to runes, and each match carries the
// keyword text, which is mapped back to its index.
type anknownMatcher struct {
	m     *anknown.Machine
	index map[string]int
}

func newAnknownMatcher(keywords []string) (rules.Matcher, error) {
	if err := checkKeywordCount(keywords); err != nil {
		return nil, err
	}
	runes := make([][]rune, len(keywords))
	index := make(map[string]int, len(keywords))
	for i, kw := range keywords {
		runes[i] = []rune(kw)
		if _, dup := index[kw]; !dup {
			index[kw] = i
		}
	}
	m := new(anknown.Machine)
	if err := m.Build(runes); err != nil {
		return nil, err
	}
	return &anknownMatcher{m: m, index: index}, nil
}

func (m *anknownMatcher) AppendMatches(hits []int, text []byte) []int {
	var seen keywordSet
	for _, term := range m.m.MultiPatternSearch([]rune(string(text)), false) {
		k, ok := m.index[string(term.Word)]
		if ok && seen.add(k) {
			hits = append(hits, k)
		}
	}
	return hits
}

// builtinKeywords returns the distinct keywords of every built-in rule, in
// rule order: the keyword set the engine compiles at paranoia level 4.
func builtinKeywords() ([]string, error) {
	all, err := rules.Builtin()
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool)
	var keywords []string
	for _, r := range all {
		for _, kw := range r.Keywords {
			if !seen[kw] {
				seen[kw] = true
				keywords = append(keywords, kw)
			}
		}
	}
	return keywords, nil
}

// naiveKeywordSet returns the keywords contained in text, by strings.Contains.
func naiveKeywordSet(keywords []string, text []byte) map[int]bool {
	set := make(map[int]bool)
	for k, kw := range keywords {
		if strings.Contains(string(text), kw) {
			set[k] = true
		}
	}
	return set
}
