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

// limitCase is one document checked against one anomaly code: fires is
// whether the code must be reported.
type limitCase struct {
	name  string
	opts  graphql.Options
	req   graphql.Request
	fires bool
}

// runLimitCases runs a table for one anomaly code and checks that it ran.
func runLimitCases(t *testing.T, code parsers.AnomalyCode, cases []limitCase) {
	t.Helper()
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			doc, ok := parse(t, tc.req, tc.opts)
			require.True(t, ok, "the request must be recognised as GraphQL")
			if code != parsers.AnomalyGraphQLTokenLimit && code != parsers.AnomalyGraphQLDocumentSize {
				require.NotContains(t, anomalyCodes(doc), parsers.AnomalyGraphQLParseError, "the case must parse")
			}
			if tc.fires {
				assert.Contains(t, anomalyCodes(doc), code)
			} else {
				assert.NotContains(t, anomalyCodes(doc), code)
			}
		})
	}
	assert.Positive(t, ran)
}

// doc returns a JSON POST to /graphql with query as its document.
func doc(query string) graphql.Request { return postJSON("/graphql", queryBody(query)) }

func TestLimitDocumentBytes(t *testing.T) {
	opts := graphql.Options{MaxDocumentBytes: 20}
	runLimitCases(t, parsers.AnomalyGraphQLDocumentSize, []limitCase{
		{"at the limit", opts, doc("{ a012345678901234 }"), false},
		{"over the limit", opts, doc("{ a0123456789012345 }"), true},
		{"default passes 60 KiB", graphql.Options{}, doc("{ a(s: \"" + strings.Repeat("x", 60<<10) + "\") }"), false},
		{"default stops 64 KiB", graphql.Options{}, doc("{ a(s: \"" + strings.Repeat("x", 64<<10) + "\") }"), true},
		{"switched off", graphql.Options{MaxDocumentBytes: -1}, doc("{ a(s: \"" + strings.Repeat("x", 64<<10) + "\") }"), false},
	})
}

func TestLimitTokens(t *testing.T) {
	opts := graphql.Options{MaxTokens: 4}
	runLimitCases(t, parsers.AnomalyGraphQLTokenLimit, []limitCase{
		{"at the limit", opts, doc("{ a b }"), false},
		{"over the limit", opts, doc("{ a b c }"), true},
		{"comments count", opts, doc("# one\n{ a b }"), true},
		{"default", graphql.Options{}, doc("{" + strings.Repeat(" a", 10_001) + " }"), true},
	})
}

func TestLimitDepth(t *testing.T) {
	opts := graphql.Options{MaxDepth: 3}
	runLimitCases(t, parsers.AnomalyGraphQLDepth, []limitCase{
		{"at the limit", opts, doc("{ a { b { c } } }"), false},
		{"over the limit", opts, doc("{ a { b { c { d } } } }"), true},
		{"through a fragment", opts, doc("{ a { ...F } } fragment F on T { b { c { d } } }"), true},
		{"through an inline fragment", opts, doc("{ a { ... on T { b { c { d } } } } }"), true},
		{"fragment not counted twice", opts, doc("{ a { ...F ...F } } fragment F on T { b { c } }"), false},
		{"in a second operation", opts, doc("query A { a } query B { a { b { c { d } } } }"), true},
		{"default stops 21", graphql.Options{}, doc(strings.Repeat("{ a ", 20) + "{ b }" + strings.Repeat(" }", 20)), true},
		{"default passes 20", graphql.Options{}, doc(strings.Repeat("{ a ", 19) + "{ b }" + strings.Repeat(" }", 19)), false},
	})
}

func TestLimitAliases(t *testing.T) {
	opts := graphql.Options{MaxAliases: 2}
	runLimitCases(t, parsers.AnomalyGraphQLAliases, []limitCase{
		{"at the limit", opts, doc("{ x: a y: b }"), false},
		{"over the limit", opts, doc("{ x: a y: b z: c }"), true},
		{"aliases in fragments count", opts, doc("{ x: a ...F } fragment F on Q { y: b z: c }"), true},
		{"alias equal to the name is no alias", opts, doc("{ a: a b: b c: c }"), false},
	})
}

func TestLimitRootFields(t *testing.T) {
	opts := graphql.Options{MaxRootFields: 2}
	runLimitCases(t, parsers.AnomalyGraphQLRootFields, []limitCase{
		{"at the limit", opts, doc("{ a b }"), false},
		{"over the limit", opts, doc("{ a b c }"), true},
		{"through a fragment", opts, doc("{ a ...F } fragment F on Q { b c }"), true},
		{"nested fields do not count", opts, doc("{ a { b c d } }"), false},
	})
}

