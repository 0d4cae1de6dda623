#!/usr/bin/env bash
# HTTPS, a running edge against nginx with the same certificate, cipher suites and objects, the load in the
# same run (Debian: apt-get install -y nginx nghttp2-client wrk python3):
#
#   bench/h2-vs-nginx.sh EDGE_PID https://127.0.0.1:EDGE_TLS_PORT CERT.pem KEY.pem [options] PATH...
#     --load=h2load  HTTP/2 hits: --requests=20000 --connections=4 --streams=100
#     --load=wrk     HTTP/1.1 keep-alive hits over TLS: --duration=10s --connections=4
#     --load=handshakes  full handshakes, no resumption (openssl s_time -new): --duration=10s (PATH unused)
#     --load=idle    memory of idle TLS connections (bench/tls-idle.py): --connections=10000 (PATH unused)
#     --rounds=3 --server-cpu=1 --client-cpu=0
#     --nginx-tls13-suites=LIST  nginx's TLS 1.3 order (default the edge's; the edge takes the client's order)
#
# The edge must already serve PATH... as cache hits over TLS with that certificate, pinned to the server
# CPU (taskset -c 1 java ...). The script copies each object from the edge into a directory nginx serves
# (one worker, pinned to the same CPU, access log off, sendfile on), then per round and path runs the load
# (pinned to the client CPU) against both, in alternating order, and prints each server's rate and hits
# (or handshakes) per CPU-second (utime+stime from /proc/<pid>/stat: the edge JVM, nginx's master and
# worker), their ratio and the load average; --load=idle prints RSS before and while the connections are
# held instead. nginx is stopped by pid, also on Ctrl-C.
set -euo pipefail

[ $# -ge 5 ] || { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
edge_pid=$1 edge_url=$2 cert=$3 key=$4
shift 4
tls13_suites=TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
load=h2load rounds=3 requests=20000 connections= streams=100 duration=10s server_cpu=1 client_cpu=0
paths=()
for arg in "$@"; do
  case "$arg" in
    --load=*) load=${arg#*=} ;;
    --nginx-tls13-suites=*) tls13_suites=${arg#*=} ;;
    --duration=*) duration=${arg#*=} ;;
    --rounds=*) rounds=${arg#*=} ;;
    --requests=*) requests=${arg#*=} ;;
    --connections=*) connections=${arg#*=} ;;
    --streams=*) streams=${arg#*=} ;;
    --server-cpu=*) server_cpu=${arg#*=} ;;
    --client-cpu=*) client_cpu=${arg#*=} ;;
    --*) echo "h2-vs-nginx: unknown option $arg" >&2; exit 2 ;;
    *) paths+=("$arg") ;;
  esac
done
case "$load" in
  h2load) tools="/usr/bin/h2load /usr/bin/curl"; connections=${connections:-4} ;;
  wrk) tools="/usr/bin/wrk /usr/bin/curl"; connections=${connections:-4} ;;
  handshakes) tools=/usr/bin/openssl; connections=${connections:-1}; paths=(/) ;;
  idle) tools=/usr/bin/python3; connections=${connections:-10000}; paths=() ;;
  *) echo "h2-vs-nginx: unknown --load=$load (h2load, wrk, handshakes, idle)" >&2; exit 2 ;;
esac
for tool in /usr/sbin/nginx $tools; do
  [ -x "$tool" ] || { echo "h2-vs-nginx: $tool not found (Debian: apt-get install -y nginx nghttp2-client wrk curl)" >&2; exit 1; }
done
if [ "$(ulimit -n)" -lt $((connections + 1024)) ]; then
  ulimit -n $((connections + 1024)) || { echo "h2-vs-nginx: raise ulimit -n above $connections" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/h2-vs-nginx.XXXXXX)
nginx_pid=
cleanup() {
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

chmod 755 "$work" # nginx's worker runs as another user
mkdir -p "$work/www"
if [ "$load" = h2load ] || [ "$load" = wrk ]; then
  for p in "${paths[@]}"; do
    mkdir -p "$work/www$(dirname "$p")"
    curl -sf --cacert "$cert" -o "$work/www$p" "$edge_url$p"
  done
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The edge's policy (edge-cache TlsPolicy): TLS 1.3 and 1.2, the same AEAD forward-secret suites, server's order.
cat > "$work/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile $((connections + 1024));
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections $((connections + 1024)); }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  types { image/jpeg jpg; }
  server {
    listen 127.0.0.1:$port ssl http2;
    ssl_certificate $cert;
    ssl_certificate_key $key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
    ssl_conf_command Ciphersuites $tls13_suites;
    ssl_prefer_server_ciphers on;
    http2_max_concurrent_streams 128;
    root $work/www;
  }
}
EOF
taskset -c "$server_cpu" /usr/sbin/nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 50); do [ -s "$work/nginx.pid" ] && break; sleep 0.1; done
nginx_url="https://127.0.0.1:$port"

cpu_ticks() { # the process and its children (nginx's worker)
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    # utime and stime, counted after the ")" that ends the command name (nginx's has spaces)
    total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}
