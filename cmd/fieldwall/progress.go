package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Timing of the progress line.
const (
	// progressDelay is how long a run goes before the progress line
	// appears, so that short runs print nothing but their summary.
	progressDelay = 500 * time.Millisecond
	// progressInterval is the time between two updates.
	progressInterval = 250 * time.Millisecond
	// progressBarWidth is the number of cells of the bar.
	progressBarWidth = 24
)

// showProgress starts a progress line on stderr and returns the function
// that removes it. totalBytes is the size of the input, 0 when unknown.
func (rr *replayRun) showProgress(totalBytes int64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	started := time.Now()
	go func() {
		defer close(finished)
		ticker := time.NewTicker(progressInterval)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
			}
			elapsed := time.Since(started)
			if elapsed < progressDelay {
				continue
			}
			rr.status.progress(progressText(rr.bytesRead.Load(), totalBytes, rr.inspected.Load(), elapsed))
		}
	}()
	return func() {
		close(done)
		<-finished
		rr.status.clearProgress()
	}
}

// progressText formats one progress line: a bar and the percentage when
// the size of the input is known, the bytes read, the requests per second
// and the time left, estimated from the bytes read so far.
func progressText(read, total, requests int64, elapsed time.Duration) string {
	var b strings.Builder
	seconds := elapsed.Seconds()
	if total > 0 {
		fraction := min(float64(read)/float64(total), 1)
		filled := int(fraction * progressBarWidth)
		fmt.Fprintf(&b, "[%s%s] %3.0f%%  %s of %s", strings.Repeat("#", filled), strings.Repeat(".", progressBarWidth-filled),
			100*fraction, formatBytes(read), formatBytes(total))
	} else {
		fmt.Fprintf(&b, "%s read", formatBytes(read))
	}
	fmt.Fprintf(&b, "  %s requests  %s req/s", formatCount(requests), formatCount(int64(float64(requests)/seconds)))
	if total > 0 && read > 0 && read < total {
		left := time.Duration(float64(elapsed) * float64(total-read) / float64(read))
		fmt.Fprintf(&b, "  %s left", left.Round(time.Second))
	}
	return b.String()
}

// formatBytes writes n in KiB, MiB or GiB.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// statusWriter serializes messages and the progress line on stderr. A
// message first erases the progress line, which the next update redraws.
type statusWriter struct {
	mu        sync.Mutex
	w         io.Writer
	lineShown bool
}

func (s *statusWriter) printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eraseLocked()
	fmt.Fprintf(s.w, format, args...)
}

func (s *statusWriter) progress(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eraseLocked()
	io.WriteString(s.w, text)
	s.lineShown = true
}

func (s *statusWriter) clearProgress() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eraseLocked()
}

// eraseLocked erases the progress line with a carriage return and the ANSI
// "erase line" sequence, which terminals support.
func (s *statusWriter) eraseLocked() {
	if s.lineShown {
		io.WriteString(s.w, "\r\x1b[K")
		s.lineShown = false
	}
}
