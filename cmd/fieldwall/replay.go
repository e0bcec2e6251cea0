package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fieldwall/fieldwall/engine"
)

const replayUsage = `Usage: fieldwall replay [flags] FILE...

Inspect captured traffic and print a summary: requests read, unreadable
records, allowed, logged and blocked requests, findings per class and per
rule, the paths and client addresses with the most flagged requests, and
the time of the first and last request. Each FILE, or - for standard input,
is in one of these formats, told apart by content:

  HAR 1.2          every log.entries[].request
  JSON Lines       one request record per line, the shapes that scan reads,
                   with optional "time" (RFC 3339) and "client_ip"
  JSON audit log   Coraza or ModSecurity v2/v3 with SecAuditLogFormat JSON
  native audit log Coraza or ModSecurity v2/v3 serial log with sections
                   --id-A--, B (request headers) and C (request body)
  Burp Suite XML   items saved from the proxy history or site map
  raw HTTP         one or more HTTP/1.1 requests, one after the other

A gzip-compressed file is decompressed. Files are streamed and the work is
spread over all CPUs, so memory stays flat however large the input. A record
that cannot be read is reported on standard error with its file, line and,
for HAR and Burp, its index, and the run goes on. Ctrl-C stops the run and
prints the summary of the requests inspected so far.

Flags:
  --out FILE             write one JSON line per finding to FILE: the source
                         file, line, HAR entry or Burp item, time, client,
                         method, target, the request's action and the finding
  --sarif FILE           write the findings to FILE as SARIF 2.1.0, for code
                         scanning dashboards
  --html FILE            write a report to FILE: one HTML page with charts
                         and a table of findings that opens without network
  --config FILE          engine settings and extra rule files (see
                         'fieldwall help')
  --compare-config FILE  also inspect every request with the settings in
                         FILE and report the requests whose action differs
                         between --config (A) and FILE (B)
  --changes FILE         with --compare-config, write one JSON line per
                         request whose action differs to FILE
  --workers N            number of requests inspected in parallel (default:
                         the number of CPUs)

A progress line with requests per second, bytes read and the time left is
shown on standard error when it is a terminal.

Exit status: 0 when the run completed, whatever the verdicts and even with
unreadable records; 2 for invalid usage, a file that cannot be opened or is
in none of the formats, or a failed write of an output file; 130 when the
run was interrupted with Ctrl-C.
`

// exitInterrupted is the exit status after Ctrl-C: 128 plus SIGINT (2), as
// shells report it.
const exitInterrupted = 130

// Bounds of the pipeline. Together they keep memory flat: the records
// between reading and collecting are at most maxInFlight(workers) and hold
// at most maxInFlightBytes of input, except that one record larger than
// that passes alone.
const (
	maxInFlightBytes = 32 << 20
	// maxPrintedErrors is the number of unreadable records reported on
	// standard error. The summary counts the rest.
	maxPrintedErrors = 100
)

func maxInFlight(workers int) int { return 4*workers + 16 }

// replayOptions are the flags and operands of one replay run.
type replayOptions struct {
	files             []string
	outPath           string
	sarifPath         string
	htmlPath          string
	changesPath       string
	configPath        string
	compareConfigPath string
	workers           int
}

func parseReplayArgs(args []string) (*replayOptions, error) {
	opts := &replayOptions{}
	flags := newFlagSet("replay")
	flags.StringVar(&opts.outPath, "out", "", "")
	flags.StringVar(&opts.sarifPath, "sarif", "", "")
	flags.StringVar(&opts.htmlPath, "html", "", "")
	flags.StringVar(&opts.changesPath, "changes", "", "")
	flags.StringVar(&opts.configPath, "config", "", "")
	flags.StringVar(&opts.compareConfigPath, "compare-config", "", "")
	flags.IntVar(&opts.workers, "workers", runtime.NumCPU(), "")
	files, err := parseFlags(flags, args)
	if err != nil {
		return nil, err
	}
	opts.files = files
	return opts, nil
}

