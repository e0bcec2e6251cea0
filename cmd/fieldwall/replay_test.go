package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/engine"
)

// readFindingLines decodes the --out file at path.
func readFindingLines(t *testing.T, path string) []findingLine {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var lines []findingLine
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		var line findingLine
		require.NoError(t, json.Unmarshal(scanner.Bytes(), &line), "line: %s", scanner.Text())
		lines = append(lines, line)
	}
	require.NoError(t, scanner.Err())
	return lines
}

// readTestHAR returns the requests of a HAR file by entry index and the
// errors of the entries that could not be read.
func readTestHAR(t *testing.T, path string) (map[int]engine.Request, map[int]error, error) {
	t.Helper()
	_, records, failures, err := readTestRecords(t, path)
	requests := map[int]engine.Request{}
	for _, r := range records {
		requests[r.pos.index] = r.capture.req
	}
	skipped := map[int]error{}
	for _, f := range failures {
		skipped[f.pos.index] = f.err
	}
	return requests, skipped, err
}

func TestReplayHAR(t *testing.T) {
	outPath := filepath.Join(t.TempDir(), "findings.jsonl")
	code, stdout, stderr := runCLI(t, "", "replay", "--workers", "2", "--out", outPath, "testdata/capture.har")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)

	assert.Regexp(t, `(?m)^requests read\s+5$`, stdout)
	assert.Regexp(t, `(?m)^unreadable records\s+1$`, stdout)
	assert.Regexp(t, `(?m)^allowed\s+1$`, stdout)
	assert.Regexp(t, `(?m)^blocked\s+4$`, stdout)
	assert.Contains(t, stdout, "findings per rule")
	assert.Regexp(t, `(?m)^  /api/reviews\s+\d+$`, stdout)
	assert.Regexp(t, `(?m)^first request\s+2026-05-04T10:15:30\+02:00$`, stdout)
	assert.Equal(t, "testdata/capture.har:155: log.entries[3]: invalid request: \"request.url\" is a number, expected a string\n", stderr)

	classes := map[int][]string{}
	for _, line := range readFindingLines(t, outPath) {
		require.NotNil(t, line.Entry, "HAR findings carry the entry index")
		assert.Positive(t, line.Line, "HAR findings carry the line where the entry starts")
		assert.NotNil(t, line.Time, "HAR entries have startedDateTime")
		assert.Equal(t, engine.ActionBlock, line.Action)
		assert.Equal(t, "testdata/capture.har", line.File)
		assert.NotEmpty(t, line.RuleID)
		assert.NotEmpty(t, line.Severity)
		classes[*line.Entry] = append(classes[*line.Entry], line.Class)

		switch *line.Entry {
		case 0:
			assert.Equal(t, "POST", line.Method)
			assert.Equal(t, "/api/login?next=%2Faccount", line.Target, "the fragment is not sent")
		case 2:
			assert.Equal(t, "multipart", line.Location, "multipart params become a multipart body")
			assert.Equal(t, "title", line.Path)
		case 4:
			assert.Equal(t, "body", line.Location)
			assert.Equal(t, "q", line.Path, "form params become a form body")
		}
	}
	assert.Contains(t, classes[0], "nosqli")
	assert.Contains(t, classes[1], "path", "the base64 body is decoded")
	assert.Contains(t, classes[2], "xss")
	assert.Contains(t, classes[4], "sqli")
	assert.NotContains(t, classes, 3, "the broken entry has no findings")
	assert.NotContains(t, classes, 5, "the benign entry has no findings")
}

