package main

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"time"
)

// The HTML report is one self-contained page: the styles and the script are
// inline and the charts are SVG drawn here, so it opens from a file, in a
// mail attachment or a CI artefact without network access.

//go:embed report.html.tmpl
var reportTemplateText string

var reportTemplate = template.Must(template.New("report").Parse(reportTemplateText))

// classPalette colours the classes in the charts, in order of findings. It
// repeats after ten classes.
var classPalette = []string{"#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"}

// Sizes of the charts in SVG user units.
const (
	chartWidth      = 960
	timelineHeight  = 280
	chartLeft       = 56
	chartRight      = 16
	chartTop        = 16
	chartBottom     = 48
	barRowHeight    = 22
	barLabelWidth   = 340
	maxChartBars    = 15
	maxChartLabelCh = 48
)

type htmlReport struct {
	Generated     string
	Inputs        []string
	Config        string
	Interrupted   bool
	Stats         []htmlStat
	TimeRange     string
	Legend        []htmlLegend
	Timeline      htmlTimeline
	Rules         htmlBars
	Paths         htmlBars
	Clients       htmlBars
	Classes       []string
	Findings      []htmlFinding
	FindingsTotal int64
	// FindingsTruncated is set when the table lists fewer findings than
	// the run found.
	FindingsTruncated bool
	Compare           *htmlCompare
}

type htmlStat struct {
	Label string
	Value string
	Kind  string
}

type htmlLegend struct {
	Class string
	Color string
	Count int64
}

type htmlTimeline struct {
	Width, Height int
	Axis          string
	ByTime        bool
	Bars          []htmlRect
	YTicks        []htmlTick
	XTicks        []htmlTick
	PlotBottom    int
	PlotLeft      int
	PlotRight     int
	Empty         bool
}

type htmlRect struct {
	X, Y, W, H float64
	Color      string
	Title      string
}

type htmlTick struct {
	X, Y   float64
	Label  string
	Anchor string
}

type htmlBars struct {
	Width, Height int
	LabelWidth    int
	Rows          []htmlBarRow
}

type htmlBarRow struct {
	Y, TextY float64
	BarWidth float64
	Label    string
	Full     string
	Count    int64
	Color    string
	CountX   float64
}

type htmlFinding struct {
	Where    string
	Time     string
	Client   string
	Method   string
	Target   string
	Action   string
	Rule     string
	Class    string
	Severity string
	Field    string
	Evidence string
}

type htmlCompare struct {
	NameA, NameB string
	Stats        []htmlStat
	Changes      []verdictChange
	Total        int64
}

// writeHTMLReport renders the report of summary to w.
func writeHTMLReport(w io.Writer, summary *replaySummary, sources []*inputSource) error {
	report := buildHTMLReport(summary, sources, time.Now())
	return reportTemplate.Execute(w, report)
}

