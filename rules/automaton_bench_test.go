package rules

import (
	"fmt"
	"strings"
	"testing"
)

// engineKeywords returns the keywords of the built-in rules that the engine
// runs at its default paranoia level 1, deduplicated in rule order, which is
// the keyword list that Compile builds the engine's matcher from.
func engineKeywords(tb testing.TB) []string {
	tb.Helper()
	all, err := Builtin()
	if err != nil {
		tb.Fatalf("Builtin: %v", err)
	}
	var active []*Rule
	for _, r := range all {
		if r.Paranoia <= 1 {
			active = append(active, r)
		}
	}
	program, err := Compile(active)
	if err != nil {
		tb.Fatalf("Compile: %v", err)
	}
	seen := map[string]bool{}
	var keywords []string
	for _, r := range program.Rules() {
		for _, kw := range r.Keywords {
			if !seen[kw] {
				seen[kw] = true
				keywords = append(keywords, kw)
			}
		}
	}
	if len(keywords) == 0 {
		tb.Fatal("the default rules have no keywords")
	}
	return keywords
}

// benchProse is ordinary English of the kind found in free-text fields:
// comments, descriptions, addresses. As real prose does, it contains a few
// built-in keywords such as "select", "like " and " from ".
const benchProse = "Thanks for the quick reply. I would like to change my order before it " +
	"ships: please select the larger size and send it to the side door of the " +
	"building, since nobody answers the front bell during the day. If the parcel " +
	"does not fit in the box, leave it with the neighbour at number twelve, who " +
	"has agreed to keep it until I am back from work. The invoice should still " +
	"go to my office address. Let me know if there is any extra charge for the " +
	"change, and whether the delivery date moves. Kind regards, and thank you " +
	"again for the help with the earlier return, which went smoothly. "

// BenchmarkAutomatonProse measures AppendMatches with the engine's keywords
// on prefixes of English prose, one call per iteration, from the short
// values of most fields to long free-text ones. Texts of 72 bytes and more
// take the interleaved scan.
func BenchmarkAutomatonProse(b *testing.B) {
	a := NewAutomaton(engineKeywords(b))
	text := []byte(strings.Repeat(benchProse, 4096/len(benchProse)+1))
	for _, n := range []int{8, 32, 64, 128, 512, 4096} {
		b.Run(fmt.Sprintf("len=%d", n), func(b *testing.B) {
			field := text[:n]
			hits := a.AppendMatches(nil, field)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				hits = a.AppendMatches(hits[:0], field)
			}
		})
	}
}
