package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/fieldwall/fieldwall/engine"
)

const scanUsage = `Usage: fieldwall scan [--json] [--config FILE] [FILE|-]

Inspect one request and print the verdict: the action, the anomaly score of
each class and every finding. The request is read from FILE, or from standard
input when FILE is - or missing, in one of two forms, told apart by the first
non-space character:

  raw HTTP/1.1 text: a request line, header lines, an empty line and the
      body. Lines may end in CRLF or LF. A chunked body is decoded. Without
      Content-Length the body is the rest of the input, less one final line
      end.
  JSON ('{' first): a request record {"request": {"method", "path",
      "headers", "body"}}, a bare {"method", "path", "headers", "body"}
      object, or a payload record of the evaluation corpus.

Flags:
  --json         print the verdict as one JSON object
  --config FILE  engine settings and extra rule files (see 'fieldwall help')

Exit status: 0 when the request is allowed or logged, 1 when it is blocked,
2 for invalid usage or input that cannot be read.
`

// maxScanInput bounds the input of scan. The default engine inspects 8 MiB
// of body. The larger bound leaves room for a larger configured body limit
// and for the JSON escaping of a request record.
const maxScanInput = 256 << 20

func runScan(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := newFlagSet("scan")
	jsonOutput := flags.Bool("json", false, "")
	configPath := flags.String("config", "", "")
	operands, err := parseFlags(flags, args)
	if err != nil {
		return flagError("scan", err, stdout, stderr)
	}
	if len(operands) > 1 {
		return usageError(stderr, "scan", fmt.Sprintf("scan reads one request, but %d files were given: use replay for many requests", len(operands)))
	}
	source := "-"
	if len(operands) == 1 {
		source = operands[0]
	}

	e, err := newEngine(*configPath)
	if err != nil {
		return fail(stderr, "scan", err)
	}
	if source == "-" && isTerminal(stdin) {
		fmt.Fprintln(stderr, "fieldwall scan: reading a request from standard input; end it with Ctrl-D")
	}
	data, err := readScanInput(source, stdin)
	if err != nil {
		return fail(stderr, "scan", err)
	}
	req, warnings, err := parseScanInput(data)
	if err != nil {
		return fail(stderr, "scan", fmt.Errorf("%s: %w", inputName(source), err))
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "fieldwall scan: %s: %s\n", inputName(source), w)
	}

	verdict := e.Inspect(req)
	if *jsonOutput {
		err = writeJSON(stdout, verdict)
	} else {
		err = writeVerdictText(stdout, &verdict)
	}
	if err != nil {
		return fail(stderr, "scan", fmt.Errorf("write the verdict: %w", err))
	}
	if verdict.Blocked() {
		return exitBlocked
	}
	return exitOK
}

func inputName(source string) string {
	if source == "-" {
		return "standard input"
	}
	return source
}

// readScanInput reads the whole input of scan, from the file source or from
// stdin for "-".
func readScanInput(source string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if source != "-" {
		f, err := os.Open(source)
		if err != nil {
			return nil, openError(err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxScanInput+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", inputName(source), err)
	}
	if len(data) > maxScanInput {
		return nil, fmt.Errorf("%s is larger than %d MiB: scan reads one request; use replay for captures", inputName(source), maxScanInput>>20)
	}
	return data, nil
}

// parseScanInput reads one request from data: JSON when the first non-space
// byte is '{', raw HTTP otherwise. A leading UTF-8 byte order mark, which
// some editors write, is skipped.
func parseScanInput(data []byte) (*engine.Request, []string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, nil, errors.New("the input is empty: give a raw HTTP request or a JSON request record")
	}
	if trimmed[0] == '{' {
		req, err := decodeRequestJSON(trimmed)
		if err != nil {
			return nil, nil, err
		}
		return &req, nil, nil
	}
	raw, err := parseRawHTTP(data)
	if err != nil {
		return nil, nil, err
	}
	return &raw.Request, raw.Warnings, nil
}

// writeJSON writes v as one line of JSON. HTML characters stay as they are,
// because evidence such as <script> must read as it was sent.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeVerdictText writes the verdict for people: the action, the class
// scores, highest first, and one aligned row per finding. Evidence is quoted
// in Go syntax so that spaces at its ends and control characters show.
func writeVerdictText(w io.Writer, v *engine.Verdict) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "action\t%s\n", v.Action)

	classes := v.Classes()
	scores := make([]string, len(classes))
	for i, class := range classes {
		scores[i] = class + " " + strconv.Itoa(v.Scores[class])
	}
	if len(scores) == 0 {
		fmt.Fprintf(tw, "scores\tnone\n")
	} else {
		fmt.Fprintf(tw, "scores\t%s\n", strings.Join(scores, ", "))
	}
	fmt.Fprintf(tw, "findings\t%d\n", len(v.Findings))
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(v.Findings) == 0 {
		return nil
	}

	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nRULE\tCLASS\tSEVERITY\tFIELD\tEVIDENCE\tMESSAGE\n")
	for i := range v.Findings {
		f := &v.Findings[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n",
			f.RuleID, f.Class, f.Severity, tableCell(f.Field()), strconv.Quote(f.Evidence), tableCell(f.Message))
	}
	return tw.Flush()
}

// tableCell replaces control characters, which would break the table, with
// U+FFFD as the engine does in evidence. Field paths can contain them because
// JSON keys can.
func tableCell(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}
