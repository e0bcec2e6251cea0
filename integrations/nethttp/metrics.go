package nethttp

import (
	"bytes"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fieldwall/fieldwall/engine"
)

// Metrics counts the middleware's decisions and writes them in the
// Prometheus text exposition format (version 0.0.4). It is safe for
// concurrent use, and one Metrics may be shared by several middlewares.
//
// The metric families are:
//
//	fieldwall_requests_total{action}                 requests by action: allow, log, block
//	fieldwall_findings_total{class,rule}             findings by attack class and rule id
//	fieldwall_inspection_duration_seconds            histogram of Engine.Inspect time
//	fieldwall_inspection_errors_total                requests whose body could not be read
//	fieldwall_oversized_bodies_total                 bodies larger than the body limit
//
// Label values are rule ids and classes from the rule set, so their number is
// bounded by the rules loaded.
type Metrics struct {
	requests  [3]atomic.Uint64 // indexed by actionIndex
	errors    atomic.Uint64
	oversized atomic.Uint64

	findings sync.Map // findingKey -> *atomic.Uint64

	durationBuckets [len(durationBounds)]atomic.Uint64
	durationCount   atomic.Uint64
	durationSumNS   atomic.Uint64
}

type findingKey struct{ class, rule string }

// durationBounds are the histogram's upper bounds in seconds. Inspect takes
// tens of microseconds on small API bodies and milliseconds on megabyte
// bodies, so the buckets run from 25µs to 1s.
var durationBounds = [...]float64{
	0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
}

var actionNames = [3]engine.Action{engine.ActionAllow, engine.ActionLog, engine.ActionBlock}

func actionIndex(a engine.Action) int {
	switch a {
	case engine.ActionLog:
		return 1
	case engine.ActionBlock:
		return 2
	}
	return 0
}

// NewMetrics returns metrics with every counter at zero.
func NewMetrics() *Metrics { return &Metrics{} }

// Record counts one decision. Hosts that set Options.Observe call it to keep
// the built-in metrics.
func (m *Metrics) Record(d *Decision) {
	m.requests[actionIndex(d.Action)].Add(1)
	if d.Err != nil {
		m.errors.Add(1)
	}
	if d.Oversized {
		m.oversized.Add(1)
	}
	for i := range d.Verdict.Findings {
		f := &d.Verdict.Findings[i]
		m.counter(findingKey{f.Class, f.RuleID}).Add(1)
	}
	if d.Duration > 0 {
		m.observeDuration(d.Duration)
	}
}

func (m *Metrics) counter(key findingKey) *atomic.Uint64 {
	if c, ok := m.findings.Load(key); ok {
		return c.(*atomic.Uint64)
	}
	c, _ := m.findings.LoadOrStore(key, new(atomic.Uint64))
	return c.(*atomic.Uint64)
}

func (m *Metrics) observeDuration(d time.Duration) {
	seconds := d.Seconds()
	for i, bound := range durationBounds {
		if seconds <= bound {
			m.durationBuckets[i].Add(1)
			break
		}
	}
	m.durationSumNS.Add(uint64(d.Nanoseconds()))
	m.durationCount.Add(1)
}

// Handler returns a handler that serves the metrics to GET and HEAD
// requests, for mounting at /metrics.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed: use GET", http.StatusMethodNotAllowed)
			return
		}
		var buf bytes.Buffer
		m.WriteText(&buf)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
		if r.Method == http.MethodGet {
			_, _ = w.Write(buf.Bytes())
		}
	})
}

// WriteText appends the metrics to buf in the text exposition format.
func (m *Metrics) WriteText(buf *bytes.Buffer) {
	writeHeader(buf, "fieldwall_requests_total", "counter", "Requests inspected, by the action taken.")
	for i, action := range actionNames {
		writeSample(buf, "fieldwall_requests_total", `action="`+string(action)+`"`, formatCount(m.requests[i].Load()))
	}

	writeHeader(buf, "fieldwall_findings_total", "counter", "Findings, by attack class and rule id.")
	var keys []findingKey
	m.findings.Range(func(k, _ any) bool {
		keys = append(keys, k.(findingKey))
		return true
	})
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].class != keys[j].class {
			return keys[i].class < keys[j].class
		}
		return keys[i].rule < keys[j].rule
	})
	for _, k := range keys {
		labels := `class="` + escapeLabel(k.class) + `",rule="` + escapeLabel(k.rule) + `"`
		writeSample(buf, "fieldwall_findings_total", labels, formatCount(m.counter(k).Load()))
	}

	writeHeader(buf, "fieldwall_inspection_duration_seconds", "histogram", "Time spent in Engine.Inspect per request.")
	// Buckets are stored per interval and exposed cumulatively. The count is
	// read after the buckets so that +Inf is never below the last bucket
	// while requests are being recorded.
	var cumulative uint64
	for i, bound := range durationBounds {
		cumulative += m.durationBuckets[i].Load()
		le := `le="` + strconv.FormatFloat(bound, 'g', -1, 64) + `"`
		writeSample(buf, "fieldwall_inspection_duration_seconds_bucket", le, formatCount(cumulative))
	}
	count := max(m.durationCount.Load(), cumulative)
	writeSample(buf, "fieldwall_inspection_duration_seconds_bucket", `le="+Inf"`, formatCount(count))
	writeSample(buf, "fieldwall_inspection_duration_seconds_sum", "", strconv.FormatFloat(float64(m.durationSumNS.Load())/1e9, 'g', -1, 64))
	writeSample(buf, "fieldwall_inspection_duration_seconds_count", "", formatCount(count))

	writeHeader(buf, "fieldwall_inspection_errors_total", "counter", "Requests rejected because their body could not be read.")
	writeSample(buf, "fieldwall_inspection_errors_total", "", formatCount(m.errors.Load()))

	writeHeader(buf, "fieldwall_oversized_bodies_total", "counter", "Request bodies larger than the body limit.")
	writeSample(buf, "fieldwall_oversized_bodies_total", "", formatCount(m.oversized.Load()))
}

func writeHeader(buf *bytes.Buffer, name, kind, help string) {
	buf.WriteString("# HELP " + name + " " + help + "\n")
	buf.WriteString("# TYPE " + name + " " + kind + "\n")
}

func writeSample(buf *bytes.Buffer, name, labels, value string) {
	buf.WriteString(name)
	if labels != "" {
		buf.WriteString("{" + labels + "}")
	}
	buf.WriteString(" " + value + "\n")
}

func formatCount(n uint64) string { return strconv.FormatUint(n, 10) }

// escapeLabel escapes a label value as the text format requires: backslash,
// double quote and line feed.
func escapeLabel(s string) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
