package corpus

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/fieldwall/fieldwall/engine"
)

// Result is one inspected case.
type Result struct {
	Case    Case
	Verdict engine.Verdict
}

// Correct reports whether the verdict matches the expectation: an attack is
// blocked, a benign request is not.
func (r *Result) Correct() bool {
	blocked := r.Verdict.Action == engine.ActionBlock || r.Verdict.Action == engine.ActionLog
	return blocked == (r.Case.Record.Expect == ExpectAttack)
}

// Tally counts cases and the ones the engine flagged: detected attacks, or
// blocked benign requests.
type Tally struct {
	Cases   int `json:"cases"`
	Flagged int `json:"flagged"`
}

// Rate returns Flagged/Cases, or 0 for no cases.
func (t Tally) Rate() float64 {
	if t.Cases == 0 {
		return 0
	}
	return float64(t.Flagged) / float64(t.Cases)
}

// Report is the outcome of an evaluation.
type Report struct {
	// Attacks has one tally per attack class; Flagged counts detections.
	Attacks map[string]*Tally `json:"attacks"`
	// Benign has one tally per corpus file of benign cases; Flagged counts
	// false positives.
	Benign map[string]*Tally `json:"benign"`
	// AttackTotal and BenignTotal sum the tallies above.
	AttackTotal Tally `json:"attack_total"`
	BenignTotal Tally `json:"benign_total"`
}

func newReport() *Report {
	return &Report{Attacks: map[string]*Tally{}, Benign: map[string]*Tally{}}
}

func (rep *Report) add(r *Result) {
	flagged := r.Verdict.Action == engine.ActionBlock || r.Verdict.Action == engine.ActionLog
	var t *Tally
	var total *Tally
	if r.Case.Record.Expect == ExpectAttack {
		t = rep.Attacks[r.Case.Record.Class]
		if t == nil {
			t = &Tally{}
			rep.Attacks[r.Case.Record.Class] = t
		}
		total = &rep.AttackTotal
	} else {
		key := filepath.Base(r.Case.File)
		t = rep.Benign[key]
		if t == nil {
			t = &Tally{}
			rep.Benign[key] = t
		}
		total = &rep.BenignTotal
	}
	t.Cases++
	total.Cases++
	if flagged {
		t.Flagged++
		total.Flagged++
	}
}

// Evaluate inspects every case of the corpus files with e, on all cores, and
// returns the report. onResult, if not nil, is called for every result from
// one goroutine at a time, in no fixed order.
func Evaluate(e *engine.Engine, files []string, onResult func(*Result)) (*Report, error) {
	cases := make(chan Case, 256)
	results := make(chan Result, 256)
	var workers sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for c := range cases {
				results <- Result{Case: c, Verdict: e.Inspect(&c.Request)}
			}
		}()
	}
	rep := newReport()
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for r := range results {
			rep.add(&r)
			if onResult != nil {
				onResult(&r)
			}
		}
	}()

	var readErr error
	for _, name := range files {
		readErr = ReadFile(name, func(c Case) error {
			cases <- c
			return nil
		})
		if readErr != nil {
			break
		}
	}
	close(cases)
	workers.Wait()
	close(results)
	<-collected
	if readErr != nil {
		return rep, readErr
	}
	return rep, nil
}

// WriteText prints the report as a table: one row per attack class with its
// detection rate, one row per benign file with its false-positive rate, and
// the totals.
func (rep *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-34s %8s %8s %8s\n", "attacks (class)", "cases", "detected", "rate")
	for _, class := range sortedKeys(rep.Attacks) {
		t := rep.Attacks[class]
		fmt.Fprintf(&b, "%-34s %8d %8d %7.2f%%\n", class, t.Cases, t.Flagged, 100*t.Rate())
	}
	fmt.Fprintf(&b, "%-34s %8d %8d %7.2f%%\n\n", "detection rate", rep.AttackTotal.Cases, rep.AttackTotal.Flagged, 100*rep.AttackTotal.Rate())
	fmt.Fprintf(&b, "%-34s %8s %8s %8s\n", "benign (file)", "cases", "flagged", "rate")
	for _, file := range sortedKeys(rep.Benign) {
		t := rep.Benign[file]
		fmt.Fprintf(&b, "%-34s %8d %8d %7.2f%%\n", file, t.Cases, t.Flagged, 100*t.Rate())
	}
	fmt.Fprintf(&b, "%-34s %8d %8d %7.2f%%\n", "false-positive rate", rep.BenignTotal.Cases, rep.BenignTotal.Flagged, 100*rep.BenignTotal.Rate())
	_, err := io.WriteString(w, b.String())
	return err
}

func sortedKeys(m map[string]*Tally) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
