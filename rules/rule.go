// Package rules holds the rule model, the built-in rule files, the parser of
// the rule file format and the compiler that turns a rule set into one
// multi-pattern automaton with confirmers.
//
// A rule file is plain text. Each rule starts with a "rule ID" line and is
// followed by one directive per line; "#" starts a comment line:
//
//	# UNION-based SQL injection, confirmed by a pattern.
//	rule sqli-union-select
//	  class     sqli
//	  severity  critical
//	  paranoia  1
//	  keywords  "union" "select"
//	  pattern   (?i)\bunion\b[\s(]+(all\s+|distinct\s+)?select\b
//	  message   UNION SELECT in a value
//
// Directives:
//
//	class      the attack class, a lower-case word such as sqli or xss
//	severity   critical, error, warning or notice (anomaly score 5, 4, 3, 2)
//	paranoia   1 to 4; the rule runs when the engine's paranoia level is at least this
//	keywords   Go-quoted strings; the rule runs on a field whose folded view contains
//	           any of them (case-insensitive). Several keywords lines add up.
//	confirm    a named confirmer (see Confirmers) run on a candidate field
//	pattern    an RE2 regular expression run on a candidate field
//	view       the value the confirmer or pattern reads: decoded (default), folded or raw
//	targets    values, keys or all (default values)
//	locations  location names (query, body, header, ...) or all (default)
//	check      a named structural check (see CheckNames); with keywords, the
//	           check runs only on fields whose views contain one of them
//	anomaly    a parser anomaly name (see parsers.AnomalyCode) that this rule reports
//	message    one line for people reading the finding
//
// A rule fires when its keywords, if any, occur, and its confirmer and its
// pattern, where given, both accept the field. A rule with no keywords runs on
// every field it targets, which costs a confirmer call per field.
package rules

import (
	"fmt"
	"strings"

	"github.com/fieldwall/fieldwall/parsers"
)

// Severity is how much a finding adds to its class's anomaly score.
type Severity uint8

// The severities, with the anomaly scores of the OWASP CRS.
const (
	Notice   Severity = 2
	Warning  Severity = 3
	Error    Severity = 4
	Critical Severity = 5
)

func (s Severity) String() string {
	switch s {
	case Notice:
		return "notice"
	case Warning:
		return "warning"
	case Error:
		return "error"
	case Critical:
		return "critical"
	}
	return fmt.Sprintf("severity(%d)", uint8(s))
}

// Score returns the anomaly score that one finding of this severity adds.
func (s Severity) Score() int { return int(s) }

// ParseSeverity returns the severity named s.
func ParseSeverity(s string) (Severity, bool) {
	for _, sev := range []Severity{Notice, Warning, Error, Critical} {
		if sev.String() == s {
			return sev, true
		}
	}
	return 0, false
}

// View selects the form of a field value that a confirmer or pattern reads.
type View uint8

// The views of a field value.
const (
	// ViewDecoded is the value with URL, HTML-entity and backslash escapes
	// decoded and compatibility characters folded, case kept.
	ViewDecoded View = iota
	// ViewFolded is the decoded value in lower case, with SQL comments
	// replaced by a space and whitespace runs compressed to one space.
	ViewFolded
	// ViewRaw is the value as the parser produced it.
	ViewRaw
)

var viewNames = [...]string{ViewDecoded: "decoded", ViewFolded: "folded", ViewRaw: "raw"}

func (v View) String() string {
	if int(v) < len(viewNames) {
		return viewNames[v]
	}
	return fmt.Sprintf("view(%d)", uint8(v))
}

// Target selects whether a rule reads values, keys or both.
type Target uint8

// The targets of a rule.
const (
	TargetValues Target = iota
	TargetKeys
	TargetAll
)

// Rule is one detection rule as written in a rule file.
type Rule struct {
	ID        string
	Class     string
	Severity  Severity
	Paranoia  int
	Keywords  []string
	Confirm   string // confirmer name, or ""
	Pattern   string // RE2 pattern, or ""
	View      View
	Targets   Target
	Locations []parsers.Location // nil means every location
	Check     string             // structural check name, or ""
	Anomaly   parsers.AnomalyCode
	Message   string

	// Source is "file:line" of the rule's first line, for error messages.
	Source string
}

// AppliesTo reports whether the rule reads a field at loc of the given kind.
func (r *Rule) AppliesTo(loc parsers.Location, kind parsers.Kind) bool {
	isKey := kind == parsers.KindKey
	switch r.Targets {
	case TargetValues:
		if isKey {
			return false
		}
	case TargetKeys:
		if !isKey {
			return false
		}
	}
	if r.Locations == nil {
		return true
	}
	for _, l := range r.Locations {
		if l == loc {
			return true
		}
	}
	return false
}

// String returns a one-line summary of the rule for listings.
func (r *Rule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-32s %-8s %-8s PL%d", r.ID, r.Class, r.Severity, r.Paranoia)
	if r.Message != "" {
		b.WriteString("  ")
		b.WriteString(r.Message)
	}
	return b.String()
}