// validate checks the options that parseFlags cannot and returns a usage
// message for the first invalid one.
func (o *replayOptions) validate() string {
	switch {
	case len(o.files) == 0:
		return "no input file given: name capture files (" + formatList + "), or - for standard input"
	case o.workers < 1:
		return fmt.Sprintf("invalid --workers %d: use 1 or more", o.workers)
	case o.changesPath != "" && o.compareConfigPath == "":
		return "--changes needs --compare-config: name the second config file"
	}
	stdinCount := 0
	for _, name := range o.files {
		if name == "-" {
			stdinCount++
		}
	}
	if stdinCount > 1 {
		return "- (standard input) is given more than once"
	}
	return ""
}

// replayJob is one record on its way through the pipeline and then its
// result.
type replayJob struct {
	seq    int64
	kind   jobKind
	source *inputSource
	pos    position
	// size is the record's byte count, held against maxInFlightBytes.
	size int
	// decode builds the request on a worker goroutine. It is nil after it
	// ran.
	decode func() (capture, error)
	// err is the reason the record or file could not be read.
	err error
	capture
	verdict engine.Verdict
	// compared is the verdict under --compare-config.
	compared engine.Verdict
}

type jobKind int

const (
	// jobRecord is a record of a file: a request, or an unreadable
	// record when err is set.
	jobRecord jobKind = iota
	// jobFileError is a file that could not be opened or is in none of the
	// formats.
	jobFileError
	// jobStreamError ends a file whose rest cannot be read.
	jobStreamError
)

// replayRun is the state of one replay run.
type replayRun struct {
	engine   *engine.Engine
	compared *engine.Engine
	stdin    io.Reader
	status   *statusWriter
	workers  int

	// Updated as the run goes and read by the progress line.
	bytesRead atomic.Int64
	inspected atomic.Int64

	// Written by the collecting goroutine only.
	summary       *replaySummary
	outputs       []replayOutput
	fileErrors    int
	printedErrors int
}

// replayOutput receives every inspected request in input order.
type replayOutput interface {
	add(job *replayJob)
}

func runReplay(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, err := parseReplayArgs(args)
	if err != nil {
		return flagError("replay", err, stdout, stderr)
	}
	if message := opts.validate(); message != "" {
		return usageError(stderr, "replay", message)
	}

	sources := make([]*inputSource, len(opts.files))
	// totalBytes is the size of the input, for the time left in the
	// progress line. It stays 0, unknown, when standard input is read.
	var totalBytes int64
	readsStdin := false
	for i, name := range opts.files {
		sources[i] = &inputSource{name: name}
		if name == "-" {
			readsStdin = true
			continue
		}
		size, err := checkReplayFile(sources[i])
		if err != nil {
			return fail(stderr, "replay", err)
		}
		totalBytes += size
	}
	if readsStdin {
		totalBytes = 0
	}

	rr := &replayRun{
		stdin:   stdin,
		status:  &statusWriter{w: stderr},
		workers: opts.workers,
	}
	if rr.engine, err = newEngine(opts.configPath); err != nil {
		return fail(stderr, "replay", err)
	}
	rr.summary = newReplaySummary(opts.htmlPath != "")
	if opts.compareConfigPath != "" {
		if rr.compared, err = newEngine(opts.compareConfigPath); err != nil {
			return fail(stderr, "replay", fmt.Errorf("--compare-config: %w", err))
		}
		rr.summary.compare = newComparison(configName(opts.configPath), configName(opts.compareConfigPath), opts.htmlPath != "")
	}

	files, err := openReplayOutputs(opts, rr, sources)
	if err != nil {
		return fail(stderr, "replay", err)
	}
	defer files.abort()

	defer tuneGC()()

	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stopSignals()
	go func() {
		// After the first Ctrl-C, a second one ends the process at once.
		<-ctx.Done()
		stopSignals()
	}()

	stopProgress := func() {}
	if isTerminal(stderr) {
		stopProgress = rr.showProgress(totalBytes)
	}
	started := time.Now()
	interrupted := rr.run(ctx, sources)
	stopProgress()
	rr.summary.elapsed = time.Since(started)
	rr.summary.interrupted = interrupted
	if rr.printedErrors >= maxPrintedErrors {
		rr.status.printf("fieldwall replay: %d unreadable records in all; only the first %d were reported\n", rr.summary.unreadable, maxPrintedErrors)
	}

	status := exitOK
	if err := files.finish(rr.summary, sources); err != nil {
		fmt.Fprintf(stderr, "fieldwall replay: %v\n", err)
		status = exitUsage
	}
	if err := rr.summary.write(stdout); err != nil {
		return fail(stderr, "replay", fmt.Errorf("write the summary: %w", err))
	}
	switch {
	case interrupted:
		return exitInterrupted
	case rr.fileErrors > 0:
		return exitUsage
	}
	return status
}

