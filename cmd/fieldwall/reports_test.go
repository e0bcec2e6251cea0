package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplaySummaryCounts(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "replay", "testdata/capture.har", "testdata/coraza-native.log", "testdata/requests.http")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)

	// capture.har: 5 requests (1 allowed) and 1 unreadable entry;
	// coraza-native.log: 5 requests (1 allowed); requests.http: 6 requests
	// (2 allowed) and 1 unreadable request.
	assert.Equal(t, "requests read 16; unreadable records 2; allowed 4; logged 0; blocked 12", summaryCounts(t, stdout))
	assert.Regexp(t, `(?m)^first request\s+2026-05-04T10:15:30\+02:00$`, stdout, "the earliest time, in its own offset")
	assert.Regexp(t, `(?m)^last request\s+\d{4}-\d\d-\d\dT`, stdout)
	assert.Regexp(t, `(?m)^requests without a time\s+6$`, stdout, "raw HTTP has no times")

	assert.Regexp(t, `(?m)^findings per class\n(  \S+\s+\d+\n)+`, stdout)
	assert.Regexp(t, `(?m)^  nosqli\s+3$`, stdout)
	assert.Regexp(t, `(?m)^  nosqli-operator-key\s+nosqli\s+3$`, stdout, "per rule, with its class")
	assert.Regexp(t, `(?m)^top paths \(requests with findings\)\n  /api/login\s+3\n`, stdout)
	assert.Regexp(t, `(?m)^top clients \(requests with findings\)\n`, stdout)
	assert.Regexp(t, `(?m)^  203\.0\.113\.12\s+2$`, stdout, "the recorded client of the Coraza records")
	assert.NotContains(t, stdout, "198.51.100.23", "the request from the forwarded client has no finding")
}

func TestReplayClientFromForwardedFor(t *testing.T) {
	input := `{"method": "GET", "path": "/a?q=<script>alert(1)</script>", "headers": {"X-Forwarded-For": "198.51.100.7, 10.0.0.1"}, "client_ip": "10.0.0.1", "time": "2026-05-04T10:15:30Z"}` + "\n" +
		`{"method": "GET", "path": "/b?q=<script>alert(1)</script>", "client_ip": "192.0.2.44", "time": "2026-05-04T09:00:00+02:00"}` + "\n" +
		`{"method": "GET", "path": "/c", "time": "yesterday"}` + "\n"
	code, stdout, stderr := runCLI(t, input, "replay", "-")
	require.Equal(t, exitOK, code)
	assert.Regexp(t, `(?m)^  198\.51\.100\.7\s+1$`, stdout, "X-Forwarded-For wins over the recorded address")
	assert.Regexp(t, `(?m)^  192\.0\.2\.44\s+1$`, stdout)
	assert.Regexp(t, `(?m)^first request\s+2026-05-04T09:00:00\+02:00$`, stdout)
	assert.Regexp(t, `(?m)^last request\s+2026-05-04T10:15:30Z$`, stdout)
	assert.Equal(t, "standard input:3: invalid \"time\" \"yesterday\": use RFC 3339, such as 2026-05-04T10:15:30Z\n", stderr)
}

// readSARIF runs replay with --sarif and returns the decoded document and
// the --out findings of the same run.
func readSARIF(t *testing.T, files ...string) (map[string]any, []findingLine) {
	t.Helper()
	dir := t.TempDir()
	sarifPath := filepath.Join(dir, "findings.sarif")
	outPath := filepath.Join(dir, "findings.jsonl")
	args := append([]string{"replay", "--sarif", sarifPath, "--out", outPath}, files...)
	code, _, stderr := runCLI(t, "", args...)
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	data, err := os.ReadFile(sarifPath)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc), "the SARIF file is JSON")
	return doc, readFindingLines(t, outPath)
}

