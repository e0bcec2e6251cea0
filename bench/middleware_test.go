package bench

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/integrations/nethttp"
)

// middlewareBenchBody is a benign JSON order of 1 KB, the size of a typical
// API write request.
var middlewareBenchBody = func() []byte {
	var b strings.Builder
	b.WriteString(`{"order_id":"ord_7Hq2kLm9","customer":{"id":"cus_4821","name":"Ada Lovelace","email":"ada@example.com",`)
	b.WriteString(`"address":{"line1":"12 Analytical Row","city":"London","postcode":"NW1 6XE","country":"GB"}},"items":[`)
	for i := range 6 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"sku":"SKU-10` + string(rune('0'+i)) + `","name":"Brass gear, 42 teeth","quantity":2,"unit_price":"19.90"}`)
	}
	b.WriteString(`],"currency":"GBP","metadata":{"channel":"web","campaign":"spring","coupon":null,"gift":false},"notes":"`)
	// The delivery note fills the document up to 1,024 bytes.
	note := "Leave the parcel with the neighbour at number 14 if nobody answers. "
	for i := 0; b.Len() < 1024-2; i++ {
		b.WriteByte(note[i%len(note)])
	}
	b.WriteString(`"}`)
	return []byte(b.String())
}()

// discardResponse is a ResponseWriter that keeps nothing, so the benchmark
// measures the middleware rather than a recorder.
type discardResponse struct{ header http.Header }

func (d *discardResponse) Header() http.Header         { return d.header }
func (d *discardResponse) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardResponse) WriteHeader(int)             {}

// reusableBody lets one request be served many times without allocating a
// new body per iteration.
type reusableBody struct{ bytes.Reader }

func (*reusableBody) Close() error { return nil }

// BenchmarkMiddleware compares Engine.Inspect on a 1 KB JSON request with
// the net/http middleware serving the same request: reading and replacing
// the body, the event id, metrics and the log-level check. The difference of
// the two ns/op is the middleware's overhead.
func BenchmarkMiddleware(b *testing.B) {
	e, err := engine.New(engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set("User-Agent", "bench/1.0")

	b.Run("engine-inspect", func(b *testing.B) {
		req := &engine.Request{Method: http.MethodPost, Target: "/api/orders", Header: header, Body: middlewareBenchBody}
		if v := e.Inspect(req); v.Action != engine.ActionAllow {
			b.Fatalf("benign body was not allowed: %+v", v)
		}
		b.SetBytes(int64(len(middlewareBenchBody)))
		b.ReportAllocs()
		for b.Loop() {
			e.Inspect(req)
		}
	})

	b.Run("nethttp-middleware", func(b *testing.B) {
		passed := 0
		next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { passed++ })
		mw, err := nethttp.New(next, nethttp.Options{Engine: e, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/api/orders", nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header = header
		req.RequestURI = "/api/orders"
		req.ContentLength = int64(len(middlewareBenchBody))
		body := &reusableBody{}
		w := &discardResponse{header: http.Header{}}
		b.SetBytes(int64(len(middlewareBenchBody)))
		b.ReportAllocs()
		for b.Loop() {
			body.Reset(middlewareBenchBody)
			req.Body = body
			mw.ServeHTTP(w, req)
		}
		if passed == 0 {
			b.Fatal("the middleware passed no request on")
		}
	})
}

// BenchmarkMiddlewareOverhead alternates Engine.Inspect and the middleware on
// the same 1 KB request, in both orders, and times each call. It reports the
// median time of each and the middleware's overhead in percent of Inspect:
// the median of the per-pair differences over the median Inspect time.
// Medians of interleaved pairs keep load from other processes on a shared
// machine out of the figure, which the means of two separate benchmarks do
// not.
func BenchmarkMiddlewareOverhead(b *testing.B) {
	e, err := engine.New(engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set("User-Agent", "bench/1.0")
	direct := &engine.Request{Method: http.MethodPost, Target: "/api/orders", Header: header, Body: middlewareBenchBody}

	mw, err := nethttp.New(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		nethttp.Options{Engine: e, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/api/orders", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header = header
	req.RequestURI = "/api/orders"
	req.ContentLength = int64(len(middlewareBenchBody))
	body := &reusableBody{}
	w := &discardResponse{header: http.Header{}}

	timeInspect := func() time.Duration {
		start := time.Now()
		e.Inspect(direct)
		return time.Since(start)
	}
	timeMiddleware := func() time.Duration {
		body.Reset(middlewareBenchBody)
		req.Body = body
		start := time.Now()
		mw.ServeHTTP(w, req)
		return time.Since(start)
	}

	var inspectTimes, middlewareTimes, differences []time.Duration
	for i := 0; b.Loop(); i++ {
		var inspect, middleware time.Duration
		if i%2 == 0 {
			inspect = timeInspect()
			middleware = timeMiddleware()
		} else {
			middleware = timeMiddleware()
			inspect = timeInspect()
		}
		inspectTimes = append(inspectTimes, inspect)
		middlewareTimes = append(middlewareTimes, middleware)
		differences = append(differences, middleware-inspect)
	}
	medianInspect := median(inspectTimes)
	b.ReportMetric(float64(medianInspect.Nanoseconds()), "inspect-ns")
	b.ReportMetric(float64(median(middlewareTimes).Nanoseconds()), "middleware-ns")
	b.ReportMetric(100*float64(median(differences))/float64(medianInspect), "overhead-%")
}

func median(durations []time.Duration) time.Duration {
	if len(durations) == 0 {
		return 0
	}
	sorted := slices.Clone(durations)
	slices.Sort(sorted)
	return sorted[len(sorted)/2]
}

// TestMiddlewareBenchBodySize checks that the benchmark body is the 1 KB
// JSON document it claims to be.
func TestMiddlewareBenchBodySize(t *testing.T) {
	if n := len(middlewareBenchBody); n < 1024 || n > 1100 {
		t.Errorf("benchmark body is %d bytes, want about 1 KB", n)
	}
	if !json.Valid(middlewareBenchBody) {
		t.Errorf("benchmark body is not valid JSON: %s", middlewareBenchBody)
	}
}
