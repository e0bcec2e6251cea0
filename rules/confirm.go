package rules

import (
	"sort"

	libinjection "github.com/corazawaf/libinjection-go"

	"github.com/fieldwall/fieldwall/parsers"
)

// Input is what a confirmer or check reads: one field and its views.
type Input struct {
	Field *parsers.Field
	// Raw is the value as the parser produced it.
	Raw string
	// Decoded has URL, HTML-entity and backslash escapes decoded and
	// compatibility characters folded, case kept.
	Decoded string
	// Lower is Decoded in lower case.
	Lower string
	// Folded is Lower with SQL comments replaced by a space and whitespace
	// runs compressed to one space.
	Folded string
}

// View returns the view v of the input.
func (in *Input) View(v View) string {
	switch v {
	case ViewFolded:
		return in.Folded
	case ViewRaw:
		return in.Raw
	}
	return in.Decoded
}

// Confirmer decides whether a candidate field really is an attack. It must
// run in time linear in the input and must not retain it.
type Confirmer func(in *Input) bool

// confirmers is the registry of named confirmers that rule files can use.
var confirmers = map[string]Confirmer{
	"libinjection-sqli": confirmSQLi,
	"libinjection-xss":  confirmXSS,
	"shell-command":     confirmShellCommand,
	"path-traversal":    confirmPathTraversal,
	"template-expr":     confirmTemplateExpression,
	"internal-url":      confirmInternalURL,
	"jndi-lookup":       confirmJNDILookup,
	"nosql-javascript":  confirmNoSQLJavaScript,
}

// ConfirmerNames returns the names of the registered confirmers, sorted.
func ConfirmerNames() []string {
	names := make([]string, 0, len(confirmers))
	for name := range confirmers {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func confirmSQLi(in *Input) bool {
	ok, _ := libinjection.IsSQLi(in.Decoded)
	return ok
}

func confirmXSS(in *Input) bool {
	return libinjection.IsXSS(in.Decoded)
}
