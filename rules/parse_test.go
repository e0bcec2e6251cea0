package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/parsers"
)

func TestParseRuleFile(t *testing.T) {
	src := `# comment line
rule demo-1
  class     sqli
  severity  critical
  paranoia  2
  keywords  "union" "SELECT"
  keywords  " or "
  pattern   (?i)union\s+select
  view      folded
  targets   all
  locations query body
  message   demo rule

rule demo-2
  class proto
  severity warning
  check prototype-pollution-key
  targets keys
`
	rules, err := ParseBytes("demo.rules", []byte(src))
	require.NoError(t, err)
	require.Len(t, rules, 2)

	r := rules[0]
	assert.Equal(t, "demo-1", r.ID)
	assert.Equal(t, "sqli", r.Class)
	assert.Equal(t, Critical, r.Severity)
	assert.Equal(t, 2, r.Paranoia)
	assert.Equal(t, []string{"union", "select", " or "}, r.Keywords, "keywords are lower-cased and accumulate")
	assert.Equal(t, ViewFolded, r.View)
	assert.Equal(t, TargetAll, r.Targets)
	assert.Equal(t, []parsers.Location{parsers.LocationQuery, parsers.LocationBody}, r.Locations)
	assert.Equal(t, "demo.rules:2", r.Source)

	assert.Equal(t, "prototype-pollution-key", rules[1].Check)
	assert.Equal(t, 1, rules[1].Paranoia, "paranoia defaults to 1")
}

func TestParseRuleFileErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		line int
		msg  string
	}{
		{"directive before rule", "class sqli\n", 1, `directive "class" before the first "rule ID" line`},
		{"unknown directive", "rule a\n  clas sqli\n", 2, `unknown directive "clas"`},
		{"bad severity", "rule a\n class sqli\n severity huge\n", 3, `invalid severity "huge"`},
		{"bad paranoia", "rule a\n class sqli\n paranoia 9\n", 3, `invalid paranoia "9"`},
		{"unquoted keyword", "rule a\n class sqli\n keywords union\n", 3, "write each keyword as a Go-quoted string"},
		{"empty keyword", "rule a\n class sqli\n keywords \"\"\n", 3, "empty keyword"},
		{"bad pattern", "rule a\n class sqli\n pattern (unclosed\n", 3, "invalid pattern"},
		{"unknown confirmer", "rule a\n class sqli\n confirm magic\n", 3, `unknown confirmer "magic"`},
		{"unknown check", "rule a\n class sqli\n check magic\n", 3, `unknown check "magic"`},
		{"unknown anomaly", "rule a\n class sqli\n anomaly magic\n", 3, `unknown anomaly "magic"`},
		{"unknown location", "rule a\n class sqli\n locations moon\n", 3, `unknown location "moon"`},
		{"invalid id", "rule a b\n", 1, `invalid rule id "a b"`},
		{"missing class", "rule a\n severity critical\n keywords \"x\"\n", 1, "missing class"},
		{"missing severity", "rule a\n class sqli\n keywords \"x\"\n", 1, "missing severity"},
		{"nothing to match", "rule a\n class sqli\n severity critical\n", 1, "nothing to match"},
		{"check with pattern", "rule a\n class sqli\n severity critical\n check mongo-operator-key\n pattern x\n", 1, "check and anomaly rules take no confirm or pattern"},
		{"anomaly with keywords", "rule a\n class sqli\n severity critical\n anomaly duplicate-key\n keywords \"x\"\n", 1, "anomaly rules take no keywords"},
		{"missing value", "rule a\n class\n", 2, `directive "class" needs a value`},
		{"second pattern", "rule a\n class sqli\n pattern a\n pattern b\n", 4, "second pattern"},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseBytes("bad.rules", []byte(tc.src))
			require.Error(t, err)
			var syntaxErr *SyntaxError
			require.True(t, errors.As(err, &syntaxErr))
			assert.Equal(t, "bad.rules", syntaxErr.File)
			assert.Equal(t, tc.line, syntaxErr.Line)
			assert.Contains(t, syntaxErr.Msg, tc.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "bad.rules:"))
		})
	}
}

func TestCompileRejectsDuplicateIDs(t *testing.T) {
	rules, err := ParseBytes("dup.rules", []byte("rule a\n class x\n severity notice\n keywords \"k\"\nrule a\n class x\n severity notice\n keywords \"j\"\n"))
	require.NoError(t, err)
	_, err = Compile(rules)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `rule id "a" is already used at dup.rules:1`)
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.rules")
	require.NoError(t, os.WriteFile(good, []byte("rule x\n class xss\n severity critical\n keywords \"<blink\"\n"), 0o600))
	rules, err := LoadFile(good)
	require.NoError(t, err)
	assert.Len(t, rules, 1)

	_, err = LoadFile(filepath.Join(dir, "missing.rules"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "open rule file")
}

func TestBuiltinRulesCompile(t *testing.T) {
	rules, err := Builtin()
	require.NoError(t, err)
	require.NotEmpty(t, rules)
	program, err := Compile(rules)
	require.NoError(t, err)
	classes := map[string]bool{}
	for _, r := range program.Rules() {
		classes[r.Class] = true
		assert.NotEmpty(t, r.Message, "rule %s has a message", r.ID)
	}
	for _, class := range []string{"sqli", "xss", "nosqli", "cmdi", "path", "ssti", "ssrf", "proto", "jndi", "parser", "limit"} {
		assert.True(t, classes[class], "class %s has built-in rules", class)
	}
	for _, code := range parsers.AnomalyCodes() {
		assert.NotEmpty(t, program.AnomalyRules(code), "anomaly %s has a rule", code)
	}
}
