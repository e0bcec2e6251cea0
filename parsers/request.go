package parsers

import (
	"net/textproto"
	"strings"
)

// ParseTarget adds the path and the query parameters of a raw request-target
// such as /api/users?name[$regex]=^a. The whole path becomes one
// LocationPath field, and each segment with punctuation that an injection
// needs becomes a field at its index; both stay percent-encoded so that
// normalization decodes them as the backend would. An
// absolute-form target (http://host/path) is reduced to its path and query.
func ParseTarget(doc *Document, target string) {
	if i := strings.Index(target, "://"); i > 0 && !strings.ContainsAny(target[:i], "/?") {
		rest := target[i+3:]
		if slash := strings.IndexAny(rest, "/?"); slash >= 0 {
			target = rest[slash:]
		} else {
			target = "/"
		}
	}
	path, query, hasQuery := strings.Cut(target, "?")
	if fragment := strings.IndexByte(query, '#'); fragment >= 0 {
		query = query[:fragment]
	}
	if path != "" && path != "/" {
		doc.AddField(LocationPath, KindString, nil, path)
		// Each segment is a field of its own as well, because REST routes
		// bind segments to parameters ("/users/{id}") and an injection must
		// be judged on the segment, not on the whole path.
		rest := strings.TrimPrefix(path, "/")
		for i := 0; rest != ""; i++ {
			var part string
			part, rest, _ = strings.Cut(rest, "/")
			if part == "" || !strings.ContainsAny(part, "%'\"();<>=`${}|&*!") {
				continue
			}
			if !doc.AddField(LocationPath, KindString, doc.onePath(IndexSegment(i)), part) {
				return
			}
		}
	}
	if hasQuery {
		ParseQuery(doc, LocationQuery, query)
	}
}

// ParseCookies adds the cookies of one Cookie header value. Values are kept as
// sent; normalization decodes them.
func ParseCookies(doc *Document, header string) {
	var path [1]Segment
	for header != "" {
		var pair string
		pair, header, _ = strings.Cut(header, ";")
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		path[0] = KeySegment(name)
		if !doc.AddField(LocationCookie, KindKey, path[:], name) {
			return
		}
		if !doc.AddField(LocationCookie, KindString, path[:], strings.Trim(value, `"`)) {
			return
		}
	}
}

// AddHeader adds one header value under its canonical name.
func AddHeader(doc *Document, name, value string) {
	doc.AddField(LocationHeader, KindString, doc.onePath(KeySegment(textproto.CanonicalMIMEHeaderKey(name))), value)
}