// TestSARIFShape checks the members that the SARIF 2.1.0 schema requires
// (sarifLog version and runs, run tool, tool driver, driver name, result
// message with text) and the references between them: ruleIndex to
// tool.driver.rules and artifactLocation.index to run.artifacts. It also
// checks ruleId, level and locations, which fieldwall always writes.
func TestSARIFShape(t *testing.T) {
	doc, findings := readSARIF(t, "testdata/capture.har", "testdata/requests.jsonl", "testdata/burp-export.xml")
	require.NotEmpty(t, findings)

	assert.Equal(t, "2.1.0", doc["version"])
	assert.Contains(t, doc["$schema"], "sarif-schema-2.1.0.json")
	runs, ok := doc["runs"].([]any)
	require.True(t, ok, "runs is an array")
	require.Len(t, runs, 1)
	run := runs[0].(map[string]any)

	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	assert.Equal(t, "fieldwall", driver["name"])
	rules := driver["rules"].([]any)
	require.NotEmpty(t, rules)
	ruleIDs := map[string]bool{}
	for _, r := range rules {
		rule := r.(map[string]any)
		id, ok := rule["id"].(string)
		require.True(t, ok, "rule id is a string: %v", rule)
		assert.False(t, ruleIDs[id], "rule %s listed once", id)
		ruleIDs[id] = true
		assert.NotEmpty(t, rule["shortDescription"].(map[string]any)["text"], "rule %s", id)
		props := rule["properties"].(map[string]any)
		assert.NotEmpty(t, props["class"], "rule %s", id)
		assert.Contains(t, []any{"critical", "error", "warning", "notice"}, props["severity"], "rule %s", id)
		assert.Contains(t, []any{"error", "warning", "note"}, rule["defaultConfiguration"].(map[string]any)["level"], "rule %s", id)
	}

	artifacts := run["artifacts"].([]any)
	require.Len(t, artifacts, 3)
	results := run["results"].([]any)
	require.Len(t, results, len(findings), "one result per finding")
	for i, r := range results {
		result := r.(map[string]any)
		finding := findings[i]
		assert.Equal(t, finding.RuleID, result["ruleId"], "result %d", i)
		index := int(result["ruleIndex"].(float64))
		require.Less(t, index, len(rules), "result %d", i)
		assert.Equal(t, finding.RuleID, rules[index].(map[string]any)["id"], "result %d: ruleIndex points at its rule", i)
		assert.Contains(t, []any{"none", "note", "warning", "error"}, result["level"], "result %d", i)
		message := result["message"].(map[string]any)["text"].(string)
		assert.Contains(t, message, finding.Message, "result %d", i)

		locations := result["locations"].([]any)
		require.Len(t, locations, 1, "result %d", i)
		location := locations[0].(map[string]any)
		physical := location["physicalLocation"].(map[string]any)
		artifact := physical["artifactLocation"].(map[string]any)
		assert.Equal(t, finding.File, artifact["uri"], "result %d: relative paths are relative URIs", i)
		artifactIndex := int(artifact["index"].(float64))
		assert.Equal(t, finding.File, artifacts[artifactIndex].(map[string]any)["location"].(map[string]any)["uri"], "result %d", i)
		assert.EqualValues(t, finding.Line, physical["region"].(map[string]any)["startLine"], "result %d: the record's line", i)

		switch {
		case finding.Entry != nil:
			logical := location["logicalLocations"].([]any)[0].(map[string]any)
			assert.Equal(t, fmt.Sprintf("log.entries[%d]", *finding.Entry), logical["fullyQualifiedName"], "result %d", i)
		case finding.Item != nil:
			logical := location["logicalLocations"].([]any)[0].(map[string]any)
			assert.Equal(t, fmt.Sprintf("/items/item[%d]", *finding.Item+1), logical["fullyQualifiedName"], "result %d", i)
		default:
			assert.NotContains(t, location, "logicalLocations", "result %d", i)
		}
	}
	invocation := run["invocations"].([]any)[0].(map[string]any)
	assert.Equal(t, true, invocation["executionSuccessful"])
}

func TestSARIFLevels(t *testing.T) {
	cases := []struct {
		severity  string
		wantLevel string
		wantScore string
	}{
		{severity: "critical", wantLevel: "error", wantScore: "9.5"},
		{severity: "error", wantLevel: "error", wantScore: "7.5"},
		{severity: "warning", wantLevel: "warning", wantScore: "5.0"},
		{severity: "notice", wantLevel: "note", wantScore: "3.0"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.severity, func(t *testing.T) {
			ran++
			assert.Equal(t, tc.wantLevel, sarifLevel(tc.severity))
			assert.Equal(t, tc.wantScore, securitySeverity(tc.severity))
		})
	}
	require.Positive(t, ran)
}

