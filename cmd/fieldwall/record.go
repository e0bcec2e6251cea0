package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/bytedance/sonic"

	"github.com/fieldwall/fieldwall/corpus"
	"github.com/fieldwall/fieldwall/engine"
)

// requestJSON is every JSON shape that scan and replay read as one request:
// a corpus record with "request" or "payload", or a bare request object with
// "method", "path", "headers" and "body".
type requestJSON struct {
	corpus.Record
	corpus.RequestRecord

	// Time and ClientIP are optional members that replay reports: when the
	// request was received, in RFC 3339, and the client's address.
	Time     string `json:"time"`
	ClientIP string `json:"client_ip"`
}

// requestLine is a request decoded from JSON with the optional members
// that replay reports.
type requestLine struct {
	req    engine.Request
	time   string
	client string
}

func (r *requestJSON) hasBareRequest() bool {
	return r.Method != "" || r.Path != "" || r.Headers != nil || r.Body != ""
}

// decodeRequestJSON decodes one JSON object into a request. A payload record
// is placed into a request the way corpus.Place does for evaluations.
// Trailing data after the object is an error.
func decodeRequestJSON(data []byte) (engine.Request, error) {
	line, err := decodeRequestLine(data)
	return line.req, err
}

// decodeRequestLine is decodeRequestJSON that also returns the optional
// members time and client_ip.
//
// A record is decoded with sonic first, which is several times faster than
// encoding/json and gives replay most of its throughput. A record that sonic
// rejects is decoded again with encoding/json, and that result and its error
// message are the ones returned.
func decodeRequestLine(data []byte) (requestLine, error) {
	var rec requestJSON
	if err := sonic.ConfigStd.Unmarshal(data, &rec); err == nil {
		return rec.toRequestLine()
	}
	rec = requestJSON{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&rec); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return requestLine{}, errors.New("invalid JSON: unexpected end of input")
		}
		return requestLine{}, errors.New("invalid JSON: " + jsonErrorText(err))
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return requestLine{}, errors.New("data after the JSON object: give one request per input (replay and eval read JSON Lines)")
	}

	return rec.toRequestLine()
}

func (rec *requestJSON) toRequestLine() (requestLine, error) {
	req, err := rec.toEngineRequest()
	if err != nil {
		return requestLine{}, err
	}
	return requestLine{req: req, time: rec.Time, client: rec.ClientIP}, nil
}

// toEngineRequest converts whichever request shape rec has.
func (rec *requestJSON) toEngineRequest() (engine.Request, error) {
	switch {
	case rec.Request != nil && (rec.Payload != nil || rec.hasBareRequest()):
		return engine.Request{}, errors.New(`the object has "request" and also "payload" or top-level request members: keep one`)
	case rec.Request != nil:
		return rec.Request.ToEngineRequest(), nil
	case rec.Payload != nil && rec.hasBareRequest():
		return engine.Request{}, errors.New(`the object has "payload" and also top-level request members: keep one`)
	case rec.Payload != nil:
		return corpus.Place(&rec.Record)
	case rec.hasBareRequest():
		return rec.RequestRecord.ToEngineRequest(), nil
	}
	return engine.Request{}, errors.New(`the object has no "request", "payload", "method", "path", "headers" or "body": ` +
		`write a request record such as {"request": {"method": "GET", "path": "/"}}`)
}
