package rules

import "strings"

// Shell command injection: a command name in a position where a shell would
// run it. A command counts when it follows a command separator (; | || & &&
// newline, backquote, $( or a shellshock function prefix), or opens the value
// and is followed by shell-looking arguments. Commands that are also common
// English words need shell-looking arguments in every position, so that
// "Sorry; type your name" stays quiet.

// shellCommands maps a command name to whether it is also an English word.
var shellCommands = map[string]bool{
	// Unix reconnaissance and file access.
	"id": false, "whoami": false, "uname": false, "ifconfig": false, "netstat": false,
	"ls": false, "pwd": false, "env": false, "printenv": false, "passwd": false,
	"cat": true, "head": true, "tail": true, "more": true, "less": true, "echo": true,
	"grep": false, "find": true, "which": true, "whereis": false, "hostname": false,
	"ps": false, "lsof": false, "crontab": false, "chmod": false, "chown": false,
	"rm": false, "mv": false, "cp": false, "touch": true, "mkdir": false, "kill": true,
	"killall": false, "sleep": true, "ping": true, "traceroute": false, "nslookup": false,
	"dig": true, "host": true, "ip": true, "route": true, "arp": false, "w": true, "who": true,
	"last": true, "sysinfo": false, "systeminfo": false, "tasklist": false, "taskkill": false,
	"phpinfo": false, "reboot": false, "shutdown": true, "halt": true, "history": true,
	// Shells and interpreters.
	"sh": false, "bash": false, "zsh": false, "ksh": false, "csh": false, "tcsh": false, "dash": true,
	"busybox": false, "perl": false, "python": false, "python2": false, "python3": false,
	"ruby": false, "php": false, "node": true, "lua": false, "powershell": false, "pwsh": false,
	"cmd": false, "wscript": false, "cscript": false, "mshta": false, "rundll32": false, "regsvr32": false,
	"certutil": false, "bitsadmin": false, "xterm": false, "awk": false, "sed": false,
	// Network tools.
	"wget": false, "curl": false, "nc": false, "ncat": false, "netcat": false, "socat": false,
	"telnet": false, "ftp": false, "tftp": false, "ssh": false, "scp": false, "nmap": false,
	// Windows.
	"dir": true, "type": true, "net": true, "netsh": false, "reg": true, "ipconfig": false,
	"ver": true, "whoami.exe": false, "del": true, "copy": true, "start": true, "set": true, "wmic": false,
	"sc": true, "schtasks": false, "vssadmin": false, "icacls": false,
}

func confirmShellCommand(in *Input) bool {
	s := in.Lower
	if isScript(s) {
		return false
	}
	if strings.Contains(s, "() {") && strings.Contains(s, "};") {
		return true // shellshock: a function definition followed by a command
	}
	prose := isProse(s)
	for i := 0; i < len(s); {
		start, afterSeparator, ok := nextCommandPosition(s, i, prose)
		if !ok {
			return false
		}
		name, end := readCommandName(s, start)
		if english, known := shellCommands[name]; known {
			args := s[end:]
			switch {
			case afterSeparator && !english && len(name) > 2:
				// Names such as netsh or wget mean nothing else after a
				// separator; two-letter ones (ps, rm) also abbreviate words.
				return true
			case afterSeparator && !english && endsCommand(args):
				return true
			case afterSeparator && english && (hasShellArguments(args) || isBareCommandEnd(args)):
				return true
			case !afterSeparator && !english && hasShellArguments(args):
				return true
			case !afterSeparator && english && hasPathArgument(args):
				return true
			case english && hasSubcommand(name, args):
				return true
			}
		}
		if end <= start {
			end = start + 1
		}
		i = end
	}
	return false
}

// subcommands are the first arguments that turn an English-word command into
// an unmistakable one: "net user", "reg add", "which wget".
var subcommands = map[string][]string{
	"net":   {"user", "view", "localgroup", "group", "share", "use", "accounts", "session", "start", "stop"},
	"reg":   {"add", "query", "delete", "save", "export", "import"},
	"sc":    {"query", "create", "config", "start", "stop", "delete"},
	"which": nil, // followed by any known command name
	"type":  nil,
	"sleep": nil, // followed by a number alone
}

// hasSubcommand reports whether an English-word command is followed by an
// argument that only the command reading makes sense of.
func hasSubcommand(name, args string) bool {
	fields := strings.Fields(args)
	if len(fields) == 0 || args[0] != ' ' {
		return false
	}
	first := strings.Trim(fields[0], `'"`+"`")
	switch name {
	case "which", "type":
		_, isCommand := shellCommands[first]
		return isCommand && len(fields) == 1
	case "sleep":
		return isNumber(first) && len(fields) == 1
	}
	for _, sub := range subcommands[name] {
		if first == sub {
			return true
		}
	}
	return false
}

// isBareCommandEnd reports whether nothing but quotes and separators follow
// a command name, as in ";id;" or "| whoami".
func isBareCommandEnd(args string) bool {
	return strings.TrimSpace(strings.Trim(args, `'";|&)`+"`\n\r")) == ""
}

// isProse reports whether s reads as text with inline code, such as Markdown
// that quotes a field name in backquotes: several words separated by single
// spaces. Backquotes in prose are not command substitution.
func isProse(s string) bool {
	words := 0
	for rest := s; rest != "" && words < 5; {
		var w string
		w, rest, _ = strings.Cut(rest, " ")
		if len(w) >= 2 && isLetters(trimProsePunctuation(w)) {
			words++
		}
	}
	return words >= 5
}

// prosePunctuation marks the bytes that isProse trims from the ends of a
// word. It is a table because strings.Trim builds its set on every call.
var prosePunctuation = func() (set [256]bool) {
	for _, c := range []byte(".,:!?()*`'\"\n\t") {
		set[c] = true
	}
	return set
}()