rss_kb() { # the process and its children
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    total=$((total + $(awk '/^VmRSS:/{print $2}' "/proc/$pid/status")))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)
hostport() { local u=${1#https://}; echo "${u%%/*}"; }

# One load run against a server: prints "rate ok cpu_ticks cipher" (rate: requests or handshakes per second).
run() {
  local pid=$1 url=$2 before after out total bad
  before=$(cpu_ticks "$pid")
  case "$load" in
    h2load)
      out=$(taskset -c "$client_cpu" h2load -n "$requests" -c "$connections" -m "$streams" "$url" 2>&1)
      after=$(cpu_ticks "$pid")
      echo "$(echo "$out" | awk '/^finished in/{print $4}') $(echo "$out" | awk '/^requests:/{print $8}') $((after - before)) $(echo "$out" | awk '/^Cipher:/{print $2}')" ;;
    wrk) # HTTP/1.1 keep-alive over TLS; non-2xx answers are not hits
      out=$(taskset -c "$client_cpu" wrk -t1 -c "$connections" -d "$duration" "$url" 2>&1)
      after=$(cpu_ticks "$pid")
      total=$(echo "$out" | awk '/requests in/{print $1}')
      bad=$(echo "$out" | awk '/Non-2xx/{print $NF}')
      echo "$(echo "$out" | awk '/^Requests\/sec:/{print $2}') $((${total:-0} - ${bad:-0})) $((after - before)) -" ;;
    handshakes) # full handshakes, a new session each time (no resumption), no request
      out=$(taskset -c "$client_cpu" openssl s_time -connect "$(hostport "$url")" -new -time "${duration%s}" 2>&1)
      after=$(cpu_ticks "$pid")
      echo "$out" | awk -v t="$((after - before))" \
        '/connections in [0-9]+ real seconds/{n=$1; s=$4; printf "%.0f %d %d -\n", n / s, n, t}' ;;
  esac
}
# Idle TLS connections: RSS of the server before and while bench/tls-idle.py holds them open.
idle() {
  local pid=$1 url=$2 before held after
  before=$(rss_kb "$pid")
  coproc IDLE { taskset -c "$client_cpu" python3 "$(dirname "$0")/tls-idle.py" "$(hostport "$url")" "$connections"; }
  read -r _ held <&"${IDLE[0]}"
  sleep 2
  after=$(rss_kb "$pid")
  kill "$IDLE_PID" 2>/dev/null || true
  wait "$IDLE_PID" 2>/dev/null || true
  echo "$held $before $after"
}

if [ "$load" = idle ]; then
  echo "$connections idle TLS connections (bench/tls-idle.py on CPU $client_cpu), servers on CPU $server_cpu"
  printf '%-5s %-6s %8s %14s %14s %14s %s\n' round server held "rss before KB" "rss held KB" "KB/connection" load
  for round in $(seq "$rounds"); do
    for server in edge nginx; do
      if [ "$server" = edge ]; then read -r held b a < <(idle "$edge_pid" "$edge_url")
      else read -r held b a < <(idle "$nginx_pid" "$nginx_url"); fi
      printf '%-5s %-6s %8s %14s %14s %14s %s\n' "$round" "$server" "$held" "$b" "$a" \
        "$(awk -v a="$a" -v b="$b" -v n="$held" 'BEGIN{printf "%.1f", (n > 0 ? (a - b) / n : 0)}')" \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
      sleep 3 # the closed connections' memory goes back before the next measurement
    done
  done
  exit 0
fi

case "$load" in
  h2load) echo "h2load -n $requests -c $connections -m $streams, servers on CPU $server_cpu, h2load on CPU $client_cpu" ;;
  wrk) echo "wrk -t1 -c $connections -d $duration (HTTP/1.1 keep-alive over TLS), servers on CPU $server_cpu, wrk on CPU $client_cpu" ;;
  handshakes)
    echo "openssl s_time -new -time ${duration%s} (full handshakes, no resumption), servers on CPU $server_cpu, openssl on CPU $client_cpu"
    for u in "$edge_url" "$nginx_url"; do
      echo "  $u: $(echo | openssl s_client -connect "$(hostport "$u")" 2>/dev/null | grep -E '^(New,|Server Temp Key)' | tr '\n' ' ')"
    done ;;
esac
for p in "${paths[@]}"; do # warm-up, both
  run "$nginx_pid" "$nginx_url$p" >/dev/null
  run "$edge_pid" "$edge_url$p" >/dev/null
done
unit=hits
[ "$load" = handshakes ] && unit=handshakes
printf '%-5s %-24s %12s %12s %16s %16s %10s %s\n' round path "edge rate/s" "nginx rate/s" "edge $unit/cpu-s" "nginx $unit/cpu-s" "edge/nginx" load
for round in $(seq "$rounds"); do
  for p in "${paths[@]}"; do
    if [ $((round % 2)) -eq 1 ]; then
      read -r e_rps e_ok e_cpu cipher < <(run "$edge_pid" "$edge_url$p")
      read -r n_rps n_ok n_cpu _ < <(run "$nginx_pid" "$nginx_url$p")
    else
      read -r n_rps n_ok n_cpu _ < <(run "$nginx_pid" "$nginx_url$p")
      read -r e_rps e_ok e_cpu cipher < <(run "$edge_pid" "$edge_url$p")
    fi
    if [ "${e_ok:-0}" -eq 0 ] || [ "${n_ok:-0}" -eq 0 ]; then
      echo "h2-vs-nginx: nothing succeeded on $p (edge ${e_ok:-0}, nginx ${n_ok:-0}; nginx's log: $work/error.log)" >&2
      exit 1
    fi
    e_per=$(awk -v n="$e_ok" -v t="$e_cpu" -v hz="$hz" 'BEGIN{printf "%.0f", (t > 0 ? n * hz / t : 0)}')
    n_per=$(awk -v n="$n_ok" -v t="$n_cpu" -v hz="$hz" 'BEGIN{printf "%.0f", (t > 0 ? n * hz / t : 0)}')
    ratio=$(awk -v e="$e_per" -v n="$n_per" 'BEGIN{printf "%.2f", (n > 0 ? e / n : 0)}')
    printf '%-5s %-24s %12s %12s %16s %16s %10s %s (%s)\n' "$round" "$p" "$e_rps" "$n_rps" "$e_per" "$n_per" "$ratio" \
      "$(cut -d' ' -f1-3 /proc/loadavg)" "$cipher"
  done
done
