package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// serveLogBuffer collects serve's JSON log records while it runs.
type serveLogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *serveLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *serveLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records returns the log records written so far.
func (b *serveLogBuffer) records() []map[string]any {
	var records []map[string]any
	for _, line := range strings.Split(b.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			records = append(records, rec)
		}
	}
	return records
}

// waitListening waits until serve logs the address of the named server.
func (b *serveLogBuffer) waitListening(t *testing.T, server string, exited <-chan int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, rec := range b.records() {
			if rec["msg"] == "listening" && rec["server"] == server {
				return rec["addr"].(string)
			}
		}
		select {
		case status := <-exited:
			t.Fatalf("serve exited with status %d before listening; log:\n%s", status, b.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not log the %s address within 10s; log:\n%s", server, b.String())
	return ""
}

// serveEchoUpstream responds with the body it received and counts requests.
type serveEchoUpstream struct{ calls atomic.Int32 }

func (u *serveEchoUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.calls.Add(1)
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Upstream-Path", r.URL.Path)
	_, _ = w.Write(body)
}

func writeServeConfig(t *testing.T, text string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "serve.json")
	if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

func servePost(t *testing.T, url, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp, string(got)
}

func TestServeProxiesBlocksAndStopsOnSIGTERM(t *testing.T) {
	upstream := &serveEchoUpstream{}
	upstreamServer := httptest.NewServer(upstream)
	defer upstreamServer.Close()
	config := writeServeConfig(t, `{
		"paranoia": 1,
		"limits": {"max_body_bytes": 65536},
		"exclusions": [{"path": "/api/notes", "field": "body:note", "classes": ["sqli"]}],
		"mode": "block",
		"block_status": 403
	}`)

	logs := &serveLogBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- runServe([]string{
			"--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
			"--upstream", upstreamServer.URL, "--config", config,
		}, io.Discard, logs)
	}()
	proxy := "http://" + logs.waitListening(t, "proxy", exited)
	metrics := "http://" + logs.waitListening(t, "metrics", exited)

	benign := `{"name":"Alice","note":"see you at 12"}`
	resp, body := servePost(t, proxy+"/api/users", benign)
	if resp.StatusCode != http.StatusOK || body != benign {
		t.Errorf("benign request: status %d, body %q; want 200 and the body echoed", resp.StatusCode, body)
	}
	if got := resp.Header.Get("X-Upstream-Path"); got != "/api/users" {
		t.Errorf("upstream saw path %q, want /api/users", got)
	}

	resp, body = servePost(t, proxy+"/api/users", `{"name":"1' UNION SELECT password FROM users--"}`)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("attack: status %d, want 403", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("attack: Content-Type %q, want application/problem+json", ct)
	}
	if !strings.Contains(body, `"event_id"`) {
		t.Errorf("attack: problem body lacks event_id: %s", body)
	}

	// The exclusion in the config file switches sqli off for this field.
	excluded := `{"note":"1' UNION SELECT password FROM users--"}`
	resp, body = servePost(t, proxy+"/api/notes", excluded)
	if resp.StatusCode != http.StatusOK || body != excluded {
		t.Errorf("excluded field: status %d, body %q; want 200 and the body echoed", resp.StatusCode, body)
	}
	if got := upstream.calls.Load(); got != 2 {
		t.Errorf("upstream received %d requests, want 2", got)
	}

	mresp, err := http.Get(metrics + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	text, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, want := range []string{
		`fieldwall_requests_total{action="allow"} 2`,
		`fieldwall_requests_total{action="block"} 1`,
		`fieldwall_findings_total{class="sqli",rule="sqli-union-select"} 1`,
		`fieldwall_inspection_duration_seconds_count 3`,
	} {
		if !strings.Contains(string(text), want+"\n") {
			t.Errorf("metrics lack %q:\n%s", want, text)
		}
	}

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatalf("send SIGTERM: %v", err)
	}
	select {
	case status := <-exited:
		if status != 0 {
			t.Errorf("exit status after SIGTERM = %d, want 0; log:\n%s", status, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("serve did not stop within 10s of SIGTERM")
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("log lacks the stop record:\n%s", logs.String())
	}
}

func TestServeDetectModePassesAttacks(t *testing.T) {
	upstreamServer := httptest.NewServer(&serveEchoUpstream{})
	defer upstreamServer.Close()
	config := writeServeConfig(t, `{"mode": "detect"}`)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &serveLogBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- serve(ctx, []string{"--listen", "127.0.0.1:0", "--upstream", upstreamServer.URL, "--config", config}, io.Discard, logs)
	}()
	proxy := "http://" + logs.waitListening(t, "proxy", exited)

	attack := `{"user":"admin","password":{"$ne":null}}`
	resp, body := servePost(t, proxy+"/login", attack)
	if resp.StatusCode != http.StatusOK || body != attack {
		t.Errorf("detect mode: status %d, body %q; want 200 and the body echoed", resp.StatusCode, body)
	}
	cancel()
	if status := <-exited; status != 0 {
		t.Errorf("exit status = %d, want 0", status)
	}
	found := false
	for _, rec := range logs.records() {
		if rec["action"] == "log" && rec["path"] == "/login" {
			found = true
		}
	}
	if !found {
		t.Errorf("no log record with action log for /login:\n%s", logs.String())
	}
}

func TestServeShutdownWaitsForRequestsInFlight(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	upstreamServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		io.WriteString(w, "done")
	}))
	defer upstreamServer.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &serveLogBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- serve(ctx, []string{"--listen", "127.0.0.1:0", "--upstream", upstreamServer.URL}, io.Discard, logs)
	}()
	proxy := "http://" + logs.waitListening(t, "proxy", exited)

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get(proxy + "/slow")
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(body)}
	}()
	<-arrived
	cancel()

	select {
	case status := <-exited:
		t.Fatalf("serve exited with status %d while a request was in flight", status)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	r := <-done
	if r.err != nil || r.status != http.StatusOK || r.body != "done" {
		t.Errorf("request in flight: status %d, body %q, error %v; want 200 and done", r.status, r.body, r.err)
	}
	select {
	case status := <-exited:
		if status != 0 {
			t.Errorf("exit status = %d, want 0", status)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after the request in flight finished")
	}
}

func TestServeUpstreamDown(t *testing.T) {
	// A listener that is closed at once gives a local port that refuses
	// connections.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadUpstream := "http://" + ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &serveLogBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- serve(ctx, []string{"--listen", "127.0.0.1:0", "--upstream", deadUpstream}, io.Discard, logs)
	}()
	proxy := "http://" + logs.waitListening(t, "proxy", exited)
	resp, body := servePost(t, proxy+"/api", `{"a":1}`)
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d, want 502", resp.StatusCode)
	}
	if !strings.Contains(body, `"status":502`) {
		t.Errorf("body %q is not a 502 problem document", body)
	}
	if !strings.Contains(logs.String(), "upstream request failed") {
		t.Errorf("log lacks the upstream failure:\n%s", logs.String())
	}
	cancel()
	<-exited
}

func TestServeListenAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	logs := &serveLogBuffer{}
	status := serve(context.Background(), []string{"--listen", ln.Addr().String(), "--upstream", "http://127.0.0.1:1"}, io.Discard, logs)
	if status != 1 {
		t.Errorf("exit status = %d, want 1", status)
	}
	if !strings.Contains(logs.String(), "listen failed") {
		t.Errorf("log lacks the listen error:\n%s", logs.String())
	}
}

func TestServeInvalidUsage(t *testing.T) {
	dir := t.TempDir()
	writeConfig := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	upstream := []string{"--upstream", "http://127.0.0.1:1"}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing upstream", []string{}, "missing --upstream"},
		{"upstream not http", []string{"--upstream", "ftp://127.0.0.1/"}, "invalid --upstream"},
		{"upstream without host", []string{"--upstream", "http:///path"}, "invalid --upstream"},
		{"unknown flag", append([]string{"--port", "80"}, upstream...), "flag provided but not defined"},
		{"operand", append([]string{"extra"}, upstream...), "unexpected argument"},
		{"log level", append([]string{"--log-level", "loud"}, upstream...), "invalid --log-level"},
		{"config missing", append([]string{"--config", filepath.Join(dir, "absent.json")}, upstream...), "no such file"},
		{"config unknown key", append([]string{"--config", writeConfig("unknown.json", `{"paranoya": 2}`)}, upstream...), "paranoya"},
		{"config mode", append([]string{"--config", writeConfig("mode.json", `{"mode": "monitor"}`)}, upstream...), "invalid mode"},
		{"config policy", append([]string{"--config", writeConfig("policy.json", `{"oversized_body": "truncate"}`)}, upstream...), "invalid oversized_body"},
		{"config status", append([]string{"--config", writeConfig("status.json", `{"block_status": 302}`)}, upstream...), "invalid block_status"},
		{"config paranoia", append([]string{"--config", writeConfig("paranoia.json", `{"paranoia": 9}`)}, upstream...), "invalid paranoia"},
		{"config syntax", append([]string{"--config", writeConfig("syntax.json", `{"mode": }`)}, upstream...), "syntax.json:1:"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			var stderr bytes.Buffer
			status := serve(context.Background(), tc.args, io.Discard, &stderr)
			if status != exitUsage {
				t.Errorf("exit status = %d, want %d", status, exitUsage)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tc.want)
			}
		})
	}
	if ran != len(cases) {
		t.Fatalf("ran %d cases, want %d", ran, len(cases))
	}
}

func TestServeHelp(t *testing.T) {
	var stdout bytes.Buffer
	if status := serve(context.Background(), []string{"-h"}, &stdout, io.Discard); status != exitOK {
		t.Errorf("exit status = %d, want 0", status)
	}
	if !strings.Contains(stdout.String(), "--upstream URL") || !strings.Contains(stdout.String(), defaultServeListen) {
		t.Errorf("help text lacks the options: %s", stdout.String())
	}
}
