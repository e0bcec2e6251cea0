package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/fieldwall/fieldwall/engine"
)

// rawRequest is a request read from raw HTTP/1.1 text.
type rawRequest struct {
	engine.Request
	// Warnings describe input that was read but not used, such as bytes
	// after the body that Content-Length delimits.
	Warnings []string
}

// parseRawHTTP reads one HTTP/1.1 request from data: a request line, header
// lines, an empty line and the body. Lines end in CRLF or LF. The body is
//
//   - chunk-decoded when Transfer-Encoding is chunked, which takes precedence
//     over Content-Length as in RFC 9112;
//   - the first Content-Length bytes when that header is given;
//   - otherwise the rest of data, less one final line end, because text
//     editors end files with one.
//
// Input that ends before the empty line is a request without a body. Errors
// name the line or the chunk and describe how to fix the input.
func parseRawHTTP(data []byte) (*rawRequest, error) {
	return parseRawHTTPAt(data, 1)
}

// parseRawHTTPAt is parseRawHTTP for a request that starts at line
// firstLine of a file, so that errors give that file's line numbers.
func parseRawHTTPAt(data []byte, firstLine int) (*rawRequest, error) {
	lines := lineReader{data: data, number: firstLine - 1}

	// RFC 9112 recommends that a server ignore empty lines before the
	// request line.
	var requestLine []byte
	for {
		line, ok := lines.next()
		if !ok {
			return nil, fmt.Errorf("no request line: write METHOD TARGET HTTP/1.1 on the first line")
		}
		if len(bytes.TrimSpace(line)) > 0 {
			requestLine = line
			break
		}
	}
	req := &rawRequest{}
	if err := parseRequestLine(req, string(requestLine), lines.number); err != nil {
		return nil, err
	}

	header, err := readHeaderLines(&lines)
	if err != nil {
		return nil, err
	}
	req.Header = header

	if err := readBody(req, data[lines.pos:]); err != nil {
		return nil, err
	}
	return req, nil
}

// lineReader splits data into lines that end in LF or CRLF. A CR that is not
// followed by LF stays part of the line.
type lineReader struct {
	data   []byte
	pos    int
	number int
}

// next returns the next line without its line end, and false at the end of
// data.
func (r *lineReader) next() ([]byte, bool) {
	if r.pos >= len(r.data) {
		return nil, false
	}
	r.number++
	rest := r.data[r.pos:]
	end := bytes.IndexByte(rest, '\n')
	if end < 0 {
		r.pos = len(r.data)
		return rest, true
	}
	r.pos += end + 1
	return bytes.TrimSuffix(rest[:end], []byte{'\r'}), true
}

// parseRequestLine fills the method and target from "METHOD TARGET VERSION".
// The target is everything between the method and the version, so a target
// with unencoded spaces, as attack tools send it, stays whole. The version
// may be missing.
func parseRequestLine(req *rawRequest, line string, number int) error {
	method, rest := strings.TrimSpace(line), ""
	if i := strings.IndexAny(method, " \t"); i >= 0 {
		method, rest = method[:i], method[i+1:]
	}
	if !isToken(method) {
		return fmt.Errorf("line %d: invalid method %q: the first line must be METHOD TARGET HTTP/1.1", number, method)
	}
	rest = strings.TrimSpace(rest)
	if i := strings.LastIndexAny(rest, " \t"); i >= 0 && strings.HasPrefix(rest[i+1:], "HTTP/") {
		rest = strings.TrimSpace(rest[:i])
	}
	if !validTarget(method, rest) {
		return fmt.Errorf("line %d: invalid request-target %q: use a path such as /api/users?id=1 or an absolute URL", number, rest)
	}
	req.Method = method
	req.Target = rest
	return nil
}

// validTarget reports whether target has one of the four request-target
// forms of RFC 9112: origin (/path), absolute (scheme://...), authority
// (host:port, for CONNECT) or asterisk (*, for OPTIONS).
func validTarget(method, target string) bool {
	switch {
	case target == "":
		return false
	case target[0] == '/':
		return true
	case target == "*":
		return method == http.MethodOptions
	case method == http.MethodConnect:
		return !strings.ContainsAny(target, " \t/")
	}
	scheme, _, ok := strings.Cut(target, "://")
	return ok && scheme != "" && isToken(scheme)
}

// isToken reports whether s is a token of RFC 9110: the grammar of methods
// and header names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// readHeaderLines reads header lines up to the empty line that ends them, or
// to the end of the input. Repeated names keep every value in order. A line
// that starts with a space or tab continues the previous value (obsolete line
// folding). It is joined with one space, which RFC 9112 allows a server to do
// instead of rejecting the request.
func readHeaderLines(lines *lineReader) (http.Header, error) {
	type field struct{ name, value string }
	var fields []field
	for {
		line, ok := lines.next()
		if !ok || len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(fields) == 0 {
				return nil, fmt.Errorf("line %d: continuation line before the first header: remove the leading space", lines.number)
			}
			last := &fields[len(fields)-1]
			last.value = strings.TrimSpace(last.value + " " + strings.TrimSpace(string(line)))
			continue
		}
		name, value, found := strings.Cut(string(line), ":")
		if !found {
			return nil, fmt.Errorf("line %d: header line %q has no ':': write Name: value, and end the headers with an empty line", lines.number, truncateText(string(line), 40))
		}
		name = strings.TrimRight(name, " \t")
		if !isToken(name) {
			return nil, fmt.Errorf("line %d: invalid header name %q", lines.number, name)
		}
		fields = append(fields, field{name, strings.TrimSpace(value)})
	}
	header := make(http.Header, len(fields))
	for _, f := range fields {
		header.Add(f.name, f.value)
	}
	return header, nil
}

