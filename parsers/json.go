package parsers

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

var byteOrderMark = []byte{0xEF, 0xBB, 0xBF}

// errStop ends walkJSON early, after the visitor has recorded why.
var errStop = errors.New("parsers: traversal stopped")

// ParseJSON adds the keys and scalar values of the JSON document in body to
// doc, under prefix. Keys are matched exact-case, every occurrence of a
// duplicate key is kept, escapes are decoded and numbers keep their text.
//
// A byte-order mark, comments, trailing data, a second document, invalid
// UTF-8 and lone surrogate escapes become anomalies. When the document cannot
// be parsed, ParseJSON reports AnomalyMalformedJSON, keeps the fields read
// before the error and adds the whole body as one KindRaw field so that it is
// still scanned. It returns false in that case.
//
// body must not change while doc is in use, because field values alias it.
func ParseJSON(doc *Document, loc Location, prefix Path, body []byte) bool {
	if bytes.HasPrefix(body, byteOrderMark) {
		doc.AddAnomaly(AnomalyByteOrderMark, loc, prefix, "UTF-8 byte-order mark before JSON")
		body = body[len(byteOrderMark):]
	}
	if !utf8.Valid(body) {
		doc.AddAnomaly(AnomalyInvalidUTF8, loc, prefix, "JSON body is not valid UTF-8")
	}
	if bytes.IndexByte(body, 0) >= 0 {
		doc.AddAnomaly(AnomalyNulByte, loc, prefix, "NUL byte in JSON body")
	}
	checkSurrogates(doc, loc, prefix, body)

	// The visitor lives in the document so that its stacks are reused from
	// one request to the next. A JSON part of a multipart body is parsed
	// while no other JSON parse is running, so one visitor is enough.
	v := &doc.json
	v.reset(doc, loc, prefix)
	pos, err := walkJSON(body, v)
	v.release()
	if err == nil {
		return true
	}
	text := bytesToString(body)
	if err != errStop {
		diagnoseJSON(doc, loc, prefix, text, pos, err == errTrailing)
	}
	// Either a limit stopped the walk, which the visitor recorded, or the
	// body is not JSON. The whole body is scanned raw so that nothing goes
	// uninspected.
	doc.AddField(loc, KindRaw, prefix, text)
	return false
}

// diagnoseJSON reports why text is not one valid JSON document, from the
// offset at which walkJSON stopped: a comment, a second document, other data
// after the value, or another syntax error.
func diagnoseJSON(doc *Document, loc Location, prefix Path, text string, pos int, trailing bool) {
	rest := text[pos:]
	comment := strings.HasPrefix(rest, "//") || strings.HasPrefix(rest, "/*")
	at := strconv.Itoa(pos)
	switch {
	case trailing && comment:
		doc.AddAnomaly(AnomalyJSONComment, loc, prefix, "comment after the JSON value at offset "+at)
	case trailing && (rest[0] == '{' || rest[0] == '['):
		doc.AddAnomaly(AnomalyTrailingData, loc, prefix, "second JSON document at offset "+at)
	case trailing:
		doc.AddAnomaly(AnomalyTrailingData, loc, prefix, "data after the JSON value at offset "+at)
	case comment:
		doc.AddAnomaly(AnomalyJSONComment, loc, prefix, "comment in JSON at offset "+at)
	default:
		doc.AddAnomaly(AnomalyMalformedJSON, loc, prefix, "invalid JSON at offset "+at)
	}
}

// checkSurrogates reports \u escapes of UTF-16 surrogates that do not form a
// high-low pair. Decoders replace them, reject them or pass them on, so the
// WAF and the backend can see different strings.
func checkSurrogates(doc *Document, loc Location, prefix Path, body []byte) {
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte(`\u`))
		if j < 0 {
			return
		}
		i += j
		if i > 0 && countBackslashesBefore(body, i)%2 == 1 {
			i += 2
			continue
		}
		r, ok := hexRune(body[i+2:])
		if !ok {
			i += 2
			continue
		}
		switch {
		case 0xD800 <= r && r < 0xDC00:
			low, okLow := rune(0), false
			if len(body) >= i+12 && body[i+6] == '\\' && body[i+7] == 'u' {
				low, okLow = hexRune(body[i+8:])
			}
			if !okLow || low < 0xDC00 || low > 0xDFFF {
				doc.AddAnomaly(AnomalyLoneSurrogate, loc, prefix, "unpaired high surrogate "+string(body[i:i+6]))
				i += 6
				continue
			}
			i += 12
		case 0xDC00 <= r && r <= 0xDFFF:
			doc.AddAnomaly(AnomalyLoneSurrogate, loc, prefix, "unpaired low surrogate "+string(body[i:i+6]))
			i += 6
		default:
			i += 6
		}
	}
}

func countBackslashesBefore(b []byte, i int) int {
	n := 0
	for i--; i >= 0 && b[i] == '\\'; i-- {
		n++
	}
	return n
}

