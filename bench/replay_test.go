package bench

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldwall/fieldwall/corpus"
	"github.com/fieldwall/fieldwall/engine"
)

// replaySeed fixes the content of the generated replay files.
const replaySeed = 20260101

// replayResult is what one replay of a file measured.
type replayResult struct {
	requests   int
	mismatches int
	// examples describes the first mismatches.
	examples []string
	elapsed  time.Duration
	// peakHeap is the highest heap in use seen while replaying, in bytes.
	peakHeap uint64
}

// replayFile reads the corpus file at path and inspects every request with
// workers goroutines while the reading goroutine parses the next records.
func replayFile(path string, e *engine.Engine, workers int) (replayResult, error) {
	var res replayResult
	stopSampling := sampleHeapInUse(&res.peakHeap)
	start := time.Now()

	cases := make(chan corpus.Case, 4*workers)
	var mismatches atomic.Int64
	var examplesMu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range cases {
				v := e.Inspect(&c.Request)
				if v.Blocked() == (c.Record.Expect == corpus.ExpectAttack) {
					continue
				}
				if mismatches.Add(1) <= 5 {
					examplesMu.Lock()
					res.examples = append(res.examples, fmt.Sprintf("%s (%s, expect %s): %s %v",
						c.Record.ID, c.Record.Class, c.Record.Expect, v.Action, v.RuleIDs()))
					examplesMu.Unlock()
				}
			}
		})
	}
	err := corpus.ReadFile(path, func(c corpus.Case) error {
		cases <- c
		res.requests++
		return nil
	})
	close(cases)
	wg.Wait()

	res.elapsed = time.Since(start)
	stopSampling()
	res.mismatches = int(mismatches.Load())
	return res, err
}

// sampleHeapInUse records the highest heap in use (the sum that
// runtime.MemStats reports as HeapInuse) into peak every millisecond until
// the returned function is called. It reads runtime/metrics, which does not
// stop the world as runtime.ReadMemStats does.
func sampleHeapInUse(peak *uint64) (stop func()) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}
	read := func() {
		metrics.Read(samples)
		*peak = max(*peak, samples[0].Value.Uint64()+samples[1].Value.Uint64())
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		ticker := time.NewTicker(time.Millisecond)
		defer ticker.Stop()
		for {
			read()
			select {
			case <-done:
				return
			case <-ticker.C:
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		read()
	}
}

// procStatusKB returns a field of /proc/self/status in KiB, such as VmHWM,
// the peak resident set size of the process. It returns -1 where the file
// does not exist.
func procStatusKB(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		name, value, ok := strings.Cut(scanner.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return -1
		}
		return kb
	}
	return -1
}

func writeReplayFile(tb testing.TB, n int) (path string, attacks int) {
	tb.Helper()
	path = filepath.Join(tb.TempDir(), fmt.Sprintf("replay-%d.jsonl", n))
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	attacks, err = WriteReplay(f, n, replaySeed)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		tb.Fatalf("write replay file: %v", err)
	}
	return path, attacks
}

// TestReplayVerdicts replays the start of the generated traffic and checks
// every verdict, so that the replay benchmark measures traffic on which
// fieldwall is right.
func TestReplayVerdicts(t *testing.T) {
	const n = 3000
	path, attacks := writeReplayFile(t, n)
	if attacks == 0 {
		t.Fatal("replay file has no attack")
	}
	res, err := replayFile(path, fieldwallEngine(t), runtime.GOMAXPROCS(0))
	if err != nil {
		t.Fatal(err)
	}
	if res.requests != n {
		t.Errorf("replayed %d requests, want %d", res.requests, n)
	}
	if res.mismatches > 0 {
		t.Errorf("%d of %d verdicts differ from the records' expect; first ones:\n%s",
			res.mismatches, n, strings.Join(res.examples, "\n"))
	}
}

// TestReplayDeterministic checks that the generator writes the same bytes
// for the same seed, so that replay runs are comparable.
func TestReplayDeterministic(t *testing.T) {
	var a, b strings.Builder
	if _, err := WriteReplay(&a, 500, replaySeed); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteReplay(&b, 500, replaySeed); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatal("two replay files from the same seed differ")
	}
}

// BenchmarkReplay generates a JSON Lines file of mixed traffic and measures
// reading and inspecting all of it with one worker per core. One op is one
// whole file; run it with -benchtime=1x. It reports:
//
//   - req/s and req/s/core: requests per second of wall time, and that
//     divided by GOMAXPROCS;
//   - peak-heap-MB: the highest heap in use sampled during the replay;
//   - VmHWM-MB: the peak resident set of the process so far, which also
//     counts the file generation and earlier benchmarks in the same process;
//   - file-MB and mismatches (verdicts that differ from the records).
func BenchmarkReplay(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run("requests="+strconv.Itoa(n), func(b *testing.B) {
			path, _ := writeReplayFile(b, n)
			info, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			e := fieldwallEngine(b)
			workers := runtime.GOMAXPROCS(0)
			runtime.GC()

			var last replayResult
			b.SetBytes(info.Size())
			b.ReportAllocs()
			for b.Loop() {
				last, err = replayFile(path, e, workers)
				if err != nil {
					b.Fatal(err)
				}
				if last.requests != n {
					b.Fatalf("replayed %d requests, want %d", last.requests, n)
				}
			}
			perSecond := float64(last.requests) / last.elapsed.Seconds()
			b.ReportMetric(perSecond, "req/s")
			b.ReportMetric(perSecond/float64(workers), "req/s/core")
			b.ReportMetric(float64(last.peakHeap)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(procStatusKB("VmHWM"))/1024, "VmHWM-MB")
			b.ReportMetric(float64(info.Size())/(1<<20), "file-MB")
			b.ReportMetric(float64(last.mismatches), "mismatches")
			if last.mismatches > 0 {
				b.Logf("first mismatches:\n%s", strings.Join(last.examples, "\n"))
			}
		})
	}
}
