package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseRawHTTP checks that any input either parses into a request whose
// body the inspector can read, or fails with an error.
func FuzzParseRawHTTP(f *testing.F) {
	f.Add([]byte("POST /api/login HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"))
	f.Add([]byte("GET /x?a=1 HTTP/1.1\nHost: a\n\n"))
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
	f.Add([]byte("GET http://example.test/a HTTP/1.1\r\nX: 1\r\n folded\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := parseRawHTTP(data)
		if err != nil {
			return
		}
		if req == nil {
			t.Fatal("nil request without an error")
		}
		if _, again := parseRawHTTP(data); again != nil {
			t.Fatalf("second parse of the same input failed: %v", again)
		}
	})
}

// fuzzSink decodes every record, as the replay workers do, and checks
// that positions only move forward.
type fuzzSink struct {
	t        *testing.T
	lastLine int
	records  int
}

func (s *fuzzSink) record(pos position, size int, decode func() (capture, error)) error {
	if pos.line != 0 && pos.line < s.lastLine {
		s.t.Fatalf("record at line %d after line %d", pos.line, s.lastLine)
	}
	if size < 0 {
		s.t.Fatalf("negative record size %d", size)
	}
	s.lastLine = max(s.lastLine, pos.line)
	s.records++
	_, _ = decode()
	return nil
}

func (s *fuzzSink) unreadable(pos position, err error) error {
	if err == nil {
		s.t.Fatal("unreadable record without a reason")
	}
	return nil
}

// FuzzReplayReaders runs each capture reader (JSON Lines, HAR, audit logs,
// Burp XML, raw HTTP) on arbitrary input. Seeds come from the samples in
// testdata.
func FuzzReplayReaders(f *testing.F) {
	samples, _ := filepath.Glob("testdata/*")
	for _, name := range samples {
		data, err := os.ReadFile(name)
		if err != nil || len(data) > 64<<10 {
			continue
		}
		for format := formatJSONLines; format <= formatRawHTTP; format++ {
			f.Add(uint8(format), data)
		}
	}
	f.Add(uint8(formatJSONLines), []byte(`{"id":"a","class":"x","request":{"method":"GET","path":"/"},"expect":"benign"}`+"\n{broken\n"))
	f.Fuzz(func(t *testing.T, format uint8, data []byte) {
		f := inputFormat(format % uint8(formatRawHTTP+1))
		sink := &fuzzSink{t: t}
		_ = readerFor(f)(bufio.NewReader(bytes.NewReader(data)), sink)
	})
}
