// Package hostile builds requests designed to exhaust a request inspector:
// the shared input set of the hostile-input tests in engine and the
// benchmarks in bench.
package hostile

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/fieldwall/fieldwall/engine"
)

// Case is a request built to hurt the inspector, with the rule that must
// report it. Rule is "" for a request that must pass.
type Case struct {
	Name string
	// Request builds the request. Several are megabytes long, so they are
	// built on demand.
	Request func() *engine.Request
	Rule    string
}

func postBody(contentType, body string) *engine.Request {
	return &engine.Request{Method: http.MethodPost, Target: "/api/x", Header: http.Header{"Content-Type": {contentType}}, Body: []byte(body)}
}

// Cases returns the hostile inputs: deep nesting, huge strings and numbers,
// field, key, part and parameter floods, broken encodings and bodies far
// over the size limit.
func Cases() []Case {
	return []Case{
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
