package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/engine"
)

func TestRulesList(t *testing.T) {
	e, err := engine.New(engine.Config{})
	require.NoError(t, err)
	var want []string
	for _, r := range e.Rules() {
		want = append(want, r.String())
	}
	require.NotEmpty(t, want)

	code, stdout, stderr := runCLI(t, "", "rules")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	assert.Equal(t, want, strings.Split(strings.TrimSuffix(stdout, "\n"), "\n"))
}

func TestRulesListWithConfig(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "rules", "--config", "testdata/config.json")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	assert.Regexp(t, `(?m)^test-canary\s+canary\s+critical\s+PL1\s+canary string from the test rule file$`, stdout)
	assert.NotContains(t, stdout, "test-canary-notice", "a paranoia level 2 rule does not run at level 1")
	assert.NotContains(t, stdout, "sqli-quote-break-keyword", "disabled rules are not listed")
	assert.Contains(t, stdout, "nosqli-operator-key")
}

func TestRulesCheck(t *testing.T) {
	duplicate := writeFile(t, "dup.rules", "rule sqli-libinjection\n  class sqli\n  severity notice\n  keywords \"x\"\n")
	twice := writeFile(t, "twice.rules", "rule a\n  class x\n  severity notice\n  keywords \"x\"\nrule a\n  class x\n  severity notice\n  keywords \"y\"\n")

	cases := []struct {
		name       string
		files      []string
		want       int
		wantStdout string
		wantStderr string
	}{
		{name: "good file", files: []string{"testdata/good.rules"}, want: exitOK, wantStdout: "testdata/good.rules: 2 rules OK\n"},
		{name: "bad file", files: []string{"testdata/bad.rules"}, want: exitUsage, wantStderr: "testdata/bad.rules:10: unknown directive \"colour\"\n"},
		{name: "good and bad file", files: []string{"testdata/bad.rules", "testdata/good.rules"}, want: exitUsage,
			wantStdout: "testdata/good.rules: 2 rules OK\n", wantStderr: "testdata/bad.rules:10: unknown directive"},
		{name: "missing file", files: []string{"testdata/none.rules"}, want: exitUsage, wantStderr: "no such file or directory"},
		{name: "id of a built-in rule", files: []string{duplicate}, want: exitUsage, wantStderr: `rule id "sqli-libinjection" is already used by the built-in rule at rules/builtin/sqli.rules:`},
		{name: "id used twice", files: []string{twice}, want: exitUsage, wantStderr: `rule id "a" is already used at`},
		{name: "built-in rule file", files: []string{"../../rules/builtin/nosqli.rules"}, want: exitOK, wantStdout: "../../rules/builtin/nosqli.rules: "},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			code, stdout, stderr := runCLI(t, "", append([]string{"rules", "check"}, tc.files...)...)
			assert.Equal(t, tc.want, code, "stdout: %s\nstderr: %s", stdout, stderr)
			if tc.wantStdout != "" {
				assert.Contains(t, stdout, tc.wantStdout)
			}
			if tc.wantStderr != "" {
				assert.Contains(t, stderr, tc.wantStderr)
			} else {
				assert.Empty(t, stderr)
			}
		})
	}
	require.Positive(t, ran)
}
