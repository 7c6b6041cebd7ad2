#!/usr/bin/env bash
# tsx vs compiled (issue 12 item 5): start-up of `byz --help` (wall and CPU seconds, per run) and the
# RSS of idle replicas (a `byz start` cluster of 4 replicas + gateway, 20 s after it is up, per run).
# Usage: bash bench/runtime-compare.sh [RUNS=5] [BASE_PORT=24000]   (builds dist/ first)
# The figures it printed are quoted in bench/README.md ("Compiled vs tsx").
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
base=${2:-24000}
npm run build --silent
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in tsx compiled; do
  walls=() cpus=()
  for _ in $(seq "$runs"); do
    read -r w c < <( { /usr/bin/env time -f '%e %U %S' env BYZ_RUNTIME=$mode node bin/byz.mjs --help >/dev/null; } 2>&1 | awk '{print $1, $2 + $3}')
    walls+=("$w") cpus+=("$c")
  done
  echo "byz --help, $mode: wall s ${walls[*]} | cpu s ${cpus[*]}"
done
for mode in tsx compiled; do
  for r in $(seq "$runs"); do
    dir=$(mktemp -d /tmp/byz-runtime-XXXX)
    BYZ_RUNTIME=$mode node bin/byz.mjs start --data "$dir" --base-port "$base" --gateway-port $((base + 290)) >"$dir/out" 2>&1 &
    pid=$!
    for _ in $(seq 120); do grep -q 'up and connected' "$dir/out" && break; sleep 1; done
    sleep 20
    replicas=$(ps -o rss=,args= --ppid "$pid" | awk '/ node --config/ {printf "%d ", $1 / 1024}')
    gateway=$(ps -o rss=,args= --ppid "$pid" | awk '/ gateway --config/ {printf "%d", $1 / 1024}')
    echo "idle RSS MiB, $mode, run $r: replicas $replicas| gateway $gateway"
    kill -INT "$pid"
    wait "$pid" || true
    rm -rf "$dir"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
