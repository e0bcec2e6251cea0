package main

import (
	"bytes"
	"compress/gzip"
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

// The samples in testdata and how they were made:
//
//   - capture.har, chrome-sanitized.har: written by hand in the shape of
//     Firefox and Chrome exports ("Export HAR (sanitized)" drops Cookie,
//     Set-Cookie and Authorization headers).
//   - coraza-json.log, coraza-native.log: written by Coraza v3.8.1 in
//     TestCorazaAuditLogs.
//   - modsec2-*.log, modsec3-*.log: written by ModSecurity 2.9.7 (Apache)
//     and libmodsecurity 3.0.9 (nginx) by testdata/gen/modsecurity.
//   - burp-export.xml: written by hand in the shape of Burp Suite's "Save
//     items" export, because Burp Suite is neither a Debian package nor a
//     Go module.
//   - requests.http: raw HTTP/1.1 requests written by hand, pipelined and
//     separated by empty lines.

// wantRecord is what a table test expects of one record.
type wantRecord struct {
	method   string
	target   string
	body     string
	header   map[string]string
	client   string
	hasTime  bool
	line     int
	index    int
	noHeader []string
}

func TestReadSamples(t *testing.T) {
	cases := []struct {
		name         string
		path         string
		wantFormat   inputFormat
		wantRecords  int
		wantFailures []string
		want         map[int]wantRecord
	}{
		{
			name: "Chrome HAR export, sanitized", path: "testdata/chrome-sanitized.har", wantFormat: formatHAR, wantRecords: 4,
			want: map[int]wantRecord{
				0: {
					method: "POST", target: "/api/search", body: "q=1%27+OR+%271%27%3D%271&page=2",
					header:   map[string]string{"Host": "shop.example.com", "Content-Type": "application/x-www-form-urlencoded"},
					noHeader: []string{"Cookie", "Authorization", ":authority", ":path"},
					client:   "198.51.100.77", hasTime: true, line: 20, index: 0,
				},
				1: {method: "GET", target: "/img/boots.png", body: "", hasTime: true, index: 1},
				2: {method: "POST", target: "/api/comments?draft=1", body: `{"comment":"<script>alert(document.domain)</script>"}`, hasTime: true, index: 2},
				3: {method: "GET", target: "/api/products?category=boots&page=1", hasTime: true, index: 3},
			},
		},
		{
			name: "Burp Suite export", path: "testdata/burp-export.xml", wantFormat: formatBurp, wantRecords: 5,
			wantFailures: []string{`<request base64="true"> is not valid base64`},
			want: map[int]wantRecord{
				0: {
					method: "POST", target: "/api/login", body: `{"user":"admin","pass":{"$ne":null}}`,
					header: map[string]string{"Cookie": "session=5f2b8c1e9a7d4e3f", "Content-Type": "application/json"},
					client: "203.0.113.50", hasTime: true, index: 0,
				},
				1: {method: "GET", target: "/api/products?id=1%27%20UNION%20SELECT%20password%20FROM%20users--", header: map[string]string{"Accept": "application/json"}, hasTime: true, index: 1},
				2: {method: "GET", target: "/api/health", header: map[string]string{"Host": "shop.example.com"}, hasTime: true, index: 2},
				3: {method: "POST", target: "/api/reviews", header: map[string]string{"Content-Type": "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"}, hasTime: true, index: 3},
				4: {method: "POST", target: "/api/search", body: "q=boots&page=2", hasTime: true, index: 5},
			},
		},
		{
			name: "raw HTTP requests", path: "testdata/requests.http", wantFormat: formatRawHTTP, wantRecords: 6,
			wantFailures: []string{`line 33: header line "this header line has no colon" has no ':'`},
			want: map[int]wantRecord{
				0: {method: "POST", target: "/api/login", body: `{"user":"admin","pass":{"$ne":null}}`, line: 1, index: -1},
				1: {method: "GET", target: "/api/products?category=boots", body: "", line: 6, index: -1},
				2: {method: "POST", target: "/api/search", body: "q=1' OR '1'='1&x=", line: 10, index: -1},
				3: {method: "GET", target: "/api/files?name=../../etc/passwd", body: "", line: 22, index: -1},
				4: {method: "POST", target: "/api/notes", body: "a note without Content-Length\nthat spans two lines", line: 25, index: -1},
				5: {method: "POST", target: "/api/comments", body: `{"comment": "<script>alert(1)</script>"}`, line: 35, index: -1},
			},
		},
		{
			name: "JSON Lines", path: "testdata/requests.jsonl", wantFormat: formatJSONLines, wantRecords: 4,
			wantFailures: []string{"invalid JSON: unexpected end of input"},
			want: map[int]wantRecord{
				0: {method: "POST", target: "/api/login", line: 1, index: -1},
			},
		},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			format, records, failures, err := readTestRecords(t, tc.path)
			require.NoError(t, err)
			assert.Equal(t, tc.wantFormat, format)
			require.Len(t, records, tc.wantRecords)
			require.Len(t, failures, len(tc.wantFailures))
			for i, want := range tc.wantFailures {
				assert.Contains(t, failures[i].err.Error(), want)
			}
			for i, want := range tc.want {
				got := records[i]
				assert.Equal(t, want.method, got.capture.req.Method, "record %d", i)
				assert.Equal(t, want.target, got.capture.req.Target, "record %d", i)
				if want.body != "" || want.method == "GET" {
					assert.Equal(t, want.body, string(got.capture.req.Body), "record %d", i)
				}
				for name, value := range want.header {
					assert.Equal(t, value, got.capture.req.Header.Get(name), "record %d: header %s", i, name)
				}
				for _, name := range want.noHeader {
					assert.NotContains(t, got.capture.req.Header, name, "record %d", i)
				}
				assert.Equal(t, want.client, got.capture.client, "record %d: client", i)
				assert.Equal(t, want.hasTime, !got.capture.time.IsZero(), "record %d: time", i)
				if want.line > 0 {
					assert.Equal(t, want.line, got.pos.line, "record %d: line", i)
				} else {
					assert.Positive(t, got.pos.line, "record %d: line", i)
				}
				assert.Equal(t, want.index, got.pos.index, "record %d: index", i)
			}
		})
	}
	require.Positive(t, ran)
}

