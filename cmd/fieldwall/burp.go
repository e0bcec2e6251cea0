package main

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// burpTime is the layout of <time> in a Burp Suite export, the output of
// Java's Date.toString: Mon May 04 10:15:30 CEST 2026.
// NOTE: Go resolves a zone abbreviation only when the local zone uses it,
// so a time written in another zone is read with offset zero.
const burpTime = "Mon Jan 02 15:04:05 MST 2006"

// burpItem is the time and the raw request of one <item> in a Burp Suite
// export.
type burpItem struct {
	time string
	// request is the raw request, base64-encoded when requestBase64 is set.
	request       string
	requestBase64 bool
	tooLarge      bool
}

// readBurp reads a Burp Suite XML export ("Save items" in the proxy
// history or site map): <items> with one <item> per request, whose
// <request> holds the raw request, base64-encoded when its attribute
// base64 is "true". Other members, such as the response, are skipped.
// NOTE: XML turns CRLF into LF in text, so a request exported without
// base64 loses the CR of its line ends, and a body with CRLF no longer
// matches its Content-Length. Export with base64 to keep every byte.
func readBurp(br *bufio.Reader, sink recordSink) error {
	dec := xml.NewDecoder(br)
	root, err := nextStart(dec)
	if err != nil {
		return fmt.Errorf("not a Burp Suite export: %w", err)
	}
	if root.Name.Local != "items" {
		return fmt.Errorf("not a Burp Suite export: the root element is <%s>, not <items>", root.Name.Local)
	}
	for index := 0; ; {
		tok, err := dec.Token()
		if err != nil {
			return xmlStreamError(err, dec)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			line, _ := dec.InputPos()
			if t.Name.Local != "item" {
				if err := dec.Skip(); err != nil {
					return xmlStreamError(err, dec)
				}
				continue
			}
			pos := position{line: line, index: index}
			index++
			item, err := readBurpItem(dec)
			if err != nil {
				return fmt.Errorf("item %d: %w", pos.index, xmlStreamError(err, dec))
			}
			if item.tooLarge {
				if err := sink.unreadable(pos, fmt.Errorf("the request is larger than %d MiB", maxRecordBytes>>20)); err != nil {
					return err
				}
				continue
			}
			if err := sink.record(pos, len(item.request), func() (capture, error) { return decodeBurpItem(item) }); err != nil {
				return err
			}
		}
	}
}

// nextStart returns the next start element, skipping the XML declaration,
// the DOCTYPE, comments and text.
func nextStart(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		if start, ok := tok.(xml.StartElement); ok {
			return start, nil
		}
	}
}

// readBurpItem reads the members of the <item> whose start was just read,
// and its end.
func readBurpItem(dec *xml.Decoder) (*burpItem, error) {
	item := &burpItem{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return item, nil
		case xml.StartElement:
			var field *string
			switch t.Name.Local {
			case "time":
				field = &item.time
			case "request":
				field = &item.request
				for _, attr := range t.Attr {
					if attr.Name.Local == "base64" {
						item.requestBase64 = attr.Value == "true"
					}
				}
			default:
				if err := dec.Skip(); err != nil {
					return nil, err
				}
				continue
			}
			text, tooLarge, err := elementText(dec, maxRecordBytes)
			if err != nil {
				return nil, err
			}
			*field = text
			item.tooLarge = item.tooLarge || tooLarge
		}
	}
}

// elementText returns the text of the element whose start was just read
// and reads its end. Text beyond limit bytes is dropped and tooLarge set.
func elementText(dec *xml.Decoder, limit int) (text string, tooLarge bool, err error) {
	var b strings.Builder
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return "", false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if b.Len()+len(t) > limit {
				tooLarge = true
				continue
			}
			b.Write(t)
		}
	}
	return b.String(), tooLarge, nil
}

// decodeBurpItem builds the request of one item from its raw request.
func decodeBurpItem(item *burpItem) (capture, error) {
	if strings.TrimSpace(item.request) == "" {
		return capture{}, errors.New("the item has no <request>")
	}
	data := []byte(item.request)
	if item.requestBase64 {
		decoded, err := decodeBase64(strings.TrimSpace(item.request))
		if err != nil {
			return capture{}, fmt.Errorf("<request base64=\"true\"> is not valid base64: %v", err)
		}
		data = decoded
	}
	raw, err := parseRawHTTP(data)
	if err != nil {
		return capture{}, fmt.Errorf("<request>: %w", err)
	}
	c := capture{req: raw.Request}
	if item.time != "" {
		if t, err := time.Parse(burpTime, strings.TrimSpace(item.time)); err == nil {
			c.time = t
		}
	}
	return c, nil
}

// xmlStreamError describes an error of the XML decoder with its line.
func xmlStreamError(err error, dec *xml.Decoder) error {
	line, _ := dec.InputPos()
	var syntaxErr *xml.SyntaxError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.As(err, &syntaxErr) && syntaxErr.Msg == "unexpected EOF":
		return fmt.Errorf("the file ends inside the XML document at line %d", line)
	case syntaxErr != nil:
		return fmt.Errorf("invalid XML at line %d: %s", syntaxErr.Line, syntaxErr.Msg)
	}
	return err
}
