package parsers

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/bytedance/sonic"
	"github.com/bytedance/sonic/ast"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testLimits = Limits{MaxDepth: 16, MaxFields: 1000, MaxKeyBytes: 64, MaxValueBytes: 256, MaxParts: 10}

// fieldStrings renders fields as "kind path=value" for compact assertions.
func fieldStrings(d *Document) []string {
	out := make([]string, 0, len(d.Fields))
	for _, f := range d.Fields {
		out = append(out, f.Kind.String()+" "+f.Location.String()+":"+f.Path.String()+"="+f.Value)
	}
	return out
}

func anomalyCodes(d *Document) []AnomalyCode {
	var codes []AnomalyCode
	for _, a := range d.Anomalies {
		codes = append(codes, a.Code)
	}
	return codes
}

func TestParseJSONFields(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		fields []string
	}{
		{
			name:   "nested object and array",
			body:   `{"a":{"b":[1,"x",{"c":null}]},"d":true}`,
			fields: []string{"key body:a=a", "key body:a.b=b", "number body:a.b[0]=1", "string body:a.b[1]=x", "key body:a.b[2].c=c", "null body:a.b[2].c=null", "key body:d=d", "bool body:d=true"},
		},
		{
			name:   "escapes decoded in keys and values",
			body:   `{"\u0024ne":"\u003cscript\u003e"}`,
			fields: []string{`key body:["$ne"]=$ne`, `string body:["$ne"]=<script>`},
		},
		{
			name:   "dotted key does not collide with nesting",
			body:   `{"a.b":1,"a":{"b":2}}`,
			fields: []string{`key body:["a.b"]=a.b`, `number body:["a.b"]=1`, "key body:a=a", "key body:a.b=b", "number body:a.b=2"},
		},
		{
			name:   "numbers keep their text",
			body:   `[1e400, -0.000000000000000000001, 123456789012345678901234567890]`,
			fields: []string{"number body:[0]=1e400", "number body:[1]=-0.000000000000000000001", "number body:[2]=123456789012345678901234567890"},
		},
		{
			name:   "keys matched exact-case",
			body:   `{"Query":"a","query":"b"}`,
			fields: []string{"key body:Query=Query", "string body:Query=a", "key body:query=query", "string body:query=b"},
		},
		{
			name:   "scalar document",
			body:   `"just a string"`,
			fields: []string{"string body:=just a string"},
		},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d Document
			d.Reset(testLimits)
			ok := ParseJSON(&d, LocationBody, nil, []byte(tc.body))
			assert.True(t, ok)
			assert.Equal(t, tc.fields, fieldStrings(&d))
			assert.Empty(t, d.Anomalies)
		})
	}
}

