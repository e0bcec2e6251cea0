#!/usr/bin/env bash
# Runs every Go fuzz target in the module for the duration given as $1
# (a go test -fuzztime value such as 15s or 10m), one target at a time,
# because go test fuzzes one target per invocation. A failing input is kept
# by go test under the package's testdata/fuzz directory, where it becomes a
# regression case for every later go test run.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${1:-15s}"
status=0
while IFS= read -r file; do
	pkg="./$(dirname "$file")"
	for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
		echo "fuzz $pkg $target for $fuzztime"
		if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime"; then
			echo "FAIL: $pkg $target; the failing input is under $pkg/testdata/fuzz/$target"
			status=1
		fi
	done
done < <(git ls-files --cached --others --exclude-standard '*_test.go' | xargs grep -l '^func Fuzz' | sort)
exit "$status"
