package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fieldwall/fieldwall/engine"
)

// inputFormat is a kind of capture file that replay reads.
type inputFormat int

const (
	formatJSONLines inputFormat = iota
	formatHAR
	// formatAuditJSON is a Coraza or ModSecurity (v2 or v3) audit log in
	// JSON, one transaction per line.
	formatAuditJSON
	// formatAuditNative is a Coraza or ModSecurity (v2 or v3) serial audit
	// log in the native format, with sections such as --1a2b3c4d-A--.
	formatAuditNative
	// formatBurp is a Burp Suite XML export of proxy history or site map
	// items.
	formatBurp
	// formatRawHTTP is one or more requests as raw HTTP/1.1 text.
	formatRawHTTP
)

func (f inputFormat) String() string {
	switch f {
	case formatHAR:
		return "HAR"
	case formatAuditJSON:
		return "JSON audit log"
	case formatAuditNative:
		return "native audit log"
	case formatBurp:
		return "Burp Suite XML"
	case formatRawHTTP:
		return "raw HTTP"
	}
	return "JSON Lines"
}

// sniffBytes is how much of a file detectFormat looks at. The first key of a
// HAR file or an audit log record, the first line of the other text formats
// and the root element of a Burp Suite export come within it.
const sniffBytes = 4 << 10

// readBufferSize is the buffer of the reader that each format reads from.
const readBufferSize = 64 << 10

// formatList names the formats in error messages.
const formatList = "HAR, JSON Lines of request records, a Coraza or ModSecurity audit log, a Burp Suite XML export or raw HTTP"

// inputSource is one capture file of a run.
type inputSource struct {
	// name is the path given on the command line, "-" for standard input.
	name   string
	format inputFormat
	gzip   bool
}

// displayName returns the name used in messages and reports.
func (s *inputSource) displayName() string { return inputName(s.name) }

// position locates a record in its input file.
type position struct {
	// line is the 1-based line where the record starts, 0 when unknown.
	line int
	// index is the 0-based index of the record in log.entries for HAR and
	// among the items of a Burp Suite export, -1 for other formats.
	index int
}

// indexName returns how messages and reports name the element at index in
// a file of format f: "log.entries[3]" or "item 3", or "" for formats
// without one.
func (f inputFormat) indexName(index int) string {
	switch {
	case index < 0:
		return ""
	case f == formatHAR:
		return fmt.Sprintf("log.entries[%d]", index)
	case f == formatBurp:
		return fmt.Sprintf("item %d", index)
	}
	return ""
}

// describe returns "name:line: log.entries[3]" or the parts of it that are
// known, for messages.
func (s *inputSource) describe(pos position) string {
	text := s.displayName()
	if pos.line > 0 {
		text = fmt.Sprintf("%s:%d", text, pos.line)
	}
	if name := s.format.indexName(pos.index); name != "" {
		text += ": " + name
	}
	return text
}

// capture is one request read from a capture file, with what the file
// records about it.
type capture struct {
	req engine.Request
	// time is when the request was made or received, zero when the record
	// has no time.
	time time.Time
	// client is the client address: the first X-Forwarded-For address when
	// that header is present, otherwise the address the record gives, or ""
	// when neither is known.
	client string
}

// recordSink receives the records of one file in input order. record takes
// a function that decodes the record into a request. It runs on a worker
// goroutine, so that the reading goroutine only splits the input. size is
// the record's byte count, which bounds the bytes held in flight. Both
// methods return errStopped once the run was interrupted, and the reader
// then returns that error.
type recordSink interface {
	record(pos position, size int, decode func() (capture, error)) error
	unreadable(pos position, err error) error
}

// errStopped is returned by a recordSink when the run was interrupted.
var errStopped = errors.New("replay stopped")

// recordReader reads the records of one format from br into sink. The
// returned error means the rest of the input cannot be read.
type recordReader func(br *bufio.Reader, sink recordSink) error

