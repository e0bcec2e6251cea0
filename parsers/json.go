package parsers

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/bytedance/sonic"
	"github.com/bytedance/sonic/ast"
)

var byteOrderMark = []byte{0xEF, 0xBB, 0xBF}

// errStop ends a sonic traversal early, after the visitor has recorded why.
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

	text := bytesToString(body)
	// The visitor lives in the document so that its stacks are reused from
	// one request to the next. A JSON part of a multipart body is parsed
	// while no other JSON parse is running, so one visitor is enough.
	v := &doc.json
	v.reset(doc, loc, prefix, text)
	err := ast.Preorder(text, v, &onlyNumber)
	ended := err == nil && v.endsDocument()
	v.text = "" // the document is pooled: keep no reference to the body
	if ended {
		return true
	}
	if err == errStop {
		// The visitor already recorded the limit that stopped it. The rest of
		// the body is scanned raw so that nothing goes uninspected.
		doc.AddField(loc, KindRaw, prefix, text)
		return false
	}
	diagnoseJSON(doc, loc, prefix, text)
	doc.AddField(loc, KindRaw, prefix, text)
	return false
}

// diagnoseJSON reports why text is not one valid JSON document: trailing data,
// a second document, a comment, or another syntax error with its offset.
func diagnoseJSON(doc *Document, loc Location, prefix Path, text string) {
	end, errPos := scanJSONValue(text)
	if errPos < 0 {
		rest := trimJSONSpace(text[end:])
		switch {
		case rest == "":
			// The scanner accepted what sonic rejected, such as a control
			// character inside a string.
			doc.AddAnomaly(AnomalyMalformedJSON, loc, prefix, "invalid JSON")
		case strings.HasPrefix(rest, "//") || strings.HasPrefix(rest, "/*"):
			doc.AddAnomaly(AnomalyJSONComment, loc, prefix, "comment after the JSON value at offset "+strconv.Itoa(end))
		case rest[0] == '{' || rest[0] == '[':
			doc.AddAnomaly(AnomalyTrailingData, loc, prefix, "second JSON document at offset "+strconv.Itoa(end))
		default:
			doc.AddAnomaly(AnomalyTrailingData, loc, prefix, "data after the JSON value at offset "+strconv.Itoa(end))
		}
		return
	}
	if strings.HasPrefix(text[errPos:], "//") || strings.HasPrefix(text[errPos:], "/*") {
		doc.AddAnomaly(AnomalyJSONComment, loc, prefix, "comment in JSON at offset "+strconv.Itoa(errPos))
		return
	}
	doc.AddAnomaly(AnomalyMalformedJSON, loc, prefix, "invalid JSON at offset "+strconv.Itoa(errPos))
}

// scanJSONValue finds the end of the first JSON value in text without
// recursion, so that any nesting depth costs constant stack. It returns the
// offset after the value and -1, or the offset of the first syntax error.
func scanJSONValue(text string) (end, errPos int) {
	var stack []byte // open containers: '{' or '['
	i := len(text) - len(trimJSONSpace(text))
	expectValue := true
	for {
		i += len(text[i:]) - len(trimJSONSpace(text[i:]))
		if i >= len(text) {
			return i, i
		}
		c := text[i]
		if expectValue {
			switch {
			case c == '{' || c == '[':
				stack = append(stack, c)
				i++
				j := i + len(text[i:]) - len(trimJSONSpace(text[i:]))
				if j < len(text) && (c == '{' && text[j] == '}' || c == '[' && text[j] == ']') {
					stack = stack[:len(stack)-1]
					i = j + 1
					expectValue = false
					break
				}
				if c == '{' {
					var ok bool
					if i, ok = scanJSONKey(text, j); !ok {
						return 0, i
					}
				}
				continue
			case c == '"':
				j, ok := scanJSONString(text, i)
				if !ok {
					return 0, j
				}
				i = j
			case c == '-' || '0' <= c && c <= '9':
				i++
				for i < len(text) && strings.IndexByte("0123456789+-.eE", text[i]) >= 0 {
					i++
				}
			case strings.HasPrefix(text[i:], "true"):
				i += 4
			case strings.HasPrefix(text[i:], "false"):
				i += 5
			case strings.HasPrefix(text[i:], "null"):
				i += 4
			default:
				return 0, i
			}
			expectValue = false
		}
		if len(stack) == 0 {
			return i, -1
		}
		i += len(text[i:]) - len(trimJSONSpace(text[i:]))
		if i >= len(text) {
			return 0, i
		}
		top := stack[len(stack)-1]
		switch c = text[i]; {
		case c == ',' && top == '[':
			i++
			expectValue = true
		case c == ',' && top == '{':
			j := i + 1
			j += len(text[j:]) - len(trimJSONSpace(text[j:]))
			var ok bool
			if i, ok = scanJSONKey(text, j); !ok {
				return 0, i
			}
			expectValue = true
		case c == ']' && top == '[' || c == '}' && top == '{':
			stack = stack[:len(stack)-1]
			i++
		default:
			return 0, i
		}
	}
}

// scanJSONKey scans `"key" :` starting at i and returns the offset after the
// colon, or the offset of the error.
func scanJSONKey(text string, i int) (int, bool) {
	if i >= len(text) || text[i] != '"' {
		return i, false
	}
	j, ok := scanJSONString(text, i)
	if !ok {
		return j, false
	}
	j += len(text[j:]) - len(trimJSONSpace(text[j:]))
	if j >= len(text) || text[j] != ':' {
		return j, false
	}
	return j + 1, true
}