func buildHTMLReport(s *replaySummary, sources []*inputSource, now time.Time) *htmlReport {
	r := &htmlReport{
		Generated:     now.Format("2006-01-02 15:04:05 MST"),
		Interrupted:   s.interrupted,
		FindingsTotal: s.findings,
	}
	for _, src := range sources {
		name, ok := s.inputs[src]
		if !ok {
			// No record of this file was collected: it was empty or the
			// run was interrupted before it.
			name = src.displayName()
		}
		r.Inputs = append(r.Inputs, name)
	}
	r.Stats = []htmlStat{
		{Label: "requests read", Value: formatCount(s.read)},
		{Label: "unreadable records", Value: formatCount(s.unreadable), Kind: warnIf(s.unreadable > 0)},
		{Label: "allowed", Value: formatCount(s.allowed), Kind: "allow"},
		{Label: "logged", Value: formatCount(s.logged), Kind: "log"},
		{Label: "blocked", Value: formatCount(s.blocked), Kind: "block"},
		{Label: "findings", Value: formatCount(s.findings)},
	}
	switch {
	case s.timed > 0:
		r.TimeRange = fmt.Sprintf("%s to %s", s.first.Format(time.RFC3339), s.last.Format(time.RFC3339))
		if s.timed < s.read {
			r.TimeRange += fmt.Sprintf(" (%s requests have no time)", formatCount(s.read-s.timed))
		}
	default:
		r.TimeRange = "unknown: the records have no time"
	}

	classes := sortedByCount(s.classFindings)
	colors := make(map[string]string, len(classes))
	for i, class := range classes {
		colors[class] = classPalette[i%len(classPalette)]
		r.Legend = append(r.Legend, htmlLegend{Class: class, Color: colors[class], Count: s.classFindings[class]})
	}
	r.Classes = slicesSorted(classes)
	if s.timed > 0 {
		r.Timeline = drawTimeline(s.byTime, classes, colors, true)
	} else {
		r.Timeline = drawTimeline(s.bySequence, classes, colors, false)
	}

	ruleRows := make([]topEntry, 0, len(s.ruleFindings))
	for _, rule := range sortedByCount(s.ruleFindings) {
		ruleRows = append(ruleRows, topEntry{key: rule, count: s.ruleFindings[rule]})
	}
	r.Rules = drawBars(ruleRows, func(key string) string { return colors[s.ruleClass[key]] })
	r.Paths = drawBars(s.paths.top(maxChartBars), func(string) string { return "#1f77b4" })
	r.Clients = drawBars(s.clients.top(maxChartBars), func(string) string { return "#9467bd" })

	for _, f := range s.reportFindings {
		row := htmlFinding{
			Where:    f.where,
			Client:   f.client,
			Method:   f.method,
			Target:   truncateText(f.target, 300),
			Action:   string(f.action),
			Rule:     f.finding.RuleID,
			Class:    f.finding.Class,
			Severity: f.finding.Severity,
			Field:    f.finding.Field(),
			Evidence: f.finding.Evidence,
		}
		if !f.time.IsZero() {
			row.Time = f.time.Format(time.RFC3339)
		}
		r.Findings = append(r.Findings, row)
	}

	r.FindingsTruncated = int64(len(r.Findings)) < s.findings

	if c := s.compare; c != nil {
		r.Config = c.nameA
		r.Compare = &htmlCompare{
			NameA:   c.nameA,
			NameB:   c.nameB,
			Changes: c.listed,
			Total:   c.changed,
			Stats: []htmlStat{
				{Label: "allowed under B", Value: formatCount(c.allowed), Kind: "allow"},
				{Label: "logged under B", Value: formatCount(c.logged), Kind: "log"},
				{Label: "blocked under B", Value: formatCount(c.blocked), Kind: "block"},
				{Label: "action changes", Value: formatCount(c.changed), Kind: warnIf(c.changed > 0)},
				{Label: "same action, other rules", Value: formatCount(c.sameActionOtherRules)},
			},
		}
		for _, transition := range sortedByCount(c.transitions) {
			r.Compare.Stats = append(r.Compare.Stats, htmlStat{Label: transition, Value: formatCount(c.transitions[transition])})
		}
	}
	return r
}

func warnIf(warn bool) string {
	if warn {
		return "warn"
	}
	return ""
}

func slicesSorted(s []string) []string {
	sorted := append([]string(nil), s...)
	sort.Strings(sorted)
	return sorted
}

// formatCount writes n with thousands separators.
func formatCount(n int64) string {
	digits := strconv.FormatInt(n, 10)
	if n < 0 {
		return digits
	}
	var out []byte
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, digits[i])
	}
	return string(out)
}

