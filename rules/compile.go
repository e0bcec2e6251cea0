package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/fieldwall/fieldwall/parsers"
)

// Program is a compiled rule set: automata over the keywords of the rules,
// one for keys and one for values, and per rule its confirmer, pattern or
// check. It is immutable and safe for concurrent use.
type Program struct {
	rules []*Rule
	// keys and values match the keywords of the rules that target keys and
	// values. Keys are about half the fields of a JSON body and only a few
	// rules read them, so their automaton is small and finds few candidates.
	keys, values keywordSet
	// numbers, bools and nulls report whether some rule can match a JSON
	// literal of that kind: a value keyword that can occur inside it, or a
	// rule without keywords.
	numbers, bools, nulls bool
	// unfiltered are the rules with no keywords, run on every field they
	// target: confirmer rules without keywords and structural checks.
	unfiltered []int32
	// anomalyRules maps a parser anomaly to the rules that report it.
	anomalyRules map[parsers.AnomalyCode][]int32

	confirm  []Confirmer
	patterns []*regexp.Regexp
	// anchors[i] is the quick test of patterns[i] when it is anchored at
	// the start of the text, or nil.
	anchors []*anchorFilter
	checks  []Check
}

// keywordSet is an automaton over the keywords of some rules, and for each
// keyword the rules that listed it.
type keywordSet struct {
	// matcher is the concrete Automaton rather than a Matcher, so that the
	// call made for every view of every field is direct.
	matcher *Automaton
	// rules maps a keyword index of the matcher to the rules that listed it.
	rules [][]int32
}

// keywordSetBuilder collects the keywords of a keywordSet.
type keywordSetBuilder struct {
	index    map[string]int
	keywords []string
	rules    [][]int32
}

func (b *keywordSetBuilder) add(keyword string, rule int32) {
	if b.index == nil {
		b.index = make(map[string]int)
	}
	k, ok := b.index[keyword]
	if !ok {
		k = len(b.keywords)
		b.index[keyword] = k
		b.keywords = append(b.keywords, keyword)
		b.rules = append(b.rules, nil)
	}
	if n := len(b.rules[k]); n == 0 || b.rules[k][n-1] != rule {
		b.rules[k] = append(b.rules[k], rule)
	}
}

func (b *keywordSetBuilder) build() keywordSet {
	return keywordSet{matcher: NewAutomaton(b.keywords), rules: b.rules}
}

// Compile compiles rules into a program. Rule ids must be unique.
func Compile(rules []*Rule) (*Program, error) {
	p := &Program{
		rules:        rules,
		anomalyRules: make(map[parsers.AnomalyCode][]int32),
		confirm:      make([]Confirmer, len(rules)),
		patterns:     make([]*regexp.Regexp, len(rules)),
		anchors:      make([]*anchorFilter, len(rules)),
		checks:       make([]Check, len(rules)),
	}
	seen := make(map[string]string, len(rules))
	var keys, values keywordSetBuilder
	for i, r := range rules {
		if prev, ok := seen[r.ID]; ok {
			return nil, fmt.Errorf("%s: rule id %q is already used at %s", r.Source, r.ID, prev)
		}
		seen[r.ID] = r.Source
		if r.Confirm != "" {
			p.confirm[i] = confirmers[r.Confirm]
		}
		if r.Pattern != "" {
			re, err := regexp.Compile(r.Pattern)
			if err != nil {
				return nil, fmt.Errorf("%s: rule %s: invalid pattern: %v", r.Source, r.ID, err)
			}
			p.patterns[i] = re
			p.anchors[i] = newAnchorFilter(r.Pattern)
		}
		switch {
		case r.Check != "":
			p.checks[i] = checks[r.Check]
			if len(r.Keywords) == 0 {
				p.unfiltered = append(p.unfiltered, int32(i))
			}
		case r.Anomaly != 0:
			p.anomalyRules[r.Anomaly] = append(p.anomalyRules[r.Anomaly], int32(i))
		case len(r.Keywords) == 0:
			p.unfiltered = append(p.unfiltered, int32(i))
		}
		for _, kw := range r.Keywords {
			if r.Targets != TargetValues {
				keys.add(kw, int32(i))
			}
			if r.Targets != TargetKeys {
				values.add(kw, int32(i))
			}
		}
	}
	p.keys, p.values = keys.build(), values.build()
	unfiltered := len(p.unfiltered) > 0
	p.numbers, p.bools, p.nulls = unfiltered, unfiltered, unfiltered
	for _, kw := range values.keywords {
		if kw == "" {
			continue
		}
		p.numbers = p.numbers || canOccurInNumber(kw)
		p.bools = p.bools || strings.Contains("true", kw) || strings.Contains("false", kw)
		p.nulls = p.nulls || strings.Contains("null", kw)
	}
	return p, nil
}

