// Package parsers turns the parts of an HTTP request (query string, headers,
// cookies, path and body) into one flat list of fields that detectors read.
//
// A field is a key or a scalar value with a typed path, so a key that
// contains a dot or a bracket never collides with nesting. Parsers never
// panic and never stop at the first problem: what they cannot read or what
// breaks a limit becomes an [Anomaly] next to the fields read so far.
package parsers

import (
	"strconv"
	"strings"
)

// Location is the part of the request that a field comes from.
type Location uint8

// The request parts a field can come from.
const (
	LocationPath Location = iota + 1
	LocationQuery
	LocationHeader
	LocationCookie
	LocationBody
	LocationMultipart
	LocationGraphQLArgument
	LocationGraphQLVariable
)

var locationNames = [...]string{
	LocationPath:            "path",
	LocationQuery:           "query",
	LocationHeader:          "header",
	LocationCookie:          "cookie",
	LocationBody:            "body",
	LocationMultipart:       "multipart",
	LocationGraphQLArgument: "graphql-argument",
	LocationGraphQLVariable: "graphql-variable",
}

func (l Location) String() string {
	if int(l) < len(locationNames) && locationNames[l] != "" {
		return locationNames[l]
	}
	return "location(" + strconv.Itoa(int(l)) + ")"
}

// ParseLocation returns the location named s, as printed by String.
func ParseLocation(s string) (Location, bool) {
	for i, name := range locationNames {
		if name != "" && name == s {
			return Location(i), true
		}
	}
	return 0, false
}

// Kind is the JSON kind of a field's value. Keys and raw bodies have kinds of
// their own because detectors treat them differently.
type Kind uint8

// The kinds of field.
const (
	KindString Kind = iota + 1
	KindNumber
	KindBool
	KindNull
	KindKey
	// KindRaw is a body or part that no parser could read, scanned as text.
	KindRaw
)

var kindNames = [...]string{
	KindString: "string",
	KindNumber: "number",
	KindBool:   "bool",
	KindNull:   "null",
	KindKey:    "key",
	KindRaw:    "raw",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind returns the kind named s, as printed by String.
func ParseKind(s string) (Kind, bool) {
	for i, name := range kindNames {
		if name != "" && name == s {
			return Kind(i), true
		}
	}
	return 0, false
}

// Segment is one step of a field path: an object key or an array index.
type Segment struct {
	Name  string
	Index int // the array index, or -1 when the segment is a key
}

// KeySegment returns the segment for the object key name.
func KeySegment(name string) Segment { return Segment{Name: name, Index: -1} }

// IndexSegment returns the segment for array element i.
func IndexSegment(i int) Segment { return Segment{Index: i} }

// IsIndex reports whether the segment is an array index.
func (s Segment) IsIndex() bool { return s.Index >= 0 }

// Path is a typed field path.
type Path []Segment

// String renders the path unambiguously: identifier-like keys are joined by
// dots, other keys are quoted in brackets and indices are bracketed, so
// {"a.b": 1} renders as ["a.b"] and {"a": {"b": 1}} as a.b.
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case s.IsIndex():
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.Index))
			b.WriteByte(']')
		case isIdentifier(s.Name):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		default:
			b.WriteByte('[')
			b.WriteString(strconv.Quote(s.Name))
			b.WriteByte(']')
		}
	}
	return b.String()
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c == '-' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Field is one key or scalar value of a request.
//
// Value is decoded from its carrier (JSON escapes, percent-encoding of query
// strings and forms) but not normalized further. For KindKey, Value is the key
// and Path ends with that key. Strings may alias the request body, so a field
// is valid only while the body it was parsed from is unchanged.
type Field struct {
	Location Location
	Kind     Kind
	Depth    int // nesting depth: 1 for a top-level key or value
	Path     Path
	Value    string
}

// Key returns the last key of the field's path, or "" when the path ends with
// an index or is empty.
func (f *Field) Key() string {
	if n := len(f.Path); n > 0 && !f.Path[n-1].IsIndex() {
		return f.Path[n-1].Name
	}
	return ""
}
