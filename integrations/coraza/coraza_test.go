package coraza_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	corazawaf "github.com/corazawaf/coraza/v3"
	corazahttp "github.com/corazawaf/coraza/v3/http"

	"github.com/fieldwall/fieldwall/engine"
	fieldwall "github.com/fieldwall/fieldwall/integrations/coraza"
)

// newWAF returns a Coraza WAF with the given directives and blocking on.
func newWAF(t testing.TB, directives string) corazawaf.WAF {
	t.Helper()
	waf, err := corazawaf.NewWAF(corazawaf.NewWAFConfig().
		WithRootFS(coreruleset.FS).
		WithDirectives(directives))
	if err != nil {
		t.Fatalf("coraza.NewWAF: %v\ndirectives:\n%s", err, directives)
	}
	return waf
}

// result is what one Coraza transaction did with a request.
type result struct {
	status  int               // status of the interruption, 0 when not interrupted
	matched map[string]string // rule id -> the first "key=value" it matched
	message map[string]string // rule id -> its expanded msg
	args    []string          // "key=value" of every ARGS_POST entry that rule 100 saw
}

// run feeds req to a new transaction the way a connector does: connection,
// URI, headers (with Host, User-Agent and Accept as a browser sends them),
// body, and the two request phases.
func run(t testing.TB, waf corazawaf.WAF, req engine.Request) result {
	t.Helper()
	tx := waf.NewTransaction()
	defer tx.Close()

	tx.ProcessConnection("127.0.0.1", 50000, "127.0.0.1", 8080)
	tx.ProcessURI(req.Target, req.Method, "HTTP/1.1")
	tx.AddRequestHeader("Host", "api.example.com")
	tx.AddRequestHeader("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) fieldwall-test")
	tx.AddRequestHeader("Accept", "application/json")
	for name, values := range req.Header {
		for _, v := range values {
			tx.AddRequestHeader(name, v)
		}
	}
	if len(req.Body) > 0 {
		tx.AddRequestHeader("Content-Length", strconv.Itoa(len(req.Body)))
	}

	it := tx.ProcessRequestHeaders()
	if it == nil && len(req.Body) > 0 {
		var err error
		if it, _, err = tx.WriteRequestBody(req.Body); err != nil {
			t.Fatalf("WriteRequestBody: %v", err)
		}
	}
	if it == nil {
		var err error
		if it, err = tx.ProcessRequestBody(); err != nil {
			t.Fatalf("ProcessRequestBody: %v", err)
		}
	}

	r := result{matched: map[string]string{}, message: map[string]string{}}
	if it != nil {
		r.status = it.Status
	}
	for _, m := range tx.MatchedRules() {
		id := strconv.Itoa(m.Rule().ID())
		r.message[id] = m.Message()
		for _, d := range m.MatchedDatas() {
			kv := d.Key() + "=" + d.Value()
			if id == "100" {
				r.args = append(r.args, kv)
			}
			if _, ok := r.matched[id]; !ok {
				r.matched[id] = kv
			}
		}
	}
	return r
}

func jsonRequest(target, body string) engine.Request {
	return engine.Request{
		Method: http.MethodPost,
		Target: target,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(body),
	}
}

// bodyProcessorRules selects the fieldwall body processor for JSON and logs
// every ARGS_POST entry in rule 100.
const bodyProcessorRules = `
SecRuleEngine On
SecRequestBodyAccess On
SecRule REQUEST_HEADERS:Content-Type "@rx ^application/json" "id:1,phase:1,pass,nolog,t:none,t:lowercase,ctl:requestBodyProcessor=FIELDWALL"
SecRule REQBODY_ERROR "!@eq 0" "id:2,phase:2,deny,status:400,log,msg:'%{REQBODY_ERROR_MSG}'"
SecRule ARGS_POST "@unconditionalMatch" "id:100,phase:2,pass,log"
`