func TestLimitRepeatedFields(t *testing.T) {
	runLimitCases(t, parsers.AnomalyGraphQLRepeatedField, []limitCase{
		{"different arguments", graphql.Options{}, doc("{ x: user(id: 1) { id } y: user(id: 2) { id } }"), false},
		{"same arguments", graphql.Options{}, doc("{ x: user(id: 1) { id } y: user(id: 1) { id } }"), true},
		{"reordered arguments", graphql.Options{}, doc("{ x: f(a: 1, b: [\"s\"]) y: f(b: [\"s\"], a: 1) }"), true},
		{"no arguments", graphql.Options{}, doc("{ q1: Query { field1 } q2: Query { field1 } }"), true},
		{"same response key merges", graphql.Options{}, doc("{ user(id: 1) { id } user(id: 1) { name } }"), false},
		{"raised limit", graphql.Options{MaxRepeatedFields: 2}, doc("{ x: f y: f }"), false},
		{"over a raised limit", graphql.Options{MaxRepeatedFields: 2}, doc("{ x: f y: f z: f }"), true},
	})
}

func TestLimitMutationRepeats(t *testing.T) {
	runLimitCases(t, parsers.AnomalyGraphQLMutationRepeat, []limitCase{
		{"two calls", graphql.Options{}, doc(`mutation { a: login(pass: 1) b: login(pass: 2) }`), false},
		{"three calls", graphql.Options{}, doc(`mutation { a: login(pass: 1) b: login(pass: 2) c: login(pass: 3) }`), true},
		{"in an inline fragment", graphql.Options{}, doc(`mutation { ... { a: login(pass: 1) b: login(pass: 2) c: login(pass: 3) } }`), true},
		{"queries are not mutations", graphql.Options{}, doc(`{ a: user(id: 1) b: user(id: 2) c: user(id: 3) }`), false},
		{"switched off", graphql.Options{MaxMutationRepeats: -1}, doc(`mutation { a: f(x: 1) b: f(x: 2) c: f(x: 3) }`), false},
	})
}

func TestLimitFieldDirectives(t *testing.T) {
	opts := graphql.Options{MaxFieldDirectives: 2}
	runLimitCases(t, parsers.AnomalyGraphQLFieldDirectives, []limitCase{
		{"at the limit", opts, doc("{ a @x @y }"), false},
		{"over the limit", opts, doc("{ a @x @y @z }"), true},
		{"on a fragment spread", opts, doc("{ ...F @x @y @z } fragment F on Q { a }"), true},
		{"on an inline fragment", opts, doc("{ ... @x @y @z { a } }"), true},
		{"spread over fields", opts, doc("{ a @x @y b @x @y }"), false},
	})
}

func TestLimitDirectives(t *testing.T) {
	opts := graphql.Options{MaxDirectives: 3}
	runLimitCases(t, parsers.AnomalyGraphQLDirectives, []limitCase{
		{"at the limit", opts, doc("query @x { a @y b @z }"), false},
		{"over the limit", opts, doc("query @w { a @x b @y c @z }"), true},
		{"in fragments and variables", opts, doc("query ($v: Int @a) { ...F } fragment F on Q @b { a @c b @d }"), true},
	})
}

func TestLimitFragments(t *testing.T) {
	opts := graphql.Options{MaxFragments: 1}
	runLimitCases(t, parsers.AnomalyGraphQLFragments, []limitCase{
		{"at the limit", opts, doc("{ ...A } fragment A on Q { a }"), false},
		{"over the limit", opts, doc("{ ...A } fragment A on Q { ...B } fragment B on Q { b }"), true},
	})
}

func TestLimitOperations(t *testing.T) {
	opts := graphql.Options{MaxOperations: 1}
	runLimitCases(t, parsers.AnomalyGraphQLOperations, []limitCase{
		{"at the limit", opts, doc("query A { a }"), false},
		{"over the limit", opts, doc("query A { a } query B { b }"), true},
	})
}

func TestLimitCost(t *testing.T) {
	opts := graphql.Options{MaxCost: 100}
	withVariables := func(query, variables string) graphql.Request {
		return postJSON("/graphql", `{"query": "`+query+`", "variables": `+variables+`}`)
	}
	runLimitCases(t, parsers.AnomalyGraphQLCost, []limitCase{
		{"one list", opts, doc("{ a(first: 10) { b } }"), false},
		{"nested lists", opts, doc("{ a(first: 10) { b(first: 10) { c } } }"), true},
		{"largest list argument", opts, doc("{ a(first: 1, limit: 200) }"), true},
		{"list size from variables", opts, withVariables("query ($n: Int) { a(first: $n) { b } }", `{"n": 100}`), true},
		{"list size from a default", opts, doc("query ($n: Int = 100) { a(first: $n) { b } }"), true},
		{"unset variable takes the default list size", opts, doc("query ($n: Int) { a(first: $n) { b } }"), false},
		{"through fragments", opts, doc("{ a(first: 10) { ...F } } fragment F on T { b(first: 10) { c } }"), true},
		{"huge literal", graphql.Options{}, doc("{ a(first: 99999999999999999999999) { b } }"), true},
		{"other arguments do not multiply", opts, doc("{ a(id: 1000) { b } }"), false},
		{"configured argument names", graphql.Options{MaxCost: 100, ListSizeArguments: []string{"size"}}, doc("{ a(size: 1000) }"), true},
	})
}

