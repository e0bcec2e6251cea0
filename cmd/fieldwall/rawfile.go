package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// readRawHTTPFile reads a file of one or more raw HTTP/1.1 requests, as
// written by hand, saved from a proxy or captured from a connection. A
// request ends after the number of body bytes its Content-Length gives.
// Without Content-Length, or with Transfer-Encoding, it ends at an empty
// line that is followed by a request line, or at the end of the file, and
// empty lines at its end are dropped.
// NOTE: a body without Content-Length that contains an empty line followed
// by a request line is split there.
func readRawHTTPFile(br *bufio.Reader, sink recordSink) error {
	r := &rawSplitter{br: br}
	for {
		req, err := r.next()
		if err != nil {
			return err
		}
		if req == nil {
			return nil
		}
		pos := position{line: req.start, index: -1}
		if req.tooLarge {
			err = sink.unreadable(pos, fmt.Errorf("the request is larger than %d MiB", maxRecordBytes>>20))
		} else {
			data, start := req.data, req.start
			err = sink.record(pos, len(data), func() (capture, error) { return decodeRawRecord(data, start) })
		}
		if err != nil {
			return err
		}
	}
}

func decodeRawRecord(data []byte, firstLine int) (capture, error) {
	raw, err := parseRawHTTPAt(data, firstLine)
	if err != nil {
		return capture{}, err
	}
	return capture{req: raw.Request}, nil
}

// rawSplitter splits a raw HTTP file into requests.
type rawSplitter struct {
	br *bufio.Reader
	// line is the number of lines read.
	line int
	// pending is a line read ahead that starts the next request.
	pending []byte
	eof     bool
}

type rawSplit struct {
	start    int
	data     []byte
	tooLarge bool
}

// readLine returns the next line with its line end. A line longer than
// maxRecordBytes is returned as nil with tooLong set.
func (r *rawSplitter) readLine() (line []byte, tooLong bool, err error) {
	if r.pending != nil {
		line = r.pending
		r.pending = nil
		r.line++
		return line, false, nil
	}
	if r.eof {
		return nil, false, io.EOF
	}
	line, tooLong, err = readRawLine(r.br, maxRecordBytes)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	if errors.Is(err, io.EOF) {
		r.eof = true
		if len(line) == 0 && !tooLong {
			return nil, false, io.EOF
		}
	}
	r.line++
	return line, tooLong, nil
}

// unread keeps line for the next readLine.
func (r *rawSplitter) unread(line []byte) {
	r.pending = line
	r.line--
}

// next returns the next request, or nil at the end of the input.
func (r *rawSplitter) next() (*rawSplit, error) {
	// Empty lines between requests are skipped.
	var line []byte
	var tooLong bool
	for {
		var err error
		line, tooLong, err = r.readLine()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if tooLong || len(bytes.TrimSpace(line)) > 0 {
			break
		}
	}
	req := &rawSplit{start: r.line}
	req.add(line, tooLong)

	// Header lines up to the empty line that ends them.
	length, hasLength, chunked := int64(0), false, false
	for {
		line, tooLong, err := r.readLine()
		if errors.Is(err, io.EOF) {
			return req, nil
		}
		if err != nil {
			return nil, err
		}
		req.add(line, tooLong)
		text := bytes.TrimRight(line, "\r\n")
		if len(text) == 0 && !tooLong {
			break
		}
		name, value, _ := strings.Cut(string(text), ":")
		switch {
		case strings.EqualFold(strings.TrimSpace(name), "Content-Length"):
			n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
			if err == nil && n >= 0 && (!hasLength || n == length) {
				length, hasLength = n, true
			} else {
				// parseRawHTTP reports the invalid or conflicting value.
				chunked = true
			}
		case strings.EqualFold(strings.TrimSpace(name), "Transfer-Encoding"):
			chunked = true
		}
	}

	if hasLength && !chunked {
		return req, r.readBody(req, length)
	}
	return req, r.readUntilNextRequest(req)
}

// readBody appends the length bytes of a Content-Length body.
func (r *rawSplitter) readBody(req *rawSplit, length int64) error {
	if length > maxRecordBytes {
		req.tooLarge = true
	}
	var body bytes.Buffer
	n, err := io.CopyN(&body, r.br, length)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if errors.Is(err, io.EOF) {
		r.eof = true
	}
	r.line += bytes.Count(body.Bytes(), []byte{'\n'})
	if !req.tooLarge {
		req.data = append(req.data, body.Bytes()[:n]...)
	}
	// The rest of the line after the body, usually its line end, belongs
	// to no request.
	if !r.eof {
		rest, tooLong, err := r.readLine()
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if err == nil && (tooLong || len(bytes.TrimSpace(rest)) > 0) {
			// A pipelined request that follows the body without a line
			// end, or text that the next request reports.
			r.unread(rest)
		}
	}
	return nil
}

// readUntilNextRequest appends body lines up to an empty line followed by
// a request line, which it keeps for the next request.
func (r *rawSplitter) readUntilNextRequest(req *rawSplit) error {
	previousEmpty := true
	for {
		line, tooLong, err := r.readLine()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		text := bytes.TrimRight(line, "\r\n")
		if previousEmpty && !tooLong && looksLikeRequestLine(string(text)) {
			r.unread(line)
			break
		}
		req.add(line, tooLong)
		previousEmpty = len(text) == 0 && !tooLong
	}
	if !req.tooLarge {
		for bytes.HasSuffix(req.data, []byte("\n\n")) || bytes.HasSuffix(req.data, []byte("\n\r\n")) {
			req.data = trimLineEnd(req.data)
		}
	}
	return nil
}

func (s *rawSplit) add(line []byte, tooLong bool) {
	if s.tooLarge {
		return
	}
	if tooLong || len(s.data)+len(line) > maxRecordBytes {
		s.tooLarge = true
		s.data = nil
		return
	}
	s.data = append(s.data, line...)
}
