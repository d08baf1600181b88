#!/usr/bin/env bash
# Run tests/engine and tests/tui N times in a row (default 10) while `stress-ng --cpu 2` keeps both cores
# busy, stopping at the first failure: a suite that waits on facts passes every run, however slow the
# machine. Usage: scripts/stress-tests.sh [N]   (installs the project with `make setup system-deps`, and
# stress-ng with apt-get when missing, as root)
set -euo pipefail

runs="${1:-10}"
cd "$(dirname "$0")/.."
make --no-print-directory setup system-deps

if ! command -v stress-ng >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "stress-ng is not installed, and installing it needs root (apt-get install stress-ng)" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null
fi

stress-ng --cpu 2 --quiet &
load=$!
trap 'kill "$load" 2>/dev/null || true; wait "$load" 2>/dev/null || true' EXIT

passed=0
for i in $(seq 1 "$runs"); do
  if .venv/bin/pytest -q -p no:randomly tests/engine tests/tui; then
    echo "run $i/$runs: passed"
    passed=$((passed + 1))
  else
    echo "run $i/$runs: failed"
    echo "summary: $passed of $runs runs passed before the first failure (under stress-ng --cpu 2)"
    exit 1
  fi
done
echo "summary: all $runs runs passed (under stress-ng --cpu 2)"
