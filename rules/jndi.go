package rules

import "strings"

// maxLookupRounds bounds how many nested ${...} lookups confirmJNDILookup
// resolves. Each round removes at least one lookup, and real obfuscation
// nests a few levels, so 64 rounds keep the cost linear with room to spare.
const maxLookupRounds = 64

// confirmJNDILookup accepts a Log4j lookup that reaches JNDI once the nested
// lookups used to hide it (${lower:j}, ${::-n}, ${env:X:-d}) are resolved.
func confirmJNDILookup(in *Input) bool {
	s := in.Lower
	if !strings.Contains(s, "${") {
		return false
	}
	for round := 0; round < maxLookupRounds; round++ {
		if strings.Contains(s, "${jndi:") {
			return true
		}
		resolved, changed := resolveInnermostLookups(s)
		if !changed {
			return false
		}
		s = resolved
	}
	return strings.Contains(s, "${jndi:")
}

// resolveInnermostLookups replaces each ${...} that contains no other lookup
// with the value Log4j would put there: the default after ":-", the argument
// of lower: and upper:, or nothing. ${jndi:...} itself is kept.
func resolveInnermostLookups(s string) (string, bool) {
	var b strings.Builder
	changed := false
	for {
		open := strings.Index(s, "${")
		if open < 0 {
			b.WriteString(s)
			return b.String(), changed
		}
		end := strings.IndexByte(s[open+2:], '}')
		if end < 0 {
			b.WriteString(s)
			return b.String(), changed
		}
		body := s[open+2 : open+2+end]
		if inner := strings.LastIndex(body, "${"); inner >= 0 {
			// An inner lookup opens before this one closes: copy up to it and
			// resolve it first.
			b.WriteString(s[:open+2+inner])
			s = s[open+2+inner:]
			continue
		}
		b.WriteString(s[:open])
		if strings.HasPrefix(body, "jndi:") {
			b.WriteString(s[open : open+2+end+1])
		} else {
			b.WriteString(lookupValue(body))
			changed = true
		}
		s = s[open+2+end+1:]
	}
}

func lookupValue(body string) string {
	if i := strings.Index(body, ":-"); i >= 0 {
		return body[i+2:]
	}
	for _, prefix := range []string{"lower:", "upper:"} {
		if strings.HasPrefix(body, prefix) {
			return body[len(prefix):]
		}
	}
	return ""
}
