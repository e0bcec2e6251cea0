package parsers

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bytedance/sonic"
)

// BodyFormat is the format ParseBody read a body as.
type BodyFormat uint8

// The body formats.
const (
	FormatNone BodyFormat = iota // no body
	FormatJSON
	FormatForm
	FormatMultipart
	FormatRaw // scanned as one text field
)

var formatNames = [...]string{
	FormatNone:      "none",
	FormatJSON:      "json",
	FormatForm:      "form",
	FormatMultipart: "multipart",
	FormatRaw:       "raw",
}

func (f BodyFormat) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "format(?)"
}

// ParseBody adds the fields of a request body to doc, choosing the parser from
// the Content-Type header value and, where the type is missing, generic or
// wrong, from the body itself:
//
//   - application/json and any +json type are parsed as JSON;
//   - text/plain, a missing or empty type, and form types whose body is a
//     valid JSON document are parsed as JSON too, because common frameworks
//     parse such bodies as JSON whatever the header declares;
//   - application/x-www-form-urlencoded is parsed with bracket notation;
//   - multipart/form-data is parsed part by part;
//   - every other type is scanned raw, never skipped.
//
// A UTF-16 body (declared, or recognised by its byte-order mark or its zero
// bytes) is decoded first. UTF-7 and charsets that fieldwall does not decode
// are reported, and the body is then read as if it were UTF-8.
func ParseBody(doc *Document, contentType string, body []byte) BodyFormat {
	if len(body) == 0 {
		return FormatNone
	}
	mediaType, params := parseContentType(contentType)
	body = decodeCharset(doc, params["charset"], body)

	switch {
	case isJSONType(mediaType):
		ParseJSON(doc, LocationBody, nil, body)
		return FormatJSON
	case mediaType == "application/x-www-form-urlencoded":
		if looksLikeJSON(body) {
			doc.AddAnomaly(AnomalyContentTypeMismatch, LocationBody, nil, "JSON document sent as "+mediaType)
			ParseJSON(doc, LocationBody, nil, body)
			return FormatJSON
		}
		ParseQuery(doc, LocationBody, bytesToString(body))
		return FormatForm
	case mediaType == "multipart/form-data":
		ParseMultipart(doc, params["boundary"], body)
		return FormatMultipart
	case mediaType == "" || mediaType == "text/plain":
		if looksLikeJSON(body) {
			ParseJSON(doc, LocationBody, nil, body)
			return FormatJSON
		}
	}
	doc.AddField(LocationBody, KindRaw, nil, bytesToString(body))
	return FormatRaw
}

// parseContentType returns the lower-case media type and its parameters. A
// header that mime cannot parse still yields its media type.
func parseContentType(contentType string) (string, map[string]string) {
	if contentType == "" {
		return "", nil
	}
	if strings.IndexByte(contentType, ';') < 0 {
		// No parameters: skip mime.ParseMediaType, which allocates a map.
		return strings.ToLower(strings.TrimSpace(contentType)), nil
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mediaType, _, _ = strings.Cut(contentType, ";")
		mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	}
	return mediaType, params
}

func isJSONType(mediaType string) bool {
	switch mediaType {
	case "application/json", "text/json", "application/x-json", "application/jsonrequest":
		return true
	}
	return strings.HasSuffix(mediaType, "+json")
}

// looksLikeJSON reports whether body is a valid JSON object or array, the
// test that decides whether a body sent under another type is read as JSON.
func looksLikeJSON(body []byte) bool {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(body, byteOrderMark), " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' && trimmed[0] != '[' {
		return false
	}
	return sonic.Valid(bytes.TrimPrefix(body, byteOrderMark))
}

// decodeCharset returns body as UTF-8 when it is UTF-16, and reports charsets
// that are not decoded.
func decodeCharset(doc *Document, charset string, body []byte) []byte {
	charset = strings.ToLower(strings.TrimSpace(charset))
	switch charset {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		if order, ok := sniffUTF16(body); ok {
			if charset != "" {
				doc.AddAnomaly(AnomalyContentTypeMismatch, LocationBody, nil, "UTF-16 body declared as "+charset)
			}
			return decodeUTF16(body, order)
		}
		return body
	case "utf-16", "utf-16le", "utf-16be":
		order, ok := sniffUTF16(body)
		if !ok {
			order = littleEndian
			if charset == "utf-16be" {
				order = bigEndian
			}
		}
		return decodeUTF16(body, order)
	case "utf-7", "utf7", "unicode-1-1-utf-7", "csunicode11utf7":
		doc.AddAnomaly(AnomalyUTF7, LocationBody, nil, "body declared as "+charset)
		return body
	default:
		doc.AddAnomaly(AnomalyUnsupportedCharset, LocationBody, nil, "body charset "+charset+" is not decoded")
		return body
	}
}

type byteOrder uint8

const (
	littleEndian byteOrder = iota + 1
	bigEndian
)

// sniffUTF16 recognises UTF-16 by its byte-order mark, or by an ASCII first
// character with a zero byte beside it, which valid UTF-8 text never has.
func sniffUTF16(body []byte) (byteOrder, bool) {
	switch {
	case len(body) < 2:
		return 0, false
	case body[0] == 0xFF && body[1] == 0xFE:
		return littleEndian, true
	case body[0] == 0xFE && body[1] == 0xFF:
		return bigEndian, true
	case body[0] != 0 && body[0] < 0x80 && body[1] == 0:
		return littleEndian, true
	case body[0] == 0 && body[1] != 0 && body[1] < 0x80:
		return bigEndian, true
	}
	return 0, false
}

func decodeUTF16(body []byte, order byteOrder) []byte {
	units := make([]uint16, 0, len(body)/2)
	for i := 0; i+1 < len(body); i += 2 {
		if order == littleEndian {
			units = append(units, uint16(body[i])|uint16(body[i+1])<<8)
		} else {
			units = append(units, uint16(body[i])<<8|uint16(body[i+1]))
		}
	}
	if len(units) > 0 && units[0] == 0xFEFF {
		units = units[1:]
	}
	out := make([]byte, 0, len(units))
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out
}