func hexRune(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// bytesToString returns a string that shares b's memory.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// reset prepares the visitor for a document, keeping its slices' memory.
func (v *jsonVisitor) reset(doc *Document, loc Location, prefix Path) {
	v.doc = doc
	v.loc = loc
	v.path = append(v.path[:0], prefix...)
	v.base = len(prefix)
	// release has already cleared the stacks' memory.
	v.frames = v.frames[:0]
	v.keys = v.keys[:0]
}

// release drops the visitor's references to the body and the document,
// which is pooled: the path and the key stack hold substrings of the body.
// It also drops a decoding buffer that one long escaped string grew.
func (v *jsonVisitor) release() {
	clear(v.path[:cap(v.path)])
	clear(v.keys[:cap(v.keys)])
	clear(v.frames[:cap(v.frames)])
	v.doc = nil
	if cap(v.scratch) > maxScratchBytes {
		v.scratch = nil
	}
}

// maxScratchBytes bounds the decoding buffer kept between parses. It is an
// estimate: most escaped strings in API traffic should be far shorter, and
// a longer one costs a new buffer, not a wrong result.
const maxScratchBytes = 64 << 10

// jsonVisitor receives the tokens of walkJSON and turns them into fields.
type jsonVisitor struct {
	doc  *Document
	loc  Location
	path Path
	base int // segments of path that belong to the prefix

	// frames has one entry per open object or array.
	frames []jsonFrame
	// keys holds the keys of every open object, for duplicate detection.
	keys []string

	// scratch is the buffer in which escaped strings are decoded.
	scratch []byte
}

type jsonFrame struct {
	isArray   bool
	nextIndex int
	keyStart  int                 // first entry of keys owned by this object
	keySet    map[string]struct{} // built once an object has many keys
}

// manyKeys is the key count above which an object's duplicate check switches
// from a linear scan to a map, keeping 100,000 keys linear in cost.
const manyKeys = 32

func (v *jsonVisitor) depth() int { return len(v.frames) }

// beginValue prepares the path for a value inside the current container.
func (v *jsonVisitor) beginValue() {
	if n := len(v.frames); n > 0 && v.frames[n-1].isArray {
		f := &v.frames[n-1]
		v.path = append(v.path, IndexSegment(f.nextIndex))
		f.nextIndex++
	}
}

// endValue removes the value's last segment: the index in an array, or the
// key in an object.
func (v *jsonVisitor) endValue() {
	if len(v.frames) > 0 && len(v.path) > v.base {
		v.path = v.path[:len(v.path)-1]
	}
}

func (v *jsonVisitor) scalar(kind Kind, value string) error {
	v.beginValue()
	if !v.doc.AddField(v.loc, kind, v.path, value) {
		return errStop
	}
	v.endValue()
	return nil
}

// number adds a number field, reporting and clipping one whose text is
// longer than MaxNumberBytes.
func (v *jsonVisitor) number(text string) error {
	if max := v.doc.limits.MaxNumberBytes; max > 0 && len(text) > max {
		v.beginValue()
		v.doc.AddAnomaly(AnomalyValueLength, v.loc, v.path, "number of "+strconv.Itoa(len(text))+" characters, limit "+strconv.Itoa(max))
		v.endValue()
		text = text[:max]
	}
	return v.scalar(KindNumber, text)
}

func (v *jsonVisitor) begin(isArray bool) error {
	v.beginValue()
	if max := v.doc.limits.MaxDepth; max > 0 && v.depth() >= max {
		v.doc.AddAnomaly(AnomalyDepthLimit, v.loc, v.path, "nesting deeper than "+strconv.Itoa(max))
		return errStop
	}
	v.frames = append(v.frames, jsonFrame{isArray: isArray, keyStart: len(v.keys)})
	return nil
}

func (v *jsonVisitor) end() {
	f := &v.frames[len(v.frames)-1]
	v.keys = v.keys[:f.keyStart]
	f.keySet = nil
	v.frames = v.frames[:len(v.frames)-1]
	v.endValue()
}

// key adds an object key and makes it the last segment of the path until
// its value ends.
func (v *jsonVisitor) key(key string) error {
	v.path = append(v.path, KeySegment(key))
	if v.isDuplicate(key) {
		v.doc.AddAnomaly(AnomalyDuplicateKey, v.loc, v.path, "duplicate key "+strconv.Quote(key))
	}
	if !v.doc.AddField(v.loc, KindKey, v.path, key) {
		return errStop
	}
	return nil
}

// isDuplicate records key in the current object and reports whether the
// object already had it.
func (v *jsonVisitor) isDuplicate(key string) bool {
	f := &v.frames[len(v.frames)-1]
	if f.keySet != nil {
		if _, ok := f.keySet[key]; ok {
			return true
		}
		f.keySet[key] = struct{}{}
		return false
	}
	for _, k := range v.keys[f.keyStart:] {
		if k == key {
			return true
		}
	}
	v.keys = append(v.keys, key)
	if len(v.keys)-f.keyStart > manyKeys {
		f.keySet = make(map[string]struct{}, 2*manyKeys)
		for _, k := range v.keys[f.keyStart:] {
			f.keySet[k] = struct{}{}
		}
	}
	return false
}
