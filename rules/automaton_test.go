package rules

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// foldASCII lowers ASCII letters only, the folding the automaton promises.
// bytes.ToLower would also fold non-ASCII letters.
func foldASCII(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = lowerASCII(c)
	}
	return out
}

// naiveHits returns the sorted indices of the keywords contained in text.
func naiveHits(keywords []string, text []byte) []int {
	folded := string(foldASCII(text))
	var hits []int
	for k, kw := range keywords {
		if kw != "" && strings.Contains(folded, string(foldASCII([]byte(kw)))) {
			hits = append(hits, k)
		}
	}
	return hits
}

// naiveMatches returns every occurrence of every keyword, sorted.
func naiveMatches(keywords []string, text []byte) []Match {
	folded := string(foldASCII(text))
	var matches []Match
	for k, kw := range keywords {
		if kw == "" {
			continue
		}
		fkw := string(foldASCII([]byte(kw)))
		for i := 0; i+len(fkw) <= len(folded); i++ {
			if folded[i:i+len(fkw)] == fkw {
				matches = append(matches, Match{Keyword: k, Start: i, End: i + len(fkw)})
			}
		}
	}
	sortMatches(matches)
	return matches
}

func sortMatches(m []Match) {
	sort.Slice(m, func(i, j int) bool {
		if m[i].End != m[j].End {
			return m[i].End < m[j].End
		}
		if m[i].Start != m[j].Start {
			return m[i].Start < m[j].Start
		}
		return m[i].Keyword < m[j].Keyword
	})
}

// checkAgainstNaive compares AppendMatches and All with the naive search.
func checkAgainstNaive(t *testing.T, a *Automaton, keywords []string, text []byte) {
	t.Helper()
	keywordsShown := any(fmt.Sprintf("%d keywords", len(keywords)))
	if len(keywords) <= 20 {
		keywordsShown = keywords
	}
	want := naiveHits(keywords, text)
	got := a.AppendMatches(nil, text)
	gotSorted := slices.Clone(got)
	slices.Sort(gotSorted)
	if !slices.Equal(gotSorted, want) {
		t.Fatalf("AppendMatches(%q) = %v, want keywords %v of %q", text, gotSorted, want, keywordsShown)
	}
	if len(slices.Compact(gotSorted)) != len(got) {
		t.Fatalf("AppendMatches(%q) = %v repeats a keyword", text, got)
	}
	if contains := a.Contains(text); contains != (len(want) > 0) {
		t.Fatalf("Contains(%q) = %v, want %v", text, contains, len(want) > 0)
	}

	wantMatches := naiveMatches(keywords, text)
	var gotMatches []Match
	for m := range a.All(text) {
		gotMatches = append(gotMatches, m)
	}
	for i := 1; i < len(gotMatches); i++ {
		if gotMatches[i].End < gotMatches[i-1].End {
			t.Fatalf("All(%q): match %v after %v is out of end order", text, gotMatches[i], gotMatches[i-1])
		}
	}
	sortMatches(gotMatches)
	if !slices.Equal(gotMatches, wantMatches) {
		t.Fatalf("All(%q) = %v, want %v for keywords %q", text, gotMatches, wantMatches, keywordsShown)
	}
}

// randomBytes returns n bytes drawn from alphabet.
func randomBytes(r *rand.Rand, alphabet string, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}

func TestAutomatonRandomKeywords(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// A small alphabet makes keywords overlap and share prefixes and
	// suffixes, the cases where failure links matter. It mixes case and
	// holds non-ASCII bytes, which must match exactly.
	const alphabet = "abcAB'( \xc3\xa9\xff"
	cases := 0
	for round := 0; round < 2000; round++ {
		keywords := make([]string, 1+r.IntN(12))
		for i := range keywords {
			keywords[i] = string(randomBytes(r, alphabet, 1+r.IntN(5)))
		}
		if round%7 == 0 {
			keywords = append(keywords, keywords[0]) // duplicate keyword
		}
		if round%11 == 0 {
			keywords = append(keywords, "") // empty keyword
		}
		a := NewAutomaton(keywords)
		for range 10 {
			checkAgainstNaive(t, a, keywords, randomBytes(r, alphabet+"xyz\x00", r.IntN(40)))
			cases++
		}
	}
	if cases == 0 {
		t.Fatal("no case ran")
	}
}

