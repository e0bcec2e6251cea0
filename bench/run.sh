#!/usr/bin/env bash
# Runs the benchmark suite the way bench/RESULTS.md records it and writes the
# raw output, benchstat tables, ratio table and CPU profiles to bench/out/.
#
# Usage: bench/run.sh [COUNT]
#
# COUNT (default 6) is the number of runs of the fieldwall, reference and
# matcher benchmarks and of Coraza on bodies up to 10 KB. Coraza takes
# seconds per request on the 100 KB body and over a minute on the 1 MB body,
# so those run 3 times and once. The whole run takes about 15 minutes on 2
# idle cores.
# benchstat comes from: go install golang.org/x/perf/cmd/benchstat@latest
set -euo pipefail
cd "$(dirname "$0")"

count="${1:-6}"
out=out
mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.prof

go test -c -o "$out/bench.test" .
run() { "./$out/bench.test" -test.run '^$' -test.benchmem "$@"; }

{
	go version
	grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'
	echo "cores: $(nproc)"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(git status --porcelain 2>/dev/null | wc -l) files changed or untracked"
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} | tee "$out/machine.txt"

# The suite runs in COUNT rounds, each with every benchmark once, rather than
# each benchmark COUNT times in a row. The cores are shared, so the load
# changes during a run, and rounds spread each change over all
# implementations instead of landing on one of them.
: >"$out/requests.txt"
: >"$out/coraza.txt"
: >"$out/matchers.txt"
for round in $(seq "$count"); do
	echo "== round $round of $count"
	run -test.bench 'BenchmarkRequests/req=.*/impl=(fieldwall|sonic-preorder|parse-json|sonic-valid|encoding-json|url-parsequery|matcher)$' \
		-test.benchtime 500ms | tee -a "$out/requests.txt"
	run -test.bench 'BenchmarkRequests/req=(get-query|json-1k|json-10k|graphql-1k|attack-json-1k)/impl=coraza-' \
		-test.benchtime 2s | tee -a "$out/coraza.txt"
	if [ "$round" -le 3 ]; then
		run -test.bench 'BenchmarkRequests/req=json-100k/impl=coraza-' -test.benchtime 1x | tee -a "$out/coraza.txt"
	fi
	if [ "$round" -eq 1 ]; then
		run -test.bench 'BenchmarkRequests/req=json-1m/impl=coraza-' -test.benchtime 1x | tee -a "$out/coraza.txt"
	fi
	run -test.bench 'BenchmarkMatcher' -test.benchtime 300ms | tee -a "$out/matchers.txt"
done

echo "== engine.New"
run -test.bench 'BenchmarkEngineNew' -test.benchtime 20x -test.count "$count" | tee "$out/engine-new.txt"

# Each replay size runs in its own process, so that VmHWM, the peak resident
# set of the process, belongs to that size alone.
echo "== replay"
run -test.bench '^BenchmarkReplay$/requests=10000$' -test.benchtime 1x | tee "$out/replay.txt"
run -test.bench '^BenchmarkReplay$/requests=100000$' -test.benchtime 1x | tee -a "$out/replay.txt"
# The replay command itself, in a child process whose CPU time and peak
# resident set the benchmark reads.
run -test.bench 'BenchmarkReplayCommand' -test.benchtime 1x -test.count 3 | tee "$out/replay-command.txt"

echo "== CPU profiles of fieldwall"
for request in json-10k json-100k; do
	run -test.bench "BenchmarkRequests/req=$request/impl=fieldwall\$" -test.benchtime 3s \
		-test.cpuprofile "$out/fieldwall-$request.prof" >/dev/null
	go tool pprof -top "$out/bench.test" "$out/fieldwall-$request.prof" >"$out/fieldwall-$request.top.txt" 2>/dev/null
	go tool pprof -top -cum "$out/bench.test" "$out/fieldwall-$request.prof" >"$out/fieldwall-$request.cum.txt" 2>/dev/null
done

echo "== tables"
cat "$out/requests.txt" "$out/coraza.txt" >"$out/all-requests.txt"
go run ./ratios "$out/all-requests.txt" | tee "$out/ratios.txt"
if command -v benchstat >/dev/null; then
	engines='/impl:(fieldwall OR coraza-pl1 OR coraza-pl2 OR coraza-pl1-args1000)'
	references='/impl:(fieldwall OR sonic-preorder OR parse-json OR sonic-valid OR encoding-json OR url-parsequery OR matcher)'
	benchstat -col /impl "$out/all-requests.txt" >"$out/benchstat-requests.txt"
	benchstat -col /impl -filter "$engines .unit:(sec/op OR allocs/op OR B/op)" "$out/all-requests.txt" >"$out/benchstat-engines.txt"
	benchstat -col /impl -filter "$references .unit:sec/op" "$out/all-requests.txt" >"$out/benchstat-references.txt"
	benchstat -col /impl "$out/matchers.txt" >"$out/benchstat-matchers.txt"
	benchstat "$out/replay.txt" >"$out/benchstat-replay.txt"
	echo "benchstat tables are in bench/$out/benchstat-*.txt"
else
	echo "benchstat not found: go install golang.org/x/perf/cmd/benchstat@latest" >&2
fi