func TestHARRequestConversion(t *testing.T) {
	requests, skipped, err := readTestHAR(t, "testdata/capture.har")
	require.NoError(t, err)
	require.Len(t, requests, 5)
	require.Len(t, skipped, 1)
	assert.Contains(t, skipped[3].Error(), `"request.url" is a number`)

	cases := []struct {
		name       string
		entry      int
		wantMethod string
		wantTarget string
		wantHeader map[string][]string
		wantBody   string
	}{
		{
			name: "HTTP/2 pseudo-headers", entry: 0,
			wantMethod: "POST", wantTarget: "/api/login?next=%2Faccount",
			wantHeader: map[string][]string{
				"Host": {"shop.example.com"}, "Content-Type": {"application/json"}, "Accept": {"application/json"},
				"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
			},
			wantBody: `{"user":"admin","pass":{"$ne":null}}`,
		},
		{
			name: "base64 postData", entry: 1,
			wantMethod: "POST", wantTarget: "/api/files/read",
			wantHeader: map[string][]string{"Host": {"shop.example.com"}, "Content-Type": {"application/x-www-form-urlencoded"}},
			wantBody:   "name=..%2f..%2f..%2fetc%2fpasswd",
		},
		{
			name: "form params and cookies list", entry: 4,
			wantMethod: "POST", wantTarget: "/api/search",
			wantHeader: map[string][]string{
				"Host": {"shop.example.com"}, "Content-Type": {"application/x-www-form-urlencoded"},
				"Cookie": {"session=5f2b8c1e9a7d4e3f; locale=en-GB"},
			},
			wantBody: "q=1%27+OR+%271%27%3D%271&page=2",
		},
		{
			name: "cookie header wins over cookies list", entry: 5,
			wantMethod: "GET", wantTarget: "/api/products?category=boots&page=1",
			wantHeader: map[string][]string{
				"Host": {"shop.example.com"}, "Accept": {"application/json"}, "Cookie": {"session=5f2b8c1e9a7d4e3f"},
			},
			wantBody: "",
		},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			req, ok := requests[tc.entry]
			require.True(t, ok)
			assert.Equal(t, tc.wantMethod, req.Method)
			assert.Equal(t, tc.wantTarget, req.Target)
			for name := range req.Header {
				assert.False(t, strings.HasPrefix(name, ":"), "pseudo-header %q kept", name)
			}
			assert.Equal(t, len(tc.wantHeader), len(req.Header), "headers: %v", req.Header)
			for name, values := range tc.wantHeader {
				assert.Equal(t, values, req.Header.Values(name), "header %s", name)
			}
			assert.Equal(t, tc.wantBody, string(req.Body))
		})
	}
	require.Positive(t, ran)
}

func TestHARMultipartParams(t *testing.T) {
	requests, _, err := readTestHAR(t, "testdata/capture.har")
	require.NoError(t, err)
	req := requests[2]
	assert.Equal(t, "multipart/form-data; boundary=----geckoformboundary7d1e", req.Header.Get("Content-Type"), "the captured boundary is kept")
	body := string(req.Body)
	assert.Contains(t, body, "------geckoformboundary7d1e\r\nContent-Disposition: form-data; name=title\r\n\r\n<svg onload=alert(1)>\r\n")
	assert.Contains(t, body, `Content-Disposition: form-data; filename=boots.txt; name=photo`)
	assert.Contains(t, body, "Content-Type: text/plain\r\n\r\ngreat boots\r\n")
	assert.True(t, strings.HasSuffix(body, "------geckoformboundary7d1e--\r\n"))
}

func TestReadHARBrokenJSON(t *testing.T) {
	data, err := os.ReadFile("testdata/capture.har")
	require.NoError(t, err)
	cut := strings.Index(string(data), `"url": "https://shop.example.com/api/reviews"`)
	require.Positive(t, cut)
	path := writeFile(t, "cut.har", string(data[:cut]))

	requests, skipped, err := readTestHAR(t, path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "log.entries[2]: the file ends inside the JSON document")
	assert.Len(t, requests, 2, "entries before the break are read")
	assert.Empty(t, skipped)

	code, stdout, stderr := runCLI(t, "", "replay", path)
	assert.Equal(t, exitOK, code, "an unreadable rest of a file does not fail the run")
	assert.Regexp(t, `(?m)^requests read\s+2$`, stdout)
	assert.Regexp(t, `(?m)^unreadable records\s+1$`, stdout)
	assert.Contains(t, stderr, "cut.har: log.entries[2]: ")
	assert.Contains(t, stderr, "the rest of the file was skipped")
}

