// Command ratios reads the output of the bench package's BenchmarkRequests
// and prints a Markdown table per request: the median time of each
// implementation, and the ratios that bench/RESULTS.md reports, Coraza with
// the CRS against fieldwall and fieldwall against sonic's parse.
//
// Usage:
//
//	go run ./bench/ratios FILE...
//
// Medians are taken over every run of a benchmark in the files, the same
// statistic benchstat prints.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// result holds the measurements of one benchmark, one entry per run.
type result struct {
	nsPerOp, allocsPerOp, bytesPerOp []float64
}

// key is one benchmark: request and implementation.
type key struct{ request, impl string }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ratios FILE...")
		os.Exit(2)
	}
	results := make(map[key]*result)
	var requests []string
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ratios:", err)
			os.Exit(1)
		}
		requests = parse(f, results, requests)
		f.Close()
	}
	if len(requests) == 0 {
		fmt.Fprintln(os.Stderr, "ratios: no BenchmarkRequests lines in the input")
		os.Exit(1)
	}
	printTable(os.Stdout, results, requests)
}

// parse adds the BenchmarkRequests lines of r to results and returns the
// request names in order of first appearance.
func parse(r io.Reader, results map[key]*result, requests []string) []string {
	scanner := bufio.NewScanner(r)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "BenchmarkRequests/") {
			continue
		}
		k, ok := parseName(fields[0])
		if !ok {
			continue
		}
		res := results[k]
		if res == nil {
			res = &result{}
			results[k] = res
			if !slices.Contains(requests, k.request) {
				requests = append(requests, k.request)
			}
		}
		// After the name and the iteration count come value-unit pairs.
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			switch fields[i+1] {
			case "ns/op":
				res.nsPerOp = append(res.nsPerOp, v)
			case "allocs/op":
				res.allocsPerOp = append(res.allocsPerOp, v)
			case "B/op":
				res.bytesPerOp = append(res.bytesPerOp, v)
			}
		}
	}
	return requests
}

// parseName splits "BenchmarkRequests/req=X/impl=Y-2" into X and Y.
func parseName(name string) (key, bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 3 {
		return key{}, false
	}
	request, ok1 := strings.CutPrefix(parts[1], "req=")
	impl, ok2 := strings.CutPrefix(parts[2], "impl=")
	if i := strings.LastIndexByte(impl, '-'); i > 0 {
		if _, err := strconv.Atoi(impl[i+1:]); err == nil {
			impl = impl[:i] // the -GOMAXPROCS suffix
		}
	}
	return key{request, impl}, ok1 && ok2
}

func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// printTable writes one row per request. A ratio or time that the input does
// not have is printed as "–".
func printTable(w io.Writer, results map[key]*result, requests []string) {
	ns := func(request, impl string) float64 {
		if r := results[key{request, impl}]; r != nil {
			return median(r.nsPerOp)
		}
		return 0
	}
	fmt.Fprintln(w, "| request | fieldwall | allocs/op | Coraza PL1 | Coraza PL2 | PL1 / fieldwall | PL2 / fieldwall | Coraza PL1, 1000 args | parse limit | fieldwall / parse limit | fieldwall's parser alone | fieldwall / sonic.Valid | matcher alone |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, req := range requests {
		fw := ns(req, "fieldwall")
		allocs := "–"
		if r := results[key{req, "fieldwall"}]; r != nil && len(r.allocsPerOp) > 0 {
			allocs = strconv.FormatFloat(median(r.allocsPerOp), 'f', 0, 64)
		}
		// The parse limit of a JSON body is sonic's walk. A GET has no body,
		// so its limit is parsing the query string.
		limitImpl := "sonic-preorder"
		if ns(req, limitImpl) == 0 {
			limitImpl = "url-parsequery"
		}
		limit := ns(req, limitImpl)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s |\n",
			req, duration(fw), allocs,
			duration(ns(req, "coraza-pl1")), duration(ns(req, "coraza-pl2")),
			ratio(ns(req, "coraza-pl1"), fw), ratio(ns(req, "coraza-pl2"), fw),
			duration(ns(req, "coraza-pl1-args1000")),
			duration(limit), limitImpl, ratio(fw, limit), duration(ns(req, "parse-json")), ratio(fw, ns(req, "sonic-valid")),
			duration(ns(req, "matcher")))
	}
}

// duration formats nanoseconds with a unit that keeps three digits.
func duration(ns float64) string {
	switch {
	case ns == 0:
		return "–"
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
	return fmt.Sprintf("%.3g ns", ns)
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "–"
	}
	if a/b >= 100 {
		return fmt.Sprintf("%.0f×", a/b)
	}
	return fmt.Sprintf("%.1f×", a/b)
}
