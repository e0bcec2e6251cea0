package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Expectations of a request, with the meaning they have in corpus files.
const (
	ExpectBenign = "benign"
	ExpectAttack = "attack"
)

// Request is one request of the fixed benchmark set.
type Request struct {
	Name   string            `json:"name"`
	Method string            `json:"method"`
	Target string            `json:"target"`
	Header map[string]string `json:"headers"`
	// BodyFile names the body's file in the testdata directory, "" for no
	// body.
	BodyFile string `json:"body_file,omitempty"`
	// Expect is ExpectBenign or ExpectAttack.
	Expect string `json:"expect"`
	// Why is a description of the request and, for an attack, of where its payload is.
	Why string `json:"why"`

	Body []byte `json:"-"`
}

// HTTPHeader returns the headers as an http.Header.
func (r *Request) HTTPHeader() http.Header {
	h := make(http.Header, len(r.Header))
	for k, v := range r.Header {
		h.Set(k, v)
	}
	return h
}

// HeaderNames returns the header names in sorted order, so that every run
// adds them in the same order.
func (r *Request) HeaderNames() []string {
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// Size returns the size in bytes of the request as an HTTP/1.1 message:
// request line, headers, blank line and body. Benchmarks report throughput
// against this size.
func (r *Request) Size() int {
	n := len(r.Method) + 1 + len(r.Target) + len(" HTTP/1.1\r\n")
	for k, v := range r.Header {
		n += len(k) + len(": ") + len(v) + len("\r\n")
	}
	return n + len("\r\n") + len(r.Body)
}

// ManifestFile is the name of the request list in the testdata directory.
const ManifestFile = "requests.json"

// AttackDenseFile is the hit-heavy matcher input in the testdata directory.
const AttackDenseFile = "attack-dense.txt"

// baseHeaders are the headers of every generated request: those of a mobile
// shop app talking to its API.
func baseHeaders(requestID string) map[string]string {
	return map[string]string{
		"Host":            "localhost:8080",
		"User-Agent":      "ShopApp/5.12.1 (iPhone; iOS 17.4; Scale/3.00)",
		"Accept":          "application/json",
		"Accept-Language": "en-GB,en;q=0.9",
		"Accept-Encoding": "gzip, deflate, br",
		"X-Request-ID":    requestID,
	}
}

func jsonRequest(name, method, target, requestID string, body []byte, expect, why string) Request {
	h := baseHeaders(requestID)
	h["Content-Type"] = "application/json"
	h["Content-Length"] = strconv.Itoa(len(body))
	return Request{
		Name: name, Method: method, Target: target, Header: h,
		BodyFile: name + ".json", Expect: expect, Why: why, Body: body,
	}
}

// Requests generates the fixed request set. The output depends on nothing
// but this code, so that the committed testdata can be checked against it.
func Requests() []Request {
	get := Request{
		Name: "get-query", Method: http.MethodGet, Target: searchTarget(),
		Header: baseHeaders("6f1c2a7e-3b4d-4e8f-9a10-5c2d7b8e9f01"), Expect: ExpectBenign,
		Why: "product search with ten query parameters, one of them with an apostrophe",
	}
	return []Request{
		get,
		jsonRequest("json-1k", http.MethodPost, "/api/v1/orders", "0a4e6c1d-8f2b-4c3a-9d5e-7b1f2e3a4c50",
			singleOrderBody(101, 1<<10, ""), ExpectBenign, "one order with a customer note"),
		jsonRequest("json-10k", http.MethodPost, "/api/v1/sync/orders", "1b5f7d2e-9a3c-4d4b-8e6f-8c2a3f4b5d61",
			batchBody(102, 10<<10), ExpectBenign, "a page of orders with reviews and support threads"),
		jsonRequest("json-100k", http.MethodPost, "/api/v1/sync/orders", "2c6a8e3f-0b4d-4e5c-9f7a-9d3b4a5c6e72",
			batchBody(103, 100<<10), ExpectBenign, "a page of orders with reviews and support threads"),
		jsonRequest("json-1m", http.MethodPost, "/api/v1/sync/orders", "3d7b9f4a-1c5e-4f6d-8a8b-0e4c5b6d7f83",
			batchBody(104, 1<<20), ExpectBenign, "a page of orders with reviews and support threads"),
		jsonRequest("graphql-1k", http.MethodPost, "/graphql", "4e8c0a5b-2d6f-4a7e-9b9c-1f5d6c7e8a94",
			graphQLBody(), ExpectBenign, "a GraphQL query with variables, a fragment and a directive"),
		jsonRequest("attack-json-1k", http.MethodPost, "/api/v1/orders", "5f9d1b6c-3e7a-4b8f-8cad-2a6e7d8f9ba5",
			singleOrderBody(105, 1<<10, attackLine2), ExpectAttack,
			"SQL injection (UNION SELECT) in customer.address.line2 of an order"),
	}
}

// Testdata returns the files of the testdata directory by name.
func Testdata() (map[string][]byte, error) {
	reqs := Requests()
	files := make(map[string][]byte, len(reqs)+2)
	for _, r := range reqs {
		if r.BodyFile != "" {
			files[r.BodyFile] = r.Body
		}
	}
	var manifest bytes.Buffer
	enc := json.NewEncoder(&manifest)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(reqs); err != nil {
		return nil, err
	}
	files[ManifestFile] = manifest.Bytes()
	files[AttackDenseFile] = attackDenseText(106, 64<<10)
	return files, nil
}

// WriteTestdata writes the generated files into dir.
func WriteTestdata(dir string) error {
	files, err := Testdata()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// LoadRequests reads the request set from the testdata directory dir.
func LoadRequests(dir string) ([]Request, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("read request list: %w (run go generate ./bench to create it)", err)
	}
	var reqs []Request
	if err := json.Unmarshal(data, &reqs); err != nil {
		return nil, fmt.Errorf("invalid request list %s: %w", ManifestFile, err)
	}
	for i := range reqs {
		r := &reqs[i]
		if r.Expect != ExpectBenign && r.Expect != ExpectAttack {
			return nil, fmt.Errorf("request %s: invalid expect %q: use %q or %q", r.Name, r.Expect, ExpectBenign, ExpectAttack)
		}
		if r.BodyFile == "" {
			continue
		}
		if strings.ContainsAny(r.BodyFile, `/\`) {
			return nil, fmt.Errorf("request %s: body file %q must be a plain file name", r.Name, r.BodyFile)
		}
		if r.Body, err = os.ReadFile(filepath.Join(dir, r.BodyFile)); err != nil {
			return nil, fmt.Errorf("request %s: %w", r.Name, err)
		}
	}
	return reqs, nil
}

// attackSnippets are short attack strings of the classes fieldwall detects,
// written for this benchmark. Joined, they make text in which most bytes lie
// inside some keyword: the worst case for a keyword matcher.
var attackSnippets = []string{
	"1' OR '1'='1' -- ", "admin'/*", "UNION ALL SELECT username, password FROM users",
	"; DROP TABLE orders; --", "1 AND SLEEP(5)", "waitfor delay '0:0:5'", "ORDER BY 3#",
	"<script>alert(document.cookie)</script>", "<img src=x onerror=prompt(1)>",
	"javascript:window.location='//localhost'", "../../../../etc/passwd", "..\\..\\boot.ini",
	"%2e%2e%2fetc%2fshadow", "${jndi:ldap://localhost:1389/a}", "{{7*7}}", "<%= 7*7 %>",
	"#{7*7}", "; cat /etc/passwd", "| id", "$(whoami)", "`uname -a`", "&& ping -c 1 localhost",
	`{"$where": "this.password.length > 0"}`, `{"$ne": null}`, "db.users.find()",
	"file:///etc/hosts", "gopher://localhost:6379/_INFO", "php://filter/convert.base64-encode",
	"eval(atob('YWxlcnQoMSk='))", "String.fromCharCode(88,83,83)", "expression(alert(1))",
	"exec xp_cmdshell 'dir'", "benchmark(1000000,md5(1))", "pg_sleep(10)", "json_extract(data, '$.a')",
}

// attackDenseText returns about size bytes of attack snippets separated by
// single spaces.
func attackDenseText(seed uint64, size int) []byte {
	r := newRNG(seed)
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(r.pick(attackSnippets))
		b.WriteByte(' ')
	}
	return []byte(b.String())
}
