# Helpers for driving the console in tmux (sourced by test_console*.sh; not
# a test itself). The caller sets before sourcing:
#   SOCK    a private tmux socket name
#   STATUS  a file for the exit status of the program in the pane
#   SAN     a path prefix for sanitizer reports (ASan/UBSan log_path)
# (STATUS and SAN only for run_in_pane; CAPDIR, when set, for capture)
# and after: PANE_ENV=(...) extra environment for run_in_pane.
# Every wait is bounded; the session is named "bg".
T=(tmux -L "$SOCK" -f /dev/null)
PANE_ENV=(NO_COLOR=)

now_ms() { date +%s%3N; }
screen() { "${T[@]}" capture-pane -p -t bg 2>/dev/null; }
keys() { "${T[@]}" send-keys -t bg "$@"; }
text() { "${T[@]}" send-keys -t bg -l "$1"; }
pane() { "${T[@]}" display -p -t bg "$1" 2>/dev/null; }
# capture NAME: the screen as NAME.txt in $CAPDIR (kept with the run's
# files) and in $BG_CAPTURES (docs/captures), each when set; one capture
# for both, so they hold the same screen.
capture() {
  local dir first=""
  for dir in "${CAPDIR:-}" "${BG_CAPTURES:-}"; do
    [ -n "$dir" ] && mkdir -p "$dir" || continue
    if [ -z "$first" ]; then
      first="$dir/$1.txt"
      screen > "$first"
    else
      cp "$first" "$dir/$1.txt"
    fi
  done
  return 0
}
# The row drawn in reverse video (the selection), without the footer bar.
selected() { "${T[@]}" capture-pane -p -e -t bg | sed '$d' | grep -E $'^\e\\[([0-9]*;)*7m' | head -1 | sed 's/\x1b\[[0-9;]*m//g'; }

# wait_for NAME TEXT [SECONDS]: passes as soon as TEXT is on the screen.
wait_for() {
  local name=$1 want=$2 secs=${3:-10} end s
  end=$(( $(now_ms) + secs * 1000 ))
  while :; do
    s=$(screen)
    if [[ "$s" == *"$want"* ]]; then pass "$name"; return 0; fi
    [ "$(now_ms)" -ge "$end" ] && break
    sleep 0.1
  done
  fail "$name"
  echo "   waited ${secs}s for: $want"
  echo "$s" | sed 's/^/   | /'
  return 1
}
# wait_cmd NAME WANT SECONDS CMD...: passes as soon as CMD prints WANT.
wait_cmd() {
  local name=$1 want=$2 secs=$3 end got
  shift 3
  end=$(( $(now_ms) + secs * 1000 ))
  while :; do
    got=$("$@")
    if [ "$got" = "$want" ]; then pass "$name"; return 0; fi
    [ "$(now_ms)" -ge "$end" ] && break
    sleep 0.1
  done
  fail "$name"
  echo "   waited ${secs}s for '$want', last: '$got'"
  screen | sed 's/^/   | /'
  return 1
}
wait_gone() {
  local name=$1 want=$2 secs=${3:-10} end s
  end=$(( $(now_ms) + secs * 1000 ))
  while :; do
    s=$(screen)
    if [[ "$s" != *"$want"* ]]; then pass "$name"; return 0; fi
    [ "$(now_ms)" -ge "$end" ] && break
    sleep 0.1
  done
  fail "$name"
  echo "   still there after ${secs}s: $want"
  echo "$s" | sed 's/^/   | /'
  return 1
}
wait_dead() { # SECONDS: until the program in the pane has exited
  local end=$(( $(now_ms) + $1 * 1000 ))
  while [ "$(pane '#{pane_dead}')" != 1 ]; do
    [ "$(now_ms)" -ge "$end" ] && return 1
    sleep 0.1
  done
}

# A tmux server whose panes stay after their program exits.
tmux_start() { # WIDTH HEIGHT
  "${T[@]}" new-session -d -s bg -x "$1" -y "$2" "sleep 600"
  "${T[@]}" set-option -g remain-on-exit on >/dev/null
}
tmux_stop() { "${T[@]}" kill-server 2>/dev/null; return 0; }

# The real binary in the pane, UTF-8 locale, sanitizer reports into files;
# a small shell records the exit status (tmux may mark the pane dead before
# it has collected it) and lingers 0.3 s.
run_in_pane() { # args for breakglass
  local cmd
  rm -f "$STATUS"
  cmd=$(printf '%q ' env LANG=C.UTF-8 LC_ALL=C.UTF-8 "${PANE_ENV[@]}" \
    "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SAN" \
    "UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$SAN" \
    "$BG_BIN" "$@")
  "${T[@]}" respawn-pane -k -t bg "$cmd; rc=\$?; echo \$rc > $(printf '%q' "$STATUS"); sleep 0.3; exit \$rc"
}
exit_status() { cat "$STATUS" 2>/dev/null; }
# PID of breakglass itself (the child of the pane's shell).
bg_pid() { ps -o pid= --ppid "$(pane '#{pane_pid}')" | tr -d ' ' | head -1; }
