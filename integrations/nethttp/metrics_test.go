package nethttp_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	dto "github.com/prometheus/client_model/go"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/integrations/nethttp"
)

// labelValue returns the value of the named label of m.
func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func TestMetricsEndpoint(t *testing.T) {
	f := newFixture(t, engine.Config{Limits: engine.Limits{MaxBodyBytes: 256}}, nethttp.Options{})
	f.post(t, "/api/notes", "application/json", []byte(benignJSON))
	f.post(t, "/api/notes", "application/json", []byte(benignJSON))
	f.post(t, "/api/login", "application/json", []byte(sqliJSON))
	f.post(t, "/api/login", "application/json", []byte(nosqliJSON))
	f.post(t, "/upload", "text/plain", bytes.Repeat([]byte("a"), 257))

	metricsServer := httptest.NewServer(f.mw.Metrics().Handler())
	defer metricsServer.Close()
	req, _ := http.NewRequest(http.MethodGet, metricsServer.URL+"/metrics", nil)
	resp, body := do(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q, want the text exposition format", got)
	}

	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("Prometheus text parser rejected the output: %v\n%s", err, body)
	}
	for name, family := range families {
		switch family.GetType() {
		case dto.MetricType_COUNTER:
			if !strings.HasSuffix(name, "_total") {
				t.Errorf("counter %s does not end in _total", name)
			}
		case dto.MetricType_HISTOGRAM:
			if !strings.HasSuffix(name, "_seconds") {
				t.Errorf("histogram %s does not end in _seconds", name)
			}
		}
	}

	requests := map[string]float64{}
	for _, m := range families["fieldwall_requests_total"].GetMetric() {
		requests[labelValue(m, "action")] = m.GetCounter().GetValue()
	}
	for action, want := range map[string]float64{"allow": 2, "block": 3, "log": 0} {
		if requests[action] != want {
			t.Errorf("fieldwall_requests_total{action=%q} = %v, want %v", action, requests[action], want)
		}
	}

	findings := map[string]float64{}
	for _, m := range families["fieldwall_findings_total"].GetMetric() {
		findings[labelValue(m, "class")+"/"+labelValue(m, "rule")] = m.GetCounter().GetValue()
	}
	for _, key := range []string{"sqli/sqli-union-select", "nosqli/nosqli-operator-key"} {
		if findings[key] != 1 {
			t.Errorf("fieldwall_findings_total for %s = %v, want 1 (all: %v)", key, findings[key], findings)
		}
	}

	histogram := families["fieldwall_inspection_duration_seconds"].GetMetric()
	if len(histogram) != 1 {
		t.Fatalf("duration histogram has %d series, want 1", len(histogram))
	}
	// The oversized body is rejected before inspection, so 4 of 5 requests
	// were timed.
	if got := histogram[0].GetHistogram().GetSampleCount(); got != 4 {
		t.Errorf("duration sample count = %d, want 4", got)
	}
	if got := histogram[0].GetHistogram().GetSampleSum(); got <= 0 {
		t.Errorf("duration sum = %v, want > 0", got)
	}

	if got := families["fieldwall_oversized_bodies_total"].GetMetric()[0].GetCounter().GetValue(); got != 1 {
		t.Errorf("fieldwall_oversized_bodies_total = %v, want 1", got)
	}
	if got := families["fieldwall_inspection_errors_total"].GetMetric()[0].GetCounter().GetValue(); got != 0 {
		t.Errorf("fieldwall_inspection_errors_total = %v, want 0", got)
	}
}

func TestMetricsHandlerRejectsPost(t *testing.T) {
	server := httptest.NewServer(nethttp.NewMetrics().Handler())
	defer server.Close()
	req, _ := http.NewRequest(http.MethodPost, server.URL+"/metrics", strings.NewReader("x"))
	resp, _ := do(t, req)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: status %d, want 405", resp.StatusCode)
	}
}
