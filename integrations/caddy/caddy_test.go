package caddy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddytest"

	fieldwall "github.com/fieldwall/fieldwall/integrations/caddy"
)

// The in-process Caddy that caddytest starts listens on these loopback ports,
// chosen free once per test binary. Caddy's default test admin port, 2999,
// may belong to another program on the machine.
var adminPort, httpPort, httpsPort, metricsPort int

func TestMain(m *testing.M) {
	// Caddy writes its storage and autosaved config under the XDG
	// directories; keep them out of the user's home.
	dir, err := os.MkdirTemp("", "fieldwall-caddytest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_DATA_HOME", dir)
	os.Setenv("XDG_CONFIG_HOME", dir)
	ports, err := freePorts(4)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	adminPort, httpPort, httpsPort, metricsPort = ports[0], ports[1], ports[2], ports[3]

	status := m.Run()
	os.RemoveAll(dir)
	os.Exit(status)
}

// freePorts returns n loopback ports that were free when it ran. All
// listeners stay open until every port is chosen, so the ports differ.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func caddyfileAdapter() caddyconfig.Adapter { return caddyconfig.GetAdapter("caddyfile") }

func newTester(t *testing.T) *caddytest.Tester {
	return caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: adminPort})
}

// globalOptions keeps every listener of the test Caddy on 127.0.0.1 and off
// the default ports.
func globalOptions() string {
	return fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	https_port %d
	auto_https off
	default_bind 127.0.0.1
	persist_config off
	grace_period 1s
}
`, adminPort, httpPort, httpsPort)
}

// echoUpstream responds with the body it received. Caddy proxies to it.
type echoUpstream struct{ calls atomic.Int32 }

func (u *echoUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.calls.Add(1)
	body, _ := io.ReadAll(r.Body)
	_, _ = w.Write(body)
}

func post(t *testing.T, tc *caddytest.Tester, path, contentType, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("http://localhost:%d%s", httpPort, path), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := tc.Client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp, string(got)
}

// metricValue returns the value of the sample line that starts with series
// in the text exposition format, or -1 when there is none.
func metricValue(t *testing.T, tc *caddytest.Tester, series string) float64 {
	t.Helper()
	resp, err := tc.Client.Get(fmt.Sprintf("http://localhost:%d/metrics", metricsPort))
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(text), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("metric %s has value %q", series, rest)
			}
			return v
		}
	}
	return -1
}

func TestCaddyfileBlocksAndPassesBodies(t *testing.T) {
	upstream := &echoUpstream{}
	upstreamServer := httptest.NewServer(upstream)
	defer upstreamServer.Close()

	tc := newTester(t)
	tc.InitServer(globalOptions()+fmt.Sprintf(`
