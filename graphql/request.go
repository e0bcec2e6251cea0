package graphql

import (
	"bytes"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/bytedance/sonic"

	"github.com/fieldwall/fieldwall/parsers"
)

// Request is the part of an HTTP request that can carry GraphQL.
type Request struct {
	// Method is the request method as sent.
	Method string
	// Target is the raw request-target as sent: path and query, still
	// percent-encoded, or an absolute URL.
	Target string
	// Header holds the request headers. Parse reads Content-Type and the
	// preflight headers.
	Header http.Header
	// Body is the body as the caller inspects it, already cut to the
	// caller's body limit. Field values alias it, so it must not change
	// while the document is in use.
	Body []byte
}

// Parse recognises a GraphQL request. When req is one, Parse adds every
// field of its target and body to doc and returns true. The fields are the
// path, the query parameters, the literals of each document, the variables,
// the extensions and the body's other members, and the anomalies found on
// the way are added too. When req is not a GraphQL request, Parse returns
// false and adds nothing, so that the caller parses the target and body as
// usual.
//
// A request is a GraphQL request when one of these holds:
//
//   - its path is one of opts.Endpoints, and its query string or body
//     carries GraphQL parameters;
//   - its body is declared application/graphql;
//   - on any path, its body is a JSON object with a string "query" that
//     parses as a GraphQL document, or a non-empty array of such objects.
//
// Headers and cookies are left to the caller. Parse never panics, and its
// work is linear in the size of the target and body.
func Parse(doc *parsers.Document, req Request, opts Options) bool {
	return NewInspector(opts).Parse(doc, &req)
}

// Inspector is Options with the defaults applied, prepared once and then
// used for any number of requests. It is immutable and safe for concurrent
// use.
type Inspector struct {
	lim limits
}

// NewInspector returns an Inspector for opts.
func NewInspector(opts Options) *Inspector {
	return &Inspector{lim: opts.withDefaults()}
}

// Parse is the package-level Parse with the inspector's options. req must
// not change until Parse returns; the document does not keep it.
func (in *Inspector) Parse(doc *parsers.Document, req *Request) bool {
	r := reader{doc: doc, lim: &in.lim, req: req}
	if !r.recognise() {
		return false
	}
	r.fill()
	return true
}

// param is a GraphQL-over-HTTP request parameter.
type param uint8

const (
	paramNone param = iota
	paramQuery
	paramVariables
	paramOperationName
	paramExtensions
	// paramDocumentID is the id of a persisted document: documentId in the
	// GraphQL-over-HTTP draft, id and doc_id in Relay's conventions.
	paramDocumentID
)

// paramOf returns the parameter that key names, compared without case, and
// whether key is spelled exactly as the parameter's canonical name.
// Servers differ in case sensitivity, so QUERY is a query parameter to some.
func paramOf(key string) (param, bool) {
	for _, candidate := range [...]struct {
		name  string
		param param
	}{
		{"query", paramQuery},
		{"variables", paramVariables},
		{"operationName", paramOperationName},
		{"extensions", paramExtensions},
		{"documentId", paramDocumentID},
		{"doc_id", paramDocumentID},
		{"id", paramDocumentID},
	} {
		if strings.EqualFold(key, candidate.name) {
			return candidate.param, key == candidate.name
		}
	}
	return paramNone, false
}

// makesGraphQL reports whether a parameter on its own marks a request to an
// endpoint as a GraphQL request: a document, or the id or hash of a
// persisted one.
func (p param) makesGraphQL() bool {
	return p == paramQuery || p == paramExtensions || p == paramDocumentID
}

// member is one parameter of a carried request.
type member struct {
	key   string
	param param
	exact bool
	// json is the raw JSON value in JSON carriers; nil in query strings and
	// forms, where text holds the decoded value.
	json []byte
	text string
	// document is the prepared document of a query member with a string
	// value, or nil.
	document *prepared
	// unparsed is set on a query copy past maxParsedCopies; text then
	// holds the document, which is scanned as text.
	unparsed bool
}

