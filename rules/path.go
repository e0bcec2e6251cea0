package rules

import "strings"

// sensitiveFiles are files that a path parameter of an API has no reason to
// name, matched in the lower-case decoded value with '\' read as '/'.
var sensitiveFiles = []string{
	"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/hosts", "/etc/issue", "/etc/motd",
	"/etc/master.passwd", "/etc/security/", "/etc/httpd/", "/etc/apache", "/etc/nginx/", "/etc/mysql/",
	"/etc/ssh/", "/etc/sudoers", "/etc/crontab", "/etc/profile", "/etc/fstab", "/etc/resolv.conf",
	"/proc/self/", "/proc/version", "/proc/cpuinfo", "/proc/net/", "/proc/1/",
	"/var/log/", "/var/www/", "/var/lib/", "/root/", "/.ssh/", "/id_rsa", "/.bash_history",
	"/.htaccess", "/.htpasswd", "/.git/", "/.env", "/web-inf/", "/meta-inf/", "/wp-config",
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

// confirmPathTraversal accepts a value that climbs directories (../ or ..\ in
// any decoded form), names a file that only an attacker asks for, uses a
// stream wrapper, or cuts a path with a NUL byte.
func confirmPathTraversal(in *Input) bool {
	s := strings.ReplaceAll(in.Lower, `\`, "/")
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
	if i := strings.IndexByte(s, 0); i >= 0 && strings.ContainsAny(s[:i], "/.") {
		return true
	}
	return false
}

// hasTraversal reports whether s has a ".." path segment followed by a
// separator, with any number of dots and with the ";" that Tomcat drops.
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
		if k < len(s) && s[k] == ';' {
			k++
		}
		if k < len(s) && s[k] == '/' {
			return true
		}
		if k == len(s) && i > 0 && s[i-1] == '/' {
			return true // ends with /..
		}
		i = k
	}
}
