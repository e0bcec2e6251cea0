package graphql_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/fieldwall/fieldwall/graphql"
	"github.com/fieldwall/fieldwall/parsers"
)

// testLimits are the engine's default document limits, so that the tests
// run with the depth and value bounds of production.
var testLimits = parsers.Limits{MaxDepth: 64, MaxFields: 100_000, MaxKeyBytes: 1 << 10, MaxValueBytes: 1 << 20, MaxParts: 1000}

// parse runs graphql.Parse on a fresh document.
func parse(t testing.TB, req graphql.Request, opts graphql.Options) (*parsers.Document, bool) {
	t.Helper()
	doc := &parsers.Document{}
	doc.Reset(testLimits)
	ok := graphql.Parse(doc, req, opts)
	return doc, ok
}

// postJSON returns a POST request with a JSON body.
func postJSON(target, body string) graphql.Request {
	return graphql.Request{
		Method: http.MethodPost,
		Target: target,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(body),
	}
}

// post returns a POST request with the given content type.
func post(target, contentType, body string) graphql.Request {
	req := postJSON(target, body)
	req.Header = http.Header{}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// get returns a GET request without a body.
func get(target string) graphql.Request {
	return graphql.Request{Method: http.MethodGet, Target: target, Header: http.Header{}}
}

// queryBody returns a JSON body with query as its query member.
func queryBody(query string) string {
	// A map of strings always marshals.
	body, _ := json.Marshal(map[string]string{"query": query})
	return string(body)
}

// anomalyCodes returns the codes of the document's anomalies.
func anomalyCodes(doc *parsers.Document) []parsers.AnomalyCode {
	codes := make([]parsers.AnomalyCode, 0, len(doc.Anomalies))
	for _, a := range doc.Anomalies {
		codes = append(codes, a.Code)
	}
	return codes
}

// fieldView is a field as the tests compare it: location, path as printed,
// kind and value.
type fieldView struct {
	Location string
	Path     string
	Kind     string
	Value    string
}

func fieldViews(doc *parsers.Document) []fieldView {
	views := make([]fieldView, 0, len(doc.Fields))
	for _, f := range doc.Fields {
		views = append(views, fieldView{f.Location.String(), f.Path.String(), f.Kind.String(), f.Value})
	}
	return views
}

// hasValue reports whether any field of the document has the value.
func hasValue(doc *parsers.Document, value string) bool {
	for _, f := range doc.Fields {
		if f.Value == value {
			return true
		}
	}
	return false
}
