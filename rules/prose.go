package rules

import "strings"

// sqlWords are the keywords that let an injection continue a query without
// punctuation: after a number (1 or true), after a string closed by an
// apostrophe (admin'or'a'like'a) or in a stacked statement.
var sqlWords = [...]string{"or", "and", "xor", "div", "mod", "like", "rlike", "regexp", "union", "between", "is", "in", "not", "having", "order", "group", "limit", "procedure", "into", "select"}

// pairWords are the sqlWords that need a second word to continue a query
// (UNION SELECT, ORDER BY, GROUP BY, PROCEDURE ANALYSE, INTO OUTFILE), which
// isPlainProse looks for anywhere in the value. After an opening number they
// count when nothing or no word follows them (-1 union), not when an
// ordinary word does: "201 Union Street" is an address.
var pairWords = [...]string{"union", "order", "group", "procedure", "into"}

// stackedWords are the statements that isPlainProse looks for after a
// semicolon.
var stackedWords = [...]string{"select", "insert", "update", "delete", "drop", "create", "alter", "truncate", "exec", "execute", "declare", "shutdown", "grant", "revoke", "call", "set", "waitfor"}

// hasStackedStatement reports whether a semicolon in lower is followed by
// optional whitespace (space, tab, CR, LF or form feed) and one of
// stackedWords ending at a word boundary. It is plain Go for the same
// reason as isPlainProse.
func hasStackedStatement(lower string) bool {
	for i := strings.IndexByte(lower, ';'); i >= 0; {
		k := i + 1
		for k < len(lower) && strings.IndexByte(" \t\r\n\f", lower[k]) >= 0 {
			k++
		}
		for _, w := range stackedWords {
			end := k + len(w)
			if strings.HasPrefix(lower[k:], w) && (end == len(lower) || !isWordChar(lower[end])) {
				return true
			}
		}
		next := strings.IndexByte(lower[i+1:], ';')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

// isWordChar reports whether c is a word character of a regular
// expression's \b in a lower-case text.
func isWordChar(c byte) bool { return isAlnum(c) || c == '_' }

// isPlainProse reports whether lower is text that libinjection need not
// read. Most sentences contain " or " or " and ", which would otherwise send
// them to libinjection, and libinjection allocates on every call. Plain prose
// here has:
//
//   - none of the characters an injection needs to escape a string or a
//     number ("`=<>#@|&*/+) and no comment (--);
//   - parentheses only as a sentence uses them. An opening one follows a
//     space and precedes a letter or digit. A closing one follows a letter,
//     digit or full stop and precedes a space, sentence punctuation or the
//     end. Pairs are not nested, not left open and not placed right after
//     an SQL keyword, so a function call (sleep(5)), a condition
//     (having (1 or 1)) or a value that starts with a parenthesis fails;
//   - apostrophes only inside words (you're, King's) and never before an SQL
//     keyword (admin'or'a'like'a);
//   - no SQL that needs no punctuation to inject: UNION SELECT, a SELECT
//     with a column list and FROM, ORDER BY and GROUP BY, PROCEDURE
//     ANALYSE, INTO OUTFILE or DUMPFILE, EXEC of a system procedure, XOR
//     and hexadecimal literals;
//   - no semicolon that starts a statement and no opening number followed
//     by an SQL keyword (1 or true).
//
// The checks share one pass over lower, because this runs on every field
// whose keywords send it to the SQL confirmer, which is most free text.
func isPlainProse(lower string) bool {
	inParens := false
	semicolon := false
	selectSeen := false
	hasUnion := strings.Contains(lower, "union")
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		if isLetter(c) {
			// A word starts here. Words are most of the text, so each is
			// found whole and judged by one switch on its letters.
			end := i + 1
			for end < len(lower) && isLetter(lower[end]) {
				end++
			}
			word := lower[i:end]
			if strongSQLWord(lower, i, word) {
				return false
			}
			if !selectSeen && word == "select" {
				// Only the first SELECT is judged, as a column list and
				// FROM after it.
				selectSeen = true
				rest := lower[end:]
				if len(rest) > 1 && isSQLSpace(rest[0]) && indexWord(rest, "from") > 1 {
					return false
				}
			}
			// UNION counts even inside a word (reunion) or glued to a number
			// (1e0union).
			if hasUnion && unionInWord(lower, i, end) {
				return false
			}
			i = end
			if i == len(lower) {
				break
			}
			c = lower[i]
		}
		switch c {
		case '"', '`', '=', '<', '>', '#', '@', '|', '&', '*', '/', '+':
			return false
		case '-':
			if i+1 < len(lower) && lower[i+1] == '-' {
				return false
			}
		case '(':
			if inParens || i == 0 || lower[i-1] != ' ' || i+1 >= len(lower) || !isAlnum(lower[i+1]) ||
				endsWithSQLWord(lower[:i-1]) {
				return false
			}
			inParens = true
		case ')':
			if !inParens || !(isAlnum(lower[i-1]) || lower[i-1] == '.') ||
				i+1 < len(lower) && strings.IndexByte(" .,:;!?", lower[i+1]) < 0 {
				return false
			}
			inParens = false
		case '\'':
			if i == 0 || i+1 >= len(lower) || !isLetter(lower[i-1]) || !isLetter(lower[i+1]) ||
				startsWithSQLWord(lower[i+1:]) {
				return false
			}
		case ';':
			semicolon = true
		case '0':
			if isHexLiteralAt(lower, i) {
				return false
			}
		}
	}
	if inParens || semicolon && hasStackedStatement(lower) {
		return false
	}
	return !startsWithNumberAndKeyword(lower)
}

// unionSelectAt reports whether the text after a UNION, which ends at end,
// continues with whitespace and SELECT, or with ALL or DISTINCT while the
// value has a SELECT anywhere.
func unionSelectAt(lower string, end int) bool {
	rest := skipSQLSpace(lower, end)
	if rest == end {
		return false
	}
	switch {
	case strings.HasPrefix(lower[rest:], "select"):
		return true
	case strings.HasPrefix(lower[rest:], "all"), strings.HasPrefix(lower[rest:], "distinct"):
		return strings.Contains(lower, "select")
	}
	return false
}

// strongSQLWord reports whether word, which starts at i, opens one of the
// word pairs of isPlainProse or is the word XOR.
func strongSQLWord(lower string, i int, word string) bool {
	// Most words fail on their length or first letter, before the switch
	// compares strings.
	if len(word) < len("xor") || len(word) > len("procedure") {
		return false
	}
	switch word[0] {
	case 'o', 'g', 'p', 'i', 'e', 'x':
	default:
		return false
	}
	switch word {
	case "order", "group":
		return followedBy(lower, i, word, "by")
	case "procedure":
		return followedBy(lower, i, word, "analyse")
	case "into":
		return followedBy(lower, i, word, "outfile") || followedBy(lower, i, word, "dumpfile")
	case "exec", "execute":
		for _, next := range [...]string{"xp_", "sp_", "master."} {
			if followedBy(lower, i, word, next) {
				return true
			}
		}
	case "xor":
		return true
	}
	return false
}

// unionInWord reports whether UNION starts inside the word lower[i:end] and
// a SELECT follows it as unionSelectAt requires.
func unionInWord(lower string, i, end int) bool {
	for ; i+len("union") <= end; i++ {
		if lower[i] == 'u' && strings.HasPrefix(lower[i:], "union") && unionSelectAt(lower, i+len("union")) {
			return true
		}
	}
	return false
}

// followedBy reports whether word starts at i and is followed by whitespace
// and then next.
func followedBy(lower string, i int, word, next string) bool {
	if !strings.HasPrefix(lower[i:], word) {
		return false
	}
	end := i + len(word)
	k := skipSQLSpace(lower, end)
	return k > end && strings.HasPrefix(lower[k:], next)
}

func skipSQLSpace(s string, i int) int {
	for i < len(s) && isSQLSpace(s[i]) {
		i++
	}
	return i
}

// hasWordAt reports whether the whole word starts at i, which is the start
// of a word.
func hasWordAt(s string, i int, word string) bool {
	end := i + len(word)
	return strings.HasPrefix(s[i:], word) && (end == len(s) || !isLetter(s[end]))
}

// indexWord returns the index of the first whole-word occurrence of word.
func indexWord(s, word string) int {
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return -1
		}
		at := i + j
		end := at + len(word)
		if (at == 0 || !isLetter(s[at-1])) && (end == len(s) || !isLetter(s[end])) {
			return at
		}
		i = end
	}
}

