package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRawHTTP(t *testing.T) {
	cases := []struct {
		name         string
		input        string
		wantMethod   string
		wantTarget   string
		wantHeader   http.Header
		wantBody     string
		wantWarnings int
	}{
		{
			name:       "CRLF with Content-Length",
			input:      "POST /api/login HTTP/1.1\r\nHost: a.example\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"user\":\"a\"}",
			wantMethod: "POST", wantTarget: "/api/login",
			wantHeader: http.Header{"Host": {"a.example"}, "Content-Type": {"application/json"}, "Content-Length": {"12"}},
			wantBody:   `{"user":"a"}`,
		},
		{
			name:       "LF without Content-Length",
			input:      "POST /api/login HTTP/1.1\nContent-Type: application/json\n\n{\"user\":\"a\"}\n",
			wantMethod: "POST", wantTarget: "/api/login",
			wantHeader: http.Header{"Content-Type": {"application/json"}},
			wantBody:   `{"user":"a"}`,
		},
		{
			name:       "rest of input keeps inner line ends",
			input:      "POST /a HTTP/1.1\r\n\r\nline one\r\nline two\r\n",
			wantMethod: "POST", wantTarget: "/a",
			wantHeader: http.Header{},
			wantBody:   "line one\r\nline two",
		},
		{
			name:       "Content-Length cuts the final line end",
			input:      "POST /a HTTP/1.1\nContent-Length: 3\n\nabc\n",
			wantMethod: "POST", wantTarget: "/a",
			wantHeader: http.Header{"Content-Length": {"3"}},
			wantBody:   "abc",
		},
		{
			name:       "Content-Length shorter than the data",
			input:      "POST /a HTTP/1.1\nContent-Length: 3\n\nabcdef",
			wantMethod: "POST", wantTarget: "/a",
			wantHeader:   http.Header{"Content-Length": {"3"}},
			wantBody:     "abc",
			wantWarnings: 1,
		},
		{
			name:       "Content-Length zero",
			input:      "POST /a HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
			wantMethod: "POST", wantTarget: "/a",
			wantHeader: http.Header{"Content-Length": {"0"}},
			wantBody:   "",
		},
		{
			name:       "repeated Content-Length that agrees",
			input:      "POST /a HTTP/1.1\nContent-Length: 2\nContent-Length: 2, 2\n\nabcd",
			wantMethod: "POST", wantTarget: "/a",
			wantHeader:   http.Header{"Content-Length": {"2", "2, 2"}},
			wantBody:     "ab",
			wantWarnings: 1,
		},
		{
			name:       "chunked with CRLF, extension and trailer",
			input:      "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;name=x\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Checksum: abc\r\n\r\n",
			wantMethod: "POST", wantTarget: "/a",
			wantHeader: http.Header{"Transfer-Encoding": {"chunked"}, "X-Checksum": {"abc"}},
			wantBody:   "Wikipedia",
		},
		{
			name:       "chunked with LF and upper-case hex",
			input:      "POST /a HTTP/1.1\nTransfer-Encoding: Chunked\n\nA\n0123456789\n0\n",
			wantMethod: "POST", wantTarget: "/a",
			wantHeader: http.Header{"Transfer-Encoding": {"Chunked"}},
			wantBody:   "0123456789",
		},
		{
			name:       "chunked data that contains line ends",
			input:      "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\na\r\nb\r\n\r\n0\r\n\r\n",
			wantMethod: "POST", wantTarget: "/a",
			wantHeader: http.Header{"Transfer-Encoding": {"chunked"}},
			wantBody:   "a\r\nb\r\n",
		},
		{
			name:       "chunked wins over Content-Length",
			input:      "POST /a HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
			wantMethod: "POST", wantTarget: "/a",
			wantHeader: http.Header{"Content-Length": {"100"}, "Transfer-Encoding": {"chunked"}},
			wantBody:   "abc",
		},
		{
			name:       "absolute-form target",
			input:      "GET http://a.example:8080/api/users?id=1%27 HTTP/1.1\r\n\r\n",
			wantMethod: "GET", wantTarget: "http://a.example:8080/api/users?id=1%27",
			wantHeader: http.Header{},
			wantBody:   "",
		},
		{
			name:       "headers with repeated names",
			input:      "GET / HTTP/1.1\nCookie: a=1\nX-Forwarded-For: 10.0.0.1\ncookie: b=2\nx-forwarded-for: 10.0.0.2, 10.0.0.3\n\n",
			wantMethod: "GET", wantTarget: "/",
			wantHeader: http.Header{"Cookie": {"a=1", "b=2"}, "X-Forwarded-For": {"10.0.0.1", "10.0.0.2, 10.0.0.3"}},
			wantBody:   "",
		},
		{
			name:       "folded header line",
			input:      "GET / HTTP/1.1\nUser-Agent: first\n  second\n\n",
			wantMethod: "GET", wantTarget: "/",
			wantHeader: http.Header{"User-Agent": {"first second"}},
			wantBody:   "",
		},
		{
			name:       "empty header value",
			input:      "GET / HTTP/1.1\nReferer:\n\n",
			wantMethod: "GET", wantTarget: "/",
			wantHeader: http.Header{"Referer": {""}},
			wantBody:   "",
		},
		{
			name:       "empty lines before the request line",
			input:      "\r\n\nGET /a HTTP/1.1\r\n\r\n",
			wantMethod: "GET", wantTarget: "/a",
			wantHeader: http.Header{},
			wantBody:   "",
		},
		{
			name:       "input ends after the headers",
			input:      "GET /a?q=1 HTTP/1.1\nAccept: */*",
			wantMethod: "GET", wantTarget: "/a?q=1",
			wantHeader: http.Header{"Accept": {"*/*"}},
			wantBody:   "",
		},
		{
			name:       "request line without version",
			input:      "GET /a\n",
			wantMethod: "GET", wantTarget: "/a",
			wantHeader: http.Header{},
			wantBody:   "",
		},
		{
			name:       "target with unencoded spaces",
			input:      "GET /search?q=1 UNION SELECT 1 HTTP/1.1\n\n",
			wantMethod: "GET", wantTarget: "/search?q=1 UNION SELECT 1",
			wantHeader: http.Header{},
			wantBody:   "",
		},
		{
			name:       "asterisk target for OPTIONS",
			input:      "OPTIONS * HTTP/1.1\n\n",
			wantMethod: "OPTIONS", wantTarget: "*",
			wantHeader: http.Header{},
			wantBody:   "",
		},
		{
			name:       "authority target for CONNECT",
			input:      "CONNECT a.example:443 HTTP/1.1\n\n",
			wantMethod: "CONNECT", wantTarget: "a.example:443",
			wantHeader: http.Header{},
			wantBody:   "",
		},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			req, err := parseRawHTTP([]byte(tc.input))
			require.NoError(t, err)
			assert.Equal(t, tc.wantMethod, req.Method)
			assert.Equal(t, tc.wantTarget, req.Target)
			assert.Equal(t, tc.wantHeader, req.Header)
			assert.Equal(t, tc.wantBody, string(req.Body))
			assert.Len(t, req.Warnings, tc.wantWarnings, "warnings: %q", req.Warnings)
		})
	}
	require.Positive(t, ran)
}

