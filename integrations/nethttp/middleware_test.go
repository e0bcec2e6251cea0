package nethttp_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/integrations/nethttp"
)

const (
	benignJSON = `{"name":"Alice","note":"Lunch at 12, table for two"}`
	sqliJSON   = `{"q":"1' UNION SELECT password FROM users--"}`
	nosqliJSON = `{"user":"admin","password":{"$ne":null}}`
)

// echoUpstream is the next handler in every test: it responds 200 with the
// body it received, so a test can compare the bytes the client sent with the
// bytes the handler read.
type echoUpstream struct{ calls atomic.Int32 }

func (u *echoUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.calls.Add(1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "upstream read failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(body)
}

type fixture struct {
	server   *httptest.Server
	upstream *echoUpstream
	mw       *nethttp.Middleware
	logs     *syncBuffer
}

// newFixture starts the middleware in front of an echo handler on a real
// listener on 127.0.0.1 and logs to a buffer as JSON.
func newFixture(t *testing.T, cfg engine.Config, opts nethttp.Options) *fixture {
	t.Helper()
	e, err := engine.New(cfg)
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	f := &fixture{upstream: &echoUpstream{}, logs: &syncBuffer{}}
	opts.Engine = e
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	f.mw, err = nethttp.New(f.upstream, opts)
	if err != nil {
		t.Fatalf("nethttp.New: %v", err)
	}
	f.server = httptest.NewServer(f.mw)
	t.Cleanup(f.server.Close)
	return f
}

func (f *fixture) post(t *testing.T, target, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.server.URL+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return resp, body
}

// logRecords decodes the JSON log lines written so far.
func (f *fixture) logRecords(t *testing.T) []map[string]any {
	t.Helper()
	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, line)
		}
		records = append(records, rec)
	}
	return records
}

// syncBuffer is a log destination that handler goroutines write while the
// test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) Len() int { return len(b.String()) }

func TestMiddlewarePassesBenignBodyIntact(t *testing.T) {
	f := newFixture(t, engine.Config{}, nethttp.Options{})
	resp, body := f.post(t, "/api/notes", "application/json", []byte(benignJSON))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, body)
	}
	if string(body) != benignJSON {
		t.Errorf("upstream read %q, want %q", body, benignJSON)
	}
}

func TestMiddlewareBlocksAttacks(t *testing.T) {
	cases := []struct {
		name, body, rule string
	}{
		{"sqli", sqliJSON, "sqli-union-select"},
		{"nosqli operator key", nosqliJSON, "nosqli-operator-key"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			f := newFixture(t, engine.Config{}, nethttp.Options{})
			resp, body := f.post(t, "/api/login", "application/json", []byte(tc.body))
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status = %d, want 403", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", got)
			}
			if f.upstream.calls.Load() != 0 {
				t.Errorf("upstream was called for a blocked request")
			}
			var problem map[string]any
			if err := json.Unmarshal(body, &problem); err != nil {
				t.Fatalf("problem body is not JSON: %v: %s", err, body)
			}
			if problem["type"] != "about:blank" {
				t.Errorf("type = %v, want about:blank", problem["type"])
			}
			if problem["title"] != "Forbidden" {
				t.Errorf("title = %v, want Forbidden", problem["title"])
			}
			if problem["status"] != float64(403) {
				t.Errorf("status member = %v, want 403", problem["status"])
			}
			id, _ := problem["event_id"].(string)
			if len(id) != 16 {
				t.Errorf("event_id = %q, want 16 hex digits", id)
			}
			if strings.Contains(string(body), tc.rule) || strings.Contains(string(body), "sqli") || strings.Contains(string(body), "$ne") {
				t.Errorf("problem body reveals detection detail: %s", body)
			}
			records := f.logRecords(t)
			if len(records) != 1 {
				t.Fatalf("got %d log records, want 1", len(records))
			}
			if records[0]["event_id"] != id {
				t.Errorf("log event_id = %v, response event_id = %v", records[0]["event_id"], id)
			}
			if !strings.Contains(f.logs.String(), tc.rule) {
				t.Errorf("log record lacks rule id %s: %s", tc.rule, f.logs.String())
			}
		})
	}
	if ran != len(cases) {
		t.Fatalf("ran %d cases, want %d", ran, len(cases))
	}
}

