package graphql

import (
	"net/http"
	"testing"

	"github.com/fieldwall/fieldwall/parsers"
)

var fuzzLimits = parsers.Limits{MaxDepth: 32, MaxFields: 5000, MaxKeyBytes: 256, MaxValueBytes: 1 << 16}

// FuzzParse feeds whole GraphQL requests, on and off an endpoint, through
// every carrier. Beyond not panicking, a request that is not GraphQL must
// leave the document empty, and parsing must be deterministic.
func FuzzParse(f *testing.F) {
	f.Add("POST", "/graphql", "application/json", []byte(`{"query":"query Q($id: ID!) { user(id: $id) { name } }","variables":{"id":"1"}}`))
	f.Add("POST", "/graphql", "application/json", []byte(`[{"query":"{ a }"},{"query":"{ b }"}]`))
	f.Add("GET", "/graphql?query=%7B__schema%7Btypes%7Bname%7D%7D%7D", "", []byte(nil))
	f.Add("POST", "/graphql", "application/graphql", []byte("fragment A on T { ...B } fragment B on T { ...A } { ...A }"))
	f.Add("POST", "/api", "text/plain", []byte(`{"query":"mutation { login(u: \"a\", p: \"b\") { t } }"}`))
	f.Add("POST", "/graphql", "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\"{ a }\"}\r\n--x--\r\n"))
	f.Add("POST", "/graphql", "application/json", []byte(`{"query":"{ a(s: \"\\ud800\") }"}`))
	in := NewInspector(Options{})
	f.Fuzz(func(t *testing.T, method, target, contentType string, body []byte) {
		req := Request{Method: method, Target: target, Header: http.Header{"Content-Type": {contentType}}, Body: body}
		var doc parsers.Document
		doc.Reset(fuzzLimits)
		isGraphQL := in.Parse(&doc, &req)
		if !isGraphQL && (len(doc.Fields) > 0 || len(doc.Anomalies) > 0) {
			t.Fatalf("a request that is not GraphQL added %d fields and %d anomalies", len(doc.Fields), len(doc.Anomalies))
		}
		if len(doc.Fields) > fuzzLimits.MaxFields+1 {
			t.Fatalf("%d fields, limit %d", len(doc.Fields), fuzzLimits.MaxFields)
		}
		var again parsers.Document
		again.Reset(fuzzLimits)
		if in.Parse(&again, &req) != isGraphQL || len(again.Fields) != len(doc.Fields) || len(again.Anomalies) != len(doc.Anomalies) {
			t.Fatal("parsing is not deterministic")
		}
	})
}
