package nethttp

import (
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fieldwall/fieldwall/engine"
)

func TestLogLevelOfDecisions(t *testing.T) {
	finding := engine.Verdict{Findings: []engine.Finding{{RuleID: "r"}}}
	cases := []struct {
		name     string
		decision Decision
		level    slog.Level
		message  string
	}{
		{"clean", Decision{Action: engine.ActionAllow}, slog.LevelDebug, "request allowed"},
		{"allowed with findings", Decision{Action: engine.ActionAllow, Verdict: finding}, slog.LevelInfo, "request allowed"},
		{"detect only", Decision{Action: engine.ActionLog, Verdict: finding}, slog.LevelWarn, "request would be blocked, passed on in detect-only mode"},
		{"blocked", Decision{Action: engine.ActionBlock, Verdict: finding}, slog.LevelWarn, "request blocked"},
		{"unreadable body", Decision{Action: engine.ActionBlock, Err: errors.New("unexpected EOF")}, slog.LevelWarn, "request body unreadable, request rejected"},
	}
	for _, tc := range cases {
		level, message := LogLevel(&tc.decision)
		assert.Equal(t, tc.level, level, tc.name)
		assert.Equal(t, tc.message, message, tc.name)
	}
}
