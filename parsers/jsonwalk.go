package parsers

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// The errors of walkJSON, besides errStop: the first byte that breaks the
// JSON grammar, and a byte other than white space after a complete value.
var (
	errSyntax   = errors.New("parsers: invalid JSON")
	errTrailing = errors.New("parsers: data after the JSON value")
)

// walkJSON reads the JSON document in b and passes its keys, values and
// containers to v in document order. It returns nil when b contains exactly one
// JSON value (RFC 8259) with white space around it, errStop when v stopped
// the walk at a limit, and otherwise errSyntax or errTrailing with the
// offset of the byte at fault.
//
// It does not recurse: the open containers are v's frames, so nesting costs
// heap, bounded by MaxDepth, and never stack. Keys and strings without
// escapes and numbers are handed over as substrings of b, with no copy.
func walkJSON(b []byte, v *jsonVisitor) (int, error) {
	i := skipJSONSpace(b, 0)
	for {
		// A value starts at i.
		if i >= len(b) {
			return i, errSyntax
		}
		switch c := b[i]; c {
		case '{', '[':
			if err := v.begin(c == '['); err != nil {
				return i, err
			}
			i = skipJSONSpace(b, i+1)
			if i < len(b) && b[i] == c+2 { // '{'+2 is '}', '['+2 is ']'
				v.end()
				i++
				break
			}
			if c == '{' {
				var err error
				if i, err = walkKey(b, i, v); err != nil {
					return i, err
				}
			}
			continue
		case '"':
			s, next, err := v.scanString(b, i)
			if err != nil {
				return next, err
			}
			if err := v.scalar(KindString, s); err != nil {
				return i, err
			}
			i = next
		case 't', 'f', 'n':
			lit, kind := jsonLiteral(c)
			if !hasLiteral(b, i, lit) {
				return i, errSyntax
			}
			if err := v.scalar(kind, lit); err != nil {
				return i, err
			}
			i += len(lit)
		default:
			end := scanJSONNumber(b, i)
			if end < 0 {
				return i, errSyntax
			}
			if err := v.number(bytesToString(b[i:end])); err != nil {
				return i, err
			}
			i = end
		}

		// A value ends at i. Close containers until one continues after a
		// comma.
		for {
			if len(v.frames) == 0 {
				if i = skipJSONSpace(b, i); i < len(b) {
					return i, errTrailing
				}
				return i, nil
			}
			i = skipJSONSpace(b, i)
			if i >= len(b) {
				return i, errSyntax
			}
			isArray := v.frames[len(v.frames)-1].isArray
			switch b[i] {
			case ',':
				i = skipJSONSpace(b, i+1)
				if !isArray {
					var err error
					if i, err = walkKey(b, i, v); err != nil {
						return i, err
					}
				}
			case ']':
				if !isArray {
					return i, errSyntax
				}
				v.end()
				i++
				continue
			case '}':
				if isArray {
					return i, errSyntax
				}
				v.end()
				i++
				continue
			default:
				return i, errSyntax
			}
			break
		}
	}
}

// walkKey reads `"key" :` at b[i] and the white space after the colon, and
// returns the offset of the value.
func walkKey(b []byte, i int, v *jsonVisitor) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return i, errSyntax
	}
	key, i, err := v.scanString(b, i)
	if err != nil {
		return i, err
	}
	if err := v.key(key); err != nil {
		return i, err
	}
	i = skipJSONSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, errSyntax
	}
	return skipJSONSpace(b, i+1), nil
}

// skipJSONSpace returns the offset of the first byte at or after i that is
// not JSON white space. Most tokens follow one another directly, so the
// first test usually decides.
func skipJSONSpace(b []byte, i int) int {
	for ; i < len(b); i++ {
		if c := b[i]; c > ' ' || c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			return i
		}
	}
	return i
}

