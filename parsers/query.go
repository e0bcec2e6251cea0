package parsers

import (
	"strconv"
	"strings"
)

// ParseQuery adds the parameters of a query string or an
// application/x-www-form-urlencoded body to doc. Keys and values are
// percent-decoded and '+' is read as a space. Bracket notation is expanded
// as Express (qs) and PHP expand it, so a[b][$ne]=1 becomes the path
// a.b["$ne"] and a[]=1&a[]=2 becomes a[0] and a[1]. Every repeated parameter
// is kept, and every key along a bracket path is added as a KindKey field so
// that operator keys are inspected where the backend reads them.
//
// Brackets nested deeper than the depth limit are reported and the rest of
// the key is kept as one literal segment, which is what qs does past its own
// depth. A key with unbalanced brackets, such as a[b, is kept whole.
func ParseQuery(doc *Document, loc Location, query string) {
	var appendCounts map[string]int // next index for each "a[]" prefix
	var path Path
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key := decodeFormComponent(doc, loc, rawKey)
		value := decodeFormComponent(doc, loc, rawValue)

		path = splitBracketKey(doc, loc, path[:0], key)
		// Replace each empty segment ("a[]") with the next free index for
		// its prefix, as qs and PHP append to the array.
		for i := range path {
			if path[i].Index != appendIndex {
				continue
			}
			prefix := Path(path[:i]).String()
			if appendCounts == nil {
				appendCounts = make(map[string]int)
			}
			path[i] = IndexSegment(appendCounts[prefix])
			appendCounts[prefix]++
		}
		for i := range path {
			if path[i].IsIndex() {
				continue
			}
			if !doc.AddField(loc, KindKey, path[:i+1], path[i].Name) {
				return
			}
		}
		if !doc.AddField(loc, KindString, path, value) {
			return
		}
	}
}

// appendIndex marks an empty bracket pair until ParseQuery numbers it.
const appendIndex = -2

// splitBracketKey splits a[b][0][] into segments a, b, index 0 and an append
// marker. Digits in brackets are indices, as qs reads them.
func splitBracketKey(doc *Document, loc Location, path Path, key string) Path {
	open := strings.IndexByte(key, '[')
	if open <= 0 || !strings.HasSuffix(key, "]") {
		return append(path, KeySegment(key))
	}
	path = append(path, KeySegment(key[:open]))
	rest := key[open:]
	for rest != "" {
		if rest[0] != '[' {
			return append(path[:0], KeySegment(key))
		}
		closeAt := strings.IndexByte(rest, ']')
		if closeAt < 0 {
			return append(path[:0], KeySegment(key))
		}
		if max := doc.limits.MaxDepth; max > 0 && len(path) >= max {
			doc.AddAnomaly(AnomalyDepthLimit, loc, path, "bracket nesting deeper than "+strconv.Itoa(max))
			return append(path, KeySegment(rest))
		}
		inner := rest[1:closeAt]
		switch {
		case inner == "":
			path = append(path, Segment{Index: appendIndex})
		case isSmallIndex(inner):
			n, _ := strconv.Atoi(inner)
			path = append(path, IndexSegment(n))
		default:
			path = append(path, KeySegment(inner))
		}
		rest = rest[closeAt+1:]
	}
	return path
}

// isSmallIndex reports whether s is a decimal array index that qs would
// treat as one: at most 20, because larger indices become object keys there.
func isSmallIndex(s string) bool {
	if len(s) > 2 {
		return false
	}
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 20 && strconv.Itoa(n) == s
}

// decodeFormComponent percent-decodes s and reads '+' as a space. An invalid
// escape is kept as written, as qs and PHP keep it, and reported once.
func decodeFormComponent(doc *Document, loc Location, s string) string {
	decoded, valid := UnescapeQuery(s)
	if !valid {
		doc.AddAnomaly(AnomalyMalformedQuery, loc, nil, "invalid percent-encoding")
	}
	return decoded
}

// UnescapeQuery percent-decodes one query string or form component and reads
// '+' as a space, as form decoders in common backends do. An invalid escape
// such as "%zz" or a trailing "%" is kept as written, and the second result
// is false.
func UnescapeQuery(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	valid := true
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		case c == '%':
			valid = false
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), valid
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