func TestMiddlewareCustomBlockResponse(t *testing.T) {
	f := newFixture(t, engine.Config{}, nethttp.Options{
		BlockStatus:  http.StatusNotAcceptable,
		BlockProblem: nethttp.Problem{Type: "https://example.com/problems/waf", Title: "Request rejected", Detail: "Contact support."},
	})
	resp, body := f.post(t, "/api/login", "application/json", []byte(sqliJSON))
	if resp.StatusCode != http.StatusNotAcceptable {
		t.Fatalf("status = %d, want 406", resp.StatusCode)
	}
	var problem map[string]any
	if err := json.Unmarshal(body, &problem); err != nil {
		t.Fatalf("problem body is not JSON: %v", err)
	}
	if problem["type"] != "https://example.com/problems/waf" {
		t.Errorf("type = %v", problem["type"])
	}
	if problem["title"] != "Request rejected" {
		t.Errorf("title = %v", problem["title"])
	}
	if problem["detail"] != "Contact support." {
		t.Errorf("detail = %v", problem["detail"])
	}
	if problem["status"] != float64(406) {
		t.Errorf("status member = %v, want 406", problem["status"])
	}
}

func TestMiddlewareDetectOnly(t *testing.T) {
	f := newFixture(t, engine.Config{}, nethttp.Options{DetectOnly: true})
	resp, body := f.post(t, "/api/login", "application/json", []byte(sqliJSON))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200 in detect-only mode", resp.StatusCode)
	}
	if string(body) != sqliJSON {
		t.Errorf("upstream read %q, want the request body", body)
	}
	records := f.logRecords(t)
	if len(records) != 1 {
		t.Fatalf("got %d log records, want 1", len(records))
	}
	if records[0]["action"] != "log" {
		t.Errorf("action = %v, want log", records[0]["action"])
	}
	if records[0]["level"] != "WARN" {
		t.Errorf("level = %v, want WARN", records[0]["level"])
	}
}

func TestMiddlewareEngineDetectOnly(t *testing.T) {
	f := newFixture(t, engine.Config{DetectOnly: true}, nethttp.Options{})
	resp, _ := f.post(t, "/api/login", "application/json", []byte(sqliJSON))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200 when the engine runs detect-only", resp.StatusCode)
	}
}

func TestMiddlewareOversizedBodyBlock(t *testing.T) {
	f := newFixture(t, engine.Config{Limits: engine.Limits{MaxBodyBytes: 64}}, nethttp.Options{})
	body := bytes.Repeat([]byte("a"), 65)
	resp, got := f.post(t, "/upload", "text/plain", body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413; body %s", resp.StatusCode, got)
	}
	if f.upstream.calls.Load() != 0 {
		t.Errorf("upstream was called for an oversized body")
	}
	if got := resp.Header.Get("Content-Type"); got != "application/problem+json" {
		t.Errorf("Content-Type = %q", got)
	}

	atLimit := bytes.Repeat([]byte("a"), 64)
	resp, got = f.post(t, "/upload", "text/plain", atLimit)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("body at the limit: status = %d, want 200", resp.StatusCode)
	}
	if !bytes.Equal(got, atLimit) {
		t.Errorf("body at the limit changed on the way")
	}
}

func TestMiddlewareDetectOnlyPassesOversizedBody(t *testing.T) {
	f := newFixture(t, engine.Config{Limits: engine.Limits{MaxBodyBytes: 64}}, nethttp.Options{DetectOnly: true})
	body := randomText(10_000)
	resp, got := f.post(t, "/upload", "text/plain", body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200 in detect-only mode", resp.StatusCode)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("upstream read %d bytes, want the %d bytes sent, unchanged", len(got), len(body))
	}
	records := f.logRecords(t)
	if len(records) != 1 || records[0]["action"] != "log" || records[0]["oversized"] != true {
		t.Errorf("log records = %v, want one with action log and oversized true", records)
	}
}

