package rules

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldwall/fieldwall/parsers"
)

// FuzzParseRuleFile checks that any rule file either parses into rules that
// compile, or fails with a SyntaxError that names a line inside the file.
func FuzzParseRuleFile(f *testing.F) {
	f.Add("rule a\n class sqli\n severity critical\n keywords \"union\"\n pattern (?i)union\\s+select\n")
	f.Add("rule b\n class proto\n severity warning\n targets keys\n keywords \"__proto__\"\n check prototype-pollution-key\n")
	f.Add("rule c\n class parser\n severity notice\n anomaly duplicate-key\n")
	f.Add("# comment only\n")
	f.Add("rule d\n class x\n severity critical\n keywords \"\\x00\" \"\\u00e9\"\n confirm shell-command\n view raw\n locations query body\n")
	f.Fuzz(func(t *testing.T, src string) {
		rules, err := ParseBytes("fuzz.rules", []byte(src))
		if err != nil {
			var syntaxErr *SyntaxError
			if !errors.As(err, &syntaxErr) {
				t.Fatalf("error is not a SyntaxError: %v", err)
			}
			lines := strings.Count(src, "\n") + 1
			if syntaxErr.Line < 1 || syntaxErr.Line > lines+1 {
				t.Fatalf("error line %d outside a file of %d lines", syntaxErr.Line, lines)
			}
			return
		}
		program, err := Compile(rules)
		if err != nil {
			if !strings.Contains(err.Error(), "already used") {
				t.Fatalf("parsed rules fail to compile: %v", err)
			}
			return
		}
		// Matching must work on any text once the rules compiled.
		var candidates []int32
		var hits []int
		candidates, hits = program.AppendCandidates(candidates, hits, parsers.KindKey, []byte(src))
		candidates, _ = program.AppendCandidates(candidates, hits, parsers.KindString, []byte(src))
		field := keyField("k", src)
		for _, i := range candidates {
			_ = program.Matches(i, &Input{Field: &field, Raw: src, Decoded: src, Lower: src, RawLower: src, Folded: src})
		}
	})
}

// FuzzAnchorFilter checks that the quick test of an anchored pattern never
// rejects a text that the pattern matches, whatever the pattern, because a
// custom rule file may contain any RE2 pattern.
func FuzzAnchorFilter(f *testing.F) {
	f.Add(`^[\s)'"]*(or|and)\s+\(*\s*[\w'"@.]+\s*=`, `' or 'x'='x`)
	f.Add(`^[\s]*\(+\s*select\b.+\bfrom\b`, ` ((select a from b`)
	f.Add(`^(ab|a)c?d`, `ad`)
	f.Add(`^x{2,}y`, `xxy`)
	f.Add(`^[a-c]*(?:ca|b)`, `aacab`)
	f.Fuzz(func(t *testing.T, pattern, text string) {
		// Most generated patterns do not start with ^, so each is also
		// tried anchored.
		for _, p := range []string{pattern, "^" + pattern, `^\s*` + pattern} {
			re, err := regexp.Compile(p)
			if err != nil {
				continue
			}
			filter := newAnchorFilter(p)
			if filter != nil && re.MatchString(text) && !filter.mayMatch(text) {
				t.Fatalf("filter of %q rejects %q, which matches", p, text)
			}
		}
	})
}