// readBody sets req.Body from rest, the input after the header lines, as
// parseRawHTTP describes.
func readBody(req *rawRequest, rest []byte) error {
	if codings := transferCodings(req.Header); len(codings) > 0 {
		for _, coding := range codings {
			if coding != "chunked" {
				return fmt.Errorf("Transfer-Encoding %q is not supported: only chunked is decoded, so decode the body and remove the header", coding)
			}
		}
		body, trailer, after, err := decodeChunked(rest)
		if err != nil {
			return err
		}
		req.Body = body
		// Trailer fields are inspected like headers because a backend may
		// merge them into its header map.
		for _, f := range trailer {
			req.Header.Add(f[0], f[1])
		}
		if len(bytes.TrimSpace(after)) > 0 {
			req.Warnings = append(req.Warnings, fmt.Sprintf("ignored %d bytes after the last chunk", len(after)))
		}
		return nil
	}

	length, hasLength, err := contentLength(req.Header)
	if err != nil {
		return err
	}
	if !hasLength {
		if bytes.HasSuffix(rest, []byte("\r\n")) {
			rest = rest[:len(rest)-2]
		} else if bytes.HasSuffix(rest, []byte("\n")) {
			rest = rest[:len(rest)-1]
		}
		req.Body = rest
		return nil
	}
	if length > int64(len(rest)) {
		return fmt.Errorf("the body is %d bytes, shorter than Content-Length %d: correct Content-Length, or remove it to use the rest of the input as the body", len(rest), length)
	}
	req.Body = rest[:length]
	if extra := rest[length:]; len(bytes.TrimSpace(extra)) > 0 {
		req.Warnings = append(req.Warnings, fmt.Sprintf("ignored %d bytes after the %d bytes that Content-Length gives: correct Content-Length to inspect them", len(extra), length))
	}
	return nil
}

// transferCodings returns the lower-case codings of all Transfer-Encoding
// headers in order.
func transferCodings(header http.Header) []string {
	var codings []string
	for _, value := range header.Values("Transfer-Encoding") {
		for _, coding := range strings.Split(value, ",") {
			if coding = strings.ToLower(strings.TrimSpace(coding)); coding != "" {
				codings = append(codings, coding)
			}
		}
	}
	return codings
}

// contentLength returns the Content-Length of header. Repeated headers and
// list values such as "42, 42" are accepted when they agree, as RFC 9110
// allows, and are an error otherwise.
func contentLength(header http.Header) (length int64, ok bool, err error) {
	for _, value := range header.Values("Content-Length") {
		for _, item := range strings.Split(value, ",") {
			item = strings.TrimSpace(item)
			n, err := strconv.ParseInt(item, 10, 64)
			if err != nil || n < 0 || strings.HasPrefix(item, "+") {
				return 0, false, fmt.Errorf("invalid Content-Length %q: use a byte count, or remove the header to use the rest of the input as the body", value)
			}
			if ok && n != length {
				return 0, false, fmt.Errorf("conflicting Content-Length values %d and %d: keep one", length, n)
			}
			length, ok = n, true
		}
	}
	return length, ok, nil
}

// decodeChunked decodes a chunked body (RFC 9112, section 7.1) from data and
// returns the body, the trailer fields and the bytes after the message.
// Chunk-size lines and chunk data may end in CRLF or LF. Input that ends in
// the trailer section is accepted, because hand-written files often omit the
// final empty line.
func decodeChunked(data []byte) (body []byte, trailer [][2]string, after []byte, err error) {
	lines := lineReader{data: data}
	body = []byte{}
	for chunk := 1; ; chunk++ {
		line, ok := lines.next()
		if !ok {
			return nil, nil, nil, fmt.Errorf("chunk %d: the input ends before the last chunk: end a chunked body with a 0 line", chunk)
		}
		sizeText, _, _ := strings.Cut(string(line), ";")
		sizeText = strings.TrimSpace(sizeText)
		size, err := strconv.ParseUint(sizeText, 16, 62)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("chunk %d: invalid chunk size %q: write the size in hexadecimal on its own line", chunk, truncateText(sizeText, 40))
		}
		if size == 0 {
			break
		}
		rest := data[lines.pos:]
		if size > uint64(len(rest)) {
			return nil, nil, nil, fmt.Errorf("chunk %d: size %d (0x%s) is larger than the %d bytes left in the input", chunk, size, sizeText, len(rest))
		}
		body = append(body, rest[:size]...)
		lines.pos += int(size)
		switch end := data[lines.pos:]; {
		case bytes.HasPrefix(end, []byte("\r\n")):
			lines.pos += 2
		case bytes.HasPrefix(end, []byte("\n")):
			lines.pos++
		default:
			return nil, nil, nil, fmt.Errorf("chunk %d: chunk data of size %d is not followed by a line end: check the chunk size", chunk, size)
		}
	}
	for {
		line, ok := lines.next()
		if !ok || len(line) == 0 {
			break
		}
		name, value, found := strings.Cut(string(line), ":")
		name = strings.TrimRight(name, " \t")
		if !found || !isToken(name) {
			return nil, nil, nil, fmt.Errorf("invalid trailer line %q after the last chunk: write Name: value", truncateText(string(line), 40))
		}
		trailer = append(trailer, [2]string{name, strings.TrimSpace(value)})
	}
	return body, trailer, data[lines.pos:], nil
}

// truncateText cuts s to n bytes for error messages, marking the cut.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
