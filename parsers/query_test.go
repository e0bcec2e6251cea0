package parsers

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseQuery(t *testing.T) {
	cases := []struct {
		name   string
		query  string
		fields []string
	}{
		{
			name:   "plain parameters",
			query:  "a=1&b=two",
			fields: []string{"key query:a=a", "string query:a=1", "key query:b=b", "string query:b=two"},
		},
		{
			name:   "operator in brackets",
			query:  "name[$regex]=^a",
			fields: []string{"key query:name=name", `key query:name["$regex"]=$regex`, `string query:name["$regex"]=^a`},
		},
		{
			name:   "nested brackets",
			query:  "a[b][$ne]=1",
			fields: []string{"key query:a=a", "key query:a.b=b", `key query:a.b["$ne"]=$ne`, `string query:a.b["$ne"]=1`},
		},
		{
			name:   "append brackets number each value",
			query:  "a[]=1&a[]=2",
			fields: []string{"key query:a=a", "string query:a[0]=1", "key query:a=a", "string query:a[1]=2"},
		},
		{
			name:   "explicit index",
			query:  "a[3]=x",
			fields: []string{"key query:a=a", "string query:a[3]=x"},
		},
		{
			name:   "large index is a key, as qs reads it",
			query:  "a[100]=x",
			fields: []string{"key query:a=a", `key query:a["100"]=100`, `string query:a["100"]=x`},
		},
		{
			name:   "repeated parameter kept",
			query:  "tag=a&tag=b",
			fields: []string{"key query:tag=tag", "string query:tag=a", "key query:tag=tag", "string query:tag=b"},
		},
		{
			name:   "percent-encoding and plus decoded",
			query:  "q=a+b%27c&%24where=1",
			fields: []string{"key query:q=q", "string query:q=a b'c", `key query:["$where"]=$where`, `string query:["$where"]=1`},
		},
		{
			name:   "encoded brackets are brackets",
			query:  "user%5B%24ne%5D=x",
			fields: []string{"key query:user=user", `key query:user["$ne"]=$ne`, `string query:user["$ne"]=x`},
		},
		{
			name:   "unbalanced brackets kept whole",
			query:  "a[b=1",
			fields: []string{`key query:["a[b"]=a[b`, `string query:["a[b"]=1`},
		},
		{
			name:   "parameter without value",
			query:  "flag&x=",
			fields: []string{"key query:flag=flag", "string query:flag=", "key query:x=x", "string query:x="},
		},
		{
			name:   "empty pairs skipped",
			query:  "&&a=1&",
			fields: []string{"key query:a=a", "string query:a=1"},
		},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d Document
			d.Reset(testLimits)
			ParseQuery(&d, LocationQuery, tc.query)
			assert.Equal(t, tc.fields, fieldStrings(&d))
		})
	}
}

func TestParseQueryInvalidEscape(t *testing.T) {
	var d Document
	d.Reset(testLimits)
	ParseQuery(&d, LocationQuery, "q=100%&r=%zz")
	assert.Equal(t, []string{"key query:q=q", "string query:q=100%", "key query:r=r", "string query:r=%zz"}, fieldStrings(&d))
	assert.Contains(t, anomalyCodes(&d), AnomalyMalformedQuery)
}

func TestParseQueryLimits(t *testing.T) {
	t.Run("deep brackets", func(t *testing.T) {
		var d Document
		d.Reset(Limits{MaxDepth: 5, MaxFields: 10_000})
		ParseQuery(&d, LocationQuery, "a"+strings.Repeat("[x]", 1000)+"=1")
		assert.Contains(t, anomalyCodes(&d), AnomalyDepthLimit)
		for _, f := range d.Fields {
			assert.LessOrEqual(t, len(f.Path), 6)
		}
	})
	t.Run("many parameters", func(t *testing.T) {
		var d Document
		d.Reset(Limits{MaxFields: 1000})
		ParseQuery(&d, LocationQuery, strings.Repeat("a=1&", 100_000))
		assert.Contains(t, anomalyCodes(&d), AnomalyFieldLimit)
		assert.Len(t, d.Fields, 1000)
	})
}

func TestParseTarget(t *testing.T) {
	cases := []struct {
		name   string
		target string
		fields []string
	}{
		{"path and query", "/api/users?id=1", []string{"string path:=/api/users", "key query:id=id", "string query:id=1"}},
		{"root path only", "/", nil},
		{"absolute form", "http://example.test/a/b?x=1", []string{"string path:=/a/b", "key query:x=x", "string query:x=1"}},
		{"fragment dropped", "/p?x=1#frag", []string{"string path:=/p", "key query:x=x", "string query:x=1"}},
		{"encoded traversal kept encoded", "/files/..%2f..%2fetc", []string{"string path:=/files/..%2f..%2fetc", "string path:[1]=..%2f..%2fetc"}},
		{"segment with quote", "/users/1'--/posts", []string{"string path:=/users/1'--/posts", "string path:[1]=1'--"}},
	}
	require.NotEmpty(t, cases)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d Document
			d.Reset(testLimits)
			ParseTarget(&d, tc.target)
			if tc.fields == nil {
				assert.Empty(t, d.Fields)
				return
			}
			assert.Equal(t, tc.fields, fieldStrings(&d))
		})
	}
}

func TestParseCookiesAndHeaders(t *testing.T) {
	var d Document
	d.Reset(testLimits)
	ParseCookies(&d, `session=abc; theme="dark" ; ; empty=`)
	AddHeader(&d, "user-agent", "curl/8")
	assert.Equal(t, []string{
		"key cookie:session=session", "string cookie:session=abc",
		"key cookie:theme=theme", "string cookie:theme=dark",
		"key cookie:empty=empty", "string cookie:empty=",
		"string header:User-Agent=curl/8",
	}, fieldStrings(&d))
}
