package main

import (
	"os"
	"path/filepath"
	"testing"

	corazawaf "github.com/corazawaf/coraza/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Coraza audit log samples in testdata are written by real Coraza: the
// test below runs the requests of sampleRequests through Coraza
// transactions with serial audit logging in both formats. To rebuild the
// committed samples after a Coraza upgrade, run
//
//	FIELDWALL_WRITE_SAMPLES=1 go test ./cmd/fieldwall -run TestCorazaAuditLogs
//
// The ModSecurity samples come from testdata/gen/modsecurity/generate.sh,
// which sends requests with the same request lines and bodies to Apache with
// mod_security2 and to nginx with libmodsecurity3 on 127.0.0.1.

// sampleRequest is one request of the audit log samples.
type sampleRequest struct {
	client string
	// reportedClient is the client that replay reports when it differs
	// from client: the first X-Forwarded-For address.
	reportedClient string
	method         string
	uri            string
	header         [][2]string
	body           string
}

// sampleRequests are the requests that every audit log sample holds, in
// order.
var sampleRequests = []sampleRequest{
	{
		client: "203.0.113.10", reportedClient: "198.51.100.23", method: "GET", uri: "/api/products?category=boots&page=1",
		header: [][2]string{{"Host", "shop.example.com"}, {"User-Agent", "curl/7.88.1"}, {"X-Forwarded-For", "198.51.100.23, 10.0.0.5"}},
	},
	{
		client: "203.0.113.11", method: "POST", uri: "/api/login",
		header: [][2]string{{"Host", "shop.example.com"}, {"Content-Type", "application/json"}},
		body:   `{"user":"admin","pass":{"$ne":null}}`,
	},
	{
		client: "203.0.113.12", method: "POST", uri: "/api/search",
		header: [][2]string{{"Host", "shop.example.com"}, {"Content-Type", "application/x-www-form-urlencoded"}},
		body:   "q=1' OR '1'='1&page=2",
	},
	{
		client: "203.0.113.12", method: "GET", uri: "/api/files?name=../../etc/passwd",
		header: [][2]string{{"Host", "shop.example.com"}},
	},
	{
		client: "203.0.113.13", method: "POST", uri: "/api/comments",
		header: [][2]string{{"Host", "shop.example.com"}, {"Content-Type", "application/json"}},
		body:   "{\n  \"comment\": \"<script>alert(1)</script>\",\n  \"path\": \"C:\\\\temp\"\n}",
	},
}

// corazaSampleRules are the rules of the samples, as in generate.sh: a few
// signatures, so that part H lists matched rules.
const corazaSampleRules = `
SecRuleEngine On
SecRequestBodyAccess On
SecResponseBodyAccess On
SecResponseBodyMimeType application/json
SecRule REQUEST_HEADERS:Content-Type "^application/json" "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRule ARGS "@rx (?i)<script" "id:1001,phase:2,deny,status:403,log,msg:'Script tag in an argument',severity:CRITICAL,tag:'attack-xss'"
SecRule ARGS "@rx (?i)'\s*or\s*'" "id:1002,phase:2,deny,status:403,log,msg:'SQL tautology in an argument',severity:CRITICAL,tag:'attack-sqli'"
SecRule ARGS "@contains ../" "id:1003,phase:2,deny,status:403,log,msg:'Path traversal in an argument',severity:CRITICAL,tag:'attack-lfi'"
SecAuditEngine On
SecAuditLogType Serial
`

// writeCorazaAuditLog runs sampleRequests through Coraza with audit logging
// of parts in format (JSON or Native) to path.
func writeCorazaAuditLog(t *testing.T, path, format, parts string) {
	t.Helper()
	waf, err := corazawaf.NewWAF(corazawaf.NewWAFConfig().WithDirectives(
		corazaSampleRules + "SecAuditLogParts " + parts + "\nSecAuditLogFormat " + format + "\nSecAuditLog " + path + "\n"))
	require.NoError(t, err)

	for i, sample := range sampleRequests {
		tx := waf.NewTransaction()
		tx.ProcessConnection(sample.client, 41000+i, "192.0.2.80", 443)
		tx.ProcessURI(sample.uri, sample.method, "HTTP/1.1")
		for _, h := range sample.header {
			tx.AddRequestHeader(h[0], h[1])
		}
		tx.ProcessRequestHeaders()
		if sample.body != "" {
			_, _, err := tx.WriteRequestBody([]byte(sample.body))
			require.NoError(t, err)
		}
		_, err := tx.ProcessRequestBody()
		require.NoError(t, err)
		status := 200
		if it := tx.Interruption(); it != nil {
			status = it.Status
		}
		tx.AddResponseHeader("Content-Type", "application/json")
		tx.ProcessResponseHeaders(status, "HTTP/1.1")
		_, _, err = tx.WriteResponseBody([]byte(`{"ok":true}`))
		require.NoError(t, err)
		_, err = tx.ProcessResponseBody()
		require.NoError(t, err)
		tx.ProcessLogging()
		require.NoError(t, tx.Close())
	}
}

func TestCorazaAuditLogs(t *testing.T) {
	cases := []struct {
		name   string
		format string
		parts  string
		// sample is the committed file that FIELDWALL_WRITE_SAMPLES=1
		// rewrites, "" for cases that exist only in the test.
		sample     string
		wantFormat inputFormat
		wantBodies bool
	}{
		{name: "JSON", format: "JSON", parts: "ABCFHZ", sample: "testdata/coraza-json.log", wantFormat: formatAuditJSON, wantBodies: true},
		{name: "native", format: "Native", parts: "ABCFHZ", sample: "testdata/coraza-native.log", wantFormat: formatAuditNative, wantBodies: true},
		{name: "JSON with every part", format: "JSON", parts: "ABCEFHIJKZ", wantFormat: formatAuditJSON, wantBodies: true},
		{name: "native with every part", format: "Native", parts: "ABCEFHIJKZ", wantFormat: formatAuditNative, wantBodies: true},
		{name: "native without the request body", format: "Native", parts: "ABFHZ", wantFormat: formatAuditNative},
		{name: "JSON without the request body", format: "JSON", parts: "ABFHZ", wantFormat: formatAuditJSON},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			path := filepath.Join(t.TempDir(), "audit.log")
			writeCorazaAuditLog(t, path, tc.format, tc.parts)

			format, records, failures, err := readTestRecords(t, path)
			require.NoError(t, err)
			assert.Equal(t, tc.wantFormat, format)
			assert.Empty(t, failures)
			require.Len(t, records, len(sampleRequests))
			for i, sample := range sampleRequests {
				c := records[i].capture
				assert.Equal(t, sample.method, c.req.Method, "request %d", i)
				assert.Equal(t, sample.uri, c.req.Target, "request %d", i)
				if tc.wantBodies {
					assert.Equal(t, sample.body, string(c.req.Body), "request %d: the body as sent", i)
				} else {
					assert.Empty(t, c.req.Body, "request %d: the body was not logged", i)
				}
				for _, h := range sample.header {
					assert.Equal(t, h[1], c.req.Header.Get(h[0]), "request %d: header %s", i, h[0])
				}
				wantClient := sample.client
				if sample.reportedClient != "" {
					wantClient = sample.reportedClient
				}
				assert.Equal(t, wantClient, c.client, "request %d: the client address", i)
				assert.False(t, c.time.IsZero(), "request %d has a time", i)
			}

			if tc.sample != "" && os.Getenv("FIELDWALL_WRITE_SAMPLES") == "1" {
				data, err := os.ReadFile(path)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(tc.sample, data, 0o644))
			}
		})
	}
	require.Positive(t, ran)
}