func TestReadHARErrors(t *testing.T) {
	cases := []struct {
		name        string
		input       string
		wantErr     string
		wantSkipped string
		wantRead    int
	}{
		{name: "log is not an object", input: `{"log": 5}`, wantErr: "log: expected '{', found a number"},
		{name: "no entries", input: `{"log": {"version": "1.2", "pages": []}}`, wantErr: "no log.entries array"},
		{name: "entries is not an array", input: `{"log": {"entries": {}}}`, wantErr: "log.entries: expected '['"},
		{name: "entry is a string", input: `{"log": {"entries": ["x", {"request": {"method": "GET", "url": "/a"}}]}}`, wantSkipped: "the entry is a string, not an object", wantRead: 1},
		{name: "entry without request", input: `{"log": {"entries": [{"response": {}}]}}`, wantSkipped: "the entry has no request"},
		{name: "request without method", input: `{"log": {"entries": [{"request": {"url": "/a"}}]}}`, wantSkipped: "the request has no method"},
		{name: "relative url", input: `{"log": {"entries": [{"request": {"method": "GET", "url": "a/b"}}]}}`, wantSkipped: `url "a/b" is not an absolute http(s) URL`},
		{name: "invalid base64", input: `{"log": {"entries": [{"request": {"method": "POST", "url": "/a", "postData": {"text": "!!", "encoding": "base64"}}}]}}`, wantSkipped: "postData.text is not valid base64"},
		{name: "unknown encoding", input: `{"log": {"entries": [{"request": {"method": "POST", "url": "/a", "postData": {"text": "x", "encoding": "gzip"}}}]}}`, wantSkipped: `postData has encoding "gzip"`},
		{name: "entries after a skipped one", input: `{"log": {"entries": [{"request": 1}, {"request": {"method": "GET", "url": "http://a.example"}}]}}`, wantSkipped: "invalid request", wantRead: 1},
		{name: "invalid JSON inside an entry", input: `{"log": {"entries": [{"request": {"method": "GET" "url": "/a"}}, {"request": {"method": "GET", "url": "/b"}}]}}`, wantSkipped: "invalid request: invalid character", wantRead: 1},
		{name: "missing comma between entries", input: `{"log": {"entries": [{"request": {"method": "GET", "url": "/a"}} {}]}}`, wantErr: "expected ',' or ']', found an object"},
		{name: "entries before log members", input: `{"log": {"entries": [{"request": {"method": "GET", "url": "/a"}}], "version": "1.2"}}`, wantSkipped: "", wantRead: 1},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			requests, skipped, err := readTestHAR(t, writeFile(t, "x.har", tc.input))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Len(t, requests, tc.wantRead)
			if tc.wantSkipped == "" {
				assert.Empty(t, skipped)
				return
			}
			require.Len(t, skipped, 1)
			assert.Contains(t, skipped[0].Error(), tc.wantSkipped)
		})
	}
	require.Positive(t, ran)
}

func TestRequestTarget(t *testing.T) {
	cases := []struct {
		url           string
		wantTarget    string
		wantAuthority string
	}{
		{url: "https://a.example/api/x?q=1", wantTarget: "/api/x?q=1", wantAuthority: "a.example"},
		{url: "http://a.example:8080", wantTarget: "/", wantAuthority: "a.example:8080"},
		{url: "http://a.example?q=%27", wantTarget: "/?q=%27", wantAuthority: "a.example"},
		{url: "https://user:pw@a.example/x#frag", wantTarget: "/x", wantAuthority: "a.example"},
		{url: "https://a.example/x?a[$ne]=1&b=%zz", wantTarget: "/x?a[$ne]=1&b=%zz", wantAuthority: "a.example"},
		{url: "/already/a/path?x=1", wantTarget: "/already/a/path?x=1"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			ran++
			target, authority, err := requestTarget(tc.url)
			require.NoError(t, err)
			assert.Equal(t, tc.wantTarget, target)
			assert.Equal(t, tc.wantAuthority, authority)
		})
	}
	require.Positive(t, ran)
}

func TestFormBody(t *testing.T) {
	cases := []struct {
		name   string
		params []harParam
		want   string
	}{
		{name: "decoded values", params: []harParam{{Name: "q", Value: "a b&c=d"}, {Name: "x", Value: "é"}}, want: "q=a+b%26c%3Dd&x=%C3%A9"},
		{name: "values already encoded", params: []harParam{{Name: "path", Value: "..%2F..%2Fetc"}}, want: "path=..%2F..%2Fetc"},
		{name: "bracket keys", params: []harParam{{Name: "user[$ne]", Value: "1"}}, want: "user%5B%24ne%5D=1"},
		{name: "lone percent", params: []harParam{{Name: "d", Value: "50%"}}, want: "d=50%25"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			assert.Equal(t, tc.want, string(formBody(tc.params)))
		})
	}
	require.Positive(t, ran)
}

