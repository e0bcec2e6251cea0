package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/engine"
)

// scanVerdict runs scan --json on stdin and decodes the verdict.
func scanVerdict(t *testing.T, stdin string, args ...string) (int, engine.Verdict) {
	t.Helper()
	code, stdout, stderr := runCLI(t, stdin, append([]string{"scan", "--json"}, args...)...)
	require.NotEqual(t, exitUsage, code, "stderr: %s", stderr)
	var v engine.Verdict
	require.NoError(t, json.Unmarshal([]byte(stdout), &v), "stdout: %s", stdout)
	return code, v
}

func classesOf(v engine.Verdict) []string {
	var classes []string
	for _, f := range v.Findings {
		classes = append(classes, f.Class)
	}
	return classes
}

func TestScanRequestRecordInput(t *testing.T) {
	cases := []struct {
		name       string
		input      string
		wantCode   int
		wantClass  string
		wantTarget string
	}{
		{
			name:      "request record",
			input:     `{"id": "r1", "class": "nosqli", "request": {"method": "POST", "path": "/api/login", "headers": {"Content-Type": "application/json"}, "body": "{\"user\":\"a\",\"pass\":{\"$ne\":null}}"}, "expect": "attack", "why": "operator object"}`,
			wantCode:  exitBlocked,
			wantClass: "nosqli",
		},
		{
			name:      "bare request object",
			input:     `{"method": "GET", "path": "/api/users?name[$regex]=^a", "headers": {}, "body": ""}`,
			wantCode:  exitBlocked,
			wantClass: "nosqli",
		},
		{
			name:      "payload record",
			input:     `{"id": "p1", "source": "test", "class": "xss", "placement": "json-value", "payload": "<svg onload=alert(1)>", "expect": "attack"}`,
			wantCode:  exitBlocked,
			wantClass: "xss",
		},
		{
			name:     "benign record",
			input:    `{"request": {"method": "POST", "path": "/api/tickets", "headers": {"Content-Type": "application/json"}, "body": "{\"subject\":\"Cannot select a plan\"}"}}`,
			wantCode: exitOK,
		},
		{
			name:     "record without method or path",
			input:    `{"request": {"headers": {"Accept": "*/*"}}}`,
			wantCode: exitOK,
		},
		{
			name:      "leading space and byte order mark",
			input:     "\xef\xbb\xbf\n  " + `{"method": "POST", "path": "/api/x", "headers": {"Content-Type": "application/json"}, "body": "{\"q\":\"1' OR '1'='1\"}"}` + "\n",
			wantCode:  exitBlocked,
			wantClass: "sqli",
		},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			code, v := scanVerdict(t, tc.input)
			assert.Equal(t, tc.wantCode, code)
			if tc.wantClass != "" {
				assert.Contains(t, classesOf(v), tc.wantClass)
			} else {
				assert.Empty(t, v.Findings)
			}
		})
	}
	require.Positive(t, ran)
}

func TestDecodeRequestJSON(t *testing.T) {
	req, err := decodeRequestJSON([]byte(`{"request": {"method": "PUT", "path": "/a?b=%27", "headers": {"X-Api-Version": "2"}, "body": "\u0000x"}}`))
	require.NoError(t, err)
	assert.Equal(t, "PUT", req.Method)
	assert.Equal(t, "/a?b=%27", req.Target, "the target is passed on undecoded")
	assert.Equal(t, "2", req.Header.Get("X-Api-Version"))
	assert.Equal(t, []byte{0, 'x'}, req.Body)

	req, err = decodeRequestJSON([]byte(`{"headers": {"Accept": "*/*"}}`))
	require.NoError(t, err)
	assert.Equal(t, "GET", req.Method, "a missing method means GET")
	assert.Equal(t, "/", req.Target, "a missing path means /")
}

