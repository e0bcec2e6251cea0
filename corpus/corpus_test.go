package corpus_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/corpus"
	"github.com/fieldwall/fieldwall/engine"
)

// detectionFloors are the attack cases per class that the default engine
// detected when the floors were last raised. They only move up: a change
// that detects fewer fails here.
var detectionFloors = map[string]int{
	"cmdi":    459,
	"graphql": 8,
	"nosqli":  51,
	"parser":  1,
	"path":    26050,
	"proto":   1,
	"sqli":    18073,
	"ssrf":    95,
	"ssti":    107,
	"xss":     3219,
}

// falsePositiveCeilings are the benign cases per file that the default
// engine blocked when the ceilings were last lowered. They only move down.
var falsePositiveCeilings = map[string]int{
	"examples.jsonl":                0,
	"graphql-operations.jsonl":      0,
	"graphql-variables.jsonl":       0,
	"json-bodies.jsonl":             0,
	"libinjection-sqli-tests.jsonl": 0,
	"query-params.jsonl":            2,
	"text-sql-words.jsonl":          0,
}

func sharedFiles(t *testing.T) []string {
	t.Helper()
	dir, err := corpus.SharedDir()
	require.NoError(t, err)
	var files []string
	for _, pattern := range []string{"attacks/*.jsonl", "benign/*.jsonl", "requests/*.jsonl"} {
		matches, err := filepath.Glob(filepath.Join(dir, pattern))
		require.NoError(t, err)
		require.NotEmpty(t, matches, "no files match %s in %s", pattern, dir)
		files = append(files, matches...)
	}
	return files
}

func TestSharedCorpusFloors(t *testing.T) {
	e, err := engine.New(engine.Config{})
	require.NoError(t, err)
	report, err := corpus.Evaluate(e, sharedFiles(t), nil)
	require.NoError(t, err)

	for class, floor := range detectionFloors {
		tally := report.Attacks[class]
		require.NotNil(t, tally, "class %s has cases", class)
		assert.GreaterOrEqual(t, tally.Flagged, floor, "%s: detected %d of %d", class, tally.Flagged, tally.Cases)
	}
	for file, ceiling := range falsePositiveCeilings {
		tally := report.Benign[file]
		require.NotNil(t, tally, "file %s has cases", file)
		assert.LessOrEqual(t, tally.Flagged, ceiling, "%s: blocked %d of %d", file, tally.Flagged, tally.Cases)
	}

	// The rates the engine is held to at default settings.
	for _, class := range []string{"sqli", "xss", "nosqli", "path", "ssti"} {
		assert.GreaterOrEqual(t, report.Attacks[class].Rate(), 0.95, class)
	}
	assert.GreaterOrEqual(t, report.Attacks["ssrf"].Rate(), 0.85, "ssrf")
	for file, tally := range report.Benign {
		assert.LessOrEqual(t, tally.Rate(), 0.005, file)
	}
}

func TestPlace(t *testing.T) {
	payload := func(s string) *string { return &s }
	cases := []struct {
		name        string
		record      corpus.Record
		target      string
		contentType string
		body        string
	}{
		{"json value", corpus.Record{Placement: "json-value", Payload: payload(`a"b`)}, "/api/search", "application/json", `{"q":"a\"b"}`},
		{"query param decoded once", corpus.Record{Placement: "query-param", Payload: payload("1%27+OR+1%3D1")}, "/api/search", "application/json", `{"q":"1' OR 1=1"}`},
		{"graphql query", corpus.Record{Placement: "graphql-query", Payload: payload("{ a }")}, "/graphql", "application/json", `{"query":"{ a }"}`},
		{"raw json", corpus.Record{Placement: "raw", Payload: payload(`{"a":{"$ne":1}}`)}, "/api/login", "application/json", `{"a":{"$ne":1}}`},
		{"raw form", corpus.Record{Placement: "raw", Payload: payload("a[$ne]=1")}, "/api/login", "application/x-www-form-urlencoded", "a[$ne]=1"},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := corpus.Place(&tc.record)
			require.NoError(t, err)
			assert.Equal(t, tc.target, req.Target)
			assert.Equal(t, tc.contentType, req.Header.Get("Content-Type"))
			assert.Equal(t, tc.body, string(req.Body))
		})
	}
	_, err := corpus.Place(&corpus.Record{Placement: "moon", Payload: payload("x")})
	assert.ErrorContains(t, err, `unknown placement "moon"`)
}

func TestParseRecordErrors(t *testing.T) {
	cases := map[string]string{
		`{"id":"a","class":"x","expect":"attack"}`:                            `neither "payload" nor "request"`,
		`{"id":"a","class":"x","payload":"p","request":{},"expect":"attack"}`: `both "payload" and "request"`,
		`{"id":"a","class":"x","payload":"p","expect":"maybe"}`:               `invalid expect "maybe"`,
		`{"id":"a",`: "invalid JSON",
		`{"id":"a","class":"x","request":{"method":"GET","path":"/"},"expect":"benign"} trailing`: "invalid JSON",
	}
	for line, msg := range cases {
		_, err := corpus.ParseRecord([]byte(line))
		assert.ErrorContains(t, err, msg, line)
	}
}