// randomText returns n printable bytes that no rule matches.
func randomText(n int) []byte {
	const letters = "abcdefghijklmnopqrstuvwxyz \n"
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return b
}

func TestMiddlewareOversizedBodyInspectPrefix(t *testing.T) {
	cfg := engine.Config{Limits: engine.Limits{MaxBodyBytes: 1024}, DisabledRules: []string{"limit-body"}}
	f := newFixture(t, cfg, nethttp.Options{OversizedBody: nethttp.OversizeInspectPrefix})

	body := randomText(300_000)
	resp, got := f.post(t, "/upload", "application/octet-stream", body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %.200s", resp.StatusCode, got)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("upstream read %d bytes, want the %d bytes sent, unchanged", len(got), len(body))
	}
	records := f.logRecords(t)
	if len(records) != 1 || records[0]["oversized"] != true {
		t.Errorf("log records = %v, want one with oversized=true", records)
	}

	// An attack in the inspected prefix is still blocked.
	attack := append([]byte("x=1' UNION SELECT password FROM users-- "), body...)
	resp, _ = f.post(t, "/upload", "application/x-www-form-urlencoded", attack)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("attack in the prefix: status = %d, want 403", resp.StatusCode)
	}
}

func TestMiddlewareInspectPrefixReportsLimit(t *testing.T) {
	cfg := engine.Config{Limits: engine.Limits{MaxBodyBytes: 1024}}
	f := newFixture(t, cfg, nethttp.Options{OversizedBody: nethttp.OversizeInspectPrefix})
	resp, _ := f.post(t, "/upload", "application/octet-stream", randomText(4096))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status = %d, want 403 from the limit-body rule", resp.StatusCode)
	}
	if !strings.Contains(f.logs.String(), "limit-body") {
		t.Errorf("log does not name rule limit-body: %s", f.logs.String())
	}
}

func TestMiddlewareChunkedBodyIntact(t *testing.T) {
	cfg := engine.Config{Limits: engine.Limits{MaxBodyBytes: 4096}, DisabledRules: []string{"limit-body"}}
	f := newFixture(t, cfg, nethttp.Options{OversizedBody: nethttp.OversizeInspectPrefix})
	for _, size := range []int{0, 1, 4095, 4096, 4097, 100_000} {
		body := randomText(size)
		// A reader without a known length makes the client send the body
		// chunked, so the middleware cannot rely on Content-Length.
		req, err := http.NewRequest(http.MethodPost, f.server.URL+"/upload", io.MultiReader(bytes.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, got := do(t, req)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("size %d: status = %d, want 200", size, resp.StatusCode)
			continue
		}
		if !bytes.Equal(got, body) {
			t.Errorf("size %d: upstream read %d bytes, not the bytes sent", size, len(got))
		}
	}
}

func TestMiddlewareLogsNoSecrets(t *testing.T) {
	f := newFixture(t, engine.Config{}, nethttp.Options{})
	body := `{"q":"1' UNION SELECT password FROM users--","password":"SECRET-BODY-VALUE"}`
	req, err := http.NewRequest(http.MethodPost, f.server.URL+"/api/search?token=SECRET-QUERY-VALUE", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer SECRET-AUTH-VALUE")
	req.Header.Set("Cookie", "session=SECRET-COOKIE-VALUE")

	resp, _ := do(t, req)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status = %d, want 403", resp.StatusCode)
	}

	logs := f.logs.String()
	for _, secret := range []string{"SECRET-BODY-VALUE", "SECRET-QUERY-VALUE", "SECRET-AUTH-VALUE", "SECRET-COOKIE-VALUE", "UNION SELECT"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q: %s", secret, logs)
		}
	}

	records := f.logRecords(t)
	if len(records) != 1 {
		t.Fatalf("got %d log records, want 1", len(records))
	}
	rec := records[0]
	for key, want := range map[string]any{
		"msg": "request blocked", "method": "POST", "path": "/api/search", "action": "block", "status": float64(403),
	} {
		if rec[key] != want {
			t.Errorf("log %s = %v, want %v", key, rec[key], want)
		}
	}
	if rec["score"] != float64(10) {
		t.Errorf("log score = %v, want 10", rec["score"])
	}
	if classes, _ := rec["classes"].([]any); len(classes) != 1 || classes[0] != "sqli" {
		t.Errorf("log classes = %v, want [sqli]", rec["classes"])
	}
	if ids, _ := rec["rule_ids"].([]any); len(ids) == 0 {
		t.Errorf("log rule_ids = %v, want the rules that fired", rec["rule_ids"])
	}
}

