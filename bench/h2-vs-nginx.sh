#!/usr/bin/env bash
# HTTP/2 hits, a running edge against nginx's http2 with the same certificate and the same objects, h2load
# in the same run (Debian: apt-get install -y nginx nghttp2-client):
#
#   bench/h2-vs-nginx.sh EDGE_PID https://127.0.0.1:EDGE_TLS_PORT CERT.pem KEY.pem [options] PATH...
#     --rounds=3 --requests=20000 --connections=4 --streams=100 --server-cpu=1 --client-cpu=0
#
# The edge must already serve PATH... as cache hits over TLS with that certificate, pinned to the server
# CPU (taskset -c 1 java ...). The script copies each object from the edge into a directory nginx serves
# (one worker, pinned to the same CPU, access log off, sendfile on), then per round and path runs h2load
# (pinned to the client CPU) against both, in alternating order, and prints each server's requests per
# second and hits per CPU-second (utime+stime from /proc/<pid>/stat: the edge JVM, nginx's master and
# worker), their ratio and the load average. nginx is stopped by pid, also on Ctrl-C.
set -euo pipefail

[ $# -ge 5 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
edge_pid=$1 edge_url=$2 cert=$3 key=$4
shift 4
rounds=3 requests=20000 connections=4 streams=100 server_cpu=1 client_cpu=0
paths=()
for arg in "$@"; do
  case "$arg" in
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
for tool in /usr/sbin/nginx /usr/bin/h2load /usr/bin/curl; do
  [ -x "$tool" ] || { echo "h2-vs-nginx: $tool not found (Debian: apt-get install -y nginx nghttp2-client curl)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/h2-vs-nginx.XXXXXX)
nginx_pid=
cleanup() {
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

chmod 755 "$work" # nginx's worker runs as another user
mkdir -p "$work/www"
for p in "${paths[@]}"; do
  mkdir -p "$work/www$(dirname "$p")"
  curl -sf --cacert "$cert" -o "$work/www$p" "$edge_url$p"
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
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
hz=$(getconf CLK_TCK)
# One h2load run: prints "req/s ok cpu_ticks cipher".
run() {
  local pid=$1 url=$2 before after out
  before=$(cpu_ticks "$pid")
  out=$(taskset -c "$client_cpu" h2load -n "$requests" -c "$connections" -m "$streams" "$url" 2>&1)
  after=$(cpu_ticks "$pid")
  echo "$(echo "$out" | awk '/^finished in/{print $4}') $(echo "$out" | awk '/^requests:/{print $8}') $((after - before)) $(echo "$out" | awk '/^Cipher:/{print $2}')"
}

echo "h2load -n $requests -c $connections -m $streams, servers on CPU $server_cpu, h2load on CPU $client_cpu"
for p in "${paths[@]}"; do # warm-up, both
  taskset -c "$client_cpu" h2load -n "$requests" -c "$connections" -m "$streams" "$nginx_url$p" >/dev/null 2>&1
  taskset -c "$client_cpu" h2load -n "$requests" -c "$connections" -m "$streams" "$edge_url$p" >/dev/null 2>&1
done
printf '%-5s %-24s %12s %12s %14s %14s %10s %s\n' round path "edge req/s" "nginx req/s" "edge hits/cpu-s" "nginx hits/cpu-s" "edge/nginx" load
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
      echo "h2-vs-nginx: no request succeeded on $p (edge $e_ok, nginx $n_ok; nginx's log: $work/error.log)" >&2
      exit 1
    fi
    e_per=$(awk -v n="$e_ok" -v t="$e_cpu" -v hz="$hz" 'BEGIN{printf "%.0f", (t > 0 ? n * hz / t : 0)}')
    n_per=$(awk -v n="$n_ok" -v t="$n_cpu" -v hz="$hz" 'BEGIN{printf "%.0f", (t > 0 ? n * hz / t : 0)}')
    ratio=$(awk -v e="$e_per" -v n="$n_per" 'BEGIN{printf "%.2f", (n > 0 ? e / n : 0)}')
    printf '%-5s %-24s %12s %12s %14s %14s %10s %s (%s)\n' "$round" "$p" "$e_rps" "$n_rps" "$e_per" "$n_per" "$ratio" \
      "$(cut -d' ' -f1-3 /proc/loadavg)" "$cipher"
  done
done