func TestReplayJSONLines(t *testing.T) {
	outPath := filepath.Join(t.TempDir(), "findings.jsonl")
	code, stdout, stderr := runCLI(t, "", "replay", "--out", outPath, "testdata/requests.jsonl")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	assert.Regexp(t, `(?m)^requests read\s+4$`, stdout)
	assert.Regexp(t, `(?m)^unreadable records\s+1$`, stdout)
	assert.Regexp(t, `(?m)^allowed\s+1$`, stdout)
	assert.Regexp(t, `(?m)^blocked\s+3$`, stdout)
	assert.Equal(t, "testdata/requests.jsonl:5: invalid JSON: unexpected end of input\n", stderr)

	lineClasses := map[int][]string{}
	for _, line := range readFindingLines(t, outPath) {
		assert.Nil(t, line.Entry, "JSON Lines findings carry no entry index")
		lineClasses[line.Line] = append(lineClasses[line.Line], line.Class)
	}
	assert.Contains(t, lineClasses[1], "nosqli")
	assert.NotContains(t, lineClasses, 2, "the benign request has no findings")
	assert.Contains(t, lineClasses[4], "sqli")
	assert.Contains(t, lineClasses[6], "xss")
}

func TestReplayStdinAndSeveralFiles(t *testing.T) {
	stdin, err := os.ReadFile("testdata/requests.jsonl")
	require.NoError(t, err)
	code, stdout, stderr := runCLI(t, string(stdin), "replay", "testdata/capture.har", "-")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	assert.Regexp(t, `(?m)^requests read\s+9$`, stdout)
	assert.Regexp(t, `(?m)^unreadable records\s+2$`, stdout)
	assert.Contains(t, stderr, "standard input:5: ")
}

func TestReplayOutputInInputOrder(t *testing.T) {
	var b strings.Builder
	const records = 300
	for i := range records {
		fmt.Fprintf(&b, `{"method": "GET", "path": "/api/items/%d?id=%d'+OR+'1'='1", "headers": {}, "body": ""}`+"\n", i, i)
	}
	input := writeFile(t, "many.jsonl", b.String())
	outPath := filepath.Join(t.TempDir(), "findings.jsonl")

	code, stdout, stderr := runCLI(t, "", "replay", "--workers", "4", "--out", outPath, input)
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	assert.Regexp(t, fmt.Sprintf(`(?m)^requests read\s+%d$`, records), stdout)

	lines := readFindingLines(t, outPath)
	require.NotEmpty(t, lines)
	seen := map[int]bool{}
	previous := 0
	for _, line := range lines {
		assert.GreaterOrEqual(t, line.Line, previous, "findings are written in input order")
		previous = line.Line
		seen[line.Line] = true
	}
	assert.Len(t, seen, records, "every request has a finding")
}

func TestReplayErrors(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "text in no format", args: []string{"replay", "testdata/good.rules"}, wantErr: `good.rules: not a format replay reads (HAR, JSON Lines`},
		{name: "directory", args: []string{"replay", "testdata"}, wantErr: "testdata is a directory"},
		{name: "missing file", args: []string{"replay", "testdata/capture.json"}, wantErr: "no such file or directory"},
		{name: "stdin twice", args: []string{"replay", "-", "-"}, wantErr: "given more than once"},
		{name: "invalid workers", args: []string{"replay", "--workers", "many", "testdata/capture.har"}, wantErr: "invalid value"},
		{name: "unwritable out file", args: []string{"replay", "--out", filepath.Join(t.TempDir(), "no", "dir", "f.jsonl"), "testdata/capture.har"}, wantErr: "--out"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			code, stdout, stderr := runCLI(t, "", tc.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr, tc.wantErr)
			assert.Empty(t, stdout)
		})
	}
	require.Positive(t, ran)
}

func TestReplayStdinInNoFormat(t *testing.T) {
	code, _, stderr := runCLI(t, "hello\n", "replay", "-")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "standard input: not a format replay reads")
}

