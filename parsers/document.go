package parsers

import (
	"strconv"
	"unsafe"
)

// AnomalyCode names something about the shape or encoding of a request that a
// backend may read differently from fieldwall, or a limit that was hit.
type AnomalyCode uint8

// The anomalies that parsers report.
const (
	AnomalyMalformedJSON AnomalyCode = iota + 1
	AnomalyDuplicateKey
	AnomalyByteOrderMark
	AnomalyJSONComment
	AnomalyTrailingData
	AnomalyInvalidUTF8
	AnomalyLoneSurrogate
	AnomalyDepthLimit
	AnomalyFieldLimit
	AnomalyKeyLength
	AnomalyValueLength
	AnomalyBodyLimit
	AnomalyUnsupportedCharset
	AnomalyUTF7
	AnomalyDoubleEncoding
	AnomalyMalformedMultipart
	AnomalyMalformedQuery
	AnomalyContentTypeMismatch
	AnomalyNulByte

	// GraphQL anomalies, reported by package graphql.
	AnomalyGraphQLParseError
	AnomalyGraphQLDocumentSize
	AnomalyGraphQLTokenLimit
	AnomalyGraphQLInvalidUTF8
	AnomalyGraphQLDepth
	AnomalyGraphQLAliases
	AnomalyGraphQLRootFields
	AnomalyGraphQLRepeatedField
	AnomalyGraphQLFieldDirectives
	AnomalyGraphQLDirectives
	AnomalyGraphQLFragments
	AnomalyGraphQLFragmentCycle
	AnomalyGraphQLOperations
	AnomalyGraphQLBatch
	AnomalyGraphQLCost
	AnomalyGraphQLIntrospection
	AnomalyGraphQLFederation
	AnomalyGraphQLMutationOverGET
	AnomalyGraphQLSimpleRequest
	AnomalyGraphQLOperationName
	AnomalyGraphQLInvalidRequest
	AnomalyGraphQLDuplicateParameter
	AnomalyGraphQLParameterCase
	AnomalyGraphQLMutationRepeat
)

var anomalyNames = [...]string{
	AnomalyMalformedJSON:       "malformed-json",
	AnomalyDuplicateKey:        "duplicate-key",
	AnomalyByteOrderMark:       "byte-order-mark",
	AnomalyJSONComment:         "json-comment",
	AnomalyTrailingData:        "trailing-data",
	AnomalyInvalidUTF8:         "invalid-utf8",
	AnomalyLoneSurrogate:       "lone-surrogate",
	AnomalyDepthLimit:          "depth-limit",
	AnomalyFieldLimit:          "field-limit",
	AnomalyKeyLength:           "key-length-limit",
	AnomalyValueLength:         "value-length-limit",
	AnomalyBodyLimit:           "body-limit",
	AnomalyUnsupportedCharset:  "unsupported-charset",
	AnomalyUTF7:                "utf7-charset",
	AnomalyDoubleEncoding:      "double-encoding",
	AnomalyMalformedMultipart:  "malformed-multipart",
	AnomalyMalformedQuery:      "malformed-query",
	AnomalyContentTypeMismatch: "content-type-mismatch",
	AnomalyNulByte:             "nul-byte",

	AnomalyGraphQLParseError:         "graphql-parse-error",
	AnomalyGraphQLDocumentSize:       "graphql-document-size",
	AnomalyGraphQLTokenLimit:         "graphql-token-limit",
	AnomalyGraphQLInvalidUTF8:        "graphql-invalid-utf8",
	AnomalyGraphQLDepth:              "graphql-depth",
	AnomalyGraphQLAliases:            "graphql-aliases",
	AnomalyGraphQLRootFields:         "graphql-root-fields",
	AnomalyGraphQLRepeatedField:      "graphql-repeated-field",
	AnomalyGraphQLFieldDirectives:    "graphql-field-directives",
	AnomalyGraphQLDirectives:         "graphql-directives",
	AnomalyGraphQLFragments:          "graphql-fragments",
	AnomalyGraphQLFragmentCycle:      "graphql-fragment-cycle",
	AnomalyGraphQLOperations:         "graphql-operations",
	AnomalyGraphQLBatch:              "graphql-batch",
	AnomalyGraphQLCost:               "graphql-cost",
	AnomalyGraphQLIntrospection:      "graphql-introspection",
	AnomalyGraphQLFederation:         "graphql-federation",
	AnomalyGraphQLMutationOverGET:    "graphql-mutation-get",
	AnomalyGraphQLSimpleRequest:      "graphql-simple-request",
	AnomalyGraphQLOperationName:      "graphql-operation-name",
	AnomalyGraphQLInvalidRequest:     "graphql-invalid-request",
	AnomalyGraphQLDuplicateParameter: "graphql-duplicate-parameter",
	AnomalyGraphQLParameterCase:      "graphql-parameter-case",
	AnomalyGraphQLMutationRepeat:     "graphql-mutation-repeat",
}

