package graphql

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// The helpers in this file read the top level of a JSON body that
// encoding/json.Valid has accepted. They find members and elements and skip
// values without decoding them, so that each nested value goes to
// parsers.ParseJSON as a slice of the body. They rely on that validation
// and report no syntax errors.

var byteOrderMark = []byte{0xEF, 0xBB, 0xBF}

// trimJSONSpace returns data without leading JSON whitespace.
func trimJSONSpace(data []byte) []byte {
	for len(data) > 0 && (data[0] == ' ' || data[0] == '\t' || data[0] == '\n' || data[0] == '\r') {
		data = data[1:]
	}
	return data
}

// skipJSONValue returns the length of the valid JSON value at the start of
// data, which starts at the value's first byte.
func skipJSONValue(data []byte) int {
	if len(data) == 0 {
		return 0
	}
	switch data[0] {
	case '"':
		return skipJSONString(data)
	case '{', '[':
		depth := 0
		for i := 0; i < len(data); i++ {
			switch data[i] {
			case '"':
				i += skipJSONString(data[i:]) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(data)
	}
	i := 0
	for i < len(data) && strings.IndexByte(",]} \t\r\n", data[i]) < 0 {
		i++
	}
	return i
}

// skipJSONString returns the length of the JSON string at the start of
// data, quotes included.
func skipJSONString(data []byte) int {
	for i := 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(data)
}

// jsonMember is one member of a JSON object: the key as sent and its raw
// value.
type jsonMember struct {
	key   string
	value []byte
}

// appendJSONMembers appends the members of the JSON object in data to
// members, in body order, duplicates included.
func appendJSONMembers(members []jsonMember, data []byte) []jsonMember {
	data = trimJSONSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return members
	}
	data = trimJSONSpace(data[1:])
	for len(data) > 0 && data[0] == '"' {
		n := skipJSONString(data)
		key, _ := decodeJSONString(data[:n])
		data = trimJSONSpace(data[n:])
		if len(data) == 0 || data[0] != ':' {
			return members
		}
		data = trimJSONSpace(data[1:])
		n = skipJSONValue(data)
		members = append(members, jsonMember{key: key, value: data[:n]})
		data = trimJSONSpace(data[n:])
		if len(data) > 0 && data[0] == ',' {
			data = trimJSONSpace(data[1:])
		}
	}
	return members
}

// appendJSONElements appends the elements of the JSON array in data.
func appendJSONElements(elements [][]byte, data []byte) [][]byte {
	data = trimJSONSpace(data)
	if len(data) == 0 || data[0] != '[' {
		return elements
	}
	data = trimJSONSpace(data[1:])
	for len(data) > 0 && data[0] != ']' {
		n := skipJSONValue(data)
		elements = append(elements, data[:n])
		data = trimJSONSpace(data[n:])
		if len(data) > 0 && data[0] == ',' {
			data = trimJSONSpace(data[1:])
		}
	}
	return elements
}

// stringIssue is a set of flags for the problems found while decoding a
// JSON string.
type stringIssue uint8

const (
	issueInvalidUTF8 stringIssue = 1 << iota
	issueLoneSurrogate
)

// decodeJSONString decodes the JSON string literal raw, quotes included. A
// string without escapes shares raw's memory. An escaped UTF-16 surrogate
// that is not part of a pair decodes to U+FFFD, as encoding/json decodes it,
// and is reported, because JavaScript servers keep it and so read a
// different string.
func decodeJSONString(raw []byte) (string, stringIssue) {
	if len(raw) < 2 {
		return "", 0
	}
	body := raw[1 : len(raw)-1]
	var issues stringIssue
	if !utf8.Valid(body) {
		issues |= issueInvalidUTF8
	}
	if bytes.IndexByte(body, '\\') < 0 {
		return bytesToString(body), issues
	}
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 >= len(body) {
			out = append(out, c)
			continue
		}
		i++
		switch body[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hexRune(bytesToString(body[i+1:]))
			if !ok {
				out = append(out, '\\', 'u')
				continue
			}
			i += 4
			if utf16.IsSurrogate(r) {
				low, okLow := rune(0), false
				if r < 0xDC00 && i+6 < len(body) && body[i+1] == '\\' && body[i+2] == 'u' {
					low, okLow = hexRune(bytesToString(body[i+3:]))
				}
				if okLow && 0xDC00 <= low && low <= 0xDFFF {
					r = utf16.DecodeRune(r, low)
					i += 6
				} else {
					issues |= issueLoneSurrogate
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			// \" \\ and \/ stand for the character itself.
			out = append(out, body[i])
		}
	}
	return bytesToString(out), issues
}

// hexRune decodes the four hex digits at the start of s.
func hexRune(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for i := 0; i < 4; i++ {
		c := s[i]
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, true
}

// jsonNumberMembers returns the members of the JSON object in data whose
// values are integers, for page sizes passed as variables. It returns nil
// when there are none.
func jsonNumberMembers(data []byte) map[string]int64 {
	var found map[string]int64
	for _, m := range appendJSONMembers(nil, data) {
		if len(m.value) == 0 || m.value[0] != '-' && (m.value[0] < '0' || m.value[0] > '9') {
			continue
		}
		v, err := strconv.ParseInt(bytesToString(m.value), 10, 64)
		if err != nil {
			continue
		}
		if found == nil {
			found = make(map[string]int64)
		}
		if _, dup := found[m.key]; !dup {
			found[m.key] = v
		}
	}
	return found
}

// bytesToString returns a string that shares b's memory. The caller must not
// change b while the string is in use.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
