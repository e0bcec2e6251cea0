package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fieldwall/fieldwall/engine"
)

// This file reads the audit logs of Coraza and ModSecurity: the JSON format
// (SecAuditLogFormat JSON) and the native serial format. The samples in
// testdata were written by Coraza v3.8.1, ModSecurity 2.9.7 for Apache and
// libmodsecurity 3.0.9 for nginx (see testdata/gen). Only the parts that
// carry the request are read: A (time and client), B (request line and
// headers) and C (request body). ModSecurity v2's part I is read in place
// of C when C was not logged.

// Time layouts of audit log records.
const (
	// modSecurityTime is part A of ModSecurity v2 and v3 and the "time" of
	// ModSecurity v2 JSON, as in 04/Dec/2026:21:04:57.627126 +0000. Parsing
	// accepts the fraction of a second that v2 writes and v3 leaves out.
	modSecurityTime = "02/Jan/2006:15:04:05 -0700"
	// corazaTime is part A of Coraza and the "timestamp" of its JSON, as in
	// 2026/12/04 21:06:56, in the local time of the host that wrote it.
	corazaTime = "2006/01/02 15:04:05"
	// modSecurity3JSONTime is the "time_stamp" of ModSecurity v3 JSON, the
	// output of C's ctime in local time: Fri Dec  4 21:04:59 2026.
	modSecurity3JSONTime = time.ANSIC
)

// readAuditJSON reads a JSON audit log: one transaction object per line, as
// Coraza and ModSecurity write it with SecAuditLogType Serial.
func readAuditJSON(br *bufio.Reader, sink recordSink) error {
	return readRecordLines(br, sink, decodeAuditJSON)
}

// auditJSONRecord is the union of the JSON audit log shapes that replay
// reads. Coraza's JSON format and ModSecurity v3 put the request under
// transaction.request; ModSecurity v2 and Coraza's JsonLegacy format put a
// request line under request.
type auditJSONRecord struct {
	Transaction struct {
		// Coraza: "timestamp" in local time and "unix_timestamp" in
		// nanoseconds.
		Timestamp     string `json:"timestamp"`
		UnixTimestamp int64  `json:"unix_timestamp"`
		// ModSecurity v3.
		TimeStamp string `json:"time_stamp"`
		// ModSecurity v2 and JsonLegacy.
		Time          string `json:"time"`
		RemoteAddress string `json:"remote_address"`
		// Coraza and ModSecurity v3.
		ClientIP string            `json:"client_ip"`
		Request  *auditJSONRequest `json:"request"`
	} `json:"transaction"`
	Request *auditLegacyRequest `json:"request"`
}

type auditJSONRequest struct {
	Method  string       `json:"method"`
	URI     string       `json:"uri"`
	Headers auditHeaders `json:"headers"`
	Body    string       `json:"body"`
}

type auditLegacyRequest struct {
	RequestLine string       `json:"request_line"`
	Headers     auditHeaders `json:"headers"`
	// Body is the body in chunks, as ModSecurity v2 writes it.
	Body []string `json:"body"`
}

// auditHeaders decodes request headers written as a map of lists (Coraza)
// or of strings (ModSecurity, which joins repeated headers).
type auditHeaders http.Header

func (h *auditHeaders) UnmarshalJSON(data []byte) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return err
	}
	header := make(http.Header, len(members))
	for name, raw := range members {
		var one string
		if err := json.Unmarshal(raw, &one); err == nil {
			header.Add(name, one)
			continue
		}
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("header %q is neither a string nor a list of strings", truncateText(name, 40))
		}
		for _, v := range list {
			header.Add(name, v)
		}
	}
	*h = auditHeaders(header)
	return nil
}

// decodeAuditJSON decodes one line of a JSON audit log.
func decodeAuditJSON(line []byte) (capture, error) {
	var rec auditJSONRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		return capture{}, errors.New("invalid JSON: " + jsonErrorText(err))
	}
	tx := &rec.Transaction
	var c capture
	switch {
	case tx.Request != nil:
		if tx.Request.Method == "" || tx.Request.URI == "" {
			return capture{}, errors.New(`transaction.request has no "method" or "uri"`)
		}
		c.req.Method = tx.Request.Method
		c.req.Target = tx.Request.URI
		c.req.Header = http.Header(tx.Request.Headers)
		c.req.Body = []byte(tx.Request.Body)
	case rec.Request != nil:
		method, target, err := splitRequestLine(rec.Request.RequestLine)
		if err != nil {
			return capture{}, fmt.Errorf("request.request_line: %w", err)
		}
		c.req.Method, c.req.Target = method, target
		c.req.Header = http.Header(rec.Request.Headers)
		c.req.Body = []byte(strings.Join(rec.Request.Body, ""))
	default:
		return capture{}, errors.New("the record has no request: log part B (SecAuditLogParts with B)")
	}
	if c.req.Header == nil {
		c.req.Header = http.Header{}
	}

	switch {
	case tx.UnixTimestamp > 0:
		c.time = time.Unix(0, tx.UnixTimestamp)
	case tx.Time != "":
		c.time, _ = time.Parse(modSecurityTime, tx.Time)
	case tx.TimeStamp != "":
		c.time, _ = time.ParseInLocation(modSecurity3JSONTime, tx.TimeStamp, time.Local)
	case tx.Timestamp != "":
		c.time, _ = time.ParseInLocation(corazaTime, tx.Timestamp, time.Local)
	}
	c.client = tx.ClientIP
	if c.client == "" {
		c.client = tx.RemoteAddress
	}
	return c, nil
}

