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
	for i := 0; i < len(s); {
		start, ok := nextCommandPosition(s, i)
		if !ok {
			return false
		}
		name, end := readCommandName(s, start)
		if english, known := shellCommands[name]; known {
			atStart := start == skipSpaceAndQuotes(s, 0)
			args := s[end:]
			switch {
			case !atStart && !english && endsCommand(args):
				return true
			case hasShellArguments(args):
				return true
			case !atStart && english && strings.TrimSpace(strings.Trim(args, `'";|&`+"`")) == "":
				return true
			}
		}
		if end <= i {
			end = i + 1
		}
		i = end
	}
	return false
}

// isScript reports whether s is a whole shell script or cloud-init file,
// which API fields such as a server's user data carry on purpose.
func isScript(s string) bool {
	return strings.HasPrefix(s, "#!") || strings.HasPrefix(s, "#cloud-config") || strings.HasPrefix(s, "#ps1")
}

// nextCommandPosition returns the offset of the next place at or after i
// where a shell starts a command: the start of the value or the first
// non-space byte after a separator.
func nextCommandPosition(s string, i int) (int, bool) {
	if i == 0 {
		return skipSpaceAndQuotes(s, 0), len(s) > 0
	}
	for ; i < len(s); i++ {
		switch s[i] {
		case ';', '|', '&', '\n', '\r', '`':
			return skipSpaceAndQuotes(s, i+1), true
		case '$':
			if i+1 < len(s) && s[i+1] == '(' {
				return skipSpaceAndQuotes(s, i+2), true
			}
		}
	}
	return 0, false
}

func skipSpaceAndQuotes(s string, i int) int {
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
	args = strings.TrimLeft(args, " \t")
	if args == "" {
		return true
	}
	switch args[0] {
	case ';', '|', '&', '\n', '\r', '`', '\'', '"', '>', '<', ')', '#', '\\', '$':
		return true
	}
	return hasShellArguments(args)
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
		f = strings.Trim(f, `'"`)
		switch {
		case f == "":
		case len(f) >= 2 && f[0] == '-' && isLowerAlnum(f[1]):
			return true
		case len(f) >= 2 && f[0] == '/' && isLowerAlnum(f[1]) && (n > 0 || strings.Count(f, "/") > 1):
			return true
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
