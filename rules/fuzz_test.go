package rules

import (
	"errors"
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
