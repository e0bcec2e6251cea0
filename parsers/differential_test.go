package parsers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stdlibFields decodes doc with encoding/json and flattens it into the same
// "kind path=value" strings as fieldStrings, sorted, because a Go map does
// not keep key order.
func stdlibFields(t *testing.T, doc []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	out := []string{}
	var walk func(path Path, v any)
	walk = func(path Path, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				p := append(path[:len(path):len(path)], KeySegment(k))
				out = append(out, "key body:"+p.String()+"="+k)
				walk(p, child)
			}
		case []any:
			for i, child := range x {
				walk(append(path[:len(path):len(path)], IndexSegment(i)), child)
			}
		case string:
			out = append(out, "string body:"+path.String()+"="+x)
		case json.Number:
			out = append(out, "number body:"+path.String()+"="+x.String())
		case bool:
			out = append(out, "bool body:"+path.String()+"="+strconv.FormatBool(x))
		case nil:
			out = append(out, "null body:"+path.String()+"=null")
		}
	}
	walk(nil, v)
	sort.Strings(out)
	return out
}

func ownFields(t *testing.T, doc []byte) []string {
	t.Helper()
	var d Document
	d.Reset(Limits{MaxDepth: 64, MaxFields: 1_000_000})
	require.True(t, ParseJSON(&d, LocationBody, nil, doc), "%s", doc)
	fields := fieldStrings(&d)
	sort.Strings(fields)
	return fields
}

// jsonGenerator builds random valid JSON documents without duplicate keys.
type jsonGenerator struct {
	rng *rand.Rand
	b   strings.Builder
}

var keyAlphabet = []string{"a", "b", "id", "$ne", "a.b", "x[0]", "é", "日本", "__proto__", " ", "\"q\"", "\\", "\u2028", "\U0001F600"}

func (g *jsonGenerator) value(depth int) {
	kind := g.rng.IntN(8)
	if depth >= 6 && kind >= 6 {
		kind = g.rng.IntN(6)
	}
	switch kind {
	case 0:
		g.b.WriteString("null")
	case 1:
		g.b.WriteString([]string{"true", "false"}[g.rng.IntN(2)])
	case 2:
		g.b.WriteString([]string{"0", "-1", "12345678901234567890", "1.5", "-0.25e-7", "6.02E+23", "1e400"}[g.rng.IntN(7)])
	case 3, 4, 5:
		g.str()
	case 6:
		g.b.WriteByte('[')
		for i, n := 0, g.rng.IntN(5); i < n; i++ {
			if i > 0 {
				g.b.WriteByte(',')
			}
			g.value(depth + 1)
		}
		g.b.WriteByte(']')
	case 7:
		g.b.WriteByte('{')
		used := map[string]bool{}
		for i, n := 0, g.rng.IntN(5); i < n; i++ {
			key := keyAlphabet[g.rng.IntN(len(keyAlphabet))] + strconv.Itoa(g.rng.IntN(3))
			if used[key] {
				continue
			}
			used[key] = true
			if len(used) > 1 {
				g.b.WriteByte(',')
			}
			g.quoted(key)
			g.b.WriteString([]string{":", " : ", ":\n"}[g.rng.IntN(3)])
			g.value(depth + 1)
		}
		g.b.WriteByte('}')
	}
}

// str writes a random string literal, escaping some characters with \u
// escapes that decoders must undo.
func (g *jsonGenerator) str() {
	parts := []string{"plain", "' OR '1'='1", "<script>", "tab\there", "quote\"", "back\\slash", "ünïcödé", "\U0001F600", "€", "/slash", ""}
	var s strings.Builder
	for i, n := 0, 1+g.rng.IntN(3); i < n; i++ {
		s.WriteString(parts[g.rng.IntN(len(parts))])
	}
	g.quoted(s.String())
}

func (g *jsonGenerator) quoted(s string) {
	g.b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			g.b.WriteByte('\\')
			g.b.WriteRune(r)
		case r < 0x20 || g.rng.IntN(8) == 0:
			if r > 0xFFFF {
				hi, lo := surrogates(r)
				fmt.Fprintf(&g.b, `\u%04x\u%04X`, hi, lo)
			} else {
				fmt.Fprintf(&g.b, `\u%04x`, r)
			}
		default:
			g.b.WriteRune(r)
		}
	}
	g.b.WriteByte('"')
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

func TestDifferentialGeneratedJSON(t *testing.T) {
	g := &jsonGenerator{rng: rand.New(rand.NewPCG(1, 2))}
	const documents = 10_000
	for i := 0; i < documents; i++ {
		g.b.Reset()
		g.value(0)
		doc := []byte(g.b.String())
		require.True(t, json.Valid(doc), "generated document %d is invalid: %s", i, doc)
		assert.Equal(t, stdlibFields(t, doc), ownFields(t, doc), "document %d: %s", i, doc)
	}
}

func TestDifferentialCorpusJSON(t *testing.T) {
	dir := os.Getenv("FIELDWALL_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	checked := 0
	for _, name := range []string{"benign/json-bodies.jsonl", "benign/graphql-variables.jsonl", "attacks/nosqli.jsonl", "attacks/graphql.jsonl"} {
		f, err := os.Open(filepath.Join(dir, name))
		require.NoError(t, err, "set FIELDWALL_CORPUS to the public corpus directory")
		scanner := bufio.NewScanner(f)
		scanner.Buffer(make([]byte, 1<<20), 16<<20)
		for scanner.Scan() {
			var rec struct{ Payload string }
			require.NoError(t, json.Unmarshal(scanner.Bytes(), &rec))
			doc := []byte(rec.Payload)
			if !json.Valid(doc) {
				continue
			}
			assert.Equal(t, stdlibFields(t, doc), ownFields(t, doc), "%s: %s", name, doc)
			checked++
		}
		require.NoError(t, scanner.Err())
		require.NoError(t, f.Close())
	}
	assert.Greater(t, checked, 700, "valid JSON bodies compared")
}

func TestDuplicateKeysInspectFirstAndLast(t *testing.T) {
	doc := []byte(`{"role":"user","role":"admin"}`)
	fields := ownFields(t, doc)
	assert.Contains(t, fields, "string body:role=user", "the value a first-wins backend reads")
	assert.Contains(t, fields, "string body:role=admin", "the value a last-wins backend reads, as encoding/json does")
	assert.Contains(t, stdlibFields(t, doc), "string body:role=admin")
}
