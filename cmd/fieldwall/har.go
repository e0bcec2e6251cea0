package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/fieldwall/fieldwall/engine"
)

// harRequest is the request of one HAR 1.2 entry, with the members that
// replay reads. queryString is left out because url carries the same query
// as it was sent.
type harRequest struct {
	Method   string         `json:"method"`
	URL      string         `json:"url"`
	Headers  []harNameValue `json:"headers"`
	Cookies  []harNameValue `json:"cookies"`
	PostData *harPostData   `json:"postData"`
}

type harNameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// harPostData is a HAR request body. HAR 1.2 defines mimeType, text and
// params for it. encoding is read as HAR 1.2 defines it for response
// content, where "base64" means that text is base64-encoded.
type harPostData struct {
	MimeType string     `json:"mimeType"`
	Text     string     `json:"text"`
	Params   []harParam `json:"params"`
	Encoding string     `json:"encoding"`
}

type harParam struct {
	Name        string `json:"name"`
	Value       string `json:"value"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
}

// harEntry is the part of a HAR 1.2 entry that replay reads.
type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Request         *harRequest `json:"request"`
}

// harKeptMembers are the entry members that readHAR copies for decoding.
// The others, such as a large response body, are skipped without being
// stored.
var harKeptMembers = map[string]bool{"startedDateTime": true, "request": true}

// maxRecordBytes bounds the bytes of one record that replay holds: a line
// of JSON Lines, the kept members of a HAR entry, the request of an audit
// log record or of a Burp item. Whole requests with large bodies fit.
const maxRecordBytes = 16 << 20

// readHAR splits a HAR file into its entries and passes each to sink, so
// that memory holds a few entries' requests at a time and never the whole
// file. The returned error means the JSON structure around the entries is
// broken and the rest of the file cannot be read.
func readHAR(br *bufio.Reader, sink recordSink) error {
	s := newJSONScanner(br)
	if err := s.expect('{'); err != nil {
		return fmt.Errorf("not a HAR file: %w", err)
	}
	found, err := walkMembers(s, func(key string) (bool, error) {
		if key != "log" {
			return false, s.skipValue()
		}
		if err := s.expect('{'); err != nil {
			return false, fmt.Errorf("log: %w", err)
		}
		return walkMembers(s, func(key string) (bool, error) {
			if key != "entries" {
				return false, s.skipValue()
			}
			return true, readHAREntries(s, sink)
		})
	})
	if err != nil {
		return err
	}
	if !found {
		return errors.New("no log.entries array: is this a HAR file?")
	}
	return nil
}

// walkMembers calls member for each key of the object whose '{' was just
// read; member must read the key's value. It stops after the first member
// that returns true, without reading the rest of the object, and reports
// whether that happened.
func walkMembers(s *jsonScanner, member func(key string) (stop bool, err error)) (bool, error) {
	if c, err := s.peek(); err != nil {
		return false, err
	} else if c == '}' {
		s.next('}', '}')
		return false, nil
	}
	for {
		key, err := s.readKey()
		if err != nil {
			return false, err
		}
		stop, err := member(key)
		if err != nil || stop {
			return stop, err
		}
		if c, err := s.next(',', '}'); err != nil {
			return false, err
		} else if c == '}' {
			return false, nil
		}
	}
}

func readHAREntries(s *jsonScanner, sink recordSink) error {
	if err := s.expect('['); err != nil {
		return fmt.Errorf("log.entries: %w", err)
	}
	if c, err := s.peek(); err != nil {
		return fmt.Errorf("log.entries: %w", err)
	} else if c == ']' {
		return nil
	}
	for index := 0; ; index++ {
		if _, err := s.peek(); err != nil {
			return fmt.Errorf("log.entries[%d]: %w", index, err)
		}
		pos := position{line: s.line, index: index}
		kept, err := readHAREntry(s)
		var entryErr *recordError
		switch {
		case errors.As(err, &entryErr):
			if err := sink.unreadable(pos, entryErr.err); err != nil {
				return err
			}
		case err != nil:
			return fmt.Errorf("log.entries[%d]: %w", index, err)
		default:
			err := sink.record(pos, len(kept), func() (capture, error) { return decodeHAREntry(kept) })
			if err != nil {
				return err
			}
		}
		if c, err := s.next(',', ']'); err != nil {
			return fmt.Errorf("log.entries[%d]: %w", index, err)
		} else if c == ']' {
			return nil
		}
	}
}

// recordError is a record that cannot be read while the structure around it
// is intact, so reading goes on with the next record.
type recordError struct{ err error }

func (e *recordError) Error() string { return e.err.Error() }

// readHAREntry reads one element of log.entries and returns a JSON object
// with the members in harKeptMembers, for decodeHAREntry.
func readHAREntry(s *jsonScanner) ([]byte, error) {
	c, err := s.peek()
	if err != nil {
		return nil, err
	}
	if c != '{' {
		if err := s.skipValue(); err != nil {
			return nil, err
		}
		return nil, &recordError{fmt.Errorf("the entry is %s, not an object", describeJSONStart(c))}
	}
	s.expect('{')

	kept := []byte{'{'}
	tooLarge := false
	_, err = walkMembers(s, func(key string) (bool, error) {
		if !harKeptMembers[key] || tooLarge {
			return false, s.skipValue()
		}
		if len(kept) > 1 {
			kept = append(kept, ',')
		}
		kept = strconv.AppendQuote(kept, key)
		kept = append(kept, ':')
		err := s.copyValue(&kept, maxRecordBytes)
		if errors.Is(err, errValueTooLarge) {
			tooLarge = true
			return false, nil
		}
		return false, err
	})
	if err != nil {
		return nil, err
	}
	if tooLarge {
		return nil, &recordError{fmt.Errorf("the request is larger than %d MiB", maxRecordBytes>>20)}
	}
	return append(kept, '}'), nil
}

// decodeHAREntry decodes the members that readHAREntry kept. It runs on a
// worker goroutine.
func decodeHAREntry(data []byte) (capture, error) {
	var entry harEntry
	if err := json.Unmarshal(data, &entry); err != nil {
		return capture{}, fmt.Errorf("invalid request: %s", jsonErrorText(err))
	}
	if entry.Request == nil {
		return capture{}, errors.New("the entry has no request")
	}
	req, err := entry.Request.toEngineRequest()
	if err != nil {
		return capture{}, err
	}
	c := capture{req: req}
	if entry.StartedDateTime != "" {
		// HAR 1.2 gives startedDateTime in ISO 8601 with a zone offset,
		// which RFC 3339 parsing accepts with or without fractional
		// seconds. A value in another form leaves the time unknown.
		if t, err := time.Parse(time.RFC3339Nano, entry.StartedDateTime); err == nil {
			c.time = t
		}
	}
	return c, nil
}

// toEngineRequest converts a HAR request. HTTP/2 pseudo-headers are dropped
// except :authority, which becomes Host when no Host header is present. The
// cookies list is joined into a Cookie header only when the headers have
// none, because exporters usually record the same cookies in both.
func (h *harRequest) toEngineRequest() (engine.Request, error) {
	if h.Method == "" {
		return engine.Request{}, errors.New("the request has no method")
	}
	if h.URL == "" {
		return engine.Request{}, errors.New("the request has no url")
	}
	target, authority, err := requestTarget(h.URL)
	if err != nil {
		return engine.Request{}, err
	}

	header := make(http.Header, len(h.Headers)+1)
	for _, hv := range h.Headers {
		switch {
		case hv.Name == ":authority":
			authority = hv.Value
		case strings.HasPrefix(hv.Name, ":"), hv.Name == "":
			continue
		default:
			header.Add(hv.Name, hv.Value)
		}
	}
	if header.Get("Host") == "" && authority != "" {
		header.Set("Host", authority)
	}
	if len(header.Values("Cookie")) == 0 && len(h.Cookies) > 0 {
		pairs := make([]string, len(h.Cookies))
		for i, c := range h.Cookies {
			pairs[i] = c.Name + "=" + c.Value
		}
		header.Set("Cookie", strings.Join(pairs, "; "))
	}

	body, err := h.PostData.body(header)
	if err != nil {
		return engine.Request{}, err
	}
	return engine.Request{Method: h.Method, Target: target, Header: header, Body: body}, nil
}

// requestTarget converts a HAR url to the request-target of an HTTP/1.1
// request line: the path and query of an absolute URL, as written, without
// the fragment, which clients do not send. It also returns the URL's host and
// port for the Host header. A url that is already a path is kept.
func requestTarget(rawURL string) (target, authority string, err error) {
	if i := strings.IndexByte(rawURL, '#'); i >= 0 {
		rawURL = rawURL[:i]
	}
	if strings.HasPrefix(rawURL, "/") {
		return rawURL, "", nil
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok || !isToken(scheme) {
		return "", "", fmt.Errorf("url %q is not an absolute http(s) URL", truncateText(rawURL, 60))
	}
	authority, target = rest, "/"
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, target = rest[:i], rest[i:]
		if target[0] == '?' {
			target = "/" + target
		}
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		authority = authority[at+1:]
	}
	return target, authority, nil
}

// body returns the request body that p describes, and sets Content-Type from
// mimeType when the headers have none. text wins over params because HAR 1.2
// makes them exclusive and exporters that write both put the sent bytes in
// text.
func (p *harPostData) body(header http.Header) ([]byte, error) {
	if p == nil {
		return nil, nil
	}
	if header.Get("Content-Type") == "" && p.MimeType != "" {
		header.Set("Content-Type", p.MimeType)
	}
	if p.Text != "" || len(p.Params) == 0 {
		switch strings.ToLower(p.Encoding) {
		case "":
			return []byte(p.Text), nil
		case "base64":
			body, err := decodeBase64(p.Text)
			if err != nil {
				return nil, fmt.Errorf("postData.text is not valid base64: %v", err)
			}
			return body, nil
		}
		return nil, fmt.Errorf("postData has encoding %q: only base64 is decoded", p.Encoding)
	}

	mediaType, params, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if mediaType == "multipart/form-data" {
		return multipartBody(p.Params, params["boundary"], header)
	}
	if header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return formBody(p.Params), nil
}

// decodeBase64 decodes standard base64 with or without padding. It ignores
// line breaks, which MIME base64 puts after every 76 characters.
func decodeBase64(text string) ([]byte, error) {
	text = strings.NewReplacer("\r", "", "\n", "").Replace(text)
	if strings.HasSuffix(text, "=") || len(text)%4 == 0 {
		return base64.StdEncoding.DecodeString(text)
	}
	return base64.RawStdEncoding.DecodeString(text)
}

// formBody encodes params as an application/x-www-form-urlencoded body.
// HAR 1.2 does not define whether param values are percent-decoded. Bytes
// outside the unreserved set are percent-encoded, except a '%' that already
// starts an escape, so that values written encoded are not encoded twice.
// NOTE: a decoded value that contains a literal escape such as "%41" is sent
// as written, so the backend would decode it once more.
func formBody(params []harParam) []byte {
	var b bytes.Buffer
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		appendFormEscaped(&b, p.Name)
		b.WriteByte('=')
		appendFormEscaped(&b, p.Value)
	}
	return b.Bytes()
}

func appendFormEscaped(b *bytes.Buffer, s string) {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~", c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		}
	}
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// multipartBody encodes params as a multipart/form-data body. It uses the
// boundary of the Content-Type header when that is valid, and otherwise
// a new one, written into the header so that the body can be parsed.
func multipartBody(params []harParam, boundary string, header http.Header) ([]byte, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if boundary == "" || w.SetBoundary(boundary) != nil {
		header.Set("Content-Type", w.FormDataContentType())
	}
	for _, p := range params {
		disposition := map[string]string{"name": p.Name}
		if p.FileName != "" {
			disposition["filename"] = p.FileName
		}
		part := textproto.MIMEHeader{}
		part.Set("Content-Disposition", mime.FormatMediaType("form-data", disposition))
		if p.ContentType != "" {
			part.Set("Content-Type", p.ContentType)
		}
		pw, err := w.CreatePart(part)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(pw, p.Value); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
