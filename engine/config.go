package engine

import (
	"fmt"
	"strings"

	"github.com/fieldwall/fieldwall/graphql"
	"github.com/fieldwall/fieldwall/rules"
)

// Config configures an Engine. The zero value is valid and means the
// defaults: the built-in rules at paranoia level 1, blocking at an anomaly
// score of 5 in any class, and DefaultLimits.
type Config struct {
	// Paranoia is the highest rule paranoia level that runs, 1 to 4.
	// Higher levels add rules that catch more and block more benign
	// traffic. Zero means 1.
	Paranoia int `json:"paranoia,omitempty"`

	// Threshold is the anomaly score at which one class blocks the request.
	// A critical finding scores 5, error 4, warning 3 and notice 2, as in
	// the OWASP CRS. Zero means 5: one critical finding blocks.
	Threshold int `json:"threshold,omitempty"`

	// DetectOnly turns every block into log: findings are reported and no
	// request is blocked.
	DetectOnly bool `json:"detect_only,omitempty"`

	// FailOpen lets a request through when its inspection could not finish:
	// findings marked Incomplete (a limit hit, a body that does not parse,
	// an internal error) are reported but do not count toward blocking.
	// The default, false, blocks such requests, because a request that was
	// not inspected in full may carry anything. Other findings on the same
	// request still block.
	FailOpen bool `json:"fail_open,omitempty"`

	// Limits bound the work on one request. Zero fields take their value
	// from DefaultLimits.
	Limits Limits `json:"limits,omitempty"`

	// GraphQL configures which requests are GraphQL requests and the
	// limits and policies of their analysis. Zero fields take the defaults
	// of package graphql.
	GraphQL graphql.Options `json:"graphql"`

	// Rules replaces the built-in rules when non-nil.
	Rules []*rules.Rule `json:"-"`
	// ExtraRules are added to the built-in rules (or to Rules).
	ExtraRules []*rules.Rule `json:"-"`
	// DisabledRules lists rule ids that never run.
	DisabledRules []string `json:"disabled_rules,omitempty"`

	// Exclusions switch rules or classes off for some paths and fields.
	Exclusions []Exclusion `json:"exclusions,omitempty"`

	// Headers lists the request headers whose values are inspected, by
	// case-insensitive name. Nil means DefaultHeaders; an empty non-nil
	// slice inspects none. Cookies are always inspected.
	Headers []string `json:"headers,omitempty"`
}

// DefaultHeaders are the request headers inspected by default: those that
// applications log, echo or pass to lookups, where injections in headers
// land. Headers with fixed grammars (Accept, Content-Length) are left out
// because their syntax resembles SQL comments and operators.
var DefaultHeaders = []string{
	"User-Agent", "Referer", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP",
	"X-Original-URL", "X-Rewrite-URL", "Forwarded", "Origin", "X-Api-Version", "X-Request-ID",
}

// Limits bound the work on one request. Every limit that is hit is reported
// as a finding of class "limit", which blocks by default: what was not
// inspected in full was not inspected.
type Limits struct {
	// MaxBodyBytes is the body size inspected. A larger body is inspected up
	// to this size and reported.
	MaxBodyBytes int `json:"max_body_bytes,omitempty"`
	// MaxDepth bounds the nesting of JSON objects and arrays and of bracket
	// keys in query strings and forms.
	MaxDepth int `json:"max_depth,omitempty"`
	// MaxFields bounds the keys and values of one request.
	MaxFields int `json:"max_fields,omitempty"`
	// MaxKeyBytes bounds one key.
	MaxKeyBytes int `json:"max_key_bytes,omitempty"`
	// MaxValueBytes bounds one value.
	MaxValueBytes int `json:"max_value_bytes,omitempty"`
	// MaxNumberBytes bounds the text of one JSON number.
	MaxNumberBytes int `json:"max_number_bytes,omitempty"`
	// MaxParts bounds the parts of a multipart body.
	MaxParts int `json:"max_parts,omitempty"`
}