func TestAuditLogSamples(t *testing.T) {
	cases := []struct {
		name       string
		path       string
		wantFormat inputFormat
		// wantClient is the recorded client address of every request, or
		// "" for the addresses in sampleRequests.
		wantClient string
	}{
		{name: "Coraza JSON", path: "testdata/coraza-json.log", wantFormat: formatAuditJSON},
		{name: "Coraza native", path: "testdata/coraza-native.log", wantFormat: formatAuditNative},
		{name: "ModSecurity v2 native", path: "testdata/modsec2-native.log", wantFormat: formatAuditNative, wantClient: "127.0.0.1"},
		{name: "ModSecurity v2 JSON", path: "testdata/modsec2-json.log", wantFormat: formatAuditJSON, wantClient: "127.0.0.1"},
		{name: "ModSecurity v3 native", path: "testdata/modsec3-native.log", wantFormat: formatAuditNative, wantClient: "127.0.0.1"},
		{name: "ModSecurity v3 JSON", path: "testdata/modsec3-json.log", wantFormat: formatAuditJSON, wantClient: "127.0.0.1"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			format, records, failures, err := readTestRecords(t, tc.path)
			require.NoError(t, err)
			assert.Equal(t, tc.wantFormat, format)
			assert.Empty(t, failures)
			require.Len(t, records, len(sampleRequests))
			previousLine := 0
			for i, sample := range sampleRequests {
				c := records[i].capture
				assert.Equal(t, sample.method, c.req.Method, "request %d", i)
				assert.Equal(t, sample.uri, c.req.Target, "request %d", i)
				assert.Equal(t, sample.body, string(c.req.Body), "request %d: the body as sent, multi-line bodies included", i)
				if ct := c.req.Header.Get("Content-Type"); sample.body != "" {
					assert.NotEmpty(t, ct, "request %d: headers are read", i)
				}
				wantClient := sample.client
				if tc.wantClient != "" {
					wantClient = tc.wantClient
				}
				if sample.reportedClient != "" {
					wantClient = sample.reportedClient
				}
				assert.Equal(t, wantClient, c.client, "request %d: client", i)
				assert.Greater(t, c.time.Year(), 2000, "request %d has a time", i)
				assert.Greater(t, records[i].pos.line, previousLine, "request %d: lines ascend", i)
				previousLine = records[i].pos.line
				assert.Equal(t, -1, records[i].pos.index)
			}
		})
	}
	require.Positive(t, ran)
}