func trimProsePunctuation(w string) string {
	for w != "" && prosePunctuation[w[0]] {
		w = w[1:]
	}
	for w != "" && prosePunctuation[w[len(w)-1]] {
		w = w[:len(w)-1]
	}
	return w
}

func isLetters(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// isScript reports whether s is a whole shell script or cloud-init file,
// which API fields such as a server's user data carry on purpose.
func isScript(s string) bool {
	return strings.HasPrefix(s, "#!") || strings.HasPrefix(s, "#cloud-config") || strings.HasPrefix(s, "#ps1")
}

// nextCommandPosition returns the offset at or after i where a shell may
// start a command: the start of the value, or the first byte after a
// separator. afterSeparator distinguishes the two. In prose, backquotes are
// not separators.
func nextCommandPosition(s string, i int, prose bool) (pos int, afterSeparator, ok bool) {
	if i == 0 {
		j := skipSpaceAndQuotes(s, 0)
		if j < len(s) && !isSeparator(s[j]) && !strings.HasPrefix(s[j:], "$(") {
			return j, false, true
		}
	}
	for ; i < len(s); i++ {
		c := s[i]
		if !commandOpeners[c] {
			continue // most bytes, so one table load decides
		}
		switch {
		case c == '`' && prose:
		case isSeparator(c):
			return skipSeparators(s, i+1), true, true
		case c == '$' && i+1 < len(s) && s[i+1] == '(':
			return skipSeparators(s, i+2), true, true
		}
	}
	return 0, false, false
}

// commandOpeners marks the separators and '$', the bytes at which
// nextCommandPosition looks closer.
var commandOpeners = func() (set [256]bool) {
	for c := range 256 {
		set[c] = isSeparator(byte(c)) || c == '$'
	}
	return set
}()

func isSeparator(c byte) bool {
	return c == ';' || c == '|' || c == '&' || c == '\n' || c == '\r' || c == '`'
}

// skipSeparators skips spaces, quotes, brackets and further separators.
func skipSeparators(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\'', '"', '|', '&', ';', '`', '\n', '\r', '{', '(':
			i++
		default:
			return i
		}
	}
	return i
}

func skipSpaceAndQuotes(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\'', '"', '{', '(':
			i++
		default:
			return i
		}
	}
	return i
}

// readCommandName reads the word at s[i:], drops a directory prefix such as
// /usr/bin/ and a .exe suffix, and returns it with the offset after the word.
func readCommandName(s string, i int) (string, int) {
	end := i
	for end < len(s) && isCommandByte(s[end]) {
		end++
	}
	word := s[i:end]
	if slash := strings.LastIndexAny(word, `/\`); slash >= 0 {
		word = word[slash+1:]
	}
	word = strings.TrimSuffix(word, ".exe")
	return word, end
}

func isCommandByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' || c == '/' || c == '\\' || c == ':'
}

// endsCommand reports whether args ends the command right away: the end of
// the value, a separator, a redirection or a closing quote.
func endsCommand(args string) bool {
	rest := strings.TrimLeft(args, " \t")
	if rest == "" {
		return true
	}
	switch rest[0] {
	case ';', '|', '&', '\n', '\r', '`', '\'', '"', '>', '<', ')', '#', '\\', '$':
		return true
	}
	return hasShellArguments(args)
}

// hasPathArgument reports whether the first argument is an absolute path or
// a Windows drive path, the test for English-word commands at the start of
// a value ("type c:\\boot.ini", "cat /etc/passwd").
func hasPathArgument(args string) bool {
	fields := strings.Fields(args)
	if len(fields) == 0 || args[0] != ' ' && args[0] != '\t' {
		return false
	}
	f := strings.Trim(fields[0], `'"`)
	switch {
	case len(f) >= 2 && f[0] == '/' && isLowerAlnum(f[1]):
		return true
	case len(f) >= 3 && f[1] == ':' && (f[2] == '\\' || f[2] == '/'):
		return true
	case len(f) >= 3 && f[0] == '%' && strings.IndexByte(f[1:], '%') > 0:
		return true // %systemroot%\repair
	}
	return false
}

// hasShellArguments reports whether the text after a command name looks like
// shell arguments: an option such as -la or /all, a path, a variable, a
// redirection or an IP address.
func hasShellArguments(args string) bool {
	if args == "" || args[0] != ' ' && args[0] != '\t' && args[0] != '+' && args[0] != '$' {
		return false
	}
	fields := strings.Fields(args)
	for n, f := range fields {
		if n >= 4 {
			break
		}
		f = strings.Trim(f, `'"`+"`")
		switch {
		case f == "":
		case len(f) >= 2 && f[0] == '-' && isLowerAlnum(f[1]):
			return true
		case len(f) >= 2 && f[0] == '/' && isLowerAlnum(f[1]):
			return true // a path, or a Windows switch such as /all
		case len(f) >= 3 && f[1] == ':' && f[2] == '\\':
			return true // c:\windows
		case f[0] == '$' || f[0] == '%' || f[0] == '>' || f[0] == '<' || strings.HasPrefix(f, "${"):
			return true
		case strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://"):
			return true
		case isDottedQuad(f):
			return true
		case len(f) == 1 && (f[0] == '|' || f[0] == ';' || f[0] == '&'):
			return true
		case strings.HasPrefix(f, "/") && len(f) > 1 && f[1] == '/':
		case isNumber(f) && n == 0:
			return true // sleep 5
		}
	}
	return false
}

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func isNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isDottedQuad(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if !isNumber(p) || len(p) > 3 {
			return false
		}
	}
	return true
}