func TestMiddlewareGetWithoutBody(t *testing.T) {
	f := newFixture(t, engine.Config{}, nethttp.Options{})
	req, _ := http.NewRequest(http.MethodGet, f.server.URL+"/api/users?name=alice", nil)
	resp, _ := do(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodGet, f.server.URL+"/api/users?name[$ne]=x", nil)
	resp, _ = do(t, req)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("operator in the query: status = %d, want 403", resp.StatusCode)
	}
}

func TestMiddlewareUnreadableBody(t *testing.T) {
	e, err := engine.New(engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	metrics := nethttp.NewMetrics()
	upstream := &echoUpstream{}
	mw, err := nethttp.New(upstream, nethttp.Options{Engine: e, Metrics: metrics, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	// A server-wide body cap in front of the middleware makes the read fail
	// the way http.MaxBytesReader does in real deployments.
	capped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16)
		mw.ServeHTTP(w, r)
	})
	server := httptest.NewServer(capped)
	defer server.Close()

	req, _ := http.NewRequest(http.MethodPost, server.URL+"/api", strings.NewReader(benignJSON))
	req.Header.Set("Content-Type", "application/json")
	resp, body := do(t, req)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413; body %s", resp.StatusCode, body)
	}
	if upstream.calls.Load() != 0 {
		t.Errorf("upstream was called with an unreadable body")
	}
	var text bytes.Buffer
	metrics.WriteText(&text)
	if !strings.Contains(text.String(), "fieldwall_inspection_errors_total 1\n") {
		t.Errorf("metrics do not count the error:\n%s", text.String())
	}
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	e, err := engine.New(engine.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts nethttp.Options
	}{
		{"missing engine", nethttp.Options{}},
		{"status below 400", nethttp.Options{Engine: e, BlockStatus: 302}},
		{"status above 599", nethttp.Options{Engine: e, BlockStatus: 600}},
		{"unknown policy", nethttp.Options{Engine: e, OversizedBody: "truncate"}},
	}
	for _, tc := range cases {
		if _, err := nethttp.New(http.NotFoundHandler(), tc.opts); err == nil {
			t.Errorf("%s: New returned no error", tc.name)
		}
	}
}

func TestMiddlewareObserveReplacesLogging(t *testing.T) {
	var (
		mu       sync.Mutex
		observed []nethttp.Decision
	)
	f := newFixture(t, engine.Config{}, nethttp.Options{
		Observe: func(r *http.Request, d *nethttp.Decision) {
			mu.Lock()
			defer mu.Unlock()
			observed = append(observed, *d)
		},
	})
	f.post(t, "/api/login", "application/json", []byte(nosqliJSON))
	mu.Lock()
	defer mu.Unlock()
	if len(observed) != 1 {
		t.Fatalf("observed %d decisions, want 1", len(observed))
	}
	if observed[0].Action != engine.ActionBlock || observed[0].Status != http.StatusForbidden {
		t.Errorf("decision = %+v, want block with 403", observed[0])
	}
	if f.logs.Len() != 0 {
		t.Errorf("built-in logger wrote records although Observe is set: %s", f.logs.String())
	}
	var text bytes.Buffer
	f.mw.Metrics().WriteText(&text)
	if !strings.Contains(text.String(), `fieldwall_requests_total{action="block"} 0`) {
		t.Errorf("built-in metrics counted although Observe is set")
	}
}
