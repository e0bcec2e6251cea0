// Package nethttp is fieldwall's middleware for net/http. It reads a
// request's body, inspects the request with an [engine.Engine], and either
// responds with an RFC 9457 problem document or passes the request on with
// its body intact.
//
// The middleware holds no detection logic: the engine's verdict decides, and
// the middleware only turns it into a response, a log record and metrics.
// A Middleware is safe for concurrent use.
package nethttp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/fieldwall/fieldwall/engine"
)

// OversizePolicy is the handling of a request body larger than the engine's
// body limit (engine.Limits.MaxBodyBytes).
type OversizePolicy string

// The policies for bodies over the limit.
const (
	// OversizeBlock rejects the request with 413 Content Too Large without
	// inspecting it. It is the default.
	OversizeBlock OversizePolicy = "block"
	// OversizeInspectPrefix inspects the first MaxBodyBytes bytes. The engine
	// reports the cut as a finding of rule "limit-body" (class "limit"), and
	// the verdict decides. With the built-in rules that finding blocks, so
	// list "limit-body" in engine.Config.DisabledRules to let large bodies
	// through once their prefix is clean. A JSON body cut at the limit does
	// not parse, so the engine also reports it as malformed JSON: the prefix
	// policy suits form, multipart and raw bodies best.
	OversizeInspectPrefix OversizePolicy = "inspect-prefix"
)

// Options configure a Middleware. Engine is required; every other field has
// a default.
type Options struct {
	// Engine inspects the requests. Its Limits().MaxBodyBytes is the number
	// of body bytes read before the request is passed on.
	Engine *engine.Engine

	// DetectOnly logs and counts decisions and passes on every request whose
	// body could be read: a request that the verdict or the oversize policy
	// would block is passed on with action "log".
	DetectOnly bool

	// OversizedBody is the policy for bodies over the body limit. Empty
	// means OversizeBlock.
	OversizedBody OversizePolicy

	// BlockStatus is the status of a blocked request's response, 400 to 599.
	// Zero means 403 Forbidden.
	BlockStatus int
	// BlockProblem is the body of a blocked request's response. Empty
	// fields take defaults: type "about:blank", the status text as title,
	// and a detail that names no rule.
	BlockProblem Problem

	// Logger receives one record per decision. Nil means slog.Default().
	// Records carry the event id, method, URL path, action, rule ids,
	// classes and score, and never a header, a cookie, the query string or
	// the body.
	Logger *slog.Logger
	// Metrics counts the decisions. Nil means a new Metrics, which
	// Middleware.Metrics returns.
	Metrics *Metrics

	// Observe, when set, is called with every decision before the response
	// is written, in place of the built-in logging and metrics. Hosts with
	// their own logger and metrics registry use it. It must not keep d.
	Observe func(r *http.Request, d *Decision)
}

// Decision is the middleware's outcome for one request.
type Decision struct {
	// EventID identifies the decision in logs and in the blocked response.
	// It is set for every decision passed to Options.Observe, logged or
	// blocked.
	EventID string
	// Action is allow, log or block. It differs from Verdict.Action in
	// detect-only mode, for oversized bodies and for unreadable bodies.
	Action  engine.Action
	Verdict engine.Verdict
	// Status is the response status the middleware sent, or 0 when the
	// request was passed on.
	Status int
	// Oversized reports a body larger than the body limit.
	Oversized bool
	// Duration is the time Engine.Inspect took. It is 0 when the request
	// was not inspected.
	Duration time.Duration
	// Err is the error that stopped inspection, such as a failed body read.
	Err error
}

// Middleware inspects requests before passing them to the next handler.
type Middleware struct {
	next    http.Handler
	engine  *engine.Engine
	maxBody int64
	opts    Options
	logger  *slog.Logger
	metrics *Metrics
}

// New returns the middleware in front of next. It returns an error for a
// missing engine, a block status outside 400 to 599 or an unknown policy.
func New(next http.Handler, opts Options) (*Middleware, error) {
	if opts.Engine == nil {
		return nil, errors.New("nethttp: missing engine: set Options.Engine")
	}
	if opts.BlockStatus == 0 {
		opts.BlockStatus = http.StatusForbidden
	}
	if opts.BlockStatus < 400 || opts.BlockStatus > 599 {
		return nil, fmt.Errorf("nethttp: invalid block status %d: use 400 to 599", opts.BlockStatus)
	}
	switch opts.OversizedBody {
	case "":
		opts.OversizedBody = OversizeBlock
	case OversizeBlock, OversizeInspectPrefix:
	default:
		return nil, fmt.Errorf("nethttp: invalid oversized body policy %q: use %q or %q",
			opts.OversizedBody, OversizeBlock, OversizeInspectPrefix)
	}
	m := &Middleware{
		next:    next,
		engine:  opts.Engine,
		maxBody: int64(opts.Engine.Limits().MaxBodyBytes),
		opts:    opts,
		logger:  opts.Logger,
		metrics: opts.Metrics,
	}
	if m.logger == nil {
		m.logger = slog.Default()
	}
	if m.metrics == nil {
		m.metrics = NewMetrics()
	}
	return m, nil
}

