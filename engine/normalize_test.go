package engine

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fieldwall/fieldwall/parsers"
	"github.com/fieldwall/fieldwall/rules"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		name          string
		value         string
		decoded       string
		lower         string
		folded        string
		doubleEncoded bool
	}{
		{"plain", "Hello World", "Hello World", "hello world", "hello world", false},
		{"percent", "%3Cscript%3E", "<script>", "<script>", "<script>", false},
		{"double percent", "%253Cscript%253E", "<script>", "<script>", "<script>", true},
		{"invalid percent kept", "100% sure", "100% sure", "100% sure", "100% sure", false},
		{"iis unicode", "%u002e%u002e%u002f", "../", "../", "../", false},
		{"html named entity", "&lt;b&gt;", "<b>", "<b>", "<b>", false},
		{"html numeric entity without semicolon", "&#60script", "<script", "<script", "<script", false},
		{"html5 entity", "javascript&colon;alert(1)", "javascript:alert(1)", "javascript:alert(1)", "javascript:alert(1)", false},
		{"js hex escape", `\x3cimg\x3e`, "<img>", "<img>", "<img>", false},
		{"js unicode escape", `\u003Csvg\u003E`, "<svg>", "<svg>", "<svg>", false},
		{"js code point escape", `\u{3c}a`, "<a", "<a", "<a", false},
		{"newline escape", `a\nb`, "a\nb", "a\nb", "a b", false},
		{"windows path kept", `C:\Windows\win.ini`, `C:\Windows\win.ini`, `c:\windows\win.ini`, `c:\windows\win.ini`, false},
		{"full-width folded", "ＳＥＬＥＣＴ＜", "SELECT<", "select<", "select<", false},
		{"overlong utf-8 dot and slash", "%c0%ae%c0%ae%c0%af", "../", "../", "../", false},
		{"sql comment removed in folded", "UNION/**/SELECT", "UNION/**/SELECT", "union/**/select", "union select", false},
		{"mysql executable comment kept", "/*!50000UNION*/ SELECT", "/*!50000UNION*/ SELECT", "/*!50000union*/ select", " union select", false},
		{"unclosed comment", "a /* b", "a /* b", "a /* b", "a ", false},
		{"whitespace compressed", "a \t\r\n  b", "a \t\r\n  b", "a \t\r\n  b", "a b", false},
		{"layers combined", "%26lt%3Bscript%26gt%3B", "<script>", "<script>", "<script>", false},
	}
	require.NotEmpty(t, cases)
	var n normalizer
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n.normalize(tc.value)
			assert.Equal(t, tc.decoded, string(n.decoded), "decoded")
			assert.Equal(t, tc.lower, string(n.lower), "lower")
			assert.Equal(t, tc.folded, string(n.folded), "folded")
			assert.Equal(t, tc.doubleEncoded, n.doubleEncoded, "double encoding")
		})
	}
}

func TestNormalizeDecodingIsBounded(t *testing.T) {
	// Five layers of percent-encoding: three rounds decode three of them.
	var n normalizer
	n.normalize("%2525252527")
	assert.Equal(t, "%2527", string(n.decoded))
	assert.True(t, n.doubleEncoded)
}

func TestWildcardMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"/api/*", "/api/users", true},
		{"/api/*", "/other", false},
		{"body:*.code", "body:snippets[0].code", true},
		{"*", "", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"exact", "exact", true},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		assert.Equal(t, tc.want, wildcardMatch(tc.pattern, tc.s), "%s ~ %s", tc.pattern, tc.s)
	}
}

// TestMatchViewsFindSameKeywords checks that matching the views of prepare,
// which keep their ASCII case, finds the same rules as matching the
// lower-case views that confirmers read.
func TestMatchViewsFindSameKeywords(t *testing.T) {
	e, err := New(Config{Paranoia: 4})
	require.NoError(t, err)
	p := e.program
	parts := []string{
		"SELECT", "union", "UNION", " ", "  ", "\t", "\n", "/*", "*/", "/*!50000", "%27", "%2527", "%3C", "&lt;",
		"&#x27;", `\x3c`, `\u0027`, "\u212a", "\u0130", "ＳＥＬＥＣＴ", "é", "\xc0\xae", "\xff", "<ScRiPt>", "../",
		"..%2F", "${JNDI:", "{{", "1", "'", "\"", "OR", "and", "=", "$Where", "__PROTO__", "etc/PASSWD", "sleep(",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	values := []string{"", "plain text", "Hello World", "ＳＥＬＥＣＴ * FROM users", "\u212aeyword"}
	for range 20000 {
		var b strings.Builder
		for n := rng.IntN(8); n >= 0; n-- {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		values = append(values, b.String())
	}
	var n normalizer
	for _, v := range values {
		n.prepare(v)
		got := candidateSet(p, n.matchDecoded, n.matchFolded, n.matchRaw)
		n.lowerViews()
		folded := n.folded
		if string(folded) == string(n.lower) {
			folded = nil
		}
		want := candidateSet(p, n.lower, folded, n.rawLower)
		require.Equal(t, want, got, "%q", v)
	}
}

func candidateSet(p *rules.Program, views ...[]byte) map[int32]bool {
	set := make(map[int32]bool)
	for _, view := range views {
		if view == nil {
			continue
		}
		for _, kind := range []parsers.Kind{parsers.KindKey, parsers.KindString} {
			candidates, _ := p.AppendCandidates(nil, nil, kind, view)
			for _, c := range candidates {
				set[c] = true
			}
		}
	}
	return set
}

// normalize computes every view of value at once, as the engine does for a
// field with a keyword hit.
func (n *normalizer) normalize(value string) {
	n.prepare(value)
	n.lowerViews()
}

// appendLower and isASCII work eight bytes at a time. They must agree with
// the byte-at-a-time definitions at every length and on the bytes next to
// the letter ranges.
func TestAppendLowerMatchesBytewise(t *testing.T) {
	alphabet := []byte("@AZ[`az{\x00\x7f09 %-MmQq")
	r := rand.New(rand.NewPCG(5, 6))
	for n := range 40 {
		for range 50 {
			src := make([]byte, n)
			for i := range src {
				src[i] = alphabet[r.IntN(len(alphabet))]
			}
			want := bytes.ToLower(src)
			assert.Equal(t, string(want), string(appendLower([]byte("prefix"), src)[len("prefix"):]), "%q", src)
			assert.True(t, isASCII(src), "%q", src)
			if n > 0 {
				src[r.IntN(n)] = 0x80 | byte(r.IntN(0x80))
				assert.False(t, isASCII(src), "%q", src)
			}
		}
	}
	assert.Equal(t, "àb ǆ", string(appendLower(nil, []byte("ÀB ǅ"))), "non-ASCII goes through Unicode case mapping")
}
