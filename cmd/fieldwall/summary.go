package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fieldwall/fieldwall/engine"
)

// Bounds of the summary.
const (
	// topListLength is the number of paths and clients the terminal
	// summary lists.
	topListLength = 10
	// topCapacity is the number of distinct paths and clients counted
	// exactly. Beyond it counts become estimates, so that memory stays
	// flat on captures with many distinct paths.
	topCapacity = 1000
	// maxReportFindings is the number of findings the HTML report lists
	// in its table. The charts count every finding.
	maxReportFindings = 2000
)

// replaySummary counts the outcome of a replay run. Its memory is bounded:
// rules and classes are bounded by the rule set, paths and clients by
// topCapacity, the timelines by maxTimelineBuckets and the findings kept
// for the HTML report by maxReportFindings.
type replaySummary struct {
	read, unreadable         int64
	allowed, logged, blocked int64
	findings                 int64
	classFindings            map[string]int64
	ruleFindings             map[string]int64
	// ruleClass is the class of each rule in ruleFindings.
	ruleClass map[string]string
	paths     *topCounter
	clients   *topCounter

	// timed counts the requests with a time. first and last are the
	// earliest and the latest of those times.
	timed       int64
	first, last time.Time
	// byTime counts findings per class by time, bySequence by request
	// number, for records without times.
	byTime, bySequence *timeline

	// reportFindings keeps the first findings for the HTML report, when
	// one is written.
	keepFindings   bool
	reportFindings []reportFinding

	// inputs describes each input file with its format, from the first
	// record collected of it. The collecting goroutine writes it, so the
	// report never reads a format that the reading goroutine may still
	// be detecting.
	inputs map[*inputSource]string

	compare     *comparison
	elapsed     time.Duration
	interrupted bool
}

// reportFinding is one finding with its request, for the HTML report.
type reportFinding struct {
	where   string
	time    time.Time
	client  string
	method  string
	target  string
	action  engine.Action
	finding engine.Finding
}

func newReplaySummary(keepFindings bool) *replaySummary {
	return &replaySummary{
		classFindings: make(map[string]int64),
		ruleFindings:  make(map[string]int64),
		ruleClass:     make(map[string]string),
		paths:         newTopCounter(topCapacity),
		clients:       newTopCounter(topCapacity),
		byTime:        newTimeline(timeWidths),
		bySequence:    newTimeline(sequenceWidths),
		keepFindings:  keepFindings,
		inputs:        make(map[*inputSource]string),
	}
}

// noteSource records the format of src the first time one of its records
// is collected.
func (s *replaySummary) noteSource(src *inputSource, readable bool) {
	if _, ok := s.inputs[src]; ok {
		return
	}
	if !readable {
		s.inputs[src] = src.displayName() + " (not read)"
		return
	}
	text := src.displayName() + " (" + src.format.String()
	if src.gzip {
		text += ", gzip"
	}
	s.inputs[src] = text + ")"
}

func (s *replaySummary) add(job *replayJob) {
	s.read++
	switch job.verdict.Action {
	case engine.ActionBlock:
		s.blocked++
	case engine.ActionLog:
		s.logged++
	default:
		s.allowed++
	}
	if !job.time.IsZero() {
		s.timed++
		if s.first.IsZero() || job.time.Before(s.first) {
			s.first = job.time
		}
		if job.time.After(s.last) {
			s.last = job.time
		}
	}
	if s.compare != nil {
		s.compare.add(job)
	}
	if len(job.verdict.Findings) == 0 {
		return
	}

	path, _, _ := strings.Cut(job.req.Target, "?")
	s.paths.add(path)
	if job.client != "" {
		s.clients.add(job.client)
	}
	for _, f := range job.verdict.Findings {
		s.findings++
		s.classFindings[f.Class]++
		s.ruleFindings[f.RuleID]++
		s.ruleClass[f.RuleID] = f.Class
		s.bySequence.add(s.read, f.Class)
		if !job.time.IsZero() {
			s.byTime.add(job.time.Unix(), f.Class)
		}
		if s.keepFindings && len(s.reportFindings) < maxReportFindings {
			s.reportFindings = append(s.reportFindings, reportFinding{
				where:   job.source.describe(job.pos),
				time:    job.time,
				client:  job.client,
				method:  job.req.Method,
				target:  job.req.Target,
				action:  job.verdict.Action,
				finding: f,
			})
		}
	}
}