// corpusLikeTexts returns field values of the kind the engine scans: English
// text, identifiers, numbers, and attack-like strings.
func corpusLikeTexts(r *rand.Rand, n int) [][]byte {
	pieces := []string{
		"Please deliver the parcel to the side door", "order", "select a size",
		"union station", "it's", "don't", "O'Brien", "a=b", "x < y", "--", "/*", "*/",
		"1' OR '1'='1", "UNION SELECT password FROM users", "<script>alert(1)</script>",
		"../../etc/passwd", "${jndi:ldap://localhost/a}", "{{7*7}}", "; cat /etc/passwd",
		"$where", "$ne", "sleep(5)", "waitfor delay '0:0:5'", "javascript:", "onerror=",
		"SeLeCt", "UnIoN", "\u00e9t\u00e9", "42", "3.14", "true", "null", "  ", "\t", "\n",
	}
	texts := make([][]byte, n)
	for i := range texts {
		var b bytes.Buffer
		for range 1 + r.IntN(8) {
			b.WriteString(pieces[r.IntN(len(pieces))])
			if r.IntN(3) == 0 {
				b.WriteByte(' ')
			}
		}
		texts[i] = b.Bytes()
	}
	return texts
}

func builtinKeywords(t *testing.T) []string {
	t.Helper()
	all, err := Builtin()
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	seen := map[string]bool{}
	var keywords []string
	for _, rule := range all {
		for _, kw := range rule.Keywords {
			if !seen[kw] {
				seen[kw] = true
				keywords = append(keywords, kw)
			}
		}
	}
	if len(keywords) == 0 {
		t.Fatal("built-in rules have no keywords")
	}
	return keywords
}

func TestAutomatonBuiltinKeywordsCorpusLike(t *testing.T) {
	keywords := builtinKeywords(t)
	a := NewAutomaton(keywords)
	r := rand.New(rand.NewPCG(3, 4))
	texts := corpusLikeTexts(r, 3000)
	for _, text := range texts {
		checkAgainstNaive(t, a, keywords, text)
	}
	// Upper-case input must match the lower-case keywords.
	for _, text := range texts[:300] {
		checkAgainstNaive(t, a, keywords, bytes.ToUpper(text))
	}
}

func TestAutomatonBuiltinKeywordsRandomBytes(t *testing.T) {
	keywords := builtinKeywords(t)
	a := NewAutomaton(keywords)
	r := rand.New(rand.NewPCG(5, 6))
	var alphabet []byte
	for _, kw := range keywords {
		alphabet = append(alphabet, kw...)
	}
	alphabet = append(alphabet, "ABCXYZ\x00\x80\xff"...)
	for range 2000 {
		checkAgainstNaive(t, a, keywords, randomBytes(r, string(alphabet), r.IntN(64)))
	}
}

// TestAutomatonManyHitsOneCall covers texts in which one AppendMatches call
// finds more keywords than its linear duplicate check handles.
func TestAutomatonManyHitsOneCall(t *testing.T) {
	keywords := builtinKeywords(t)
	a := NewAutomaton(keywords)
	all := strings.Join(keywords, " ")
	checkAgainstNaive(t, a, keywords, []byte(all))
	checkAgainstNaive(t, a, keywords, []byte(all+" "+all))
	r := rand.New(rand.NewPCG(11, 12))
	for range 200 {
		var b strings.Builder
		for range linearDedupMax + r.IntN(3*linearDedupMax) {
			b.WriteString(keywords[r.IntN(len(keywords))])
		}
		checkAgainstNaive(t, a, keywords, []byte(b.String()))
	}
}