// Metrics returns the metrics the middleware counts into.
func (m *Middleware) Metrics() *Metrics { return m.metrics }

// ServeHTTP inspects r and blocks it or passes it to the next handler.
func (m *Middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.Handle(w, r, m.next)
}

// Handle inspects r and blocks it or passes it to next instead of the
// handler given to New. Hosts whose next handler changes per request, such
// as Caddy, call it directly.
func (m *Middleware) Handle(w http.ResponseWriter, r *http.Request, next http.Handler) {
	// The event id is made when the decision is logged or observed or a
	// problem document is sent, so clean requests cost no id.
	d := Decision{Action: engine.ActionAllow}

	body, err := m.readBody(r)
	switch {
	case err != nil:
		d.Err = err
		d.Action = engine.ActionBlock
		d.Status = http.StatusBadRequest
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			d.Status = http.StatusRequestEntityTooLarge
		}
	case int64(len(body)) > m.maxBody && m.opts.OversizedBody == OversizeBlock:
		d.Oversized = true
		d.Action = engine.ActionBlock
		d.Status = http.StatusRequestEntityTooLarge
	default:
		d.Oversized = int64(len(body)) > m.maxBody
		m.inspect(r, body, &d)
	}
	if d.Action == engine.ActionBlock && m.opts.DetectOnly && d.Err == nil {
		d.Action = engine.ActionLog
		d.Status = 0
	}

	m.observe(r, &d)
	if d.Status != 0 {
		m.writeBlocked(w, &d)
		return
	}
	next.ServeHTTP(w, r)
}

// inspect runs the engine and fills d from the verdict.
func (m *Middleware) inspect(r *http.Request, body []byte, d *Decision) {
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	req := engine.Request{Method: r.Method, Target: target, Header: r.Header, Body: body}

	start := time.Now()
	d.Verdict = m.engine.Inspect(&req)
	d.Duration = time.Since(start)

	d.Action = d.Verdict.Action
	if d.Action == engine.ActionBlock {
		d.Status = m.opts.BlockStatus
	}
}

// readBody reads up to the body limit plus one byte, so that a larger body is
// recognised, and puts the body back so that the next handler reads every
// byte the client sent, in order. A request without a body returns nil.
func (m *Middleware) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	limit := m.maxBody + 1
	size := limit
	if r.ContentLength >= 0 && r.ContentLength < size {
		// One byte more than announced lets the read see EOF without
		// growing the buffer.
		size = r.ContentLength + 1
	}
	body, err := readAtMost(r.Body, limit, size)
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}

	replay := &replayBody{original: r.Body}
	replay.prefix.Reset(body)
	replay.unread = int64(len(body)) == limit
	r.Body = replay
	return body, nil
}

// readAtMost reads from r until EOF or until limit bytes were read, into a
// buffer of initial capacity size that doubles as needed. Unlike io.ReadAll
// and bytes.Buffer it does not grow a buffer that already fits the body.
func readAtMost(r io.Reader, limit, size int64) ([]byte, error) {
	buf := make([]byte, 0, max(min(size, limit), 1))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= limit {
				return buf, nil
			}
			grown := min(max(2*int64(cap(buf)), 4096), limit)
			buf = append(buf, make([]byte, grown-int64(len(buf)))...)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// replayBody returns the bytes read for inspection, then whatever the
// original body still holds, and closes the original body. It is one
// allocation per request where a MultiReader over a bytes.Reader would be
// three.
type replayBody struct {
	prefix   bytes.Reader
	original io.ReadCloser
	// unread is true when the read for inspection stopped at the limit, so
	// the original body may hold more bytes.
	unread bool
}

func (b *replayBody) Read(p []byte) (int, error) {
	if b.prefix.Len() > 0 {
		return b.prefix.Read(p)
	}
	if b.unread {
		return b.original.Read(p)
	}
	return 0, io.EOF
}

func (b *replayBody) Close() error { return b.original.Close() }

// setEventID gives d an event id unless it has one.
func (d *Decision) setEventID() {
	if d.EventID == "" {
		d.EventID = newEventID()
	}
}

// newEventID returns 16 hex digits. Event ids link a log record to the
// response a client reports; they are not secrets, so math/rand suffices.
func newEventID() string {
	const digits = "0123456789abcdef"
	var id [16]byte
	n := rand.Uint64()
	for i := len(id) - 1; i >= 0; i-- {
		id[i] = digits[n&0xf]
		n >>= 4
	}
	return string(id[:])
}
