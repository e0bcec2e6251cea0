#!/usr/bin/env bash
# Rebuilds the ModSecurity audit log samples in cmd/fieldwall/testdata by
# running the real engines on 127.0.0.1:
#
#   ModSecurity v2: Apache httpd with mod_security2
#                   (Debian: apt-get install apache2 libapache2-mod-security2)
#   ModSecurity v3: nginx with the libmodsecurity3 connector
#                   (Debian: apt-get install nginx libnginx-mod-http-modsecurity)
#
# Each engine writes a serial audit log in the native format and one in JSON
# (SecAuditLogFormat JSON), with parts ABCFHZ, for the requests that
# send_requests makes. The servers listen on 127.0.0.1 only, run from a
# temporary directory and are stopped by this script. SecStatusEngine is Off,
# so ModSecurity makes no outside connections.
#
# Usage: cmd/fieldwall/testdata/gen/modsecurity/generate.sh
set -euo pipefail

out="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
apache_port=18081
nginx_port=18082
upstream_port=18083
apache_pid=""
nginx_pid=""

cleanup() {
	if [[ -n "$apache_pid" ]]; then kill "$apache_pid" 2>/dev/null || true; fi
	if [[ -n "$nginx_pid" ]]; then kill "$nginx_pid" 2>/dev/null || true; fi
	sleep 1
	rm -rf "$work"
}
trap cleanup EXIT

# The rules every engine runs: a few signatures so that the H part lists
# matched rules. They are not the CRS: the samples exist to test the reader.
rules() {
	cat <<'RULES'
SecRuleEngine On
SecRequestBodyAccess On
SecResponseBodyAccess Off
SecStatusEngine Off
SecRule REQUEST_HEADERS:Content-Type "^application/json" "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRule ARGS "@rx (?i)<script" "id:1001,phase:2,deny,status:403,log,msg:'Script tag in an argument',severity:CRITICAL,tag:'attack-xss'"
SecRule ARGS "@rx (?i)'\s*or\s*'" "id:1002,phase:2,deny,status:403,log,msg:'SQL tautology in an argument',severity:CRITICAL,tag:'attack-sqli'"
SecRule ARGS "@contains ../" "id:1003,phase:2,deny,status:403,log,msg:'Path traversal in an argument',severity:CRITICAL,tag:'attack-lfi'"
SecAuditEngine On
SecAuditLogParts ABCFHZ
SecAuditLogType Serial
RULES
}

# send_requests PORT sends the same requests to each engine.
send_requests() {
	local base="http://127.0.0.1:$1"
	curl -s -o /dev/null -H 'X-Forwarded-For: 198.51.100.23, 10.0.0.5' \
		"$base/api/products?category=boots&page=1"
	curl -s -o /dev/null -H 'Content-Type: application/json' \
		--data-binary '{"user":"admin","pass":{"$ne":null}}' "$base/api/login"
	curl -s -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary "q=1' OR '1'='1&page=2" "$base/api/search"
	curl -s -o /dev/null "$base/api/files?name=../../etc/passwd"
	curl -s -o /dev/null -H 'Content-Type: application/json' \
		--data-binary $'{\n  "comment": "<script>alert(1)</script>",\n  "path": "C:\\\\temp"\n}' \
		"$base/api/comments"
}

wait_for_port() {
	for _ in $(seq 50); do
		if curl -s -o /dev/null "http://127.0.0.1:$1/"; then return 0; fi
		sleep 0.1
	done
	echo "server on 127.0.0.1:$1 did not start" >&2
	return 1
}

run_apache() {
	local format="$1" log="$2"
	local dir="$work/apache-$format"
	mkdir -p "$dir/htdocs/api" "$dir/logs"
	for f in products login search files comments; do echo ok >"$dir/htdocs/api/$f"; done
	cat >"$dir/httpd.conf" <<CONF
ServerRoot "$dir"
PidFile "$dir/httpd.pid"
ErrorLog "$dir/logs/error.log"
Listen 127.0.0.1:$apache_port
ServerName 127.0.0.1
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule unique_id_module /usr/lib/apache2/modules/mod_unique_id.so
LoadModule security2_module /usr/lib/apache2/modules/mod_security2.so
DocumentRoot "$dir/htdocs"
<Directory "$dir/htdocs">
  Require all granted
</Directory>
SecDataDir "$dir"
SecTmpDir "$dir"
$(rules)
SecAuditLogFormat $format
SecAuditLog "$dir/audit.log"
CONF
	apache2 -f "$dir/httpd.conf" -DFOREGROUND &
	apache_pid=$!
	wait_for_port "$apache_port"
	send_requests "$apache_port"
	sleep 0.5
	kill "$apache_pid"
	wait "$apache_pid" || true
	apache_pid=""
	# The request that wait_for_port makes is the first record: drop it.
	drop_first_record "$dir/audit.log" "$format" >"$out/$log"
}

run_nginx() {
	local format="$1" log="$2"
	local dir="$work/nginx-$format"
	mkdir -p "$dir/logs"
	rules >"$dir/modsecurity.conf"
	cat >>"$dir/modsecurity.conf" <<CONF
SecAuditLogFormat $format
SecAuditLog $dir/audit.log
CONF
	cat >"$dir/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_http_modsecurity_module.so;
daemon off;
master_process off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  server {
    listen 127.0.0.1:$upstream_port;
    location / { return 200 "ok\n"; }
  }
  server {
    listen 127.0.0.1:$nginx_port;
    modsecurity on;
    modsecurity_rules_file $dir/modsecurity.conf;
    location / { proxy_pass http://127.0.0.1:$upstream_port; }
  }
}
CONF
	nginx -p "$dir" -c "$dir/nginx.conf" &
	nginx_pid=$!
	wait_for_port "$nginx_port"
	send_requests "$nginx_port"
	sleep 0.5
	kill "$nginx_pid"
	wait "$nginx_pid" || true
	nginx_pid=""
	drop_first_record "$dir/audit.log" "$format" >"$out/$log"
}

# drop_first_record FILE FORMAT prints FILE without its first record.
drop_first_record() {
	if [[ "$2" == JSON ]]; then
		tail -n +2 "$1"
	else
		awk '/^-+[0-9A-Za-z]+-+A--$/ { n++ } n > 1' "$1"
	fi
}

run_apache Native modsec2-native.log
run_apache JSON modsec2-json.log
run_nginx Native modsec3-native.log
run_nginx JSON modsec3-json.log
echo "wrote $out/modsec2-native.log $out/modsec2-json.log $out/modsec3-native.log $out/modsec3-json.log"