// Rules returns the program's rules in their compiled order. The caller must
// not modify them.
func (p *Program) Rules() []*Rule { return p.rules }

// Rule returns rule i.
func (p *Program) Rule(i int) *Rule { return p.rules[i] }

// AppendCandidates appends to candidates the indices of the rules that target
// fields of kind and whose keywords occur in text, a view of such a field in
// any ASCII case. hits is scratch space for keyword indices, and the
// extended scratch is returned for reuse. Indices may repeat.
func (p *Program) AppendCandidates(candidates []int32, hits []int, kind parsers.Kind, text []byte) ([]int32, []int) {
	set := &p.values
	if kind == parsers.KindKey {
		set = &p.keys
	}
	hits = set.matcher.AppendMatches(hits[:0], text)
	for _, k := range hits {
		candidates = append(candidates, set.rules[k]...)
	}
	return candidates, hits
}

// Inspects reports whether some rule can match a field of kind. It is false
// for a JSON number, bool or null when no rule can: their text is a
// validated literal, and no value keyword occurs in one.
func (p *Program) Inspects(kind parsers.Kind) bool {
	switch kind {
	case parsers.KindNumber:
		return p.numbers
	case parsers.KindBool:
		return p.bools
	case parsers.KindNull:
		return p.nulls
	}
	return true
}

// canOccurInNumber reports whether keyword, in lower case, can occur inside
// a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. It runs the
// keyword through the number grammar's automaton from every state. Every
// state that the run can end in leads on to a complete number.
func canOccurInNumber(keyword string) bool {
	for start := range numberStates {
		state := numberState(start)
		for i := 0; i < len(keyword) && state != numberDead; i++ {
			state = state.next(keyword[i])
		}
		if state != numberDead {
			return true
		}
	}
	return false
}

// numberState is a state of the JSON number grammar's automaton.
type numberState int

const (
	numberStart    numberState = iota // nothing read
	numberMinus                       // "-"
	numberZero                        // a leading "0"
	numberInt                         // integer digits after 1 to 9
	numberDot                         // "."
	numberFraction                    // fraction digits
	numberE                           // "e"
	numberExpSign                     // "+" or "-" after "e"
	numberExp                         // exponent digits
	numberStates                      // the number of live states
	numberDead     numberState = -1
)

func (s numberState) next(c byte) numberState {
	digit := '0' <= c && c <= '9'
	switch {
	case s == numberStart && c == '-':
		return numberMinus
	case (s == numberStart || s == numberMinus) && c == '0':
		return numberZero
	case (s == numberStart || s == numberMinus) && digit, s == numberInt && digit:
		return numberInt
	case (s == numberZero || s == numberInt) && c == '.':
		return numberDot
	case (s == numberDot || s == numberFraction) && digit:
		return numberFraction
	case (s == numberZero || s == numberInt || s == numberFraction) && c == 'e':
		return numberE
	case s == numberE && (c == '+' || c == '-'):
		return numberExpSign
	case (s == numberE || s == numberExpSign || s == numberExp) && digit:
		return numberExp
	}
	return numberDead
}

// Unfiltered returns the rules that run on every field they target.
func (p *Program) Unfiltered() []int32 { return p.unfiltered }

// AnomalyRules returns the rules that report the parser anomaly code.
func (p *Program) AnomalyRules(code parsers.AnomalyCode) []int32 { return p.anomalyRules[code] }

// Matches reports whether rule i accepts the input. The caller has already
// checked keywords and AppliesTo.
func (p *Program) Matches(i int32, in *Input) bool {
	if c := p.checks[i]; c != nil {
		return c(in)
	}
	if c := p.confirm[i]; c != nil && !c(in) {
		return false
	}
	if re := p.patterns[i]; re != nil {
		view := in.View(p.rules[i].View)
		if f := p.anchors[i]; f != nil && !f.mayMatch(view) {
			return false
		}
		if !re.MatchString(view) {
			return false
		}
	}
	return true
}
