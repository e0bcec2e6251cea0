package rules

import (
	"regexp"
	"strings"
)

// sensitiveFiles are files that a path parameter of an API has no reason to
// name, matched in the lower-case decoded value with '\' read as '/'.
var sensitiveFiles = []string{
	"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/hosts", "/etc/issue", "/etc/motd",
	"/etc/master.passwd", "/etc/security/", "/etc/httpd/", "/etc/apache", "/etc/nginx/", "/etc/mysql/",
	"/etc/ssh/", "/etc/sudoers", "/etc/crontab", "/etc/profile", "/etc/fstab", "/etc/resolv.conf",
	"/proc/self/", "/proc/version", "/proc/cpuinfo", "/proc/net/", "/proc/1/",
	"/var/log/", "/var/www/", "/var/lib/", "/root/", "/.ssh/", "/id_rsa", "/.bash_history",
	".htaccess", ".htpasswd", ".shosts", ".rhosts", "/.git/", "/.env", "/web-inf/", "/meta-inf/", "/wp-config",
	"boot.ini", "win.ini", "system.ini", "/windows/system32", "/winnt/", "/windows/repair",
	"/inetpub/", "/system32/", "/config/sam", "/repair/sam", "autoexec.bat", "/apache/logs/",
	"etc/passwd", "etc/shadow", "etc/issue", "etc/hosts", "/php.ini", "/my.cnf", "/my.ini",
}

// fileWrappers are URL schemes that make a file-reading API load local files
// or code instead of a plain path.
var fileWrappers = []string{
	"php://", "file://", "expect://", "zip://", "phar://", "glob://", "data://", "zlib://",
	"compress.zlib://", "compress.bzip2://", "ogg://", "rar://", "ssh2.", "jar:file:",
}

// dotForms are spellings of '.' that survive percent-decoding because no
// standard decoder reads them, but that lenient or broken decoders (IIS
// %u, overlong UTF-8, "0x" hex text) turn into a dot. Traversal scanners try
// them all, so seeing one in a path is a signal of its own.
var dotForms = strings.NewReplacer(
	"0x2e", ".", "%2e", ".", "%c0%ae", ".", "%c0.", ".", "%c0%2e", ".", "%e0%80%ae", ".",
	"%f0%80%80%ae", ".", "%f8%80%80%80%ae", ".", "%fc%80%80%80%80%ae", ".", "%uff0e", ".",
	"%u002e", ".", "%c0%ee", ".", "%c0%5e", ".", "%25c0%25ae", ".", "%252e", ".", "%%32%%65", ".", "%%32%%66", "/", "%%35%%63", "/",
	"?.", "..", ".?", "..", "0x5c", "/", "0x2f", "/", "%5c", "/", "%2f", "/", "%255c", "/", "%252f", "/",
)

// sensitiveTargets are pairs of path components that name a sensitive file
// however the separator between them is spelled: etc?passwd, where ? is a
// short run of non-space bytes that starts with a non-letter.
var sensitiveTargets = regexp.MustCompile(
	`etc[^a-z\s][^\s]{0,15}?(passwd|shadow|issue|hosts|group|motd)|windows[^a-z\s][^\s]{0,15}?(system32|win\.ini|repair)|winnt[^a-z\s][^\s]{0,15}?(system32|repair|win\.ini)|boot\.ini|system32[^a-z\s][^\s]{0,15}?(drivers|config)`)

// systemRoots start an absolute path into the operating system's own files.
var systemRoots = []string{
	"/etc/", "/proc/", "/sys/", "/dev/", "/var/", "/usr/", "/bin/", "/sbin/", "/root/", "/home/",
	"/opt/", "/boot/", "/lib/", "/tmp/", "c:/", "d:/", "/windows/", "/winnt/", "/inetpub/",
	"~/", "/private/", "/library/", "/applications/", "/srv/",
}

// confirmPathTraversal accepts a value that climbs directories (../ or ..\ in
// any decoded form, or .. repeated with any separator), names a file that
// only an attacker requests, is an absolute path into system directories,
// uses a PHP stream wrapper or filter, or cuts a path with a NUL byte.
func confirmPathTraversal(in *Input) bool {
	s := strings.ReplaceAll(in.Lower, `\`, "/")
	if i := strings.IndexByte(s, 0); i >= 0 && strings.ContainsAny(s[:i], "/.") {
		return true
	}
	trimmed := strings.TrimLeft(s, " \t'\"")
	for _, root := range systemRoots {
		if strings.HasPrefix(trimmed, root) && len(trimmed) > len(root) {
			return true
		}
	}
	// Scanners also send forms that decode to nothing useful, or to other
	// characters under strict UTF-8 rules (%c1%af is 'o'). Repeated decoding
	// can also merge an escape with the text after it. So the raw value is
	// checked as well as the decoded one.
	if isPathAttack(s) {
		return true
	}
	raw := strings.ReplaceAll(in.RawLower, `\`, "/")
	return raw != s && isPathAttack(raw)
}

func isPathAttack(s string) bool {
	if hasTraversal(s) {
		return true
	}
	for _, name := range sensitiveFiles {
		if strings.Contains(s, name) {
			return true
		}
	}
	for _, w := range fileWrappers {
		if strings.Contains(s, w) {
			return true
		}
	}
	if strings.Contains(s, "convert.iconv.") || strings.Contains(s, "convert.base64-") ||
		strings.Contains(s, "li4vli4v") || strings.Contains(s, "li4uli4u") {
		return true // PHP filter chains, base64 of ../../
	}
	canonical := dotForms.Replace(s)
	return hasTraversal(canonical) || sensitiveTargets.MatchString(canonical) || hasRepeatedClimb(canonical)
}

// hasTraversal reports whether s has a ".." path segment followed by a
// separator, with the ";" that Tomcat drops allowed in between.
func hasTraversal(s string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], "..")
		if j < 0 {
			return false
		}
		i += j
		k := i
		for k < len(s) && s[k] == '.' {
			k++
		}
		dots := k - i
		if k < len(s) && s[k] == ';' {
			k++
		}
		// Three dots are an ellipsis in text ("/.../"); two, or four and
		// more, climb on the servers that fold runs of dots.
		climbs := dots == 2 || dots >= 4
		if climbs && k < len(s) && s[k] == '/' && climbsSomewhere(s, k+1) {
			return true
		}
		if dots == 2 && k == len(s) && i > 0 && s[i-1] == '/' {
			return true // ends with /..
		}
		i = k
	}
}

// climbsSomewhere reports whether the traversal that ends at s[i] goes on
// to a path or climbs again. A lone "../" closed by a quote or a bracket is a
// relative link in markup (<a href="../">), which reads nothing.
func climbsSomewhere(s string, i int) bool {
	if i >= len(s) {
		return strings.Count(s, "..") > 1
	}
	switch s[i] {
	case '"', '\'', '>', ' ', ')', '`':
		return strings.Count(s, "../") > 1
	}
	return true
}

// hasRepeatedClimb reports whether ".." is followed twice in a row by the
// same separator of up to 16 bytes, as in ..%c1%9c..%c1%9c. Whatever the
// separator decodes to, repeating it after ".." is a traversal scanner's
// signature and not a way of writing text.
func hasRepeatedClimb(s string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], "..")
		if j < 0 {
			return false
		}
		start := i + j + 2
		next := strings.Index(s[start:], "..")
		if next <= 0 {
			return false
		}
		sep := s[start : start+next]
		after := start + next + 2
		if len(sep) <= 16 && !strings.ContainsAny(sep, " .") && strings.HasPrefix(s[after:], sep) {
			return true
		}
		i = start
	}
}
