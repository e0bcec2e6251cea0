package engine_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/engine"
)

// HostileCase is a request built to hurt the inspector, with the rule that
// must report it.
type hostileCase struct {
	name string
	req  func() *engine.Request
	rule string
}

func postBody(contentType, body string) *engine.Request {
	return &engine.Request{Method: http.MethodPost, Target: "/api/x", Header: http.Header{"Content-Type": {contentType}}, Body: []byte(body)}
}

// hostileCases returns the hostile inputs. They are built on demand because
// several are megabytes long.
func hostileCases() []hostileCase {
	return []hostileCase{
		{"json nested a million deep", func() *engine.Request {
			return postBody("application/json", strings.Repeat("[", 1_000_000)+strings.Repeat("]", 1_000_000))
		}, "limit-depth"},
		{"json object nested a million deep", func() *engine.Request {
			return postBody("application/json", strings.Repeat(`{"a":`, 1_000_000)+"1"+strings.Repeat("}", 1_000_000))
		}, "limit-depth"},
		{"ten megabyte string", func() *engine.Request {
			return postBody("application/json", `{"a":"`+strings.Repeat("x", 10<<20)+`"}`)
		}, "limit-body"},
		{"one megabyte value over the value limit", func() *engine.Request {
			return postBody("application/json", `{"a":"`+strings.Repeat("x", 2<<20)+`"}`)
		}, "limit-value-length"},
		{"a million tiny fields", func() *engine.Request {
			return postBody("application/json", "["+strings.Repeat("1,", 1_000_000)+"1]")
		}, "limit-fields"},
		{"a hundred thousand duplicate keys", func() *engine.Request {
			return postBody("application/json", "{"+strings.Repeat(`"k":1,`, 100_000)+`"k":1}`)
		}, "parser-duplicate-key"},
		{"number with a million digits", func() *engine.Request {
			return postBody("application/json", `{"n":`+strings.Repeat("9", 1_000_000)+`}`)
		}, "limit-value-length"},
		{"invalid utf-8 everywhere", func() *engine.Request {
			return postBody("application/json", `{"a":"`+strings.Repeat("\xff\xfe", 50_000)+`"}`)
		}, "parser-invalid-utf8"},
		{"utf-16 without a byte-order mark", func() *engine.Request {
			var b strings.Builder
			for _, c := range `{"q":"1' OR '1'='1"}` {
				b.WriteByte(byte(c))
				b.WriteByte(0)
			}
			return postBody("application/json", b.String())
		}, "sqli-libinjection"},
		{"byte-order mark before json", func() *engine.Request {
			return postBody("application/json", "\ufeff{\"a\":1}")
		}, "parser-byte-order-mark"},
		{"nul bytes", func() *engine.Request {
			return postBody("application/json", "{\"a\":\"x\x00y\"}")
		}, "parser-nul-byte"},
		{"body far over the size limit", func() *engine.Request {
			return postBody("application/json", `{"a":"`+strings.Repeat("y", 20<<20)+`"}`)
		}, "limit-body"},
		{"multipart with a hundred thousand parts", func() *engine.Request {
			part := "--b\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nv\r\n"
			return postBody("multipart/form-data; boundary=b", strings.Repeat(part, 100_000)+"--b--\r\n")
		}, "parser-malformed-multipart"},
		{"multipart without a closing boundary", func() *engine.Request {
			return postBody("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\n"+strings.Repeat("v", 100_000))
		}, "parser-malformed-multipart"},
		{"query with a hundred thousand parameters", func() *engine.Request {
			return &engine.Request{Method: http.MethodGet, Target: "/x?" + strings.Repeat("a=1&", 100_000), Header: http.Header{}}
		}, "limit-fields"},
		{"query with thousand-deep brackets", func() *engine.Request {
			return &engine.Request{Method: http.MethodGet, Target: "/x?a" + strings.Repeat("[b]", 1000) + "=1", Header: http.Header{}}
		}, "limit-depth"},
		{"form with a hundred thousand parameters", func() *engine.Request {
			return postBody("application/x-www-form-urlencoded", strings.Repeat("a[]=1&", 100_000))
		}, "limit-fields"},
		{"header flood", func() *engine.Request {
			h := http.Header{}
			for i := 0; i < 10_000; i++ {
				h.Add("Cookie", fmt.Sprintf("c%d=%d", i, i))
				h.Add("X-Forwarded-For", "203.0.113.7")
			}
			return &engine.Request{Method: http.MethodGet, Target: "/", Header: h}
		}, ""},
		{"cookie with a hundred thousand pairs", func() *engine.Request {
			return &engine.Request{Method: http.MethodGet, Target: "/", Header: http.Header{"Cookie": {strings.Repeat("a=1; ", 100_000)}}}
		}, "limit-fields"},
	}
}

func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile inputs allocate hundreds of megabytes in total; run without -short")
	}
	e := newEngine(t, engine.Config{})
	cases := hostileCases()
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := e.Inspect(tc.req())
			if tc.rule == "" {
				// A flood of ordinary headers is no attack: it must finish and
				// allow.
				assert.Equal(t, engine.ActionAllow, v.Action, "rules %v", v.RuleIDs())
				return
			}
			assert.Contains(t, v.RuleIDs(), tc.rule)
			if strings.HasPrefix(tc.rule, "limit-") || strings.HasPrefix(tc.rule, "parser-") && tc.rule != "parser-byte-order-mark" {
				assert.Equal(t, engine.ActionBlock, v.Action, "a limit or parser finding blocks by default")
			}
			assert.LessOrEqual(t, len(v.Findings), 200, "findings stay bounded")
		})
	}
}
