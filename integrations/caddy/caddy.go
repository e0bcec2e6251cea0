// Package caddy is fieldwall's Caddy v2 module: the HTTP handler
// http.handlers.fieldwall and its Caddyfile directive, fieldwall. The handler
// inspects each request with the fieldwall engine and blocks it with an RFC
// 9457 problem response or passes it on with the body intact. Decisions are
// logged through Caddy's logger, counted in Caddy's metrics registry and
// exposed to later handlers as the variables fieldwall.event_id,
// fieldwall.action, fieldwall.score and fieldwall.rule_ids.
//
// Build Caddy with the module by importing this package next to Caddy's
// standard modules (see cmd/caddy-fieldwall), or with
//
//	xcaddy build --with github.com/fieldwall/fieldwall/integrations/caddy
package caddy

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/graphql"
	"github.com/fieldwall/fieldwall/integrations/nethttp"
	"github.com/fieldwall/fieldwall/rules"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler is the http.handlers.fieldwall module. It inspects every request it
// handles and either responds with a problem document or calls the next
// handler with the request body unchanged. Every field is optional: an empty
// handler blocks with the built-in rules at paranoia level 1.
type Handler struct {
	// Mode is "block" (the default) to block requests whose anomaly score
	// reaches the threshold, or "detect" to log and count them and pass
	// them on.
	Mode string `json:"mode,omitempty"`

	// Paranoia is the highest rule paranoia level that runs, 1 to 4.
	// Higher levels catch more attacks and block more benign traffic.
	// Default: 1.
	Paranoia int `json:"paranoia,omitempty"`

	// Threshold is the anomaly score at which one attack class blocks the
	// request. A critical finding scores 5, error 4, warning 3, notice 2.
	// Default: 5, so one critical finding blocks.
	Threshold int `json:"threshold,omitempty"`

	// Limits bound the work on one request: max_body_bytes (default 8 MiB),
	// max_depth (64), max_fields (100000), max_key_bytes (1024),
	// max_value_bytes (1 MiB), max_parts (1000) and max_number_bytes
	// (1000). A request over a limit
	// gets a finding of class "limit", which blocks. max_body_bytes is also
	// the number of body bytes read before the request is passed on.
	Limits engine.Limits `json:"limits,omitempty"`

	// OversizedBody is the policy for a body larger than max_body_bytes:
	// "block" (the default) responds 413 without inspection;
	// "inspect-prefix" inspects the first max_body_bytes bytes and lets the
	// verdict decide. The engine reports the cut as rule "limit-body",
	// which blocks unless listed in disabled_rules.
	OversizedBody string `json:"oversized_body,omitempty"`

	// BlockStatus is the HTTP status of a blocked request's response, 400
	// to 599. Default: 403.
	BlockStatus int `json:"block_status,omitempty"`

	// DisabledRules lists rule ids that never run, for example
	// ["sqli-libinjection"]. `fieldwall rules` lists the ids.
	DisabledRules []string `json:"disabled_rules,omitempty"`

	// Exclusions switch rules or classes off for some request paths and
	// fields, the way CRS exclusion rules do. Each exclusion has "path"
	// (a pattern for the URL path, '*' matches any run of characters),
	// "field" (a pattern for "location:path" such as "body:user.bio"),
	// "rules" (rule ids) and "classes" (attack classes such as "sqli").
	// Empty rules and classes together mean every rule.
	Exclusions []engine.Exclusion `json:"exclusions,omitempty"`

	// Headers lists the request headers whose values are inspected.
	// Default: User-Agent, Referer, X-Forwarded-For, X-Forwarded-Host,
	// X-Real-IP, X-Original-URL, X-Rewrite-URL, Forwarded, Origin,
	// X-Api-Version and X-Request-ID. Cookies are always inspected.
	Headers []string `json:"headers,omitempty"`

	// RuleFiles lists fieldwall rule files whose rules are added to the
	// built-in rules.
	RuleFiles []string `json:"rule_files,omitempty"`

	// FailOpen lets a request through when its inspection could not finish
	// (a limit hit, a body that does not parse, an internal error): such
	// findings are logged but do not block. Other findings still block.
	// Default: false, which blocks what was not inspected in full.
	FailOpen bool `json:"fail_open,omitempty"`

	// GraphQL configures GraphQL detection: "endpoints" (path suffixes of
	// GraphQL endpoints, default /graphql, /gql and /graphiql), document
	// limits such as "max_depth" (20), "max_aliases" (30), "max_tokens"
	// (10000), "max_cost" (5000000), "max_batch" (10), and the switches
	// "allow_introspection", "allow_federation", "allow_mutation_over_get"
	// and "allow_simple_requests". Every key is described in fieldwall's
	// graphql.Options.
	GraphQL *graphql.Options `json:"graphql,omitempty"`

	middleware *nethttp.Middleware
	logger     *zap.Logger
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.fieldwall",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision compiles the rules into an engine and registers the metrics in
// the context's registry.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()

	cfg := engine.Config{
		Paranoia:      h.Paranoia,
		Threshold:     h.Threshold,
		Limits:        h.Limits,
		DisabledRules: h.DisabledRules,
		Exclusions:    h.Exclusions,
		Headers:       h.Headers,
		FailOpen:      h.FailOpen,
	}
	if h.GraphQL != nil {
		cfg.GraphQL = *h.GraphQL
	}
	for _, name := range h.RuleFiles {
		loaded, err := rules.LoadFile(name)
		if err != nil {
			return fmt.Errorf("fieldwall: rule_files: %w", err)
		}
		cfg.ExtraRules = append(cfg.ExtraRules, loaded...)
	}
	e, err := engine.New(cfg)
	if err != nil {
		return fmt.Errorf("fieldwall: %w", err)
	}

	metrics, err := registerMetrics(ctx.GetMetricsRegistry())
	if err != nil {
		return fmt.Errorf("fieldwall: register metrics: %w", err)
	}
	observer := &observer{logger: h.logger, metrics: metrics}
	h.middleware, err = nethttp.New(nil, nethttp.Options{
		Engine:        e,
		DetectOnly:    strings.EqualFold(h.Mode, "detect"),
		OversizedBody: nethttp.OversizePolicy(h.OversizedBody),
		BlockStatus:   h.BlockStatus,
		Observe:       observer.observe,
	})
	if err != nil {
		return fmt.Errorf("fieldwall: %w", err)
	}
	h.logger.Info("fieldwall handler provisioned",
		zap.String("mode", h.modeName()),
		zap.Int("rules", len(e.Rules())),
		zap.Int("max_body_bytes", e.Limits().MaxBodyBytes))
	return nil
}

