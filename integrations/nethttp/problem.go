package nethttp

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Problem is the configurable part of the RFC 9457 problem details that a
// blocked request receives. The middleware adds the status and the event id.
// It never sends a rule id, a class or evidence to the client.
type Problem struct {
	// Type is a URI that identifies the problem type. Empty means
	// "about:blank", which RFC 9457 defines as a problem with no meaning
	// beyond the HTTP status code.
	Type string `json:"type,omitempty"`
	// Title is a short summary. Empty means the status text, such as
	// "Forbidden".
	Title string `json:"title,omitempty"`
	// Detail explains this occurrence to the client. Empty means
	// DefaultBlockDetail for blocked requests, and a sentence about the
	// body for oversized or unreadable bodies.
	Detail string `json:"detail,omitempty"`
}

// DefaultBlockDetail is the detail of a blocked request's response.
const DefaultBlockDetail = "The request was rejected by a security policy. Quote the event id when reporting a false positive."

// problemDocument is the JSON that a blocked client receives.
type problemDocument struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Status  int    `json:"status"`
	Detail  string `json:"detail,omitempty"`
	EventID string `json:"event_id"`
}

// writeBlocked writes the response to a blocked request as
// application/problem+json.
func (m *Middleware) writeBlocked(w http.ResponseWriter, d *Decision) {
	d.setEventID()
	doc := problemDocument{Status: d.Status, EventID: d.EventID}
	switch {
	case d.Err != nil:
		doc.Detail = "The request body could not be read."
	case d.Oversized && d.Status == http.StatusRequestEntityTooLarge:
		doc.Detail = "The request body is larger than this server inspects."
	default:
		doc.Type = m.opts.BlockProblem.Type
		doc.Title = m.opts.BlockProblem.Title
		doc.Detail = m.opts.BlockProblem.Detail
		if doc.Detail == "" {
			doc.Detail = DefaultBlockDetail
		}
	}
	if doc.Type == "" {
		doc.Type = "about:blank"
	}
	if doc.Title == "" {
		doc.Title = http.StatusText(d.Status)
	}
	// The document holds only strings and an int, so Marshal cannot fail.
	body, _ := json.Marshal(doc)

	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(d.Status)
	_, _ = w.Write(body)
}
