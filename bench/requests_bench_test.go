package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/bytedance/sonic"
	"github.com/bytedance/sonic/ast"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/parsers"
	"github.com/fieldwall/fieldwall/rules"
)

// BenchmarkRequests runs each request of the set through fieldwall and
// through Coraza with the CRS, next to reference points on the same bytes:
//
//   - impl=fieldwall: engine.New(engine.Config{}) and Inspect;
//   - impl=coraza-*: a full Coraza transaction, see corazaSetups;
//   - impl=sonic-preorder: sonic's walk of the body with a visitor that does
//     nothing, the floor for any parser that visits every value;
//   - impl=parse-json: fieldwall's JSON parser alone, parsers.ParseJSON
//     passing every field to a sink that does nothing, which replaced
//     sonic's walk in the engine;
//   - impl=sonic-valid: sonic's validation of the body, which visits nothing;
//   - impl=encoding-json: encoding/json decoding the body into an any;
//   - impl=url-parsequery: net/url parsing the query string of a GET;
//   - impl=matcher: the engine's keyword matcher over the lower-cased body
//     (or target of a GET) in one call.
//
// fieldwall and Coraza report throughput against Request.Size, the whole
// HTTP message; the reference points against the bytes they read. Each
// benchmark checks its verdict or result before the timed loop.
func BenchmarkRequests(b *testing.B) {
	reqs := requestSet(b)
	for i := range reqs {
		r := &reqs[i]
		b.Run("req="+r.Name, func(b *testing.B) {
			b.Run("impl=fieldwall", func(b *testing.B) { benchFieldwall(b, r) })
			for _, setup := range corazaSetups {
				if setup.appliesTo(r) {
					b.Run("impl="+setup.name, func(b *testing.B) { benchCoraza(b, setup, r) })
				}
			}
			if len(r.Body) > 0 {
				b.Run("impl=sonic-preorder", func(b *testing.B) { benchSonicPreorder(b, r.Body) })
				b.Run("impl=parse-json", func(b *testing.B) { benchParseJSON(b, r.Body) })
				b.Run("impl=sonic-valid", func(b *testing.B) { benchSonicValid(b, r.Body) })
				b.Run("impl=encoding-json", func(b *testing.B) { benchEncodingJSON(b, r.Body) })
				b.Run("impl=matcher", func(b *testing.B) { benchMatcher(b, r.Body) })
			} else {
				b.Run("impl=url-parsequery", func(b *testing.B) { benchParseQuery(b, r.Target) })
				b.Run("impl=matcher", func(b *testing.B) { benchMatcher(b, []byte(r.Target)) })
			}
		})
	}
}

func benchFieldwall(b *testing.B, r *Request) {
	e := fieldwallEngine(b)
	checkFieldwallVerdict(b, e, r)
	req := engineRequest(r)
	b.SetBytes(int64(r.Size()))
	b.ReportAllocs()
	for b.Loop() {
		e.Inspect(req)
	}
}

