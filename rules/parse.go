package rules

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/fieldwall/fieldwall/parsers"
)

// SyntaxError is an invalid line of a rule file.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// maxRuleLine bounds one line of a rule file. Long keyword lists belong on
// several keywords lines.
const maxRuleLine = 64 << 10

// Parse reads the rules of one rule file. name is used in error messages. It
// returns the first syntax or validation error as a *SyntaxError.
func Parse(name string, r io.Reader) ([]*Rule, error) {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 4096), maxRuleLine)
	var (
		rules   []*Rule
		current *Rule
		lineNo  int
		start   int
	)
	finish := func() error {
		if current == nil {
			return nil
		}
		if err := validate(current); err != nil {
			return &SyntaxError{File: name, Line: start, Msg: "rule " + current.ID + ": " + err.Error()}
		}
		rules = append(rules, current)
		current = nil
		return nil
	}
	for scanner.Scan() {
		lineNo++
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		directive, arg, _ := strings.Cut(line, " ")
		arg = strings.TrimSpace(arg)
		if directive == "rule" {
			if err := finish(); err != nil {
				return nil, err
			}
			if !validID(arg) {
				return nil, &SyntaxError{File: name, Line: lineNo, Msg: fmt.Sprintf("invalid rule id %q: use letters, digits, '-', '_' and '.'", arg)}
			}
			current = &Rule{ID: arg, Paranoia: 1, Source: name + ":" + strconv.Itoa(lineNo)}
			start = lineNo
			continue
		}
		if current == nil {
			return nil, &SyntaxError{File: name, Line: lineNo, Msg: fmt.Sprintf("directive %q before the first \"rule ID\" line", directive)}
		}
		if err := setDirective(current, directive, arg); err != nil {
			return nil, &SyntaxError{File: name, Line: lineNo, Msg: err.Error()}
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, &SyntaxError{File: name, Line: lineNo + 1, Msg: err.Error()}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return rules, nil
}

// ParseBytes is Parse on a byte slice.
func ParseBytes(name string, data []byte) ([]*Rule, error) {
	return Parse(name, bytes.NewReader(data))
}

func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c == '-' || c == '_' || c == '.' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func setDirective(r *Rule, directive, arg string) error {
	if arg == "" {
		return fmt.Errorf("directive %q needs a value", directive)
	}
	switch directive {
	case "class":
		if !validID(arg) || strings.ToLower(arg) != arg {
			return fmt.Errorf("invalid class %q: use one lower-case word", arg)
		}
		r.Class = arg
	case "severity":
		sev, ok := ParseSeverity(arg)
		if !ok {
			return fmt.Errorf("invalid severity %q: use critical, error, warning or notice", arg)
		}
		r.Severity = sev
	case "paranoia":
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 || n > 4 {
			return fmt.Errorf("invalid paranoia %q: use 1, 2, 3 or 4", arg)
		}
		r.Paranoia = n
	case "keywords":
		words, err := parseQuotedList(arg)
		if err != nil {
			return err
		}
		r.Keywords = append(r.Keywords, words...)
	case "confirm":
		if r.Confirm != "" {
			return fmt.Errorf("second confirm directive: a rule has at most one confirmer")
		}
		if _, ok := confirmers[arg]; !ok {
			return fmt.Errorf("unknown confirmer %q: known are %s", arg, strings.Join(ConfirmerNames(), ", "))
		}
		r.Confirm = arg
	case "pattern":
		if r.Pattern != "" {
			return fmt.Errorf("second pattern directive: join them with | in one pattern")
		}
		if _, err := regexp.Compile(arg); err != nil {
			return fmt.Errorf("invalid pattern: %v", err)
		}
		r.Pattern = arg
	case "view":
		switch arg {
		case "decoded":
			r.View = ViewDecoded
		case "folded":
			r.View = ViewFolded
		case "raw":
			r.View = ViewRaw
		default:
			return fmt.Errorf("invalid view %q: use decoded, folded or raw", arg)
		}
	case "targets":
		switch arg {
		case "values":
			r.Targets = TargetValues
		case "keys":
			r.Targets = TargetKeys
		case "all":
			r.Targets = TargetAll
		default:
			return fmt.Errorf("invalid targets %q: use values, keys or all", arg)
		}
	case "locations":
		if arg == "all" {
			r.Locations = nil
			return nil
		}
		for _, name := range strings.Fields(arg) {
			loc, ok := parsers.ParseLocation(name)
			if !ok {
				return fmt.Errorf("unknown location %q", name)
			}
			r.Locations = append(r.Locations, loc)
		}
	case "check":
		if _, ok := checks[arg]; !ok {
			return fmt.Errorf("unknown check %q: known are %s", arg, strings.Join(CheckNames(), ", "))
		}
		r.Check = arg
	case "anomaly":
		code, ok := parsers.ParseAnomalyCode(arg)
		if !ok {
			return fmt.Errorf("unknown anomaly %q", arg)
		}
		r.Anomaly = code
	case "message":
		r.Message = arg
	default:
		return fmt.Errorf("unknown directive %q", directive)
	}
	return nil
}

// parseQuotedList reads one or more Go-quoted strings separated by spaces.
func parseQuotedList(arg string) ([]string, error) {
	var words []string
	for arg = strings.TrimSpace(arg); arg != ""; arg = strings.TrimSpace(arg) {
		quoted, err := strconv.QuotedPrefix(arg)
		if err != nil {
			return nil, fmt.Errorf("invalid keyword list at %q: write each keyword as a Go-quoted string", truncate(arg, 20))
		}
		word, _ := strconv.Unquote(quoted)
		if word == "" {
			return nil, fmt.Errorf("empty keyword")
		}
		words = append(words, strings.ToLower(word))
		arg = arg[len(quoted):]
	}
	return words, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// validate checks that a rule has what it needs to run.
func validate(r *Rule) error {
	switch {
	case r.Class == "":
		return fmt.Errorf("missing class")
	case r.Severity == 0:
		return fmt.Errorf("missing severity")
	}
	kinds := 0
	if r.Check != "" {
		kinds++
	}
	if r.Anomaly != 0 {
		kinds++
	}
	if r.Confirm != "" || r.Pattern != "" || len(r.Keywords) > 0 && r.Check == "" {
		kinds++
	}
	switch {
	case kinds == 0:
		return fmt.Errorf("nothing to match: give keywords, confirm or pattern, or a check, or an anomaly")
	case kinds > 1:
		return fmt.Errorf("check and anomaly rules take no confirm or pattern, and not each other; anomaly rules take no keywords")
	case r.Anomaly != 0 && len(r.Keywords) > 0:
		return fmt.Errorf("check and anomaly rules take no confirm or pattern, and not each other; anomaly rules take no keywords")
	}
	return nil
}