func TestParseBoundary(t *testing.T) {
	cases := []struct {
		line     string
		wantID   string
		wantPart byte
		wantOK   bool
	}{
		{line: "--acebeb45-A--", wantID: "--acebeb45-", wantPart: 'A', wantOK: true},
		{line: "--nCrdkatUBxbpBbiK-Z--", wantID: "--nCrdkatUBxbpBbiK-", wantPart: 'Z', wantOK: true},
		{line: "---56YLgbUU---C--", wantID: "---56YLgbUU---", wantPart: 'C', wantOK: true},
		{line: "---56YLgbUU-C--"},
		{line: "--acebeb45-a--"},
		{line: "----WebKitFormBoundary7MA4YWxkTrZu0gW--"},
		{line: "--acebeb45-AB--"},
		{line: "--a_b-A--"},
		{line: "-- -A--"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			ran++
			id, part, ok := parseBoundary(tc.line)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.wantID, id)
			assert.Equal(t, tc.wantPart, part)
		})
	}
	require.Positive(t, ran)
}

func TestReadAuditNativeRecords(t *testing.T) {
	const a = "[04/Dec/2026:21:04:57.627126 +0000] axMq 203.0.113.9 55304 127.0.0.1 80\n"
	cases := []struct {
		name         string
		input        string
		wantRecords  int
		wantFailures []string
		wantBody     string
		wantTarget   string
	}{
		{
			name:        "v2 record with CRLF body",
			input:       "--aa11-A--\n" + a + "--aa11-B--\nPOST /x HTTP/1.1\nContent-Type: multipart/form-data; boundary=b\n\n--aa11-C--\n--b\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n1\r\n--b--\r\n\n--aa11-Z--\n\n",
			wantRecords: 1, wantTarget: "/x", wantBody: "--b\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n1\r\n--b--\r\n",
		},
		{
			name:        "v3 record with body ending in a line end",
			input:       "---bb22---A--\n" + a + "---bb22---B--\nPOST /y HTTP/1.1\n\n---bb22---C--\nline\n\n\n---bb22---Z--\n",
			wantRecords: 1, wantTarget: "/y", wantBody: "line\n",
		},
		{
			name:        "Coraza record with escaped body",
			input:       "--cc33cc33cc33cc33-A--\n[2026/12/04 21:06:56] id 203.0.113.7 1 127.0.0.1 2\n--cc33cc33cc33cc33-B--\nPOST /z HTTP/1.1\n\n--cc33cc33cc33cc33-C--\n{\\n \"p\": \"C:\\\\\\\\t\"\\r\\n}\n\n--cc33cc33cc33cc33-Z--\n",
			wantRecords: 1, wantTarget: "/z", wantBody: "{\n \"p\": \"C:\\\\t\"\r\n}",
		},
		{
			name:        "part I when C is missing",
			input:       "--dd44-A--\n" + a + "--dd44-B--\nPOST /i HTTP/1.1\n\n--dd44-I--\nq=1\n--dd44-Z--\n",
			wantRecords: 1, wantTarget: "/i", wantBody: "q=1",
		},
		{
			name:         "record without B",
			input:        "--ee55-A--\n" + a + "--ee55-H--\nMessage: x\n--ee55-Z--\n--ff66-A--\n" + a + "--ff66-B--\nGET /after HTTP/1.1\n\n--ff66-Z--\n",
			wantRecords:  1,
			wantFailures: []string{"line 1: the record has no section B"},
			wantTarget:   "/after",
		},
		{
			name:         "invalid request line",
			input:        "--ee55-A--\n" + a + "--ee55-B--\nnot a request line\n\n--ee55-Z--\n",
			wantFailures: []string{"line 1: section B: line 1: invalid request-target"},
		},
		{
			name:         "text outside records",
			input:        "--ee55-A--\n" + a + "--ee55-B--\nGET /a HTTP/1.1\n\n--ee55-Z--\n\nstray line\nanother\n--ff66-A--\n" + a + "--ff66-B--\nGET /b HTTP/1.1\n\n--ff66-Z--\n",
			wantRecords:  2,
			wantFailures: []string{"line 8: text outside an audit log record"},
			wantTarget:   "/a",
		},
		{
			name:        "log cut before Z",
			input:       "--ee55-A--\n" + a + "--ee55-B--\nGET /cut HTTP/1.1\nHost: a\n",
			wantRecords: 1, wantTarget: "/cut",
		},
		{
			name:        "section of another record is content",
			input:       "--ee55-A--\n" + a + "--ee55-B--\nPOST /a HTTP/1.1\n\n--ee55-C--\n--ab12-B--\n--ee55-Z--\n",
			wantRecords: 1, wantTarget: "/a", wantBody: "--ab12-B--",
		},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			format, records, failures, err := readTestInput(t, tc.input)
			require.NoError(t, err)
			require.Equal(t, formatAuditNative, format)
			require.Len(t, records, tc.wantRecords)
			require.Len(t, failures, len(tc.wantFailures))
			for i, want := range tc.wantFailures {
				assert.Contains(t, fmt.Sprintf("line %d: %v", failures[i].pos.line, failures[i].err), want)
			}
			if tc.wantRecords > 0 {
				assert.Equal(t, tc.wantTarget, records[0].capture.req.Target)
				assert.Equal(t, tc.wantBody, string(records[0].capture.req.Body))
			}
		})
	}
	require.Positive(t, ran)
}