// DefaultLimits are the limits used for zero fields of Config.Limits.
var DefaultLimits = Limits{
	// 8 MiB covers JSON API payloads with room: the OWASP CRS setup
	// suggests 13 MB for bodies with files and 128 KB without, and file
	// uploads rarely go through JSON inspection.
	MaxBodyBytes: 8 << 20,
	// Real API documents nest far less: the deepest of the 709 public API
	// request examples fieldwall is tested on nests 13 levels. 64 leaves
	// room for generated schemas and still bounds the parser's work.
	MaxDepth: 64,
	// 100,000 fields cover a 1 MB body of small records (about 10 bytes
	// per field) and bound the field list to a few MB.
	MaxFields: 100_000,
	// Keys are names; 1 KiB is far beyond any schema's property names.
	MaxKeyBytes: 1 << 10,
	// 1 MiB lets a large text value (an article, a base64 image) through
	// while bounding the per-value decoding buffers.
	MaxValueBytes: 1 << 20,
	// 1,000 parts is more than any upload form has.
	MaxParts: 1000,
	// Real API numbers have a few dozen digits at most (a 64-bit integer
	// has 20, a float64 in exponent form about 24). 1,000 leaves wide room
	// and stops numbers built to make a backend's conversion slow.
	MaxNumberBytes: 1000,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxBodyBytes > 0 {
		d.MaxBodyBytes = l.MaxBodyBytes
	}
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxFields > 0 {
		d.MaxFields = l.MaxFields
	}
	if l.MaxKeyBytes > 0 {
		d.MaxKeyBytes = l.MaxKeyBytes
	}
	if l.MaxValueBytes > 0 {
		d.MaxValueBytes = l.MaxValueBytes
	}
	if l.MaxParts > 0 {
		d.MaxParts = l.MaxParts
	}
	if l.MaxNumberBytes > 0 {
		d.MaxNumberBytes = l.MaxNumberBytes
	}
	return d
}

// Exclusion switches rules off where they are known to misfire, the way OWASP
// CRS users write exclusion rules. A finding is dropped when its request path
// matches Path, its field matches Field, and its rule is in Rules or its class
// in Classes. Empty Path or Field match everything; empty Rules and Classes
// together match every rule.
//
// Path and Field are patterns in which '*' matches any run of characters.
// Field is matched against "location:path" as findings print it, for example
// "body:filter.note", "query:q" or "header:User-Agent".
type Exclusion struct {
	Path    string   `json:"path,omitempty"`
	Field   string   `json:"field,omitempty"`
	Rules   []string `json:"rules,omitempty"`
	Classes []string `json:"classes,omitempty"`
}

func (x *Exclusion) matches(requestPath, field, ruleID, class string) bool {
	if x.Path != "" && !wildcardMatch(x.Path, requestPath) {
		return false
	}
	if x.Field != "" && !wildcardMatch(x.Field, field) {
		return false
	}
	if len(x.Rules) == 0 && len(x.Classes) == 0 {
		return true
	}
	for _, id := range x.Rules {
		if id == ruleID {
			return true
		}
	}
	for _, c := range x.Classes {
		if c == class {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against a pattern where '*' matches any run of
// characters, in time linear in len(pattern)*len(s) at worst.
func wildcardMatch(pattern, s string) bool {
	star, match := -1, 0
	p, i := 0, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, match = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			match++
			i = match
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func (c *Config) validate() error {
	if c.Paranoia < 0 || c.Paranoia > 4 {
		return fmt.Errorf("invalid paranoia level %d: use 1 to 4", c.Paranoia)
	}
	if c.Threshold < 0 {
		return fmt.Errorf("invalid threshold %d: use a positive anomaly score", c.Threshold)
	}
	for i, x := range c.Exclusions {
		if x.Path == "" && x.Field == "" && len(x.Rules) == 0 && len(x.Classes) == 0 {
			return fmt.Errorf("exclusion %d is empty and would switch off every rule everywhere", i)
		}
		for _, id := range x.Rules {
			if strings.TrimSpace(id) == "" {
				return fmt.Errorf("exclusion %d has an empty rule id", i)
			}
		}
	}
	return nil
}