func TestDecodeRequestJSONErrors(t *testing.T) {
	cases := []struct {
		name    string
		input   string
		wantErr string
	}{
		{name: "invalid JSON", input: `{"request": {`, wantErr: "invalid JSON: unexpected end of input"},
		{name: "syntax error", input: `{"request" {}}`, wantErr: "invalid JSON: invalid character"},
		{name: "second object", input: `{"path": "/a"} {"path": "/b"}`, wantErr: "data after the JSON object"},
		{name: "no request members", input: `{"id": "x", "expect": "attack"}`, wantErr: `the object has no "request"`},
		{name: "request and bare members", input: `{"request": {"path": "/a"}, "path": "/b"}`, wantErr: `has "request" and also`},
		{name: "payload and bare members", input: `{"payload": "x", "path": "/b"}`, wantErr: `has "payload" and also`},
		{name: "wrong type", input: `{"request": {"path": 5}}`, wantErr: `"request.path" is a number, expected a string`},
		{name: "unknown placement", input: `{"payload": "x", "placement": "cookie"}`, wantErr: `unknown placement "cookie"`},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			_, err := decodeRequestJSON([]byte(tc.input))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
	require.Positive(t, ran)
}

func TestScanJSONOutputIsVerdict(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "scan", "--json", "../../examples/login-nosqli.http")
	require.Equal(t, exitBlocked, code, "stderr: %s", stderr)
	assert.Equal(t, 1, strings.Count(stdout, "\n"), "one JSON object on one line")

	var v engine.Verdict
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&v))
	assert.Equal(t, engine.ActionBlock, v.Action)
	require.NotEmpty(t, v.Findings)
	assert.Equal(t, "nosqli", v.Findings[0].Class)
	assert.Equal(t, "body", v.Findings[0].Location)
	assert.Equal(t, "$ne", v.Findings[0].Evidence)
	assert.GreaterOrEqual(t, v.Scores["nosqli"], 5)

	code, v = scanVerdict(t, "", "../../examples/search-benign.http")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, engine.ActionAllow, v.Action)
	assert.Empty(t, v.Findings)
}

func TestScanTextOutput(t *testing.T) {
	code, stdout, _ := runCLI(t, "", "scan", "../../examples/login-nosqli.http")
	require.Equal(t, exitBlocked, code)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.GreaterOrEqual(t, len(lines), 6, "stdout:\n%s", stdout)
	assert.Regexp(t, `^action\s+block$`, lines[0])
	assert.Regexp(t, `^scores\s+nosqli 5`, lines[1])
	assert.Regexp(t, `^findings\s+\d+$`, lines[2])
	assert.Regexp(t, `^RULE\s+CLASS\s+SEVERITY\s+FIELD\s+EVIDENCE\s+MESSAGE$`, lines[4])

	header, row := lines[4], lines[5]
	assert.Equal(t, strings.Index(header, "FIELD"), strings.Index(row, "body:"), "columns are aligned")
	assert.Contains(t, row, `"$ne"`, "evidence is quoted")

	code, stdout, _ = runCLI(t, "", "scan", "../../examples/search-benign.http")
	require.Equal(t, exitOK, code)
	assert.Regexp(t, `^action\s+allow\nscores\s+none\nfindings\s+0\n$`, stdout)
}

func TestWriteVerdictTextControlCharacters(t *testing.T) {
	v := engine.Verdict{
		Action: engine.ActionBlock,
		Scores: map[string]int{"xss": 5},
		Findings: []engine.Finding{{
			RuleID: "r", Class: "xss", Severity: "critical", Location: "body",
			Path: "a\tb", Evidence: "x\ty", Message: "m",
		}},
	}
	var out bytes.Buffer
	require.NoError(t, writeVerdictText(&out, &v))
	assert.Contains(t, out.String(), "body:a\uFFFDb")
	assert.Contains(t, out.String(), `"x\ty"`)
}

// TestScanFramingsAgree checks that the same request gives the same verdict
// however its body is framed.
func TestScanFramingsAgree(t *testing.T) {
	const body = `{"q":"x' UNION SELECT password FROM users--"}`
	inputs := map[string]string{
		"content-length": "POST /api/search HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body,
		"rest of input":  "POST /api/search HTTP/1.1\nContent-Type: application/json\n\n" + body + "\n",
		"chunked": "POST /api/search HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"10\r\n" + body[:16] + "\r\n" + strconv.FormatInt(int64(len(body)-16), 16) + "\r\n" + body[16:] + "\r\n0\r\n\r\n",
		"request record": `{"request": {"method": "POST", "path": "/api/search", "headers": {"Content-Type": "application/json"}, "body": ` + jsonString(body) + `}}`,
	}

	var want *engine.Verdict
	ran := 0
	for name, input := range inputs {
		t.Run(name, func(t *testing.T) {
			ran++
			code, v := scanVerdict(t, input)
			assert.Equal(t, exitBlocked, code)
			assert.Contains(t, classesOf(v), "sqli")
			if want == nil {
				want = &v
				return
			}
			assert.Equal(t, *want, v)
		})
	}
	require.Positive(t, ran)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestScanWarnsAboutIgnoredBytes(t *testing.T) {
	code, _, stderr := runCLI(t, "POST /a HTTP/1.1\nContent-Length: 2\n\nokmore", "scan")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stderr, "ignored 4 bytes after the 2 bytes that Content-Length gives")
}
