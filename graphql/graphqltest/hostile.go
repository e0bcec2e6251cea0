// Package graphqltest provides hostile GraphQL request bodies for tests and
// benchmarks of package graphql and of the engine that uses it.
package graphqltest

import (
	"strconv"
	"strings"

	"github.com/fieldwall/fieldwall/graphql"
)

// Hostile is a request body built to exhaust a GraphQL server or to slip
// past an inspector. Each is a JSON body for a POST to /graphql.
type Hostile struct {
	Name string
	Body []byte
}

// HostileBodies returns the hostile bodies, built anew on each call:
//
//   - deep-nesting: fields nested 100,000 levels deep;
//   - aliases: one selection set with 10,000 aliased fields;
//   - fragment-chain: 10,000 fragments, each spreading the next;
//   - fragment-fan-out: 30 fragments, each spreading the next twice, which
//     expands to 2^30 fields;
//   - directives: one field with 100,000 directives;
//   - one-mebibyte: a 1 MiB document;
//   - invalid-utf8: a document with bytes that are not UTF-8;
//   - lone-surrogate-json: a JSON \ud800 escape in the query member;
//   - lone-surrogate-graphql: a GraphQL \ud800 escape in a string literal;
//   - fragment-cycle: two fragments that spread each other.
func HostileBodies() []Hostile {
	return []Hostile{
		{"deep-nesting", queryBody(strings.Repeat("{a", 100_000) + strings.Repeat("}", 100_000))},
		{"aliases", queryBody(aliases(10_000))},
		{"fragment-chain", queryBody(fragmentChain(10_000))},
		{"fragment-fan-out", queryBody(fragmentFanOut(30))},
		{"directives", queryBody("{ a" + strings.Repeat(" @d", 100_000) + " }")},
		{"one-mebibyte", queryBody(`{ search(q: "` + strings.Repeat("x", 1<<20-24) + `") { id } }`)},
		{"invalid-utf8", []byte("{\"query\": \"{ search(q: \\\"\xff\xfe\\\") { id } }\"}")},
		{"lone-surrogate-json", []byte(`{"query": "{ search(q: \"\ud800\") { id } }"}`)},
		{"lone-surrogate-graphql", []byte(`{"query": "{ search(q: \"\\ud800\") { id } }"}`)},
		{"fragment-cycle", queryBody("{ ...A } fragment A on Query { a ...B } fragment B on Query { b ...A }")},
	}
}

// Unlimited returns options that switch off the size and token limits, so
// that a hostile document reaches the structural analysis instead of
// being stopped before parsing.
func Unlimited() graphql.Options {
	return graphql.Options{MaxDocumentBytes: -1, MaxTokens: -1}
}

// queryBody returns {"query": query} with query escaped as a JSON string.
// Only quotes and backslashes need escaping in these documents.
func queryBody(query string) []byte {
	escaped := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(query)
	return []byte(`{"query": "` + escaped + `"}`)
}

func aliases(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		b.WriteString(" a" + strconv.Itoa(i) + ": f")
	}
	b.WriteString(" }")
	return b.String()
}

func fragmentChain(n int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }")
	for i := range n - 1 {
		b.WriteString(" fragment F" + strconv.Itoa(i) + " on Query { ...F" + strconv.Itoa(i+1) + " }")
	}
	b.WriteString(" fragment F" + strconv.Itoa(n-1) + " on Query { a }")
	return b.String()
}

func fragmentFanOut(n int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }")
	for i := range n - 1 {
		next := "...F" + strconv.Itoa(i+1)
		b.WriteString(" fragment F" + strconv.Itoa(i) + " on Query { a { " + next + " } b { " + next + " } }")
	}
	b.WriteString(" fragment F" + strconv.Itoa(n-1) + " on Query { c }")
	return b.String()
}