// carried is one GraphQL-over-HTTP request: a JSON body object, one element
// of a batch, the GraphQL parameters of a query string or form, or the
// operations part of a multipart body.
type carried struct {
	// loc is the request part that holds it.
	loc parsers.Location
	// memberPath is the path of its members' parent: empty for a body
	// object, [i] for batch element i, operations[i] in a multipart body.
	memberPath parsers.Path
	// index is the batch index, or -1. GraphQL fields and variables of a
	// batched request have paths that start with it.
	index   int
	members []member
	// invalid holds a batch element that is not a JSON object.
	invalid []byte
	// text is true when the members come from a query string or a form,
	// whose values are text and whose other parameters ParseQuery reads.
	text bool
}

// graphQLPrefix returns the path prefix of the request's GraphQL fields.
func (c *carried) graphQLPrefix() parsers.Path {
	if c.index < 0 {
		return nil
	}
	return parsers.Path{parsers.IndexSegment(c.index)}
}

// memberKeyPath returns the path of member m.
func (c *carried) memberKeyPath(m *member) parsers.Path {
	path := make(parsers.Path, 0, len(c.memberPath)+1)
	path = append(path, c.memberPath...)
	return append(path, parsers.KeySegment(m.key))
}

// hasParam reports whether the request has a parameter that makes it a
// GraphQL request.
func (c *carried) hasParam() bool {
	for i := range c.members {
		if c.members[i].param.makesGraphQL() {
			return true
		}
	}
	return false
}

// hasDocument reports whether the request has a query member whose text
// parsed as a GraphQL document, the shape that is recognised on any path.
func (c *carried) hasDocument() bool {
	for i := range c.members {
		if d := c.members[i].document; d != nil && d.ast != nil {
			return true
		}
	}
	return false
}

// reader recognises the carriers of one request, then fills the document.
type reader struct {
	doc *parsers.Document
	lim *limits
	req *Request

	path      string // the path of the target, without query and fragment
	rawQuery  string
	endpoint  bool
	mediaType string
	boundary  string

	// queryRequest is the GraphQL request in the query string, or nil.
	// otherQuery holds the query string's other parameters, as sent.
	queryRequest *carried
	otherQuery   string
	// otherForm holds a form body's parameters other than GraphQL's.
	otherForm string

	// bodyRequests are the GraphQL requests of the body; bodyGraphQL is
	// true when the body is a GraphQL carrier.
	bodyRequests []carried
	bodyGraphQL  bool
	bodyFormat   bodyFormat
	// batch is set when the body is a JSON array of requests; overflow
	// holds the elements past MaxBatch, which are inspected as plain JSON.
	batch     bool
	batchSize int
	overflow  [][]byte
	// jsonBody is the body without a byte-order mark.
	jsonBody []byte
	bom      bool
	parts    []part
}

type bodyFormat uint8

const (
	bodyNone bodyFormat = iota
	bodyJSON
	bodyGraphQLText
	bodyForm
	bodyMultipart
)

// recognise reads the carriers of the request without touching the
// document and reports whether any of them is GraphQL.
func (r *reader) recognise() bool {
	target := r.req.Target
	if i := strings.IndexByte(target, '#'); i >= 0 {
		target = target[:i]
	}
	r.path, r.rawQuery, _ = strings.Cut(target, "?")
	r.endpoint = r.lim.isEndpoint(originFormPath(r.path))
	r.mediaType, r.boundary = parseContentType(r.req.Header.Get("Content-Type"))

	if r.endpoint && r.rawQuery != "" {
		r.readQueryString()
	}
	if len(r.req.Body) > 0 {
		r.readBody()
	}
	return r.queryRequest != nil || r.bodyGraphQL
}

// originFormPath returns the path of an absolute-form target
// (http://host/graphql), or path unchanged.
func originFormPath(path string) string {
	i := strings.Index(path, "://")
	if i <= 0 || strings.ContainsAny(path[:i], "/?") {
		return path
	}
	rest := path[i+3:]
	if slash := strings.IndexByte(rest, '/'); slash >= 0 {
		return rest[slash:]
	}
	return "/"
}

