package nethttp_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/integrations/nethttp"
)

// settledGoroutines waits until the goroutine count stops falling, so that
// connection goroutines that are closing are not counted.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for i := 0; i < 50; i++ {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m >= n {
			return m
		}
		n = m
	}
	return n
}

func TestMiddlewareLeavesNoGoroutines(t *testing.T) {
	e, err := engine.New(engine.Config{Limits: engine.Limits{MaxBodyBytes: 1024}})
	require.NoError(t, err)
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	})
	m, err := nethttp.New(upstream, nethttp.Options{Engine: e, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)

	before := settledGoroutines()
	server := httptest.NewServer(m)
	client := server.Client()
	bodies := []string{`{"q":"shoes"}`, `{"q":"1' OR '1'='1"}`, strings.Repeat("x", 4096)}
	for i := 0; i < 60; i++ {
		resp, err := client.Post(server.URL+"/api/search", "application/json", strings.NewReader(bodies[i%len(bodies)]))
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
	}
	client.CloseIdleConnections()
	server.Close()

	after := settledGoroutines()
	assert.LessOrEqual(t, after, before, "goroutines before %d, after %d", before, after)
}
