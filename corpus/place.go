package corpus

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/parsers"
)

// The placements of payload records.
const (
	PlacementJSONValue       = "json-value"
	PlacementQueryParam      = "query-param"
	PlacementGraphQLQuery    = "graphql-query"
	PlacementGraphQLVariable = "graphql-variable"
	PlacementRaw             = "raw"
	PlacementJSONKey         = "json-key"
)

// benignGraphQLQuery carries a variables payload. The operation is ordinary so
// that the verdict depends on the variables alone.
const benignGraphQLQuery = "query Products($first: Int) { products(first: $first) { edges { node { id title } } } }"

// Place returns the request for a record: a request record as written, and a
// payload record placed as its placement field directs:
//
//   - json-value: the value of "q" in a JSON object POSTed to /api/search;
//   - query-param: percent-decoded once ('+' as space), then placed as a
//     json-value, because the source lists are URL-encoded text;
//   - json-key: a key of a JSON object;
//   - graphql-query: the "query" member of a GraphQL POST to /graphql;
//   - graphql-variable: the "variables" member of a GraphQL POST;
//   - raw: the body as-is, POSTed as JSON when it starts with '{' or '[' and
//     as a form otherwise.
func Place(rec *Record) (engine.Request, error) {
	if rec.Request != nil {
		return rec.Request.ToEngineRequest(), nil
	}
	payload := *rec.Payload
	switch rec.Placement {
	case PlacementJSONValue, "":
		return jsonPost("/api/search", map[string]any{"q": payload}), nil
	case PlacementQueryParam:
		decoded, _ := parsers.UnescapeQuery(payload)
		return jsonPost("/api/search", map[string]any{"q": decoded}), nil
	case PlacementJSONKey:
		return jsonPost("/api/search", map[string]any{payload: "1"}), nil
	case PlacementGraphQLQuery:
		return jsonPost("/graphql", map[string]any{"query": payload}), nil
	case PlacementGraphQLVariable:
		return rawPost("/graphql", "application/json",
			`{"query":`+mustMarshal(benignGraphQLQuery)+`,"variables":`+payload+`}`), nil
	case PlacementRaw:
		trimmed := strings.TrimSpace(payload)
		if strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[") {
			return rawPost("/api/login", "application/json", payload), nil
		}
		return rawPost("/api/login", "application/x-www-form-urlencoded", payload), nil
	}
	return engine.Request{}, fmt.Errorf("unknown placement %q", rec.Placement)
}

func jsonPost(path string, body map[string]any) engine.Request {
	return rawPost(path, "application/json", mustMarshal(body))
}

func rawPost(path, contentType, body string) engine.Request {
	header := http.Header{}
	header.Set("Content-Type", contentType)
	return engine.Request{Method: http.MethodPost, Target: path, Header: header, Body: []byte(body)}
}

func mustMarshal(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	// Strings and maps of strings always encode.
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}