func (h *Handler) modeName() string {
	if strings.EqualFold(h.Mode, "detect") {
		return "detect"
	}
	return "block"
}

// Validate checks the settings that do not need provisioning.
func (h *Handler) Validate() error {
	var errs []error
	switch strings.ToLower(h.Mode) {
	case "", "block", "detect":
	default:
		errs = append(errs, fmt.Errorf("invalid mode %q: use \"block\" or \"detect\"", h.Mode))
	}
	switch nethttp.OversizePolicy(h.OversizedBody) {
	case "", nethttp.OversizeBlock, nethttp.OversizeInspectPrefix:
	default:
		errs = append(errs, fmt.Errorf("invalid oversized_body %q: use %q or %q",
			h.OversizedBody, nethttp.OversizeBlock, nethttp.OversizeInspectPrefix))
	}
	if h.BlockStatus != 0 && (h.BlockStatus < 400 || h.BlockStatus > 599) {
		errs = append(errs, fmt.Errorf("invalid block_status %d: use 400 to 599", h.BlockStatus))
	}
	if h.Paranoia < 0 || h.Paranoia > 4 {
		errs = append(errs, fmt.Errorf("invalid paranoia %d: use 1 to 4", h.Paranoia))
	}
	if h.Threshold < 0 {
		errs = append(errs, fmt.Errorf("invalid threshold %d: use a positive anomaly score", h.Threshold))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("fieldwall: %w", err)
	}
	return nil
}

// Cleanup runs when Caddy unloads the configuration. The handler holds no
// files, connections or goroutines: the engine is memory only and is freed
// with the handler, so Cleanup only records the unload.
func (h *Handler) Cleanup() error {
	if h.logger != nil {
		h.logger.Debug("fieldwall handler unloaded")
	}
	return nil
}

// ServeHTTP inspects r and either writes the blocked response or calls next.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	var nextErr error
	h.middleware.Handle(w, r, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nextErr = next.ServeHTTP(w, r)
	}))
	return nextErr
}

// observer logs decisions through Caddy's logger, counts them in Caddy's
// metrics registry and sets request variables for later handlers.
type observer struct {
	logger  *zap.Logger
	metrics *metrics
}

func (o *observer) observe(r *http.Request, d *nethttp.Decision) {
	o.metrics.record(d)

	caddyhttp.SetVar(r.Context(), "fieldwall.event_id", d.EventID)
	caddyhttp.SetVar(r.Context(), "fieldwall.action", string(d.Action))
	caddyhttp.SetVar(r.Context(), "fieldwall.score", nethttp.MaxScore(&d.Verdict))
	caddyhttp.SetVar(r.Context(), "fieldwall.rule_ids", strings.Join(d.Verdict.RuleIDs(), " "))

	slogLevel, msg := nethttp.LogLevel(d)
	level := zapcore.DebugLevel
	switch {
	case slogLevel >= slog.LevelWarn:
		level = zapcore.WarnLevel
	case slogLevel >= slog.LevelInfo:
		level = zapcore.InfoLevel
	}
	ce := o.logger.Check(level, msg)
	if ce == nil {
		return
	}
	// The same fields as the net/http middleware logs: never a header, a
	// cookie, the query string, the body or a finding's evidence.
	fields := []zap.Field{
		zap.String("event_id", d.EventID),
		zap.String("method", r.Method),
		zap.String("path", r.URL.Path),
		zap.String("action", string(d.Action)),
		zap.Strings("rule_ids", d.Verdict.RuleIDs()),
		zap.Strings("classes", d.Verdict.Classes()),
		zap.Int("score", nethttp.MaxScore(&d.Verdict)),
	}
	if d.Status != 0 {
		fields = append(fields, zap.Int("status", d.Status))
	}
	if d.Oversized {
		fields = append(fields, zap.Bool("oversized", true))
	}
	if d.Err != nil {
		fields = append(fields, zap.Error(d.Err))
	}
	ce.Write(fields...)
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ caddyfile.Unmarshaler       = (*Handler)(nil)
)
