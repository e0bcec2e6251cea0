// Package engine inspects HTTP API requests. An Engine compiles its rules
// once and is then safe for concurrent use: Inspect parses a request into
// fields, normalizes each value, runs the rules and scores the findings into
// a Verdict. The engine does not log; adapters log what it returns.
package engine

import (
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync"

	"github.com/fieldwall/fieldwall/graphql"
	"github.com/fieldwall/fieldwall/parsers"
	"github.com/fieldwall/fieldwall/rules"
)

// Request is one HTTP request as the engine reads it.
type Request struct {
	Method string
	// Target is the raw request-target as sent: path and query, still
	// percent-encoded, or an absolute URL.
	Target string
	Header http.Header
	// Body is the request body. Inspect does not modify or retain it.
	Body []byte
}

// Engine is a compiled configuration. It is immutable and safe for
// concurrent use.
type Engine struct {
	program *rules.Program
	graphql *graphql.Inspector
	config  Config
	limits  Limits
	// parserLimits are the parser-level part of limits, set once in New.
	parserLimits parsers.Limits
	threshold    int
	headers      []string
	exclusions   []Exclusion
	pool         sync.Pool
}

// New compiles cfg into an engine. It returns an error for an invalid
// configuration or rule set, never a partial engine.
func New(cfg Config) (*Engine, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	all := cfg.Rules
	if all == nil {
		builtin, err := rules.Builtin()
		if err != nil {
			return nil, err
		}
		all = builtin
	}
	all = append(all[:len(all):len(all)], cfg.ExtraRules...)

	paranoia := cfg.Paranoia
	if paranoia == 0 {
		paranoia = 1
	}
	disabled := make(map[string]bool, len(cfg.DisabledRules))
	for _, id := range cfg.DisabledRules {
		disabled[id] = true
	}
	active := make([]*rules.Rule, 0, len(all))
	for _, r := range all {
		if r.Paranoia <= paranoia && !disabled[r.ID] {
			active = append(active, r)
		}
	}
	program, err := rules.Compile(active)
	if err != nil {
		return nil, err
	}

	e := &Engine{
		program:    program,
		config:     cfg,
		limits:     cfg.Limits.withDefaults(),
		threshold:  cfg.Threshold,
		exclusions: cfg.Exclusions,
		graphql:    graphql.NewInspector(cfg.GraphQL),
	}
	e.parserLimits = parsers.Limits{
		MaxDepth:       e.limits.MaxDepth,
		MaxFields:      e.limits.MaxFields,
		MaxKeyBytes:    e.limits.MaxKeyBytes,
		MaxValueBytes:  e.limits.MaxValueBytes,
		MaxParts:       e.limits.MaxParts,
		MaxNumberBytes: e.limits.MaxNumberBytes,
	}
	if e.threshold == 0 {
		e.threshold = rules.Critical.Score()
	}
	headers := cfg.Headers
	if headers == nil {
		headers = DefaultHeaders
	}
	// Canonical names let parse index http.Header directly; Header.Values
	// would canonicalize, and allocate, on every request.
	e.headers = make([]string, len(headers))
	for i, name := range headers {
		e.headers[i] = textproto.CanonicalMIMEHeaderKey(name)
	}
	e.pool.New = func() any {
		st := &state{seen: make([]uint32, len(active))}
		st.sink = fieldSink{e: e, st: st}
		st.doc.SetSink(&st.sink)
		return st
	}
	return e, nil
}

// Rules returns the rules the engine runs, after the paranoia level and
// disabled rules were applied. The caller must not modify them.
func (e *Engine) Rules() []*rules.Rule { return e.program.Rules() }

// Limits returns the limits in force.
func (e *Engine) Limits() Limits { return e.limits }