func TestSARIFStandardInputAndAbsolutePath(t *testing.T) {
	abs, err := filepath.Abs("testdata/requests.jsonl")
	require.NoError(t, err)
	assert.Equal(t, "file://"+filepath.ToSlash(abs), fileURI(abs))
	assert.Equal(t, "dir%20with%20space/a.har", fileURI("dir with space/a.har"))

	sarifPath := filepath.Join(t.TempDir(), "stdin.sarif")
	code, _, _ := runCLI(t, `{"path": "/a?q=1' OR '1'='1"}`+"\n", "replay", "--sarif", sarifPath, "-")
	require.Equal(t, exitOK, code)
	data, err := os.ReadFile(sarifPath)
	require.NoError(t, err)
	var doc struct {
		Runs []struct {
			Artifacts []any `json:"artifacts"`
			Results   []struct {
				Locations []struct {
					PhysicalLocation any `json:"physicalLocation"`
					LogicalLocations []struct {
						FullyQualifiedName string `json:"fullyQualifiedName"`
					} `json:"logicalLocations"`
				} `json:"locations"`
				Properties struct {
					Line int `json:"line"`
				} `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	require.NotEmpty(t, doc.Runs[0].Results)
	result := doc.Runs[0].Results[0]
	assert.Empty(t, doc.Runs[0].Artifacts, "standard input is no artifact")
	assert.Nil(t, result.Locations[0].PhysicalLocation)
	assert.Equal(t, "standard input", result.Locations[0].LogicalLocations[0].FullyQualifiedName)
	assert.Equal(t, 1, result.Properties.Line)
}

// externalReference matches a script, style sheet, image or frame loaded
// from another origin, or any protocol-relative or http(s) src or href.
var externalReference = regexp.MustCompile(`(?i)\b(src|href)\s*=\s*["']?\s*(https?:|//)|<link\b|@import|url\(\s*["']?\s*(https?:|//)`)

func TestHTMLReport(t *testing.T) {
	dir := t.TempDir()
	htmlPath := filepath.Join(dir, "report.html")
	strict := writeFile(t, "exclude-search.json", `{"paranoia": 2, "exclusions": [{"path": "/api/search", "classes": ["sqli"]}]}`)
	code, _, stderr := runCLI(t, "", "replay", "--html", htmlPath, "--compare-config", strict,
		"testdata/capture.har", "testdata/coraza-json.log", "testdata/requests.http")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	data, err := os.ReadFile(htmlPath)
	require.NoError(t, err)
	page := string(data)

	assert.True(t, strings.HasPrefix(page, "<!DOCTYPE html>"))
	assert.Empty(t, externalReference.FindAllString(page, -1), "the report loads nothing from the network")
	assert.Equal(t, 1, strings.Count(page, "<style>"), "styles are inline")
	assert.Equal(t, 1, strings.Count(page, "<script>"), "the script is inline")
	assert.NotContains(t, page, "<script src")

	assert.Equal(t, 4, strings.Count(page, `<svg class="chart"`), "timeline, rules, paths and clients")
	assert.Contains(t, page, `data-chart="timeline"`)
	assert.Contains(t, page, "time (UTC)")
	assert.Regexp(t, `<rect class="bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="#[0-9a-f]{6}"><title>`, page)
	assert.Contains(t, page, "nosqli-operator-key")
	assert.Contains(t, page, "/api/login")
	assert.Contains(t, page, "203.0.113.12", "top clients")
	assert.Contains(t, page, `<input id="filter-text"`)
	assert.Contains(t, page, `<select id="filter-class"`)
	assert.Contains(t, page, `id="compare"`)
	assert.Contains(t, page, "capture.har (HAR)")
	assert.Contains(t, page, "coraza-json.log (JSON audit log)")

	rows := regexp.MustCompile(`<tr data-class="[a-z]+" data-action="(block|log|allow)">`).FindAllString(page, -1)
	code, stdout, _ := runCLI(t, "", "replay", "testdata/capture.har", "testdata/coraza-json.log", "testdata/requests.http")
	require.Equal(t, exitOK, code)
	total := 0
	for _, m := range regexp.MustCompile(`(?m)^  \S+\s+\S+\s+(\d+)$`).FindAllStringSubmatch(stdout[strings.Index(stdout, "findings per rule"):], -1) {
		var n int
		fmt.Sscan(m[1], &n)
		total += n
	}
	assert.Equal(t, total, len(rows), "one table row per finding")
	assert.NotContains(t, page, "findings-limit", "every finding is listed")

	// Evidence and targets are attack strings: the report must show them
	// as text, never as markup.
	assert.NotContains(t, page, "<script>alert(")
	assert.NotContains(t, page, "<svg onload")
	assert.Contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;")
}

func TestHTMLReportLimitsTable(t *testing.T) {
	var b strings.Builder
	for i := range maxReportFindings + 50 {
		fmt.Fprintf(&b, `{"path": "/api/items?id=%d'+OR+'1'='1"}`+"\n", i)
	}
	htmlPath := filepath.Join(t.TempDir(), "report.html")
	code, _, stderr := runCLI(t, b.String(), "replay", "--html", htmlPath, "-")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	data, err := os.ReadFile(htmlPath)
	require.NoError(t, err)
	page := string(data)
	assert.Equal(t, maxReportFindings, strings.Count(page, "<tr data-class="))
	assert.Contains(t, page, fmt.Sprintf("The table lists the first %d of", maxReportFindings))
	assert.Contains(t, page, "request number,", "records without time are charted by request number")
}

func TestHTMLReportWithoutFindings(t *testing.T) {
	htmlPath := filepath.Join(t.TempDir(), "report.html")
	code, _, _ := runCLI(t, `{"path": "/api/products?page=1"}`+"\n", "replay", "--html", htmlPath, "-")
	require.Equal(t, exitOK, code)
	data, err := os.ReadFile(htmlPath)
	require.NoError(t, err)
	assert.Contains(t, string(data), "No findings.")
	assert.Contains(t, string(data), "unknown: the records have no time")
}

func TestTimelineWidens(t *testing.T) {
	tl := newTimeline(timeWidths)
	start := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC).Unix()
	for i := range int64(3 * 3600) {
		tl.add(start+i, "sqli")
	}
	tl.add(start, "xss")
	assert.LessOrEqual(t, (tl.max-tl.min)/tl.bucketWidth()+1, int64(maxTimelineBuckets))
	assert.Equal(t, int64(300), tl.bucketWidth(), "3 hours fit in 5-minute buckets")
	var total int64
	for _, counts := range tl.buckets {
		total += counts["sqli"]
	}
	assert.Equal(t, int64(3*3600), total, "widening keeps every count")
	assert.Equal(t, int64(1), tl.buckets[start]["xss"])
}

func TestCompareConfig(t *testing.T) {
	dir := t.TempDir()
	excluded := writeFile(t, "exclude-search.json", `{"exclusions": [{"path": "/api/search", "classes": ["sqli"]}]}`)
	changesPath := filepath.Join(dir, "changes.jsonl")
	code, stdout, stderr := runCLI(t, "", "replay", "--compare-config", excluded, "--changes", changesPath,
		"testdata/capture.har", "testdata/requests.http")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)

	assert.Contains(t, stdout, "compare default settings (A) with "+excluded+" (B)")
	assert.Regexp(t, `(?m)^  action changes\s+2$`, stdout)
	assert.Regexp(t, `(?m)^    block -> allow\s+2$`, stdout)
	assert.Regexp(t, `(?m)^blocked\s+8$`, stdout)
	assert.Regexp(t, `(?m)^  under B: blocked\s+6$`, stdout)
	assert.Regexp(t, `(?m)^  POSITION\s+METHOD\s+TARGET\s+A\s+B\s+RULES A\s+RULES B$`, stdout)
	assert.Regexp(t, `(?m)^  testdata/capture.har:\d+: log.entries\[4\]\s+POST\s+/api/search\s+block\s+allow\s+sqli-\S+\s+-$`, stdout)
	assert.Regexp(t, `(?m)^  testdata/requests.http:10\s+POST\s+/api/search\s+block\s+allow\s+`, stdout)

	data, err := os.ReadFile(changesPath)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Len(t, lines, 2)
	var change verdictChange
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &change))
	assert.Equal(t, "testdata/capture.har", change.File)
	require.NotNil(t, change.Entry)
	assert.Equal(t, 4, *change.Entry)
	assert.Equal(t, "POST", change.Method)
	assert.Equal(t, "/api/search", change.Target)
	assert.Equal(t, "block", string(change.ActionA))
	assert.Equal(t, "allow", string(change.ActionB))
	assert.NotEmpty(t, change.RulesA)
	assert.Empty(t, change.RulesB)
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &change))
	assert.Equal(t, "testdata/requests.http", change.File)
	assert.Equal(t, 10, change.Line)
}

