package graphql

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fieldwall/fieldwall/parsers"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// prepared is a document's text and what checking and parsing it gave.
type prepared struct {
	text string
	// ast is the parsed document, nil when problem is set. A document that
	// failed to parse is never walked, because the parser leaves nil nodes
	// behind.
	ast *ast.QueryDocument
	// problem is the anomaly that stopped the document, or 0.
	problem parsers.AnomalyCode
	detail  string
	// loneSurrogate is set when the text or the JSON string that carried it
	// escapes an unpaired UTF-16 surrogate.
	loneSurrogate bool
}

// prepare checks a document's size and encoding, then parses it with the
// token limit. issues are what decoding the carrier's string found.
func (l *limits) prepare(text string, issues stringIssue) *prepared {
	p := &prepared{text: text, loneSurrogate: issues&issueLoneSurrogate != 0 || hasLoneSurrogateEscape(text)}
	switch {
	case exceeds(len(text), l.MaxDocumentBytes):
		p.problem = parsers.AnomalyGraphQLDocumentSize
		p.detail = strconv.Itoa(len(text)) + " bytes, limit " + strconv.Itoa(l.MaxDocumentBytes)
	case issues&issueInvalidUTF8 != 0 || !utf8.ValidString(text):
		// The parser would read each invalid byte as U+FFFD, so the
		// document it checks would not be the one the server reads.
		p.problem = parsers.AnomalyGraphQLInvalidUTF8
		p.detail = "GraphQL document is not valid UTF-8"
	default:
		d, err := parseDocument(text, l.MaxTokens)
		switch {
		case err != nil:
			p.problem = parsers.AnomalyGraphQLParseError
			p.detail = err.Error()
			var gqlErr *gqlerror.Error
			if errors.As(err, &gqlErr) {
				p.detail = gqlErr.Message
				if strings.HasPrefix(gqlErr.Message, "exceeded token limit") {
					p.problem = parsers.AnomalyGraphQLTokenLimit
					p.detail = "more than " + strconv.Itoa(l.MaxTokens) + " tokens"
				}
			}
		case d == nil || len(d.Operations) == 0 && len(d.Fragments) == 0:
			// graphql-js rejects an empty document as a syntax error.
			p.problem = parsers.AnomalyGraphQLParseError
			p.detail = "document has no operation or fragment"
		default:
			p.ast = d
		}
	}
	return p
}

// parseDocument parses text as an executable GraphQL document. The parser
// is not expected to panic; a panic is turned into a parse error so that
// no input can crash the caller.
func parseDocument(text string, maxTokens int) (d *ast.QueryDocument, err error) {
	defer func() {
		if recovered := recover(); recovered != nil {
			d, err = nil, fmt.Errorf("GraphQL parser failed: %v", recovered)
		}
	}()
	return parser.ParseQueryWithTokenLimit(&ast.Source{Input: text}, maxTokens)
}

// hasLoneSurrogateEscape reports whether text contains a \uXXXX escape of
// a UTF-16 surrogate that is not followed by its pair. gqlparser decodes
// such an escape to U+FFFD while JavaScript servers keep the surrogate, so
// the two read different strings. The scan is textual: an escape inside a
// comment or a block string counts too, which no real client sends.
func hasLoneSurrogateEscape(text string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], `\u`)
		if j < 0 {
			return false
		}
		start := i + j
		i = start + 2
		if escapedBackslash(text, start) {
			continue
		}
		r, ok := hexRune(text[i:])
		if !ok || r < 0xD800 || r > 0xDFFF {
			continue
		}
		if r >= 0xDC00 {
			return true
		}
		rest := text[i+4:]
		if len(rest) < 6 || rest[:2] != `\u` {
			return true
		}
		low, ok := hexRune(rest[2:])
		if !ok || low < 0xDC00 || low > 0xDFFF {
			return true
		}
		i += 10
	}
}

// escapedBackslash reports whether the backslash at text[i] is itself
// escaped, by an odd number of backslashes before it.
func escapedBackslash(text string, i int) bool {
	n := 0
	for i--; i >= 0 && text[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}