// scanJSONString returns the offset after the string that starts at text[i].
func scanJSONString(text string, i int) (int, bool) {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return len(text), false
}

func trimJSONSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	return s
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

// onlyNumber makes sonic hand numbers over as text, which keeps their exact
// spelling and never fails on a number out of float64 range. It is read-only.
var onlyNumber = ast.VisitorOptions{OnlyNumber: true}

// reset prepares the visitor for a document, keeping its slices' memory.
func (v *jsonVisitor) reset(doc *Document, loc Location, prefix Path, text string) {
	v.doc = doc
	v.text = text
	v.lastEnd = -1
	v.lastDepth = 0
	v.lastQuoted = false
	v.loc = loc
	v.path = append(v.path[:0], prefix...)
	v.base = len(prefix)
	clear(v.frames)
	v.frames = v.frames[:0]
	clear(v.keys)
	v.keys = v.keys[:0]
}

// jsonVisitor receives sonic's preorder callbacks and turns them into fields.
type jsonVisitor struct {
	doc  *Document
	loc  Location
	path Path
	base int // segments of path that belong to the prefix

	// frames has one entry per open object or array.
	frames []jsonFrame
	// keys holds the keys of every open object, for duplicate detection.
	keys []string

	// text is the document. lastEnd is the offset after the last key, string
	// or number that sonic handed over as a substring of text, or -1, and
	// lastDepth the number of containers open around it. endsDocument uses
	// them to find the end of the value.
	text       string
	lastEnd    int
	lastDepth  int
	lastQuoted bool // the last token is a key or string
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

// track records where token ends in the document when token is a substring
// of it: every number, and every key or string without escapes, which sonic
// hands over without copying. quote is 1 for a key or string, whose closing
// quote follows it, and 0 for a number. A token that starts inside the
// document's memory lies wholly inside it, because a copy is a separate
// allocation. An offset below zero wraps around to a large one.
func (v *jsonVisitor) track(token string, quote int) {
	off := uintptr(unsafe.Pointer(unsafe.StringData(token))) - uintptr(unsafe.Pointer(unsafe.StringData(v.text)))
	if off >= uintptr(len(v.text)) || len(token) == 0 {
		return
	}
	v.lastEnd = int(off) + len(token) + quote
	v.lastDepth = len(v.frames)
	v.lastQuoted = quote == 1
}

// endsDocument reports whether nothing but white space follows the value
// that sonic parsed, which ast.Preorder does not check ("{}{}" passes). It
// skips from the end of the last tracked token to the close of the
// containers open there, and falls back to sonic.ValidString when no token
// was tracked (every string escaped, or only literals).
func (v *jsonVisitor) endsDocument() bool {
	if v.lastEnd < 0 {
		if !sonic.ValidString(v.text) {
			return false
		}
		// A top-level string whose escapes made sonic copy it.
		if t := trimJSONSpace(v.text); strings.HasPrefix(t, `"`) {
			_, closed := scanJSONString(t, 0)
			return closed
		}
		return true
	}
	if v.lastEnd > len(v.text) || v.lastQuoted && v.text[v.lastEnd-1] != '"' {
		// The last string has no closing quote. sonic v1.15.5 accepts such a
		// string at the top level when its content is a multiple of 32
		// bytes long, and hands over the content without its last byte.
		return false
	}
	text, i, depth := v.text, v.lastEnd, v.lastDepth
	for ; depth > 0 && i < len(text); i++ {
		switch text[i] {
		case '"':
			// Skip the string, escapes included. sonic has parsed it, so it
			// has a closing quote.
			for i++; i < len(text) && text[i] != '"'; i++ {
				if text[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
	}
	return depth == 0 && trimJSONSpace(text[i:]) == ""
}

func (v *jsonVisitor) OnNull() error { return v.scalar(KindNull, "null") }

func (v *jsonVisitor) OnString(s string) error {
	v.track(s, 1)
	return v.scalar(KindString, s)
}
func (v *jsonVisitor) OnBool(b bool) error {
	if b {
		return v.scalar(KindBool, "true")
	}
	return v.scalar(KindBool, "false")
}

func (v *jsonVisitor) OnInt64(_ int64, n json.Number) error     { return v.number(string(n)) }
func (v *jsonVisitor) OnFloat64(_ float64, n json.Number) error { return v.number(string(n)) }

// number adds a number field, reporting and clipping one whose text is
// longer than MaxNumberBytes.
func (v *jsonVisitor) number(text string) error {
	v.track(text, 0)
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

func (v *jsonVisitor) end() error {
	f := &v.frames[len(v.frames)-1]
	v.keys = v.keys[:f.keyStart]
	f.keySet = nil
	v.frames = v.frames[:len(v.frames)-1]
	v.endValue()
	return nil
}

func (v *jsonVisitor) OnObjectBegin(int) error { return v.begin(false) }
func (v *jsonVisitor) OnArrayBegin(int) error  { return v.begin(true) }
func (v *jsonVisitor) OnObjectEnd() error      { return v.end() }
func (v *jsonVisitor) OnArrayEnd() error       { return v.end() }

func (v *jsonVisitor) OnObjectKey(key string) error {
	v.track(key, 1)
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