// state is the per-request scratch space, pooled and reset between requests.
type state struct {
	doc        parsers.Document
	norm       normalizer
	candidates []int32
	hits       []int
	// seen[i] == generation marks rule i as already tried on this field.
	seen       []uint32
	generation uint32
	findings   []Finding
	scores     []int // the anomaly score of each finding, in step with findings
	path       string
	input      rules.Input
	graphql    graphql.Request
	sink       fieldSink
	// cleanKeys and cleanValues remember clean keys and values of the
	// request: see cleanMemo.
	cleanKeys   cleanMemo
	cleanValues cleanMemo
	// fieldFn, when set, receives the fields in place of inspection: see
	// Engine.Fields.
	fieldFn func(f *parsers.Field)
}

// fieldSink inspects each field while the parsers produce it, so that no
// field list is built. A 1 MB JSON body has about 100,000 fields, and writing
// them and their paths out and reading them back cost more than inspecting
// them.
type fieldSink struct {
	e  *Engine
	st *state
}

func (s *fieldSink) Field(f *parsers.Field) {
	if s.st.fieldFn != nil {
		s.st.fieldFn(f)
		return
	}
	s.e.inspectField(s.st, f)
}

// Bounds above which a state's buffers are dropped rather than pooled.
// maxPooledDocumentBytes bounds the document's anomaly list and path arena,
// which only a body full of anomalies (a flood of duplicate keys) grows: the
// fields themselves are inspected as they are parsed and not kept.
// maxPooledBytes bounds each per-value buffer: values are a few kilobytes in
// typical API traffic.
const (
	maxPooledDocumentBytes = 16 << 20
	maxPooledFindings      = 4096
	maxPooledBytes         = 256 << 10
)

// oversized reports whether the state grew past what is worth pooling.
func (st *state) oversized() bool {
	n := &st.norm
	return st.doc.RetainedBytes() > maxPooledDocumentBytes || cap(st.findings) > maxPooledFindings ||
		cap(n.decodeBuf) > maxPooledBytes || cap(n.scratch) > maxPooledBytes ||
		cap(n.lowerBuf) > maxPooledBytes || cap(n.foldedBuf) > maxPooledBytes || cap(n.rawLowerBuf) > maxPooledBytes ||
		cap(n.matchFoldedBuf) > maxPooledBytes
}

// Inspect inspects one request and returns its verdict. What it could not
// read is a finding, not a silent pass. A panic inside the engine, which the
// fuzz targets exist to rule out, is recovered and turned into a blocking
// finding of class "internal", so that a bug fails closed.
func (e *Engine) Inspect(req *Request) (verdict Verdict) {
	st := e.pool.Get().(*state)
	defer func() {
		if r := recover(); r != nil {
			verdict = internalErrorVerdict(r, &e.config)
			return // the state may be inconsistent, so it is not pooled
		}
		e.release(st)
	}()

	st.findings = st.findings[:0]
	st.scores = st.scores[:0]
	e.parse(st, req) // inspects each field through st.sink
	st.cleanKeys.reset()
	st.cleanValues.reset()
	for i := range st.doc.Anomalies {
		a := &st.doc.Anomalies[i]
		for _, ri := range e.program.AnomalyRules(a.Code) {
			e.addFinding(st, e.program.Rule(int(ri)), a.Location, a.Path, a.Detail, a.Code.Incomplete())
		}
	}
	return e.score(st)
}

// release returns st to the pool unless a huge request grew its buffers,
// which the pool would otherwise keep for every later request.
func (e *Engine) release(st *state) {
	if !st.oversized() {
		e.pool.Put(st)
	}
}

// parse resets st.doc and fills it from every part of the request.
func (e *Engine) parse(st *state, req *Request) {
	doc := &st.doc
	doc.Reset(e.parserLimits)
	target := req.Target
	st.path, _, _ = strings.Cut(target, "?")
	inspected := req.Body[:min(len(req.Body), e.limits.MaxBodyBytes)]
	st.graphql = graphql.Request{Method: req.Method, Target: target, Header: req.Header, Body: inspected}
	isGraphQL := e.graphql.Parse(doc, &st.graphql)
	st.graphql = graphql.Request{} // drop the references to the request
	if !isGraphQL {
		parsers.ParseTarget(doc, target)
	}

	for _, name := range e.headers {
		for _, v := range req.Header[name] {
			parsers.AddHeader(doc, name, v)
		}
	}
	for _, v := range req.Header["Cookie"] {
		parsers.ParseCookies(doc, v)
	}

	body := req.Body
	if max := e.limits.MaxBodyBytes; len(body) > max {
		doc.AddAnomaly(parsers.AnomalyBodyLimit, parsers.LocationBody, nil,
			strconv.Itoa(len(body))+" bytes, limit "+strconv.Itoa(max))
		body = body[:max]
	}
	if !isGraphQL {
		parsers.ParseBody(doc, req.Header.Get("Content-Type"), body)
	}
}

