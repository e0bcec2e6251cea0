package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/integrations/nethttp"
	"github.com/fieldwall/fieldwall/rules"
)

const serveUsage = `Usage:
  fieldwall serve --upstream URL [--listen ADDR] [--metrics-listen ADDR]
                  [--config FILE] [--log-level LEVEL]

Run a reverse proxy that inspects every request and passes the allowed ones
to the upstream. Blocked requests get an application/problem+json response.
One JSON log record per decision goes to standard error.

Options:
  --upstream URL         the server requests are passed to, http:// or https://
  --listen ADDR          host:port the proxy listens on (default 127.0.0.1:8080)
  --metrics-listen ADDR  host:port that serves Prometheus metrics at /metrics;
                         empty (the default) serves no metrics
  --config FILE          JSON file with the engine settings and rule_files, as
                         for the other commands, plus "mode" ("block" or
                         "detect"), "oversized_body" ("block" or
                         "inspect-prefix") and "block_status" (400 to 599)
  --log-level LEVEL      debug, info, warn or error (default info); debug also
                         logs requests without findings

SIGINT or SIGTERM stops accepting connections and waits up to 30 seconds for
requests in flight.

Exit status: 0 after a graceful shutdown, 1 when a listener or server fails,
2 for invalid usage or an invalid config file.
`

// Defaults and bounds of the serve command.
const (
	defaultServeListen = "127.0.0.1:8080"
	// shutdownTimeout bounds the wait for requests in flight after SIGINT or
	// SIGTERM. 30 seconds matches the default grace period of Kubernetes
	// before it sends SIGKILL.
	shutdownTimeout = 30 * time.Second
	// readHeaderTimeout bounds how long a client may take to send its
	// headers, against connections held open by slow senders. Bodies are not
	// bounded in time, because uploads on slow links are legitimate.
	readHeaderTimeout = 10 * time.Second
	// idleTimeout closes keep-alive connections without requests.
	idleTimeout = 120 * time.Second
)

// serveFileConfig is the JSON shape of a serve --config file: the shape that
// the other commands read, plus the middleware settings.
type serveFileConfig struct {
	fileConfig

	// Mode is "block" (the default) or "detect": in detect mode nothing is
	// blocked and decisions are still logged and counted.
	Mode string `json:"mode"`
	// OversizedBody is "block" (the default) or "inspect-prefix"; see
	// nethttp.OversizePolicy.
	OversizedBody string `json:"oversized_body"`
	// BlockStatus is the status of blocked responses, 403 when zero.
	BlockStatus int `json:"block_status"`
}

// serveConfig is a loaded serve configuration.
type serveConfig struct {
	engine     engine.Config
	middleware nethttp.Options
}

// runServe runs "fieldwall serve" with args (without the command name) until
// SIGINT or SIGTERM, and returns the exit status.
func runServe(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, args, stdout, stderr)
}

// serve is runServe with the stop signal as a context, so that tests can
// stop it without signals.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("serve", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	listen := flags.String("listen", defaultServeListen, "")
	upstream := flags.String("upstream", "", "")
	metricsListen := flags.String("metrics-listen", "", "")
	configPath := flags.String("config", "", "")
	logLevel := flags.String("log-level", "info", "")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			io.WriteString(stdout, serveUsage)
			return exitOK
		}
		return serveUsageError(stderr, err.Error())
	}
	if flags.NArg() > 0 {
		return serveUsageError(stderr, fmt.Sprintf("unexpected argument %q: serve takes only options", flags.Arg(0)))
	}

	target, err := parseUpstream(*upstream)
	if err != nil {
		return serveUsageError(stderr, err.Error())
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return serveUsageError(stderr, fmt.Sprintf("invalid --log-level %q: use debug, info, warn or error", *logLevel))
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	cfg := serveConfig{}
	if *configPath != "" {
		cfg, err = loadServeConfig(*configPath)
		if err != nil {
			fmt.Fprintf(stderr, "fieldwall serve: %v\n", err)
			return exitUsage
		}
	}
	e, err := engine.New(cfg.engine)
	if err != nil {
		fmt.Fprintf(stderr, "fieldwall serve: invalid engine configuration: %v\n", err)
		return exitUsage
	}

	proxy := newReverseProxy(target, logger)
	opts := cfg.middleware
	opts.Engine = e
	opts.Logger = logger
	mw, err := nethttp.New(proxy, opts)
	if err != nil {
		fmt.Fprintf(stderr, "fieldwall serve: %v\n", err)
		return exitUsage
	}

	servers, err := listenAll(logger, *listen, *metricsListen, mw)
	if err != nil {
		logger.Error("listen failed", "error", err)
		return 1
	}
	return runServers(ctx, logger, servers, target)
}

// parseUpstream checks the --upstream URL: http or https with a host.
func parseUpstream(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("missing --upstream: give the URL of the server to protect, such as http://127.0.0.1:3000")
	}
	target, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid --upstream %q: %v", raw, err)
	}
	if target.Scheme != "http" && target.Scheme != "https" || target.Host == "" {
		return nil, fmt.Errorf("invalid --upstream %q: use an absolute http:// or https:// URL with a host", raw)
	}
	return target, nil
}

