package engine_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/engine"
)

func TestLiveReloadUnderLoad(t *testing.T) {
	// Config A blocks a MongoDB operator key; config B disables that rule.
	// Every verdict must come from one of the two whole configurations.
	configA := engine.Config{}
	configB := engine.Config{DisabledRules: []string{"nosqli-operator-key"}}
	live, err := engine.NewLive(configA)
	require.NoError(t, err)

	req := jsonRequest("/api/login", `{"user":"a","pass":{"$ne":null}}`)
	var blocked, allowed, inconsistent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				v := live.Inspect(req)
				switch {
				case v.Blocked() && len(v.Findings) == 1 && v.Findings[0].RuleID == "nosqli-operator-key":
					blocked.Add(1)
				case !v.Blocked() && len(v.Findings) == 0:
					allowed.Add(1)
				default:
					inconsistent.Add(1)
				}
			}
		}()
	}
	for i := 0; i < 50; i++ {
		cfg := configA
		if i%2 == 1 {
			cfg = configB
		}
		require.NoError(t, live.Reload(cfg))
	}
	close(stop)
	wg.Wait()

	assert.Zero(t, inconsistent.Load(), "verdicts from a half-built rule set")
	assert.Positive(t, blocked.Load()+allowed.Load())
}

func TestLiveReloadErrorKeepsEngine(t *testing.T) {
	live, err := engine.NewLive(engine.Config{})
	require.NoError(t, err)
	before := live.Engine()
	err = live.Reload(engine.Config{Paranoia: 9})
	require.Error(t, err)
	assert.Same(t, before, live.Engine())
	assert.True(t, live.Inspect(jsonRequest("/x", `{"q":"1' OR '1'='1"}`)).Blocked())
}
