package rules

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAnchorFilterPrefixes(t *testing.T) {
	cases := []struct {
		pattern  string
		skip     string
		prefixes []string // nil: no filter
	}{
		{`^\s*(or|and)\b`, " \t\n\f\r", []string{"or", "and"}},
		{`^[)'"]*(having|where)\b`, `)'"`, []string{"havi", "wher"}},
		{`^[\s]*\(+\s*select\b.+\bfrom\b`, " \t\n\f\r", []string{"("}},
		{`^ab?c`, "", []string{"a"}},
		{`^(x|y)z+`, "", []string{"xz", "yz"}},
		{`^[0-9]{2}`, "", []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		{`^\s*(s|\s)`, "", nil},   // a prefix byte is a skipped byte
		{`^(?i)select`, "", nil},  // case folding
		{`^.x`, "", nil},          // any character
		{`^a*b`, "", nil},         // a star that is not a class
		{`select`, "", nil},       // not anchored
		{`(?m)^select`, "", nil},  // anchored at a line
		{`^é`, "", []string{"é"}}, // a UTF-8 literal is bytes
		{`^[éa]x`, "", nil},       // a class with a non-ASCII rune
		{`^(a|b)?c`, "", nil},     // may start with c: the set is unknown
		{`^\bor\b`, "", []string{"or"}},
	}
	for _, tc := range cases {
		f := newAnchorFilter(tc.pattern)
		if tc.prefixes == nil {
			assert.Nil(t, f, tc.pattern)
			continue
		}
		require.NotNil(t, f, tc.pattern)
		var prefixes []string
		for _, group := range f.byFirst {
			prefixes = append(prefixes, group...)
		}
		assert.ElementsMatch(t, tc.prefixes, prefixes, tc.pattern)
		for c := range 256 {
			assert.Equal(t, strings.IndexByte(tc.skip, byte(c)) >= 0, f.skip[c], "%s: byte %q", tc.pattern, c)
		}
	}
}

// The filter may only reject texts the regexp rejects. Every anchored
// pattern of the built-in rules is checked on the public attack corpus, cut
// at its quotes and lowered as the folded view is, and on random texts made
// of SQL words and symbols.
func TestAnchorFilterNeverRejectsAMatch(t *testing.T) {
	dir := os.Getenv("FIELDWALL_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	files, err := filepath.Glob(filepath.Join(dir, "attacks", "*.jsonl"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no attack corpus in %s: set FIELDWALL_CORPUS to its directory", dir)
	var texts []string
	for _, name := range files {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		for _, part := range strings.Split(strings.ToLower(string(data)), `"`) {
			texts = append(texts, part, strings.TrimLeft(part, ": "))
		}
	}
	pieces := []string{"or", "and", "xor", "||", "&&", "order", "group", "by", "having", "where", "procedure",
		"analyse", "into", "outfile", "dumpfile", "select", "from", "like", "is", "not", "null", "between",
		"in", "asc", "desc", "1", "x", "=", "<", ">", "!=", "(", ")", "'", `"`, " ", "  ", "\t", "--", "#", "/*", ",", ";", "@", "."}
	r := rand.New(rand.NewPCG(9, 10))
	for range 200000 {
		var b strings.Builder
		for range r.IntN(9) + 1 {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}

	builtin, err := Builtin()
	require.NoError(t, err)
	checked := 0
	for _, rule := range builtin {
		f := newAnchorFilter(rule.Pattern)
		if rule.Pattern == "" || f == nil {
			continue
		}
		re := regexp.MustCompile(rule.Pattern)
		matched := 0
		for _, text := range texts {
			if re.MatchString(text) {
				matched++
				require.True(t, f.mayMatch(text), "%s: filter rejects %q, which matches", rule.ID, text)
			}
		}
		assert.Positive(t, matched, "%s: no text matches, so nothing was checked", rule.ID)
		checked++
	}
	assert.GreaterOrEqual(t, checked, 2, "anchored built-in patterns with a filter")
}
