package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/fieldwall/fieldwall/rules"
)

// matcherInput is one text a matcher benchmark scans. A text split into
// fields is scanned with one call per field, as the engine calls the
// matcher once per value.
type matcherInput struct {
	name   string
	fields [][]byte
}

func (in matcherInput) size() int {
	n := 0
	for _, f := range in.fields {
		n += len(f)
	}
	return n
}

// matcherInputs returns the benchmark texts, lower-cased once as the engine
// lower-cases before matching:
//
//   - clean-*: a benign body of the request set as one text;
//   - clean-fields-100k: the keys and string values of the 100 KB body, one
//     call each;
//   - hits-64k: attack snippets back to back, where most bytes lie inside
//     some keyword and most calls return many keywords.
var matcherInputs = sync.OnceValues(func() ([]matcherInput, error) {
	var inputs []matcherInput
	for _, name := range []string{"json-1k", "json-10k", "json-100k", "json-1m"} {
		body, err := os.ReadFile(filepath.Join(testdataDir, name+".json"))
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, matcherInput{name: "clean-" + name[len("json-"):], fields: [][]byte{bytes.ToLower(body)}})
		if name == "json-100k" {
			fields, err := jsonFields(body)
			if err != nil {
				return nil, err
			}
			inputs = append(inputs, matcherInput{name: "clean-fields-100k", fields: fields})
		}
	}
	hits, err := os.ReadFile(filepath.Join(testdataDir, AttackDenseFile))
	if err != nil {
		return nil, err
	}
	inputs = append(inputs, matcherInput{name: "hits-64k", fields: [][]byte{bytes.ToLower(hits)}})
	return inputs, nil
})

// jsonFields returns the object keys and string values of a JSON document,
// lower-cased, in document order.
func jsonFields(body []byte) ([][]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var fields [][]byte
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				return fields, nil
			}
			return nil, err
		}
		if s, ok := tok.(string); ok {
			fields = append(fields, bytes.ToLower([]byte(s)))
		}
	}
}

func loadMatcherInputs(tb testing.TB) []matcherInput {
	tb.Helper()
	inputs, err := matcherInputs()
	if err != nil {
		tb.Fatal(err)
	}
	return inputs
}

func loadBuiltinKeywords(tb testing.TB) []string {
	tb.Helper()
	keywords, err := builtinKeywords()
	if err != nil {
		tb.Fatal(err)
	}
	if len(keywords) == 0 {
		tb.Fatal("built-in rules have no keywords")
	}
	return keywords
}

// TestMatcherImplsAgree checks every compared matcher against
// strings.Contains on every benchmark input, so that no implementation is
// fast because it finds less.
func TestMatcherImplsAgree(t *testing.T) {
	keywords := loadBuiltinKeywords(t)
	inputs := loadMatcherInputs(t)
	for _, impl := range matcherImpls {
		t.Run(impl.name, func(t *testing.T) {
			m, err := impl.build(keywords)
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			checked := 0
			for _, in := range inputs {
				for i, field := range in.fields {
					if in.name == "clean-1m" && (testing.Short() || raceEnabled) {
						continue // seconds under the race detector
					}
					want := naiveKeywordSet(keywords, field)
					got := m.AppendMatches(nil, field)
					gotSet := make(map[int]bool, len(got))
					for _, k := range got {
						gotSet[k] = true
					}
					if len(gotSet) != len(got) {
						t.Errorf("%s field %d: AppendMatches repeats keywords: %v", in.name, i, got)
					}
					if !mapsEqual(gotSet, want) {
						t.Fatalf("%s field %d: found %v, want %v", in.name, i, keywordNames(keywords, gotSet), keywordNames(keywords, want))
					}
					checked++
				}
			}
			if checked == 0 {
				t.Fatal("no input checked")
			}
		})
	}
}

func mapsEqual(a, b map[int]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func keywordNames(keywords []string, set map[int]bool) []string {
	var names []string
	for k := range set {
		names = append(names, keywords[k])
	}
	slices.Sort(names)
	return names
}

// BenchmarkMatcher measures each matcher on each input with the built-in
// keyword set. MB/s is the best single number to compare.
func BenchmarkMatcher(b *testing.B) {
	keywords := loadBuiltinKeywords(b)
	inputs := loadMatcherInputs(b)
	for _, impl := range matcherImpls {
		m, err := impl.build(keywords)
		if err != nil {
			b.Fatalf("%s: build: %v", impl.name, err)
		}
		for _, in := range inputs {
			b.Run(fmt.Sprintf("impl=%s/input=%s", impl.name, in.name), func(b *testing.B) {
				hits := make([]int, 0, len(keywords))
				b.SetBytes(int64(in.size()))
				b.ReportAllocs()
				for b.Loop() {
					for _, field := range in.fields {
						hits = m.AppendMatches(hits[:0], field)
					}
				}
			})
		}
	}
}

// BenchmarkMatcherBuild measures building each matcher from the built-in
// keywords, and reports the heap that the built matcher keeps as
// retained-B: the live heap after a collection, with and without it.
func BenchmarkMatcherBuild(b *testing.B) {
	keywords := loadBuiltinKeywords(b)
	for _, impl := range matcherImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			retained, err := retainedBytes(func() (rules.Matcher, error) { return impl.build(keywords) })
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := impl.build(keywords); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(retained), "retained-B")
		})
	}
}

// retainedBytes returns how much the live heap grows by keeping the value
// that build returns, measured with runtime.MemStats after a collection
// before and after the build.
func retainedBytes(build func() (rules.Matcher, error)) (int64, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := build()
	if err != nil {
		return 0, err
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(m)
	return int64(after.HeapAlloc) - int64(before.HeapAlloc), nil
}