// newReverseProxy returns a proxy to target that sets the X-Forwarded
// headers and responds 502 with a problem document when the upstream fails.
func newReverseProxy(target *url.URL, logger *slog.Logger) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			level := slog.LevelError
			if errors.Is(err, context.Canceled) {
				// The client went away; the upstream is fine.
				level = slog.LevelWarn
			}
			logger.LogAttrs(r.Context(), level, "upstream request failed",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, `{"type":"about:blank","title":"Bad Gateway","status":502,"detail":"The upstream server could not be reached."}`)
		},
	}
}

// namedServer is a server with its listener and a name for log records.
type namedServer struct {
	name     string
	server   *http.Server
	listener net.Listener
}

// listenAll opens the proxy listener and, when metricsAddr is set, the
// metrics listener. Listening before serving lets a port already in use fail
// at start-up, and lets port 0 be logged as the port that was chosen.
func listenAll(logger *slog.Logger, addr, metricsAddr string, mw *nethttp.Middleware) ([]namedServer, error) {
	newServer := func(h http.Handler) *http.Server {
		return &http.Server{
			Handler:           h,
			ReadHeaderTimeout: readHeaderTimeout,
			IdleTimeout:       idleTimeout,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--listen %s: %w", addr, err)
	}
	servers := []namedServer{{name: "proxy", server: newServer(mw), listener: ln}}
	if metricsAddr != "" {
		mln, err := net.Listen("tcp", metricsAddr)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("--metrics-listen %s: %w", metricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", mw.Metrics().Handler())
		servers = append(servers, namedServer{name: "metrics", server: newServer(mux), listener: mln})
	}
	return servers, nil
}

// runServers serves until ctx is done or a server fails, then shuts every
// server down gracefully and returns the exit status.
func runServers(ctx context.Context, logger *slog.Logger, servers []namedServer, target *url.URL) int {
	failed := make(chan error, len(servers))
	for _, s := range servers {
		logger.Info("listening", "server", s.name, "addr", s.listener.Addr().String(), "upstream", target.Redacted())
		go func() {
			if err := s.server.Serve(s.listener); !errors.Is(err, http.ErrServerClosed) {
				failed <- fmt.Errorf("%s server: %w", s.name, err)
			}
		}()
	}

	status := exitOK
	select {
	case <-ctx.Done():
		logger.Info("shutting down", "timeout", shutdownTimeout.String())
	case err := <-failed:
		logger.Error("server failed, shutting down", "error", err)
		status = 1
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	for _, s := range servers {
		if err := s.server.Shutdown(shutdownCtx); err != nil {
			logger.Error("graceful shutdown failed, closing connections", "server", s.name, "error", err)
			s.server.Close()
			status = 1
		}
	}
	logger.Info("stopped")
	return status
}

// loadServeConfig reads a serve --config file. Unknown keys are errors, as
// for the other commands; relative rule_files paths are resolved against the
// config file's directory.
func loadServeConfig(name string) (serveConfig, error) {
	data, err := readConfigFile(name)
	if err != nil {
		return serveConfig{}, err
	}
	var fc serveFileConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return serveConfig{}, fmt.Errorf("config %s: %s", jsonErrorPosition(name, data, err), jsonErrorText(err))
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return serveConfig{}, fmt.Errorf("config %s: data after the JSON object: a config file contains one object", name)
	}

	cfg := serveConfig{engine: fc.Config}
	for _, ruleFile := range fc.RuleFiles {
		if ruleFile == "" {
			return serveConfig{}, fmt.Errorf("config %s: rule_files contains an empty path", name)
		}
		if !filepath.IsAbs(ruleFile) {
			ruleFile = filepath.Join(filepath.Dir(name), ruleFile)
		}
		loaded, err := rules.LoadFile(ruleFile)
		if err != nil {
			return serveConfig{}, fmt.Errorf("config %s: rule_files: %w", name, err)
		}
		cfg.engine.ExtraRules = append(cfg.engine.ExtraRules, loaded...)
	}

	switch strings.ToLower(fc.Mode) {
	case "", "block":
	case "detect":
		cfg.middleware.DetectOnly = true
	default:
		return serveConfig{}, fmt.Errorf("config %s: invalid mode %q: use \"block\" or \"detect\"", name, fc.Mode)
	}
	cfg.middleware.OversizedBody = nethttp.OversizePolicy(fc.OversizedBody)
	switch cfg.middleware.OversizedBody {
	case "", nethttp.OversizeBlock, nethttp.OversizeInspectPrefix:
	default:
		return serveConfig{}, fmt.Errorf("config %s: invalid oversized_body %q: use %q or %q",
			name, fc.OversizedBody, nethttp.OversizeBlock, nethttp.OversizeInspectPrefix)
	}
	if fc.BlockStatus != 0 && (fc.BlockStatus < 400 || fc.BlockStatus > 599) {
		return serveConfig{}, fmt.Errorf("config %s: invalid block_status %d: use 400 to 599", name, fc.BlockStatus)
	}
	cfg.middleware.BlockStatus = fc.BlockStatus
	return cfg, nil
}

// serveUsageError prints message for an invalid serve command line and
// returns 2.
func serveUsageError(stderr io.Writer, message string) int {
	fmt.Fprintf(stderr, "fieldwall serve: %s\nRun 'fieldwall serve -h' for usage.\n", message)
	return exitUsage
}