func TestDetectFormat(t *testing.T) {
	cases := []struct {
		name    string
		input   string
		want    inputFormat
		wantErr string
	}{
		{name: "HAR", input: `{"log": {"entries": []}}`, want: formatHAR},
		{name: "indented HAR with byte order mark", input: "\xef\xbb\xbf{\n  \"log\": {\n", want: formatHAR},
		{name: "JSON Lines", input: `{"id": "r1", "request": {}}` + "\n", want: formatJSONLines},
		{name: "JSON Lines with log member later", input: `{"method": "GET", "log": 1}`, want: formatJSONLines},
		{name: "empty", input: "", want: formatJSONLines},
		{name: "array", input: `[{"log": {}}]`, wantErr: "the first character is '['"},
		{name: "Coraza JSON audit log", input: `{"transaction":{"timestamp":"2026/12/04 21:06:56"}}`, want: formatAuditJSON},
		{name: "ModSecurity v2 native audit log", input: "--acebeb45-A--\n[04/Dec/2026:21:04:57.627126 +0000] x\n", want: formatAuditNative},
		{name: "ModSecurity v3 native audit log", input: "---56YLgbUU---A--\r\n", want: formatAuditNative},
		{name: "native log not starting at A", input: "--acebeb45-B--\n", wantErr: "the first character is '-'"},
		{name: "Burp Suite export", input: "<?xml version=\"1.0\"?>\n<!DOCTYPE items [\n<!ELEMENT items (item*)>\n]>\n<items burpVersion=\"2024.1\">", want: formatBurp},
		{name: "other XML", input: "<?xml version=\"1.0\"?><feed/>", wantErr: "XML that is not a Burp Suite export"},
		{name: "raw HTTP", input: "\r\nPOST /api/login HTTP/1.1\r\nHost: a\r\n", want: formatRawHTTP},
		{name: "raw HTTP without version", input: "GET /api/x?id=1\n", want: formatRawHTTP},
		{name: "lower-case method", input: "get /api/x HTTP/1.1\n", wantErr: "the first character is 'g'"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			got, err := detectFormat(bufio.NewReader(strings.NewReader(tc.input)))
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	require.Positive(t, ran)
}

func TestReadJSONLinesTooLong(t *testing.T) {
	long := `{"path": "/` + strings.Repeat("a", maxRecordBytes) + `"}`
	input := `{"path": "/first"}` + "\n" + long + "\r\n" + `{"path": "/last"}`
	format, records, failures, err := readTestInput(t, input)
	require.NoError(t, err)
	assert.Equal(t, formatJSONLines, format)
	var targets []string
	for _, r := range records {
		targets = append(targets, r.capture.req.Target)
	}
	assert.Equal(t, []string{"/first", "/last"}, targets, "a line without a final line end is read too")
	require.Len(t, failures, 1)
	assert.Equal(t, 2, failures[0].pos.line)
	assert.Contains(t, failures[0].err.Error(), "longer than 16 MiB")
}

func TestTopCounter(t *testing.T) {
	exact := newTopCounter(10)
	for _, key := range []string{"a", "b", "a", "c", "a", "b"} {
		exact.add(key)
	}
	top := exact.top(2)
	require.Len(t, top, 2)
	assert.Equal(t, "a", top[0].key)
	assert.EqualValues(t, 3, top[0].count)
	assert.Equal(t, "b", top[1].key)
	assert.EqualValues(t, 2, top[1].count)
	assert.False(t, exact.replaced)

	bounded := newTopCounter(3)
	for i := range 1000 {
		bounded.add("frequent")
		bounded.add(fmt.Sprintf("rare-%d", i))
	}
	top = bounded.top(1)
	assert.Equal(t, "frequent", top[0].key, "a key above the lowest tracked count stays tracked")
	assert.EqualValues(t, 1000, top[0].count)
	assert.True(t, bounded.replaced)
	assert.Len(t, bounded.byKey, 3, "memory is bounded by the capacity")

	long := newTopCounter(2)
	long.add(strings.Repeat("é", maxTopKeyBytes))
	assert.Len(t, long.top(1)[0].key, maxTopKeyBytes, "keys are cut on a rune boundary")
}