func parseContentType(contentType string) (mediaType, boundary string) {
	if contentType == "" {
		return "", ""
	}
	if strings.IndexByte(contentType, ';') < 0 {
		// No parameters: skip mime.ParseMediaType, which allocates a map.
		return strings.ToLower(strings.TrimSpace(contentType)), ""
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mediaType, _, _ = strings.Cut(contentType, ";")
		return strings.ToLower(strings.TrimSpace(mediaType)), ""
	}
	return mediaType, params["boundary"]
}

func isJSONType(mediaType string) bool {
	switch mediaType {
	case "application/json", "text/json", "application/x-json", "application/jsonrequest":
		return true
	}
	return strings.HasSuffix(mediaType, "+json")
}

// isSimpleType reports whether a browser sends a body of this type
// cross-site without a CORS preflight. An empty type counts, because a
// body sent without one is read by servers that sniff JSON.
func isSimpleType(mediaType string) bool {
	switch mediaType {
	case "", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data":
		return true
	}
	return false
}

// readQueryString splits the GraphQL parameters of an endpoint's query
// string from its other parameters.
func (r *reader) readQueryString() {
	c, other := readParams(r.rawQuery, parsers.LocationQuery)
	if c.hasParam() {
		r.queryRequest = c
		r.otherQuery = other
		r.prepareAll(c)
	}
}

// readParams decodes the GraphQL parameters of a query string or form into
// a carried request, and returns the other parameters, joined as sent, for
// parsers.ParseQuery.
func readParams(query string, loc parsers.Location) (*carried, string) {
	c := &carried{loc: loc, index: -1, text: true}
	var other strings.Builder
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, _ := parsers.UnescapeQuery(rawKey)
		p, exact := paramOf(key)
		if p == paramNone {
			if other.Len() > 0 {
				other.WriteByte('&')
			}
			other.WriteString(pair)
			continue
		}
		value, _ := parsers.UnescapeQuery(rawValue)
		c.members = append(c.members, member{key: key, param: p, exact: exact, text: value})
	}
	return c, other.String()
}

// readBody recognises the body's carrier.
func (r *reader) readBody() {
	body := r.req.Body
	switch {
	case r.mediaType == "application/graphql":
		// The type declares the body a GraphQL document, on any path.
		c := carried{loc: parsers.LocationBody, index: -1}
		c.members = append(c.members, member{key: "query", param: paramQuery, exact: true, text: bytesToString(body)})
		r.prepareAll(&c)
		r.bodyRequests = append(r.bodyRequests, c)
		r.bodyFormat = bodyGraphQLText
		r.bodyGraphQL = true
	case isJSONType(r.mediaType) || r.mediaType == "" || r.mediaType == "text/plain" ||
		r.mediaType == "application/x-www-form-urlencoded" && looksLikeJSON(body):
		// Common frameworks read bodies of these types as JSON whatever the
		// Content-Type declares, and parsers.ParseBody reads them so too.
		r.readJSONBody(body)
	case r.mediaType == "application/x-www-form-urlencoded" && r.endpoint:
		c, other := readParams(bytesToString(body), parsers.LocationBody)
		if c.hasParam() {
			r.prepareAll(c)
			r.bodyRequests = append(r.bodyRequests, *c)
			r.otherForm = other
			r.bodyFormat = bodyForm
			r.bodyGraphQL = true
		}
	case r.mediaType == "multipart/form-data" && r.endpoint:
		r.readMultipart(body)
	}
}

// looksLikeJSON reports whether body starts like a JSON object or array
// and is valid JSON.
func looksLikeJSON(body []byte) bool {
	trimmed := trimJSONSpace(bytes.TrimPrefix(body, byteOrderMark))
	return len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && sonic.Valid(trimmed)
}

