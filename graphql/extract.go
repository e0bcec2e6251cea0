package graphql

import (
	"strconv"

	"github.com/fieldwall/fieldwall/parsers"
	"github.com/vektah/gqlparser/v2/ast"
)

// addArguments adds the literals of arguments, each under its argument
// name, so that a string argument q of the root field search in the
// operation Search has the path query-Search.search.q.
func (a *analyzer) addArguments(args ast.ArgumentList) {
	for _, arg := range args {
		if arg == nil {
			continue
		}
		n := len(a.path)
		a.path = append(a.path, parsers.KeySegment(arg.Name))
		a.addValue(parsers.LocationGraphQLArgument, arg.Value)
		a.path = a.path[:n]
	}
}

// addValue adds the string, block-string and enum literals in v, and the
// keys of its input objects as KindKey fields. Numbers, booleans, null and
// variable references carry no text to inspect; the values of variables
// arrive in the request's variables.
func (a *analyzer) addValue(loc parsers.Location, v *ast.Value) {
	if v == nil {
		return
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue, ast.EnumValue:
		a.addField(loc, parsers.KindString, v.Raw)
	case ast.ListValue:
		if !a.canDescend(loc) {
			return
		}
		for i, child := range v.Children {
			if child == nil {
				continue
			}
			n := len(a.path)
			a.path = append(a.path, parsers.IndexSegment(i))
			a.addValue(loc, child.Value)
			a.path = a.path[:n]
		}
	case ast.ObjectValue:
		if !a.canDescend(loc) {
			return
		}
		for _, child := range v.Children {
			if child == nil {
				continue
			}
			n := len(a.path)
			a.path = append(a.path, parsers.KeySegment(child.Name))
			a.addField(loc, parsers.KindKey, child.Name)
			a.addValue(loc, child.Value)
			a.path = a.path[:n]
		}
	}
}

// addField adds one field at the current path unless the path is deeper
// than the document's depth limit, which bounds the bytes copied per field.
func (a *analyzer) addField(loc parsers.Location, kind parsers.Kind, value string) {
	if a.fieldsFull || !a.canDescend(loc) {
		return
	}
	if !a.doc.AddField(loc, kind, a.path, value) {
		a.fieldsFull = true
	}
}

// canDescend reports whether the current path is within the depth limit of
// the document (parsers.Limits.MaxDepth, counted in path segments), and
// reports the limit once when it is not.
func (a *analyzer) canDescend(loc parsers.Location) bool {
	limit := a.doc.Limits().MaxDepth
	if limit <= 0 || len(a.path) <= limit {
		return true
	}
	if a.reported.first(parsers.AnomalyDepthLimit) {
		a.doc.AddAnomaly(parsers.AnomalyDepthLimit, loc, a.path[:limit], "GraphQL path deeper than "+strconv.Itoa(limit))
	}
	return false
}
