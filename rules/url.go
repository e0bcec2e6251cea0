package rules

import (
	"net/netip"
	"strconv"
	"strings"
)

// dangerousSchemes reach local files or raw sockets through a URL fetcher.
var dangerousSchemes = map[string]bool{
	"file": true, "gopher": true, "dict": true, "jar": true, "netdoc": true, "ldap": true,
	"ldaps": true, "tftp": true, "sftp": true, "ftp": false, "http": false, "https": false,
	"ws": false, "wss": false, "php": true, "expect": true, "phar": true, "rmi": true,
}

// internalHostNames are names that resolve to the machine itself or to a
// cloud provider's instance metadata service.
var internalHostNames = []string{
	"localhost", "metadata", "metadata.google.internal", "metadata.goog", "instance-data",
	"instance-data.ec2.internal", "kubernetes.default", "kubernetes.default.svc",
	"localtest.me", "ip6-localhost", "ip6-loopback", "0",
}

// internalHostSuffixes mark names that resolve to internal addresses by
// construction, such as the wildcard DNS services that embed an address.
var internalHostSuffixes = []string{
	".localhost", ".internal", ".local", ".localdomain", ".localtest.me", ".svc.cluster.local",
}

// hostClass ranks how internal a URL's host is.
type hostClass uint8

const (
	hostPublic hostClass = iota
	// hostPrivate is a private network address (10/8, 172.16/12,
	// 192.168/16, fc00::/7) written plainly. Infrastructure APIs carry such
	// URLs on purpose (a database on the customer's private network), so
	// they are a separate, higher-paranoia signal.
	hostPrivate
	// hostInternal is the loopback, link-local and metadata addresses, the
	// names that resolve to them, and private addresses in obfuscated
	// spellings that only a filter bypass uses.
	hostInternal
)

// confirmInternalURL accepts a value that contains a URL whose scheme reads
// files or raw sockets, or whose host is the loopback, link-local, a metadata
// service or a name that resolves there, in any of the spellings that URL
// parsers and inet_aton accept (2130706433, 0x7f.1, 0177.0.0.1, [::ffff:...]).
func confirmInternalURL(in *Input) bool { return urlHostClass(in.Lower, true) == hostInternal }

// confirmPrivateURL accepts a value that contains a URL of a private network
// address written plainly.
func confirmPrivateURL(in *Input) bool { return urlHostClass(in.Lower, false) == hostPrivate }

// urlHostClass returns the highest host class of the URLs in s. When
// schemes is true, a URL with a file or socket scheme counts as internal.
func urlHostClass(s string, schemes bool) hostClass {
	best := hostPublic
	for i := 0; ; {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			return best
		}
		sep := i + j
		scheme := schemeBefore(s, sep)
		authority := s[sep+3:]
		if end := strings.IndexAny(authority, "/?#"); end >= 0 {
			authority = authority[:end]
		}
		if schemes && dangerousSchemes[scheme] {
			return hostInternal
		}
		if scheme != "" {
			best = max(best, authorityClass(authority))
		}
		i = sep + 3
	}
}

// schemeBefore returns the URL scheme that ends at s[sep], or "".
func schemeBefore(s string, sep int) string {
	start := sep
	for start > 0 {
		c := s[start-1]
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '.' || c == '-' {
			start--
			continue
		}
		break
	}
	return s[start:sep]
}

// authorityClass returns the class of the host of a URL authority. Every
// candidate host is checked, because parsers disagree on which '@' ends the
// user information.
func authorityClass(authority string) hostClass {
	candidates := []string{authority}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		candidates = append(candidates, authority[at+1:])
		if first := strings.IndexByte(authority, '@'); first != at {
			candidates = append(candidates, authority[first+1:])
		}
	}
	best := hostPublic
	for _, c := range candidates {
		best = max(best, classifyHost(hostOf(c)))
	}
	return best
}