// readJSONBody recognises a JSON body as a GraphQL request or batch.
//
// NOTE: a UTF-16 body fails sonic.Valid and is left to parsers.ParseBody,
// which decodes it but reads the query as one string, so a GraphQL request
// in UTF-16 gets no structural analysis.
func (r *reader) readJSONBody(body []byte) {
	data := bytes.TrimPrefix(body, byteOrderMark)
	r.bom = len(data) < len(body)
	data = trimJSONSpace(data)
	if len(data) == 0 || data[0] != '{' && data[0] != '[' {
		return
	}
	// Off the configured endpoints a body is GraphQL only when every request
	// in it has a query member, so a body without the word is not read
	// further.
	if !r.endpoint && !mayNameQuery(data) {
		return
	}
	if !sonic.Valid(data) {
		return
	}
	requests, overflow, batch, size := r.readJSONRequests(data, parsers.LocationBody, nil)
	if !r.isGraphQLBody(requests, overflow, batch) {
		return
	}
	r.jsonBody = data
	r.bodyRequests = requests
	r.overflow = overflow
	r.batch = batch
	r.batchSize = size
	r.bodyFormat = bodyJSON
	r.bodyGraphQL = true
}

// mayNameQuery reports whether data can contain a member named "query": it
// contains the word in any case, or an escape (\u0071uery) and "uery" or
// "UERY". Every JSON body off the endpoints goes through it, so it looks for
// the rare letters 'q' and 'Q' with IndexByte.
func mayNameQuery(data []byte) bool {
	for _, q := range []byte("qQ") {
		for rest := data; ; {
			i := bytes.IndexByte(rest, q)
			if i < 0 || len(rest)-i < len("query") {
				break
			}
			if strings.EqualFold(bytesToString(rest[i+1:i+5]), "uery") {
				return true
			}
			rest = rest[i+1:]
		}
	}
	return bytes.Contains(data, []byte(`\u`)) &&
		(bytes.Contains(data, []byte("uery")) || bytes.Contains(data, []byte("UERY")))
}

// readJSONRequests reads a JSON object as one request, or a JSON array as a
// batch of requests, and prepares their documents. Elements past MaxBatch
// are returned as overflow, unread.
func (r *reader) readJSONRequests(data []byte, loc parsers.Location, base parsers.Path) (requests []carried, overflow [][]byte, batch bool, size int) {
	if data[0] == '{' {
		c := carried{loc: loc, index: -1, memberPath: base}
		r.readJSONMembers(&c, data)
		return []carried{c}, nil, false, 1
	}
	elements := appendJSONElements(nil, data)
	for i, element := range elements {
		if exceeds(i+1, r.lim.MaxBatch) {
			overflow = elements[i:]
			break
		}
		path := make(parsers.Path, 0, len(base)+1)
		path = append(append(path, base...), parsers.IndexSegment(i))
		c := carried{loc: loc, index: i, memberPath: path}
		if len(element) > 0 && element[0] == '{' {
			r.readJSONMembers(&c, element)
		} else {
			c.invalid = element
		}
		requests = append(requests, c)
	}
	return requests, overflow, true, len(elements)
}

// readJSONMembers reads the members of one request object and prepares its
// documents.
func (r *reader) readJSONMembers(c *carried, object []byte) {
	for _, m := range appendJSONMembers(nil, object) {
		p, exact := paramOf(m.key)
		c.members = append(c.members, member{key: m.key, param: p, exact: exact, json: m.value})
	}
	r.prepareAll(c)
}

// isGraphQLBody decides whether JSON requests make the body a GraphQL
// carrier: on an endpoint, any GraphQL parameter does; elsewhere every
// request must carry a string query that parses, the GraphQL shape.
func (r *reader) isGraphQLBody(requests []carried, overflow [][]byte, batch bool) bool {
	if len(requests) == 0 {
		return false
	}
	if r.endpoint {
		for i := range requests {
			if requests[i].hasParam() {
				return true
			}
		}
		return false
	}
	for i := range requests {
		if !requests[i].hasDocument() {
			return false
		}
	}
	// Requests past the batch limit are not parsed, so a string query
	// member is enough for them.
	for _, element := range overflow {
		if !hasStringQuery(element) {
			return false
		}
	}
	return true
}

