package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fieldwall/fieldwall/parsers"
)

// TestCandidatesFollowTargets checks that a key is matched against the
// keywords of the rules that target keys, and a value against those of the
// rules that target values.
func TestCandidatesFollowTargets(t *testing.T) {
	src := `
rule on-values
  class sqli
  severity critical
  keywords "union"
  pattern union

rule on-keys
  class proto
  severity critical
  targets keys
  keywords "__proto__"
  pattern __proto__

rule on-both
  class nosqli
  severity critical
  targets all
  keywords "$where"
  pattern \$where
`
	parsed, err := Parse("test.rules", strings.NewReader(src))
	require.NoError(t, err)
	p, err := Compile(parsed)
	require.NoError(t, err)
	text := []byte("UNION __PROTO__ $where")

	values, _ := p.AppendCandidates(nil, nil, parsers.KindString, text)
	slices.Sort(values)
	assert.Equal(t, []int32{0, 2}, values)

	keys, _ := p.AppendCandidates(nil, nil, parsers.KindKey, text)
	slices.Sort(keys)
	assert.Equal(t, []int32{1, 2}, keys)
}

func TestCanOccurInNumber(t *testing.T) {
	occurs := []string{"1", "-1", "0.5", "1e", "e+", "e-1", ".", "-0.0e-1", "9.9", "5e5", "+1", "00e", "01"}
	never := []string{"--", "e.", "..", ".e", "0x", "1-", "ee", "a", " ", "-.", "1e1e", "+-", "e-+"}
	for _, k := range occurs {
		assert.True(t, canOccurInNumber(k), k)
	}
	for _, k := range never {
		assert.False(t, canOccurInNumber(k), k)
	}
}

// TestInspectsLiterals checks which JSON literal kinds a rule set reads: the
// built-in rules read none, and a keyword that a literal can contain, or a
// rule without keywords, makes that kind inspected.
func TestInspectsLiterals(t *testing.T) {
	builtin, err := Builtin()
	require.NoError(t, err)
	p, err := Compile(builtin)
	require.NoError(t, err)
	for _, kind := range []parsers.Kind{parsers.KindNumber, parsers.KindBool, parsers.KindNull} {
		assert.False(t, p.Inspects(kind), kind.String())
	}
	assert.True(t, p.Inspects(parsers.KindString))
	assert.True(t, p.Inspects(parsers.KindKey))

	compile := func(src string) *Program {
		parsed, err := Parse("test.rules", strings.NewReader(src))
		require.NoError(t, err)
		p, err := Compile(parsed)
		require.NoError(t, err)
		return p
	}
	numbers := compile("rule big\n class limit\n severity warning\n keywords \"e+30\"\n pattern e\\+3\\d\n")
	assert.True(t, numbers.Inspects(parsers.KindNumber))
	assert.False(t, numbers.Inspects(parsers.KindBool))
	bools := compile("rule t\n class limit\n severity warning\n keywords \"ru\"\n pattern ru\n")
	assert.True(t, bools.Inspects(parsers.KindBool))
	assert.False(t, bools.Inspects(parsers.KindNull))
	all := compile("rule any\n class limit\n severity warning\n pattern x\n")
	assert.True(t, all.Inspects(parsers.KindNull))
}
