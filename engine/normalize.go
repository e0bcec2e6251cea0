package engine

import (
	"bytes"
	"encoding/binary"
	"html"
	"slices"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// maxDecodeRounds bounds how often a value is decoded again while decoding
// still changes it. Three rounds undo double encoding with a margin: a fourth
// layer of encoding no backend undoes by itself.
const maxDecodeRounds = 3

// normalizer computes the views of one value into buffers it reuses, so that
// a warm normalizer allocates only when a value needs HTML-entity or Unicode
// folding. A view that equals the one it derives from shares its memory
// instead of being copied, which makes plain lower-case values free.
//
// It works in two steps. prepare decodes the value and computes the views
// that the keyword matcher reads. The matcher folds ASCII case itself, so an
// ASCII view is matched as it is. lowerViews then computes the lower-case
// views for the confirmers. Most values match no keyword and never need them.
type normalizer struct {
	// decoded, lower, folded and rawLower are the views. They point into the
	// buffers below or into the value itself, and are read-only. lower,
	// folded and rawLower are set by lowerViews.
	decoded []byte
	lower   []byte
	folded  []byte
	// rawLower is the undecoded value in lower case, kept only when decoding
	// changed the value; otherwise it is empty and lower serves.
	rawLower []byte
	// doubleEncoded is set when percent-decoding changed a value that an
	// earlier round had already percent-decoded.
	doubleEncoded bool

	// matchDecoded, matchFolded and matchRaw are the views for the keyword
	// matcher: decoded, folded and raw, in any ASCII case. matchFolded is
	// nil when folding changes nothing, matchRaw when decoding changed
	// nothing.
	matchDecoded []byte
	matchFolded  []byte
	matchRaw     []byte

	raw        []byte
	flags      int // scanValue flags of decoded
	rawChanged bool
	lowered    bool // lower holds decoded in lower case

	decodeBuf      []byte
	scratch        []byte
	lowerBuf       []byte
	foldedBuf      []byte
	rawLowerBuf    []byte
	matchFoldedBuf []byte
}

// Flags of scanValue: what a value needs beyond sharing memory.
const (
	needsDecode = 1 << iota // '%', '&' or a backslash
	nonASCII                // a byte of 0x80 or more
	hasUpper                // an ASCII upper-case letter
	needsFold               // a control character, two spaces or a comment opener
)

// Bits of scanTable besides the flags. They let scanValue find the byte pairs
// of needsFold without a branch. The bits that a byte has as the first of a
// pair sit 8 bits higher and are ANDed with the next byte's own bits.
const (
	pairSpace     = 1 << (4 + iota) // ' ', first and second
	pairSlashStar                   // '/' first, '*' second
)

// scanTable maps a byte to its flags and pair bits: the low byte describes
// the byte itself, bits 8 and up the byte as the first of a pair.
var scanTable = func() (t [256]uint16) {
	for c := range 256 {
		var v uint16
		switch {
		case c == '%' || c == '&' || c == '\\':
			v = needsDecode
		case c >= utf8.RuneSelf:
			v = nonASCII
		case 'A' <= c && c <= 'Z':
			v = hasUpper
		case c < ' ':
			v = needsFold
		case c == ' ':
			v = pairSpace | pairSpace<<8
		case c == '*':
			v = pairSlashStar
		case c == '/':
			v = pairSlashStar << 8
		}
		t[c] = v
	}
	return t
}()

// scanValue returns the flags of b in one pass without branches per byte.
func scanValue(b []byte) int {
	var flags, pairs, prev uint16
	for _, c := range b {
		v := scanTable[c]
		flags |= v
		pairs |= prev & v
		prev = v >> 8
	}
	f := int(flags & (needsDecode | nonASCII | hasUpper | needsFold))
	if pairs != 0 {
		f |= needsFold
	}
	return f
}

// prepare decodes value and computes the views for the keyword matcher.
func (n *normalizer) prepare(value string) {
	n.doubleEncoded = false
	n.rawChanged = false
	n.lowered = false
	n.lower, n.folded, n.rawLower = nil, nil, nil
	n.raw = unsafe.Slice(unsafe.StringData(value), len(value))

	rawFlags := scanValue(n.raw)
	if rawFlags&(needsDecode|nonASCII) == 0 {
		n.decoded = n.raw
		n.flags = rawFlags
	} else {
		n.decode(value)
		n.flags = scanValue(n.decoded)
		n.rawChanged = string(n.decoded) != value
	}

	// Unicode lower-casing can turn a non-ASCII letter into ASCII ones, which
	// the matcher would not see in the decoded view, so a non-ASCII view is
	// lowered before matching.
	n.matchDecoded = n.decoded
	if n.flags&nonASCII != 0 {
		n.lowerDecoded()
		n.matchDecoded = n.lower
	}
	n.matchFolded = nil
	if n.flags&needsFold != 0 {
		n.matchFoldedBuf = appendFolded(n.matchFoldedBuf[:0], n.matchDecoded)
		n.matchFolded = n.matchFoldedBuf
	}
	n.matchRaw = nil
	if n.rawChanged {
		n.matchRaw = n.raw
		if rawFlags&nonASCII != 0 {
			n.rawLowerBuf = appendLower(n.rawLowerBuf[:0], n.raw)
			n.rawLower = n.rawLowerBuf
			n.matchRaw = n.rawLower
		}
	}
}

// lowerDecoded sets n.lower to the decoded view in lower case.
func (n *normalizer) lowerDecoded() {
	if n.lowered {
		return
	}
	n.lowered = true
	if n.flags&(hasUpper|nonASCII) == 0 {
		n.lower = n.decoded
		return
	}
	n.lowerBuf = appendLower(n.lowerBuf[:0], n.decoded)
	n.lower = n.lowerBuf
}

// lowerViews computes the lower-case views after prepare.
func (n *normalizer) lowerViews() {
	n.lowerDecoded()
	switch {
	case n.matchFolded == nil:
		n.folded = n.lower
	case n.flags&(hasUpper|nonASCII) == hasUpper:
		// Folding and lowering commute on ASCII: only letters change case,
		// and folding moves no letter.
		n.foldedBuf = appendLower(n.foldedBuf[:0], n.matchFolded)
		n.folded = n.foldedBuf
	default:
		n.folded = n.matchFolded
	}
	if n.rawChanged && n.rawLower == nil {
		n.rawLowerBuf = appendLower(n.rawLowerBuf[:0], n.raw)
		n.rawLower = n.rawLowerBuf
	}
}

// decode sets n.decoded to value with percent-encoding, HTML entities and
// backslash escapes undone, in rounds until nothing changes, then overlong
// UTF-8 and Unicode compatibility forms folded.
func (n *normalizer) decode(value string) {
	n.decodeBuf = append(n.decodeBuf[:0], value...)
	percentRounds := 0
	for round := 0; round < maxDecodeRounds; round++ {
		changed := false
		if bytes.IndexByte(n.decodeBuf, '%') >= 0 {
			n.scratch = percentDecode(n.scratch[:0], n.decodeBuf)
			if !bytes.Equal(n.scratch, n.decodeBuf) {
				percentRounds++
				changed = true
				n.decodeBuf, n.scratch = n.scratch, n.decodeBuf
			}
		}
		if bytes.IndexByte(n.decodeBuf, '&') >= 0 {
			if s := html.UnescapeString(string(n.decodeBuf)); s != string(n.decodeBuf) {
				n.decodeBuf = append(n.decodeBuf[:0], s...)
				changed = true
			}
		}
		if bytes.IndexByte(n.decodeBuf, '\\') >= 0 {
			n.scratch = backslashDecode(n.scratch[:0], n.decodeBuf)
			if !bytes.Equal(n.scratch, n.decodeBuf) {
				changed = true
				n.decodeBuf, n.scratch = n.scratch, n.decodeBuf
			}
		}
		if !changed {
			break
		}
	}
	n.doubleEncoded = percentRounds > 1
	if !isASCII(n.decodeBuf) {
		n.scratch = decodeOverlongUTF8(n.scratch[:0], n.decodeBuf)
		n.decodeBuf, n.scratch = n.scratch, n.decodeBuf
		if !isASCII(n.decodeBuf) && utf8.Valid(n.decodeBuf) {
			n.scratch = norm.NFKC.Append(n.scratch[:0], n.decodeBuf...)
			n.decodeBuf, n.scratch = n.scratch, n.decodeBuf
		}
	}
	n.decoded = n.decodeBuf
}

// isASCII reports whether every byte of b is below 0x80.
func isASCII(b []byte) bool {
	var bits uint64
	i := 0
	for ; i+8 <= len(b); i += 8 {
		bits |= binary.LittleEndian.Uint64(b[i:])
	}
	for ; i < len(b); i++ {
		bits |= uint64(b[i])
	}
	return bits&(repeatByte*0x80) == 0
}

// percentDecode decodes %XX and the IIS form %uXXXX. Invalid escapes are kept.
func percentDecode(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		if i+2 < len(src) && isHex(src[i+1]) && isHex(src[i+2]) {
			dst = append(dst, unhex(src[i+1])<<4|unhex(src[i+2]))
			i += 2
			continue
		}
		if i+5 < len(src) && (src[i+1] == 'u' || src[i+1] == 'U') &&
			isHex(src[i+2]) && isHex(src[i+3]) && isHex(src[i+4]) && isHex(src[i+5]) {
			r := rune(unhex(src[i+2]))<<12 | rune(unhex(src[i+3]))<<8 | rune(unhex(src[i+4]))<<4 | rune(unhex(src[i+5]))
			dst = utf8.AppendRune(dst, r)
			i += 5
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// backslashDecode decodes the escapes of JavaScript and C strings that
// attackers use to hide markup: \xHH, \uHHHH, \u{H...}, \n, \r, \t and \0.
// Other backslashes are kept, so Windows paths stay intact.
func backslashDecode(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '\\' || i+1 >= len(src) {
			dst = append(dst, c)
			continue
		}
		next := src[i+1]
		switch {
		case next == 'x' && i+3 < len(src) && isHex(src[i+2]) && isHex(src[i+3]):
			dst = append(dst, unhex(src[i+2])<<4|unhex(src[i+3]))
			i += 3
		case next == 'u' && i+5 < len(src) && isHex(src[i+2]) && isHex(src[i+3]) && isHex(src[i+4]) && isHex(src[i+5]):
			r := rune(unhex(src[i+2]))<<12 | rune(unhex(src[i+3]))<<8 | rune(unhex(src[i+4]))<<4 | rune(unhex(src[i+5]))
			dst = utf8.AppendRune(dst, r)
			i += 5
		case next == 'u' && i+3 < len(src) && src[i+2] == '{':
			end := bytes.IndexByte(src[i+3:min(len(src), i+11)], '}')
			r, ok := parseHexRune(src[i+3 : i+3+max(end, 0)])
			if end <= 0 || !ok {
				dst = append(dst, c)
				continue
			}
			dst = utf8.AppendRune(dst, r)
			i += 3 + end
		case next == 'n':
			dst = append(dst, '\n')
			i++
		case next == 'r':
			dst = append(dst, '\r')
			i++
		case next == 't':
			dst = append(dst, '\t')
			i++
		case next == '0' && (i+2 >= len(src) || src[i+2] < '0' || src[i+2] > '7'):
			dst = append(dst, 0)
			i++
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func parseHexRune(b []byte) (rune, bool) {
	if len(b) == 0 || len(b) > 6 {
		return 0, false
	}
	var r rune
	for _, c := range b {
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, r <= utf8.MaxRune
}

// decodeOverlongUTF8 replaces overlong UTF-8 encodings of ASCII characters
// (C0 AE for '.', E0 80 AF for '/') with the character, as old decoders in
// IIS and Java did, and copies every other byte.
func decodeOverlongUTF8(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case (c == 0xC0 || c == 0xC1) && i+1 < len(src) && src[i+1]&0xC0 == 0x80:
			dst = append(dst, (c&0x1F)<<6|src[i+1]&0x3F)
			i++
		case c == 0xE0 && i+2 < len(src) && src[i+1]&0xE0 == 0x80 && src[i+2]&0xC0 == 0x80:
			dst = append(dst, (src[i+1]&0x3F)<<6|src[i+2]&0x3F)
			i += 2
		case c == 0xF0 && i+3 < len(src) && src[i+1] == 0x80 && src[i+2]&0xC0 == 0x80 && src[i+3]&0xC0 == 0x80:
			dst = append(dst, (src[i+2]&0x3F)<<6|src[i+3]&0x3F)
			i += 3
		case (c == 0xF8 || c == 0xFC) && i+4 < len(src) && src[i+1] == 0x80 && src[i+2] == 0x80:
			// Five- and six-byte forms: skip the 0x80 continuation bytes.
			j := i + 1
			for j < len(src) && src[j] == 0x80 {
				j++
			}
			if j+1 < len(src) && src[j]&0xC0 == 0x80 && src[j+1]&0xC0 == 0x80 {
				dst = append(dst, (src[j]&0x3F)<<6|src[j+1]&0x3F)
				i = j + 1
			} else {
				dst = append(dst, c)
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendLower appends src in lower case. ASCII is lowered eight bytes at a
// time, and other runes go through Unicode case mapping.
func appendLower(dst, src []byte) []byte {
	if !isASCII(src) {
		return append(dst, bytes.ToLower(src)...)
	}
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)]
	out := dst[n:]
	i := 0
	for ; i+8 <= len(src); i += 8 {
		// Every byte is below 0x80, so adding a constant below 0x80 to it
		// cannot carry into the next byte. The sums have their high bit set
		// where the byte is at least 'A', and where it is above 'Z'.
		x := binary.LittleEndian.Uint64(src[i:])
		atLeastA := x + repeatByte*(0x80-'A')
		aboveZ := x + repeatByte*(0x80-'Z'-1)
		upper := atLeastA &^ aboveZ & (repeatByte * 0x80)
		binary.LittleEndian.PutUint64(out[i:], x|upper>>2) // 0x80>>2 is the case bit
	}
	for ; i < len(src); i++ {
		c := src[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return dst
}

// repeatByte times a byte value repeats the byte in all eight bytes of a
// uint64.
const repeatByte = 0x0101010101010101

// appendFolded appends the lower-case view with SQL block comments replaced
// by one space and whitespace runs compressed to one space. A MySQL
// executable comment (/*!50000 select */) keeps its content, because MySQL
// runs it; only its markers and version number become a space.
func appendFolded(dst, lower []byte) []byte {
	space := false
	inExecutable := false
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		switch {
		case c == '/' && i+1 < len(lower) && lower[i+1] == '*':
			if i+2 < len(lower) && lower[i+2] == '!' {
				j := i + 3
				for j < len(lower) && '0' <= lower[j] && lower[j] <= '9' {
					j++
				}
				inExecutable = true
				i = j - 1
			} else {
				end := bytes.Index(lower[i+2:], []byte("*/"))
				if end < 0 {
					i = len(lower)
				} else {
					i += 2 + end + 1
				}
			}
			c = ' '
		case inExecutable && c == '*' && i+1 < len(lower) && lower[i+1] == '/':
			inExecutable = false
			i++
			c = ' '
		}
		if isSpace(c) {
			if !space {
				dst = append(dst, ' ')
				space = true
			}
			continue
		}
		dst = append(dst, c)
		space = false
	}
	return dst
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
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