func TestParseJSONAnomalies(t *testing.T) {
	cases := []struct {
		name      string
		body      string
		valid     bool
		anomalies []AnomalyCode
		detail    string
	}{
		{"duplicate key", `{"to":"a","to":"b"}`, true, []AnomalyCode{AnomalyDuplicateKey}, `duplicate key "to"`},
		{"duplicate key in nested object", `{"a":{"x":1,"y":2,"x":3}}`, true, []AnomalyCode{AnomalyDuplicateKey}, `duplicate key "x"`},
		{"byte-order mark", "\xef\xbb\xbf{\"a\":1}", true, []AnomalyCode{AnomalyByteOrderMark}, "byte-order mark"},
		{"invalid utf-8", "{\"a\":\"\xff\xfe\"}", true, []AnomalyCode{AnomalyInvalidUTF8}, "not valid UTF-8"},
		{"lone high surrogate", `{"a":"\ud800x"}`, true, []AnomalyCode{AnomalyLoneSurrogate}, `\ud800`},
		{"lone low surrogate", `{"a":"\udc00"}`, true, []AnomalyCode{AnomalyLoneSurrogate}, `\udc00`},
		{"line comment", "{\"a\":1 // note\n}", false, []AnomalyCode{AnomalyJSONComment}, "comment"},
		{"block comment", `{/* x */"a":1}`, false, []AnomalyCode{AnomalyJSONComment}, "comment"},
		{"second document", `{"a":1}{"b":2}`, false, []AnomalyCode{AnomalyTrailingData}, "second JSON document"},
		{"trailing garbage", `{"a":1} x`, false, []AnomalyCode{AnomalyTrailingData}, "data after the JSON value"},
		{"document after an escaped quote", `{"a":"b\"}"}{}`, false, []AnomalyCode{AnomalyTrailingData}, "second JSON document"},
		{"document after nested arrays", `[1,[2,[3]]] [4]`, false, []AnomalyCode{AnomalyTrailingData}, "second JSON document"},
		{"data after a string", `"text" x`, false, []AnomalyCode{AnomalyTrailingData}, "data after the JSON value"},
		{"number after a number", `12 34`, false, []AnomalyCode{AnomalyTrailingData}, "data after the JSON value"},
		{"document after literals only", `[true,null]{}`, false, []AnomalyCode{AnomalyTrailingData}, "second JSON document"},
		{"document after escaped strings only", `["\u0041"]{}`, false, []AnomalyCode{AnomalyTrailingData}, "second JSON document"},
		{"unclosed string of 32 bytes", `"` + strings.Repeat("0", 32), false, []AnomalyCode{AnomalyMalformedJSON}, "invalid JSON"},
		{"unclosed string of 64 bytes", `"` + strings.Repeat("é", 32), false, []AnomalyCode{AnomalyMalformedJSON}, "invalid JSON"},
		{"unclosed escaped string of 32 bytes", `"\u0041` + strings.Repeat("0", 26), false, []AnomalyCode{AnomalyMalformedJSON}, "invalid JSON"},
		{"truncated", `{"a":`, false, []AnomalyCode{AnomalyMalformedJSON}, "invalid JSON at offset"},
		{"undefined literal", `{"a":undefined}`, false, []AnomalyCode{AnomalyMalformedJSON}, "invalid JSON"},
		{"raw NUL byte", "{\"a\":\"x\x00\"}", true, []AnomalyCode{AnomalyNulByte}, "NUL"},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d Document
			d.Reset(testLimits)
			ok := ParseJSON(&d, LocationBody, nil, []byte(tc.body))
			assert.Equal(t, tc.valid, ok)
			for _, code := range tc.anomalies {
				assert.Contains(t, anomalyCodes(&d), code)
			}
			require.NotEmpty(t, d.Anomalies)
			assert.Contains(t, d.Anomalies[0].Detail, tc.detail)
			if !tc.valid {
				last := d.Fields[len(d.Fields)-1]
				assert.Equal(t, KindRaw, last.Kind, "an unparsed body is still scanned raw")
			}
		})
	}
}

func TestParseJSONKeepsEveryDuplicate(t *testing.T) {
	var d Document
	d.Reset(testLimits)
	ParseJSON(&d, LocationBody, nil, []byte(`{"to":"acct-1","to":"acct-2"}`))
	assert.Equal(t, []string{"key body:to=to", "string body:to=acct-1", "key body:to=to", "string body:to=acct-2"}, fieldStrings(&d))
}