func (c AnomalyCode) String() string {
	if int(c) < len(anomalyNames) && anomalyNames[c] != "" {
		return anomalyNames[c]
	}
	return "anomaly(" + strconv.Itoa(int(c)) + ")"
}

// ParseAnomalyCode returns the anomaly named s, as printed by String.
func ParseAnomalyCode(s string) (AnomalyCode, bool) {
	for i, name := range anomalyNames {
		if name != "" && name == s {
			return AnomalyCode(i), true
		}
	}
	return 0, false
}

// AnomalyCodes returns every anomaly code, in order.
func AnomalyCodes() []AnomalyCode {
	codes := make([]AnomalyCode, 0, len(anomalyNames))
	for i, name := range anomalyNames {
		if name != "" {
			codes = append(codes, AnomalyCode(i))
		}
	}
	return codes
}

// Anomaly is one finding of a parser. Detail is a short, bounded description
// that may quote the request, such as the duplicated key.
type Anomaly struct {
	Code     AnomalyCode
	Location Location
	Path     Path
	Detail   string
}

// Limits bound the work a parser does on one request. Zero means no limit.
// A limit that is hit adds an anomaly, and the parser stops descending or
// adding fields at that point.
type Limits struct {
	MaxDepth      int // nesting depth of objects, arrays and bracket keys
	MaxFields     int // fields per request, keys included
	MaxKeyBytes   int // bytes of one key; longer keys are inspected up to this length
	MaxValueBytes int // bytes of one value; longer values are inspected up to this length
	// MaxNumberBytes bounds the text of one JSON number. Some backends
	// convert long integer strings in time quadratic in their length, so a
	// number of a million digits is an attack on the backend even though
	// it is valid JSON.
	MaxNumberBytes int
	MaxParts       int // parts of one multipart body
}

// Document collects the fields and anomalies of one request. Its zero value is
// ready to use, and Reset makes it reusable without reallocating.
//
// With a sink set (SetSink), fields are passed to the sink as the parsers
// produce them and Fields stays empty. Anomalies are always collected.
type Document struct {
	Fields    []Field
	Anomalies []Anomaly

	sink FieldSink
	// streamed is the field passed to the sink. It lives in the document so
	// that passing its address through the interface does not allocate.
	streamed   Field
	fieldCount int // fields added since Reset, listed or streamed
	// singleSegment backs the one-segment paths of headers and path
	// segments, which would otherwise escape to the heap through the sink.
	singleSegment [1]Segment

	// segments is an append-only arena for field paths. Paths are slices of
	// it, so growing it leaves earlier paths pointing at the old array, which
	// stays valid.
	segments []Segment

	limits     Limits
	fieldsFull bool
	json       jsonVisitor // scratch state of ParseJSON
}

// Reset empties the document and sets the limits for the next request.
func (d *Document) Reset(limits Limits) {
	clear(d.Fields)
	d.Fields = d.Fields[:0]
	clear(d.Anomalies)
	d.Anomalies = d.Anomalies[:0]
	clear(d.segments)
	d.segments = d.segments[:0]
	d.limits = limits
	d.fieldsFull = false
	d.fieldCount = 0
}

// FieldSink receives fields as the parsers produce them.
type FieldSink interface {
	// Field receives one field. The field, its path and its value are valid
	// only during the call: the path is the parser's working path, and
	// the value may alias the request body.
	Field(f *Field)
}

// SetSink makes AddField pass each field to s in place of appending it to
// Fields, which saves copying every path and keeping every field of a large
// body. A nil s restores the field list. Reset keeps the sink.
func (d *Document) SetSink(s FieldSink) { d.sink = s }

// onePath returns a path of the one segment s, valid until the next call.
func (d *Document) onePath(s Segment) Path {
	d.singleSegment[0] = s
	return d.singleSegment[:]
}

// FieldCount returns the number of fields added since Reset, whether listed
// in Fields or passed to a sink.
func (d *Document) FieldCount() int { return d.fieldCount }

