package graphql

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDecodeJSONString(t *testing.T) {
	cases := []struct {
		name   string
		raw    string
		want   string
		issues stringIssue
	}{
		{"plain", `"abc"`, "abc", 0},
		{"escapes", `"a\"b\\c\/d\n\t"`, "a\"b\\c/d\n\t", 0},
		{"unicode", `"\u00e9\u4e2d"`, "é中", 0},
		{"surrogate pair", `"\ud83d\ude00"`, "😀", 0},
		{"lone high surrogate", `"\ud800x"`, "\uFFFDx", issueLoneSurrogate},
		{"lone low surrogate", `"\udc00"`, "\uFFFD", issueLoneSurrogate},
		{"high surrogate before a non-surrogate", `"\ud800\u0041"`, "\uFFFDA", issueLoneSurrogate},
		{"invalid utf-8", "\"a\xffb\"", "a\xffb", issueInvalidUTF8},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			got, issues := decodeJSONString([]byte(tc.raw))
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.issues, issues)
		})
	}
	assert.Positive(t, ran)
}

func TestHasLoneSurrogateEscape(t *testing.T) {
	cases := []struct {
		name string
		text string
		want bool
	}{
		{"none", `{ a(s: "x") }`, false},
		{"pair", `{ a(s: "\ud83d\ude00") }`, false},
		{"lone high", `{ a(s: "\ud800") }`, true},
		{"lone low", `{ a(s: "\udfff") }`, true},
		{"high at the end", `\ud800`, true},
		{"escaped backslash", `{ a(s: "\\ud800") }`, false},
		{"ordinary escape", `{ a(s: "\u0041") }`, false},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			assert.Equal(t, tc.want, hasLoneSurrogateEscape(tc.text))
		})
	}
	assert.Positive(t, ran)
}

func TestAppendJSONMembers(t *testing.T) {
	members := appendJSONMembers(nil, []byte(` { "a" : [1, {"x": "]"}] , "b\"c": "s\\\"", "\u0071uery": null, "a": {} } `))
	want := []jsonMember{
		{"a", []byte(`[1, {"x": "]"}]`)},
		{`b"c`, []byte(`"s\\\""`)},
		{"query", []byte(`null`)},
		{"a", []byte(`{}`)},
	}
	assert.Equal(t, want, members)
}

func TestAppendJSONElements(t *testing.T) {
	elements := appendJSONElements(nil, []byte(`[ {"a": "[,]"}, 12, "x" , [] ]`))
	want := [][]byte{[]byte(`{"a": "[,]"}`), []byte(`12`), []byte(`"x"`), []byte(`[]`)}
	assert.Equal(t, want, elements)
}

func TestJSONNumberMembers(t *testing.T) {
	got := jsonNumberMembers([]byte(`{"first": 100, "last": -5, "name": "x", "f": 1.5, "first": 7, "big": 1e3}`))
	assert.Equal(t, map[string]int64{"first": 100, "last": -5}, got)
	assert.Nil(t, jsonNumberMembers([]byte(`{"a": "b"}`)))
}

func TestIsName(t *testing.T) {
	for name, want := range map[string]bool{
		"Search": true, "_x1": true, "a": true,
		"": false, "1a": false, "a-b": false, "a b": false, "é": false,
	} {
		assert.Equal(t, want, isName(name), name)
	}
}

func TestIsEndpoint(t *testing.T) {
	lim := Options{}.withDefaults()
	for path, want := range map[string]bool{
		"/graphql": true, "/api/graphql": true, "/GraphQL/": true, "/v1/gql": true, "/graphiql": true,
		"/": false, "/graphql/users": false, "/mygraphql": false, "": false,
	} {
		assert.Equal(t, want, lim.isEndpoint(path), path)
	}
}

func TestOptionsDefaults(t *testing.T) {
	lim := Options{MaxDepth: -1, MaxAliases: 7}.withDefaults()
	assert.Equal(t, 0, lim.MaxDepth, "a negative limit switches the limit off")
	assert.Equal(t, 7, lim.MaxAliases)
	assert.Equal(t, DefaultMaxTokens, lim.MaxTokens)
	assert.Equal(t, DefaultEndpoints(), lim.Endpoints)
	assert.False(t, exceeds(1_000_000, 0), "a limit of 0 never exceeds")
}

func TestMayNameQuery(t *testing.T) {
	cases := []struct {
		body string
		want bool
	}{
		{`{"query":"{ a }"}`, true},
		{`{"QUERY":"{ a }"}`, true},
		{`{"Query":"{ a }"}`, true},
		{`{"qUeRy":"{ a }"}`, true},
		{`{"\u0071uery":"{ a }"}`, true},
		{`{"\u0051UERY":"{ a }"}`, true},
		{`{"quantity":2,"q":"x","quer":1}`, false},
		{`{"a":"jquery"}`, true},
		{`{"a":"uery"}`, false},
		{`{"a":1,"b":"q`, false},
		{``, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, mayNameQuery([]byte(tc.body)), tc.body)
	}
}