// jsonLiteral returns the JSON literal that starts with c, which is 't', 'f'
// or 'n', and the kind of its field.
func jsonLiteral(c byte) (string, Kind) {
	switch c {
	case 't':
		return "true", KindBool
	case 'f':
		return "false", KindBool
	}
	return "null", KindNull
}

func hasLiteral(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

// scanJSONNumber returns the offset after the number that starts at b[i], or
// -1 when the bytes there are not a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanJSONNumber(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = skipDigits(b, i+1)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func skipDigits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// Masks for testing eight bytes at once.
const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// stringStops returns a word with the high bit set in the lowest byte of x
// that is a quote or a backslash, the bytes that end the plain run of a JSON
// string. Bits above that byte may be set wrongly by borrows and must be
// ignored.
func stringStops(x uint64) uint64 {
	quote := x ^ ('"' * lowBits)
	backslash := x ^ ('\\' * lowBits)
	return ((quote-lowBits)&^quote | (backslash-lowBits)&^backslash) & highBits
}

// nextStop returns the offset of the first quote or backslash at or after
// j, or len(b).
func nextStop(b []byte, j int) int {
	for ; len(b)-j >= 8; j += 8 {
		if m := stringStops(binary.LittleEndian.Uint64(b[j:])); m != 0 {
			return j + bits.TrailingZeros64(m)/8
		}
	}
	for ; j < len(b); j++ {
		if c := b[j]; c == '"' || c == '\\' {
			return j
		}
	}
	return j
}

// scanString reads the JSON string that starts with the quote at b[i]. It
// returns the string and the offset after its closing quote. A string
// without escapes is a substring of b. A string with escapes is decoded into
// a new string, because field values may outlive the document's reuse in
// findings. An escaped lone surrogate becomes U+FFFD, the replacement
// character, and checkSurrogates reports it.
//
// Raw control characters are accepted inside strings, as sonic's default
// configuration accepts them, so that such a value is still inspected as a
// field of its object rather than as a raw body. ParseJSON reports a NUL
// byte as an anomaly.
func (v *jsonVisitor) scanString(b []byte, i int) (string, int, error) {
	// The loops of nextStop are repeated here, where they cost no call,
	// because most strings are short and have no escapes.
	start := i + 1
	j := start
	for ; len(b)-j >= 8; j += 8 {
		if m := stringStops(binary.LittleEndian.Uint64(b[j:])); m != 0 {
			j += bits.TrailingZeros64(m) / 8
			goto stop
		}
	}
	for ; j < len(b); j++ {
		if c := b[j]; c == '"' || c == '\\' {
			goto stop
		}
	}
	return "", j, errSyntax
stop:
	if b[j] == '"' {
		return bytesToString(b[start:j]), j + 1, nil
	}
	return v.unescape(b, start, j)
}

// unescape decodes the string whose content starts at b[start] and whose
// first backslash is at b[j], into v.scratch.
func (v *jsonVisitor) unescape(b []byte, start, j int) (string, int, error) {
	out := append(v.scratch[:0], b[start:j]...)
	defer func() { v.scratch = out[:0] }()
	for j < len(b) {
		if b[j] == '"' {
			return string(out), j + 1, nil
		}
		if b[j] != '\\' {
			k := nextStop(b, j)
			out = append(out, b[j:k]...)
			j = k
			continue
		}
		if j+1 >= len(b) {
			return "", j, errSyntax
		}
		switch e := b[j+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
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
			r, ok := hexRune(b[j+2:])
			if !ok {
				return "", j, errSyntax
			}
			j += 6
			if utf16.IsSurrogate(r) {
				low, okLow := rune(0), false
				if len(b)-j >= 6 && b[j] == '\\' && b[j+1] == 'u' {
					low, okLow = hexRune(b[j+2:])
				}
				if pair := utf16.DecodeRune(r, low); okLow && pair != utf8.RuneError {
					r = pair
					j += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return "", j, errSyntax
		}
		j += 2
	}
	return "", j, errSyntax
}
