package graphql_test

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/fieldwall/fieldwall/graphql"
	"github.com/fieldwall/fieldwall/parsers"
)

// astLiterals walks a parsed document on its own, independently of the
// package's analyzer, and returns every string, block-string and enum
// literal and every input-object key as "value:..." and "key:...": in field
// and directive arguments at any depth, in fragments and inline fragments,
// and in variable default values.
func astLiterals(doc *ast.QueryDocument) []string {
	out := []string{}
	var value func(v *ast.Value)
	value = func(v *ast.Value) {
		if v == nil {
			return
		}
		switch v.Kind {
		case ast.StringValue, ast.BlockValue, ast.EnumValue:
			out = append(out, "value:"+v.Raw)
		case ast.ObjectValue:
			for _, c := range v.Children {
				out = append(out, "key:"+c.Name)
				value(c.Value)
			}
		case ast.ListValue:
			for _, c := range v.Children {
				value(c.Value)
			}
		}
	}
	directives := func(list ast.DirectiveList) {
		for _, d := range list {
			for _, a := range d.Arguments {
				value(a.Value)
			}
		}
	}
	var selections func(set ast.SelectionSet)
	selections = func(set ast.SelectionSet) {
		for _, s := range set {
			switch s := s.(type) {
			case *ast.Field:
				for _, a := range s.Arguments {
					value(a.Value)
				}
				directives(s.Directives)
				selections(s.SelectionSet)
			case *ast.InlineFragment:
				directives(s.Directives)
				selections(s.SelectionSet)
			case *ast.FragmentSpread:
				directives(s.Directives)
			}
		}
	}
	for _, op := range doc.Operations {
		for _, v := range op.VariableDefinitions {
			value(v.DefaultValue)
			directives(v.Directives)
		}
		directives(op.Directives)
		selections(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		directives(f.Directives)
		selections(f.SelectionSet)
	}
	sort.Strings(out)
	return out
}

// extractedLiterals returns the GraphQL literal fields of doc in the same
// form as astLiterals. The requests carry no variables, so every
// graphql-variable field is a variable's default value.
func extractedLiterals(doc *parsers.Document) []string {
	out := []string{}
	for _, f := range doc.Fields {
		if f.Location != parsers.LocationGraphQLArgument && f.Location != parsers.LocationGraphQLVariable {
			continue
		}
		switch f.Kind {
		case parsers.KindString:
			out = append(out, "value:"+f.Value)
		case parsers.KindKey:
			out = append(out, "key:"+f.Value)
		}
	}
	sort.Strings(out)
	return out
}

func TestLiteralsMatchGqlparserAST(t *testing.T) {
	documents := []string{
		`query Q($s: String = "dflt", $e: Color = RED) { a(s: "x", e: BLUE, o: {k: "v", n: {m: ["l1", "l2"]}}) @include(if: true) { ...F ... on T @skip(if: false) { b(q: """block""") } } }`,
		`fragment F on T { c(f: {where: {name: {_eq: "admin"}}}) }`,
		`mutation M { login(user: "a' OR '1'='1", pass: "p") { token } }`,
	}
	for _, c := range readCorpus(t, "benign/graphql-operations.jsonl") {
		documents = append(documents, *c.Record.Payload)
	}
	require.Greater(t, len(documents), 300)
	opts := graphql.Options{MaxDocumentBytes: -1, MaxTokens: -1, MaxDepth: -1, MaxAliases: -1, MaxDirectives: -1, MaxFieldDirectives: -1, MaxFragments: -1, MaxRootFields: -1, MaxCost: -1}
	for i, text := range documents {
		// Fragments reach the analyzer through the operations that use
		// them, so a lone fragment is parsed after a query that spreads it.
		if i == 1 {
			text = "{ ...F }\n" + text
		}
		parsed, err := parser.ParseQuery(&ast.Source{Input: text})
		require.NoError(t, err, "document %d", i)
		doc, ok := parse(t, postJSON("/graphql", queryBody(text)), opts)
		require.True(t, ok)
		assert.Equal(t, astLiterals(parsed), extractedLiterals(doc), "document %d:\n%s", i, text)
	}
}