func TestParseJSONLimits(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		limits  Limits
		anomaly AnomalyCode
	}{
		{"depth", strings.Repeat("[", 20) + strings.Repeat("]", 20), Limits{MaxDepth: 8}, AnomalyDepthLimit},
		{"million-deep nesting stops at the limit", strings.Repeat("[", 1_000_000), Limits{MaxDepth: 64}, AnomalyDepthLimit},
		{"fields", `[` + strings.Repeat(`1,`, 50) + `1]`, Limits{MaxFields: 10}, AnomalyFieldLimit},
		{"key length", `{"` + strings.Repeat("k", 100) + `":1}`, Limits{MaxKeyBytes: 10}, AnomalyKeyLength},
		{"value length", `{"a":"` + strings.Repeat("v", 100) + `"}`, Limits{MaxValueBytes: 10}, AnomalyValueLength},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d Document
			d.Reset(tc.limits)
			ParseJSON(&d, LocationBody, nil, []byte(tc.body))
			assert.Contains(t, anomalyCodes(&d), tc.anomaly)
			if tc.limits.MaxFields > 0 {
				assert.LessOrEqual(t, len(d.Fields), tc.limits.MaxFields+1, "one raw field may follow the limit")
			}
			for _, f := range d.Fields {
				if tc.limits.MaxKeyBytes > 0 && f.Kind == KindKey {
					assert.LessOrEqual(t, len(f.Value), tc.limits.MaxKeyBytes)
				}
				if tc.limits.MaxValueBytes > 0 && f.Kind == KindString {
					assert.LessOrEqual(t, len(f.Value), tc.limits.MaxValueBytes)
				}
			}
		})
	}
}

func TestParseJSONManyDuplicateKeys(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 100_000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k":1`)
	}
	b.WriteString("}")
	var d Document
	d.Reset(Limits{MaxFields: 1_000_000})
	ParseJSON(&d, LocationBody, nil, []byte(b.String()))
	assert.Contains(t, anomalyCodes(&d), AnomalyDuplicateKey)
	assert.LessOrEqual(t, len(d.Anomalies), maxAnomaliesPerCode, "anomalies of one code are bounded")
}

func TestDocumentResetReuses(t *testing.T) {
	var d Document
	d.Reset(testLimits)
	ParseJSON(&d, LocationBody, nil, []byte(`{"a":"b","a":"c"}`))
	require.NotEmpty(t, d.Fields)
	require.NotEmpty(t, d.Anomalies)
	d.Reset(testLimits)
	assert.Empty(t, d.Fields)
	assert.Empty(t, d.Anomalies)
	ParseJSON(&d, LocationBody, nil, []byte(`{"x":1}`))
	assert.Equal(t, []string{"key body:x=x", "number body:x=1"}, fieldStrings(&d))
}

func TestPathString(t *testing.T) {
	cases := []struct {
		path Path
		want string
	}{
		{Path{KeySegment("a"), KeySegment("b")}, "a.b"},
		{Path{KeySegment("a.b")}, `["a.b"]`},
		{Path{KeySegment("a"), IndexSegment(2), KeySegment("$ne")}, `a[2]["$ne"]`},
		{Path{IndexSegment(0)}, "[0]"},
		{nil, ""},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		assert.Equal(t, tc.want, tc.path.String())
	}
}

// sonicAccepts is the validity check that ParseJSON used before it had a
// parser of its own: sonic's preorder walk succeeds and sonic.ValidString
// accepts the whole text. The one difference is kept here: sonic accepts a
// top-level string without its closing quote when its content is a
// multiple of 32 bytes long, and ParseJSON does not. text must be the memory
// ParseJSON reads, because sonic reads literals past the end of its input
// ("fal" cut from "false" passes).
func sonicAccepts(text string) bool {
	if ast.Preorder(text, noopVisitor{}, &sonicOnlyNumber) != nil || !sonic.ValidString(text) {
		return false
	}
	if t := strings.TrimLeft(text, " \t\r\n"); strings.HasPrefix(t, `"`) {
		return closesString(t)
	}
	return true
}

// closesString reports whether the string that starts with the quote at
// t[0] has a closing quote.
func closesString(t string) bool {
	for i := 1; i < len(t); i++ {
		switch t[i] {
		case '\\':
			i++
		case '"':
			return true
		}
	}
	return false
}

// sonicOnlyNumber makes sonic hand numbers over as text.
var sonicOnlyNumber = ast.VisitorOptions{OnlyNumber: true}

