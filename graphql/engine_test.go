package graphql_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/corpus"
	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/graphql"
)

// The tests in this file run the public corpora through engine.Inspect with
// the default configuration. A missing corpus fails them: set
// FIELDWALL_CORPUS to its directory.

func newEngine(t *testing.T) *engine.Engine {
	t.Helper()
	e, err := engine.New(engine.Config{})
	require.NoError(t, err)
	return e
}

// readCorpus returns the cases of one corpus file, failing the test when
// the corpus or the file is missing or empty.
func readCorpus(t *testing.T, name string) []corpus.Case {
	t.Helper()
	dir, err := corpus.SharedDir()
	require.NoError(t, err, "the public corpus is required")
	var cases []corpus.Case
	err = corpus.ReadFile(filepath.Join(dir, name), func(c corpus.Case) error {
		cases = append(cases, c)
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, cases, "%s has no cases", name)
	return cases
}

func TestEngineBenignOperations(t *testing.T) {
	e := newEngine(t)
	cases := readCorpus(t, "benign/graphql-operations.jsonl")
	blocked := 0
	for _, c := range cases {
		v := e.Inspect(&c.Request)
		if !assert.Falsef(t, v.Blocked(), "%s blocked: %v", c.Record.ID, v.Findings) {
			blocked++
		}
	}
	t.Logf("benign operations blocked: %d of %d", blocked, len(cases))
}

func TestEngineBenignVariables(t *testing.T) {
	e := newEngine(t)
	cases := readCorpus(t, "benign/graphql-variables.jsonl")
	blocked := 0
	for _, c := range cases {
		v := e.Inspect(&c.Request)
		if !assert.Falsef(t, v.Blocked(), "%s blocked: %v", c.Record.ID, v.Findings) {
			blocked++
		}
	}
	t.Logf("benign variable sets blocked: %d of %d", blocked, len(cases))
}

func TestEngineAttacks(t *testing.T) {
	// The rule each attack is expected to trip.
	wantRule := map[string]string{
		"patt-graphql-readme-1": "graphql-introspection",
		"patt-graphql-readme-2": "graphql-introspection-text",
		"patt-graphql-readme-3": "graphql-introspection",
		"patt-graphql-readme-4": "graphql-parse-error",
		"patt-graphql-readme-5": "graphql-introspection",
		"patt-graphql-readme-6": "graphql-introspection",
		"patt-graphql-readme-7": "graphql-repeated-field",
		"patt-graphql-readme-8": "graphql-mutation-repeat",
	}
	e := newEngine(t)
	cases := readCorpus(t, "attacks/graphql.jsonl")
	detected := 0
	for _, c := range cases {
		v := e.Inspect(&c.Request)
		if assert.Truef(t, v.Blocked(), "%s not blocked: %v", c.Record.ID, v.Findings) {
			detected++
		}
		if rule, ok := wantRule[c.Record.ID]; ok {
			assert.Containsf(t, v.RuleIDs(), rule, "%s", c.Record.ID)
		}
	}
	t.Logf("attacks detected: %d of %d", detected, len(cases))
}

func TestEngineRequestExamples(t *testing.T) {
	e := newEngine(t)
	seen := map[string]bool{}
	for _, c := range readCorpus(t, "requests/examples.jsonl") {
		v := e.Inspect(&c.Request)
		switch c.Record.ID {
		case "req-5":
			seen[c.Record.ID] = true
			assert.False(t, v.Blocked(), "two aliases with different arguments: %v", v.Findings)
		case "req-6":
			seen[c.Record.ID] = true
			require.True(t, v.Blocked())
			assert.Contains(t, v.Findings, engine.Finding{
				RuleID: "sqli-libinjection", Class: "sqli", Severity: "critical",
				Location: "graphql-variable", Path: "q", Evidence: "1' OR '1'='1",
				Message: "SQL injection (libinjection fingerprint)",
			})
		}
	}
	assert.Len(t, seen, 2, "req-5 and req-6 must be in the corpus")
}

func TestEngineGraphQLCarriers(t *testing.T) {
	introspection := "{ __schema { types { name } } }"
	cases := []struct {
		name    string
		req     engine.Request
		blocked bool
		rule    string
	}{
		{
			name: "syntax in the document is not an injection",
			req: engine.Request{Method: http.MethodPost, Target: "/graphql", Header: http.Header{"Content-Type": {"application/json"}},
				Body: []byte(`{"query": "query Q($id: ID!) { node(id: $id) { ... on User { name } } } # -- ' or 1=1"}`)},
			blocked: false,
		},
		{
			name: "injection in an argument",
			req: engine.Request{Method: http.MethodPost, Target: "/graphql", Header: http.Header{"Content-Type": {"application/json"}},
				Body: []byte(`{"query": "query Search { search(q: \"x' UNION SELECT password FROM users--\") { id } }"}`)},
			blocked: true,
			rule:    "sqli-union-select",
		},
		{
			name:    "introspection over get",
			req:     engine.Request{Method: http.MethodGet, Target: "/graphql?query=" + url.QueryEscape(introspection), Header: http.Header{}},
			blocked: true,
			rule:    "graphql-introspection",
		},
		{
			name:    "mutation over get",
			req:     engine.Request{Method: http.MethodGet, Target: "/graphql?query=" + url.QueryEscape("mutation { deleteUser(id: 1) }"), Header: http.Header{}},
			blocked: true,
			rule:    "graphql-mutation-get",
		},
		{
			name: "duplicate query parameter",
			req: engine.Request{Method: http.MethodGet, Target: "/graphql?query=" + url.QueryEscape("{ a }") + "&query=" + url.QueryEscape("{ b }"),
				Header: http.Header{}},
			blocked: true,
			rule:    "parser-graphql-duplicate-parameter",
		},
		{
			name: "cross-site form post",
			req: engine.Request{Method: http.MethodPost, Target: "/graphql", Header: http.Header{"Content-Type": {"text/plain"}},
				Body: []byte(`{"query": "mutation { updateEmail(email: \"a@b.example\") { id } }"}`)},
			blocked: false,
			rule:    "graphql-simple-request",
		},
	}
	e := newEngine(t)
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			v := e.Inspect(&tc.req)
			assert.Equal(t, tc.blocked, v.Blocked(), "%v", v.Findings)
			if tc.rule != "" {
				assert.Contains(t, v.RuleIDs(), tc.rule)
			}
		})
	}
	assert.Positive(t, ran)
}

func TestEngineGraphQLOptions(t *testing.T) {
	e, err := engine.New(engine.Config{GraphQL: graphql.Options{AllowIntrospection: true}})
	require.NoError(t, err)
	req := engine.Request{Method: http.MethodPost, Target: "/graphql", Header: http.Header{"Content-Type": {"application/json"}},
		Body: []byte(`{"query": "{ __schema { types { name } } }"}`)}
	v := e.Inspect(&req)
	assert.False(t, v.Blocked(), "%v", v.Findings)
}
