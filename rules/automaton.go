package rules

import (
	"iter"
	"math/bits"
	"slices"
	"sync"
	"unsafe"
)

// Automaton finds every occurrence of a fixed set of keywords in a text in
// one pass, ignoring ASCII case. It is an Aho-Corasick automaton compiled
// into a dense DFA: each input byte costs one class lookup and one table
// lookup, whatever the number of keywords.
//
// An Automaton is immutable once built and safe for concurrent use. Its
// search methods allocate nothing.
//
// A single scan is bound by load latency: each table load needs the state
// that the previous load returned. AppendMatches therefore scans a long text
// as four interleaved streams whose loads overlap.
type Automaton struct {
	// classes maps each byte to its byte class. Bytes that occur in no
	// keyword share class 0, and an ASCII upper-case letter shares the class
	// of its lower-case letter, which is how case folding costs nothing.
	classes [256]uint8
	// stride is the row length of trans: one column per byte class, then
	// one match column that contains, for a matching state, 1 + the index m
	// of its keyword list in outputStart, and 0 for the other states.
	stride uint32
	// trans is the transition table. A state is the offset of its row
	// (state index * stride), so the next state is trans[state+class].
	// Every entry of a class column is the offset of a row, which is what
	// lets the interleaved scan index it without bounds checks.
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
	// overlap is the length in bytes of the longest keyword minus one, or 0:
	// how far before its last byte a keyword can start.
	overlap int
	// interleaveMin is the length of the shortest text that AppendMatches
	// scans as interleaved streams.
	interleaveMin int
	// filterWords is the size in 64-bit words of the bitset of matching
	// states that the interleaved scan keeps: one bit per value of the
	// match column, 0 included.
	filterWords int
	// seenPool is a pool of bitsets of poolWords words, for the keyword and
	// state bitsets that do not fit the ones on the stack.
	seenPool  sync.Pool
	poolWords int
}

// Match is one occurrence of a keyword: text[Start:End] equals keyword
// number Keyword, ignoring ASCII case.
type Match struct {
	Keyword    int
	Start, End int
}

// stackSeenWords is the size in 64-bit words of the keyword bitset that
// AppendMatches keeps on its stack: 1024 keywords. Larger sets take a bitset
// from a pool.
const stackSeenWords = 16

// stackFilterWords is the size in 64-bit words of the bitset of matching
// states that the interleaved scan keeps on its stack: 1023 matching states.
// Larger automata take a bitset from a pool.
const stackFilterWords = 16

// NewAutomaton compiles keywords into an automaton. Keywords are matched
// byte for byte with ASCII letters folded to lower case; other bytes,
// including the bytes of non-ASCII letters, must match exactly. Keyword
// indices in matches are indices into keywords. Empty keywords never match.
func NewAutomaton(keywords []string) *Automaton {
	a := &Automaton{keywordLen: make([]int, len(keywords))}
	maxLen := 0
	for i, kw := range keywords {
		a.keywordLen[i] = len(kw)
		maxLen = max(maxLen, len(kw))
	}
	a.overlap = max(maxLen-1, 0)
	a.interleaveMin = max(interleaveMinLen, interleaveOverlaps*a.overlap)
	classCount := a.assignClasses(keywords)
	a.stride = uint32(classCount) + 1

	t := buildTrie(keywords, &a.classes, classCount)
	t.linkFailures()
	a.layout(t)
	matching := len(a.outputStart) - 1
	a.filterWords = (matching + 1 + 63) / 64
	a.poolWords = max((len(keywords)+63)/64, a.filterWords)
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
		a.trans[index[node]+a.stride-1] = uint32(m) + 1
		a.outputStart = append(a.outputStart, uint32(len(a.outputs)))
		a.outputs = append(a.outputs, t.outputs[node]...)
	}
	a.outputStart = append(a.outputStart, uint32(len(a.outputs)))
}

