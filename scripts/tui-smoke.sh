#!/usr/bin/env bash
# The real `dexbot run` (TUI) in tmux on the embedded devnet: wait for the bot's first trade, capture the
# screen, check that the status bar, positions, thoughts and breakers are on it, quit with `q`, and check
# that dexbot and every process it started (anvil) are gone. Exit 0 only if all of that holds.
#
#   scripts/tui-smoke.sh                      # prints the captured screen
#   TUI_SMOKE_OUT=screen.txt scripts/tui-smoke.sh
#   TUI_SMOKE_TIMEOUT_S=300 scripts/tui-smoke.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TIMEOUT_S="${TUI_SMOKE_TIMEOUT_S:-240}"
OUT="${TUI_SMOKE_OUT:-}"
SESSION="dexbot-smoke-$$"
WORK="$(mktemp -d)"

command -v tmux >/dev/null || { echo "tui-smoke: tmux is not installed (apt-get install tmux)" >&2; exit 2; }
[[ -x "$ROOT/.venv/bin/dexbot" ]] || { echo "tui-smoke: run 'make setup' first (.venv/bin/dexbot missing)" >&2; exit 2; }

cleanup() {
  tmux kill-session -t "$SESSION" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "tui-smoke: FAIL: $*" >&2
  tmux capture-pane -p -t "$SESSION" 2>/dev/null >&2 || true
  exit 1
}

capture() { tmux capture-pane -p -t "$SESSION"; }

descendants() {  # every live process under $1, children first
  local pid
  for pid in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    descendants "$pid"
    echo "$pid"
  done
}

tmux new-session -d -s "$SESSION" -x 120 -y 40 \
  "cd '$ROOT' && DEXBOT_STORE__DATA_DIR='$WORK/data' DEXBOT_METRICS__ENABLED=false .venv/bin/dexbot run; echo \$? > '$WORK/exit_code'"
PANE_PID="$(tmux display -p -t "$SESSION" '#{pane_pid}')"

echo "tui-smoke: dexbot run started in tmux session $SESSION; waiting up to ${TIMEOUT_S}s for the first trade"
deadline=$((SECONDS + TIMEOUT_S))
until capture | grep -qE 'Positions \([1-9][0-9]*\)'; do
  [[ -f "$WORK/exit_code" ]] && fail "dexbot run exited before trading (exit $(cat "$WORK/exit_code"))"
  ((SECONDS < deadline)) || fail "no position opened within ${TIMEOUT_S}s"
  sleep 2
done
sleep 2 # one more refresh so the thought of that entry is on screen too
SCREEN="$(capture)"

check() {  # check DESCRIPTION REGEX
  grep -qE -- "$2" <<<"$SCREEN" || fail "$1 not on screen (looked for /$2/)"
}
check "paper-mode badge" ' PAPER '
check "chain and block" 'devnet \(31337\)  block #[0-9,]+ '
check "engine running" ' RUNNING '
check "intel level" 'intel L[0-9]+ · (Smart|Fast) Lane'
check "equity" 'equity [0-9,]+\.[0-9]{4} WETH'
check "an open position with its exit rules" 'Positions \([1-9][0-9]*\)'
check "a position row" '│ [A-Z0-9]+ +[0-9.]+[KMBT]? +[0-9]+\.[0-9]{4} +[0-9]+\.[0-9]{4} +[-+][0-9]+\.[0-9]{6} +[-+][0-9]+\.[0-9]{2}% +SL '
check "the thought log" 'Thoughts \([1-9][0-9]*\)'
check "an ENTER thought" ' ENTER +[A-Z0-9]+ '
check "the breakers pane" 'Breakers · [0-9]+ tripped / [0-9]+'
check "a breaker row" 'daily_loss +CRIT +(closed|open|half-open)'
check "the P&L pane" 'Realised +[-+][0-9]'
check "the market pane" 'Market · [0-9]+ pools'
check "the key footer" 'k KILL'

mapfile -t PIDS < <(descendants "$PANE_PID")
((${#PIDS[@]} >= 2)) || fail "expected dexbot and anvil under the tmux pane, found pids: ${PIDS[*]:-none}"

tmux send-keys -t "$SESSION" q
deadline=$((SECONDS + 90))
until [[ -f "$WORK/exit_code" ]]; do
  ((SECONDS < deadline)) || fail "dexbot did not exit within 90s of pressing q"
  sleep 1
done
code="$(cat "$WORK/exit_code")"
[[ "$code" == 0 ]] || fail "dexbot run exited with $code after q"
sleep 1
for pid in "${PIDS[@]}"; do
  if kill -0 "$pid" 2>/dev/null; then
    fail "process $pid ($(ps -o comm= -p "$pid")) is still running after quitting"
  fi
done

if [[ -n "$OUT" ]]; then
  printf '%s\n' "$SCREEN" >"$OUT"
fi
printf '%s\n' "$SCREEN"
echo "tui-smoke: OK — traded, showed positions/thoughts/breakers, quit cleanly (exit 0), ${#PIDS[@]} processes gone"
