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
// clean, adds it. The memo reports a key only after memoAfter lookups.
func TestMemoStartsAfterThreshold(t *testing.T) {
	var m cleanMemo
	for i := range memoAfter + 1 {
		assert.False(t, m.contains("id"), "lookup %d", i)
		m.add("id")
	}
	assert.True(t, m.contains("id"))
	assert.False(t, m.contains("ie"))
	assert.False(t, m.contains("i"))
}

func TestMemoResetRemovesTexts(t *testing.T) {
	var m cleanMemo
	m.lookups = memoAfter + 1
	m.table = new(memoTable)
	m.add("name")
	require.True(t, m.contains("name"))

	m.reset()
	assert.Zero(t, m.lookups)
	for i, key := range m.table.slots {
		assert.Empty(t, key, "slot %d keeps a key after reset", i)
	}
	m.lookups = memoAfter + 1
	assert.False(t, m.contains("name"))
}

func TestMemoSkipsEmptyAndLongTexts(t *testing.T) {
	var m cleanMemo
	m.lookups = memoAfter + 1
	m.table = new(memoTable)
	long := strings.Repeat("k", memoMaxBytes+1)
	m.add("")
	m.add(long)
	assert.False(t, m.contains(""))
	assert.False(t, m.contains(long))
	assert.Zero(t, m.table.nused)
}

// A key or value that matches a rule is never remembered, so it is reported
// however many clean ones come before it and however often it repeats.
func TestMemoKeepsReportingAttacks(t *testing.T) {
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
	b.WriteString(`,{"id":1,"name":"x","filter":{"$where":"1"}},{"id":2,"name":"y","filter":{"$where":"1"}}`)
	b.WriteString(`,{"id":3,"name":"1' OR '1'='1"},{"id":4,"name":"1' OR '1'='1"}]}`)
	req := &Request{
		Method: http.MethodPost,
		Target: "/api/users",
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(b.String()),
	}
	for range 2 { // the second request runs on the pooled state
		v := e.Inspect(req)
		nosqli, sqli := []string{}, []string{}
		for _, f := range v.Findings {
			switch f.Class {
			case "nosqli":
				nosqli = append(nosqli, f.Path)
			case "sqli":
				sqli = append(sqli, f.Path)
			}
		}
		assert.Contains(t, nosqli, `users[300].filter["$where"]`)
		assert.Contains(t, nosqli, `users[301].filter["$where"]`)
		assert.Contains(t, sqli, `users[302].name`)
		assert.Contains(t, sqli, `users[303].name`)
	}
}