func TestLimitBatch(t *testing.T) {
	batch := func(n int) graphql.Request {
		elements := make([]string, n)
		for i := range elements {
			elements[i] = `{"query": "{ a }"}`
		}
		return postJSON("/graphql", "["+strings.Join(elements, ",")+"]")
	}
	runLimitCases(t, parsers.AnomalyGraphQLBatch, []limitCase{
		{"default at 10", graphql.Options{}, batch(10), false},
		{"default over 10", graphql.Options{}, batch(11), true},
		{"configured", graphql.Options{MaxBatch: 2}, batch(3), true},
		{"switched off", graphql.Options{MaxBatch: -1}, batch(50), false},
	})
}

func TestBatchOverflowInspected(t *testing.T) {
	elements := make([]string, 12)
	for i := range elements {
		elements[i] = `{"query": "{ a }"}`
	}
	elements[11] = `{"query": "{ a }", "note": "past the limit"}`
	doc, ok := parse(t, postJSON("/graphql", "["+strings.Join(elements, ",")+"]"), graphql.Options{})
	require.True(t, ok)
	assert.Contains(t, fieldViews(doc), fieldView{"body", "[11].note", "string", "past the limit"})
}

func TestPolicyIntrospection(t *testing.T) {
	allow := graphql.Options{AllowIntrospection: true}
	runLimitCases(t, parsers.AnomalyGraphQLIntrospection, []limitCase{
		{"schema", graphql.Options{}, doc("{ __schema { types { name } } }"), true},
		{"type", graphql.Options{}, doc(`{ __type(name: "User") { name } }`), true},
		{"under an alias", graphql.Options{}, doc("{ s: __schema { types { name } } }"), true},
		{"inside a fragment", graphql.Options{}, doc("{ ...F } fragment F on Query { __schema { types { name } } }"), true},
		{"typename is fine", graphql.Options{}, doc("{ a { __typename } }"), false},
		{"an alias named like it", graphql.Options{}, doc("{ __schema: user { id } }"), false},
		{"allowed", allow, doc("{ __schema { types { name } } }"), false},
	})
}

func TestPolicyFederation(t *testing.T) {
	runLimitCases(t, parsers.AnomalyGraphQLFederation, []limitCase{
		{"service", graphql.Options{}, doc("{ _service { sdl } }"), true},
		{"entities", graphql.Options{}, doc(`{ _entities(representations: [{__typename: "User", id: "1"}]) { __typename } }`), true},
		{"allowed", graphql.Options{AllowFederation: true}, doc("{ _service { sdl } }"), false},
	})
}

func TestPolicyMutationOverGET(t *testing.T) {
	getQuery := func(method, query string) graphql.Request {
		req := get("/graphql?query=" + url.QueryEscape(query))
		req.Method = method
		return req
	}
	runLimitCases(t, parsers.AnomalyGraphQLMutationOverGET, []limitCase{
		{"mutation with get", graphql.Options{}, getQuery(http.MethodGet, "mutation { delete(id: 1) }"), true},
		{"mutation with head", graphql.Options{}, getQuery(http.MethodHead, "mutation { delete(id: 1) }"), true},
		{"query with get", graphql.Options{}, getQuery(http.MethodGet, "{ a }"), false},
		{"mutation with post", graphql.Options{}, doc("mutation { delete(id: 1) }"), false},
		{"allowed", graphql.Options{AllowMutationOverGET: true}, getQuery(http.MethodGet, "mutation { delete(id: 1) }"), false},
	})
}

func TestPolicySimpleRequests(t *testing.T) {
	withHeader := func(req graphql.Request, name string) graphql.Request {
		req.Header.Set(name, "1")
		return req
	}
	body := `{"query": "mutation { delete(id: 1) }"}`
	form := "query=" + url.QueryEscape("mutation { delete(id: 1) }")
	multipart := multipartBody([3]string{"operations", "", body})
	runLimitCases(t, parsers.AnomalyGraphQLSimpleRequest, []limitCase{
		{"text/plain", graphql.Options{}, post("/graphql", "text/plain", body), true},
		{"no content type", graphql.Options{}, post("/graphql", "", body), true},
		{"form", graphql.Options{}, post("/graphql", "application/x-www-form-urlencoded", form), true},
		{"multipart", graphql.Options{}, post("/graphql", "multipart/form-data; boundary=XB", multipart), true},
		{"json", graphql.Options{}, post("/graphql", "application/json", body), false},
		{"x-requested-with", graphql.Options{}, withHeader(post("/graphql", "text/plain", body), "X-Requested-With"), false},
		{"apollo preflight header", graphql.Options{}, withHeader(post("/graphql", "multipart/form-data; boundary=XB", multipart), "Apollo-Require-Preflight"), false},
		{"configured header", graphql.Options{PreflightHeaders: []string{"X-Csrf"}}, withHeader(post("/graphql", "text/plain", body), "X-Csrf"), false},
		{"get is left to the mutation check", graphql.Options{}, get("/graphql?" + form), false},
		{"allowed", graphql.Options{AllowSimpleRequests: true}, post("/graphql", "text/plain", body), false},
	})
}