// readerFor returns the reader of format f.
func readerFor(f inputFormat) recordReader {
	switch f {
	case formatHAR:
		return readHAR
	case formatAuditJSON:
		return readAuditJSON
	case formatAuditNative:
		return readAuditNative
	case formatBurp:
		return readBurp
	case formatRawHTTP:
		return readRawHTTPFile
	}
	return readJSONLines
}

var (
	gzipMagic = []byte{0x1f, 0x8b}
	utf8BOM   = []byte("\xef\xbb\xbf")
)

// openCapture prepares r for reading: it decompresses gzip data, recognized
// by its magic bytes, and detects the format from the content. It also
// reports whether the data was compressed.
func openCapture(r io.Reader) (*bufio.Reader, inputFormat, bool, error) {
	br := bufio.NewReaderSize(r, readBufferSize)
	compressed := false
	if magic, _ := br.Peek(len(gzipMagic)); bytes.Equal(magic, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, 0, false, fmt.Errorf("invalid gzip data: %w", err)
		}
		br = bufio.NewReaderSize(zr, readBufferSize)
		compressed = true
	}
	format, err := detectFormat(br)
	if err != nil {
		return nil, 0, compressed, err
	}
	return br, format, compressed, nil
}

// detectFormat detects the format from the content. HAR, JSON Lines and
// JSON audit logs start with '{' and differ in their first key: "log" for
// HAR, "transaction" for Coraza and ModSecurity, anything else for JSON
// Lines. A Burp Suite export is XML with root element <items>, a native
// audit log starts with the boundary line of section A, and raw HTTP with a
// request line. It consumes a leading UTF-8 byte order mark, which some
// exporters write and encoding/json rejects. An empty input is JSON Lines
// with no records.
func detectFormat(br *bufio.Reader) (inputFormat, error) {
	if bom, _ := br.Peek(len(utf8BOM)); bytes.Equal(bom, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, err
	}
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 {
		return formatJSONLines, nil
	}
	switch head[0] {
	case '{':
		return detectJSONFormat(head), nil
	case '<':
		if isBurpExport(head) {
			return formatBurp, nil
		}
		return 0, fmt.Errorf("XML that is not a Burp Suite export: the root element is not <items>; replay reads %s", formatList)
	case '-':
		firstLine, _, _ := bytes.Cut(head, []byte("\n"))
		if _, part, ok := parseBoundary(string(bytes.TrimRight(firstLine, "\r"))); ok && part == 'A' {
			return formatAuditNative, nil
		}
	}
	firstLine, _, _ := bytes.Cut(head, []byte("\n"))
	if looksLikeRequestLine(string(bytes.TrimRight(firstLine, "\r"))) {
		return formatRawHTTP, nil
	}
	return 0, fmt.Errorf("not a format replay reads (%s): the first character is %q", formatList, rune(head[0]))
}

func detectJSONFormat(head []byte) inputFormat {
	dec := json.NewDecoder(bytes.NewReader(head))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return formatJSONLines
	}
	switch tok, _ := dec.Token(); tok {
	case "log":
		return formatHAR
	case "transaction":
		return formatAuditJSON
	}
	return formatJSONLines
}

// isBurpExport reports whether the XML document that starts head has the
// root element <items> of a Burp Suite export.
func isBurpExport(head []byte) bool {
	dec := xml.NewDecoder(bytes.NewReader(head))
	dec.Strict = false
	for {
		tok, err := dec.RawToken()
		if err != nil {
			// The DOCTYPE of an export can be longer than head.
			return bytes.Contains(head, []byte("<items"))
		}
		if start, ok := tok.(xml.StartElement); ok {
			return start.Name.Local == "items"
		}
	}
}

