package engine

import (
	"strings"
	"unicode/utf8"
)

// Action is the decision a gateway applies to a request.
type Action string

// The actions of a verdict.
const (
	// ActionAllow: no class reached the threshold. Findings below the
	// threshold are still listed.
	ActionAllow Action = "allow"
	// ActionLog: a class reached the threshold, but the engine runs in
	// detect-only mode.
	ActionLog Action = "log"
	// ActionBlock: a class reached the threshold.
	ActionBlock Action = "block"
)

// MaxEvidenceBytes bounds Finding.Evidence, which quotes request content into
// logs and reports.
const MaxEvidenceBytes = 120

// Finding is one rule that fired on one field or on the request's shape.
type Finding struct {
	RuleID   string `json:"rule"`
	Class    string `json:"class"`
	Severity string `json:"severity"`
	// Location is the request part: path, query, header, cookie, body,
	// multipart, graphql-argument or graphql-variable.
	Location string `json:"location"`
	// Path is the field path within the location, "" for the whole part.
	Path string `json:"path"`
	// Evidence is the decoded value or the parser's description, cut to
	// MaxEvidenceBytes.
	Evidence string `json:"evidence"`
	Message  string `json:"message"`
	// Incomplete marks a finding that means part of the request was not
	// inspected: a limit was hit, a body could not be parsed, or the
	// engine failed. Config.FailOpen decides whether such findings block.
	Incomplete bool `json:"incomplete,omitempty"`
}

// Field returns "location:path", the form that exclusions match.
func (f *Finding) Field() string {
	if f.Path == "" {
		return f.Location
	}
	return f.Location + ":" + f.Path
}

// Verdict is the result of inspecting one request. It marshals to stable
// JSON: fields in declaration order, map keys sorted.
type Verdict struct {
	Action Action `json:"action"`
	// Scores is the anomaly score of each class with findings.
	Scores   map[string]int `json:"scores,omitempty"`
	Findings []Finding      `json:"findings,omitempty"`
}

// Blocked reports whether the verdict blocks the request.
func (v Verdict) Blocked() bool { return v.Action == ActionBlock }

// Classes returns the classes with findings, highest score first.
func (v Verdict) Classes() []string {
	classes := make([]string, 0, len(v.Scores))
	for c := range v.Scores {
		classes = append(classes, c)
	}
	for i := 1; i < len(classes); i++ {
		for j := i; j > 0 && less(v.Scores, classes[j], classes[j-1]); j-- {
			classes[j], classes[j-1] = classes[j-1], classes[j]
		}
	}
	return classes
}

func less(scores map[string]int, a, b string) bool {
	if scores[a] != scores[b] {
		return scores[a] > scores[b]
	}
	return a < b
}

// RuleIDs returns the distinct rule ids of the findings, in finding order.
func (v Verdict) RuleIDs() []string {
	var ids []string
	for _, f := range v.Findings {
		dup := false
		for _, id := range ids {
			if id == f.RuleID {
				dup = true
				break
			}
		}
		if !dup {
			ids = append(ids, f.RuleID)
		}
	}
	return ids
}

// evidence returns a copy of s with control characters other than tab
// replaced, so that it prints on one line, cut to MaxEvidenceBytes on a rune
// boundary. The copy keeps findings valid after the request body is reused.
func evidence(s string) string {
	if len(s) > 4*MaxEvidenceBytes {
		s = s[:4*MaxEvidenceBytes] // bound the work; the cut below is exact
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
	if len(s) > MaxEvidenceBytes {
		cut := MaxEvidenceBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return strings.Clone(s)
}