// TestAutomatonManyKeywords covers keyword sets larger than the bitset that
// AppendMatches keeps on its stack.
func TestAutomatonManyKeywords(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	keywords := make([]string, 64*stackSeenWords+300)
	for i := range keywords {
		keywords[i] = fmt.Sprintf("%s%d", randomBytes(r, "abc", 1+r.IntN(3)), i%97)
	}
	a := NewAutomaton(keywords)
	for range 200 {
		checkAgainstNaive(t, a, keywords, randomBytes(r, "abc0123456789 ", 200))
	}
}

func TestAutomatonNoKeywords(t *testing.T) {
	for _, keywords := range [][]string{nil, {""}} {
		a := NewAutomaton(keywords)
		if hits := a.AppendMatches(nil, []byte("anything")); len(hits) != 0 {
			t.Errorf("NewAutomaton(%q).AppendMatches = %v, want none", keywords, hits)
		}
		long := bytes.Repeat([]byte("anything "), 50)
		if hits := a.AppendMatches(nil, long); len(hits) != 0 {
			t.Errorf("NewAutomaton(%q).AppendMatches(%d bytes) = %v, want none", keywords, len(long), hits)
		}
		if a.Contains([]byte("anything")) {
			t.Errorf("NewAutomaton(%q).Contains = true, want false", keywords)
		}
	}
}

func TestAutomatonAppendKeepsHits(t *testing.T) {
	a := NewAutomaton([]string{"union", "select"})
	hits := a.AppendMatches([]int{7}, []byte("UNION SELECT"))
	if !slices.Equal(hits, []int{7, 0, 1}) {
		t.Fatalf("AppendMatches = %v, want [7 0 1]", hits)
	}
}

func TestAutomatonAllocations(t *testing.T) {
	keywords := builtinKeywords(t)
	a := NewAutomaton(keywords)
	text := []byte("1' UNION SELECT password FROM users WHERE name = 'admin' -- <script>")
	hits := make([]int, 0, len(keywords))
	if n := testing.AllocsPerRun(100, func() { hits = a.AppendMatches(hits[:0], text) }); n != 0 {
		t.Errorf("AppendMatches allocates %v times per call, want 0", n)
	}
	count := 0
	if n := testing.AllocsPerRun(100, func() {
		for range a.All(text) {
			count++
		}
	}); n != 0 {
		t.Errorf("ranging over All allocates %v times per call, want 0", n)
	}
	if count == 0 {
		t.Fatal("All found no match in an attack string")
	}
}