// splitRequestLine returns the method and target of "METHOD TARGET
// VERSION".
func splitRequestLine(line string) (method, target string, err error) {
	req := &rawRequest{}
	if err := parseRequestLine(req, line, 1); err != nil {
		return "", "", err
	}
	return req.Method, req.Target, nil
}

// parseBoundary parses the line that starts a section of a native audit
// log: --1a2b3c4d-A-- in ModSecurity v2 and Coraza, ---1a2b3c4d---A-- in
// ModSecurity v3. It returns the record's boundary id and the section
// letter.
func parseBoundary(line string) (id string, part byte, ok bool) {
	if len(line) < 7 || len(line) > 80 || !strings.HasPrefix(line, "--") || !strings.HasSuffix(line, "--") {
		return "", 0, false
	}
	part = line[len(line)-3]
	if part < 'A' || part > 'Z' || line[len(line)-4] != '-' {
		return "", 0, false
	}
	inner := line[2 : len(line)-4]
	if strings.HasPrefix(inner, "-") {
		// ModSecurity v3: ---id---A--
		if !strings.HasSuffix(inner, "--") {
			return "", 0, false
		}
		inner = inner[1 : len(inner)-2]
	}
	if inner == "" {
		return "", 0, false
	}
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return "", 0, false
		}
	}
	return line[:len(line)-3], part, true
}

// maxHeaderSectionBytes bounds parts A and B of one record: a request line
// and headers.
const maxHeaderSectionBytes = 1 << 20

// nativeRecord collects the sections of one record of a native audit log.
type nativeRecord struct {
	start int
	// boundary is the boundary line up to the section letter, which is the
	// same for every section of one record.
	boundary string
	section  byte
	sections map[byte][]byte
	tooLarge bool
}

// readAuditNative reads a native serial audit log. A record runs from its
// A boundary to its Z boundary. Sections other than A, B, C and I are
// skipped without being stored. Lines outside records, other than empty
// ones, are reported once per run of such lines.
func readAuditNative(br *bufio.Reader, sink recordSink) error {
	var rec *nativeRecord
	strayStart := 0
	finish := func() error {
		r := rec
		rec = nil
		pos := position{line: r.start, index: -1}
		if r.tooLarge {
			return sink.unreadable(pos, fmt.Errorf("the record's request is larger than %d MiB", maxRecordBytes>>20))
		}
		size := len(r.sections['A']) + len(r.sections['B']) + len(r.sections['C']) + len(r.sections['I'])
		return sink.record(pos, size, func() (capture, error) { return decodeNativeRecord(r) })
	}
	flushStray := func() error {
		if strayStart == 0 {
			return nil
		}
		pos := position{line: strayStart, index: -1}
		strayStart = 0
		return sink.unreadable(pos, errors.New("text outside an audit log record: a record starts with a section A boundary such as --1a2b3c4d-A--"))
	}

	for number := 1; ; number++ {
		line, tooLong, err := readRawLine(br, maxRecordBytes)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		atEOF := errors.Is(err, io.EOF)
		text := strings.TrimRight(string(bytes.TrimRight(line, "\r\n")), " \t")
		boundary, part, isBoundary := "", byte(0), false
		if len(text) <= 80 && !tooLong {
			boundary, part, isBoundary = parseBoundary(text)
		}

		switch {
		case isBoundary && part == 'A':
			if err := flushStray(); err != nil {
				return err
			}
			if rec != nil {
				if err := finish(); err != nil {
					return err
				}
			}
			rec = &nativeRecord{start: number, boundary: boundary, section: 'A', sections: map[byte][]byte{}}
		case isBoundary && rec != nil && boundary == rec.boundary:
			rec.section = part
			if part == 'Z' {
				if err := finish(); err != nil {
					return err
				}
			}
		case rec != nil:
			rec.add(line, tooLong)
		case len(text) > 0 && strayStart == 0:
			strayStart = number
		}

		if atEOF {
			if rec != nil {
				// A log cut before part Z: the sections read so far may
				// still hold the request.
				if err := finish(); err != nil {
					return err
				}
			}
			return flushStray()
		}
	}
}

// add appends a line to the current section when replay reads that
// section.
func (r *nativeRecord) add(line []byte, tooLong bool) {
	limit := maxRecordBytes
	switch r.section {
	case 'A', 'B':
		limit = maxHeaderSectionBytes
	case 'C', 'I':
	default:
		return
	}
	if tooLong || len(r.sections[r.section])+len(line) > limit {
		r.tooLarge = true
		return
	}
	r.sections[r.section] = append(r.sections[r.section], line...)
}

