package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonScanner walks a JSON document on a bufio.Reader without decoding its
// values. It finds the boundaries of objects, arrays and strings, so that a
// reader can split a large document into records and copy only the members
// it needs, while encoding/json decodes those copies on the worker
// goroutines. It checks brackets and string quoting, not the full grammar:
// a copied value is validated when it is decoded.
type jsonScanner struct {
	br *bufio.Reader
	// offset is the number of bytes consumed since the document started.
	offset int64
	// line is the 1-based line of the next byte.
	line int
}

func newJSONScanner(br *bufio.Reader) *jsonScanner {
	return &jsonScanner{br: br, line: 1}
}

// errValueTooLarge is returned by copyValue for a value longer than its
// limit. The value has been read to its end, so scanning can go on.
var errValueTooLarge = errors.New("value too large")

// consume drops n buffered bytes and advances the offset and line.
func (s *jsonScanner) consume(chunk []byte, n int) {
	s.line += bytes.Count(chunk[:n], []byte{'\n'})
	s.offset += int64(n)
	s.br.Discard(n)
}

// buffered returns the buffered input, reading more when the buffer is
// empty. It returns an error only when no byte is left.
func (s *jsonScanner) buffered() ([]byte, error) {
	if s.br.Buffered() == 0 {
		if _, err := s.br.Peek(1); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("the file ends inside the JSON document")
			}
			return nil, err
		}
	}
	chunk, _ := s.br.Peek(s.br.Buffered())
	return chunk, nil
}

// peek skips whitespace and returns the next byte without consuming it.
func (s *jsonScanner) peek() (byte, error) {
	for {
		chunk, err := s.buffered()
		if err != nil {
			return 0, err
		}
		i := 0
		for i < len(chunk) && isJSONSpace(chunk[i]) {
			i++
		}
		s.consume(chunk, i)
		if i < len(chunk) {
			return chunk[i], nil
		}
	}
}

func isJSONSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// expect skips whitespace and consumes want, or returns an error that names
// what was found instead.
func (s *jsonScanner) expect(want byte) error {
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c != want {
		return fmt.Errorf("expected '%c', found %s", want, describeJSONStart(c))
	}
	s.br.Discard(1)
	s.offset++
	return nil
}

// next skips whitespace and consumes one of the two bytes, returning it.
// It separates the members of an object (',' or '}') and the elements of
// an array (',' or ']').
func (s *jsonScanner) next(a, b byte) (byte, error) {
	c, err := s.peek()
	if err != nil {
		return 0, err
	}
	if c != a && c != b {
		return 0, s.syntaxError(fmt.Sprintf("expected '%c' or '%c', found %s", a, b, describeJSONStart(c)))
	}
	s.br.Discard(1)
	s.offset++
	return c, nil
}

// syntaxError describes invalid JSON at the current position.
func (s *jsonScanner) syntaxError(text string) error {
	return fmt.Errorf("invalid JSON at line %d (byte %d): %s", s.line, s.offset, text)
}

// maxKeyBytes bounds an object key that the scanner decodes. Keys of the
// formats replay reads are short words.
const maxKeyBytes = 4 << 10

// readKey reads an object key and the ':' after it.
func (s *jsonScanner) readKey() (string, error) {
	c, err := s.peek()
	if err != nil {
		return "", err
	}
	if c != '"' {
		return "", s.syntaxError("expected an object key, found " + describeJSONStart(c))
	}
	var raw []byte
	if err := s.copyValue(&raw, maxKeyBytes); err != nil {
		if errors.Is(err, errValueTooLarge) {
			return "", s.syntaxError(fmt.Sprintf("an object key is longer than %d bytes", maxKeyBytes))
		}
		return "", err
	}
	var key string
	if err := json.Unmarshal(raw, &key); err != nil {
		return "", s.syntaxError("invalid object key: " + jsonErrorText(err))
	}
	if err := s.expect(':'); err != nil {
		return "", s.syntaxError(fmt.Sprintf("after key %q: %v", truncateText(key, 40), err))
	}
	return key, nil
}

// skipValue reads past the next value.
func (s *jsonScanner) skipValue() error {
	return s.copyValue(nil, 0)
}

// copyValue reads the next value and appends its bytes to *dst when dst is
// not nil. A value longer than limit bytes is read to its end but not
// kept, and errValueTooLarge is returned.
func (s *jsonScanner) copyValue(dst *[]byte, limit int) error {
	first, err := s.peek()
	if err != nil {
		return err
	}
	start := len(bytesOf(dst))
	tooLarge := false
	keep := func(b []byte) {
		if dst == nil || tooLarge {
			return
		}
		if len(*dst)-start+len(b) > limit {
			tooLarge = true
			*dst = (*dst)[:start]
			return
		}
		*dst = append(*dst, b...)
	}

	depth := 0
	inString := false
	escaped := false
	scalar := first != '{' && first != '[' && first != '"'
	switch first {
	case '}', ']', ',', ':':
		return s.syntaxError("expected a value, found " + describeJSONStart(first))
	}
	for {
		chunk, err := s.buffered()
		if err != nil {
			if scalar && depth == 0 && !inString {
				// A number or literal at the very end of the input.
				break
			}
			return err
		}
		i, done := 0, false
		for i < len(chunk) && !done {
			c := chunk[i]
			switch {
			case inString:
				if escaped {
					escaped = false
					i++
					continue
				}
				// Jump to the next quote or backslash. Two byte searches
				// took less CPU time than bytes.IndexAny on HAR input.
				quote := bytes.IndexByte(chunk[i:], '"')
				end := len(chunk)
				if quote >= 0 {
					end = i + quote
				}
				if backslash := bytes.IndexByte(chunk[i:end], '\\'); backslash >= 0 {
					i += backslash + 1
					escaped = true
					continue
				}
				if quote < 0 {
					i = len(chunk)
					continue
				}
				i = end + 1
				inString = false
				done = depth == 0
			case scalar:
				if c == ',' || c == '}' || c == ']' || c == ':' || isJSONSpace(c) {
					done = true
					continue
				}
				i++
			default:
				switch c {
				case '"':
					inString = true
				case '{', '[':
					depth++
				case '}', ']':
					depth--
					done = depth == 0
				}
				i++
			}
		}
		keep(chunk[:i])
		s.consume(chunk, i)
		if done {
			break
		}
	}
	if tooLarge {
		return errValueTooLarge
	}
	return nil
}

func bytesOf(p *[]byte) []byte {
	if p == nil {
		return nil
	}
	return *p
}

// describeJSONStart names the kind of JSON value that starts with c, for
// error messages.
func describeJSONStart(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || '0' <= c && c <= '9':
		return "a number"
	}
	return fmt.Sprintf("%q", rune(c))
}
