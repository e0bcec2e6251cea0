package bench

import (
	"testing"

	"github.com/fieldwall/fieldwall/engine"
	"github.com/fieldwall/fieldwall/internal/hostile"
)

// BenchmarkHostile measures the time and allocation of each hostile input
// under the default limits. The bound they are held to, 50 ms and 64 MiB per
// request, is read from this benchmark's ns/op and B/op, not asserted, because
// the machines that run it are shared.
func BenchmarkHostile(b *testing.B) {
	e, err := engine.New(engine.Config{})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range hostile.Cases() {
		req := tc.Request()
		v := e.Inspect(req)
		found := tc.Rule == ""
		for _, id := range v.RuleIDs() {
			found = found || id == tc.Rule
		}
		if !found {
			b.Fatalf("%s: rule %s not reported, got %v", tc.Name, tc.Rule, v.RuleIDs())
		}
		b.Run(tc.Name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(req.Body) + len(req.Target)))
			for i := 0; i < b.N; i++ {
				e.Inspect(req)
			}
		})
	}
}
