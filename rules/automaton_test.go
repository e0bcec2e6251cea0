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
