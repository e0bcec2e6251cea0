package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/corpus"
	"github.com/fieldwall/fieldwall/engine"
)

// smallCorpus has two cases that any engine version judges right and two
// that it judges wrong on purpose: an "attack" with nothing in it, and a
// "benign" case that is an obvious attack.
const smallCorpus = `{"id": "t-1", "source": "test", "class": "sqli", "placement": "json-value", "payload": "1' OR '1'='1", "expect": "attack"}
{"id": "t-2", "source": "test", "class": "benign", "placement": "json-value", "payload": "waterproof hiking boots", "expect": "benign"}

{"id": "t-3", "source": "test", "class": "sqli", "placement": "json-value", "payload": "plain words", "expect": "attack"}
{"id": "t-4", "class": "benign", "request": {"method": "POST", "path": "/api/login", "headers": {"Content-Type": "application/json"}, "body": "{\"user\":\"a\",\"pass\":{\"$ne\":null}}"}, "expect": "benign", "why": "labelled wrong on purpose"}
`

// readMisses decodes the --misses file at path.
func readMisses(t *testing.T, path string) []missRecord {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var misses []missRecord
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		var m missRecord
		require.NoError(t, json.Unmarshal(scanner.Bytes(), &m), "line: %s", scanner.Text())
		misses = append(misses, m)
	}
	require.NoError(t, scanner.Err())
	return misses
}

func TestEvalSmallCorpus(t *testing.T) {
	corpusPath := writeFile(t, "small.jsonl", smallCorpus)
	missesPath := filepath.Join(t.TempDir(), "misses.jsonl")

	code, stdout, stderr := runCLI(t, "", "eval", "--misses", missesPath, corpusPath)
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	assert.Regexp(t, `(?m)^sqli\s+2\s+1\s+50\.00%$`, stdout)
	assert.Regexp(t, `(?m)^small\.jsonl\s+2\s+1\s+50\.00%$`, stdout)
	assert.Regexp(t, `(?m)^detection rate\s+2\s+1\s+50\.00%$`, stdout)
	assert.Regexp(t, `(?m)^false-positive rate\s+2\s+1\s+50\.00%$`, stdout)

	misses := readMisses(t, missesPath)
	require.Len(t, misses, 2)
	byID := map[string]missRecord{}
	for _, m := range misses {
		byID[m.ID] = m
	}

	missed := byID["t-3"]
	assert.Equal(t, corpusPath, missed.File)
	assert.Equal(t, 4, missed.Line, "line numbers count the empty line")
	assert.Equal(t, "sqli", missed.Class)
	assert.Equal(t, "attack", missed.Expect)
	assert.Equal(t, "json-value", missed.Placement)
	require.NotNil(t, missed.Payload)
	assert.Equal(t, "plain words", *missed.Payload)
	assert.Nil(t, missed.Request)
	assert.Equal(t, engine.ActionAllow, missed.Verdict.Action)

	blocked := byID["t-4"]
	assert.Equal(t, 5, blocked.Line)
	assert.Equal(t, "benign", blocked.Expect)
	assert.Nil(t, blocked.Payload)
	require.NotNil(t, blocked.Request)
	assert.Equal(t, "/api/login", blocked.Request.Path)
	assert.Equal(t, engine.ActionBlock, blocked.Verdict.Action)
	assert.NotEmpty(t, blocked.Verdict.Findings)
}

func TestEvalJSONReport(t *testing.T) {
	corpusPath := writeFile(t, "small.jsonl", smallCorpus)
	code, stdout, stderr := runCLI(t, "", "eval", corpusPath, "--json")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)

	var report corpus.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &report))
	assert.Equal(t, corpus.Tally{Cases: 2, Flagged: 1}, report.AttackTotal)
	assert.Equal(t, corpus.Tally{Cases: 2, Flagged: 1}, report.BenignTotal)
	require.Contains(t, report.Attacks, "sqli")
	assert.Equal(t, 2, report.Attacks["sqli"].Cases)
	require.Contains(t, report.Benign, "small.jsonl")
}

func TestEvalErrors(t *testing.T) {
	invalidLine := writeFile(t, "invalid.jsonl", smallCorpus+`{"id": "t-5", "payload": "x", "expect": "maybe"}`+"\n")
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "invalid line", args: []string{"eval", invalidLine}, wantErr: `invalid.jsonl:6: invalid expect "maybe"`},
		{name: "directory", args: []string{"eval", t.TempDir()}, wantErr: "is a directory"},
		{name: "missing file", args: []string{"eval", "testdata/none.jsonl"}, wantErr: "no such file or directory"},
		{name: "unwritable misses file", args: []string{"eval", "--misses", filepath.Join(t.TempDir(), "no", "dir", "m.jsonl"), invalidLine}, wantErr: "--misses"},
		{name: "bad flag", args: []string{"eval", "--miss", "x", invalidLine}, wantErr: "flag provided but not defined"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			code, stdout, stderr := runCLI(t, "", tc.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr, tc.wantErr)
			assert.Empty(t, stdout, "no report after an error")
		})
	}
	require.Positive(t, ran)
}

func TestEvalSharedRequestExamples(t *testing.T) {
	dir, err := corpus.SharedDir()
	require.NoError(t, err, "the public corpus must be present for this test")
	path := filepath.Join(dir, "requests", "examples.jsonl")
	require.FileExists(t, path)

	lines := 0
	require.NoError(t, corpus.ReadFile(path, func(corpus.Case) error {
		lines++
		return nil
	}))
	require.Positive(t, lines)

	code, stdout, stderr := runCLI(t, "", "eval", "--json", path)
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	var report corpus.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &report))
	assert.Equal(t, lines, report.AttackTotal.Cases+report.BenignTotal.Cases, "every case is counted once")
	assert.Positive(t, report.AttackTotal.Cases)
	assert.Positive(t, report.BenignTotal.Cases)

	code, stdout, _ = runCLI(t, "", "eval", path)
	require.Equal(t, exitOK, code)
	assert.True(t, strings.HasPrefix(stdout, "attacks (class)"), "stdout:\n%s", stdout)
}