func TestReadAuditJSONRecords(t *testing.T) {
	cases := []struct {
		name        string
		input       string
		wantFailure string
		wantTarget  string
		wantHeader  []string
		wantClient  string
		wantTime    time.Time
	}{
		{
			name:       "Coraza with repeated header",
			input:      `{"transaction":{"unix_timestamp":1796418416890306815,"client_ip":"203.0.113.7","request":{"method":"GET","uri":"/a?b=1","headers":{"accept":["a","b"]}}}}`,
			wantTarget: "/a?b=1", wantHeader: []string{"a", "b"}, wantClient: "203.0.113.7",
			wantTime: time.Unix(0, 1796418416890306815),
		},
		{
			name:       "ModSecurity v3",
			input:      `{"transaction":{"client_ip":"203.0.113.8","time_stamp":"Fri Dec  4 21:04:59 2026","request":{"method":"GET","http_version":1.1,"uri":"/v3","body":"","headers":{"Accept":"a, b"}}}}`,
			wantTarget: "/v3", wantHeader: []string{"a, b"}, wantClient: "203.0.113.8",
			wantTime: time.Date(2026, 12, 4, 21, 4, 59, 0, time.Local),
		},
		{
			name:       "ModSecurity v2",
			input:      `{"transaction":{"time":"04/Dec/2026:21:04:58.384667 +0100","remote_address":"203.0.113.9"},"request":{"request_line":"POST /v2 HTTP/1.1","headers":{"Accept":"x"},"body":["a","b"]}}`,
			wantTarget: "/v2", wantHeader: []string{"x"}, wantClient: "203.0.113.9",
			wantTime: time.Date(2026, 12, 4, 20, 4, 58, 384667000, time.UTC),
		},
		{name: "invalid JSON", input: `{"transaction":{`, wantFailure: "invalid JSON"},
		{name: "no request", input: `{"transaction":{"client_ip":"203.0.113.7"}}`, wantFailure: "the record has no request"},
		{name: "request without uri", input: `{"transaction":{"request":{"method":"GET"}}}`, wantFailure: `transaction.request has no "method" or "uri"`},
		{name: "header of wrong type", input: `{"transaction":{"request":{"method":"GET","uri":"/","headers":{"a":1}}}}`, wantFailure: `header "a" is neither a string nor a list of strings`},
		{name: "invalid request line", input: `{"transaction":{},"request":{"request_line":"GET"}}`, wantFailure: "request.request_line: line 1: invalid request-target"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			input := `{"transaction":{"client_ip":"192.0.2.1","request":{"method":"GET","uri":"/first"}}}` + "\n" + tc.input + "\n"
			format, records, failures, err := readTestInput(t, input)
			require.NoError(t, err)
			require.Equal(t, formatAuditJSON, format)
			if tc.wantFailure != "" {
				require.Len(t, failures, 1)
				assert.Equal(t, 2, failures[0].pos.line)
				assert.Contains(t, failures[0].err.Error(), tc.wantFailure)
				assert.Len(t, records, 1, "the record before is read")
				return
			}
			require.Empty(t, failures)
			require.Len(t, records, 2)
			c := records[1].capture
			assert.Equal(t, tc.wantTarget, c.req.Target)
			assert.Equal(t, tc.wantHeader, c.req.Header.Values("Accept"))
			assert.Equal(t, tc.wantClient, c.client)
			assert.True(t, tc.wantTime.Equal(c.time), "time %v, expected %v", c.time, tc.wantTime)
		})
	}
	require.Positive(t, ran)
}

