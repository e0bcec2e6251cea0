package graphql_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/fieldwall/fieldwall/graphql"
	"github.com/fieldwall/fieldwall/graphql/graphqltest"
	"github.com/fieldwall/fieldwall/parsers"
)

func TestHostileDocuments(t *testing.T) {
	// Each body must give its finding at the default options and, with the
	// size and token limits off, the finding of the structural analysis
	// (0 where no further finding is expected).
	want := map[string][2]parsers.AnomalyCode{
		"deep-nesting":           {parsers.AnomalyGraphQLDocumentSize, parsers.AnomalyGraphQLParseError},
		"aliases":                {parsers.AnomalyGraphQLDocumentSize, parsers.AnomalyGraphQLAliases},
		"fragment-chain":         {parsers.AnomalyGraphQLDocumentSize, parsers.AnomalyGraphQLFragments},
		"fragment-fan-out":       {parsers.AnomalyGraphQLCost, parsers.AnomalyGraphQLCost},
		"directives":             {parsers.AnomalyGraphQLDocumentSize, parsers.AnomalyGraphQLFieldDirectives},
		"one-mebibyte":           {parsers.AnomalyGraphQLDocumentSize, 0},
		"invalid-utf8":           {parsers.AnomalyGraphQLInvalidUTF8, parsers.AnomalyGraphQLInvalidUTF8},
		"lone-surrogate-json":    {parsers.AnomalyLoneSurrogate, parsers.AnomalyLoneSurrogate},
		"lone-surrogate-graphql": {parsers.AnomalyLoneSurrogate, parsers.AnomalyLoneSurrogate},
		"fragment-cycle":         {parsers.AnomalyGraphQLFragmentCycle, parsers.AnomalyGraphQLFragmentCycle},
	}
	bodies := graphqltest.HostileBodies()
	ran := 0
	for _, hostile := range bodies {
		codes, ok := want[hostile.Name]
		require.True(t, ok, "no expectation for %s", hostile.Name)
		for i, opts := range []graphql.Options{{}, graphqltest.Unlimited()} {
			name := hostile.Name + []string{"/default", "/unlimited"}[i]
			t.Run(name, func(t *testing.T) {
				ran++
				doc, recognised := parse(t, postJSON("/graphql", string(hostile.Body)), opts)
				require.True(t, recognised)
				if codes[i] != 0 {
					assert.Contains(t, anomalyCodes(doc), codes[i])
				}
			})
		}
	}
	assert.Equal(t, 2*len(bodies), ran)
	assert.Positive(t, ran)
}

func TestHostileFanOutDepth(t *testing.T) {
	for _, hostile := range graphqltest.HostileBodies() {
		if hostile.Name != "fragment-fan-out" {
			continue
		}
		doc, ok := parse(t, postJSON("/graphql", string(hostile.Body)), graphql.Options{})
		require.True(t, ok)
		assert.Contains(t, anomalyCodes(doc), parsers.AnomalyGraphQLDepth, "31 levels through 30 fragments")
		return
	}
	t.Fatal("fragment-fan-out body not found")
}

func TestNestingBeyondParserCap(t *testing.T) {
	opts := graphqltest.Unlimited()
	cases := []struct {
		name   string
		levels int
		want   parsers.AnomalyCode
	}{
		{"below the cap", parser.MaxNestingDepth - 1, parsers.AnomalyGraphQLDepth},
		{"beyond the cap", parser.MaxNestingDepth + 1, parsers.AnomalyGraphQLParseError},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			query := strings.Repeat("{ a ", tc.levels) + strings.Repeat("}", tc.levels)
			doc, ok := parse(t, postJSON("/graphql", queryBody(query)), opts)
			require.True(t, ok)
			assert.Contains(t, anomalyCodes(doc), tc.want)
		})
	}
	assert.Positive(t, ran)
}

func TestParseErrorNotWalked(t *testing.T) {
	cases := []struct {
		name  string
		query string
	}{
		{"missing braces", "__schema{queryType{name}}"},
		{"unterminated string", `{ a(s: "x) }`},
		{"unterminated selection", `{ a(s: "x") { b `},
		{"empty document", "  # only a comment\n"},
		{"variable in a default", `query ($a: Int = $b) { a(s: "x") }`},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			doc, ok := parse(t, postJSON("/graphql", queryBody(tc.query)), graphql.Options{})
			require.True(t, ok)
			assert.Contains(t, anomalyCodes(doc), parsers.AnomalyGraphQLParseError)
			for _, f := range doc.Fields {
				assert.NotEqual(t, parsers.LocationGraphQLArgument, f.Location, "a document that failed to parse is not walked")
			}
			assert.Contains(t, fieldViews(doc), fieldView{"body", "query", "raw", tc.query}, "the text is scanned raw")
		})
	}
	assert.Positive(t, ran)
}

func TestPathDepthBounded(t *testing.T) {
	opts := graphql.Options{MaxDepth: -1}
	query := strings.Repeat("{ a ", 100) + `{ b(s: "deep") }` + strings.Repeat("}", 100)
	doc, ok := parse(t, postJSON("/graphql", queryBody(query)), opts)
	require.True(t, ok)
	assert.Contains(t, anomalyCodes(doc), parsers.AnomalyDepthLimit)
	for _, f := range doc.Fields {
		assert.LessOrEqual(t, len(f.Path), testLimits.MaxDepth)
	}
}

func TestOversizedDocumentScannedToLimit(t *testing.T) {
	opts := graphql.Options{MaxDocumentBytes: 16}
	query := `{ a(s: "x") } # ` + strings.Repeat("y", 100)
	doc, ok := parse(t, postJSON("/graphql", queryBody(query)), opts)
	require.True(t, ok)
	assert.Contains(t, anomalyCodes(doc), parsers.AnomalyGraphQLDocumentSize)
	assert.Contains(t, fieldViews(doc), fieldView{"body", "query", "raw", query[:16]})
}
