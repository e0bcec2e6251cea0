package graphql

import (
	"strconv"
	"strings"

	"github.com/fieldwall/fieldwall/parsers"
)

// fillRequest adds the fields and findings of one carried request.
func (r *reader) fillRequest(c *carried) {
	if c.invalid != nil {
		r.doc.AddAnomaly(parsers.AnomalyGraphQLInvalidRequest, c.loc, c.memberPath, "batch element is not a JSON object")
		parsers.ParseJSON(r.doc, c.loc, c.memberPath, c.invalid)
		return
	}
	for i := range c.members {
		m := &c.members[i]
		r.doc.AddField(c.loc, parsers.KindKey, c.memberKeyPath(m), m.key)
	}
	r.checkParams(c)

	vars := r.numericVariables(c)
	for i := range c.members {
		m := &c.members[i]
		switch m.param {
		case paramQuery:
			r.fillQuery(c, m, vars)
		case paramVariables:
			r.fillVariables(c, m)
		case paramOperationName:
			r.fillOperationName(c, m)
		default:
			r.fillValue(c, m)
		}
	}
}

// checkParams reports GraphQL parameters sent more than once, because
// servers disagree on which copy they execute, and parameters spelled in
// another case, which case-insensitive servers read and others ignore.
// Every copy is inspected either way. In JSON carriers, a repeated key that
// is not a GraphQL parameter is a duplicate JSON key.
func (r *reader) checkParams(c *carried) {
	var counts [paramDocumentID + 1]int
	for i := range c.members {
		m := &c.members[i]
		if m.param == paramNone {
			continue
		}
		counts[m.param]++
		if !m.exact {
			r.doc.AddAnomaly(parsers.AnomalyGraphQLParameterCase, c.loc, c.memberKeyPath(m),
				"parameter "+strconv.Quote(m.key)+" differs from a GraphQL parameter only in case")
		}
		if counts[m.param] == 2 {
			r.doc.AddAnomaly(parsers.AnomalyGraphQLDuplicateParameter, c.loc, c.memberKeyPath(m),
				"GraphQL parameter "+strconv.Quote(m.key)+" sent more than once")
		}
	}
	if c.text {
		return
	}
	seen := make(map[string]struct{}, len(c.members))
	for i := range c.members {
		m := &c.members[i]
		if _, dup := seen[m.key]; dup && m.param == paramNone {
			r.doc.AddAnomaly(parsers.AnomalyDuplicateKey, c.loc, c.memberKeyPath(m), "duplicate key "+strconv.Quote(m.key))
		}
		seen[m.key] = struct{}{}
	}
}

// numericVariables returns the integer members of the request's first
// variables object, which page-size arguments may refer to.
func (r *reader) numericVariables(c *carried) map[string]int64 {
	for i := range c.members {
		m := &c.members[i]
		if m.param != paramVariables {
			continue
		}
		switch {
		case c.text || m.json == nil:
			return jsonNumberMembers([]byte(m.text))
		case m.json[0] == '{':
			return jsonNumberMembers(m.json)
		case m.json[0] == '"':
			text, _ := decodeJSONString(m.json)
			return jsonNumberMembers([]byte(text))
		}
		return nil
	}
	return nil
}

// maxRejectedScanBytes bounds the signature scan of a document rejected for
// its size or token count. The rejection blocks the request by default, so
// the scan only adds detail. Scanning 64 KiB of GraphQL syntax as one raw
// value took about 18 ms on a 2-core AMD EPYC (bench/graphql_test.go), over
// the 5 ms a hostile document may cost. With 16 KiB the slowest hostile
// document of that benchmark took 2.6 ms.
const maxRejectedScanBytes = 16 << 10

// fillQuery adds the findings and fields of one query member. A document
// that could not be checked or parsed is reported and never walked. Its
// text is added as one raw field, so that signatures still read it. A
// document over its size limit is scanned up to that size, and one over its
// size or token limit no further than maxRejectedScanBytes.
func (r *reader) fillQuery(c *carried, m *member, vars map[string]int64) {
	path := c.memberKeyPath(m)
	switch {
	case m.unparsed:
		r.doc.AddField(c.loc, parsers.KindRaw, path, m.text)
		return
	case m.document == nil:
		if m.json[0] != 'n' {
			r.doc.AddAnomaly(parsers.AnomalyGraphQLInvalidRequest, c.loc, path, "query is not a string")
			parsers.ParseJSON(r.doc, c.loc, path, m.json)
		}
		return
	}
	d := m.document
	if d.loneSurrogate {
		r.doc.AddAnomaly(parsers.AnomalyLoneSurrogate, c.loc, path, "unpaired UTF-16 surrogate escape in a GraphQL document")
	}
	if d.problem != 0 {
		r.doc.AddAnomaly(d.problem, c.loc, path, d.detail)
		text := d.text
		if d.problem == parsers.AnomalyGraphQLDocumentSize && len(text) > r.lim.MaxDocumentBytes && r.lim.MaxDocumentBytes > 0 {
			text = text[:r.lim.MaxDocumentBytes]
		}
		if (d.problem == parsers.AnomalyGraphQLDocumentSize || d.problem == parsers.AnomalyGraphQLTokenLimit) &&
			len(text) > maxRejectedScanBytes {
			text = text[:maxRejectedScanBytes]
		}
		r.doc.AddField(c.loc, parsers.KindRaw, path, text)
		return
	}
	a := analyzer{doc: r.doc, lim: r.lim, loc: c.loc, method: r.req.Method, vars: vars}
	a.analyze(d.ast, c.graphQLPrefix())
}

