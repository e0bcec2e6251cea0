package main

import (
	"context"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The HTML report is checked in a real headless Chromium when
// FIELDWALL_BROWSER_TESTS=1, as .ci/run sets it. Without the variable the
// test is skipped, so that machines without a browser pass; with it, a
// missing browser fails the test. FIELDWALL_CHROMIUM names the browser
// binary when it is not chromium or chromium-browser on PATH.

// browserArtifacts is where the report and its screenshot are kept for
// people to look at. The directory is ignored by git.
const browserArtifacts = "testdata/artifacts"

// findChromium returns the path of the browser, or skips or fails the test
// as FIELDWALL_BROWSER_TESTS requests.
func findChromium(t *testing.T) string {
	t.Helper()
	if os.Getenv("FIELDWALL_BROWSER_TESTS") != "1" {
		t.Skip("set FIELDWALL_BROWSER_TESTS=1 to check the HTML report in headless Chromium")
	}
	if path := os.Getenv("FIELDWALL_CHROMIUM"); path != "" {
		return path
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatal("FIELDWALL_BROWSER_TESTS=1 but no chromium or chromium-browser on PATH: install Debian's chromium package or set FIELDWALL_CHROMIUM")
	return ""
}

// runChromium runs headless Chromium on a file with extra flags and returns
// its standard output and standard error. The flags keep it from making any
// connection of its own: no background networking, component updates or
// sync, and a fresh profile.
func runChromium(t *testing.T, chromium, page string, extra ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(),
		"--enable-logging=stderr", "--v=0",
	}
	args = append(args, extra...)
	args = append(args, (&url.URL{Scheme: "file", Path: page}).String())
	cmd := exec.CommandContext(ctx, chromium, args...)
	cmd.WaitDelay = 10 * time.Second
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	require.NoError(t, err, "chromium failed; stderr:\n%s", errOut.String())
	return out.String(), errOut.String()
}

// consoleLine matches what Chromium logs for console messages and uncaught
// exceptions with --enable-logging=stderr. The report logs nothing, so any
// such line is an error.
var consoleLine = regexp.MustCompile(`(?m)^.*(:CONSOLE[:(]|Uncaught).*$`)

func TestHTMLReportInChromium(t *testing.T) {
	chromium := findChromium(t)
	require.NoError(t, os.MkdirAll(browserArtifacts, 0o755))
	dir, err := filepath.Abs(browserArtifacts)
	require.NoError(t, err)
	page := filepath.Join(dir, "report.html")
	screenshot := filepath.Join(dir, "report.png")
	os.Remove(screenshot)

	strict := writeFile(t, "exclude-search.json", `{"paranoia": 2, "exclusions": [{"path": "/api/search", "classes": ["sqli"]}]}`)
	code, _, stderr := runCLI(t, "", "replay", "--html", page, "--compare-config", strict,
		"testdata/chrome-sanitized.har", "testdata/capture.har", "testdata/coraza-json.log",
		"testdata/modsec2-native.log", "testdata/burp-export.xml", "testdata/requests.http")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)

	dom, logs := runChromium(t, chromium, page, "--dump-dom")
	assert.Empty(t, consoleLine.FindAllString(logs, -1), "console messages or uncaught exceptions")
	marker := regexp.MustCompile(`<div id="selfcheck"[^>]*>`).FindString(dom)
	require.NotEmpty(t, marker, "the page's script ran and added its self-check; DOM:\n%s", truncateText(dom, 2000))
	assert.Contains(t, marker, `data-status="ok"`, "self-check: %s", marker)
	assert.Contains(t, marker, `data-charts="4"`)
	assert.Regexp(t, `data-rows="[1-9]\d*"`, marker)

	_, logs = runChromium(t, chromium, page, "--screenshot="+screenshot, "--window-size=1280,900", "--hide-scrollbars")
	assert.Empty(t, consoleLine.FindAllString(logs, -1))
	f, err := os.Open(screenshot)
	require.NoError(t, err, "the screenshot is written")
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, 1280, img.Bounds().Dx())
	assert.Equal(t, 900, img.Bounds().Dy())
	t.Logf("report: %s, screenshot: %s", page, screenshot)
}