func TestBodyProcessorFillsArgsWithTypedPaths(t *testing.T) {
	waf := newWAF(t, bodyProcessorRules)
	body := `{"user":{"name":"Alice","tags":["a","b"]},"a.b":1,"a":{"b":2},"empty":{},"dup":"x","dup":"y","n":null,"esc\u0041pe":"\u0041"}`
	r := run(t, waf, jsonRequest("/api/users", body))
	if r.status != 0 {
		t.Fatalf("interrupted with status %d: %v", r.status, r.matched)
	}
	want := []string{
		`body:user=`,
		`body:user.name=Alice`,
		`body:user.tags=`,
		`body:user.tags[0]=a`,
		`body:user.tags[1]=b`,
		`body:["a.b"]=1`,
		`body:a=`,
		`body:a.b=2`,
		`body:empty=`,
		`body:dup=x`,
		`body:dup=y`,
		`body:n=null`,
		`body:escApe=A`,
	}
	got := append([]string(nil), r.args...)
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ARGS_POST =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBodyProcessorArgumentNamesMatchRules(t *testing.T) {
	waf := newWAF(t, bodyProcessorRules+`
SecRule ARGS_NAMES "@streq body:[\"a.b\"]" "id:10,phase:2,pass,log"
SecRule ARGS:body:a.b "@streq 2" "id:11,phase:2,pass,log"
SecRule ARGS_POST_NAMES "@rx \$ne" "id:12,phase:2,pass,log"
`)
	r := run(t, waf, jsonRequest("/api/users", `{"a.b":1,"a":{"b":2},"password":{"$ne":null}}`))
	for _, id := range []string{"10", "11", "12"} {
		if _, ok := r.matched[id]; !ok {
			t.Errorf("rule %s did not match; matched: %v", id, r.matched)
		}
	}
	if got := r.matched["12"]; got != `body:password["$ne"]=body:password["$ne"]` {
		t.Errorf("rule 12 matched %q", got)
	}
}

func TestBodyProcessorMalformedJSONSetsRequestBodyError(t *testing.T) {
	waf := newWAF(t, bodyProcessorRules)
	r := run(t, waf, jsonRequest("/api/users", `{"user": "alice", "role": `))
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400 from the REQBODY_ERROR rule; matched %v", r.status, r.matched)
	}
	if !strings.Contains(r.message["2"], "malformed-json") {
		t.Errorf("REQBODY_ERROR_MSG does not name the anomaly: %q", r.message["2"])
	}
}

func TestBodyProcessorArgumentLimit(t *testing.T) {
	waf := newWAF(t, "SecArgumentsLimit 3\n"+bodyProcessorRules+`
SecRule ARGUMENTS_LIMIT_REACHED "@eq 1" "id:20,phase:2,pass,log"
`)
	r := run(t, waf, jsonRequest("/api/users", `{"a":1,"b":2,"c":3,"d":4,"e":5}`))
	if len(r.args) != 3 {
		t.Errorf("ARGS_POST has %d entries, want the limit of 3: %v", len(r.args), r.args)
	}
	if _, ok := r.matched["20"]; !ok {
		t.Errorf("ARGUMENTS_LIMIT_EXCEEDED was not set; matched %v", r.matched)
	}
}

const operatorRules = `
SecRuleEngine On
SecRequestBodyAccess On
SecRule REQUEST_METHOD "@fieldwall" "id:30,phase:2,pass,log"
SecRule TX:fieldwall_rule_ids "@unconditionalMatch" "id:32,phase:2,pass,log"
SecRule TX:fieldwall_action "@unconditionalMatch" "id:33,phase:2,pass,log"
SecRule TX:fieldwall_score_nosqli "@unconditionalMatch" "id:34,phase:2,pass,log"
SecRule TX:fieldwall_score "@ge 5" "id:31,phase:2,deny,status:403,log"
`

func TestOperatorStoresVerdictInTX(t *testing.T) {
	waf := newWAF(t, operatorRules)

	r := run(t, waf, jsonRequest("/api/login", `{"user":"admin","password":{"$ne":null}}`))
	if r.status != http.StatusForbidden {
		t.Fatalf("attack: status %d, want 403; matched %v", r.status, r.matched)
	}
	for id, want := range map[string]string{
		"32": "fieldwall_rule_ids=nosqli-operator-key",
		"33": "fieldwall_action=block",
		"34": "fieldwall_score_nosqli=5",
	} {
		if r.matched[id] != want {
			t.Errorf("rule %s matched %q, want %q", id, r.matched[id], want)
		}
	}

	r = run(t, waf, jsonRequest("/api/users", `{"name":"Alice"}`))
	if r.status != 0 {
		t.Fatalf("benign: status %d, want no interruption; matched %v", r.status, r.matched)
	}
	if _, ok := r.matched["30"]; ok {
		t.Errorf("@fieldwall matched a request without findings")
	}
	if r.matched["33"] != "fieldwall_action=allow" {
		t.Errorf("benign: rule 33 matched %q, want fieldwall_action=allow", r.matched["33"])
	}
}

func TestOperatorInspectsQueryAndHeaders(t *testing.T) {
	waf := newWAF(t, operatorRules)
	r := run(t, waf, engine.Request{Method: http.MethodGet, Target: "/api/users?name[$ne]=x", Header: http.Header{}})
	if r.status != http.StatusForbidden {
		t.Errorf("operator in the query: status %d, want 403; matched %v", r.status, r.matched)
	}
	r = run(t, waf, engine.Request{Method: http.MethodGet, Target: "/", Header: http.Header{"X-Api-Version": {"${jndi:ldap://127.0.0.1/a}"}}})
	if r.status != http.StatusForbidden {
		t.Errorf("JNDI lookup in a header: status %d, want 403; matched %v", r.status, r.matched)
	}
}

