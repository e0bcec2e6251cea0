package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fieldwall/fieldwall/engine"
)

// Bounds of the list of changed verdicts. --changes writes every change.
const (
	// maxListedChanges is the number of changes the terminal summary lists.
	maxListedChanges = 20
	// maxReportChanges is the number the HTML report lists.
	maxReportChanges = 500
)

// comparison counts how the verdicts under --config (A) and under
// --compare-config (B) differ.
type comparison struct {
	nameA, nameB string
	// Actions under B. The summary counts those under A.
	allowed, logged, blocked int64
	// changed counts the requests whose action differs.
	changed int64
	// transitions counts the changed requests by "A -> B" action pair.
	transitions map[string]int64
	// sameActionOtherRules counts the requests whose action is the same
	// under both but whose rules differ.
	sameActionOtherRules int64
	// listed keeps the first changes for the terminal or the HTML report.
	listed    []verdictChange
	keepLimit int
	// writer receives every change for --changes, when given.
	writer *jsonLinesWriter
}

// verdictChange is a request whose action differs between the two
// configurations: one line of --changes.
type verdictChange struct {
	File    string        `json:"file"`
	Line    int           `json:"line,omitempty"`
	Entry   *int          `json:"entry,omitempty"`
	Item    *int          `json:"item,omitempty"`
	Method  string        `json:"method"`
	Target  string        `json:"target"`
	ActionA engine.Action `json:"action_a"`
	ActionB engine.Action `json:"action_b"`
	RulesA  []string      `json:"rules_a"`
	RulesB  []string      `json:"rules_b"`

	// Where is the position as messages write it.
	Where string `json:"-"`
}

func newComparison(nameA, nameB string, forReport bool) *comparison {
	c := &comparison{nameA: nameA, nameB: nameB, transitions: make(map[string]int64), keepLimit: maxListedChanges}
	if forReport {
		c.keepLimit = maxReportChanges
	}
	return c
}

func (c *comparison) add(job *replayJob) {
	switch job.compared.Action {
	case engine.ActionBlock:
		c.blocked++
	case engine.ActionLog:
		c.logged++
	default:
		c.allowed++
	}
	rulesA, rulesB := job.verdict.RuleIDs(), job.compared.RuleIDs()
	if job.verdict.Action == job.compared.Action {
		if !sameRules(rulesA, rulesB) {
			c.sameActionOtherRules++
		}
		return
	}
	c.changed++
	c.transitions[fmt.Sprintf("%s -> %s", job.verdict.Action, job.compared.Action)]++
	if len(c.listed) >= c.keepLimit && c.writer == nil {
		return
	}

	change := verdictChange{
		File:    job.source.name,
		Line:    job.pos.line,
		Method:  job.req.Method,
		Target:  job.req.Target,
		ActionA: job.verdict.Action,
		ActionB: job.compared.Action,
		RulesA:  nonNil(rulesA),
		RulesB:  nonNil(rulesB),
		Where:   job.source.describe(job.pos),
	}
	setIndex(job, &change.Entry, &change.Item)
	if len(c.listed) < c.keepLimit {
		c.listed = append(c.listed, change)
	}
	if c.writer != nil {
		c.writer.write(change)
	}
}

// sameRules reports whether a and b contain the same rule ids in any order.
func sameRules(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// setIndex points entry (HAR) or item (Burp) at the job's index.
func setIndex(job *replayJob, entry, item **int) {
	if job.pos.index < 0 {
		return
	}
	index := job.pos.index
	switch job.source.format {
	case formatHAR:
		*entry = &index
	case formatBurp:
		*item = &index
	}
}

// write prints the comparison as part of the terminal summary.
func (c *comparison) write(w io.Writer) {
	fmt.Fprintf(w, "\ncompare %s (A) with %s (B)\n", tableCell(c.nameA), tableCell(c.nameB))
	fmt.Fprintf(w, "  under B: allowed\t%d\n", c.allowed)
	fmt.Fprintf(w, "  under B: logged\t%d\n", c.logged)
	fmt.Fprintf(w, "  under B: blocked\t%d\n", c.blocked)
	fmt.Fprintf(w, "  action changes\t%d\n", c.changed)
	for _, transition := range sortedByCount(c.transitions) {
		fmt.Fprintf(w, "    %s\t%d\n", transition, c.transitions[transition])
	}
	fmt.Fprintf(w, "  same action, other rules\t%d\n", c.sameActionOtherRules)
	if len(c.listed) == 0 {
		return
	}

	fmt.Fprintf(w, "\n  POSITION\tMETHOD\tTARGET\tA\tB\tRULES A\tRULES B\n")
	for i, change := range c.listed {
		if i == maxListedChanges {
			break
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			tableCell(change.Where), tableCell(change.Method), tableCell(truncateText(change.Target, 60)),
			change.ActionA, change.ActionB, ruleList(change.RulesA), ruleList(change.RulesB))
	}
	if c.changed > maxListedChanges {
		fmt.Fprintf(w, "  (%d more: write every change with --changes FILE)\n", c.changed-maxListedChanges)
	}
}

func ruleList(ids []string) string {
	if len(ids) == 0 {
		return "-"
	}
	return strings.Join(ids, ",")
}
