package engine

import (
	"net/http"
	"sync/atomic"
)

// Live is an engine that can be replaced while requests are inspected, for
// rule or configuration reloads. Each Inspect call uses one complete engine:
// Reload compiles the new configuration first and swaps it in with one
// atomic store, so no request is inspected with a half-built rule set.
type Live struct {
	current atomic.Pointer[Engine]
}

// NewLive compiles cfg and returns a Live engine that uses it.
func NewLive(cfg Config) (*Live, error) {
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	l := &Live{}
	l.current.Store(e)
	return l, nil
}

// Engine returns the engine in use now.
func (l *Live) Engine() *Engine { return l.current.Load() }

// Reload compiles cfg and, when that succeeds, makes it the engine in use.
// On error the engine in use is kept and the error is returned.
func (l *Live) Reload(cfg Config) error {
	e, err := New(cfg)
	if err != nil {
		return err
	}
	l.current.Store(e)
	return nil
}

// Inspect inspects req with the engine in use.
func (l *Live) Inspect(req *Request) Verdict { return l.current.Load().Inspect(req) }

// InspectHTTP inspects r with the engine in use; see Engine.InspectHTTP.
func (l *Live) InspectHTTP(r *http.Request) (Verdict, error) {
	return l.current.Load().InspectHTTP(r)
}
