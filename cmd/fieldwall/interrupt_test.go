package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHelperProcess is not a test: TestReplayInterrupt starts the test
// binary again with FIELDWALL_HELPER_PROCESS=1 to run the command line
// after "--" as the fieldwall command, in a process that can receive
// SIGINT.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("FIELDWALL_HELPER_PROCESS") != "1" {
		t.Skip("runs only as the child process of TestReplayInterrupt")
	}
	args := os.Args
	for i, arg := range args {
		if arg == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(args, os.Stdin, os.Stdout, os.Stderr))
}

// lockedBuffer is a bytes.Buffer that the exec package writes from its own
// goroutine while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestReplayInterrupt(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "--", "replay", "--workers", "2", "-")
	cmd.Env = append(os.Environ(), "FIELDWALL_HELPER_PROCESS=1")
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()

	// 200 requests, then an unreadable line. Its message on stderr shows
	// that every request before it was collected, because records are
	// collected in input order. Standard input stays open, so the run only
	// ends by the interrupt.
	var input strings.Builder
	for i := range 200 {
		fmt.Fprintf(&input, `{"path": "/api/items?id=%d'+OR+'1'='1"}`+"\n", i)
	}
	input.WriteString("{broken\n")
	_, err = stdin.Write([]byte(input.String()))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "standard input:201: invalid JSON") },
		30*time.Second, 20*time.Millisecond, "stderr: %s", stderr.String())

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("replay did not exit after SIGINT; stderr: %s", stderr.String())
	}
	stdin.Close()

	var exitErr *exec.ExitError
	require.True(t, errors.As(err, &exitErr), "exit error: %v", err)
	assert.Equal(t, exitInterrupted, exitErr.ExitCode())
	out := stdout.String()
	assert.Contains(t, out, "interrupted: the summary covers the requests inspected before Ctrl-C")
	assert.Equal(t, "requests read 200; unreadable records 1; allowed 0; logged 0; blocked 200", summaryCounts(t, out))
}