// isHexLiteralAt reports whether a hexadecimal literal, 0x and two
// hexadecimal digits not glued to a letter or digit before them, starts at
// i.
func isHexLiteralAt(s string, i int) bool {
	return i+3 < len(s) && s[i+1] == 'x' && (i == 0 || !isLetter(s[i-1]) && !isDigit(s[i-1])) &&
		isHexDigit(s[i+2]) && isHexDigit(s[i+3])
}

// startsWithSQLWord reports whether s opens with one of sqlWords as a whole
// word.
func startsWithSQLWord(s string) bool {
	return startsWithWord(s, sqlWords[:])
}

// startsWithWord reports whether s opens with one of words as a whole word.
// Every entry of words is letters only, so s opens with it exactly when the
// letters that s opens with spell it.
func startsWithWord(s string, words []string) bool {
	end := 0
	for end < len(s) && isLetter(s[end]) {
		end++
	}
	return isOneOf(s[:end], words)
}

// endsWithSQLWord reports whether s closes with one of sqlWords as a whole
// word.
func endsWithSQLWord(s string) bool {
	start := len(s)
	for start > 0 && isLetter(s[start-1]) {
		start--
	}
	return isOneOf(s[start:], sqlWords[:])
}

// isOneOf reports whether word is a non-empty entry of words.
func isOneOf(word string, words []string) bool {
	if word == "" {
		return false
	}
	for _, w := range words {
		if word == w {
			return true
		}
	}
	return false
}