// sonicFields walks text with sonic's preorder visitor and renders the
// fields as fieldStrings does, in document order: the reference that
// ParseJSON's own walk is compared with.
func sonicFields(text string) ([]string, error) {
	r := &recordingVisitor{out: []string{}}
	err := ast.Preorder(text, r, &sonicOnlyNumber)
	return r.out, err
}

// recordingVisitor keeps a path like the parser's and records each key and
// scalar.
type recordingVisitor struct {
	path    Path
	indexes []int // next index of each open container, -1 for an object
	out     []string
}

func (r *recordingVisitor) scalar(kind Kind, value string) error {
	r.enter()
	r.out = append(r.out, kind.String()+" body:"+r.path.String()+"="+value)
	r.leave()
	return nil
}

// enter adds the index segment of a value in an array.
func (r *recordingVisitor) enter() {
	if n := len(r.indexes); n > 0 && r.indexes[n-1] >= 0 {
		r.path = append(r.path, IndexSegment(r.indexes[n-1]))
		r.indexes[n-1]++
	}
}

// leave removes the segment of a value inside a container: its index or key.
func (r *recordingVisitor) leave() {
	if len(r.indexes) > 0 {
		r.path = r.path[:len(r.path)-1]
	}
}

func (r *recordingVisitor) open(index int) error {
	r.enter()
	r.indexes = append(r.indexes, index)
	return nil
}

func (r *recordingVisitor) close() error {
	r.indexes = r.indexes[:len(r.indexes)-1]
	r.leave()
	return nil
}

func (r *recordingVisitor) OnNull() error { return r.scalar(KindNull, "null") }
func (r *recordingVisitor) OnBool(b bool) error {
	return r.scalar(KindBool, strconv.FormatBool(b))
}
func (r *recordingVisitor) OnString(s string) error { return r.scalar(KindString, s) }
func (r *recordingVisitor) OnInt64(_ int64, n json.Number) error {
	return r.scalar(KindNumber, string(n))
}
func (r *recordingVisitor) OnFloat64(_ float64, n json.Number) error {
	return r.scalar(KindNumber, string(n))
}
func (r *recordingVisitor) OnObjectBegin(int) error { return r.open(-1) }
func (r *recordingVisitor) OnArrayBegin(int) error  { return r.open(0) }
func (r *recordingVisitor) OnObjectEnd() error      { return r.close() }
func (r *recordingVisitor) OnArrayEnd() error       { return r.close() }
func (r *recordingVisitor) OnObjectKey(k string) error {
	r.path = append(r.path, KeySegment(k))
	r.out = append(r.out, KindKey.String()+" body:"+r.path.String()+"="+k)
	return nil
}

type noopVisitor struct{}

func (noopVisitor) OnNull() error                        { return nil }
func (noopVisitor) OnBool(bool) error                    { return nil }
func (noopVisitor) OnString(string) error                { return nil }
func (noopVisitor) OnInt64(int64, json.Number) error     { return nil }
func (noopVisitor) OnFloat64(float64, json.Number) error { return nil }
func (noopVisitor) OnObjectBegin(int) error              { return nil }
func (noopVisitor) OnObjectKey(string) error             { return nil }
func (noopVisitor) OnObjectEnd() error                   { return nil }
func (noopVisitor) OnArrayBegin(int) error               { return nil }
func (noopVisitor) OnArrayEnd() error                    { return nil }