// TestAutomatonConcurrentUse runs searches from several goroutines; run
// with -race to check that searching does not write shared state.
func TestAutomatonConcurrentUse(t *testing.T) {
	keywords := builtinKeywords(t)
	a := NewAutomaton(keywords)
	texts := corpusLikeTexts(rand.New(rand.NewPCG(9, 10)), 200)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for _, text := range texts {
				got := a.AppendMatches(nil, text)
				slices.Sort(got)
				if want := naiveHits(keywords, text); !slices.Equal(got, want) {
					errs <- fmt.Sprintf("AppendMatches(%q) = %v, want %v", text, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

// checkHitsAgainstNaive compares AppendMatches, as a set, with naiveHits,
// and checks that it keeps the hits it is given and repeats no keyword.
func checkHitsAgainstNaive(t *testing.T, a *Automaton, keywords []string, text []byte) {
	t.Helper()
	want := naiveHits(keywords, text)
	prefix := []int{-1}
	got := a.AppendMatches(prefix, text)
	if got[0] != -1 {
		t.Fatalf("AppendMatches overwrote the hits it was given: %v", got)
	}
	got = got[1:]
	sorted := slices.Sorted(slices.Values(got))
	if len(slices.Compact(slices.Clone(sorted))) != len(got) {
		t.Fatalf("AppendMatches(%d bytes) = %v repeats a keyword", len(text), got)
	}
	if !slices.Equal(sorted, want) {
		var missing, extra []string
		for _, k := range want {
			if !slices.Contains(sorted, k) {
				missing = append(missing, keywords[k])
			}
		}
		for _, k := range sorted {
			if !slices.Contains(want, k) {
				extra = append(extra, keywords[k])
			}
		}
		t.Fatalf("AppendMatches(%q) misses %q and finds %q", text, missing, extra)
	}
}

// plantAll writes keyword kw over background at every offset from lo to hi
// in turn, upper-casing ASCII letters of every other copy, and checks each
// text. A keyword that straddles a point where AppendMatches splits a long
// text into windows is among them, wherever the split falls.
func plantAll(t *testing.T, a *Automaton, keywords []string, background []byte, kw string, lo, hi int) {
	t.Helper()
	text := slices.Clone(background)
	for off := max(lo, 0); off <= min(hi, len(text)-len(kw)); off++ {
		copy(text, background)
		planted := []byte(kw)
		if off%2 == 1 {
			planted = bytes.ToUpper(planted)
		}
		copy(text[off:], planted)
		checkHitsAgainstNaive(t, a, keywords, text)
	}
}

// TestAutomatonLongTextsMatchNaive covers texts long enough for
// AppendMatches to scan them as interleaved windows. It checks random texts
// of 0 to 2000 bytes. It also plants keywords at every offset of texts whose
// lengths are near the interleaving threshold, and near the window
// boundaries of longer texts.
func TestAutomatonLongTextsMatchNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	const alphabet = "abcAB'( \xc3\xa9\xff"
	for round := range 150 {
		keywords := make([]string, 1+r.IntN(12))
		for i := range keywords {
			// Some long keywords make the windows overlap by more.
			n := 1 + r.IntN(5)
			if i == 0 && round%3 == 0 {
				n = 6 + r.IntN(30)
			}
			keywords[i] = string(randomBytes(r, alphabet, n))
		}
		a := NewAutomaton(keywords)
		for range 6 {
			checkHitsAgainstNaive(t, a, keywords, randomBytes(r, alphabet+"xyz\x00", r.IntN(2001)))
		}
		// The background byte occurs in no keyword, so the planted keyword
		// is the only hit.
		n := a.interleaveMin + r.IntN(400)
		plantAll(t, a, keywords, bytes.Repeat([]byte("z"), n), keywords[r.IntN(len(keywords))], 0, n)
	}

	keywords := engineKeywords(t)
	a := NewAutomaton(keywords)
	if a.interleaveMin > 200 {
		t.Fatalf("interleaveMin = %d with the built-in keywords, want texts of a few hundred bytes interleaved", a.interleaveMin)
	}
	var keywordBytes []byte
	for _, kw := range keywords {
		keywordBytes = append(keywordBytes, kw...)
	}
	keywordBytes = append(keywordBytes, "ABCXYZ\x00\x80\xff"...)
	for range 300 {
		checkHitsAgainstNaive(t, a, keywords, randomBytes(r, string(keywordBytes), r.IntN(2001)))
	}
	prose := corpusLikeTexts(r, 300)
	for i := range prose {
		for len(prose[i]) < 2000 && r.IntN(4) != 0 {
			prose[i] = append(prose[i], prose[r.IntN(len(prose))]...)
		}
		checkHitsAgainstNaive(t, a, keywords, prose[i])
	}

	// Every built-in keyword at every offset of texts around the threshold,
	// and the longest ones near each quarter of longer texts, where the
	// windows meet.
	longest := slices.Clone(keywords)
	slices.SortFunc(longest, func(x, y string) int { return len(y) - len(x) })
	background := bytes.Repeat([]byte("~"), 2000)
	if hits := a.AppendMatches(nil, background); len(hits) != 0 {
		t.Fatalf("background matches keywords %v", hits)
	}
	for _, n := range []int{a.interleaveMin - 1, a.interleaveMin, a.interleaveMin + 1, a.interleaveMin + 3} {
		for _, kw := range keywords {
			plantAll(t, a, keywords, background[:n], kw, 0, n)
		}
	}
	for _, n := range []int{127, 128, 509, 1999, 2000} {
		for _, kw := range longest[:8] {
			for q := 1; q <= 3; q++ {
				plantAll(t, a, keywords, background[:n], kw, q*n/4-2*a.overlap, q*n/4+2*a.overlap)
			}
			plantAll(t, a, keywords, background[:n], kw, n-2*len(kw), n)
		}
	}
}

// TestAutomatonLongTextsDenseMatches covers texts in which matching states
// are so frequent that AppendMatches moves to its second scan loop: JSON,
// whose quotes are keywords, and runs of a one-byte keyword. Other keywords
// are planted near the window boundaries and near the end, where that loop
// must still find them.
func TestAutomatonLongTextsDenseMatches(t *testing.T) {
	keywords := engineKeywords(t)
	a := NewAutomaton(keywords)
	longest := slices.Clone(keywords)
	slices.SortFunc(longest, func(x, y string) int { return len(y) - len(x) })
	json := bytes.Repeat([]byte(`{"id":"k7","v":[1,2]},`), 100)
	for _, n := range []int{600, 2000} {
		for _, kw := range slices.Concat(longest[:6], []string{"union", "\x00", "#"}) {
			for q := 1; q <= 3; q++ {
				plantAll(t, a, keywords, json[:n], kw, q*n/4-a.overlap, q*n/4+a.overlap)
			}
			plantAll(t, a, keywords, json[:n], kw, n-len(kw)-a.overlap, n)
		}
	}

	r := rand.New(rand.NewPCG(17, 18))
	for range 100 {
		keywords := []string{"a"}
		for range 1 + r.IntN(6) {
			keywords = append(keywords, string(randomBytes(r, "abcB(\xff", 2+r.IntN(20))))
		}
		a := NewAutomaton(keywords)
		n := 200 + r.IntN(1800)
		background := bytes.Repeat([]byte("a"), n)
		kw := keywords[1+r.IntN(len(keywords)-1)]
		for _, off := range []int{0, n/4 - len(kw)/2, n / 2, 3*n/4 - len(kw)/2, n - len(kw)} {
			plantAll(t, a, keywords, background, kw, off-a.overlap, off+a.overlap)
		}
		checkHitsAgainstNaive(t, a, keywords, randomBytes(r, "aaaaaabcB(\xff", n))
	}
}

// TestAutomatonLongTextsManyStates covers an automaton whose matching
// states do not fit the bitset that the interleaved scan keeps on its
// stack, and a text that finds more keywords than the linear duplicate check
// handles.
func TestAutomatonLongTextsManyStates(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	keywords := make([]string, 3000)
	for i := range keywords {
		keywords[i] = fmt.Sprintf("%s%d", randomBytes(r, "abc", 1+r.IntN(3)), i%211)
	}
	a := NewAutomaton(keywords)
	if a.filterWords <= stackFilterWords {
		t.Fatalf("filterWords = %d, want more than %d", a.filterWords, stackFilterWords)
	}
	maxHits := 0
	for range 100 {
		text := randomBytes(r, "abc0123456789 ", 100+r.IntN(1900))
		checkHitsAgainstNaive(t, a, keywords, text)
		maxHits = max(maxHits, len(a.AppendMatches(nil, text)))
	}
	if maxHits <= linearDedupMax {
		t.Fatalf("no text found more than %d keywords (at most %d)", linearDedupMax, maxHits)
	}
}

func TestAutomatonLongTextAllocations(t *testing.T) {
	keywords := engineKeywords(t)
	a := NewAutomaton(keywords)
	text := []byte(strings.Repeat("1' UNION SELECT password FROM users WHERE name = 'admin' -- <script> ", 20) + strings.Join(keywords, " "))
	hits := make([]int, 0, len(keywords))
	if hits = a.AppendMatches(hits, text); len(hits) <= linearDedupMax {
		t.Fatalf("found %d keywords, want more than %d", len(hits), linearDedupMax)
	}
	if n := testing.AllocsPerRun(100, func() { hits = a.AppendMatches(hits[:0], text) }); n != 0 {
		t.Errorf("AppendMatches allocates %v times per call on %d bytes, want 0", n, len(text))
	}
}
