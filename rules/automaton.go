package rules

import (
	"iter"
	"slices"
	"sync"
)

// Automaton finds every occurrence of a fixed set of keywords in a text in
// one pass, ignoring ASCII case. It is an Aho-Corasick automaton compiled
// into a dense DFA: each input byte costs one class lookup and one table
// lookup, whatever the number of keywords.
//
// An Automaton is immutable once built and safe for concurrent use. Its
// search methods allocate nothing.
type Automaton struct {
	// classes maps each byte to its byte class. Bytes that occur in no
	// keyword share class 0, and an ASCII upper-case letter shares the class
	// of its lower-case letter, which is how case folding costs nothing.
	classes [256]uint8
	// stride is the row length of trans: one column per byte class, then
	// one column that holds, for a matching state, the index of its keyword
	// list in outputStart.
	stride uint32
	// trans is the transition table. A state is the offset of its row
	// (state index * stride), so the next state is trans[state+class].
	trans []uint32
	// firstMatch is the first state that ends a keyword. States are numbered
	// so that all matching states come last: state >= firstMatch is the
	// whole per-byte match test.
	firstMatch uint32
	// outputStart[m]..outputStart[m+1] is the range of outputs that lists
	// the keywords ending at the matching state whose last column is m.
	outputStart []uint32
	outputs     []int32
	// keywordLen is the length in bytes of each keyword, to compute where a
	// match starts.
	keywordLen []int
	// seenPool holds keyword bitsets for appendMatchesWithBitset when the
	// keywords do not fit the bitset on its stack.
	seenPool sync.Pool
}

// Match is one occurrence of a keyword: text[Start:End] equals keyword
// number Keyword, ignoring ASCII case.
type Match struct {
	Keyword    int
	Start, End int
}

// stackSeenWords is the size in 64-bit words of the bitset that
// appendMatchesWithBitset keeps on its stack: 1024 keywords. Larger sets
// take a bitset from a pool.
const stackSeenWords = 16

// NewAutomaton compiles keywords into an automaton. Keywords are matched
// byte for byte with ASCII letters folded to lower case; other bytes,
// including the bytes of non-ASCII letters, must match exactly. Keyword
// indices in matches are indices into keywords. Empty keywords never match.
func NewAutomaton(keywords []string) *Automaton {
	a := &Automaton{keywordLen: make([]int, len(keywords))}
	for i, kw := range keywords {
		a.keywordLen[i] = len(kw)
	}
	classCount := a.assignClasses(keywords)
	a.stride = uint32(classCount) + 1

	t := buildTrie(keywords, &a.classes, classCount)
	t.linkFailures()
	a.layout(t)
	return a
}