// startsWithNumberAndKeyword reports whether lower opens with a number, as a
// numeric parameter does, followed by an SQL keyword: "1 or true".
func startsWithNumberAndKeyword(lower string) bool {
	s := strings.TrimLeft(lower, " \t-")
	i := 0
	for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
		i++
	}
	if i == 0 {
		return false
	}
	rest := strings.TrimLeft(s[i:], " \t")
	for _, w := range pairWords {
		if hasWordAt(rest, 0, w) {
			next := strings.TrimLeft(rest[len(w):], " \t")
			return next == "" || !isLetter(next[0])
		}
	}
	return startsWithSQLWord(rest)
}

func isHexDigit(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' }
func isAlnum(c byte) bool    { return isLetter(c) || isDigit(c) }

func isSQLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// inertWords are the words that give a value SQL meaning after an
// identifier or in a stacked statement: logic operators, statement and
// clause keywords, conditionals and literals. Comparison words (LIKE, IN,
// BETWEEN) are not among them: after an identifier they make no injection
// by themselves, and after a number isSQLInert already declines.
var inertWords = map[string]bool{
	"or": true, "and": true, "xor": true, "not": true, "union": true, "select": true, "case": true,
	"when": true, "if": true, "iif": true, "sleep": true, "benchmark": true, "waitfor": true,
	"delay": true, "exec": true, "execute": true, "declare": true, "having": true, "where": true,
	"limit": true, "procedure": true, "into": true, "from": true, "insert": true, "update": true,
	"delete": true, "drop": true, "create": true, "alter": true, "truncate": true, "shutdown": true,
	"null": true, "true": true, "false": true, "order": true, "group": true, "by": true,
}

// statementWords are the first words of SQL statements that a stacked
// query can run after a semicolon.
var statementWords = [...]string{"select", "insert", "update", "delete", "replace", "drop", "create", "alter", "truncate", "rename", "exec", "execute", "declare", "shutdown", "grant", "revoke", "call", "set", "waitfor", "use", "load", "handler", "show", "kill", "lock", "begin", "do"}

// isSQLInert reports whether lower cannot change an SQL query it is put
// into, in any of the three places a value lands. In a string it would need
// a quote. After a number it would need the number first, and a value that
// opens with a number is left to libinjection. After an identifier (a column
// in ORDER BY) it would need a comment, a stacked statement, an operator
// (= < > | & ^ @), a function call (a word right before a parenthesis), a
// hexadecimal literal or one of inertWords. Header values such as
// "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
// are inert, and skipping libinjection for them saves its allocations.
func isSQLInert(lower string) bool {
	start := strings.TrimLeft(lower, " \t\r\n+-(")
	if start == "" || isDigit(start[0]) || start[0] == '.' {
		return false
	}
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		switch {
		case strings.IndexByte("'\"`#=<>|&^@*\\", c) >= 0:
			return false
		case c == ';':
			if startsWithWord(strings.TrimLeft(lower[i+1:], " \t\r\n"), statementWords[:]) {
				return false
			}
		case c == '-' && i+1 < len(lower) && lower[i+1] == '-',
			c == '/' && i+1 < len(lower) && lower[i+1] == '*':
			return false
		case c == '0' && isHexLiteralAt(lower, i):
			return false
		case isWordByte(c) && (i == 0 || !isWordByte(lower[i-1])):
			end := i + 1
			for end < len(lower) && isWordByte(lower[end]) {
				end++
			}
			if inertWords[lower[i:end]] || end < len(lower) && lower[end] == '(' {
				return false
			}
			i = end - 1
		}
	}
	return true
}

func isWordByte(c byte) bool { return isAlnum(c) || c == '_' || c == '$' }