func TestOperatorConfigFile(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "engine.json")
	if err := os.WriteFile(config, []byte(`{"disabled_rules": ["nosqli-operator-key"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// An absolute path is read from the root file system, which is the CRS
	// file system here; the OS file system is the default.
	waf, err := corazawaf.NewWAF(corazawaf.NewWAFConfig().WithDirectives(strings.Replace(operatorRules,
		`"@fieldwall"`, `"@fieldwall `+config+`"`, 1)))
	if err != nil {
		t.Fatalf("NewWAF: %v", err)
	}
	r := run(t, waf, jsonRequest("/api/login", `{"user":"admin","password":{"$ne":null}}`))
	if r.status != 0 {
		t.Errorf("status %d with nosqli-operator-key disabled, want no interruption; matched %v", r.status, r.matched)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"paranoya": 2}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = corazawaf.NewWAF(corazawaf.NewWAFConfig().WithDirectives(`SecRule REQUEST_METHOD "@fieldwall ` + bad + `" "id:1,phase:2,pass"`))
	if err == nil || !strings.Contains(err.Error(), "paranoya") {
		t.Errorf("NewWAF with an unknown config key: error %v, want one naming paranoya", err)
	}
	_, err = corazawaf.NewWAF(corazawaf.NewWAFConfig().WithDirectives(`SecRule REQUEST_METHOD "@fieldwall ` + filepath.Join(dir, "absent.json") + `" "id:1,phase:2,pass"`))
	if err == nil || !strings.Contains(err.Error(), "absent.json") {
		t.Errorf("NewWAF with a missing config: error %v, want one naming the file", err)
	}
}

func TestSetEngineChangesDefaultEngine(t *testing.T) {
	e, err := engine.New(engine.Config{DisabledRules: []string{"nosqli-operator-key"}})
	if err != nil {
		t.Fatal(err)
	}
	fieldwall.SetEngine(e)
	defer func() {
		def, err := engine.New(engine.Config{})
		if err != nil {
			t.Fatal(err)
		}
		fieldwall.SetEngine(def)
	}()
	waf := newWAF(t, operatorRules)
	r := run(t, waf, jsonRequest("/api/login", `{"password":{"$ne":null}}`))
	if r.status != 0 {
		t.Errorf("status %d after SetEngine disabled the rule, want no interruption", r.status)
	}
}

func TestResponseBodyProcessorRejected(t *testing.T) {
	// Coraza v3.8.1 records a failed response body processor in its debug
	// log; RES_BODY_ERROR does not reach SecRule there, so the test reads
	// the log.
	debugLog := filepath.Join(t.TempDir(), "debug.log")
	waf := newWAF(t, `
SecRuleEngine On
SecResponseBodyAccess On
SecResponseBodyMimeType application/json
SecDebugLogLevel 1
SecDebugLog `+debugLog+`
SecRule RESPONSE_HEADERS:Content-Type "@rx json" "id:1,phase:3,pass,nolog,ctl:responseBodyProcessor=FIELDWALL"
`)
	tx := waf.NewTransaction()
	defer tx.Close()
	tx.ProcessURI("/", http.MethodGet, "HTTP/1.1")
	tx.ProcessRequestHeaders()
	if _, err := tx.ProcessRequestBody(); err != nil {
		t.Fatal(err)
	}
	tx.AddResponseHeader("Content-Type", "application/json")
	tx.ProcessResponseHeaders(200, "HTTP/1.1")
	if _, _, err := tx.WriteResponseBody([]byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ProcessResponseBody(); err != nil {
		t.Fatal(err)
	}
	logText, err := os.ReadFile(debugLog)
	if err != nil {
		t.Fatalf("read the debug log: %v", err)
	}
	if !strings.Contains(string(logText), "reads request bodies only") {
		t.Errorf("debug log lacks the fieldwall processor's error:\n%s", logText)
	}
}

// crsDirectives returns the CRS at paranoia level 1 with blocking on, and
// extra directives between the CRS setup and the CRS rules.
func crsDirectives(extra string) string {
	return "Include @coraza.conf-recommended\n" +
		"SecRuleEngine On\n" +
		"Include @crs-setup.conf.example\n" +
		extra + "\n" +
		"Include @owasp_crs/*.conf\n"
}

func TestCRSWithFieldwallOverHTTP(t *testing.T) {
	waf := newWAF(t, crsDirectives(fieldwall.Directives))
	var (
		mu             sync.Mutex
		upstreamBodies []string
	)
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		upstreamBodies = append(upstreamBodies, string(body))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	server := httptest.NewServer(corazahttp.WrapHandler(waf, app))
	defer server.Close()

	send := func(body string) int {
		req, err := http.NewRequest(http.MethodPost, server.URL+"/api/login", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Mozilla/5.0 fieldwall-test")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	benign := `{"user":"alice","remember":true}`
	if got := send(benign); got != http.StatusOK {
		t.Errorf("benign: status %d, want 200", got)
	}
	if got := send(`{"user":"admin","password":{"$comment":"x"}}`); got != http.StatusForbidden {
		t.Errorf("operator key: status %d, want 403", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(upstreamBodies) != 1 || upstreamBodies[0] != benign {
		t.Errorf("application received %q, want only the benign body", upstreamBodies)
	}
}
