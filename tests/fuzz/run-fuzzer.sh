#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time over a seed corpus, without writing
# into the seeds: new inputs go to a temporary directory removed afterwards.
# usage: run-fuzzer.sh BINARY SECONDS SEED_DIR...
set -euo pipefail
binary=$1 seconds=$2
shift 2
if [ ! -x "$binary" ]; then
  echo "fuzz target $binary is not built (make fuzz-build)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"  # crash-* artifacts land here; the failing input is also printed below
exec "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  "$work" "$@"
