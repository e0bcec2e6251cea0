package engine

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The engine looks a key up and, when the lookup misses and the key is
// clean, adds it. The memo reports a key only after keyMemoAfter lookups.
func TestKeyMemoStartsAfterThreshold(t *testing.T) {
	var m keyMemo
	for i := range keyMemoAfter + 1 {
		assert.False(t, m.contains("id"), "lookup %d", i)
		m.add("id")
	}
	assert.True(t, m.contains("id"))
	assert.False(t, m.contains("ie"))
	assert.False(t, m.contains("i"))
}

func TestKeyMemoResetForgetsKeys(t *testing.T) {
	var m keyMemo
	m.keys = keyMemoAfter + 1
	m.table = new(keyTable)
	m.add("name")
	require.True(t, m.contains("name"))

	m.reset()
	assert.Zero(t, m.keys)
	for i, key := range m.table.slots {
		assert.Empty(t, key, "slot %d keeps a key after reset", i)
	}
	m.keys = keyMemoAfter + 1
	assert.False(t, m.contains("name"))
}

func TestKeyMemoSkipsEmptyAndLongKeys(t *testing.T) {
	var m keyMemo
	m.keys = keyMemoAfter + 1
	m.table = new(keyTable)
	long := strings.Repeat("k", keyMemoMaxBytes+1)
	m.add("")
	m.add(long)
	assert.False(t, m.contains(""))
	assert.False(t, m.contains(long))
	assert.Zero(t, m.table.nused)
}

// A key that matches a rule is never remembered, so it is reported however
// many clean keys come before it and however often it repeats.
func TestKeyMemoKeepsReportingAttackKeys(t *testing.T) {
	e, err := New(Config{})
	require.NoError(t, err)
	var b strings.Builder
	b.WriteString(`{"users":[`)
	for i := range 300 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":` + strconv.Itoa(i) + `,"name":"user","filter":{"age":1}}`)
	}
	b.WriteString(`,{"id":1,"name":"x","filter":{"$where":"1"}},{"id":2,"name":"y","filter":{"$where":"1"}}]}`)
	req := &Request{
		Method: http.MethodPost,
		Target: "/api/users",
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(b.String()),
	}
	for range 2 { // the second request runs on the pooled state
		v := e.Inspect(req)
		paths := []string{}
		for _, f := range v.Findings {
			if f.Class == "nosqli" {
				paths = append(paths, f.Path)
			}
		}
		assert.Contains(t, paths, `users[300].filter["$where"]`)
		assert.Contains(t, paths, `users[301].filter["$where"]`)
	}
}
