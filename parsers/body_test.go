package parsers

import (
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func utf16LE(s string, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func utf16BE(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u>>8), byte(u))
	}
	return out
}

func TestParseBodyContentTypes(t *testing.T) {
	cases := []struct {
		name        string
		contentType string
		body        []byte
		format      BodyFormat
		field       string
		anomaly     AnomalyCode
	}{
		{"json", "application/json", []byte(`{"q":"x"}`), FormatJSON, "string body:q=x", 0},
		{"json with charset", "application/json; charset=utf-8", []byte(`{"q":"x"}`), FormatJSON, "string body:q=x", 0},
		{"plus-json suffix", "application/vnd.api+json", []byte(`{"q":"x"}`), FormatJSON, "string body:q=x", 0},
		{"problem json", "application/problem+json", []byte(`{"q":"x"}`), FormatJSON, "string body:q=x", 0},
		{"upper-case type", "Application/JSON", []byte(`{"q":"x"}`), FormatJSON, "string body:q=x", 0},
		{"json sniffed in text/plain", "text/plain", []byte(`{"host":"a; id"}`), FormatJSON, "string body:host=a; id", 0},
		{"json sniffed without type", "", []byte(` [{"q":"x"}]`), FormatJSON, "string body:[0].q=x", 0},
		{"json sent as form", "application/x-www-form-urlencoded", []byte(`{"q":"x"}`), FormatJSON, "string body:q=x", AnomalyContentTypeMismatch},
		{"form", "application/x-www-form-urlencoded", []byte(`name=..%2fetc&a[$ne]=1`), FormatForm, "string body:name=../etc", 0},
		{"plain text that is not json", "text/plain", []byte(`{not json`), FormatRaw, "raw body:={not json", 0},
		{"unknown type scanned raw", "application/xml", []byte(`<a>1</a>`), FormatRaw, "raw body:=<a>1</a>", 0},
		{"invalid content-type header", "json;;;=", []byte(`x=1`), FormatRaw, "raw body:=x=1", 0},
		{"utf-16 with bom", "application/json", utf16LE(`{"q":"é"}`, true), FormatJSON, "string body:q=é", 0},
		{"utf-16 declared", "application/json; charset=utf-16le", utf16LE(`{"q":"x"}`, false), FormatJSON, "string body:q=x", 0},
		{"utf-16 without bom or charset", "application/json", utf16LE(`{"q":"x"}`, false), FormatJSON, "string body:q=x", 0},
		{"utf-16 big-endian without bom", "application/json", utf16BE(`{"q":"x"}`), FormatJSON, "string body:q=x", 0},
		{"utf-16 body declared utf-8", "application/json; charset=utf-8", utf16LE(`{"q":"x"}`, false), FormatJSON, "string body:q=x", AnomalyContentTypeMismatch},
		{"utf-7 flagged", "text/plain; charset=utf-7", []byte(`+ADw-script+AD4-`), FormatRaw, "raw body:=+ADw-script+AD4-", AnomalyUTF7},
		{"unknown charset flagged", "application/json; charset=koi8-r", []byte(`{"q":"x"}`), FormatJSON, "string body:q=x", AnomalyUnsupportedCharset},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d Document
			d.Reset(testLimits)
			format := ParseBody(&d, tc.contentType, tc.body)
			assert.Equal(t, tc.format, format)
			assert.Contains(t, fieldStrings(&d), tc.field)
			if tc.anomaly != 0 {
				assert.Contains(t, anomalyCodes(&d), tc.anomaly)
			}
		})
	}
}

func TestParseBodyEmpty(t *testing.T) {
	var d Document
	d.Reset(testLimits)
	assert.Equal(t, FormatNone, ParseBody(&d, "application/json", nil))
	assert.Empty(t, d.Fields)
	assert.Empty(t, d.Anomalies)
}

func multipartBody(boundary string, parts ...string) []byte {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n" + p + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return []byte(b.String())
}

func TestParseMultipart(t *testing.T) {
	body := multipartBody("XyZ",
		"Content-Disposition: form-data; name=\"title\"\r\n\r\nhello",
		"Content-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"user\":{\"$ne\":null}}",
		"Content-Disposition: form-data; name=\"upload\"; filename=\"../../evil.php\"\r\nContent-Type: image/png\r\n\r\n\x89PNG binary",
		"Content-Disposition: form-data; name=\"notes\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nline one",
	)
	var d Document
	d.Reset(testLimits)
	format := ParseBody(&d, `multipart/form-data; boundary=XyZ`, body)
	assert.Equal(t, FormatMultipart, format)
	fields := fieldStrings(&d)
	assert.Contains(t, fields, "string multipart:title=hello")
	assert.Contains(t, fields, `key multipart:meta.user["$ne"]=$ne`)
	assert.Contains(t, fields, `string multipart:upload["(filename)"]=../../evil.php`)
	assert.Contains(t, fields, `string multipart:upload["(content-type)"]=image/png`)
	assert.Contains(t, fields, "string multipart:notes=line one")
	for _, f := range fields {
		assert.NotContains(t, f, "PNG binary", "binary file content is not a field")
	}
	assert.Empty(t, d.Anomalies)
}

func TestParseMultipartMalformed(t *testing.T) {
	cases := []struct {
		name     string
		ct       string
		body     []byte
		maxParts int
		rawScan  bool
	}{
		{"no boundary parameter", "multipart/form-data", []byte("--x\r\n\r\n"), 10, true},
		{"no closing boundary", "multipart/form-data; boundary=B", []byte("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue without end"), 10, true},
		{"too many parts", "multipart/form-data; boundary=B", multipartBody("B",
			"Content-Disposition: form-data; name=\"a\"\r\n\r\n1",
			"Content-Disposition: form-data; name=\"b\"\r\n\r\n2",
			"Content-Disposition: form-data; name=\"c\"\r\n\r\n3"), 2, false},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d Document
			limits := testLimits
			limits.MaxParts = tc.maxParts
			d.Reset(limits)
			ParseBody(&d, tc.ct, tc.body)
			assert.Contains(t, anomalyCodes(&d), AnomalyMalformedMultipart)
			last := d.Fields[len(d.Fields)-1]
			if tc.rawScan {
				assert.Equal(t, KindRaw, last.Kind, "the whole body is scanned raw")
			} else {
				assert.NotEqual(t, KindRaw, last.Kind, "parts past the limit are not rescanned")
				assert.Contains(t, fieldStrings(&d), "string multipart:b=2", "parts within the limit are fields")
			}
		})
	}
}

func TestParseMultipartLargePart(t *testing.T) {
	body := multipartBody("B", "Content-Disposition: form-data; name=\"a\"\r\n\r\n"+strings.Repeat("x", 1000))
	var d Document
	limits := testLimits
	limits.MaxValueBytes = 100
	d.Reset(limits)
	ParseBody(&d, "multipart/form-data; boundary=B", body)
	assert.Contains(t, anomalyCodes(&d), AnomalyValueLength)
	for _, f := range d.Fields {
		assert.LessOrEqual(t, len(f.Value), 100)
	}
}