// drawTimeline lays out the findings of tl as stacked bars, one per bucket
// from the first to the last, and one colour per class.
func drawTimeline(tl *timeline, classes []string, colors map[string]string, byTime bool) htmlTimeline {
	chart := htmlTimeline{
		Width:      chartWidth,
		Height:     timelineHeight,
		PlotLeft:   chartLeft,
		PlotRight:  chartWidth - chartRight,
		PlotBottom: timelineHeight - chartBottom,
		ByTime:     byTime,
	}
	width := tl.bucketWidth()
	if byTime {
		chart.Axis = "time (UTC), " + describeSeconds(width) + " per bar"
	} else {
		chart.Axis = "request number, " + formatCount(width) + " per bar"
	}
	if len(tl.buckets) == 0 {
		chart.Empty = true
		return chart
	}

	n := int((tl.max-tl.min)/width) + 1
	var highest int64
	for _, counts := range tl.buckets {
		var total int64
		for _, c := range counts {
			total += c
		}
		highest = max(highest, total)
	}
	plotWidth := float64(chart.PlotRight - chart.PlotLeft)
	plotHeight := float64(chart.PlotBottom - chartTop)
	barWidth := plotWidth / float64(n)
	gap := min(2, barWidth/5)
	label := func(start int64) string {
		if !byTime {
			return formatCount(max(start, 1))
		}
		t := time.Unix(start, 0).UTC()
		switch {
		case width >= 86400:
			return t.Format("2006-01-02")
		case width >= 60:
			return t.Format("01-02 15:04")
		}
		return t.Format("15:04:05")
	}

	for i := 0; i < n; i++ {
		start := tl.min + int64(i)*width
		counts := tl.buckets[start]
		x := float64(chart.PlotLeft) + float64(i)*barWidth
		y := float64(chart.PlotBottom)
		for _, class := range classes {
			count := counts[class]
			if count == 0 {
				continue
			}
			h := plotHeight * float64(count) / float64(highest)
			y -= h
			chart.Bars = append(chart.Bars, htmlRect{
				X: round1(x + gap/2), Y: round1(y), W: round1(barWidth - gap), H: round1(h),
				Color: colors[class],
				Title: fmt.Sprintf("%s: %s %s", label(start), formatCount(count), class),
			})
		}
	}
	for _, fraction := range []float64{0, 0.5, 1} {
		chart.YTicks = append(chart.YTicks, htmlTick{
			X:     float64(chart.PlotLeft - 6),
			Y:     round1(float64(chart.PlotBottom) - plotHeight*fraction),
			Label: formatCount(int64(float64(highest)*fraction + 0.5)),
		})
	}
	for _, i := range distinct(0, n/2, n-1) {
		// The first and last labels align with the plot's edges, so that
		// they stay inside the chart.
		tick := htmlTick{
			X:      round1(float64(chart.PlotLeft) + (float64(i)+0.5)*barWidth),
			Y:      float64(chart.PlotBottom + 18),
			Label:  label(tl.min + int64(i)*width),
			Anchor: "middle",
		}
		switch {
		case n > 1 && i == 0:
			tick.X, tick.Anchor = float64(chart.PlotLeft), "start"
		case n > 1 && i == n-1:
			tick.X, tick.Anchor = float64(chart.PlotRight), "end"
		}
		chart.XTicks = append(chart.XTicks, tick)
	}
	return chart
}

func distinct(values ...int) []int {
	var out []int
	for _, v := range values {
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}

// describeSeconds returns a bucket width such as "5 min" or "1 day".
func describeSeconds(s int64) string {
	switch {
	case s%86400 == 0:
		return plural(s/86400, "day")
	case s%3600 == 0:
		return plural(s/3600, "hour")
	case s%60 == 0:
		return fmt.Sprintf("%d min", s/60)
	}
	return fmt.Sprintf("%d s", s)
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// drawBars lays out a horizontal bar chart of the first maxChartBars rows.
func drawBars(rows []topEntry, color func(key string) string) htmlBars {
	if len(rows) > maxChartBars {
		rows = rows[:maxChartBars]
	}
	chart := htmlBars{Width: chartWidth, LabelWidth: barLabelWidth, Height: len(rows)*barRowHeight + 8}
	if len(rows) == 0 {
		return chart
	}
	highest := rows[0].count
	for _, r := range rows {
		highest = max(highest, r.count)
	}
	plot := float64(chartWidth - barLabelWidth - 80)
	for i, r := range rows {
		w := max(plot*float64(r.count)/float64(highest), 1)
		y := float64(4 + i*barRowHeight)
		chart.Rows = append(chart.Rows, htmlBarRow{
			Y:        y,
			TextY:    y + 15,
			BarWidth: round1(w),
			Label:    truncateText(tableCell(r.key), maxChartLabelCh),
			Full:     r.key,
			Count:    r.count,
			Color:    color(r.key),
			CountX:   round1(float64(barLabelWidth) + w + 6),
		})
	}
	return chart
}

func round1(v float64) float64 {
	return float64(int64(v*10+0.5)) / 10
}
