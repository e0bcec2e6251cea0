package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCLI runs the command line args with stdin and returns the exit status
// and both outputs.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// writeFile writes content to name in a new temporary directory and returns
// the path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func TestExitStatus(t *testing.T) {
	detectOnly := writeFile(t, "detect-only.json", `{"detect_only": true}`)
	invalidConfig := writeFile(t, "invalid.json", `{"paranoia": 9}`)

	cases := []struct {
		name       string
		args       []string
		stdin      string
		want       int
		wantStderr string
	}{
		{name: "allow benign request", args: []string{"scan", "../../examples/search-benign.http"}, want: exitOK},
		{name: "block nosqli request", args: []string{"scan", "../../examples/login-nosqli.http"}, want: exitBlocked},
		{name: "log in detect-only mode", args: []string{"scan", "--config", detectOnly, "../../examples/login-nosqli.http"}, want: exitOK},
		{name: "block from stdin", args: []string{"scan"}, stdin: "GET /api/users?name[$ne]=x HTTP/1.1\n\n", want: exitBlocked},
		{name: "bad flag", args: []string{"scan", "--jsn"}, want: exitUsage, wantStderr: "flag provided but not defined: -jsn"},
		{name: "flag without value", args: []string{"scan", "--config"}, want: exitUsage, wantStderr: "flag needs an argument"},
		{name: "missing file", args: []string{"scan", "testdata/no-such-file.http"}, want: exitUsage, wantStderr: "no such file or directory: check the path"},
		{name: "unreadable input", args: []string{"scan"}, stdin: "this is no request\n", want: exitUsage, wantStderr: "invalid request-target"},
		{name: "binary input", args: []string{"scan"}, stdin: "\x00\x01\x02", want: exitUsage, wantStderr: "invalid method"},
		{name: "empty input", args: []string{"scan"}, stdin: "  \n", want: exitUsage, wantStderr: "the input is empty"},
		{name: "invalid JSON input", args: []string{"scan"}, stdin: `{"request": `, want: exitUsage, wantStderr: "invalid JSON"},
		{name: "two scan files", args: []string{"scan", "a.http", "b.http"}, want: exitUsage, wantStderr: "use replay for many requests"},
		{name: "invalid config", args: []string{"scan", "--config", invalidConfig, "../../examples/search-benign.http"}, want: exitUsage, wantStderr: "invalid paranoia level 9"},
		{name: "no arguments", args: nil, want: exitUsage, wantStderr: "Usage:"},
		{name: "help", args: []string{"help"}, want: exitOK},
		{name: "help flag", args: []string{"-h"}, want: exitOK},
		{name: "help of command", args: []string{"help", "replay"}, want: exitOK},
		{name: "help of help", args: []string{"help", "help"}, want: exitOK},
		{name: "help of unknown command", args: []string{"help", "deploy"}, want: exitUsage, wantStderr: `unknown command "deploy"`},
		{name: "command help flag", args: []string{"eval", "-h"}, want: exitOK},
		{name: "unknown command", args: []string{"inspect"}, want: exitUsage, wantStderr: `unknown command "inspect"`},
		{name: "eval without files", args: []string{"eval"}, want: exitUsage, wantStderr: "no corpus file given"},
		{name: "eval missing file", args: []string{"eval", "testdata/no-such-file.jsonl"}, want: exitUsage, wantStderr: "no such file"},
		{name: "replay without files", args: []string{"replay"}, want: exitUsage, wantStderr: "no input file given"},
		{name: "replay zero workers", args: []string{"replay", "--workers", "0", "testdata/requests.jsonl"}, want: exitUsage, wantStderr: "invalid --workers 0"},
		{name: "replay completes with unreadable record", args: []string{"replay", "testdata/requests.jsonl"}, want: exitOK},
		{name: "rules extra argument", args: []string{"rules", "list"}, want: exitUsage, wantStderr: "rules check FILE"},
		{name: "rules check without files", args: []string{"rules", "check"}, want: exitUsage, wantStderr: "needs one or more rule files"},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			code, stdout, stderr := runCLI(t, tc.stdin, tc.args...)
			assert.Equal(t, tc.want, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			if tc.wantStderr != "" {
				assert.Contains(t, stderr, tc.wantStderr)
			}
			if tc.want == exitUsage {
				assert.NotEmpty(t, stderr, "a failure must say what went wrong")
			}
		})
	}
	require.Positive(t, ran)
}

func TestHelpGoesToStdout(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "help")
	require.Equal(t, exitOK, code)
	assert.Empty(t, stderr)
	for _, command := range []string{"scan", "eval", "replay", "serve", "rules", "--config"} {
		assert.Contains(t, stdout, command)
	}

	code, stdout, _ = runCLI(t, "", "scan", "-h")
	require.Equal(t, exitOK, code)
	assert.Equal(t, scanUsage, stdout)
}

func TestParseFlags(t *testing.T) {
	cases := []struct {
		name         string
		args         []string
		wantJSON     bool
		wantConfig   string
		wantOperands []string
	}{
		{name: "flags first", args: []string{"--json", "--config", "c.json", "a.http"}, wantJSON: true, wantConfig: "c.json", wantOperands: []string{"a.http"}},
		{name: "flags after operand", args: []string{"a.http", "--json"}, wantJSON: true, wantOperands: []string{"a.http"}},
		{name: "flags between operands", args: []string{"a", "--config=c.json", "b"}, wantConfig: "c.json", wantOperands: []string{"a", "b"}},
		{name: "dash is an operand", args: []string{"-", "--json"}, wantJSON: true, wantOperands: []string{"-"}},
		{name: "double dash ends flags", args: []string{"--", "--json"}, wantOperands: []string{"--json"}},
		{name: "no arguments", args: nil, wantOperands: nil},
	}
	ran := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ran++
			flags := newFlagSet("test")
			jsonOutput := flags.Bool("json", false, "")
			configPath := flags.String("config", "", "")
			operands, err := parseFlags(flags, tc.args)
			require.NoError(t, err)
			assert.Equal(t, tc.wantJSON, *jsonOutput)
			assert.Equal(t, tc.wantConfig, *configPath)
			assert.Equal(t, tc.wantOperands, operands)
		})
	}
	require.Positive(t, ran)
}