// fillVariables adds the variables as LocationGraphQLVariable fields under
// the request's batch prefix. Variables arrive as a JSON object, as a JSON
// string that holds one (which several servers accept), or as text in a
// query string or form.
func (r *reader) fillVariables(c *carried, m *member) {
	prefix := c.graphQLPrefix()
	switch {
	case c.text || m.json == nil:
		if strings.TrimSpace(m.text) != "" {
			parsers.ParseJSON(r.doc, parsers.LocationGraphQLVariable, prefix, []byte(m.text))
		}
	case m.json[0] == '{':
		parsers.ParseJSON(r.doc, parsers.LocationGraphQLVariable, prefix, m.json)
	case m.json[0] == 'n':
		// null means no variables.
	case m.json[0] == '"':
		text, _ := decodeJSONString(m.json)
		if strings.TrimSpace(text) != "" {
			parsers.ParseJSON(r.doc, parsers.LocationGraphQLVariable, prefix, []byte(text))
		}
	default:
		r.doc.AddAnomaly(parsers.AnomalyGraphQLInvalidRequest, c.loc, c.memberKeyPath(m), "variables is not an object")
		parsers.ParseJSON(r.doc, parsers.LocationGraphQLVariable, prefix, m.json)
	}
}

// fillOperationName adds the operation name as a field and reports a name
// that is not a GraphQL name. No document can define such an operation,
// so the value serves only to carry text into logs and metrics.
func (r *reader) fillOperationName(c *carried, m *member) {
	path := c.memberKeyPath(m)
	name := m.text
	if !c.text && m.json != nil {
		switch m.json[0] {
		case 'n':
			return
		case '"':
			name, _ = decodeJSONString(m.json)
		default:
			r.doc.AddAnomaly(parsers.AnomalyGraphQLInvalidRequest, c.loc, path, "operationName is not a string")
			parsers.ParseJSON(r.doc, c.loc, path, m.json)
			return
		}
	}
	r.doc.AddField(c.loc, parsers.KindString, path, name)
	if name != "" && !isName(name) {
		r.doc.AddAnomaly(parsers.AnomalyGraphQLOperationName, c.loc, path, "operationName is not a GraphQL name")
	}
}

// fillValue adds a member that is not a document, variables or an
// operation name: extensions, persisted-document ids and, in JSON carriers,
// the body's other members.
func (r *reader) fillValue(c *carried, m *member) {
	path := c.memberKeyPath(m)
	if c.text || m.json == nil {
		text := strings.TrimSpace(m.text)
		if m.param == paramExtensions && text != "" && (text[0] == '{' || text[0] == '[') {
			parsers.ParseJSON(r.doc, c.loc, path, []byte(m.text))
			return
		}
		r.doc.AddField(c.loc, parsers.KindString, path, m.text)
		return
	}
	parsers.ParseJSON(r.doc, c.loc, path, m.json)
}

// isName reports whether s matches the GraphQL Name grammar,
// [_A-Za-z][_0-9A-Za-z]*.
func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// checkCarriers reports a document sent both in the query string and in
// the body: servers pick one or the other.
func (r *reader) checkCarriers() {
	if r.queryRequest == nil || !r.bodyGraphQL {
		return
	}
	inQuery, inBody := false, false
	for i := range r.queryRequest.members {
		inQuery = inQuery || r.queryRequest.members[i].param == paramQuery
	}
	for i := range r.bodyRequests {
		for j := range r.bodyRequests[i].members {
			inBody = inBody || r.bodyRequests[i].members[j].param == paramQuery
		}
	}
	if inQuery && inBody {
		r.doc.AddAnomaly(parsers.AnomalyGraphQLDuplicateParameter, parsers.LocationQuery, parsers.Path{parsers.KeySegment("query")},
			"GraphQL document in both the query string and the body")
	}
}

// checkSimpleRequest reports a GraphQL request that a web page on another
// site can make a browser send with the user's cookies: a method other
// than GET or HEAD, a simple content type, and no header that needs a CORS
// preflight. GET and HEAD are left to the mutation-over-GET check.
func (r *reader) checkSimpleRequest() {
	if r.lim.AllowSimpleRequests || isGetLike(r.req.Method) || !isSimpleType(r.mediaType) {
		return
	}
	for _, name := range r.lim.PreflightHeaders {
		if r.req.Header.Get(name) != "" {
			return
		}
	}
	contentType := r.mediaType
	if contentType == "" {
		contentType = "no content type"
	}
	r.doc.AddAnomaly(parsers.AnomalyGraphQLSimpleRequest, parsers.LocationBody, nil,
		r.req.Method+" with "+contentType+" and no preflight header")
}
