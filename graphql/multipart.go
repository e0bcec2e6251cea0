package graphql

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"

	"github.com/bytedance/sonic"

	"github.com/fieldwall/fieldwall/parsers"
)

// part is one part of a multipart body, read whole up to the document's
// value limit.
type part struct {
	name        string
	fileName    string
	contentType string
	content     []byte
	// size is the part's full size when content was cut to the limit, or 0.
	size int
}

// operationsRequests holds what the operations part of a GraphQL multipart
// request carries.
type operationsRequests struct {
	requests  []carried
	overflow  [][]byte
	batch     bool
	batchSize int
	// invalid is set when the part is not a JSON object or array.
	invalid bool
}

// readMultipart recognises a multipart body that follows the GraphQL
// multipart request convention: an operations part with the request (or a
// batch) as JSON, a map part that places the files into its variables, and
// the file parts. A body that does not parse, breaks a limit or has no
// operations part is left to parsers.ParseMultipart.
func (r *reader) readMultipart(body []byte) {
	if r.boundary == "" {
		return
	}
	reader := multipart.NewReader(bytes.NewReader(body), r.boundary)
	limits := r.doc.Limits()
	hasOperations := false
	var parts []part
	for {
		p, err := reader.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || limits.MaxParts > 0 && len(parts) >= limits.MaxParts {
			return
		}
		read, ok := readPart(p, limits.MaxValueBytes)
		if !ok {
			return
		}
		hasOperations = hasOperations || strings.EqualFold(read.name, "operations")
		parts = append(parts, read)
	}
	if !hasOperations {
		return
	}
	r.parts = parts
	r.bodyFormat = bodyMultipart
	r.bodyGraphQL = true
}

func readPart(p *multipart.Part, maxValue int) (part, bool) {
	read := part{name: p.FormName(), contentType: p.Header.Get("Content-Type")}
	// Part.FileName returns only the base name, which would hide a
	// traversal such as ../../shell.php, so the parameter is read raw.
	if _, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err == nil {
		read.fileName = params["filename"]
	}
	limit := int64(maxValue)
	if limit <= 0 {
		limit = 1 << 62
	}
	content, err := io.ReadAll(io.LimitReader(p, limit+1))
	if err != nil {
		return read, false
	}
	if int64(len(content)) > limit {
		rest, err := io.Copy(io.Discard, p)
		if err != nil {
			return read, false
		}
		read.size = len(content) + int(rest)
		content = content[:limit]
	}
	read.content = content
	return read, true
}

// fillMultipart adds the parts of a GraphQL multipart request: the
// operations as GraphQL requests, the other parts as parsers.ParseMultipart
// adds them.
func (r *reader) fillMultipart() {
	operationsSeen := 0
	for i := range r.parts {
		p := &r.parts[i]
		path := parsers.Path{parsers.KeySegment(p.name)}
		r.doc.AddField(parsers.LocationMultipart, parsers.KindKey, path, p.name)
		if p.fileName != "" {
			r.doc.AddField(parsers.LocationMultipart, parsers.KindString, append(path[:1:1], parsers.KeySegment(parsers.SegmentFileName)), p.fileName)
		}
		if p.contentType != "" {
			r.doc.AddField(parsers.LocationMultipart, parsers.KindString, append(path[:1:1], parsers.KeySegment(parsers.SegmentContentType)), p.contentType)
		}
		if p.size > 0 {
			r.doc.AddAnomaly(parsers.AnomalyValueLength, parsers.LocationMultipart, path,
				"part of "+strconv.Itoa(p.size)+" bytes, limit "+strconv.Itoa(len(p.content)))
		}
		// Operations parts past maxParsedCopies are read as plain JSON, for
		// the reason given at maxParsedCopies.
		if strings.EqualFold(p.name, "operations") {
			operationsSeen++
			if operationsSeen <= maxParsedCopies {
				r.fillOperationsPart(p, path, operationsSeen)
				continue
			}
		}
		r.fillPart(p, path)
	}
}

// fillOperationsPart fills the GraphQL requests of one operations part.
// seen counts the operations parts so far, of which only one is expected.
func (r *reader) fillOperationsPart(p *part, path parsers.Path, seen int) {
	if p.name != "operations" {
		r.doc.AddAnomaly(parsers.AnomalyGraphQLParameterCase, parsers.LocationMultipart, path,
			"part "+strconv.Quote(p.name)+" differs from operations only in case")
	}
	if seen == 2 {
		r.doc.AddAnomaly(parsers.AnomalyGraphQLDuplicateParameter, parsers.LocationMultipart, path, "more than one operations part")
	}
	data := trimJSONSpace(bytes.TrimPrefix(p.content, byteOrderMark))
	if len(data) == 0 || data[0] != '{' && data[0] != '[' || !sonic.Valid(data) {
		r.doc.AddAnomaly(parsers.AnomalyGraphQLInvalidRequest, parsers.LocationMultipart, path, "operations part is not a JSON object or array")
		parsers.ParseJSON(r.doc, parsers.LocationMultipart, path, p.content)
		return
	}
	requests, overflow, batch, size := r.readJSONRequests(data, parsers.LocationMultipart, path)
	r.bodyRequests = append(r.bodyRequests, requests...)
	r.fillJSONRequests(requests, overflow, batch, size, parsers.LocationMultipart, path)
}

// fillPart adds a part other than operations, as parsers.ParseMultipart
// does: JSON content (the map part among it) as JSON, text as one string,
// and nothing of the content of a binary file.
func (r *reader) fillPart(p *part, path parsers.Path) {
	parsers.AddPartContent(r.doc, path, p.contentType, p.fileName, p.content)
}
