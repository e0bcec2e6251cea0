// Command fieldwall inspects HTTP API requests with the fieldwall engine from
// the command line: one request (scan), corpus files with expected outcomes
// (eval), captured traffic (replay), live traffic as a reverse proxy (serve)
// and rule files (rules).
//
// Exit status: 0 when the command ran and, for scan, the request is allowed
// or only logged; 1 when scan blocks the request; 2 for invalid usage or
// input that cannot be read. serve exits with 1 when a listener fails, and
// replay with 130 when Ctrl-C interrupts it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// Exit statuses shared by all subcommands.
const (
	exitOK      = 0
	exitBlocked = 1
	exitUsage   = 2
)

const usageText = `fieldwall inspects HTTP API requests and reports attacks.

Usage:
  fieldwall scan [--json] [--config FILE] [FILE|-]
      Inspect one request, read from FILE or standard input: raw HTTP/1.1
      text, or a JSON request record. Exit status 1 means blocked.
  fieldwall eval [--json] [--misses FILE] [--config FILE] FILE...
      Measure detection and false-positive rates on corpus files (JSON Lines).
  fieldwall replay [--out FILE] [--sarif FILE] [--html FILE] [--config FILE]
                   [--compare-config FILE] [--workers N] FILE...
      Inspect captured traffic: HAR, JSON Lines, Coraza and ModSecurity audit
      logs, Burp Suite XML and raw HTTP, gzip-compressed or not.
  fieldwall serve --upstream URL [--listen ADDR] [--config FILE] ...
      Run a reverse proxy that blocks attacks before they reach the upstream.
  fieldwall rules [--config FILE]
      List the rules that run, one line each.
  fieldwall rules check FILE...
      Validate rule files.
  fieldwall help [COMMAND]
      Print this help, or the help of one command.

scan, eval, replay, serve and rules accept --config FILE: a JSON file with the
engine settings (paranoia, threshold, detect_only, limits, disabled_rules,
exclusions, headers) and "rule_files", a list of rule files added to the
built-in rules. A relative rule file path is resolved against the directory
of the config file.

Exit status: 0 when the command ran (for scan: the request is allowed or
logged), 1 when scan blocks the request or a serve listener fails, 2 for
invalid usage or unreadable input, 130 when Ctrl-C interrupts replay.
`

// commandUsage is the help of each subcommand, printed by "fieldwall help
// COMMAND" and "fieldwall COMMAND -h".
var commandUsage = map[string]string{
	"scan":   scanUsage,
	"eval":   evalUsage,
	"replay": replayUsage,
	"serve":  serveUsage,
	"rules":  rulesUsage,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line args (without the program name) and returns
// the exit status. It writes results to stdout and errors to stderr.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		io.WriteString(stderr, usageText)
		return exitUsage
	}
	command, rest := args[0], args[1:]
	switch command {
	case "scan":
		return runScan(rest, stdin, stdout, stderr)
	case "eval":
		return runEval(rest, stdout, stderr)
	case "replay":
		return runReplay(rest, stdin, stdout, stderr)
	case "serve":
		return runServe(rest, stdout, stderr)
	case "rules":
		return runRules(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		return runHelp(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "fieldwall: unknown command %q: use scan, eval, replay, serve or rules, or run 'fieldwall help'\n", command)
	return exitUsage
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		io.WriteString(stdout, usageText)
		return exitOK
	}
	if args[0] == "help" {
		io.WriteString(stdout, usageText)
		return exitOK
	}
	text, ok := commandUsage[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "fieldwall help: unknown command %q: use scan, eval, replay, serve or rules\n", args[0])
		return exitUsage
	}
	io.WriteString(stdout, text)
	return exitOK
}

// newFlagSet returns a flag set that reports nothing itself, so that the
// caller prints one message in the CLI's own words.
func newFlagSet(command string) *flag.FlagSet {
	flags := flag.NewFlagSet(command, flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	flags.Usage = func() {}
	return flags
}

// parseFlags parses args with flags and returns the operands. Unlike
// flag.FlagSet.Parse it also accepts flags after operands, as in
// "scan request.http --json"; "--" ends flag parsing.
func parseFlags(flags *flag.FlagSet, args []string) ([]string, error) {
	var operands []string
	for {
		if err := flags.Parse(args); err != nil {
			return nil, err
		}
		rest := flags.Args()
		if len(rest) == 0 {
			return operands, nil
		}
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(operands, rest...), nil
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
}

// flagError prints the result of a failed parseFlags and returns the exit
// status: 0 for -h (the command's help goes to stdout), 2 otherwise.
func flagError(command string, err error, stdout, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		io.WriteString(stdout, commandUsage[command])
		return exitOK
	}
	return usageError(stderr, command, err.Error())
}

// usageError prints message for an invalid command line and returns 2.
func usageError(stderr io.Writer, command, message string) int {
	fmt.Fprintf(stderr, "fieldwall %s: %s\nRun 'fieldwall help %s' for usage.\n", command, message, command)
	return exitUsage
}

// fail prints an error that is not a usage error and returns 2.
func fail(stderr io.Writer, command string, err error) int {
	fmt.Fprintf(stderr, "fieldwall %s: %s\n", command, strings.TrimSpace(err.Error()))
	return exitUsage
}

// openError adds what to do to an error from os.Open.
func openError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: check the path", err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: check the file's permissions", err)
	}
	return err
}