func TestReadBurpErrors(t *testing.T) {
	item := func(request string) string {
		return `<item><time>Mon May 04 10:15:30 UTC 2026</time><request base64="false"><![CDATA[` + request + `]]></request><response base64="false"><![CDATA[HTTP/1.1 200 OK` + "\n\n</item>" + `]]></response></item>`
	}
	cases := []struct {
		name         string
		input        string
		wantRecords  int
		wantFailures []string
		wantErr      string
	}{
		{name: "response text that looks like markup", input: "<items>" + item("GET /a HTTP/1.1\n\n") + "</items>", wantRecords: 1},
		{name: "item without request", input: "<items><item><time>x</time></item>" + item("GET /a HTTP/1.1\n\n") + "</items>", wantRecords: 1, wantFailures: []string{"item 0: the item has no <request>"}},
		{name: "invalid raw request", input: "<items>" + item("GET\n\n") + "</items>", wantFailures: []string{"item 0: <request>: line 1: invalid request-target"}},
		{name: "other root element", input: "<?xml version=\"1.0\"?><items><x/></items>", wantRecords: 0},
		{name: "file cut inside an item", input: "<items>" + item("GET /a HTTP/1.1\n\n") + "<item><time>", wantRecords: 1, wantErr: "item 1: the file ends inside the XML document"},
		{name: "invalid XML", input: "<items>" + item("GET /a HTTP/1.1\n\n") + "<item></items>", wantRecords: 1, wantErr: "item 1: invalid XML at line 5: element <item> closed by </items>"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			format, records, failures, err := readTestInput(t, tc.input)
			require.Equal(t, formatBurp, format)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Len(t, records, tc.wantRecords)
			require.Len(t, failures, len(tc.wantFailures))
			for i, want := range tc.wantFailures {
				assert.Contains(t, fmt.Sprintf("item %d: %v", failures[i].pos.index, failures[i].err), want)
			}
		})
	}
	require.Positive(t, ran)
}

