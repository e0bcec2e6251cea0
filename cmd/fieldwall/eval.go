package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/fieldwall/fieldwall/corpus"
	"github.com/fieldwall/fieldwall/engine"
)

const evalUsage = `Usage: fieldwall eval [--json] [--misses FILE] [--config FILE] FILE...

Inspect every case of the corpus files (JSON Lines of payload records and
request records, each with "expect": "attack" or "benign") and print the
detection rate per attack class and the false-positive rate per benign file.
A case counts as flagged when the verdict blocks or logs it.

Flags:
  --json         print the report as one JSON object
  --misses FILE  write every wrongly judged case to FILE as one JSON line:
                 id, file, line, class, expect, the payload or request, and
                 the verdict; lines are in no fixed order
  --config FILE  engine settings and extra rule files (see 'fieldwall help')

Exit status: 0 when the evaluation ran, whatever the rates; 2 for invalid
usage or a file that cannot be read. The first invalid line stops the run.
`

// missRecord is one line of the --misses file.
type missRecord struct {
	ID        string                `json:"id"`
	File      string                `json:"file"`
	Line      int                   `json:"line"`
	Class     string                `json:"class"`
	Expect    string                `json:"expect"`
	Placement string                `json:"placement,omitempty"`
	Payload   *string               `json:"payload,omitempty"`
	Request   *corpus.RequestRecord `json:"request,omitempty"`
	Verdict   engine.Verdict        `json:"verdict"`
}

func runEval(args []string, stdout, stderr io.Writer) int {
	flags := newFlagSet("eval")
	jsonOutput := flags.Bool("json", false, "")
	missesPath := flags.String("misses", "", "")
	configPath := flags.String("config", "", "")
	files, err := parseFlags(flags, args)
	if err != nil {
		return flagError("eval", err, stdout, stderr)
	}
	if len(files) == 0 {
		return usageError(stderr, "eval", "no corpus file given: name one or more JSON Lines files")
	}
	for _, name := range files {
		if err := checkRegularFile(name); err != nil {
			return fail(stderr, "eval", err)
		}
	}

	e, err := newEngine(*configPath)
	if err != nil {
		return fail(stderr, "eval", err)
	}

	var onResult func(*corpus.Result)
	var misses *missWriter
	if *missesPath != "" {
		f, err := os.Create(*missesPath)
		if err != nil {
			return fail(stderr, "eval", fmt.Errorf("--misses: %w", err))
		}
		defer f.Close()
		misses = &missWriter{file: f, buf: bufio.NewWriter(f)}
		onResult = misses.add
	}

	report, err := corpus.Evaluate(e, files, onResult)
	if err != nil {
		return fail(stderr, "eval", err)
	}
	if misses != nil {
		if err := misses.close(); err != nil {
			return fail(stderr, "eval", fmt.Errorf("write %s: %w", *missesPath, err))
		}
	}

	if *jsonOutput {
		err = writeJSON(stdout, report)
	} else {
		err = report.WriteText(stdout)
	}
	if err != nil {
		return fail(stderr, "eval", fmt.Errorf("write the report: %w", err))
	}
	return exitOK
}

// checkRegularFile returns an error unless name is a readable regular file,
// so that a wrong name fails before any work.
func checkRegularFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return openError(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.IsDir() {
		return fmt.Errorf("%s is a directory: name the files in it", name)
	}
	return nil
}

// missWriter writes wrongly judged cases as JSON Lines. corpus.Evaluate calls
// add from one goroutine at a time, so it needs no lock. After the first
// write error it writes nothing more and close returns that error.
type missWriter struct {
	file *os.File
	buf  *bufio.Writer
	err  error
}

func (m *missWriter) add(r *corpus.Result) {
	if r.Correct() || m.err != nil {
		return
	}
	rec := &r.Case.Record
	m.err = writeJSON(m.buf, missRecord{
		ID:        rec.ID,
		File:      r.Case.File,
		Line:      r.Case.Line,
		Class:     rec.Class,
		Expect:    rec.Expect,
		Placement: rec.Placement,
		Payload:   rec.Payload,
		Request:   rec.Request,
		Verdict:   r.Verdict,
	})
}

func (m *missWriter) close() error {
	if m.err != nil {
		return m.err
	}
	if err := m.buf.Flush(); err != nil {
		return err
	}
	return m.file.Close()
}