:%d {
	fieldwall {
		max_body_bytes 4096
		exclude {
			path /api/notes
			field body:note
			classes sqli
		}
	}
	reverse_proxy %s
}
:%d {
	metrics /metrics
}
`, httpPort, strings.TrimPrefix(upstreamServer.URL, "http://"), metricsPort), "caddyfile")

	blockedBefore := metricValue(t, tc, `fieldwall_requests_total{action="block"}`)

	benign := `{"name":"Alice","bio":"Writes about the analytical engine."}`
	resp, body := post(t, tc, "/api/users", "application/json", benign)
	if resp.StatusCode != http.StatusOK || body != benign {
		t.Errorf("benign: status %d, body %q; want 200 and the body echoed", resp.StatusCode, body)
	}

	cases := []struct {
		name, path, contentType, body string
		status                        int
	}{
		{"sqli in JSON", "/api/users", "application/json", `{"name":"1' UNION SELECT password FROM users--"}`, http.StatusForbidden},
		{"mongo operator key", "/api/login", "application/json", `{"user":"admin","password":{"$ne":null}}`, http.StatusForbidden},
		{"operator in form", "/api/login", "application/x-www-form-urlencoded", `user=admin&password[$ne]=x`, http.StatusForbidden},
		{"body over the limit", "/api/upload", "text/plain", strings.Repeat("a", 5000), http.StatusRequestEntityTooLarge},
	}
	ran := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ran++
			resp, body := post(t, tc, c.path, c.contentType, c.body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, c.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			var problem map[string]any
			if err := json.Unmarshal([]byte(body), &problem); err != nil {
				t.Fatalf("problem body is not JSON: %v: %s", err, body)
			}
			if id, _ := problem["event_id"].(string); len(id) != 16 {
				t.Errorf("event_id = %v, want 16 hex digits", problem["event_id"])
			}
		})
	}
	if ran != len(cases) {
		t.Fatalf("ran %d cases, want %d", ran, len(cases))
	}

	excluded := `{"note":"1' UNION SELECT password FROM users--"}`
	resp, body = post(t, tc, "/api/notes", "application/json", excluded)
	if resp.StatusCode != http.StatusOK || body != excluded {
		t.Errorf("excluded field: status %d, body %q; want 200 and the body echoed", resp.StatusCode, body)
	}
	if got := upstream.calls.Load(); got != 2 {
		t.Errorf("upstream received %d requests, want 2", got)
	}

	if got := metricValue(t, tc, `fieldwall_requests_total{action="block"}`) - blockedBefore; got != float64(len(cases)) {
		t.Errorf("fieldwall_requests_total{action=\"block\"} grew by %v, want %d", got, len(cases))
	}
	if got := metricValue(t, tc, `fieldwall_findings_total{class="nosqli",rule="nosqli-operator-key"}`); got < 2 {
		t.Errorf("nosqli-operator-key findings = %v, want at least 2", got)
	}
	if got := metricValue(t, tc, `fieldwall_inspection_duration_seconds_count`); got < 1 {
		t.Errorf("inspection duration count = %v, want at least 1", got)
	}
	if got := metricValue(t, tc, `fieldwall_oversized_bodies_total`); got < 1 {
		t.Errorf("fieldwall_oversized_bodies_total = %v, want at least 1", got)
	}
}

func TestCaddyJSONConfigDetectModeAndVariables(t *testing.T) {
	tc := newTester(t)
	tc.InitServer(fmt.Sprintf(`{
	"admin": {"listen": "localhost:%d"},
	"apps": {
		"http": {
			"http_port": %d,
			"https_port": %d,
			"grace_period": "1s",
			"servers": {
				"detect": {
					"listen": ["127.0.0.1:%d"],
					"automatic_https": {"disable": true},
					"routes": [{
						"handle": [
							{"handler": "fieldwall", "mode": "detect", "paranoia": 1, "limits": {"max_body_bytes": 65536}},
							{
								"handler": "static_response",
								"status_code": 200,
								"headers": {"X-Fieldwall-Action": ["{http.vars.fieldwall.action}"], "X-Fieldwall-Rules": ["{http.vars.fieldwall.rule_ids}"]},
								"body": "passed"
							}
						]
					}]
				}
			}
		}
	}
}`, adminPort, httpPort, httpsPort, httpPort), "json")

	resp, body := post(t, tc, "/api/login", "application/json", `{"user":"admin","password":{"$ne":null}}`)
	if resp.StatusCode != http.StatusOK || body != "passed" {
		t.Fatalf("detect mode: status %d, body %q; want 200 and passed", resp.StatusCode, body)
	}
	if got := resp.Header.Get("X-Fieldwall-Action"); got != "log" {
		t.Errorf("fieldwall.action variable = %q, want log", got)
	}
	if got := resp.Header.Get("X-Fieldwall-Rules"); got != "nosqli-operator-key" {
		t.Errorf("fieldwall.rule_ids variable = %q, want nosqli-operator-key", got)
	}

	resp, _ = post(t, tc, "/api/users", "application/json", `{"name":"Alice"}`)
	if got := resp.Header.Get("X-Fieldwall-Action"); got != "allow" {
		t.Errorf("benign: fieldwall.action variable = %q, want allow", got)
	}
}

func TestCaddyfileNeedsNoOrderOption(t *testing.T) {
	// Without a global "order" option the directive must land after
	// request_body and before reverse_proxy, whatever order the site block
	// lists them in.
	input := `:8080 {
	reverse_proxy 127.0.0.1:9000
	fieldwall {
		mode detect
	}
	request_body {
		max_size 1MB
	}
}`
	adapted, _, err := caddyfileAdapter().Adapt([]byte(input), nil)
	if err != nil {
		t.Fatalf("adapt: %v", err)
	}
	handlers := regexp.MustCompile(`"handler":"([a-z_]+)"`).FindAllStringSubmatch(string(adapted), -1)
	var order []string
	for _, h := range handlers {
		order = append(order, h[1])
	}
	want := []string{"request_body", "fieldwall", "reverse_proxy"}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("handler order = %v, want %v\nadapted: %s", order, want, adapted)
	}
	if !bytes.Contains(adapted, []byte(`"mode":"detect"`)) {
		t.Errorf("adapted config lacks the mode: %s", adapted)
	}
}

func TestCaddyfileSubdirectives(t *testing.T) {
	d := caddyfile.NewTestDispenser(`fieldwall {
		mode detect
		paranoia 2
		threshold 10
		max_body_bytes 1048576
		max_depth 32
		max_fields 5000
		max_key_bytes 256
		max_value_bytes 65536
		max_parts 50
		max_number_bytes 500
		fail_open
		oversized_body inspect-prefix
		block_status 406
		disable_rules sqli-libinjection xss-libinjection
		disable_rules limit-body
		headers User-Agent Referer
		rule_file /etc/fieldwall/extra.rules
		exclude {
			path /api/notes*
			field body:note
			rules sqli-union-select
			classes sqli xss
		}
		graphql {
			endpoints /api/gql /graphql
			max_depth 12
			allow_introspection
			allow_federation false
		}
	}`)
	var h fieldwall.Handler
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatalf("UnmarshalCaddyfile: %v", err)
	}
	got, _ := json.Marshal(h)
	want := `{"mode":"detect","paranoia":2,"threshold":10,` +
		`"limits":{"max_body_bytes":1048576,"max_depth":32,"max_fields":5000,"max_key_bytes":256,"max_value_bytes":65536,"max_number_bytes":500,"max_parts":50},` +
		`"oversized_body":"inspect-prefix","block_status":406,` +
		`"disabled_rules":["sqli-libinjection","xss-libinjection","limit-body"],` +
		`"exclusions":[{"path":"/api/notes*","field":"body:note","rules":["sqli-union-select"],"classes":["sqli","xss"]}],` +
		`"headers":["User-Agent","Referer"],"rule_files":["/etc/fieldwall/extra.rules"],"fail_open":true,` +
		`"graphql":{"endpoints":["/api/gql","/graphql"],"max_depth":12,"allow_introspection":true}}`
	if string(got) != want {
		t.Errorf("handler JSON =\n%s\nwant\n%s", got, want)
	}
	if err := h.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestCaddyfileErrors(t *testing.T) {
	cases := []struct {
		name, input, want string
	}{
		{"inline argument", `fieldwall detect`, "wrong argument count"},
		{"unknown subdirective", "fieldwall {\n\tparanoya 2\n}", `unrecognized fieldwall subdirective "paranoya"`},
		{"missing value", "fieldwall {\n\tparanoia\n}", "wrong argument count"},
		{"not a number", "fieldwall {\n\tmax_body_bytes 1MB\n}", `invalid max_body_bytes "1MB"`},
		{"empty exclusion", "fieldwall {\n\texclude {\n\t}\n}", "empty exclude block"},
		{"unknown exclusion key", "fieldwall {\n\texclude {\n\t\tpaths /x\n\t}\n}", `unrecognized exclude subdirective "paths"`},
		{"unknown graphql key", "fieldwall {\n\tgraphql {\n\t\tmax_dept 3\n\t}\n}", `unrecognized graphql subdirective "max_dept"`},
		{"graphql switch value", "fieldwall {\n\tgraphql {\n\t\tallow_introspection yes\n\t}\n}", `invalid allow_introspection "yes"`},
		{"graphql number", "fieldwall {\n\tgraphql {\n\t\tmax_depth deep\n\t}\n}", `invalid max_depth "deep"`},
	}
	ran := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ran++
			var h fieldwall.Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(c.input))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
	if ran != len(cases) {
		t.Fatalf("ran %d cases, want %d", ran, len(cases))
	}
}

func TestHandlerValidate(t *testing.T) {
	cases := []struct {
		name    string
		handler fieldwall.Handler
		want    string
	}{
		{"mode", fieldwall.Handler{Mode: "monitor"}, `invalid mode "monitor"`},
		{"oversized body", fieldwall.Handler{OversizedBody: "truncate"}, `invalid oversized_body "truncate"`},
		{"block status", fieldwall.Handler{BlockStatus: 302}, "invalid block_status 302"},
		{"paranoia", fieldwall.Handler{Paranoia: 5}, "invalid paranoia 5"},
		{"threshold", fieldwall.Handler{Threshold: -1}, "invalid threshold -1"},
	}
	ran := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ran++
			err := c.handler.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, c.want)
			}
		})
	}
	if ran != len(cases) {
		t.Fatalf("ran %d cases, want %d", ran, len(cases))
	}
	var empty fieldwall.Handler
	if err := empty.Validate(); err != nil {
		t.Errorf("empty handler: Validate() = %v, want nil", err)
	}
}
