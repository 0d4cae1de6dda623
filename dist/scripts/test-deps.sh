#!/usr/bin/env bash
# The Debian packages the tests need, in one place. `./imgcdn test` runs this before the tests (and .ci/run
# runs `./imgcdn test`):
#   as root      installs whatever is missing (apt-get update once, noninteractive), with services kept from
#                starting on install: the tests start their own nginx, Traffic Server and Prometheus
#   otherwise    when anything is missing, stops at once naming the `sudo apt-get install` line
# Nothing is skipped: a test whose tool is missing fails, so this makes sure none is.
set -euo pipefail

# To add a package (curl, openssl, nghttp2-client for h2load, testssl.sh, ffmpeg...): add its line here, with
# the tests that need it, in the same commit as the first test that runs it. A package no test uses stays out.
PACKAGES=(
  libvips42     # origin's libvips engine (java.lang.foreign), WebP/AVIF: LibvipsEngineTest, ImageEngineContractTest,
                # NegotiationTest, MutatedInputTest; dist: ClusterNegotiationTest, MainTest (warm --accept)
  ansible       # AnsibleDeployTest and PrometheusScrapeTest run the playbooks (ansible-playbook)
  ansible-lint  # AnsibleDeployTest lints the playbooks and roles
  yamllint      # AnsibleDeployTest lints the YAML
  systemd       # AnsibleDeployTest: systemd-analyze verify on the rendered units (systemd need not be running)
  nginx-light   # bench: the peer runs' smoke tests (ClusterVsReferenceRunTest, TemplatesTest)
  trafficserver # bench: ShardVsAtsRunTest, ClusterVsReferenceRunTest (Traffic Server as the shard's peer)
  wrk           # bench: WrkCommandTest, WrkRunTest, WrkTest (wrk cross-checks the load generator)
  chromium      # EdgeStatusPageTest renders the edge's status page headless
  prometheus    # PrometheusScrapeTest scrapes a local cluster with the real server; promtool checks the config
  iproute2      # ShardNetnsTest: a shard in a network namespace (ip netns, veth; root with CAP_NET_ADMIN)
  nftables      # ShardNetnsTest: packet loss and a partition made with nft rules
  ruby          # SigningExamplesTest runs examples/signing/ in each language against a real edge:
  python3       #   Ruby, Python,
  nodejs        #   JavaScript,
  golang-go     #   Go
  php-cli       #   and PHP
  ffmpeg        # LargeObjectsClusterTest makes a real H.264 mp4 for Chromium to play and seek
  nghttp2-client # EdgeHttp2Test drives HTTP/2 with h2load
  curl          # EdgeTlsTest, EdgeHttp2Test: curl --http1.1/--http2 over TLS
  openssl       # EdgeTlsTest: openssl s_client (TLS 1.3, ALPN)
)

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing() {
  local pkg
  for pkg in "${PACKAGES[@]}"; do
    installed "$pkg" || echo "$pkg"
  done
}

# The message for a user who cannot install: the exact line that does.
explain() {
  local pkg started=()
  echo "imgcdn test: the tests need Debian packages that are not installed: $*" >&2
  echo "  Install them, then run ./imgcdn test again:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y $*" >&2
  # Installed so, these start services that take ports the demo and the tests use (nginx 80, Traffic Server
  # 8080, Prometheus 9090, its recommended node exporter 9100).
  for pkg in "$@"; do
    case "$pkg" in
      nginx-light) started+=(nginx) ;;
      trafficserver) started+=(trafficserver) ;;
      prometheus) started+=(prometheus prometheus-node-exporter) ;;
    esac
  done
  if [ ${#started[@]} -gt 0 ]; then
    echo "  That starts services the tests do not use; stop them with:" >&2
    echo "    sudo systemctl disable --now ${started[*]}" >&2
    echo "  (or run sudo $(readlink -f "$0"), which installs them without starting any)" >&2
  fi
}

# As root: apt-get install with a policy-rc.d that forbids starting services (exit 101, see
# /usr/share/doc/init-system-helpers/README.policy-rc.d), then whatever policy was there before is put back.
install_as_root() {
  local policy=/usr/sbin/policy-rc.d saved=/usr/sbin/policy-rc.d.imgcdn-saved
  echo "imgcdn test: installing the Debian packages the tests need: $*" >&2
  [ -e "$policy" ] && cp -p "$policy" "$saved"
  restore_policy() { if [ -e "$saved" ]; then mv "$saved" "$policy"; else rm -f "$policy"; fi; }
  trap restore_policy EXIT
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
  restore_policy
  trap - EXIT
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "imgcdn test: not a Debian system (no dpkg-query); the tests need the tools of these Debian packages:" >&2
  echo "  ${PACKAGES[*]}" >&2
  exit 0
fi
mapfile -t need < <(missing)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  explain "${need[@]}"
  exit 1
fi
install_as_root "${need[@]}"
mapfile -t still < <(missing)
if [ ${#still[@]} -gt 0 ]; then
  echo "imgcdn test: apt-get did not install: ${still[*]}" >&2
  exit 1
fi