// hostOf strips user information, a port and IPv6 brackets.
func hostOf(authority string) string {
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		authority = authority[at+1:]
	}
	authority = strings.TrimLeft(authority, `\/`)
	if strings.HasPrefix(authority, "[") {
		if end := strings.IndexByte(authority, ']'); end > 0 {
			return authority[1:end]
		}
		return authority[1:]
	}
	if colon := strings.IndexByte(authority, ':'); colon >= 0 {
		authority = authority[:colon]
	}
	return strings.TrimRight(authority, `.\`)
}

func classifyHost(host string) hostClass {
	if host == "" {
		return hostPublic
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host = host[:i] // IPv6 zone
	}
	for _, name := range internalHostNames {
		if host == name {
			return hostInternal
		}
	}
	for _, suffix := range internalHostSuffixes {
		if strings.HasSuffix(host, suffix) {
			return hostInternal
		}
	}
	if addr, ok := parseLooseIP(host); ok {
		if isInternalAddr(addr) {
			return hostInternal
		}
		if addr.Unmap().IsPrivate() {
			if netip.MustParseAddr(addr.Unmap().String()).String() != host {
				return hostInternal // a private address spelled to slip past a filter
			}
			return hostPrivate
		}
		return hostPublic
	}
	// Wildcard DNS names such as 127.0.0.1.nip.io embed an address, and
	// redirect services such as r3dir.me answer with a redirect to one.
	for _, suffix := range []string{".nip.io", ".xip.io", ".sslip.io", ".traefik.me", ".lvh.me", ".r3dir.me", ".localh.st"} {
		if strings.HasSuffix(host, suffix) {
			return hostInternal
		}
	}
	return hostPublic
}

// isInternalAddr reports whether addr is the host itself, link-local, or an
// address range that cloud metadata services use.
func isInternalAddr(addr netip.Addr) bool {
	addr = addr.Unmap()
	if addr.IsLoopback() || addr.IsLinkLocalUnicast() || addr.IsUnspecified() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() {
		return true
	}
	if addr.Is6() && addr.As16()[0] == 0xfd && addr.As16()[1] == 0x00 && addr.As16()[2] == 0x0e && addr.As16()[3] == 0xc2 {
		return true // fd00:ec2::/32, the EC2 metadata service over IPv6
	}
	if addr.Is4() {
		b := addr.As4()
		switch {
		case b[0] == 0: // "this network", reaches the local host on Linux
			return true
		case b[0] == 100 && b[1]&0xC0 == 64: // carrier-grade NAT, Alibaba's metadata service
			return true
		case b[0] == 192 && b[1] == 0 && b[2] == 0: // IETF protocol assignments, Oracle's metadata service
			return true
		case b[0] == 198 && b[1]&0xFE == 18: // benchmarking networks
			return true
		}
	}
	return false
}

// parseLooseIP parses an IPv6 address, or an IPv4 address in the forms that
// inet_aton accepts: one to four parts, each decimal, octal (leading 0) or
// hexadecimal (0x), with the last part filling the remaining bytes.
func parseLooseIP(host string) (netip.Addr, bool) {
	if strings.IndexByte(host, ':') >= 0 {
		addr, err := netip.ParseAddr(host)
		return addr, err == nil
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var values []uint64
	for _, p := range parts {
		v, ok := parseIPPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		values = append(values, v)
	}
	var ip uint64
	for i, v := range values[:len(values)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		ip |= v << (8 * (3 - i))
	}
	last := values[len(values)-1]
	if last >= 1<<(8*(5-len(values))) {
		return netip.Addr{}, false
	}
	ip |= last
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}

func parseIPPart(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := 10
	switch {
	case strings.HasPrefix(p, "0x"):
		base, p = 16, p[2:]
		if p == "" {
			return 0, true
		}
	case len(p) > 1 && p[0] == '0':
		base, p = 8, p[1:]
	}
	v, err := strconv.ParseUint(p, base, 32)
	return v, err == nil
}