// GC settings of a replay run, unless GOGC or GOMEMLIMIT set them. The
// live heap of a run is small and bounded (the records in flight, the
// summary's counters), so at the default GOGC of 100 the collector runs
// every few megabytes of garbage. At 400 it runs a quarter as often, which
// cut CPU time by a quarter in the measurements of bench/REPLAY.md. The
// memory limit makes the collector work harder before the heap could grow
// past it, whatever the input.
const (
	replayGCPercent   = 400
	replayMemoryLimit = 192 << 20
)

// tuneGC applies the replay GC settings and returns the function that
// restores the previous ones.
func tuneGC() (restore func()) {
	var undo []func()
	if os.Getenv("GOGC") == "" {
		previous := debug.SetGCPercent(replayGCPercent)
		undo = append(undo, func() { debug.SetGCPercent(previous) })
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		previous := debug.SetMemoryLimit(replayMemoryLimit)
		undo = append(undo, func() { debug.SetMemoryLimit(previous) })
	}
	return func() {
		for _, f := range undo {
			f()
		}
	}
}

// configName returns how reports name a config file.
func configName(path string) string {
	if path == "" {
		return "default settings"
	}
	return path
}

// checkReplayFile returns the size of src's file and sets its format, or
// returns an error when the file cannot be opened, is a directory or is in
// none of the formats replay reads.
func checkReplayFile(src *inputSource) (int64, error) {
	f, err := os.Open(src.name)
	if err != nil {
		return 0, openError(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if info.IsDir() {
		return 0, fmt.Errorf("%s is a directory: name the files in it", src.name)
	}
	_, format, compressed, err := openCapture(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", src.name, err)
	}
	src.format, src.gzip = format, compressed
	return info.Size(), nil
}

// run reads the files in one goroutine, decodes and inspects the records in
// rr.workers goroutines, and collects the results in input order in the
// calling goroutine. It returns true when ctx was cancelled by Ctrl-C; the
// summary then covers the requests collected until then.
func (rr *replayRun) run(ctx context.Context, sources []*inputSource) (interrupted bool) {
	pipeline, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := make(chan *replayJob, rr.workers)
	results := make(chan *replayJob, rr.workers)
	flow := newFlowLimit(maxInFlight(rr.workers), maxInFlightBytes)
	go func() {
		<-pipeline.Done()
		flow.stop()
	}()

	go func() {
		defer close(jobs)
		var seq int64
		send := func(job *replayJob) error {
			if !flow.acquire(job.size) {
				return errStopped
			}
			job.seq = seq
			seq++
			select {
			case jobs <- job:
				return nil
			case <-pipeline.Done():
				return errStopped
			}
		}
		for _, src := range sources {
			if err := rr.readSource(src, send); errors.Is(err, errStopped) {
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for range rr.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				rr.inspect(job)
				select {
				case results <- job:
				case <-pipeline.Done():
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	pending := make(map[int64]*replayJob)
	var next int64
	for {
		select {
		case <-ctx.Done():
			return true
		case job, ok := <-results:
			if !ok {
				return false
			}
			pending[job.seq] = job
			for {
				ready, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				rr.collect(ready)
				flow.release(ready.size)
				next++
			}
		}
	}
}

// inspect decodes a record and inspects its request with each engine. It
// runs on a worker goroutine.
func (rr *replayRun) inspect(job *replayJob) {
	if job.kind != jobRecord || job.err != nil {
		return
	}
	c, err := job.decode()
	job.decode = nil
	if err != nil {
		job.err = err
		return
	}
	if c.req.Header == nil {
		c.req.Header = map[string][]string{}
	}
	c.client = clientAddress(c.req.Header, c.client)
	job.capture = c
	job.verdict = rr.engine.Inspect(&job.req)
	if rr.compared != nil {
		job.compared = rr.compared.Inspect(&job.req)
	}
	// The verdicts hold copies of what they quote, so the body can go
	// before the job waits for its turn.
	job.req.Body = nil
	rr.inspected.Add(1)
}

// readSource reads the records of one file and passes each to send. It
// returns errStopped when the run was interrupted.
func (rr *replayRun) readSource(src *inputSource, send func(*replayJob) error) error {
	fileError := func(err error) error {
		return send(&replayJob{kind: jobFileError, source: src, err: err})
	}
	var r io.Reader
	if src.name == "-" {
		r = rr.stdin
	} else {
		f, err := os.Open(src.name)
		if err != nil {
			return fileError(openError(err))
		}
		defer f.Close()
		r = f
	}
	br, format, compressed, err := openCapture(&countingReader{r: r, count: &rr.bytesRead})
	if err != nil {
		return fileError(err)
	}
	src.format, src.gzip = format, compressed

	err = readerFor(format)(br, &jobSink{source: src, send: send})
	switch {
	case errors.Is(err, errStopped):
		return err
	case err != nil:
		return send(&replayJob{kind: jobStreamError, source: src, err: err})
	}
	return nil
}

// jobSink turns the records of one file into jobs.
type jobSink struct {
	source *inputSource
	send   func(*replayJob) error
}

func (s *jobSink) record(pos position, size int, decode func() (capture, error)) error {
	return s.send(&replayJob{source: s.source, pos: pos, size: size, decode: decode})
}

func (s *jobSink) unreadable(pos position, err error) error {
	return s.send(&replayJob{source: s.source, pos: pos, err: err})
}

// collect adds one job to the summary and the outputs, in input order.
func (rr *replayRun) collect(job *replayJob) {
	rr.summary.noteSource(job.source, job.kind != jobFileError)
	switch {
	case job.kind == jobFileError:
		rr.fileErrors++
		rr.status.printf("fieldwall replay: %s: %v\n", job.source.displayName(), job.err)
	case job.kind == jobStreamError:
		rr.summary.unreadable++
		rr.reportUnreadable("%s: %v; the rest of the file was skipped\n", job.source.displayName(), job.err)
	case job.err != nil:
		rr.summary.unreadable++
		rr.reportUnreadable("%s: %v\n", job.source.describe(job.pos), job.err)
	default:
		rr.summary.add(job)
		for _, out := range rr.outputs {
			out.add(job)
		}
	}
}

// reportUnreadable prints an unreadable record, up to maxPrintedErrors.
func (rr *replayRun) reportUnreadable(format string, args ...any) {
	if rr.printedErrors >= maxPrintedErrors {
		return
	}
	rr.printedErrors++
	rr.status.printf(format, args...)
}

// flowLimit bounds the records between reading and collecting, by count
// and by bytes.
type flowLimit struct {
	mu       sync.Mutex
	cond     *sync.Cond
	jobs     int
	bytes    int
	maxJobs  int
	maxBytes int
	stopped  bool
}

func newFlowLimit(maxJobs, maxBytes int) *flowLimit {
	f := &flowLimit{maxJobs: maxJobs, maxBytes: maxBytes}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// acquire waits until a record of size bytes fits and takes its place. A
// record larger than maxBytes fits when nothing else is in flight. It
// returns false once stop was called.
func (f *flowLimit) acquire(size int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !f.stopped && (f.jobs >= f.maxJobs || f.jobs > 0 && f.bytes+size > f.maxBytes) {
		f.cond.Wait()
	}
	if f.stopped {
		return false
	}
	f.jobs++
	f.bytes += size
	return true
}

func (f *flowLimit) release(size int) {
	f.mu.Lock()
	f.jobs--
	f.bytes -= size
	f.mu.Unlock()
	f.cond.Broadcast()
}

func (f *flowLimit) stop() {
	f.mu.Lock()
	f.stopped = true
	f.mu.Unlock()
	f.cond.Broadcast()
}

// isTerminal reports whether stream, an io.Reader or io.Writer, is a
// character device such as a terminal.
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// countingReader adds the bytes read to count, for the progress line.
type countingReader struct {
	r     io.Reader
	count *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.count.Add(int64(n))
	return n, err
}
