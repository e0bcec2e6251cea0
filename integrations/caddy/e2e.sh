#!/usr/bin/env bash
# End-to-end test of the Caddy module. It builds cmd/caddy-fieldwall and the
# echo upstream in testdata/upstream and runs both on 127.0.0.1 with a
# Caddyfile that proxies to the upstream. Then it sends benign requests and
# attacks with curl and checks status codes, the bodies the upstream received
# and the metrics.
#
# Usage: integrations/caddy/e2e.sh   (from any directory; needs go and curl)
#
# Prints one line per check and "N passed, N failed" at the end; exits 1 when
# a check fails and 2 when the setup fails. Every process it starts is
# stopped by process id when the script exits.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/fieldwall-caddy-e2e.XXXXXX")
pids=()

cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

setup_failed() {
	echo "e2e setup failed: $*" >&2
	for log in "$work"/*.log; do
		[ -f "$log" ] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }
	done
	exit 2
}

command -v curl >/dev/null || setup_failed "curl not found: install curl"

echo "building caddy-fieldwall and the test upstream"
(cd "$repo" && go build -o "$work/caddy-fieldwall" ./cmd/caddy-fieldwall) || setup_failed "go build ./cmd/caddy-fieldwall"
(cd "$repo" && go build -o "$work/upstream" ./integrations/caddy/testdata/upstream) || setup_failed "go build ./integrations/caddy/testdata/upstream"

"$work/upstream" -listen 127.0.0.1:0 -addr-file "$work/upstream.addr" >"$work/upstream.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	[ -s "$work/upstream.addr" ] && break
	sleep 0.1
done
[ -s "$work/upstream.addr" ] || setup_failed "upstream did not start"
upstream=$(cat "$work/upstream.addr")

# Ports for Caddy's listeners. A port can be taken between this choice and
# Caddy's start; the start-up check below then fails with Caddy's log.
http_port=$("$work/upstream" -free-port)
admin_port=$("$work/upstream" -free-port)
metrics_port=$("$work/upstream" -free-port)

cat >"$work/Caddyfile" <<EOF
{
	admin 127.0.0.1:$admin_port
	http_port $http_port
	auto_https off
	default_bind 127.0.0.1
	persist_config off
	grace_period 2s
}

:$http_port {
	fieldwall {
		max_body_bytes 65536
		exclude {
			path /api/notes
			field body:note
			classes sqli
		}
	}
	reverse_proxy $upstream
}

:$metrics_port {
	metrics /metrics
}
EOF

# The adapted config must place fieldwall before reverse_proxy without an
# order option.
"$work/caddy-fieldwall" adapt --config "$work/Caddyfile" --adapter caddyfile >"$work/adapted.json" 2>"$work/adapt.log" ||
	setup_failed "caddy-fieldwall adapt"

XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" \
	"$work/caddy-fieldwall" run --config "$work/Caddyfile" --adapter caddyfile >"$work/caddy.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:$http_port"
# Poll the metrics site, which Caddy starts with the proxy site, so that the
# probe itself is not counted as an inspected request.
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$metrics_port/metrics" && break
	sleep 0.1
done
curl -s -o /dev/null "http://127.0.0.1:$metrics_port/metrics" || setup_failed "caddy-fieldwall did not start"

passed=0
failed=0
check() { # check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
		echo "ok   $1"
	else
		failed=$((failed + 1))
		echo "FAIL $1: want $2, got $3"
	fi
}

# post PATH CONTENT-TYPE BODY-FILE: prints the status; the response body
# goes to $work/response and its headers to $work/headers.
post() {
	curl -s -o "$work/response" -D "$work/headers" -w '%{http_code}' \
		-H "Content-Type: $2" --data-binary "@$3" "$base$1"
}

header() { # header NAME: the value of a response header of the last request
	grep -i "^$1:" "$work/headers" | head -n 1 | cut -d' ' -f2- | tr -d '\r'
}

echo "sending requests to caddy-fieldwall on $base"

# The metrics site may come first or last in the adapted JSON, depending on
# the ports, so only the proxy site's two handlers are compared.
adapted_order=$(grep -o '"handler":"\(fieldwall\|reverse_proxy\)"' "$work/adapted.json" | tr '\n' ' ')
check "fieldwall runs before reverse_proxy without an order option" \
	'"handler":"fieldwall" "handler":"reverse_proxy" ' "$adapted_order"

printf '%s' '{"name":"Alice","bio":"Lunch at 12, table for two"}' >"$work/benign.json"
check "benign JSON passes" 200 "$(post /api/users application/json "$work/benign.json")"
check "upstream receives the benign body unchanged" "$(sha256sum <"$work/benign.json")" "$(sha256sum <"$work/response")"
check "upstream sees the path" /api/users "$(header X-Echo-Path)"

# A gzip stream of about 45 KB, under the 64 KB limit. gzip -n leaves out
# the name and time stamp, so the bytes are the same on every run.
seq 1 20000 | gzip -n -9 >"$work/binary.bin"
check "binary body passes" 200 "$(post /upload application/octet-stream "$work/binary.bin")"
check "upstream receives the binary body byte for byte" "$(sha256sum <"$work/binary.bin")" "$(sha256sum <"$work/response")"

printf '%s' '{"name":"1'"'"' UNION SELECT password FROM users--"}' >"$work/sqli.json"
check "SQL injection in JSON is blocked" 403 "$(post /api/users application/json "$work/sqli.json")"
check "blocked response is a problem document" application/problem+json "$(header Content-Type)"
check "problem document has an event id" 1 "$(grep -c '"event_id":"[0-9a-f]\{16\}"' "$work/response")"
check "problem document names no rule" 0 "$(grep -c 'sqli' "$work/response" || true)"

printf '%s' '{"user":"admin","password":{"$ne":null}}' >"$work/nosqli.json"
check "MongoDB operator key is blocked" 403 "$(post /api/login application/json "$work/nosqli.json")"

printf '%s' 'user=admin&password[$ne]=x' >"$work/nosqli.form"
check "MongoDB operator in a form is blocked" 403 "$(post /api/login application/x-www-form-urlencoded "$work/nosqli.form")"

check "path traversal in the query is blocked" 403 \
	"$(curl -s -o /dev/null -w '%{http_code}' "$base/api/files?name=..%2F..%2F..%2Fetc%2Fpasswd")"
check "benign GET passes" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/files?name=report.pdf")"

printf '%s' '{"note":"1'"'"' UNION SELECT password FROM users--"}' >"$work/excluded.json"
check "excluded field passes" 200 "$(post /api/notes application/json "$work/excluded.json")"
check "upstream receives the excluded body unchanged" "$(sha256sum <"$work/excluded.json")" "$(sha256sum <"$work/response")"

head -c 70000 /dev/zero | tr '\000' 'a' >"$work/large.txt"
check "body over max_body_bytes is rejected" 413 "$(post /upload text/plain "$work/large.txt")"

metrics=$(curl -s "http://127.0.0.1:$metrics_port/metrics")
metric() { # metric SERIES: the value of one sample line, or "missing"
	printf '%s\n' "$metrics" | awk -v s="$1" '$1 == s { print $2; found = 1 } END { if (!found) print "missing" }'
}
check "metrics count allowed requests" 4 "$(metric 'fieldwall_requests_total{action="allow"}')"
check "metrics count blocked requests" 5 "$(metric 'fieldwall_requests_total{action="block"}')"
check "metrics count the operator-key findings" 2 "$(metric 'fieldwall_findings_total{class="nosqli",rule="nosqli-operator-key"}')"
check "metrics count oversized bodies" 1 "$(metric 'fieldwall_oversized_bodies_total')"
check "metrics time every inspection" 8 "$(metric 'fieldwall_inspection_duration_seconds_count')"
logged=no
grep -q '"msg":"request blocked".*"rule_ids":\["nosqli-operator-key"\]' "$work/caddy.log" && logged=yes
check "Caddy logs blocked requests with their rule ids" yes "$logged"
check "Caddy logs carry no request body" 0 "$(grep -c 'UNION SELECT' "$work/caddy.log" || true)"

echo "e2e: $passed passed, $failed failed"
if [ "$failed" -gt 0 ]; then
	echo "--- caddy log" >&2
	tail -n 40 "$work/caddy.log" >&2
	exit 1
fi
