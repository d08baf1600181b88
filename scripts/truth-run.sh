#!/usr/bin/env bash
# Issue 16's Truth check at full length: `dexbot run --no-ui --record F` on the embedded devnet with the
# default config for TRUTH_MINUTES (20) of wall time, stopped with Ctrl-C as a user would, then
# `dexbot backtest F --json` with the same config, then the trades (block, token, side, amounts, gas, tax,
# to the wei) and the final equity compared with what the live run booked in its own database.
# Prints "same" and the figures (exit 0), or the first difference (exit 1).
#
#   scripts/truth-run.sh                         # 20 minutes, work files in a temp dir, removed after
#   TRUTH_SECONDS=60 TRUTH_KEEP=/tmp/truth scripts/truth-run.sh    # a short one, files kept
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MINUTES="${TRUTH_MINUTES:-20}"
SECS="${TRUTH_SECONDS:-$((MINUTES * 60))}"
WORK="${TRUTH_KEEP:-$(mktemp -d)}"
mkdir -p "$WORK"
[[ -x "$ROOT/.venv/bin/dexbot" ]] || { echo "truth-run: run 'make setup' first" >&2; exit 2; }
[[ -n "${TRUTH_KEEP:-}" ]] || trap 'rm -rf "$WORK"' EXIT

# The default config; only the data folder is the run's own (never the user's database).
printf '[store]\ndata_dir = "%s/data"\n' "$WORK" >"$WORK/config.toml"
REC="$WORK/session.jsonl.gz"
rm -f "$REC"

echo "truth-run: recording ${SECS} s of the devnet to $REC" >&2
started=$(date +%s)
"$ROOT/.venv/bin/dexbot" --config "$WORK/config.toml" run --no-ui --record "$REC" >"$WORK/run.log" 2>&1 &
pid=$!
# Wall time is the point of this run; the engine is stopped as a user stops it (SIGINT), then awaited.
sleep "$SECS"
kill -INT "$pid"
wait "$pid" || { echo "truth-run: the live run exited $?; see $WORK/run.log" >&2; tail -5 "$WORK/run.log" >&2; exit 1; }
live_s=$(( $(date +%s) - started ))

echo "truth-run: replaying" >&2
started=$(date +%s)
"$ROOT/.venv/bin/dexbot" --config "$WORK/config.toml" backtest "$REC" --json >"$WORK/backtest.json" 2>"$WORK/backtest.err" \
  || { echo "truth-run: the backtest failed:" >&2; cat "$WORK/backtest.err" >&2; exit 1; }
replay_s=$(( $(date +%s) - started ))

"$ROOT/.venv/bin/python" "$ROOT/scripts/truth_compare.py" "$WORK/config.toml" "$REC" "$WORK/backtest.json" \
  --live-s "$live_s" --replay-s "$replay_s"
