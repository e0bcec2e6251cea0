package graphql_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/graphql"
	"github.com/fieldwall/fieldwall/parsers"
)

// multipartBody builds a GraphQL multipart request body with the boundary
// "XB" from its parts, each a name, a file name (or "") and the content.
func multipartBody(parts ...[3]string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--XB\r\nContent-Disposition: form-data; name=\"" + p[0] + "\"")
		if p[1] != "" {
			b.WriteString("; filename=\"" + p[1] + "\"\r\nContent-Type: text/plain")
		}
		b.WriteString("\r\n\r\n" + p[2] + "\r\n")
	}
	b.WriteString("--XB--\r\n")
	return b.String()
}

func TestParseCarriers(t *testing.T) {
	const searchQuery = `query Search($q: String) { search(q: "needle") { id } }`
	cases := []struct {
		name string
		req  graphql.Request
		// want is whether the request is recognised as GraphQL.
		want bool
		// fields must all be present; absent must not be field values.
		fields []fieldView
		absent []string
	}{
		{
			name: "post json on endpoint",
			req:  postJSON("/graphql", `{"query": "query Search { search(q: \"needle\") { id } }", "operationName": "Search", "variables": {"limit": "5"}}`),
			want: true,
			fields: []fieldView{
				{"path", "", "string", "/graphql"},
				{"body", "query", "key", "query"},
				{"graphql-argument", "query-Search.search.q", "string", "needle"},
				{"body", "operationName", "string", "Search"},
				{"graphql-variable", "limit", "string", "5"},
			},
			absent: []string{`query Search { search(q: "needle") { id } }`},
		},
		{
			name:   "post json graphql shape on another path",
			req:    postJSON("/api/v2/data", queryBody(searchQuery)),
			want:   true,
			fields: []fieldView{{"graphql-argument", "query-Search.search.q", "string", "needle"}},
			absent: []string{searchQuery},
		},
		{
			name: "post json query that does not parse on another path",
			req:  postJSON("/api/search", `{"query": "red shoes"}`),
			want: false,
		},
		{
			name: "post json without query on another path",
			req:  postJSON("/api/search", `{"q": "{ a }"}`),
			want: false,
		},
		{
			name: "post json without graphql parameters on endpoint",
			req:  postJSON("/graphql", `{"name": "x"}`),
			want: false,
		},
		{
			name: "batch on endpoint",
			req:  postJSON("/gql", `[{"query": "{ a(s: \"one\") }"}, {"query": "query B { b(s: \"two\") }", "variables": {"v": "x"}}]`),
			want: true,
			fields: []fieldView{
				{"graphql-argument", "[0].query.a.s", "string", "one"},
				{"graphql-argument", "[1].query-B.b.s", "string", "two"},
				{"graphql-variable", "[1].v", "string", "x"},
				{"body", "[1].variables", "key", "variables"},
			},
		},
		{
			name:   "batch of graphql shape on another path",
			req:    postJSON("/rpc", `[{"query": "{ a(s: \"one\") }"}, {"query": "{ b }"}]`),
			want:   true,
			fields: []fieldView{{"graphql-argument", "[0].query.a.s", "string", "one"}},
		},
		{
			name: "batch with one non-graphql element on another path",
			req:  postJSON("/rpc", `[{"query": "{ a }"}, {"q": 1}]`),
			want: false,
		},
		{
			name: "get with query string",
			req:  get("/graphql?query=" + url.QueryEscape(searchQuery) + "&variables=" + url.QueryEscape(`{"q":"hay"}`) + "&operationName=Search&page=2"),
			want: true,
			fields: []fieldView{
				{"query", "page", "string", "2"},
				{"graphql-argument", "query-Search.search.q", "string", "needle"},
				{"graphql-variable", "q", "string", "hay"},
				{"query", "operationName", "string", "Search"},
			},
			absent: []string{searchQuery},
		},
		{
			name: "get on endpoint without graphql parameters",
			req:  get("/graphql?page=2"),
			want: false,
		},
		{
			name: "get with query string on another path",
			req:  get("/api/search?query=" + url.QueryEscape("{ a }")),
			want: false,
		},
		{
			name: "get on endpoint with trailing slash and absolute form",
			req:  get("http://127.0.0.1/v1/GraphQL/?query=" + url.QueryEscape(`{ a(s: "x") }`)),
			want: true,
			fields: []fieldView{
				{"graphql-argument", "query.a.s", "string", "x"},
			},
		},
		{
			name: "application/graphql body on endpoint",
			req:  post("/graphql?operationName=Search", "application/graphql", searchQuery),
			want: true,
			fields: []fieldView{
				{"graphql-argument", "query-Search.search.q", "string", "needle"},
				{"query", "operationName", "string", "Search"},
			},
			absent: []string{searchQuery},
		},
		{
			name:   "application/graphql body on another path",
			req:    post("/api/run", "application/graphql; charset=utf-8", `{ a(s: "x") }`),
			want:   true,
			fields: []fieldView{{"graphql-argument", "query.a.s", "string", "x"}},
		},
		{
			name: "form post on endpoint",
			req:  post("/graphql", "application/x-www-form-urlencoded", "query="+url.QueryEscape(searchQuery)+"&csrf=token"),
			want: true,
			fields: []fieldView{
				{"graphql-argument", "query-Search.search.q", "string", "needle"},
				{"body", "csrf", "string", "token"},
			},
			absent: []string{searchQuery},
		},
		{
			name: "form post on another path",
			req:  post("/login", "application/x-www-form-urlencoded", "query="+url.QueryEscape("{ a }")),
			want: false,
		},
		{
			name: "multipart request",
			req: post("/graphql", "multipart/form-data; boundary=XB", multipartBody(
				[3]string{"operations", "", `{"query": "mutation Upload($file: Upload!) { upload(file: $file, note: \"n1\") { id } }", "variables": {"file": null}}`},
				[3]string{"map", "", `{"0": ["variables.file"]}`},
				[3]string{"0", "../notes.txt", "file text"},
			)),
			want: true,
			fields: []fieldView{
				{"graphql-argument", "mutation-Upload.upload.note", "string", "n1"},
				{"graphql-variable", "file", "null", "null"},
				{"multipart", `map["0"][0]`, "string", "variables.file"},
				{"multipart", `["0"]["(filename)"]`, "string", "../notes.txt"},
				{"multipart", `["0"]`, "string", "file text"},
				{"multipart", "operations.variables", "key", "variables"},
			},
		},
		{
			name: "multipart without operations part",
			req:  post("/graphql", "multipart/form-data; boundary=XB", multipartBody([3]string{"a", "", "b"})),
			want: false,
		},
		{
			name: "automatic persisted query",
			req:  postJSON("/graphql", `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ecf4edb4"}}, "variables": {"id": "7"}}`),
			want: true,
			fields: []fieldView{
				{"body", "extensions.persistedQuery.sha256Hash", "string", "ecf4edb4"},
				{"graphql-variable", "id", "string", "7"},
			},
		},
		{
			name:   "persisted document id",
			req:    postJSON("/graphql", `{"documentId": "sha256:abc", "variables": {}}`),
			want:   true,
			fields: []fieldView{{"body", "documentId", "string", "sha256:abc"}},
		},
		{
			name: "persisted query over get",
			req:  get("/graphql?extensions=" + url.QueryEscape(`{"persistedQuery":{"version":1,"sha256Hash":"ecf4"}}`)),
			want: true,
			fields: []fieldView{
				{"query", "extensions.persistedQuery.sha256Hash", "string", "ecf4"},
			},
		},
		{
			name:   "put method",
			req:    graphql.Request{Method: http.MethodPut, Target: "/graphql", Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"query": "{ a(s: \"x\") }"}`)},
			want:   true,
			fields: []fieldView{{"graphql-argument", "query.a.s", "string", "x"}},
		},
		{
			name:   "json sent as text/plain",
			req:    post("/graphql", "text/plain", `{"query": "{ a(s: \"x\") }"}`),
			want:   true,
			fields: []fieldView{{"graphql-argument", "query.a.s", "string", "x"}},
		},
		{
			name: "variables as a json string",
			req:  postJSON("/graphql", `{"query": "{ a }", "variables": "{\"v\": \"x\"}"}`),
			want: true,
			fields: []fieldView{
				{"graphql-variable", "v", "string", "x"},
			},
		},
		{
			name: "other body members",
			req:  postJSON("/graphql", `{"query": "{ a }", "meta": {"trace": "t-1"}}`),
			want: true,
			fields: []fieldView{
				{"body", "meta", "key", "meta"},
				{"body", "meta.trace", "string", "t-1"},
			},
		},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			doc, ok := parse(t, tc.req, graphql.Options{})
			require.Equal(t, tc.want, ok)
			if !tc.want {
				assert.Empty(t, doc.Fields, "a request that is not GraphQL must add no fields")
				assert.Empty(t, doc.Anomalies, "a request that is not GraphQL must add no anomalies")
				return
			}
			views := fieldViews(doc)
			for _, want := range tc.fields {
				assert.Contains(t, views, want)
			}
			for _, value := range tc.absent {
				assert.False(t, hasValue(doc, value), "document text %q must not be a field", value)
			}
		})
	}
	assert.Positive(t, ran)
}

func TestParseFieldPaths(t *testing.T) {
	query := `query Search($q: String = "fallback") @trace(tag: "op") {
  search(q: "text", filter: {name: "n", tags: ["t1", "t2"], nested: {deep: X}}, order: DESC) @cached(key: "k") {
    id
    ...Rest
    ... on Item { label(lang: """block""") }
  }
}
fragment Rest on Result { owner(name: "o") { id } }`
	doc, ok := parse(t, postJSON("/graphql", queryBody(query)), graphql.Options{})
	require.True(t, ok)

	views := fieldViews(doc)
	for _, want := range []fieldView{
		{"graphql-variable", `query-Search["$q"]`, "string", "fallback"},
		{"graphql-argument", `query-Search["@trace"].tag`, "string", "op"},
		{"graphql-argument", "query-Search.search.q", "string", "text"},
		{"graphql-argument", "query-Search.search.filter.name", "key", "name"},
		{"graphql-argument", "query-Search.search.filter.name", "string", "n"},
		{"graphql-argument", "query-Search.search.filter.tags[1]", "string", "t2"},
		{"graphql-argument", "query-Search.search.filter.nested.deep", "string", "X"},
		{"graphql-argument", "query-Search.search.order", "string", "DESC"},
		{"graphql-argument", `query-Search.search["@cached"].key`, "string", "k"},
		{"graphql-argument", "query-Search.search.label.lang", "string", "block"},
		{"graphql-argument", "fragment-Rest.owner.name", "string", "o"},
	} {
		assert.Contains(t, views, want)
	}
	assert.Empty(t, doc.Anomalies)
}

func TestParseOperationName(t *testing.T) {
	cases := []struct {
		name    string
		opName  string
		invalid bool
	}{
		{"graphql name", `"Search_2"`, false},
		{"null", `null`, false},
		{"empty", `""`, false},
		{"injection", `"x' OR 1=1--"`, true},
		{"leading digit", `"2Search"`, true},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			doc, ok := parse(t, postJSON("/graphql", `{"query": "{ a }", "operationName": `+tc.opName+`}`), graphql.Options{})
			require.True(t, ok)
			if tc.invalid {
				assert.Contains(t, anomalyCodes(doc), parsers.AnomalyGraphQLOperationName)
			} else {
				assert.NotContains(t, anomalyCodes(doc), parsers.AnomalyGraphQLOperationName)
			}
		})
	}
	assert.Positive(t, ran)
}

func TestParseDuplicateParameters(t *testing.T) {
	introspection := "{ __schema { types { name } } }"
	cases := []struct {
		name string
		req  graphql.Request
		want []parsers.AnomalyCode
	}{
		{
			name: "repeated query parameter",
			req:  get("/graphql?query=" + url.QueryEscape("{ a }") + "&query=" + url.QueryEscape(introspection)),
			want: []parsers.AnomalyCode{parsers.AnomalyGraphQLDuplicateParameter, parsers.AnomalyGraphQLIntrospection},
		},
		{
			name: "repeated json query key",
			req:  postJSON("/graphql", `{"query": "{ a }", "query": "`+introspection+`"}`),
			want: []parsers.AnomalyCode{parsers.AnomalyGraphQLDuplicateParameter, parsers.AnomalyGraphQLIntrospection},
		},
		{
			name: "query key in another case",
			req:  postJSON("/graphql", `{"query": "{ a }", "QUERY": "`+introspection+`"}`),
			want: []parsers.AnomalyCode{parsers.AnomalyGraphQLParameterCase, parsers.AnomalyGraphQLDuplicateParameter, parsers.AnomalyGraphQLIntrospection},
		},
		{
			name: "only a case variant",
			req:  postJSON("/graphql", `{"Query": "{ a }"}`),
			want: []parsers.AnomalyCode{parsers.AnomalyGraphQLParameterCase},
		},
		{
			name: "query parameter in another case",
			req:  get("/graphql?QUERY=" + url.QueryEscape("{ a }")),
			want: []parsers.AnomalyCode{parsers.AnomalyGraphQLParameterCase},
		},
		{
			name: "query in query string and body",
			req:  postJSON("/graphql?query="+url.QueryEscape("{ a }"), `{"query": "{ b }"}`),
			want: []parsers.AnomalyCode{parsers.AnomalyGraphQLDuplicateParameter},
		},
		{
			name: "repeated variables",
			req:  postJSON("/graphql", `{"query": "{ a }", "variables": {}, "variables": {"x": 1}}`),
			want: []parsers.AnomalyCode{parsers.AnomalyGraphQLDuplicateParameter},
		},
		{
			name: "repeated other key",
			req:  postJSON("/graphql", `{"query": "{ a }", "to": "a", "to": "b"}`),
			want: []parsers.AnomalyCode{parsers.AnomalyDuplicateKey},
		},
		{
			name: "two operations parts",
			req: post("/graphql", "multipart/form-data; boundary=XB", multipartBody(
				[3]string{"operations", "", `{"query": "{ a }"}`},
				[3]string{"operations", "", `{"query": "` + introspection + `"}`},
			)),
			want: []parsers.AnomalyCode{parsers.AnomalyGraphQLDuplicateParameter, parsers.AnomalyGraphQLIntrospection},
		},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			doc, ok := parse(t, tc.req, graphql.Options{})
			require.True(t, ok)
			codes := anomalyCodes(doc)
			for _, code := range tc.want {
				assert.Contains(t, codes, code)
			}
		})
	}
	assert.Positive(t, ran)
}

func TestParseManyQueryCopies(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"query": "{ a }"`)
	for range 10_000 {
		b.WriteString(`, "query": "{ __schema { types { name } } }"`)
	}
	b.WriteString("}")
	doc, ok := parse(t, postJSON("/graphql", b.String()), graphql.Options{})
	require.True(t, ok)

	codes := anomalyCodes(doc)
	assert.Contains(t, codes, parsers.AnomalyGraphQLDuplicateParameter)
	assert.Contains(t, codes, parsers.AnomalyGraphQLIntrospection, "the second copy is analysed")
	assert.True(t, hasValue(doc, "{ __schema { types { name } } }"), "copies past the parsed ones are scanned as text")
}

func TestParseInvalidMembers(t *testing.T) {
	cases := []struct {
		name string
		body string
		want parsers.AnomalyCode
	}{
		{"query is an object", `{"query": {"$ne": null}}`, parsers.AnomalyGraphQLInvalidRequest},
		{"variables is an array", `{"query": "{ a }", "variables": [1]}`, parsers.AnomalyGraphQLInvalidRequest},
		{"operation name is a number", `{"query": "{ a }", "operationName": 1}`, parsers.AnomalyGraphQLInvalidRequest},
		{"batch element is a string", `[{"query": "{ a }"}, "x"]`, parsers.AnomalyGraphQLInvalidRequest},
		{"variables are not json", `{"query": "{ a }", "variables": "{not json"}`, parsers.AnomalyMalformedJSON},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			doc, ok := parse(t, postJSON("/graphql", tc.body), graphql.Options{})
			require.True(t, ok)
			assert.Contains(t, anomalyCodes(doc), tc.want)
		})
	}
	assert.Positive(t, ran)
}

func TestParseEndpointOptions(t *testing.T) {
	req := get("/api/query?query=" + url.QueryEscape("{ a }"))
	_, ok := parse(t, req, graphql.Options{})
	assert.False(t, ok, "/api/query is not a default endpoint")

	_, ok = parse(t, req, graphql.Options{Endpoints: []string{"/api/query"}})
	assert.True(t, ok, "a configured endpoint is recognised")

	_, ok = parse(t, get("/graphql?query="+url.QueryEscape("{ a }")), graphql.Options{Endpoints: []string{}})
	assert.False(t, ok, "an empty endpoint list names no endpoint")

	_, ok = parse(t, postJSON("/graphql", queryBody("{ a }")), graphql.Options{Endpoints: []string{}})
	assert.True(t, ok, "the GraphQL body shape is recognised without endpoints")
}
