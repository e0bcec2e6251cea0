package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"

	"github.com/fieldwall/fieldwall/engine"
)

// SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), the log
// format that code scanning dashboards import. The writer streams the
// results, so a run with millions of findings needs no more memory than one
// with a few: it writes run.results first and run.tool, which lists the
// rules, at the end. JSON object members have no order, so readers accept
// that.

// sarifSchema is the $schema of the documents written.
const sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name,omitempty"`
	ShortDescription     sarifMessage       `json:"shortDescription"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Class    string `json:"class"`
	Severity string `json:"severity"`
	Paranoia int    `json:"paranoia,omitempty"`
	// SecuritySeverity is a score from 0 to 10, as a string, that GitHub
	// code scanning reads to rank security alerts.
	SecuritySeverity string   `json:"security-severity"`
	Tags             []string `json:"tags"`
}

type sarifResult struct {
	RuleID     string           `json:"ruleId"`
	RuleIndex  int              `json:"ruleIndex"`
	Level      string           `json:"level"`
	Message    sarifMessage     `json:"message"`
	Locations  []sarifLocation  `json:"locations"`
	Properties sarifResultProps `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
	// Index is the artifact's index in run.artifacts, left out in
	// run.artifacts itself.
	Index *int `json:"index,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifResultProps struct {
	Class    string        `json:"class"`
	Severity string        `json:"severity"`
	Field    string        `json:"field"`
	Evidence string        `json:"evidence"`
	Method   string        `json:"method"`
	Target   string        `json:"target"`
	Action   engine.Action `json:"action"`
	Time     string        `json:"time,omitempty"`
	Client   string        `json:"client,omitempty"`
	// Line is the record's line for standard input, which has no artifact
	// to hold a region.
	Line int `json:"line,omitempty"`
}

// sarifWriter writes one SARIF log with one run.
type sarifWriter struct {
	out       io.Writer
	rules     []sarifRule
	ruleIndex map[string]int
	// artifacts are the input files, standard input excepted, with their
	// index in run.artifacts.
	artifacts     []sarifArtifactLocation
	artifactIndex map[*inputSource]int
	results       int64
}

func newSARIFWriter(out io.Writer, e *engine.Engine, sources []*inputSource) *sarifWriter {
	w := &sarifWriter{out: out, ruleIndex: make(map[string]int), artifactIndex: make(map[*inputSource]int)}
	for _, r := range e.Rules() {
		if _, ok := w.ruleIndex[r.ID]; ok {
			continue
		}
		w.addRule(r.ID, r.Class, r.Severity.String(), r.Paranoia, r.Message)
	}
	for _, src := range sources {
		if src.name == "-" {
			continue
		}
		index := len(w.artifacts)
		w.artifactIndex[src] = index
		w.artifacts = append(w.artifacts, sarifArtifactLocation{URI: fileURI(src.name), Index: &index})
	}
	fmt.Fprintf(out, `{"$schema":%q,"version":"2.1.0","runs":[{"results":[`, sarifSchema)
	return w
}

func (w *sarifWriter) addRule(id, class, severity string, paranoia int, message string) int {
	index := len(w.rules)
	w.ruleIndex[id] = index
	if message == "" {
		message = id
	}
	w.rules = append(w.rules, sarifRule{
		ID:                   id,
		ShortDescription:     sarifMessage{Text: message},
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(severity)},
		Properties: sarifRuleProps{
			Class:            class,
			Severity:         severity,
			Paranoia:         paranoia,
			SecuritySeverity: securitySeverity(severity),
			Tags:             []string{"security", class},
		},
	})
	return index
}

// sarifLevel maps a finding's severity to a SARIF result level.
func sarifLevel(severity string) string {
	switch severity {
	case "critical", "error":
		return "error"
	case "notice":
		return "note"
	}
	return "warning"
}

// securitySeverity maps a severity to the 0 to 10 score that GitHub code
// scanning reads as critical above 9.0, high from 7.0 to 8.9, medium from
// 4.0 to 6.9 and low at 3.9 or less.
func securitySeverity(severity string) string {
	switch severity {
	case "critical":
		return "9.5"
	case "error":
		return "7.5"
	case "warning":
		return "5.0"
	}
	return "3.0"
}

// fileURI returns a relative path as a relative URI reference and an
// absolute path as a file URI.
func fileURI(name string) string {
	slashed := filepath.ToSlash(name)
	if filepath.IsAbs(name) {
		return (&url.URL{Scheme: "file", Path: slashed}).String()
	}
	return (&url.URL{Path: slashed}).String()
}

func (w *sarifWriter) add(job *replayJob) {
	for _, f := range job.verdict.Findings {
		index, ok := w.ruleIndex[f.RuleID]
		if !ok {
			// A finding of a rule that Rules does not list, such as the
			// engine's internal error.
			index = w.addRule(f.RuleID, f.Class, f.Severity, 0, f.Message)
		}
		result := sarifResult{
			RuleID:    f.RuleID,
			RuleIndex: index,
			Level:     sarifLevel(f.Severity),
			Message: sarifMessage{Text: fmt.Sprintf("%s at %s in %s %s (%s), evidence %s",
				f.Message, f.Field(), job.req.Method, truncateText(job.req.Target, 200), job.verdict.Action, strconv.Quote(f.Evidence))},
			Locations: []sarifLocation{w.location(job)},
			Properties: sarifResultProps{
				Class:    f.Class,
				Severity: f.Severity,
				Field:    f.Field(),
				Evidence: f.Evidence,
				Method:   job.req.Method,
				Target:   job.req.Target,
				Action:   job.verdict.Action,
				Client:   job.client,
			},
		}
		if !job.time.IsZero() {
			result.Properties.Time = job.time.Format("2006-01-02T15:04:05.999999999Z07:00")
		}
		if job.source.name == "-" {
			result.Properties.Line = job.pos.line
		}
		if w.results > 0 {
			io.WriteString(w.out, ",")
		}
		w.results++
		data, err := json.Marshal(result)
		if err == nil {
			w.out.Write(data)
		}
	}
}

// location places a finding at the record's line in its file and, for HAR
// and Burp Suite input, at the record's element.
func (w *sarifWriter) location(job *replayJob) sarifLocation {
	var loc sarifLocation
	if index, ok := w.artifactIndex[job.source]; ok {
		loc.PhysicalLocation = &sarifPhysicalLocation{ArtifactLocation: w.artifacts[index]}
		if job.pos.line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: job.pos.line}
		}
	}
	switch {
	case job.pos.index >= 0 && job.source.format == formatHAR:
		loc.LogicalLocations = []sarifLogicalLocation{{
			Name:               fmt.Sprintf("entries[%d]", job.pos.index),
			FullyQualifiedName: fmt.Sprintf("log.entries[%d]", job.pos.index),
			Kind:               "object",
		}}
	case job.pos.index >= 0 && job.source.format == formatBurp:
		// XPath positions count from 1.
		loc.LogicalLocations = []sarifLogicalLocation{{
			Name:               fmt.Sprintf("item[%d]", job.pos.index+1),
			FullyQualifiedName: fmt.Sprintf("/items/item[%d]", job.pos.index+1),
			Kind:               "element",
		}}
	case loc.PhysicalLocation == nil:
		loc.LogicalLocations = []sarifLogicalLocation{{Name: "standard input", FullyQualifiedName: "standard input", Kind: "resource"}}
	}
	return loc
}

// sarifRunEnd is the rest of the run after run.results: the tool with its
// rules, the input files and the invocation.
type sarifRunEnd struct {
	Tool        sarifTool         `json:"tool"`
	Artifacts   []sarifArtifact   `json:"artifacts,omitempty"`
	Invocations []sarifInvocation `json:"invocations"`
	Properties  map[string]int64  `json:"properties"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifArtifact struct {
	Location sarifArtifactLocation `json:"location"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool `json:"executionSuccessful"`
}

// finish writes the rest of the document.
func (w *sarifWriter) finish(summary *replaySummary) {
	end := sarifRunEnd{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "fieldwall",
			InformationURI: "https://github.com/fieldwall/fieldwall",
			Rules:          w.rules,
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: !summary.interrupted}},
		Properties: map[string]int64{
			"requestsRead":      summary.read,
			"unreadableRecords": summary.unreadable,
			"allowed":           summary.allowed,
			"logged":            summary.logged,
			"blocked":           summary.blocked,
		},
	}
	for _, a := range w.artifacts {
		end.Artifacts = append(end.Artifacts, sarifArtifact{Location: sarifArtifactLocation{URI: a.URI}})
	}
	data, err := json.Marshal(end)
	if err != nil {
		return
	}
	// data is {"tool":...}: its members continue the run object.
	io.WriteString(w.out, "],")
	w.out.Write(data[1:])
	io.WriteString(w.out, "]}\n")
}