// readRawLine returns the next line of br with its line end. A line longer
// than max is read to its end but not stored, and tooLong is set. err is
// io.EOF after the last line.
func readRawLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, readErr := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > max {
				tooLong = true
				line = nil
			} else {
				line = append(line, chunk...)
			}
		}
		if !errors.Is(readErr, bufio.ErrBufferFull) {
			return line, tooLong, readErr
		}
	}
}

// decodeNativeRecord builds the request of one native audit log record.
func decodeNativeRecord(r *nativeRecord) (capture, error) {
	headerSection, ok := r.sections['B']
	if !ok {
		return capture{}, errors.New("the record has no section B (request headers): log part B (SecAuditLogParts with B)")
	}
	var c capture
	coraza := false
	if a := strings.TrimSpace(string(r.sections['A'])); a != "" {
		c.time, c.client, coraza = parseNativeHeader(a)
	}
	unescape := func(b []byte) []byte { return b }
	if coraza {
		unescape = unescapeCorazaLog
	}

	// Coraza escapes CR and LF inside each line, so B keeps one line per
	// header. The section ends with an empty line.
	lines := lineReader{data: unescapeLines(headerSection, unescape)}
	var requestLine []byte
	for {
		line, ok := lines.next()
		if !ok {
			return capture{}, errors.New("section B has no request line")
		}
		if len(bytes.TrimSpace(line)) > 0 {
			requestLine = line
			break
		}
	}
	raw := &rawRequest{}
	if err := parseRequestLine(raw, string(requestLine), lines.number); err != nil {
		return capture{}, fmt.Errorf("section B: %w", err)
	}
	header, err := readHeaderLines(&lines)
	if err != nil {
		return capture{}, fmt.Errorf("section B: %w", err)
	}
	c.req = engine.Request{Method: raw.Method, Target: raw.Target, Header: header}

	body, ok := r.sections['C']
	if !ok {
		body = r.sections['I']
	}
	c.req.Body = unescape(trimSectionEnd(body, coraza || isModSecurity3(r.boundary)))
	return c, nil
}

// trimSectionEnd removes what the logger appended to a request body: one
// line end in ModSecurity v2, and a line end plus an empty line in
// ModSecurity v3 and Coraza.
func trimSectionEnd(body []byte, twoLineEnds bool) []byte {
	body = trimLineEnd(body)
	if twoLineEnds {
		body = trimLineEnd(body)
	}
	return body
}

func trimLineEnd(b []byte) []byte {
	if bytes.HasSuffix(b, []byte("\r\n")) {
		return b[:len(b)-2]
	}
	return bytes.TrimSuffix(b, []byte("\n"))
}

// isModSecurity3 reports whether a boundary has the ---id--- form of
// ModSecurity v3.
func isModSecurity3(boundary string) bool {
	return strings.HasPrefix(boundary, "---")
}

// parseNativeHeader reads part A: "[time] id client-address client-port
// server-address server-port". The time format identifies the writer:
// Coraza writes 2026/12/04 21:06:56, ModSecurity 04/Dec/2026:21:04:57 +0000.
func parseNativeHeader(a string) (t time.Time, client string, coraza bool) {
	if !strings.HasPrefix(a, "[") {
		return time.Time{}, "", false
	}
	stamp, rest, ok := strings.Cut(a[1:], "]")
	if !ok {
		return time.Time{}, "", false
	}
	if parsed, err := time.Parse(modSecurityTime, stamp); err == nil {
		t = parsed
	} else if parsed, err := time.ParseInLocation(corazaTime, stamp, time.Local); err == nil {
		t, coraza = parsed, true
	}
	if fields := strings.Fields(rest); len(fields) >= 2 {
		client = fields[1]
	}
	if coraza {
		client = string(unescapeCorazaLog([]byte(client)))
	}
	return t, client, coraza
}

// unescapeLines applies unescape to each line of data and keeps the line
// ends.
func unescapeLines(data []byte, unescape func([]byte) []byte) []byte {
	var out []byte
	for len(data) > 0 {
		line, rest, found := bytes.Cut(data, []byte("\n"))
		out = append(out, unescape(line)...)
		if found {
			out = append(out, '\n')
		}
		data = rest
	}
	return out
}

// unescapeCorazaLog reverses the escaping of Coraza's native format, as
// v3.8.1 writes it: a backslash as \\, CR as \r and LF as \n, so that a
// request cannot forge log lines.
// NOTE: in the log of a Coraza version that does not escape, these
// sequences are decoded too, which changes bodies that contain them.
func unescapeCorazaLog(b []byte) []byte {
	if bytes.IndexByte(b, '\\') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		switch b[i+1] {
		case '\\':
			out = append(out, '\\')
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		default:
			out = append(out, b[i], b[i+1])
		}
		i++
	}
	return out
}