func TestCompareConfigDetectOnly(t *testing.T) {
	detectOnly := writeFile(t, "detect-only.json", `{"detect_only": true}`)
	code, stdout, _ := runCLI(t, "", "replay", "--config", detectOnly, "--compare-config", "testdata/config.json", "testdata/requests.jsonl")
	require.Equal(t, exitOK, code)
	assert.Regexp(t, `(?m)^logged\s+3$`, stdout, "the summary counts actions under --config")
	assert.Regexp(t, `(?m)^    log -> block\s+\d+$`, stdout)
}

func TestCompareConfigErrors(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "changes without compare", args: []string{"replay", "--changes", "x.jsonl", "testdata/requests.jsonl"}, wantErr: "--changes needs --compare-config"},
		{name: "missing compare config", args: []string{"replay", "--compare-config", "testdata/no-such.json", "testdata/requests.jsonl"}, wantErr: "--compare-config: config: open testdata/no-such.json"},
		{name: "invalid compare config", args: []string{"replay", "--compare-config", "testdata/good.rules", "testdata/requests.jsonl"}, wantErr: "--compare-config: config testdata/good.rules"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			code, _, stderr := runCLI(t, "", tc.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr, tc.wantErr)
		})
	}
	require.Positive(t, ran)
}

func TestProgressText(t *testing.T) {
	cases := []struct {
		name     string
		read     int64
		total    int64
		requests int64
		elapsed  time.Duration
		want     string
	}{
		{name: "size known", read: 256 << 20, total: 1 << 30, requests: 50000, elapsed: 10 * time.Second,
			want: "[######..................]  25%  256.0 MiB of 1.00 GiB  50,000 requests  5,000 req/s  30s left"},
		{name: "size unknown", read: 3 << 10, requests: 12, elapsed: 2 * time.Second,
			want: "3.0 KiB read  12 requests  6 req/s"},
		{name: "done", read: 1 << 30, total: 1 << 30, requests: 10, elapsed: time.Second,
			want: "[########################] 100%  1.00 GiB of 1.00 GiB  10 requests  10 req/s"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			assert.Equal(t, tc.want, progressText(tc.read, tc.total, tc.requests, tc.elapsed))
		})
	}
	require.Positive(t, ran)
}

func TestFlowLimit(t *testing.T) {
	f := newFlowLimit(2, 100)
	require.True(t, f.acquire(60))
	acquired := make(chan bool)
	go func() { acquired <- f.acquire(60) }()
	select {
	case <-acquired:
		t.Fatal("a record that exceeds the byte budget must wait")
	case <-time.After(50 * time.Millisecond):
	}
	f.release(60)
	require.True(t, <-acquired)

	go func() { acquired <- f.acquire(500) }()
	select {
	case <-acquired:
		t.Fatal("a large record waits until nothing else is in flight")
	case <-time.After(50 * time.Millisecond):
	}
	f.release(60)
	require.True(t, <-acquired, "a record larger than the budget passes alone")

	go func() { acquired <- f.acquire(1) }()
	f.stop()
	assert.False(t, <-acquired, "stop releases a waiting reader")
}