// write prints the summary as aligned text.
func (s *replaySummary) write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if s.interrupted {
		fmt.Fprintf(tw, "interrupted: the summary covers the requests inspected before Ctrl-C\n\n")
	}
	fmt.Fprintf(tw, "requests read\t%d\n", s.read)
	fmt.Fprintf(tw, "unreadable records\t%d\n", s.unreadable)
	fmt.Fprintf(tw, "allowed\t%d\n", s.allowed)
	fmt.Fprintf(tw, "logged\t%d\n", s.logged)
	fmt.Fprintf(tw, "blocked\t%d\n", s.blocked)
	if s.timed > 0 {
		fmt.Fprintf(tw, "first request\t%s\n", s.first.Format(time.RFC3339))
		fmt.Fprintf(tw, "last request\t%s\n", s.last.Format(time.RFC3339))
		if s.timed < s.read {
			fmt.Fprintf(tw, "requests without a time\t%d\n", s.read-s.timed)
		}
	} else {
		fmt.Fprintf(tw, "first request\tunknown: the records have no time\n")
	}

	fmt.Fprintf(tw, "\nfindings per class\n")
	if len(s.classFindings) == 0 {
		fmt.Fprintf(tw, "  none\n")
	}
	for _, class := range sortedByCount(s.classFindings) {
		fmt.Fprintf(tw, "  %s\t%d\n", class, s.classFindings[class])
	}
	fmt.Fprintf(tw, "\nfindings per rule\n")
	if len(s.ruleFindings) == 0 {
		fmt.Fprintf(tw, "  none\n")
	}
	for _, rule := range sortedByCount(s.ruleFindings) {
		fmt.Fprintf(tw, "  %s\t%s\t%d\n", rule, s.ruleClass[rule], s.ruleFindings[rule])
	}
	writeTopList(tw, "top paths (requests with findings)", s.paths, "paths")
	writeTopList(tw, "top clients (requests with findings)", s.clients, "clients")
	if s.compare != nil {
		s.compare.write(tw)
	}
	return tw.Flush()
}

func writeTopList(w io.Writer, title string, counter *topCounter, noun string) {
	fmt.Fprintf(w, "\n%s\n", title)
	entries := counter.top(topListLength)
	if len(entries) == 0 {
		fmt.Fprintf(w, "  none\n")
		return
	}
	for _, e := range entries {
		fmt.Fprintf(w, "  %s\t%d\n", tableCell(e.key), e.count)
	}
	if counter.replaced {
		fmt.Fprintf(w, "  (estimates: more than %d distinct %s, so a count may be too high)\n", topCapacity, noun)
	}
}

// sortedByCount returns the keys of counts, highest count first, ties in key
// order.
func sortedByCount(counts map[string]int64) []string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// maxTimelineBuckets bounds the buckets of a timeline and the bars of the
// chart drawn from it.
const maxTimelineBuckets = 96

// Bucket widths of the timelines. Each width is a multiple of the one
// before, so that widening a timeline merges whole buckets.
var (
	// timeWidths are in seconds: 1 s to 1 day, then weeks.
	timeWidths = []int64{1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400, 28 * 86400, 364 * 86400, 3640 * 86400}
	// sequenceWidths are in requests.
	sequenceWidths = []int64{1, 2, 10, 20, 100, 200, 1000, 2000, 10000, 20000, 100000, 200000, 1000000, 2000000, 10000000, 20000000, 100000000, 1000000000, 10000000000}
)

// timeline counts findings per class in buckets of equal width. The width
// grows when the values added span more than maxTimelineBuckets buckets.
type timeline struct {
	widths []int64
	// width is the index of the current width in widths.
	width    int
	buckets  map[int64]map[string]int64
	min, max int64
}

func newTimeline(widths []int64) *timeline {
	return &timeline{widths: widths, buckets: make(map[int64]map[string]int64)}
}

func (t *timeline) bucketWidth() int64 { return t.widths[t.width] }

// add counts one finding of class at value, a Unix time in seconds or a
// request number.
func (t *timeline) add(value int64, class string) {
	start := floorMultiple(value, t.bucketWidth())
	if len(t.buckets) == 0 {
		t.min, t.max = start, start
	}
	t.min, t.max = min(t.min, start), max(t.max, start)
	for (t.max-t.min)/t.bucketWidth()+1 > maxTimelineBuckets && t.width+1 < len(t.widths) {
		t.widen()
		start = floorMultiple(value, t.bucketWidth())
	}
	counts := t.buckets[start]
	if counts == nil {
		counts = make(map[string]int64)
		t.buckets[start] = counts
	}
	counts[class]++
}

// widen moves to the next width and merges the buckets.
func (t *timeline) widen() {
	t.width++
	w := t.bucketWidth()
	merged := make(map[int64]map[string]int64, len(t.buckets))
	for start, counts := range t.buckets {
		to := floorMultiple(start, w)
		if merged[to] == nil {
			merged[to] = make(map[string]int64, len(counts))
		}
		for class, n := range counts {
			merged[to][class] += n
		}
	}
	t.buckets = merged
	t.min, t.max = floorMultiple(t.min, w), floorMultiple(t.max, w)
}

// floorMultiple returns the largest multiple of w not above v.
func floorMultiple(v, w int64) int64 {
	q := v / w
	if v%w != 0 && v < 0 {
		q--
	}
	return q * w
}
