package engine

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"unsafe"
)

// InspectHTTP reads r's body up to the engine's body limit plus one byte,
// inspects the request and puts the body back, so that the next handler reads
// the same bytes. A body larger than the limit is inspected up to the limit
// and reported; the whole body, unread part included, is still passed on.
func (e *Engine) InspectHTTP(r *http.Request) (Verdict, error) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		limit := int64(e.limits.MaxBodyBytes) + 1
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, limit))
		if err != nil {
			return Verdict{}, fmt.Errorf("read request body: %w", err)
		}
		r.Body = &replayBody{Reader: io.MultiReader(bytes.NewReader(body), r.Body), closer: r.Body}
	}
	target := r.RequestURI
	if target == "" && r.URL != nil {
		target = r.URL.RequestURI()
	}
	return e.Inspect(&Request{Method: r.Method, Target: target, Header: r.Header, Body: body}), nil
}

// replayBody returns the bytes read for inspection, then the rest of the
// original body, and closes the original body.
type replayBody struct {
	io.Reader
	closer io.Closer
}

func (b *replayBody) Close() error { return b.closer.Close() }

// bytesToString returns a string sharing b's memory. The caller must not
// change b while the string is in use.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
