package engine_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fieldwall/fieldwall/engine"
)

func FuzzInspect(f *testing.F) {
	f.Add("POST", "/api/login", "application/json", "", `{"user":"a","pass":{"$ne":null}}`)
	f.Add("GET", "/api/users?name[$regex]=^a", "", "session=1", "")
	f.Add("POST", "/upload", "multipart/form-data; boundary=x", "", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--")
	f.Add("PUT", "/x/..%2f..%2fetc", "text/plain", "a=b", "{\"q\":\"1' OR '1'='1\"}")
	e, err := engine.New(engine.Config{Limits: engine.Limits{MaxBodyBytes: 1 << 16, MaxFields: 5000}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, target, contentType, cookie, body string) {
		req := &engine.Request{Method: method, Target: target, Header: http.Header{}, Body: []byte(body)}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Cookie", cookie)
		v := e.Inspect(req)
		first, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("verdict does not marshal: %v", err)
		}
		again, _ := json.Marshal(e.Inspect(req))
		if string(first) != string(again) {
			t.Fatalf("verdict is not deterministic:\n%s\n%s", first, again)
		}
		for _, finding := range v.Findings {
			if len(finding.Evidence) > engine.MaxEvidenceBytes {
				t.Fatalf("evidence of %d bytes", len(finding.Evidence))
			}
			if finding.RuleID == "" || finding.Class == "" || finding.Location == "" {
				t.Fatalf("incomplete finding %+v", finding)
			}
			if strings.ContainsAny(finding.Evidence, "\n\r") {
				t.Fatalf("evidence spans lines: %q", finding.Evidence)
			}
		}
		if v.Blocked() != (len(v.Findings) > 0 && v.Action == engine.ActionBlock) {
			t.Fatalf("action %s with %d findings", v.Action, len(v.Findings))
		}
	})
}
