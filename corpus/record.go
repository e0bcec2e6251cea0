// Package corpus reads evaluation corpora, places payloads into whole
// requests and measures an engine's detection and false-positive rates.
//
// A corpus file is JSON Lines with two record shapes, distinguished per line:
//
//   - a payload record: {"id", "source", "class", "placement", "payload",
//     "expect"}, a string with a suggested place in a request;
//   - a request record: {"id", "class", "request": {"method", "path",
//     "headers", "body"}, "expect", "why"}, one whole HTTP request.
//
// expect is "attack" (the engine should block the request at default
// settings) or "benign" (it should let it through).
package corpus

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/fieldwall/fieldwall/engine"
)

// Expectations of a case.
const (
	ExpectAttack = "attack"
	ExpectBenign = "benign"
)

// RequestRecord is the JSON shape of one whole request.
type RequestRecord struct {
	Method string `json:"method"`
	// Path is the raw request-target, percent-encoding kept as sent.
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	// Body is the body as a string; its UTF-8 bytes are the bytes sent.
	Body string `json:"body"`
}

// Record is one line of a corpus file, of either shape.
type Record struct {
	ID        string         `json:"id"`
	Source    string         `json:"source,omitempty"`
	Class     string         `json:"class"`
	Placement string         `json:"placement,omitempty"`
	Payload   *string        `json:"payload,omitempty"`
	Request   *RequestRecord `json:"request,omitempty"`
	Expect    string         `json:"expect"`
	Why       string         `json:"why,omitempty"`
}

// Case is a record placed into a request, ready to inspect.
type Case struct {
	Record  Record
	File    string
	Line    int
	Request engine.Request
}

// ToEngineRequest converts a request record to an engine request. Header
// names are added in sorted order, so that names that differ only in case
// ("A" and "a") give their values in the same order on every run.
func (r *RequestRecord) ToEngineRequest() engine.Request {
	header := make(http.Header, len(r.Headers))
	for _, k := range slices.Sorted(maps.Keys(r.Headers)) {
		header.Add(k, r.Headers[k])
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	target := r.Path
	if target == "" {
		target = "/"
	}
	return engine.Request{Method: method, Target: target, Header: header, Body: []byte(r.Body)}
}

// ParseRecord decodes one corpus line and checks that it has one shape.
func ParseRecord(line []byte) (Record, error) {
	var rec Record
	if err := json.Unmarshal(line, &rec); err != nil {
		return rec, fmt.Errorf("invalid JSON: %w", err)
	}
	switch {
	case rec.Payload == nil && rec.Request == nil:
		return rec, errors.New(`record has neither "payload" nor "request"`)
	case rec.Payload != nil && rec.Request != nil:
		return rec, errors.New(`record has both "payload" and "request"`)
	case rec.Expect != ExpectAttack && rec.Expect != ExpectBenign:
		return rec, fmt.Errorf("invalid expect %q: use %q or %q", rec.Expect, ExpectAttack, ExpectBenign)
	}
	return rec, nil
}

// maxLine bounds one corpus line. The largest public payloads are a few
// kilobytes; whole-request records with large bodies fit in 16 MiB.
const maxLine = 16 << 20

// ReadFile calls fn for each case of the corpus file at name, in file order.
// It stops at the first unreadable line or at the first error fn returns.
func ReadFile(name string, fn func(Case) error) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return Read(name, f, fn)
}

// Read is ReadFile on an open reader; name is used in errors and cases.
func Read(name string, r io.Reader, fn func(Case) error) error {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64<<10), maxLine)
	line := 0
	for scanner.Scan() {
		line++
		text := scanner.Bytes()
		if len(strings.TrimSpace(string(text))) == 0 {
			continue
		}
		rec, err := ParseRecord(text)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		req, err := Place(&rec)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if err := fn(Case{Record: rec, File: name, Line: line, Request: req}); err != nil {
			return err
		}
	}
	if err := scanner.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return nil
}
