package caddy

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/integrations/nethttp"
)

// metrics are the handler's Prometheus collectors. They carry the same names
// and labels as the net/http middleware's metrics, so one dashboard serves
// both. The collectors are shared by every fieldwall handler in the process
// and survive configuration reloads, so counters keep counting across
// reloads as Caddy's own HTTP metrics do.
type metrics struct {
	requests  *prometheus.CounterVec
	findings  *prometheus.CounterVec
	duration  prometheus.Histogram
	errors    prometheus.Counter
	oversized prometheus.Counter
}

var (
	sharedMetrics     *metrics
	sharedMetricsOnce sync.Once
)

func newMetrics() *metrics {
	return &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fieldwall_requests_total",
			Help: "Requests inspected, by the action taken.",
		}, []string{"action"}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fieldwall_findings_total",
			Help: "Findings, by attack class and rule id.",
		}, []string{"class", "rule"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "fieldwall_inspection_duration_seconds",
			Help: "Time spent in Engine.Inspect per request.",
			// Inspect takes tens of microseconds on small API bodies and
			// milliseconds on megabyte bodies.
			Buckets: []float64{0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
		}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fieldwall_inspection_errors_total",
			Help: "Requests rejected because their body could not be read.",
		}),
		oversized: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fieldwall_oversized_bodies_total",
			Help: "Request bodies larger than the body limit.",
		}),
	}
}

// registerMetrics registers the shared collectors in registry, which Caddy
// creates anew for each configuration. A second handler in the same
// configuration finds them registered already, which is not an error.
func registerMetrics(registry *prometheus.Registry) (*metrics, error) {
	sharedMetricsOnce.Do(func() {
		sharedMetrics = newMetrics()
		for _, action := range []engine.Action{engine.ActionAllow, engine.ActionLog, engine.ActionBlock} {
			sharedMetrics.requests.WithLabelValues(string(action))
		}
	})
	if registry == nil {
		return sharedMetrics, nil
	}
	m := sharedMetrics
	for _, c := range []prometheus.Collector{m.requests, m.findings, m.duration, m.errors, m.oversized} {
		err := registry.Register(c)
		var already prometheus.AlreadyRegisteredError
		if err != nil && !(errors.As(err, &already) && already.ExistingCollector == c) {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) record(d *nethttp.Decision) {
	m.requests.WithLabelValues(string(d.Action)).Inc()
	for i := range d.Verdict.Findings {
		f := &d.Verdict.Findings[i]
		m.findings.WithLabelValues(f.Class, f.RuleID).Inc()
	}
	if d.Duration > 0 {
		m.duration.Observe(d.Duration.Seconds())
	}
	if d.Err != nil {
		m.errors.Inc()
	}
	if d.Oversized {
		m.oversized.Inc()
	}
}
