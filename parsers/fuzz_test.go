package parsers

import (
	"bytes"
	"slices"
	"testing"
	"unicode/utf8"
)

var fuzzLimits = Limits{MaxDepth: 32, MaxFields: 2000, MaxKeyBytes: 128, MaxValueBytes: 4096, MaxParts: 20}

// checkDocument verifies the properties every parse must keep, whatever the
// input: limits hold and anomaly details stay bounded.
func checkDocument(t *testing.T, d *Document) {
	t.Helper()
	if len(d.Fields) > fuzzLimits.MaxFields+1 {
		t.Fatalf("%d fields, limit %d", len(d.Fields), fuzzLimits.MaxFields)
	}
	for _, f := range d.Fields {
		switch f.Kind {
		case KindKey:
			if len(f.Value) > fuzzLimits.MaxKeyBytes {
				t.Fatalf("key of %d bytes, limit %d", len(f.Value), fuzzLimits.MaxKeyBytes)
			}
		case KindString, KindNumber:
			if len(f.Value) > fuzzLimits.MaxValueBytes {
				t.Fatalf("value of %d bytes, limit %d", len(f.Value), fuzzLimits.MaxValueBytes)
			}
		}
		if f.Depth != len(f.Path) {
			t.Fatalf("depth %d for a path of %d segments", f.Depth, len(f.Path))
		}
	}
	for _, a := range d.Anomalies {
		if len(a.Detail) > MaxDetailBytes {
			t.Fatalf("anomaly detail of %d bytes", len(a.Detail))
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, seed := range []string{`{"a":[1,"x",{"b":null}]}`, `{"a":1,"a":2}`, "\xef\xbb\xbf[1]", `{"a":"\ud800"}`, `{"a":1}{"b":2}`, `[`, `{"$ne":1}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var d Document
		d.Reset(fuzzLimits)
		ok := ParseJSON(&d, LocationBody, nil, body)
		checkDocument(t, &d)
		if !ok && !d.HasAnomaly(AnomalyMalformedJSON) && !d.HasAnomaly(AnomalyTrailingData) &&
			!d.HasAnomaly(AnomalyJSONComment) && !d.HasAnomaly(AnomalyDepthLimit) && !d.HasAnomaly(AnomalyFieldLimit) {
			t.Fatalf("parse failed without saying why: %v", d.Anomalies)
		}
		text := bytesToString(bytes.TrimPrefix(body, byteOrderMark))
		want := sonicAccepts(text)
		if !d.HasAnomaly(AnomalyDepthLimit) && !d.HasAnomaly(AnomalyFieldLimit) && ok != want {
			t.Fatalf("parse returned %v, sonic's full validation %v", ok, want)
		}
		if want {
			// Without limits, the fields must be sonic's, in the same order.
			var full Document
			full.Reset(Limits{})
			ParseJSON(&full, LocationBody, nil, body)
			fields, err := sonicFields(text)
			if err != nil {
				t.Fatalf("sonic's walk failed on a text sonic accepts: %v", err)
			}
			if got := fieldStrings(&full); !slices.Equal(got, fields) {
				t.Fatalf("fields differ from sonic's:\n got %q\nwant %q", got, fields)
			}
		}
		var again Document
		again.Reset(fuzzLimits)
		if ParseJSON(&again, LocationBody, nil, body) != ok || len(again.Fields) != len(d.Fields) {
			t.Fatal("parsing is not deterministic")
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{"a=1&b=2", "a[b][$ne]=1", "a[]=1&a[]=2", "%zz=%", "a[[[[=1", "x=%2e%2e%2f"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		var d Document
		d.Reset(fuzzLimits)
		ParseQuery(&d, LocationQuery, query)
		checkDocument(t, &d)
		for _, field := range d.Fields {
			if len(field.Path) > fuzzLimits.MaxDepth+1 {
				t.Fatalf("path of %d segments, depth limit %d", len(field.Path), fuzzLimits.MaxDepth)
			}
		}
	})
}

func FuzzParseBody(f *testing.F) {
	f.Add("application/json", []byte(`{"a":1}`))
	f.Add("multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--\r\n"))
	f.Add("application/x-www-form-urlencoded", []byte("a=1"))
	f.Add("text/plain; charset=utf-16", []byte{0xff, 0xfe, '{', 0, '}', 0})
	f.Add("text/plain; charset=utf-7", []byte("+ADw-"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		var d Document
		d.Reset(fuzzLimits)
		ParseBody(&d, contentType, body)
		checkDocument(t, &d)
		for _, field := range d.Fields {
			if field.Kind == KindKey && !utf8.ValidString(field.Value) && !d.HasAnomaly(AnomalyInvalidUTF8) &&
				field.Location == LocationBody && d.HasAnomaly(AnomalyMalformedJSON) {
				t.Fatalf("invalid UTF-8 key without an anomaly")
			}
		}
	})
}
