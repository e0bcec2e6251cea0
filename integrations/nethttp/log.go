package nethttp

import (
	"log/slog"
	"net/http"

	"github.com/fieldwall/fieldwall/engine"
)

// observe reports a decision to the host's hook, or to the built-in metrics
// and logger.
func (m *Middleware) observe(r *http.Request, d *Decision) {
	if m.opts.Observe != nil {
		d.setEventID()
		// The hook gets a copy, so that d itself stays on the stack of
		// Handle when no hook is set.
		observed := *d
		m.opts.Observe(r, &observed)
		return
	}
	m.metrics.Record(d)
	m.log(r, d)
}

// LogLevel returns the level and message of the log record for d: Warn for
// blocks, detect-only hits and unreadable bodies, Info for allowed requests
// with findings, Debug for clean requests. Adapters with another logger map
// the level to theirs, so that every adapter logs a decision alike.
func LogLevel(d *Decision) (slog.Level, string) {
	switch {
	case d.Err != nil:
		// Mostly clients that hung up or sent a body past a limit set
		// further out, so Warn rather than Error.
		return slog.LevelWarn, "request body unreadable, request rejected"
	case d.Action == engine.ActionBlock:
		return slog.LevelWarn, "request blocked"
	case d.Action == engine.ActionLog:
		return slog.LevelWarn, "request would be blocked, passed on in detect-only mode"
	case len(d.Verdict.Findings) > 0:
		return slog.LevelInfo, "request allowed"
	}
	return slog.LevelDebug, "request allowed"
}

// log writes one record per decision, at the level of LogLevel.
func (m *Middleware) log(r *http.Request, d *Decision) {
	level, msg := LogLevel(d)
	ctx := r.Context()
	if !m.logger.Enabled(ctx, level) {
		return
	}
	d.setEventID()
	m.logger.LogAttrs(ctx, level, msg, DecisionAttrs(r, d)...)
}

// DecisionAttrs returns the log attributes of a decision: event_id, method,
// path (the URL path without the query string), action, rule_ids, classes,
// score (the highest class score), and status, oversized and error when they
// apply. They never include a header, a cookie, the query string, the body or
// a finding's evidence, because those can hold credentials and personal data.
func DecisionAttrs(r *http.Request, d *Decision) []slog.Attr {
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("event_id", d.EventID),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("action", string(d.Action)),
		slog.Any("rule_ids", d.Verdict.RuleIDs()),
		slog.Any("classes", d.Verdict.Classes()),
		slog.Int("score", MaxScore(&d.Verdict)),
	)
	if d.Status != 0 {
		attrs = append(attrs, slog.Int("status", d.Status))
	}
	if d.Oversized {
		attrs = append(attrs, slog.Bool("oversized", true))
	}
	if d.Err != nil {
		attrs = append(attrs, slog.String("error", d.Err.Error()))
	}
	return attrs
}

// MaxScore returns the highest anomaly score of any class, the score that the
// engine compares with its threshold.
func MaxScore(v *engine.Verdict) int {
	max := 0
	for _, s := range v.Scores {
		if s > max {
			max = s
		}
	}
	return max
}
