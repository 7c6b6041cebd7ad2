#!/usr/bin/env bash
# System packages some tests need, installed from Debian's archive when missing (run by `npm test`).
#   promtool (package `prometheus`): test/metrics/promtool.test.ts lints the metrics and alert rules.
#   chromium: test/e2e/status-page.test.ts drives the live status page in headless Chromium.
#   ip (package `iproute2`): test/net/netns.test.ts puts replicas in network namespaces (and `tc` shapes their links).
#   iptables (package `iptables`): test/net/netns.test.ts drops packets at random and redirects links through a delay relay.
# Never fails the test run: without root or apt, it prints what to install and the tests that need
# the tool skip with a message naming it.
set -u
need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing Debian packages: ${need[*]} (not root or no apt-get: install them to run every test; the tests that need them will skip)" >&2
  exit 0
fi
echo "system-deps: installing ${need[*]} (Debian packages some tests need) ..." >&2
export DEBIAN_FRONTEND=noninteractive
if timeout 300 apt-get update -qq >/dev/null 2>&1 && timeout 600 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
  echo "system-deps: installed ${need[*]}" >&2
else
  echo "system-deps: could not install ${need[*]} (apt-get failed); the tests that need them will skip" >&2
fi
exit 0