// inspectField runs every rule that targets the field and whose keywords
// occur in one of its views.
func (e *Engine) inspectField(st *state, f *parsers.Field) {
	if !e.program.Inspects(f.Kind) {
		return // a JSON number, bool or null that no rule can match
	}
	memo := &st.cleanValues
	if f.Kind == parsers.KindKey {
		memo = &st.cleanKeys
	}
	if memo.contains(f.Value) {
		return
	}
	n := &st.norm
	n.prepare(f.Value)
	if n.doubleEncoded {
		st.doc.AddAnomaly(parsers.AnomalyDoubleEncoding, f.Location, f.Path, "value decodes more than once")
	}
	st.candidates, st.hits = e.program.AppendCandidates(st.candidates[:0], st.hits, f.Kind, n.matchDecoded)
	if n.matchFolded != nil {
		st.candidates, st.hits = e.program.AppendCandidates(st.candidates, st.hits, f.Kind, n.matchFolded)
	}
	if n.matchRaw != nil {
		st.candidates, st.hits = e.program.AppendCandidates(st.candidates, st.hits, f.Kind, n.matchRaw)
	}
	unfiltered := e.program.Unfiltered()
	if len(st.candidates) == 0 && len(unfiltered) == 0 {
		if !n.doubleEncoded {
			memo.add(f.Value)
		}
		return
	}
	st.candidates = append(st.candidates, unfiltered...)

	n.lowerViews()
	// The input lives in the pooled state: a local would escape to the heap
	// through the confirmer calls and cost one allocation per field. It is
	// set field by field, because copying a composite literal into it
	// stalls on reading back the narrow stores that built it.
	in := &st.input
	in.Field = f
	in.Raw = f.Value
	in.Decoded = bytesToString(n.decoded)
	in.Lower = bytesToString(n.lower)
	in.Folded = bytesToString(n.folded)
	in.RawLower = in.Lower
	if len(n.rawLower) > 0 {
		in.RawLower = bytesToString(n.rawLower)
	}

	st.generation++
	if st.generation == 0 {
		clear(st.seen)
		st.generation = 1
	}
	for _, ri := range st.candidates {
		if st.seen[ri] == st.generation {
			continue
		}
		st.seen[ri] = st.generation
		r := e.program.Rule(int(ri))
		if !r.AppliesTo(f.Location, f.Kind) {
			continue
		}
		if e.program.Matches(ri, in) {
			e.addFinding(st, r, f.Location, f.Path, in.Decoded, false)
		}
	}
}

// cleanMemo remembers the keys, or the values, of the current request that
// matched no keyword and needed no anomaly, so that a key repeated by every
// record of an array, or a status or a currency, is scanned once. This is
// sound because the candidates depend on the text alone: no rule looks at
// the location before the keyword automaton has found one, and nothing is
// remembered while a rule without keywords runs on every field.
//
// The memo starts after memoAfter lookups, because a small body repeats
// little. Its table is allocated then, once per pooled state.
type cleanMemo struct {
	lookups int // since the last reset
	table   *memoTable
}

// memoTable is a direct-mapped table of clean texts: a text that lands on a
// taken slot replaces the text there.
type memoTable struct {
	slots [memoSlots]string
	// used lists the slots filled since the last reset, so that reset
	// clears only those.
	used  [memoSlots]uint16
	nused int // entries of used
}

const (
	memoSlotBits = 10
	memoSlots    = 1 << memoSlotBits // at most 1<<16, the range of memoTable.used
	memoMaxBytes = 64                // longer texts seldom repeat and cost more to compare
	memoAfter    = 64
)