// assignClasses fills a.classes and returns the number of classes.
func (a *Automaton) assignClasses(keywords []string) int {
	next := 1
	for _, kw := range keywords {
		for i := 0; i < len(kw); i++ {
			c := lowerASCII(kw[i])
			if a.classes[c] != 0 {
				continue
			}
			a.classes[c] = uint8(next)
			next++
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		a.classes[c] = a.classes[c+'a'-'A']
	}
	return next
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// trie is the keyword trie during the build. Nodes are numbered in insertion
// order, and node 0 is the root. child[node*classes+class] is the child node,
// or -1 until linkFailures turns it into the full transition function.
type trie struct {
	classes int32
	child   []int32
	fail    []int32
	outputs [][]int32
	// order lists the nodes in breadth-first order, root first.
	order []int32
}

func buildTrie(keywords []string, classes *[256]uint8, classCount int) *trie {
	t := &trie{classes: int32(classCount)}
	t.addNode()
	for k, kw := range keywords {
		if kw == "" {
			continue
		}
		node := int32(0)
		for i := 0; i < len(kw); i++ {
			edge := node*t.classes + int32(classes[kw[i]])
			if t.child[edge] < 0 {
				t.child[edge] = t.addNode()
			}
			node = t.child[edge]
		}
		t.outputs[node] = append(t.outputs[node], int32(k))
	}
	return t
}

func (t *trie) addNode() int32 {
	id := int32(len(t.outputs))
	for range t.classes {
		t.child = append(t.child, -1)
	}
	t.fail = append(t.fail, 0)
	t.outputs = append(t.outputs, nil)
	return id
}

// linkFailures computes the failure links breadth-first, fills every missing
// edge with the edge of the failure state, which makes the trie a DFA, and
// adds to each node the keywords that end at its failure state.
func (t *trie) linkFailures() {
	t.order = append(t.order[:0], 0)
	for c := int32(0); c < t.classes; c++ {
		if next := t.child[c]; next < 0 {
			t.child[c] = 0
		} else {
			t.fail[next] = 0
			t.order = append(t.order, next)
		}
	}
	for head := 1; head < len(t.order); head++ {
		node := t.order[head]
		t.outputs[node] = append(t.outputs[node], t.outputs[t.fail[node]]...)
		row := node * t.classes
		failRow := t.fail[node] * t.classes
		for c := int32(0); c < t.classes; c++ {
			next := t.child[row+c]
			if next < 0 {
				t.child[row+c] = t.child[failRow+c]
				continue
			}
			// The failure state of next is where the failure state of node
			// goes on the same class. That row is complete because it is
			// shallower than node and was visited first.
			t.fail[next] = t.child[failRow+c]
			t.order = append(t.order, next)
		}
	}
}

// layout numbers the states, matching states last, and copies the
// transitions and outputs into a.
func (a *Automaton) layout(t *trie) {
	n := len(t.outputs)
	index := make([]uint32, n)
	var nonMatching, matching []int32
	for _, node := range t.order {
		if len(t.outputs[node]) == 0 {
			nonMatching = append(nonMatching, node)
		} else {
			matching = append(matching, node)
		}
	}
	for i, node := range nonMatching {
		index[node] = uint32(i) * a.stride
	}
	for i, node := range matching {
		index[node] = uint32(len(nonMatching)+i) * a.stride
	}
	a.firstMatch = uint32(len(nonMatching)) * a.stride

	classes := int(t.classes)
	a.trans = make([]uint32, n*int(a.stride))
	for node := range n {
		row := a.trans[index[node]:][:a.stride]
		for c := range classes {
			row[c] = index[t.child[node*classes+c]]
		}
	}

	a.outputStart = make([]uint32, 0, len(matching)+1)
	for m, node := range matching {
		a.trans[index[node]+a.stride-1] = uint32(m)
		a.outputStart = append(a.outputStart, uint32(len(a.outputs)))
		a.outputs = append(a.outputs, t.outputs[node]...)
	}
	a.outputStart = append(a.outputStart, uint32(len(a.outputs)))
}

// keywordsAt returns the keywords that end at matching state s.
func (a *Automaton) keywordsAt(s uint32) []int32 {
	m := a.trans[s+a.stride-1]
	return a.outputs[a.outputStart[m]:a.outputStart[m+1]]
}

// All returns an iterator over every occurrence of every keyword in text,
// overlapping ones included, ordered by end offset. Keywords that end at the
// same offset come longest first.
func (a *Automaton) All(text []byte) iter.Seq[Match] {
	return func(yield func(Match) bool) {
		trans, classes, firstMatch := a.trans, &a.classes, a.firstMatch
		s := uint32(0)
		for i := 0; i < len(text); i++ {
			s = trans[s+uint32(classes[text[i]])]
			if s < firstMatch {
				continue
			}
			for _, k := range a.keywordsAt(s) {
				if !yield(Match{Keyword: int(k), Start: i + 1 - a.keywordLen[k], End: i + 1}) {
					return
				}
			}
		}
	}
}

// AppendMatches appends the index of each keyword that occurs in text to
// hits, once per keyword, and returns the extended slice.
func (a *Automaton) AppendMatches(hits []int, text []byte) []int {
	start := len(hits)
	trans, classes, firstMatch := a.trans, &a.classes, a.firstMatch
	s := uint32(0)
	last := ^uint32(0)
	for i := 0; i < len(text); i++ {
		s = trans[s+uint32(classes[text[i]])]
		if s < firstMatch || s == last {
			continue
		}
		// A run of the same matching state (such as "aaaa" for the keyword
		// "a") reports nothing new, so it skips the duplicate check.
		last = s
		for _, k := range a.keywordsAt(s) {
			if !slices.Contains(hits[start:], int(k)) {
				hits = append(hits, int(k))
			}
		}
		if len(hits)-start > linearDedupMax {
			return a.appendMatchesWithBitset(hits, start, text[i+1:], s)
		}
	}
	return hits
}

// linearDedupMax is the number of keywords one AppendMatches call finds
// before it switches from scanning its hits for duplicates to a bitset.
// Most values hit no keyword or a few, and for them a short scan is cheaper
// than clearing a bitset.
const linearDedupMax = 16

// appendMatchesWithBitset continues AppendMatches on the rest of the text
// from state s, once hits[start:] has many keywords, with a bitset of the
// keywords found so far.
func (a *Automaton) appendMatchesWithBitset(hits []int, start int, text []byte, s uint32) []int {
	words := (len(a.keywordLen) + 63) / 64
	var local [stackSeenWords]uint64
	var seen []uint64
	if words <= stackSeenWords {
		seen = local[:words]
	} else {
		pooled, _ := a.seenPool.Get().(*[]uint64)
		if pooled == nil {
			buf := make([]uint64, words)
			pooled = &buf
		}
		defer a.seenPool.Put(pooled)
		seen = *pooled
		clear(seen)
	}
	for _, k := range hits[start:] {
		seen[k>>6] |= 1 << (k & 63)
	}

	trans, classes, firstMatch := a.trans, &a.classes, a.firstMatch
	last := s
	for i := 0; i < len(text); i++ {
		s = trans[s+uint32(classes[text[i]])]
		if s < firstMatch || s == last {
			continue
		}
		last = s
		for _, k := range a.keywordsAt(s) {
			word, bit := k>>6, uint64(1)<<(k&63)
			if seen[word]&bit == 0 {
				seen[word] |= bit
				hits = append(hits, int(k))
			}
		}
	}
	return hits
}

// Contains reports whether any keyword occurs in text.
func (a *Automaton) Contains(text []byte) bool {
	trans, classes, firstMatch := a.trans, &a.classes, a.firstMatch
	s := uint32(0)
	for i := 0; i < len(text); i++ {
		s = trans[s+uint32(classes[text[i]])]
		if s >= firstMatch {
			return true
		}
	}
	return false
}

// States returns the number of states of the automaton.
func (a *Automaton) States() int { return len(a.trans) / int(a.stride) }

// Classes returns the number of byte classes, counting the class of the bytes
// that occur in no keyword.
func (a *Automaton) Classes() int { return int(a.stride) - 1 }