func hasStringQuery(element []byte) bool {
	for _, m := range appendJSONMembers(nil, element) {
		if p, _ := paramOf(m.key); p == paramQuery && len(m.value) > 0 && m.value[0] == '"' {
			return true
		}
	}
	return false
}

// maxParsedCopies bounds the query members parsed per carried request.
// Later copies are scanned as text, because a second copy is already a
// finding and a body with 100,000 copies would otherwise cost 100,000
// parses.
const maxParsedCopies = 2

// prepareAll checks and parses the document of every query member, up to
// maxParsedCopies of them.
func (r *reader) prepareAll(c *carried) {
	copies := 0
	for i := range c.members {
		m := &c.members[i]
		if m.param != paramQuery {
			continue
		}
		text, issues, isString := m.text, stringIssue(0), true
		if !c.text && m.json != nil {
			isString = m.json[0] == '"'
			if isString {
				text, issues = decodeJSONString(m.json)
			}
		}
		if !isString {
			continue
		}
		copies++
		if copies > maxParsedCopies {
			m.text, m.unparsed = text, true
			continue
		}
		m.document = r.lim.prepare(text, issues)
	}
}

// fill adds the fields and anomalies of a recognised GraphQL request.
func (r *reader) fill() {
	doc := r.doc
	parsers.ParseTarget(doc, r.path)
	switch {
	case r.queryRequest != nil:
		if r.otherQuery != "" {
			parsers.ParseQuery(doc, parsers.LocationQuery, r.otherQuery)
		}
		r.fillRequest(r.queryRequest)
	case r.rawQuery != "":
		parsers.ParseQuery(doc, parsers.LocationQuery, r.rawQuery)
	}

	if r.bodyGraphQL {
		r.fillBody()
	} else if len(r.req.Body) > 0 {
		parsers.ParseBody(doc, r.req.Header.Get("Content-Type"), r.req.Body)
	}
	r.checkCarriers()
	r.checkSimpleRequest()
}

func (r *reader) fillBody() {
	doc := r.doc
	switch r.bodyFormat {
	case bodyJSON:
		if r.bom {
			doc.AddAnomaly(parsers.AnomalyByteOrderMark, parsers.LocationBody, nil, "UTF-8 byte-order mark before JSON")
		}
		if r.mediaType == "application/x-www-form-urlencoded" {
			doc.AddAnomaly(parsers.AnomalyContentTypeMismatch, parsers.LocationBody, nil, "JSON document sent as "+r.mediaType)
		}
		r.fillJSONRequests(r.bodyRequests, r.overflow, r.batch, r.batchSize, parsers.LocationBody, nil)
	case bodyForm:
		if r.otherForm != "" {
			parsers.ParseQuery(doc, parsers.LocationBody, r.otherForm)
		}
		r.fillRequest(&r.bodyRequests[0])
	case bodyGraphQLText:
		r.fillRequest(&r.bodyRequests[0])
	case bodyMultipart:
		r.fillMultipart()
	}
}

// fillJSONRequests fills the requests of a JSON carrier, reports the batch
// size, and adds the overflow past the batch limit as plain JSON.
func (r *reader) fillJSONRequests(requests []carried, overflow [][]byte, batch bool, size int, loc parsers.Location, base parsers.Path) {
	if batch && exceeds(size, r.lim.MaxBatch) {
		r.doc.AddAnomaly(parsers.AnomalyGraphQLBatch, loc, base,
			strconv.Itoa(size)+" requests in one batch, limit "+strconv.Itoa(r.lim.MaxBatch))
	}
	for i := range requests {
		r.fillRequest(&requests[i])
	}
	for i, element := range overflow {
		path := make(parsers.Path, 0, len(base)+1)
		path = append(append(path, base...), parsers.IndexSegment(len(requests)+i))
		parsers.ParseJSON(r.doc, loc, path, element)
	}
}