// looksLikeRequestLine reports whether line is an HTTP request line such as
// "GET /path HTTP/1.1": a method in upper case, a target that is a path, an
// absolute URL or "*", and an optional version.
func looksLikeRequestLine(line string) bool {
	method, rest, ok := strings.Cut(line, " ")
	if !ok || method == "" || strings.ToUpper(method) != method || !isToken(method) {
		return false
	}
	target, version, _ := strings.Cut(strings.TrimSpace(rest), " ")
	if version != "" && !strings.HasPrefix(version, "HTTP/") {
		return false
	}
	return strings.HasPrefix(target, "/") || target == "*" || strings.Contains(target, "://")
}

// clientAddress returns the client of a request: the first address of
// X-Forwarded-For when the header is present, because a log written behind
// a proxy records the proxy's address, and otherwise the recorded address.
// The header is client-controlled, so the address is what the request
// claims.
func clientAddress(header http.Header, recorded string) string {
	if forwarded := header.Get("X-Forwarded-For"); forwarded != "" {
		first, _, _ := strings.Cut(forwarded, ",")
		if first = strings.TrimSpace(first); first != "" {
			return truncateText(first, maxClientBytes)
		}
	}
	return truncateText(recorded, maxClientBytes)
}

// maxClientBytes bounds a client address taken from a header.
const maxClientBytes = 64

// readJSONLines reads one request record per line from br. Empty lines are
// ignored. The returned error is a read error of br.
func readJSONLines(br *bufio.Reader, sink recordSink) error {
	return readRecordLines(br, sink, decodeRecordLine)
}

// readRecordLines passes each non-empty line of br to sink as one record
// that decode reads, and reports a line over maxRecordBytes as unreadable.
// The returned error is a read error of br.
func readRecordLines(br *bufio.Reader, sink recordSink, decode func(line []byte) (capture, error)) error {
	return readLines(br, func(number int, line []byte, tooLong bool) error {
		pos := position{line: number, index: -1}
		switch {
		case tooLong:
			return sink.unreadable(pos, fmt.Errorf("the line is longer than %d MiB", maxRecordBytes>>20))
		case len(bytes.TrimSpace(line)) == 0:
			return nil
		}
		return sink.record(pos, len(line), func() (capture, error) { return decode(line) })
	})
}

// decodeRecordLine decodes one line of JSON Lines.
func decodeRecordLine(line []byte) (capture, error) {
	rec, err := decodeRequestLine(line)
	if err != nil {
		return capture{}, err
	}
	c := capture{req: rec.req, client: rec.client}
	if rec.time != "" {
		t, err := time.Parse(time.RFC3339Nano, rec.time)
		if err != nil {
			return capture{}, fmt.Errorf(`invalid "time" %q: use RFC 3339, such as 2026-05-04T10:15:30Z`, truncateText(rec.time, 40))
		}
		c.time = t
	}
	return c, nil
}

// readLines calls line for each line of br with its 1-based number and
// without its line end. Each line is a new slice, so that it can be handed
// to another goroutine. A line longer than maxRecordBytes is read to its
// end but not stored, and tooLong is set. The returned error is a read
// error of br or an error of line.
func readLines(br *bufio.Reader, line func(number int, text []byte, tooLong bool) error) error {
	for number := 1; ; number++ {
		text, tooLong, err := readLine(br, nil, maxRecordBytes)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		atEOF := errors.Is(err, io.EOF)
		if atEOF && len(text) == 0 && !tooLong {
			return nil
		}
		if err := line(number, text, tooLong); err != nil {
			return err
		}
		if atEOF {
			return nil
		}
	}
}

// readLine appends the next line of br to buf, without its line end. A line
// longer than max is read to its end but not stored, and tooLong is set, so
// memory stays bounded. err is io.EOF after the last line.
func readLine(br *bufio.Reader, buf []byte, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, readErr := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > max+2 {
				tooLong = true
				buf = buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(readErr, bufio.ErrBufferFull) {
			continue
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		return buf, tooLong, readErr
	}
}
