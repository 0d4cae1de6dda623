#!/usr/bin/env bash
# Edge benchmarks, figures in docs/BENCHMARKS.md. From a fresh checkout (JDK 25 installed; Debian's nginx and
# wrk for 'hits' and 'big-cache': apt-get install -y nginx wrk):
#
#   bench/edge-bench.sh hits [--duration=15s --warmup=5s --jit-warmup=10s --rounds=3 --connections=64 --sizes=10240,61440]
#       cache hits, edge vs nginx (proxy_cache on tmpfs), wrk in the same run
#   bench/edge-bench.sh big-cache [--cache=4g --heap=256m --object=1m]
#       a 4 GB cache in an edge JVM limited to -Xmx256m: heap after GC, off-heap bytes, RSS
#   bench/edge-bench.sh alloc [JMH options, e.g. -f 1 -wi 3 -i 5]
#       garbage per hit with JMH's GC profiler (EdgeHitBenchmark)
#   bench/edge-bench.sh sendfile-probe [size=61440 threads=2 connections=64 seconds=10 rounds=2]
#       writev from off-heap memory vs sendfile from tmpfs, two minimal Netty servers, wrk (SendfileProbe)
#
# It builds bench and the modules it needs first (./mvnw install -pl bench -am), unless
# IMGCDN_NO_BUILD=1 (then the modules must already be in ~/.m2 and bench/target/classes built).
# Every process it starts (nginx, the edge JVM, wrk) is stopped by pid, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

find_jdk() {
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /opt/*jdk*25*; do
    if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] \
        && "$candidate/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
      echo "$candidate"
      return 0
    fi
  done
  echo "edge-bench: no JDK 25 found (set JAVA_HOME)" >&2
  return 1
}
JAVA_HOME=$(find_jdk)
export JAVA_HOME

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  hits|big-cache|sendfile-probe)
    for tool in /usr/sbin/nginx /usr/bin/wrk; do
      [ -x "$tool" ] || { echo "edge-bench: $tool not found (Debian: apt-get install -y nginx wrk)" >&2; exit 1; }
    done ;;
  alloc) ;;
  *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

if [ "${IMGCDN_NO_BUILD:-0}" != 1 ]; then
  ./mvnw -B -q -Dmaven.test.skip=true install -pl bench -am
fi
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile=target/edge-bench-cp.txt >/dev/null
CP="bench/target/classes:$(cat bench/target/edge-bench-cp.txt)"
FLAGS=(--sun-misc-unsafe-memory-access=allow -Dio.netty.noUnsafe=false --enable-native-access=ALL-UNNAMED)

case "$cmd" in
  hits) exec "$JAVA_HOME/bin/java" "${FLAGS[@]}" -cp "$CP" io.imgcdn.bench.edge.EdgeVsNginx "$@" ;;
  big-cache) exec "$JAVA_HOME/bin/java" "${FLAGS[@]}" -cp "$CP" io.imgcdn.bench.edge.BigCacheRun "$@" ;;
  sendfile-probe) exec "$JAVA_HOME/bin/java" "${FLAGS[@]}" -cp "$CP" io.imgcdn.bench.edge.SendfileProbe "$@" ;;
  alloc) exec "$JAVA_HOME/bin/java" "${FLAGS[@]}" -cp "$CP" org.openjdk.jmh.Main 'jmh.edge.EdgeHitBenchmark' -prof gc "$@" ;;
esac