// randomJSON writes a random valid JSON value of at most depth levels, with
// escaped and plain strings, numbers, literals and empty containers.
func randomJSON(r *rand.Rand, b *strings.Builder, depth int) {
	samples := []string{`""`, `"a"`, `"x\"}"`, `"\u0041]"`, `"{[\\"`, `"caf\u00e9"`, `"] }"`,
		`"\ud83d\ude00 \ud800x \udc00"`, `"\b\f\n\r\t\/"`, "\"tab\there\"", `"a long plain string of more than eight bytes"`}
	switch n := r.IntN(8); {
	case depth > 0 && n < 2:
		b.WriteByte('{')
		for i := range r.IntN(4) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(samples[r.IntN(len(samples))] + " : ")
			randomJSON(r, b, depth-1)
		}
		b.WriteByte('}')
	case depth > 0 && n < 4:
		b.WriteString("[ ")
		for i := range r.IntN(4) {
			if i > 0 {
				b.WriteString(" ,")
			}
			randomJSON(r, b, depth-1)
		}
		b.WriteByte(']')
	case n < 5:
		b.WriteString(samples[r.IntN(len(samples))])
	case n < 6:
		b.WriteString(strconv.Itoa(r.IntN(2000) - 1000))
	case n < 7:
		b.WriteString([]string{"-1.5e3", "0", "-0.0", "1E+2", "2e-7", "123456789012345678901234567890"}[r.IntN(6)])
	default:
		b.WriteString([]string{"true", "false", "null"}[r.IntN(3)])
	}
}

// ParseJSON must accept and reject what sonic's walk and validation did,
// apart from the unclosed string that sonicAccepts describes. The texts are
// valid documents, documents followed by data, documents cut short and
// documents with a byte inserted. From each text it accepts, ParseJSON must
// read the same fields as sonic, in the same order.
func TestParseJSONMatchesSonic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	suffixes := []string{"", " ", "\n\t", "{}", "[1]", "x", `"s"`, "1", "}", "]", ",1", " //c", `"`}
	checked, rejected := 0, 0
	for range 20000 {
		var b strings.Builder
		randomJSON(r, &b, 4)
		text := b.String()
		switch r.IntN(4) {
		case 0:
			text += suffixes[r.IntN(len(suffixes))]
		case 1:
			text = text[:r.IntN(len(text)+1)]
		case 2:
			i := r.IntN(len(text) + 1)
			const inserts = ` {}[]",:1a\-.eE0+tfnu/`
			text = text[:i] + string(inserts[r.IntN(len(inserts))]) + text[i:]
		}
		body := []byte(text)
		want := sonicAccepts(bytesToString(body))
		var d Document
		got := ParseJSON(&d, LocationBody, nil, body)
		require.Equal(t, want, got, "text %q", text)
		if want {
			fields, err := sonicFields(text)
			require.NoError(t, err)
			require.Equal(t, fields, fieldStrings(&d), "text %q", text)
		}
		checked++
		if !want {
			rejected++
		}
	}
	assert.Greater(t, rejected, checked/10, "too few invalid texts to compare")
	assert.Greater(t, checked-rejected, checked/10, "too few valid texts to compare")
}

// Documents are pooled, so after a parse the visitor must keep no
// reference to the body it read.
func TestParseJSONKeepsNoBodyReference(t *testing.T) {
	for _, body := range []string{`{"a":{"b":[{"c":"d"}]}}`, `{"a":{"b":"c"}}{}`, `{"a":{"b":`} {
		var d Document
		ParseJSON(&d, LocationBody, nil, []byte(body))
		v := &d.json
		assert.Nil(t, v.doc, body)
		for _, s := range v.path[:cap(v.path)] {
			assert.Equal(t, Segment{}, s, body)
		}
		for _, k := range v.keys[:cap(v.keys)] {
			assert.Empty(t, k, body)
		}
	}
}

// A long escaped string grows the decoding buffer, which must not stay with
// the pooled document.
func TestParseJSONDropsLargeScratch(t *testing.T) {
	long := strings.Repeat(`\n`, maxScratchBytes+1)
	var d Document
	require.True(t, ParseJSON(&d, LocationBody, nil, []byte(`{"a":"`+long+`"}`)))
	assert.Equal(t, strings.Repeat("\n", maxScratchBytes+1), d.Fields[1].Value)
	assert.LessOrEqual(t, cap(d.json.scratch), maxScratchBytes)

	require.True(t, ParseJSON(&d, LocationBody, nil, []byte(`{"a":"x\ty"}`)))
	assert.Positive(t, cap(d.json.scratch), "a short escaped string keeps its buffer")
}
