package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/engine"
)

func TestLoadConfig(t *testing.T) {
	cfg, err := loadConfig("testdata/config.json")
	require.NoError(t, err)
	assert.Equal(t, 1, cfg.Paranoia)
	assert.Equal(t, []string{"sqli-quote-break-keyword"}, cfg.DisabledRules)
	require.Len(t, cfg.ExtraRules, 2, "rule_files is resolved against the config's directory")
	assert.Equal(t, "test-canary", cfg.ExtraRules[0].ID)

	path := writeFile(t, "full.json", `{
		"paranoia": 2,
		"threshold": 8,
		"detect_only": true,
		"limits": {"max_body_bytes": 1024, "max_depth": 10},
		"exclusions": [{"path": "/api/snippets", "field": "body:code", "classes": ["sqli"]}],
		"headers": ["User-Agent"]
	}`)
	cfg, err = loadConfig(path)
	require.NoError(t, err)
	assert.Equal(t, 2, cfg.Paranoia)
	assert.Equal(t, 8, cfg.Threshold)
	assert.True(t, cfg.DetectOnly)
	assert.Equal(t, 1024, cfg.Limits.MaxBodyBytes)
	assert.Equal(t, 10, cfg.Limits.MaxDepth)
	assert.Equal(t, []engine.Exclusion{{Path: "/api/snippets", Field: "body:code", Classes: []string{"sqli"}}}, cfg.Exclusions)
	assert.Equal(t, []string{"User-Agent"}, cfg.Headers)
	assert.Empty(t, cfg.ExtraRules)
}

func TestLoadConfigAbsoluteRulePath(t *testing.T) {
	rulePath, err := filepath.Abs("testdata/good.rules")
	require.NoError(t, err)
	path := writeFile(t, "abs.json", `{"rule_files": [`+jsonString(rulePath)+`]}`)
	cfg, err := loadConfig(path)
	require.NoError(t, err)
	assert.Len(t, cfg.ExtraRules, 2)
}

func TestLoadConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
		return path
	}
	badRules, err := filepath.Abs("testdata/bad.rules")
	require.NoError(t, err)

	cases := []struct {
		name    string
		path    string
		wantErr string
	}{
		{name: "missing file", path: filepath.Join(dir, "none.json"), wantErr: "no such file or directory"},
		{name: "empty file", path: write("empty.json", ""), wantErr: "empty input"},
		{name: "unknown key", path: write("unknown.json", `{"paranoya": 2}`), wantErr: `unknown field "paranoya"`},
		{name: "syntax error position", path: write("syntax.json", "{\n  \"paranoia\": 2,,\n}"), wantErr: "syntax.json:2:18: invalid character ','"},
		{name: "wrong type", path: write("type.json", `{"limits": {"max_depth": "deep"}}`), wantErr: `"limits.max_depth" is a string, expected an integer`},
		{name: "not closed", path: write("open.json", `{"paranoia": 2`), wantErr: "the JSON object is not closed"},
		{name: "second object", path: write("two.json", `{} {}`), wantErr: "data after the JSON object"},
		{name: "missing rule file", path: write("norules.json", `{"rule_files": ["none.rules"]}`), wantErr: "none.rules: no such file or directory"},
		{name: "invalid rule file", path: write("badrules.json", `{"rule_files": [`+jsonString(badRules)+`]}`), wantErr: `bad.rules:10: unknown directive "colour"`},
		{name: "empty rule path", path: write("emptyrule.json", `{"rule_files": [""]}`), wantErr: "rule_files contains an empty path"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			_, err := loadConfig(tc.path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Contains(t, err.Error(), filepath.Base(tc.path), "the error names the config file")
		})
	}
	require.Positive(t, ran)
}

func TestNewEngineNamesConfig(t *testing.T) {
	path := writeFile(t, "threshold.json", `{"threshold": -1}`)
	_, err := newEngine(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "config "+path+": invalid threshold -1")

	duplicate := writeFile(t, "dup.rules", "rule sqli-libinjection\n  class sqli\n  severity notice\n  keywords \"x\"\n")
	path = writeFile(t, "dup.json", `{"rule_files": [`+jsonString(duplicate)+`]}`)
	_, err = newEngine(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `rule id "sqli-libinjection" is already used`)
}

func TestScanWithConfigRuleFiles(t *testing.T) {
	input := `{"request": {"method": "POST", "path": "/api/notes", "headers": {"Content-Type": "application/json"}, "body": "{\"text\":\"fieldwall-canary\"}"}}`

	code, v := scanVerdict(t, input, "--config", "testdata/config.json")
	assert.Equal(t, exitBlocked, code)
	require.Len(t, v.Findings, 1)
	assert.Equal(t, "test-canary", v.Findings[0].RuleID)
	assert.Equal(t, "body:text", v.Findings[0].Field())

	code, v = scanVerdict(t, input)
	assert.Equal(t, exitOK, code, "without the config the canary rule does not exist")
	assert.Empty(t, v.Findings)
}