func TestReadRawHTTPFile(t *testing.T) {
	cases := []struct {
		name        string
		input       string
		wantTargets []string
		wantBodies  []string
		wantLines   []int
		wantFailure string
	}{
		{name: "one request without final line end", input: "GET /a HTTP/1.1\nHost: x", wantTargets: []string{"/a"}, wantBodies: []string{""}, wantLines: []int{1}},
		{name: "pipelined with Content-Length", input: "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n", wantTargets: []string{"/a", "/b"}, wantBodies: []string{"abc", ""}, wantLines: []int{1, 4}},
		{name: "Content-Length body with an empty line and a request line", input: "POST /a HTTP/1.1\nContent-Length: 23\n\nx\n\nGET /not HTTP/1.1\nyz\n\nGET /b HTTP/1.1\n", wantTargets: []string{"/a", "/b"}, wantBodies: []string{"x\n\nGET /not HTTP/1.1\nyz", ""}, wantLines: []int{1, 9}},
		{name: "separated by empty lines", input: "\n\nGET /a HTTP/1.1\n\n\n\nGET /b HTTP/1.1\n\n", wantTargets: []string{"/a", "/b"}, wantBodies: []string{"", ""}, wantLines: []int{3, 7}},
		{name: "body without length keeps inner empty lines", input: "POST /a HTTP/1.1\n\none\n\ntwo\n\n\nGET /b HTTP/1.1\n", wantTargets: []string{"/a", "/b"}, wantBodies: []string{"one\n\ntwo", ""}, wantLines: []int{1, 8}},
		{name: "Content-Length longer than the file", input: "POST /a HTTP/1.1\nContent-Length: 10\n\nabc", wantFailure: "shorter than Content-Length 10"},
		{name: "invalid Content-Length", input: "POST /a HTTP/1.1\nContent-Length: x\n\nabc\n", wantFailure: `invalid Content-Length "x"`},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			format, records, failures, err := readTestInput(t, tc.input)
			require.NoError(t, err)
			require.Equal(t, formatRawHTTP, format)
			if tc.wantFailure != "" {
				require.Len(t, failures, 1)
				assert.Contains(t, failures[0].err.Error(), tc.wantFailure)
				return
			}
			require.Empty(t, failures)
			var targets, bodies []string
			var lines []int
			for _, r := range records {
				targets = append(targets, r.capture.req.Target)
				bodies = append(bodies, string(r.capture.req.Body))
				lines = append(lines, r.pos.line)
			}
			assert.Equal(t, tc.wantTargets, targets)
			assert.Equal(t, tc.wantBodies, bodies)
			assert.Equal(t, tc.wantLines, lines)
		})
	}
	require.Positive(t, ran)
}

// summaryCounts returns the lines of the summary that count requests.
func summaryCounts(t *testing.T, stdout string) string {
	t.Helper()
	var counts []string
	for _, line := range strings.Split(stdout, "\n") {
		if regexp.MustCompile(`^(requests read|unreadable records|allowed|logged|blocked)\s+\d+$`).MatchString(line) {
			counts = append(counts, strings.Join(strings.Fields(line), " "))
		}
	}
	require.Len(t, counts, 5, "summary:\n%s", stdout)
	return strings.Join(counts, "; ")
}

func gzipBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}

var sampleFiles = []string{
	"testdata/capture.har", "testdata/chrome-sanitized.har", "testdata/requests.jsonl",
	"testdata/coraza-json.log", "testdata/coraza-native.log", "testdata/modsec2-native.log", "testdata/modsec2-json.log",
	"testdata/modsec3-native.log", "testdata/modsec3-json.log", "testdata/burp-export.xml", "testdata/requests.http",
}

func TestReplayGzipAndStdin(t *testing.T) {
	ran := 0
	for _, path := range sampleFiles {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ran++
			code, plainOut, plainErr := runCLI(t, "", "replay", path)
			require.Equal(t, exitOK, code, "stderr: %s", plainErr)
			want := summaryCounts(t, plainOut)

			data, err := os.ReadFile(path)
			require.NoError(t, err)
			compressed := gzipBytes(t, data)
			gzPath := writeFile(t, filepath.Base(path)+".gz", string(compressed))

			code, stdout, stderr := runCLI(t, "", "replay", gzPath)
			require.Equal(t, exitOK, code, "stderr: %s", stderr)
			assert.Equal(t, want, summaryCounts(t, stdout), "gzip file")
			assert.Equal(t, strings.Count(plainErr, "\n"), strings.Count(stderr, "\n"), "the same unreadable records")

			code, stdout, stderr = runCLI(t, string(compressed), "replay", "-")
			require.Equal(t, exitOK, code, "stderr: %s", stderr)
			assert.Equal(t, want, summaryCounts(t, stdout), "gzip on standard input")
			if plainErr != "" {
				assert.Contains(t, stderr, "standard input:")
			}

			code, stdout, _ = runCLI(t, string(data), "replay", "-")
			require.Equal(t, exitOK, code)
			assert.Equal(t, want, summaryCounts(t, stdout), "standard input")
		})
	}
	require.Positive(t, ran)
}

