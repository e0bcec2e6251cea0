package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/fieldwall/fieldwall/engine"
)

// outputFile is a file that replay writes. After the first write error it
// writes nothing more, and close returns that error.
type outputFile struct {
	flag string
	name string
	file *os.File
	buf  *bufio.Writer
	err  error
}

func createOutput(flag, name string) (*outputFile, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	return &outputFile{flag: flag, name: name, file: f, buf: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (o *outputFile) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.buf.Write(p)
	o.err = err
	return n, err
}

func (o *outputFile) close() error {
	if o.file == nil {
		return o.err
	}
	err := o.err
	if err == nil {
		err = o.buf.Flush()
	}
	if closeErr := o.file.Close(); err == nil {
		err = closeErr
	}
	o.file = nil
	if err != nil {
		o.err = fmt.Errorf("%s: write %s: %w", o.flag, o.name, err)
	}
	return o.err
}

// jsonLinesWriter writes one JSON value per line.
type jsonLinesWriter struct {
	file *outputFile
}

func (w *jsonLinesWriter) write(v any) {
	if w.file.err == nil {
		writeJSON(w.file, v)
	}
}

// findingLine is one line of the --out file.
type findingLine struct {
	File   string        `json:"file"`
	Line   int           `json:"line,omitempty"`
	Entry  *int          `json:"entry,omitempty"`
	Item   *int          `json:"item,omitempty"`
	Time   *time.Time    `json:"time,omitempty"`
	Client string        `json:"client,omitempty"`
	Method string        `json:"method"`
	Target string        `json:"target"`
	Action engine.Action `json:"action"`
	engine.Finding
}

// findingWriter writes the --out file.
type findingWriter struct {
	jsonLinesWriter
}

func (fw *findingWriter) add(job *replayJob) {
	for _, f := range job.verdict.Findings {
		line := findingLine{
			File:    job.source.name,
			Line:    job.pos.line,
			Client:  job.client,
			Method:  job.req.Method,
			Target:  job.req.Target,
			Action:  job.verdict.Action,
			Finding: f,
		}
		if !job.time.IsZero() {
			t := job.time
			line.Time = &t
		}
		setIndex(job, &line.Entry, &line.Item)
		fw.write(line)
	}
}

// replayFiles are the output files of a run.
type replayFiles struct {
	files []*outputFile
	sarif *sarifWriter
	html  *outputFile
}

// openReplayOutputs creates the output files that opts name and adds their
// writers to rr.outputs. It creates them before the run, so that a wrong
// path fails at once.
func openReplayOutputs(opts *replayOptions, rr *replayRun, sources []*inputSource) (*replayFiles, error) {
	files := &replayFiles{}
	open := func(flag, name string) (*outputFile, error) {
		f, err := createOutput(flag, name)
		if err != nil {
			files.abort()
			return nil, err
		}
		files.files = append(files.files, f)
		return f, nil
	}

	if opts.outPath != "" {
		f, err := open("--out", opts.outPath)
		if err != nil {
			return nil, err
		}
		rr.outputs = append(rr.outputs, &findingWriter{jsonLinesWriter{file: f}})
	}
	if opts.changesPath != "" {
		f, err := open("--changes", opts.changesPath)
		if err != nil {
			return nil, err
		}
		rr.summary.compare.writer = &jsonLinesWriter{file: f}
	}
	if opts.sarifPath != "" {
		f, err := open("--sarif", opts.sarifPath)
		if err != nil {
			return nil, err
		}
		files.sarif = newSARIFWriter(f, rr.engine, sources)
		rr.outputs = append(rr.outputs, files.sarif)
	}
	if opts.htmlPath != "" {
		f, err := open("--html", opts.htmlPath)
		if err != nil {
			return nil, err
		}
		files.html = f
	}
	return files, nil
}

// finish completes the documents that need the whole run, the SARIF log
// and the HTML report, and closes every file. It returns every error that
// occurred, joined.
func (f *replayFiles) finish(summary *replaySummary, sources []*inputSource) error {
	if f.sarif != nil {
		f.sarif.finish(summary)
	}
	if f.html != nil {
		if err := writeHTMLReport(f.html, summary, sources); err != nil && f.html.err == nil {
			f.html.err = err
		}
	}
	var errs []error
	for _, file := range f.files {
		if err := file.close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// abort closes the files that finish did not close.
func (f *replayFiles) abort() {
	for _, file := range f.files {
		file.close()
	}
}
