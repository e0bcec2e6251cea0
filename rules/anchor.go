package rules

import (
	"regexp/syntax"
	"strings"
)

// anchorFilter is a quick test of a pattern of the form ^C*R: optional
// bytes of a class C, then R, whose every match starts with one of a few
// short strings. A text can match only if one of them follows its leading
// run of C bytes, so the filter rejects most texts without the regexp.
// That saves more than the match: Go's backtracker clears a bit per
// instruction and text byte before each run.
type anchorFilter struct {
	skip [256]bool // the bytes of C
	// byFirst lists the strings that a match of R starts with by their
	// first byte, so that a text is compared only with those that share its
	// first byte.
	byFirst [256][]string
}

// Limits of the prefix extraction: prefixes are cut to anchorPrefixBytes,
// and a pattern whose R needs more than anchorMaxPrefixes strings gets no
// filter.
const (
	anchorPrefixBytes = 4
	anchorMaxPrefixes = 64
)

// mayMatch reports whether the pattern can match text. False is certain,
// while true means the regexp has to run.
func (f *anchorFilter) mayMatch(text string) bool {
	i := 0
	for i < len(text) && f.skip[text[i]] {
		i++
	}
	if i == len(text) {
		return false // no prefix is empty
	}
	rest := text[i:]
	for _, p := range f.byFirst[rest[0]] {
		if strings.HasPrefix(rest, p) {
			return true
		}
	}
	return false
}

// newAnchorFilter returns the filter of pattern, or nil when the pattern
// does not have the form ^C*R with a usable set of prefixes for R.
func newAnchorFilter(pattern string) *anchorFilter {
	re, err := syntax.Parse(pattern, syntax.Perl) // the flags of regexp.Compile
	if err != nil {
		return nil
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginText {
		return nil
	}

	f := &anchorFilter{}
	rest := re.Sub[1:]
	if star := rest[0]; star.Op == syntax.OpStar && star.Sub[0].Op == syntax.OpCharClass {
		if !classBytes(star.Sub[0], &f.skip) {
			return nil
		}
		rest = rest[1:]
	}

	prefixes, ok := concatPrefixes(rest)
	if !ok || len(prefixes) == 0 {
		return nil
	}
	for _, p := range prefixes {
		// A prefix that is empty or starts with a byte of C could begin
		// inside the leading run, which mayMatch skips whole.
		if p == "" || f.skip[p[0]] {
			return nil
		}
	}
	for _, p := range prefixes {
		f.byFirst[p[0]] = append(f.byFirst[p[0]], p)
	}
	return f
}

// classBytes marks in set the bytes of an ASCII character class. It
// reports false for a class with a rune of 0x80 or more, whose UTF-8 bytes
// the filter does not model.
func classBytes(re *syntax.Regexp, set *[256]bool) bool {
	for i := 0; i+1 < len(re.Rune); i += 2 {
		lo, hi := re.Rune[i], re.Rune[i+1]
		if hi >= 0x80 {
			return false
		}
		for r := lo; r <= hi; r++ {
			set[r] = true
		}
	}
	return true
}

// prefixes returns strings of at most anchorPrefixBytes bytes such that
// every match of re starts with one of them, and whether re matches exactly
// those strings and nothing longer. It reports false when it cannot bound
// the set.
func prefixes(re *syntax.Regexp) (set []string, exact, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false, false
		}
		s := string(re.Rune)
		if len(s) > anchorPrefixBytes {
			return []string{s[:anchorPrefixBytes]}, false, true
		}
		return []string{s}, true, true
	case syntax.OpCharClass:
		var members [256]bool
		if !classBytes(re, &members) {
			return nil, false, false
		}
		for c, in := range members {
			if in {
				set = append(set, string(rune(c)))
			}
		}
		return set, true, len(set) > 0 && len(set) <= anchorMaxPrefixes
	case syntax.OpCapture:
		return prefixes(re.Sub[0])
	case syntax.OpPlus:
		set, _, ok = prefixes(re.Sub[0])
		return set, false, ok
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil, false, false
		}
		set, _, ok = prefixes(re.Sub[0])
		return set, false, ok
	case syntax.OpAlternate:
		exact = true
		for _, sub := range re.Sub {
			s, e, ok := prefixes(sub)
			if !ok {
				return nil, false, false
			}
			set = append(set, s...)
			exact = exact && e
		}
		return set, exact, len(set) <= anchorMaxPrefixes
	case syntax.OpConcat:
		set, ok = concatPrefixes(re.Sub)
		return set, false, ok
	}
	return nil, false, false
}

// concatPrefixes returns the prefixes of the concatenation of subs. It
// extends each prefix with the next element's prefixes while the elements
// so far match exactly, the prefixes are shorter than anchorPrefixBytes and
// their number stays within anchorMaxPrefixes. Zero-width assertions, such
// as \b, are passed over: ignoring a condition only lets more texts through.
func concatPrefixes(subs []*syntax.Regexp) ([]string, bool) {
	set := []string{""}
	for _, sub := range subs {
		switch sub.Op {
		case syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpEmptyMatch:
			continue
		}
		next, exact, ok := prefixes(sub)
		if !ok || len(set)*len(next) > anchorMaxPrefixes {
			// The element is unbounded, or may match the empty string
			// (Star, Quest), or the set grows too large: what is known so
			// far is where the prefixes stop.
			return set, len(set) > 1 || set[0] != ""
		}
		joined := make([]string, 0, len(set)*len(next))
		full := true
		for _, a := range set {
			for _, b := range next {
				s := a + b
				if len(s) > anchorPrefixBytes {
					s = s[:anchorPrefixBytes]
				}
				joined = append(joined, s)
				full = full && len(s) == anchorPrefixBytes
			}
		}
		set = dedupe(joined)
		if !exact || full {
			break
		}
	}
	return set, true
}

func dedupe(set []string) []string {
	out := set[:0]
	seen := make(map[string]bool, len(set))
	for _, s := range set {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
