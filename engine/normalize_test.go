package engine

import (
	"testing"

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
