package parsers

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"
)

// Segment names under a multipart part's field name for the metadata that a
// part carries besides its content. The parentheses keep them apart from keys
// of a JSON part.
const (
	SegmentFileName    = "(filename)"
	SegmentContentType = "(content-type)"
)

// ParseMultipart adds the parts of a multipart/form-data body to doc: each
// part's content under its field name, its file name and content type under
// SegmentFileName and SegmentContentType. A part whose type is JSON is parsed
// as JSON under its field name. A file part with a binary type contributes
// its file name and type but not its content, which would only feed
// signatures noise.
//
// A body that breaks off or lacks its closing boundary is reported, and the
// whole body is then also scanned raw. A body with more parts than the limit
// is reported and read no further.
func ParseMultipart(doc *Document, boundary string, body []byte) {
	if boundary == "" {
		doc.AddAnomaly(AnomalyMalformedMultipart, LocationMultipart, nil, "multipart body without a boundary parameter")
		doc.AddField(LocationBody, KindRaw, nil, bytesToString(body))
		return
	}
	reader := multipart.NewReader(bytes.NewReader(body), boundary)
	maxValue := doc.limits.MaxValueBytes
	for parts := 0; ; parts++ {
		part, err := reader.NextPart()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			doc.AddAnomaly(AnomalyMalformedMultipart, LocationMultipart, nil, err.Error())
			doc.AddField(LocationBody, KindRaw, nil, bytesToString(body))
			return
		}
		if max := doc.limits.MaxParts; max > 0 && parts >= max {
			// The parts read so far are fields already. Rescanning the
			// whole body raw would cost more than the parts limit saves,
			// and the anomaly marks the rest as uninspected.
			doc.AddAnomaly(AnomalyMalformedMultipart, LocationMultipart, nil, "more than "+strconv.Itoa(max)+" parts")
			return
		}
		if !addPart(doc, part, maxValue) {
			doc.AddField(LocationBody, KindRaw, nil, bytesToString(body))
			return
		}
	}
}

// addPart adds one part's fields. It returns false when the part could not be
// read to its end.
func addPart(doc *Document, part *multipart.Part, maxValue int) bool {
	name := part.FormName()
	path := Path{KeySegment(name)}
	doc.AddField(LocationMultipart, KindKey, path, name)

	// Part.FileName returns only the base name, which would hide a
	// traversal such as ../../shell.php, so the parameter is read raw.
	fileName := ""
	if _, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition")); err == nil {
		fileName = params["filename"]
	}
	if fileName != "" {
		doc.AddField(LocationMultipart, KindString, append(path, KeySegment(SegmentFileName)), fileName)
	}
	partType := part.Header.Get("Content-Type")
	if partType != "" {
		doc.AddField(LocationMultipart, KindString, append(path, KeySegment(SegmentContentType)), partType)
	}

	limit := int64(maxValue)
	if limit <= 0 {
		limit = 1 << 62
	}
	content, err := io.ReadAll(io.LimitReader(part, limit+1))
	if err != nil {
		doc.AddAnomaly(AnomalyMalformedMultipart, LocationMultipart, path, err.Error())
		return false
	}
	if int64(len(content)) > limit {
		doc.AddAnomaly(AnomalyValueLength, LocationMultipart, path, "part larger than "+strconv.FormatInt(limit, 10)+" bytes")
		content = content[:limit]
		if _, err := io.Copy(io.Discard, part); err != nil {
			doc.AddAnomaly(AnomalyMalformedMultipart, LocationMultipart, path, err.Error())
			return false
		}
	}

	AddPartContent(doc, path, partType, fileName, content)
	return true
}

// AddPartContent adds the content of one multipart part at path: JSON
// content as JSON, text as one string, and nothing for a file with a binary
// type, whose name and type are the only text worth inspecting. content must
// not change while doc is in use.
func AddPartContent(doc *Document, path Path, partType, fileName string, content []byte) {
	mediaType, _, _ := mime.ParseMediaType(partType)
	switch {
	case isJSONType(mediaType) || mediaType == "" && fileName == "" && looksLikeJSON(content):
		ParseJSON(doc, LocationMultipart, path, content)
	case fileName != "" && isBinaryType(mediaType):
		// The content is not text.
	default:
		doc.AddField(LocationMultipart, KindString, path, bytesToString(content))
	}
}

// isBinaryType reports whether a part of this type carries content that is
// not text, such as an image or an archive.
func isBinaryType(mediaType string) bool {
	switch {
	case mediaType == "":
		return false
	case strings.HasPrefix(mediaType, "text/"), isJSONType(mediaType),
		strings.HasSuffix(mediaType, "+xml"), mediaType == "application/xml",
		mediaType == "application/x-www-form-urlencoded", mediaType == "application/javascript":
		return false
	}
	return true
}