func benchCoraza(b *testing.B, setup *corazaSetup, r *Request) {
	checkCorazaVerdict(b, setup, r)
	waf, err := setup.waf()
	if err != nil {
		b.Fatal(err)
	}
	names := r.HeaderNames()
	b.SetBytes(int64(r.Size()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := corazaInspect(waf, r, names); err != nil {
			b.Fatal(err)
		}
	}
}

// noopVisitor receives sonic's preorder callbacks and does nothing with
// them.
type noopVisitor struct{}

func (noopVisitor) OnNull() error                        { return nil }
func (noopVisitor) OnBool(bool) error                    { return nil }
func (noopVisitor) OnString(string) error                { return nil }
func (noopVisitor) OnInt64(int64, json.Number) error     { return nil }
func (noopVisitor) OnFloat64(float64, json.Number) error { return nil }
func (noopVisitor) OnObjectBegin(int) error              { return nil }
func (noopVisitor) OnObjectKey(string) error             { return nil }
func (noopVisitor) OnObjectEnd() error                   { return nil }
func (noopVisitor) OnArrayBegin(int) error               { return nil }
func (noopVisitor) OnArrayEnd() error                    { return nil }

// sonicOptions are the visitor options of parsers.ParseJSON: numbers keep
// their text and are not converted.
var sonicOptions = &ast.VisitorOptions{OnlyNumber: true}

func benchSonicPreorder(b *testing.B, body []byte) {
	text := string(body)
	if err := ast.Preorder(text, noopVisitor{}, sonicOptions); err != nil {
		b.Fatalf("sonic preorder: %v", err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		_ = ast.Preorder(text, noopVisitor{}, sonicOptions)
	}
}

// discardSink receives fields and keeps none of them.
type discardSink struct{}

func (discardSink) Field(*parsers.Field) {}

func benchParseJSON(b *testing.B, body []byte) {
	var doc parsers.Document
	doc.SetSink(discardSink{})
	limits := parsers.Limits{MaxDepth: 64, MaxFields: 1 << 20}
	doc.Reset(limits)
	if !parsers.ParseJSON(&doc, parsers.LocationBody, nil, body) {
		b.Fatalf("ParseJSON rejects the body: %v", doc.Anomalies)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		doc.Reset(limits)
		parsers.ParseJSON(&doc, parsers.LocationBody, nil, body)
	}
}

func benchSonicValid(b *testing.B, body []byte) {
	if !sonic.Valid(body) {
		b.Fatal("sonic.Valid rejects the body")
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		sonic.Valid(body)
	}
}

func benchEncodingJSON(b *testing.B, body []byte) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		b.Fatalf("encoding/json: %v", err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var v any
		_ = json.Unmarshal(body, &v)
	}
}

func benchParseQuery(b *testing.B, target string) {
	_, query, _ := strings.Cut(target, "?")
	if _, err := url.ParseQuery(query); err != nil {
		b.Fatalf("url.ParseQuery: %v", err)
	}
	b.SetBytes(int64(len(query)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = url.ParseQuery(query)
	}
}

// engineKeywords returns the keywords of the rules that the default engine
// runs, the set its matcher is built from.
func engineKeywords(b *testing.B) []string {
	seen := make(map[string]bool)
	var keywords []string
	for _, r := range fieldwallEngine(b).Rules() {
		for _, kw := range r.Keywords {
			if !seen[kw] {
				seen[kw] = true
				keywords = append(keywords, kw)
			}
		}
	}
	return keywords
}

func benchMatcher(b *testing.B, text []byte) {
	m := rules.NewMatcher(engineKeywords(b))
	lower := bytes.ToLower(text)
	hits := m.AppendMatches(nil, lower)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		hits = m.AppendMatches(hits[:0], lower)
	}
}

// BenchmarkEngineNew measures engine.New with the built-in rules at
// paranoia levels 1 (the default) and 4 (every rule), which parses the rule
// files and compiles the matcher, the regular expressions and the
// confirmers. It reports the heap the compiled engine keeps as retained-B:
// the live heap after runtime.GC with the engine, minus the live heap
// before engine.New, from runtime.MemStats.
func BenchmarkEngineNew(b *testing.B) {
	for _, paranoia := range []int{1, 4} {
		b.Run(fmt.Sprintf("paranoia=%d", paranoia), func(b *testing.B) {
			var retained int64
			for b.Loop() {
				b.StopTimer()
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				b.StartTimer()

				e, err := engine.New(engine.Config{Paranoia: paranoia})
				if err != nil {
					b.Fatal(err)
				}

				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&after)
				runtime.KeepAlive(e)
				retained = int64(after.HeapAlloc) - int64(before.HeapAlloc)
				b.StartTimer()
			}
			b.ReportMetric(float64(retained), "retained-B")
		})
	}
}
