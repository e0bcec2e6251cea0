package rules

import (
	"regexp"
	"sort"
	"strings"

	libinjection "github.com/corazawaf/libinjection-go"

	"github.com/fieldwall/fieldwall/parsers"
)

// Input is the data a confirmer or check reads: one field and its views.
type Input struct {
	Field *parsers.Field
	// Raw is the value as the parser produced it.
	Raw string
	// Decoded has URL, HTML-entity and backslash escapes decoded and
	// compatibility characters folded, case kept.
	Decoded string
	// Lower is Decoded in lower case.
	Lower string
	// RawLower is Raw in lower case.
	RawLower string
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
	"private-url":       confirmPrivateURL,
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
	if isPlainProse(in.Lower) || isSQLInert(in.Lower) {
		return false
	}
	ok, fingerprint := libinjection.IsSQLi(in.Decoded)
	if !ok {
		return false
	}
	if isDataShapedSQL(in.Lower, fingerprint) {
		return false
	}
	if strings.IndexByte(in.Lower, '<') >= 0 {
		// Quotes inside HTML attributes look like string breaks to
		// libinjection. The markup itself is the XSS rules' business, so
		// the value must still be SQL injection without its tags.
		if stripped := stripTags(in.Decoded); stripped != in.Decoded {
			ok, fingerprint = libinjection.IsSQLi(stripped)
			return ok && !isDataShapedSQL(strings.ToLower(stripped), fingerprint)
		}
	}
	return true
}

func confirmXSS(in *Input) bool {
	return libinjection.IsXSS(in.Decoded)
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// quotedOperator is an SQL operator written as a quoted word or symbol
// ("LIKE", "&", '='), as product titles and documentation quote them.
var quotedOperator = regexp.MustCompile(`(["'])(not|like|is|mod|div|and|or|xor|&|\||\*|=|<|>|\+|-|!=|<>)(["'])`)

// comparison is a comparison or membership test in SQL.
var comparison = regexp.MustCompile(`=|<|>|\blike\b|\bin\s*\(|\bis\s+(not\s+)?(null|true|false)\b|\bbetween\b|--|#|/\*|\(`)

// commentAfterNumber is a number, possibly closed by a parenthesis or quote,
// followed by a comment that cuts off the rest of the query.
var commentAfterNumber = regexp.MustCompile(`(^|[^a-z0-9_])\d+\s*[)'"]*\s*(--|#|/\*)`)

// isDataShapedSQL reports whether a libinjection match on lower (a
// lower-case value) is SQL-like data that cannot change the query it is put
// into, for the fingerprints that libinjection's own false-positive list
// shows for text:
//
//   - a statement or clause that starts the value with no quote and no
//     comment ("SELECT id FROM users WHERE id = $1", prose such as "send
//     a DELETE request"): it can only sit inside a string or be a syntax
//     error;
//   - one quoted operator between strings ("LIKE" STAMP, select 'and');
//   - number, operator, number with no comparison (80% ACRYLIC AND 20% WOOL);
//   - a bare word and a comment that is never closed (x/*);
//   - operands joined by arithmetic alone, with no comparison or keyword;
//   - a comment that follows a word rather than a number (a1b2--).
func isDataShapedSQL(lower, fingerprint string) bool {
	hasQuote := strings.ContainsAny(lower, `'"`)
	hasComment := strings.Contains(lower, "--") || strings.Contains(lower, "/*") || strings.IndexByte(lower, '#') >= 0
	switch {
	case !hasQuote && !hasComment && strings.IndexByte("EkTn", fingerprint[0]) >= 0:
		return true
	case (fingerprint == "sos" || fingerprint == "s&s") && quotedOperator.MatchString(lower):
		return true
	case fingerprint == "1&1" && !comparison.MatchString(lower):
		return true
	case fingerprint == "nc" && !strings.Contains(lower, "*/"):
		return true
	case strings.Trim(fingerprint, "so1n") == "" && !comparison.MatchString(injectedCode(lower, fingerprint)):
		// Strings, numbers and words joined by arithmetic operators only
		// (36"+X+48+"): such an injection changes a value, not the logic.
		return true
	case fingerprint == "1c" && !commentAfterNumber.MatchString(lower):
		return true
	}
	return false
}

// injectedCode returns the parts of lower that a database would read as SQL
// rather than as string content. For a fingerprint that starts with a string
// the value was tested inside quotes, so the code lies between the first and
// second quote, the third and fourth, and so on, for each quote character
// the value contains. Otherwise the whole value is code.
func injectedCode(lower, fingerprint string) string {
	if fingerprint == "" || fingerprint[0] != 's' {
		return lower
	}
	var b strings.Builder
	for _, quote := range []byte{'\'', '"'} {
		inCode := false
		start := 0
		for i := 0; i < len(lower); i++ {
			if lower[i] != quote {
				continue
			}
			if inCode {
				b.WriteString(lower[start:i])
				b.WriteByte(' ')
			}
			inCode = !inCode
			start = i + 1
		}
		if inCode {
			b.WriteString(lower[start:])
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// stripTags removes HTML tags (from '<' followed by a letter or '/' to the
// next '>') from s.
func stripTags(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '<' && i+1 < len(s) && (s[i+1] == '/' || 'a' <= s[i+1]|0x20 && s[i+1]|0x20 <= 'z') {
			if end := strings.IndexByte(s[i:], '>'); end > 0 {
				b.WriteByte(' ')
				i += end
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
