package engine_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/internal/hostile"
)

func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile inputs allocate hundreds of megabytes in total; run without -short")
	}
	e := newEngine(t, engine.Config{})
	cases := hostile.Cases()
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			v := e.Inspect(tc.Request())
			if tc.Rule == "" {
				// A flood of ordinary headers is no attack: it must finish and
				// allow.
				assert.Equal(t, engine.ActionAllow, v.Action, "rules %v", v.RuleIDs())
				return
			}
			assert.Contains(t, v.RuleIDs(), tc.Rule)
			if strings.HasPrefix(tc.Rule, "limit-") || strings.HasPrefix(tc.Rule, "parser-") && tc.Rule != "parser-byte-order-mark" {
				assert.Equal(t, engine.ActionBlock, v.Action, "a limit or parser finding blocks by default")
			}
			assert.LessOrEqual(t, len(v.Findings), 200, "findings stay bounded")
		})
	}
}