// keywordsAt returns the keywords that end at matching state s.
func (a *Automaton) keywordsAt(s uint32) []int32 {
	m := a.trans[s+a.stride-1] - 1
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
	if len(text) >= a.interleaveMin {
		return a.appendMatchesInterleaved(hits, text)
	}
	start := len(hits)
	s, last := uint32(0), ^uint32(0)
	for i := 0; i < len(text); {
		i, s = a.scanOne(text, i, s, last)
		if s < a.firstMatch || s == last {
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
			return a.appendMatchesWithBitset(hits, start, text[i:], s)
		}
	}
	return hits
}

// scanOne advances state s over text from byte i until it reaches a
// matching state other than last or the end of text, and returns the index
// of the next byte and the state. With the loop in its own function, which
// the compiler inlines, s stays in a register. In one loop with the calls
// that add keywords, the register allocator kept s in memory, which added a
// store and a load to every step: texts of 8 and 32 bytes took about 45%
// and 28% longer.
func (a *Automaton) scanOne(text []byte, i int, s, last uint32) (int, uint32) {
	trans, classes, firstMatch := a.trans, &a.classes, a.firstMatch
	for ; uint(i) < uint(len(text)); i++ {
		s = trans[s+uint32(classes[text[i]])]
		if s >= firstMatch && s != last {
			return i + 1, s
		}
	}
	return i, s
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
		var pooled *[]uint64
		pooled, seen = a.pooledBitset(words)
		defer a.seenPool.Put(pooled)
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

// pooledBitset returns a cleared bitset of words words from a.seenPool, and
// the pool entry that contains it, to put back once the bitset is unused.
func (a *Automaton) pooledBitset(words int) (*[]uint64, []uint64) {
	pooled, _ := a.seenPool.Get().(*[]uint64)
	if pooled == nil {
		buf := make([]uint64, a.poolWords)
		pooled = &buf
	}
	bitset := (*pooled)[:words]
	clear(bitset)
	return pooled, bitset
}

// interleaveMinLen is the length of the shortest text that AppendMatches
// scans as interleaved streams, because on shorter texts the setup and the
// bytes that the windows share cost more than the overlapped loads save.
// Measured on prefixes of benchProse with the built-in keywords (17 bytes
// of overlap) on an AMD EPYC, the two scans break even at 64 to 72 bytes.
// At 80 bytes the interleaved scan takes about 18% less time, at 96 bytes
// about 23% less.
const interleaveMinLen = 72

// interleaveOverlaps keeps the bytes that the interleaved scan reads twice,
// 3*overlap, below three quarters of the text, because a text is
// interleaved only if it is at least this many times the overlap long.
// Together with interleaveMinLen it makes each window longer than the
// overlap, so that each window starts at least one byte after the previous
// one.
const interleaveOverlaps = 4

// appendMatchesInterleaved is AppendMatches for texts of at least
// a.interleaveMin bytes. It cuts text into four windows of m bytes that
// start step = m-overlap bytes apart and runs one DFA state per window in
// the same loop, so that the four table loads of a round are independent.
//
// Window j+1 starts overlap bytes before window j ends. A keyword starts at
// most overlap bytes before its last byte, so every occurrence lies whole in
// the window that contains its last byte. The state of that window, started
// at the root, finds it as a scan of the whole text would. The windows end 0
// to 3 bytes short of the end of text, and the last state scans those bytes
// alone.
//
// A matching state that this call has already reported is skipped inside
// the scan loops, so only a new matching state leaves them to add its
// keywords. An occurrence found by two windows is reported once, because
// its state is then marked and hitSet.add skips keywords it contains.
func (a *Automaton) appendMatchesInterleaved(hits []int, text []byte) []int {
	n, ov := len(text), a.overlap
	m := (n + 3*ov) / 4
	step := m - ov
	// The scan loops read window j at windows[j*step+i] for i < m through
	// raw pointers. This bounds-checked slice is what keeps those reads
	// inside text.
	windows := text[:3*step+m]

	var localFilter [stackFilterWords]uint64
	filter := localFilter[:]
	var pooledFilter *[]uint64
	if a.filterWords > stackFilterWords {
		pooledFilter, filter = a.pooledBitset(a.filterWords)
	}
	// Bit 0 is the bit of every non-matching state, whose match column is 0.
	filter[0] = 1

	set := hitSet{hits: hits, start: len(hits)}
	var states [4]uint32
	for i := 0; i < m; {
		var dense bool
		i, dense = a.scanSparse(windows, step, i, &states, filter)
		// Ranging over states would copy it with one 16-byte load right
		// after the four 4-byte stores of scanSparse, a load the CPU cannot
		// forward from those stores and waits on. Indexing loads each state
		// alone.
		for j := range states {
			if s := states[j]; s >= a.firstMatch {
				a.addState(&set, filter, s)
			}
		}
		if dense && len(a.outputStart) <= denseSeenSize {
			a.scanDense(&set, windows, step, i, &states, filter)
			break
		}
	}
	if pooledFilter != nil {
		a.seenPool.Put(pooledFilter)
	}

	s := states[3]
	for _, c := range text[len(windows):] {
		s = a.trans[s+uint32(a.classes[c])]
		if s >= a.firstMatch {
			for _, k := range a.keywordsAt(s) {
				set.add(a, int(k))
			}
		}
	}
	return set.finish(a)
}

// denseShare and denseMinRounds decide when scanSparse hands a text over
// to scanDense: once a matching state occurred in more than one round in
// denseShare, over at least denseMinRounds such rounds. scanSparse takes a
// branch on those rounds, which the CPU mispredicts when they are frequent
// and irregular, as on a JSON document, where quotes are keywords. scanDense
// takes no such branch but does more work per round. On English prose,
// where one round in ten has a matching state, scanSparse is faster.
const (
	denseShare     = 4
	denseMinRounds = 64
)

// denseSeenSize is the size of the byte array in which scanDense marks the
// reported matching states. Automata with more matching states stay in
// scanSparse.
const denseSeenSize = 1024

// scanSparse advances the four states of appendMatchesInterleaved from
// byte i of their windows until the windows end, a state is a matching
// state whose bit is not set in filter, or matching states have become
// frequent enough for scanDense. It returns the index of the next byte and
// whether to continue with scanDense. It makes no call, so that the states,
// the window pointers and the table stay in registers.
//
// scanSparse and scanDenseLoop read memory through raw pointers, which
// needs 0 <= i < m:
//   - The table: a state s is 0 or an entry of a class column, so it is a
//     row offset, and a class is below stride-1. So s+class and
//     s+stride-1, the match column of row s, are inside a.trans.
//   - The windows: they read windows[i+j*step] for j <= 3 and i < m, which
//     is inside windows because 3*step+m == len(windows). As step >= 1 (see
//     interleaveOverlaps), the pointers left after the last round,
//     windows+m and windows+2*step+m, point inside windows too, never past
//     its end.
//
// Measured on English prose and JSON bodies, bounds checks on the table
// loads made the loops 10 to 15% slower, and indexing the windows, which
// takes more registers, made them 3 to 18% slower.
func (a *Automaton) scanSparse(windows []byte, step, i int, states *[4]uint32, filter []uint64) (int, bool) {
	m := len(windows) - 3*step
	trans := unsafe.Pointer(unsafe.SliceData(a.trans))
	classes, firstMatch := &a.classes, a.firstMatch
	w0 := unsafe.Add(unsafe.Pointer(unsafe.SliceData(windows)), i)
	w2 := unsafe.Add(w0, 2*step)
	end := unsafe.Add(w0, m-i)

	// matchRounds is an array so that it stays in memory. As a plain
	// variable, the register allocator stored and reloaded it on every
	// round, with or without a matching state.
	var matchRounds [2]int
	dense := false
	s0, s1, s2, s3 := states[0], states[1], states[2], states[3]
	for w0 != end {
		s0 = *(*uint32)(unsafe.Add(trans, 4*uintptr(s0+uint32(classes[*(*byte)(w0)]))))
		s1 = *(*uint32)(unsafe.Add(trans, 4*uintptr(s1+uint32(classes[*(*byte)(unsafe.Add(w0, step))]))))
		s2 = *(*uint32)(unsafe.Add(trans, 4*uintptr(s2+uint32(classes[*(*byte)(w2)]))))
		s3 = *(*uint32)(unsafe.Add(trans, 4*uintptr(s3+uint32(classes[*(*byte)(unsafe.Add(w2, step))]))))
		w0, w2 = unsafe.Add(w0, 1), unsafe.Add(w2, 1)
		if s0 < firstMatch && s1 < firstMatch && s2 < firstMatch && s3 < firstMatch {
			continue
		}

		matchCol := unsafe.Add(trans, 4*uintptr(a.stride-1))
		m0 := *(*uint32)(unsafe.Add(matchCol, 4*uintptr(s0)))
		m1 := *(*uint32)(unsafe.Add(matchCol, 4*uintptr(s1)))
		m2 := *(*uint32)(unsafe.Add(matchCol, 4*uintptr(s2)))
		m3 := *(*uint32)(unsafe.Add(matchCol, 4*uintptr(s3)))
		if filter[m0>>6]&(1<<(m0&63)) == 0 || filter[m1>>6]&(1<<(m1&63)) == 0 ||
			filter[m2>>6]&(1<<(m2&63)) == 0 || filter[m3>>6]&(1<<(m3&63)) == 0 {
			break
		}
		matchRounds[0]++
		if matchRounds[0] >= denseMinRounds && matchRounds[0]*denseShare > m-i-int(uintptr(end)-uintptr(w0)) {
			dense = true
			break
		}
	}
	states[0], states[1], states[2], states[3] = s0, s1, s2, s3
	return m - int(uintptr(end)-uintptr(w0)), dense
}

// scanDense finishes the windows of appendMatchesInterleaved from byte i,
// for texts where matching states are frequent. It marks reported matching
// states in a byte array, which starts as a copy of filter.
func (a *Automaton) scanDense(set *hitSet, windows []byte, step, i int, states *[4]uint32, filter []uint64) {
	var seen [denseSeenSize]byte
	for w, word := range filter {
		for ; word != 0; word &= word - 1 {
			seen[w*64+bits.TrailingZeros64(word)] = 1
		}
	}
	m := len(windows) - 3*step
	for i < m {
		i = a.scanDenseLoop(windows, step, i, states, &seen)
		for j := range states {
			if s := states[j]; s >= a.firstMatch {
				if col := a.trans[s+a.stride-1]; seen[col] == 0 {
					seen[col] = 1
					a.addKeywords(set, col)
				}
			}
		}
	}
}

// scanDenseLoop is the loop of scanDense. Like scanSparse, whose comment
// states why its raw pointer reads stay in bounds, it returns the index of
// the next byte once the windows end or a state is a new matching state.
// It tests every state in every round without a branch per state, by
// ANDing the marks in seen of the four match columns. A non-matching state
// has match column 0, whose mark is set.
func (a *Automaton) scanDenseLoop(windows []byte, step, i int, states *[4]uint32, seen *[denseSeenSize]byte) int {
	m := len(windows) - 3*step
	trans := unsafe.Pointer(unsafe.SliceData(a.trans))
	matchCol := unsafe.Add(trans, 4*uintptr(a.stride-1))
	classes := &a.classes
	// A match column is at most the number of matching states, which
	// appendMatchesInterleaved checked is below denseSeenSize.
	marks := unsafe.Pointer(seen)
	w0 := unsafe.Add(unsafe.Pointer(unsafe.SliceData(windows)), i)
	w2 := unsafe.Add(w0, 2*step)
	end := unsafe.Add(w0, m-i)

	s0, s1, s2, s3 := states[0], states[1], states[2], states[3]
	for w0 != end {
		s0 = *(*uint32)(unsafe.Add(trans, 4*uintptr(s0+uint32(classes[*(*byte)(w0)]))))
		s1 = *(*uint32)(unsafe.Add(trans, 4*uintptr(s1+uint32(classes[*(*byte)(unsafe.Add(w0, step))]))))
		s2 = *(*uint32)(unsafe.Add(trans, 4*uintptr(s2+uint32(classes[*(*byte)(w2)]))))
		s3 = *(*uint32)(unsafe.Add(trans, 4*uintptr(s3+uint32(classes[*(*byte)(unsafe.Add(w2, step))]))))
		w0, w2 = unsafe.Add(w0, 1), unsafe.Add(w2, 1)
		marked := *(*byte)(unsafe.Add(marks, *(*uint32)(unsafe.Add(matchCol, 4*uintptr(s0))))) &
			*(*byte)(unsafe.Add(marks, *(*uint32)(unsafe.Add(matchCol, 4*uintptr(s1))))) &
			*(*byte)(unsafe.Add(marks, *(*uint32)(unsafe.Add(matchCol, 4*uintptr(s2))))) &
			*(*byte)(unsafe.Add(marks, *(*uint32)(unsafe.Add(matchCol, 4*uintptr(s3)))))
		if marked == 0 {
			break
		}
	}
	states[0], states[1], states[2], states[3] = s0, s1, s2, s3
	return m - int(uintptr(end)-uintptr(w0))
}

// addState adds the keywords of matching state s to set, unless its bit in
// filter is set because this call has added them already.
func (a *Automaton) addState(set *hitSet, filter []uint64, s uint32) {
	col := a.trans[s+a.stride-1]
	word, bit := col>>6, uint64(1)<<(col&63)
	if filter[word]&bit != 0 {
		return
	}
	filter[word] |= bit
	a.addKeywords(set, col)
}

// addKeywords adds to set the keywords of the matching state whose match
// column is col.
func (a *Automaton) addKeywords(set *hitSet, col uint32) {
	for _, k := range a.outputs[a.outputStart[col-1]:a.outputStart[col]] {
		set.add(a, int(k))
	}
}

// hitSet collects the keywords that one AppendMatches call finds, each
// once. It scans hits[start:] for a keyword until it contains more than
// linearDedupMax keywords, then switches to a bitset of keywords: local if
// it is large enough, else one from a.seenPool.
type hitSet struct {
	hits   []int
	start  int
	bitset bool
	pooled *[]uint64
	local  [stackSeenWords]uint64
}

// add adds keyword k unless the set contains it.
func (h *hitSet) add(a *Automaton, k int) {
	if !h.bitset {
		if slices.Contains(h.hits[h.start:], k) {
			return
		}
		h.hits = append(h.hits, k)
		if len(h.hits)-h.start > linearDedupMax {
			h.useBitset(a)
		}
		return
	}
	seen := h.local[:]
	if h.pooled != nil {
		seen = *h.pooled
	}
	word, bit := k>>6, uint64(1)<<(k&63)
	if seen[word]&bit == 0 {
		seen[word] |= bit
		h.hits = append(h.hits, k)
	}
}

// useBitset switches h from scanning its hits to a bitset.
func (h *hitSet) useBitset(a *Automaton) {
	h.bitset = true
	seen := h.local[:]
	if words := (len(a.keywordLen) + 63) / 64; words > stackSeenWords {
		h.pooled, seen = a.pooledBitset(words)
	}
	for _, k := range h.hits[h.start:] {
		seen[k>>6] |= 1 << (k & 63)
	}
}

// finish returns the hits and puts a pooled bitset back.
func (h *hitSet) finish(a *Automaton) []int {
	if h.pooled != nil {
		a.seenPool.Put(h.pooled)
	}
	return h.hits
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
