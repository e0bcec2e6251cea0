package bench

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkReplayCommand builds the fieldwall command and runs
// "fieldwall replay" on generated JSON Lines files of 10,000 and 100,000
// mixed requests, as a user would. One op is one whole run, so use
// -benchtime=1x. From the child process's resource usage it reports:
//
//   - req/cpu-s: requests per second of CPU time (user and system), which is
//     the throughput of one core however busy the machine is;
//   - req/s: requests per second of wall time, with every CPU in use;
//   - maxrss-MB: the child's peak resident set, which must not grow with the
//     file's length.
func BenchmarkReplayCommand(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "fieldwall")
	build := exec.Command("go", "build", "-o", bin, "../cmd/fieldwall")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for _, n := range []int{10_000, 100_000} {
		b.Run("requests="+strconv.Itoa(n), func(b *testing.B) {
			path, _ := writeReplayFile(b, n)
			var cpu, wall time.Duration
			var maxRSS int64
			for b.Loop() {
				var stdout, stderr bytes.Buffer
				cmd := exec.Command(bin, "replay", path)
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				start := time.Now()
				err := cmd.Run()
				wall = time.Since(start)
				// Exit status 1 means that the replay found attacks, which
				// the generated traffic contains.
				var exit *exec.ExitError
				if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
					b.Fatalf("fieldwall replay: %v\n%s", err, stderr.String())
				}
				if !bytes.Contains(stdout.Bytes(), []byte(strconv.Itoa(n))) {
					b.Fatalf("the summary does not count %d requests:\n%s", n, stdout.String())
				}
				usage := cmd.ProcessState.SysUsage().(*syscall.Rusage)
				cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				maxRSS = usage.Maxrss // KiB on Linux
			}
			b.ReportMetric(float64(n)/cpu.Seconds(), "req/cpu-s")
			b.ReportMetric(float64(n)/wall.Seconds(), "req/s")
			b.ReportMetric(float64(maxRSS)/1024, "maxrss-MB")
		})
	}
}