// RetainedBytes estimates the memory the document keeps for reuse: the
// capacity of its field, anomaly and path arrays. Pools use it to drop a
// document that a huge request grew.
func (d *Document) RetainedBytes() int {
	return cap(d.Fields)*int(unsafe.Sizeof(Field{})) +
		cap(d.Anomalies)*int(unsafe.Sizeof(Anomaly{})) +
		cap(d.segments)*int(unsafe.Sizeof(Segment{}))
}

// Limits returns the limits set by the last Reset.
func (d *Document) Limits() Limits { return d.limits }

// copyPath stores p in the arena and returns the stored copy.
func (d *Document) copyPath(p Path) Path {
	start := len(d.segments)
	d.segments = append(d.segments, p...)
	return d.segments[start:len(d.segments):len(d.segments)]
}

// AddField appends a field, copying its path, or passes it to the sink. It
// returns false, and reports the field limit once, when the document is full.
func (d *Document) AddField(loc Location, kind Kind, path Path, value string) bool {
	if d.fieldsFull {
		return false
	}
	if d.limits.MaxFields > 0 && d.fieldCount >= d.limits.MaxFields {
		d.fieldsFull = true
		d.AddAnomaly(AnomalyFieldLimit, loc, path, "more than "+strconv.Itoa(d.limits.MaxFields)+" fields")
		return false
	}
	// The length tests stay here, where the compiler inlines them, and the
	// rare clipping goes out of line.
	if kind == KindKey {
		if max := d.limits.MaxKeyBytes; max > 0 && len(value) > max {
			value = d.clipKey(loc, path, value)
		}
	} else if max := d.limits.MaxValueBytes; max > 0 && len(value) > max {
		value = d.clipValue(loc, path, value)
	}
	d.fieldCount++
	if d.sink != nil {
		// Field by field: a composite literal is built on the stack and
		// copied with wide loads that stall on the narrow stores before them.
		f := &d.streamed
		f.Location, f.Kind, f.Depth, f.Path, f.Value = loc, kind, len(path), path, value
		d.sink.Field(f)
		f.Path, f.Value = nil, "" // drop the references to the request
		return true
	}
	d.Fields = append(d.Fields, Field{
		Location: loc,
		Kind:     kind,
		Depth:    len(path),
		Path:     d.copyPath(path),
		Value:    value,
	})
	return true
}

func (d *Document) clipKey(loc Location, path Path, key string) string {
	if max := d.limits.MaxKeyBytes; max > 0 && len(key) > max {
		d.AddAnomaly(AnomalyKeyLength, loc, path, strconv.Itoa(len(key))+" bytes, limit "+strconv.Itoa(max))
		return key[:max]
	}
	return key
}

func (d *Document) clipValue(loc Location, path Path, value string) string {
	if max := d.limits.MaxValueBytes; max > 0 && len(value) > max {
		d.AddAnomaly(AnomalyValueLength, loc, path, strconv.Itoa(len(value))+" bytes, limit "+strconv.Itoa(max))
		return value[:max]
	}
	return value
}

// AddAnomaly appends an anomaly, copying its path. Detail is cut to
// MaxDetailBytes. Anomalies of one code are kept up to maxAnomaliesPerCode,
// so that 100,000 duplicate keys cost 100,000 checks but not 100,000 records.
func (d *Document) AddAnomaly(code AnomalyCode, loc Location, path Path, detail string) {
	n := 0
	for i := range d.Anomalies {
		if d.Anomalies[i].Code == code {
			n++
		}
	}
	if n >= maxAnomaliesPerCode {
		return
	}
	if len(detail) > MaxDetailBytes {
		detail = detail[:MaxDetailBytes]
	}
	d.Anomalies = append(d.Anomalies, Anomaly{Code: code, Location: loc, Path: d.copyPath(path), Detail: detail})
}

// HasAnomaly reports whether an anomaly with the code was recorded.
func (d *Document) HasAnomaly(code AnomalyCode) bool {
	for i := range d.Anomalies {
		if d.Anomalies[i].Code == code {
			return true
		}
	}
	return false
}

// MaxDetailBytes bounds Anomaly.Detail, which may quote attacker input.
const MaxDetailBytes = 128

// maxAnomaliesPerCode bounds the anomalies of one code in one document. Ten
// examples are enough for a person to see the pattern, and the bound keeps a
// hostile body from growing the anomaly list with its own size.
const maxAnomaliesPerCode = 10