func TestParseRawHTTPErrors(t *testing.T) {
	cases := []struct {
		name    string
		input   string
		wantErr string
	}{
		{name: "only empty lines", input: "\n\n", wantErr: "no request line"},
		{name: "invalid method", input: "GE(T / HTTP/1.1\n\n", wantErr: `line 1: invalid method "GE(T"`},
		{name: "missing target", input: "GET\n\n", wantErr: `invalid request-target ""`},
		{name: "relative target", input: "GET api/users HTTP/1.1\n\n", wantErr: `invalid request-target "api/users"`},
		{name: "asterisk for GET", input: "GET * HTTP/1.1\n\n", wantErr: `invalid request-target "*"`},
		{name: "header without colon", input: "GET / HTTP/1.1\nHost a.example\n\n", wantErr: `line 2: header line "Host a.example" has no ':'`},
		{name: "invalid header name", input: "GET / HTTP/1.1\nBad Name: x\n\n", wantErr: `line 2: invalid header name "Bad Name"`},
		{name: "continuation before first header", input: "GET / HTTP/1.1\n folded\n\n", wantErr: "line 2: continuation line before the first header"},
		{name: "invalid Content-Length", input: "POST / HTTP/1.1\nContent-Length: ten\n\nabc", wantErr: `invalid Content-Length "ten"`},
		{name: "negative Content-Length", input: "POST / HTTP/1.1\nContent-Length: -1\n\nabc", wantErr: `invalid Content-Length "-1"`},
		{name: "conflicting Content-Length", input: "POST / HTTP/1.1\nContent-Length: 1\nContent-Length: 2\n\nabc", wantErr: "conflicting Content-Length values 1 and 2"},
		{name: "body shorter than Content-Length", input: "POST / HTTP/1.1\nContent-Length: 10\n\nabc", wantErr: "the body is 3 bytes, shorter than Content-Length 10"},
		{name: "unsupported transfer coding", input: "POST / HTTP/1.1\nTransfer-Encoding: gzip, chunked\n\n0\n\n", wantErr: `Transfer-Encoding "gzip" is not supported`},
		{name: "invalid chunk size", input: "POST / HTTP/1.1\nTransfer-Encoding: chunked\n\nzz\nabc\n0\n\n", wantErr: `chunk 1: invalid chunk size "zz"`},
		{name: "chunk larger than the input", input: "POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n10\nabc\n0\n\n", wantErr: "chunk 1: size 16 (0x10) is larger than"},
		{name: "chunk data too long for its size", input: "POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n2\nabc\n0\n\n", wantErr: "chunk 1: chunk data of size 2 is not followed by a line end"},
		{name: "missing last chunk", input: "POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n3\nabc\n", wantErr: "chunk 2: the input ends before the last chunk"},
		{name: "invalid trailer", input: "POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n0\nnot a trailer\n\n", wantErr: `invalid trailer line "not a trailer"`},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			_, err := parseRawHTTP([]byte(tc.input))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
	require.Positive(t, ran)
}

func TestParseRawHTTPIgnoresTrailingSpace(t *testing.T) {
	req, err := parseRawHTTP([]byte("POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n"))
	require.NoError(t, err)
	assert.Equal(t, "abc", string(req.Body))
	assert.Empty(t, req.Warnings, "line ends after the body are not worth a warning")
}
