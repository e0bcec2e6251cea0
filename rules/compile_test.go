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