func TestReplayTruncatedGzip(t *testing.T) {
	data, err := os.ReadFile("testdata/modsec3-json.log")
	require.NoError(t, err)
	compressed := gzipBytes(t, data)
	path := writeFile(t, "cut.log.gz", string(compressed[:len(compressed)-12]))

	code, stdout, stderr := runCLI(t, "", "replay", path)
	assert.Equal(t, exitOK, code)
	assert.Regexp(t, `(?m)^unreadable records\s+1$`, stdout)
	assert.Contains(t, stderr, "cut.log.gz: unexpected EOF; the rest of the file was skipped")
}

// TestReplayUnreadableRecords checks, for every format, that a record that
// cannot be read is reported with its position and that the records after
// it are read.
func TestReplayUnreadableRecords(t *testing.T) {
	cases := []struct {
		name       string
		input      string
		wantStderr string
	}{
		{
			name:       "HAR",
			input:      "{\"log\": {\"entries\": [\n{\"request\": {\"method\": \"GET\", \"url\": \"/a\"}},\n{\"request\": {\"method\": \"GET\"}},\n{\"request\": {\"method\": \"GET\", \"url\": \"/c\"}}\n]}}",
			wantStderr: "x:3: log.entries[1]: the request has no url",
		},
		{
			name:       "JSON Lines",
			input:      "{\"path\": \"/a\"}\n{\"path\": 5}\n{\"path\": \"/c\"}\n",
			wantStderr: "x:2: invalid JSON: \"path\" is a number, expected a string",
		},
		{
			name:       "JSON audit log",
			input:      "{\"transaction\":{\"request\":{\"method\":\"GET\",\"uri\":\"/a\"}}}\n{\"transaction\":{}}\n{\"transaction\":{\"request\":{\"method\":\"GET\",\"uri\":\"/c\"}}}\n",
			wantStderr: "x:2: the record has no request: log part B (SecAuditLogParts with B)",
		},
		{
			name:       "native audit log",
			input:      "--a1-A--\n--a1-B--\nGET /a HTTP/1.1\n\n--a1-Z--\n--b2-A--\n--b2-Z--\n--c3-A--\n--c3-B--\nGET /c HTTP/1.1\n\n--c3-Z--\n",
			wantStderr: "x:6: the record has no section B (request headers): log part B (SecAuditLogParts with B)",
		},
		{
			name:       "Burp Suite XML",
			input:      "<items>\n<item><request>GET /a HTTP/1.1\n\n</request></item>\n<item><request base64=\"true\">%%%</request></item>\n<item><request>GET /c HTTP/1.1\n\n</request></item>\n</items>",
			wantStderr: "x:5: item 1: <request base64=\"true\"> is not valid base64: illegal base64 data at input byte 0",
		},
		{
			name:       "raw HTTP",
			input:      "GET /a HTTP/1.1\n\nGET /b HTTP/1.1\nno colon\n\nGET /c HTTP/1.1\n\n",
			wantStderr: "x:3: line 4: header line \"no colon\" has no ':': write Name: value, and end the headers with an empty line",
		},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			path := writeFile(t, "x", tc.input)
			code, stdout, stderr := runCLI(t, "", "replay", path)
			require.Equal(t, exitOK, code, "stderr: %s", stderr)
			assert.Equal(t, "requests read 2; unreadable records 1; allowed 2; logged 0; blocked 0", summaryCounts(t, stdout))
			assert.Equal(t, path[:len(path)-1]+tc.wantStderr+"\n", stderr)
		})
	}
	require.Positive(t, ran)
}