// memoSlot hashes the length and three bytes of text, which is not empty.
// Reading the whole text would cost about as much as scanning it. The
// multiplication spreads every input bit into the top bits, which pick the
// slot.
func memoSlot(text string) int {
	n := len(text)
	x := uint64(n) | uint64(text[0])<<16 | uint64(text[n/2])<<24 | uint64(text[n-1])<<32
	return int(x * 0x9e3779b97f4a7c15 >> (64 - memoSlotBits))
}

// contains reports whether text is remembered as clean.
func (m *cleanMemo) contains(text string) bool {
	m.lookups++
	if m.lookups <= memoAfter || text == "" || len(text) > memoMaxBytes {
		return false
	}
	if m.table == nil {
		m.table = new(memoTable)
	}
	return m.table.slots[memoSlot(text)] == text
}

// add remembers text as clean for the rest of the request. It follows a
// contains call for the same text.
func (m *cleanMemo) add(text string) {
	if m.lookups <= memoAfter || text == "" || len(text) > memoMaxBytes {
		return
	}
	t := m.table
	i := memoSlot(text)
	if t.slots[i] == "" {
		t.used[t.nused] = uint16(i)
		t.nused++
	}
	t.slots[i] = text
}

// reset removes every text, which also drops the references to the request
// before the state goes back to the pool.
func (m *cleanMemo) reset() {
	m.lookups = 0
	if t := m.table; t != nil {
		for _, i := range t.used[:t.nused] {
			t.slots[i] = ""
		}
		t.nused = 0
	}
}

// addFinding records a finding unless an exclusion drops it.
func (e *Engine) addFinding(st *state, r *rules.Rule, loc parsers.Location, path parsers.Path, evidenceText string, incomplete bool) {
	finding := Finding{
		Incomplete: incomplete,
		RuleID:     r.ID,
		Class:      r.Class,
		Severity:   r.Severity.String(),
		Location:   loc.String(),
		Path:       path.String(),
		Message:    r.Message,
	}
	if len(e.exclusions) > 0 {
		field := finding.Field()
		for i := range e.exclusions {
			if e.exclusions[i].matches(st.path, field, r.ID, r.Class) {
				return
			}
		}
	}
	finding.Evidence = evidence(evidenceText)
	st.findings = append(st.findings, finding)
	st.scores = append(st.scores, r.Severity.Score())
}

// score turns the findings into a verdict. Each finding adds its severity's
// score to its class; a class at or above the threshold decides the action.
func (e *Engine) score(st *state) Verdict {
	v := Verdict{Action: ActionAllow}
	if len(st.findings) == 0 {
		return v
	}
	v.Findings = make([]Finding, len(st.findings))
	copy(v.Findings, st.findings)
	v.Scores = make(map[string]int)
	blocking := v.Scores
	if e.config.FailOpen {
		blocking = make(map[string]int)
	}
	for i, f := range v.Findings {
		v.Scores[f.Class] += st.scores[i]
		if e.config.FailOpen && !f.Incomplete {
			blocking[f.Class] += st.scores[i]
		}
	}
	for _, score := range blocking {
		if score >= e.threshold {
			v.Action = ActionBlock
			if e.config.DetectOnly {
				v.Action = ActionLog
			}
			break
		}
	}
	return v
}

// internalErrorVerdict is the verdict for a request whose inspection
// panicked.
func internalErrorVerdict(cause any, cfg *Config) Verdict {
	action := ActionBlock
	switch {
	case cfg.FailOpen:
		action = ActionAllow
	case cfg.DetectOnly:
		action = ActionLog
	}
	return Verdict{
		Action: action,
		Scores: map[string]int{"internal": rules.Critical.Score()},
		Findings: []Finding{{
			Incomplete: true,
			RuleID:     "engine-internal-error",
			Class:      "internal",
			Severity:   rules.Critical.String(),
			Location:   "request",
			Evidence:   evidence(fmt.Sprint(cause)),
			Message:    "inspection failed with an internal error; please report it with the request",
		}},
	}
}
