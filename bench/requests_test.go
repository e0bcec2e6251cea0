package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/fieldwall/fieldwall/engine"
)

// testdataDir is the committed request set, relative to this package.
const testdataDir = "testdata"

var (
	loadRequestsOnce = sync.OnceValues(func() ([]Request, error) { return LoadRequests(testdataDir) })
	// defaultEngine is engine.New(engine.Config{}): the built-in rules at
	// paranoia level 1 with the default limits and threshold.
	defaultEngine = sync.OnceValues(func() (*engine.Engine, error) { return engine.New(engine.Config{}) })
)

func requestSet(tb testing.TB) []Request {
	tb.Helper()
	reqs, err := loadRequestsOnce()
	if err != nil {
		tb.Fatal(err)
	}
	if len(reqs) == 0 {
		tb.Fatal("request set is empty")
	}
	return reqs
}

func fieldwallEngine(tb testing.TB) *engine.Engine {
	tb.Helper()
	e, err := defaultEngine()
	if err != nil {
		tb.Fatalf("engine.New: %v", err)
	}
	return e
}

func engineRequest(r *Request) *engine.Request {
	return &engine.Request{Method: r.Method, Target: r.Target, Header: r.HTTPHeader(), Body: r.Body}
}

// checkFieldwallVerdict fails tb unless fieldwall allows a benign request
// and blocks an attack.
func checkFieldwallVerdict(tb testing.TB, e *engine.Engine, r *Request) {
	tb.Helper()
	v := e.Inspect(engineRequest(r))
	if want := r.Expect == ExpectAttack; v.Blocked() != want {
		tb.Fatalf("fieldwall on %s (%s): action %s, want blocked=%v; rules %v, findings %+v",
			r.Name, r.Expect, v.Action, want, v.RuleIDs(), v.Findings)
	}
}

// checkCorazaVerdict fails tb unless the Coraza setup gives the verdict
// that its expectations record.
func checkCorazaVerdict(tb testing.TB, setup *corazaSetup, r *Request) {
	tb.Helper()
	waf, err := setup.waf()
	if err != nil {
		tb.Fatal(err)
	}
	it, err := corazaInspect(waf, r, r.HeaderNames())
	if err != nil {
		tb.Fatalf("%s on %s: %v", setup.name, r.Name, err)
	}
	if want := setup.expectBlock(r); (it != nil) != want {
		tb.Fatalf("%s on %s (%s): interrupted=%v, want %v; CRS rules matched: %v",
			setup.name, r.Name, r.Expect, it != nil, want, corazaMatchedRules(waf, r))
	}
}

// TestBenchVerdicts checks, without -bench, the verdict that every benchmark
// checks before its timed loop, so that CI keeps the suite compiling and
// its expectations true.
func TestBenchVerdicts(t *testing.T) {
	reqs := requestSet(t)
	e := fieldwallEngine(t)
	for i := range reqs {
		r := &reqs[i]
		t.Run(r.Name+"/fieldwall", func(t *testing.T) { checkFieldwallVerdict(t, e, r) })
		for _, setup := range corazaSetups {
			if !setup.appliesTo(r) {
				continue
			}
			t.Run(r.Name+"/"+setup.name, func(t *testing.T) {
				skipSlowCoraza(t, setup, r)
				checkCorazaVerdict(t, setup, r)
			})
		}
	}
}

// skipSlowCoraza skips the Coraza verdict checks that take more than a
// few seconds. Coraza reading every value of the 1 MB body takes over a
// minute per request, and the race detector multiplies that. Benchmark runs
// still check every verdict before their timed loops.
func skipSlowCoraza(t *testing.T, setup *corazaSetup, r *Request) {
	t.Helper()
	switch {
	case len(r.Body) > 100<<10 && setup.argumentsLimit > 1000:
		t.Skip("over a minute per request: checked by BenchmarkRequests before its timed loop")
	case len(r.Body) > 10<<10 && (testing.Short() || raceEnabled):
		t.Skip("seconds per request in -short or -race runs: checked by BenchmarkRequests before its timed loop")
	}
}

func TestRequestSetShape(t *testing.T) {
	reqs := requestSet(t)
	want := map[string]struct {
		expect           string
		minBody, maxBody int
	}{
		"get-query":      {ExpectBenign, 0, 0},
		"json-1k":        {ExpectBenign, 900, 1 << 10},
		"json-10k":       {ExpectBenign, 9 << 10, 10 << 10},
		"json-100k":      {ExpectBenign, 99 << 10, 100 << 10},
		"json-1m":        {ExpectBenign, 1023 << 10, 1 << 20},
		"graphql-1k":     {ExpectBenign, 800, 1 << 10},
		"attack-json-1k": {ExpectAttack, 900, 1 << 10},
	}
	var names []string
	for _, r := range reqs {
		names = append(names, r.Name)
		w, ok := want[r.Name]
		if !ok {
			t.Errorf("unexpected request %s", r.Name)
			continue
		}
		if r.Expect != w.expect {
			t.Errorf("%s: expect %s, want %s", r.Name, r.Expect, w.expect)
		}
		if len(r.Body) < w.minBody || len(r.Body) > w.maxBody {
			t.Errorf("%s: body of %d bytes, want %d to %d", r.Name, len(r.Body), w.minBody, w.maxBody)
		}
	}
	if len(names) != len(want) {
		t.Errorf("request set has %v, want %d requests", names, len(want))
	}
}

// TestTestdataUpToDate fails when the committed testdata differs from what
// the generator writes, which means someone changed one and not the other.
func TestTestdataUpToDate(t *testing.T) {
	files, err := Testdata()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(testdataDir)
	if err != nil {
		t.Fatal(err)
	}
	var onDisk []string
	for _, e := range entries {
		onDisk = append(onDisk, e.Name())
	}
	var generated []string
	for name, data := range files {
		generated = append(generated, name)
		committed, err := os.ReadFile(filepath.Join(testdataDir, name))
		if err != nil {
			t.Errorf("%v: run go generate ./bench", err)
			continue
		}
		if !bytes.Equal(committed, data) {
			t.Errorf("testdata/%s differs from the generator's output: run go generate ./bench", name)
		}
	}
	slices.Sort(onDisk)
	slices.Sort(generated)
	if !slices.Equal(onDisk, generated) {
		t.Errorf("testdata holds %v, the generator writes %v", onDisk, generated)
	}
}
