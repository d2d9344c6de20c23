#!/bin/sh
# tests/cli/top.sh: "kmemlab top" and "kmemlab replay --tui", driven in
# tmux(1) windows.
#
# How: each dashboard runs in a detached tmux session on a socket of its
# own (-L, killed at the end), started through a small script that
# records the terminal's settings (stty -g) before and after, then prints
# "TTY RESTORED" (or "TTY CHANGED") and "EXIT=status".  Keys go in with
# send-keys; the screen comes out with capture-pane -p.  Every wait polls
# the screen for an expected string with a time limit (a limit only turns
# a hang into a failure, no check depends on timing).
#
# Checked: help and usage errors; the not-a-terminal error; on a small
# text trace at 80x24, the header, the column titles and the known cache
# names, sorting (s, S, r), filtering (/), scrolling (arrows, page keys,
# Home, End), a resize, the five screens (1-5, tab),
# the help (?), quitting with the terminal restored and the run stored;
# at 200x60 every column and the arenas' address bars; pause, single
# step (exactly one event per n), speed keys, quitting a running replay
# (stored as interrupted) and --on-quit=finish (completed); SIGTERM
# (exit 1, terminal restored, run interrupted); NO_COLOR; replay --tui;
# a stored run played back (--run) whose figures at its end (G) are
# report's, row by row, with scrubbing to the start and one sample on;
# and --live, run when "kmemlab record" can start, else its error.

. "$(dirname "$0")/lib.sh"

# ---- without a terminal

run "$KMEMLAB" help top
is_status 0 "help top: exit 0"
cp "$RUN_OUT" "$T/help.out"
run "$KMEMLAB" top --help
ok "top --help prints the same as help top" cmp -s "$RUN_OUT" "$T/help.out"
for opt in "--run=N" "--live" "--speed=SPEED" "--on-quit=WHAT" "--db=PATH" \
    "-p, --policy=POLICY" "-c, --cpus=N " "--sample=DURATION"; do
	out_has "$opt" "top --help lists $opt"
done
out_lacks_re "LIST|--jobs|--quiet|parallel" \
    "top --help offers no --cpus list, --jobs or --quiet (one run)"
run "$KMEMLAB" replay --help
for opt in "--tui" "--speed=SPEED" "--on-quit=WHAT"; do
	out_has "$opt" "replay --help lists $opt"
done

P="kmemlab top:"
usage_error "top without a trace" \
    "$P missing trace ('-' for standard input)" top
usage_error "top --run and --live" \
    "$P options '--run' and '--live' exclude each other" top --run 1 --live
usage_error "top --run x" "$P bad run 'x': not a run id" top --run x
usage_error "top --run with a trace" "$P unexpected argument 't'" \
    top --run 1 t
usage_error "top --speed" \
    "$P bad speed '3': not 1, 10, 100, ..., 1000000 or afap" top --speed 3 t
usage_error "top --on-quit" \
    "$P bad on-quit 'x': not interrupt or finish" top --on-quit x t
usage_error "top --cpus list" "$P top shows one run: give --cpus one value" \
    top --cpus 1,2 t
usage_error "top --run --cpus list" \
    "$P top shows one run: give --cpus one value" top --run 1 --cpus 1,2
usage_error "top -j" "$P unknown option '-j' (try 'kmemlab help top')" \
    top -j 2 t
usage_error "top --jobs" \
    "$P unknown option '--jobs' (try 'kmemlab help top')" top --jobs=2 t
usage_error "top -q" "$P unknown option '-q' (try 'kmemlab help top')" \
    top -q t
usage_error "top --frob" "$P unknown option '--frob' (try 'kmemlab help top')" \
    top --frob
usage_error "replay --tui --cpus list" \
    "kmemlab replay: --tui shows one run: give --cpus one value" \
    replay --tui --cpus 1,2 t
usage_error "replay --tui -j" \
    "kmemlab replay: option '--jobs' does not apply with --tui" \
    replay -j 2 --tui t
usage_error "replay --tui --quiet" \
    "kmemlab replay: option '--quiet' does not apply with --tui" \
    replay --tui --quiet t
NOTTY="standard output is not a terminal: the dashboard needs one (use 'kmemlab report' for a stored run, 'kmemlab replay' for a trace)"
usage_error "top, not a terminal" "$P $NOTTY" top "$T/none.kmt"
usage_error "top --run, not a terminal" "$P $NOTTY" top --run 1 --db "$T/k.db"
usage_error "replay --tui, not a terminal" "kmemlab replay: $NOTTY" \
    replay --tui "$T/none.kmt"
ok "no database made without a terminal" test ! -e "$T/k.db"

# ---- tmux

if ! command -v tmux >/dev/null 2>&1; then
	skip 1 "tmux not found"
	done_testing
fi
# One socket per window, so that a new window never races the old server.
nsock=0
SOCK=kmltop$$-0
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -rf "$T"' EXIT

# tmx ARGS: tmux on this test's socket, with no configuration file.
tmx() {
	tmux -L "$SOCK" -f /dev/null "$@"
}

cat >"$T/run.sh" <<'EOF'
#!/bin/sh
# run.sh CMD...: run CMD on this terminal; say whether the terminal's
# settings came back and the exit status; then wait to be captured.
s0=$(stty -g </dev/tty)
"$@"
st=$?
s1=$(stty -g </dev/tty)
if [ "$s0" = "$s1" ]; then echo "TTY RESTORED"; else echo "TTY CHANGED"; fi
echo "EXIT=$st"
exec sleep 600
EOF
chmod +x "$T/run.sh"

# start W H CMD...: a new session of W x H running CMD in $T.
start() {
	_w=$1
	_h=$2
	shift 2
	tmx kill-server >/dev/null 2>&1
	nsock=$((nsock + 1))
	SOCK=kmltop$$-$nsock
	tmx new-session -d -x "$_w" -y "$_h" -c "$T" "$T/run.sh $*"
}

# screen: the window's text now, into $T/screen.
screen() {
	tmx capture-pane -p >"$T/screen" 2>/dev/null
}

# settle: capture the window until two captures 100 ms apart are the
# same (at most 1 s: a running replay's screen never settles), so that
# the checks that follow read a whole redraw, not one half written.
settle() {
	_j=0
	while [ "$_j" -lt 10 ]; do
		cp "$T/screen" "$T/screen.0"
		sleep 0.1
		screen
		cmp -s "$T/screen" "$T/screen.0" && return 0
		_j=$((_j + 1))
	done
}

# poll COND...: capture the window until the command COND succeeds (at
# most 30 s), then settle.  => COND's status.
poll() {
	_i=0
	while [ "$_i" -lt 300 ]; do
		screen
		if "$@"; then
			settle
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# has TEXT, hasnt TEXT: the last screen has a line with TEXT, has none.
has() {
	grep -qF -e "$1" "$T/screen"
}
hasnt() {
	! has "$1"
}

# first_is N WORD: line N of the last screen starts with WORD.
first_is() {
	[ "$(names "$1" "$1")" = "$2 " ]
}

# wait_for TEXT, wait_gone TEXT, wait_first N WORD: poll for them.
wait_for() {
	poll has "$1"
}
wait_gone() {
	poll hasnt "$1"
}
wait_first() {
	poll first_is "$1" "$2"
}

# sees TEXT DESC: a check that the window comes to show TEXT.
sees() {
	if wait_for "$1"; then
		tap_result 0 "$2"
	else
		tap_result 1 "$2"
		diag "expected on the screen: $1"
		sed 's/^/#   /' "$T/screen"
	fi
}

# lacks TEXT DESC: a check that the window (now) shows no TEXT.
lacks() {
	screen
	if grep -qF -e "$1" "$T/screen"; then
		tap_result 1 "$2"
		diag "expected no: $1"
		sed 's/^/#   /' "$T/screen"
	else
		tap_result 0 "$2"
	fi
}

# row N: line N of the last screen (from 1).
row() {
	sed -n "${1}p" "$T/screen"
}

# names FROM TO: the first word of lines FROM..TO of the last screen.
names() {
	sed -n "${1},${2}p" "$T/screen" | awk 'NF { printf "%s ", $1 }'
}

# keys KEY...: send keys to the window.
keys() {
	tmx send-keys "$@"
}

# ---- a small trace, 80x24
#
# The trace of tests/cli/replay.sh: on 2 CPUs a kmalloc of 24 bytes
# (kmem-32), a filp object, their frees, a never-allocated free, a large
# kmalloc left live and a double free: 5 events replayed, 8192 bytes in
# use, 2 anomalies.
tiny_trace "$T/tiny.kmt"

start 80 24 "$KMEMLAB" top --db k.db --speed afap tiny.kmt
sees "completed: run 1 stored in k.db; q quits" "80x24: the replay completes and is stored"
ok "80x24: the header" test "$(row 1)" = \
    "kmemlab top - trace tiny.kmt  policy netbsd  2 vCPUs  completed  speed afap"
# the virtual time the run stored (0.000070278 s: kmem takes no simulated
# lock of its own since the replay's lock model was made the kernels')
vns=$("$KMEMLAB" sql --db "$T/k.db" --csv \
    "SELECT virtual_ns FROM runs WHERE id = 1" | sed -n 2p)
ok "80x24: the stored run's virtual time" test "$vns" = 70278
ok "80x24: virtual time and events" test "$(row 2 | cut -c1-30)" = \
    "vtime 0.000070278 s  events 5 "
ok "80x24: bytes in use, anomalies, caches" test "$(row 3)" = \
    "in use 8192  fails 0  anomalies 2  caches 24  arenas 3"
ok "80x24: the tabs, sorted by memory" test "$(row 4)" = \
    "[1 Caches]  2 CPUs   3 Arenas   4 History   5 Anomalies   sort MEMORY"
ok "80x24: the columns that fit" test "$(row 5)" = \
    "NAME                   SIZE    INUSE  PAGES  ALLOCS/S   FREES/S    CPU%  *MEMORY"
ok "80x24: filp, its figures" test "$(row 6 | awk '{ print $1, $2, $3, $4, $7, $8 }')" = \
    "filp 192 0 1 0.0% 4096"
ok "80x24: kmem-32, its figures" test "$(row 7 | awk '{ print $1, $2, $3, $4, $7, $8 }')" = \
    "kmem-32 32 0 1 0.0% 4096"
ok "80x24: the keys in the footer" test "$(row 24)" = \
    "q quit  spc pause  n step  +- speed  s/S sort  r rev  / filter  tab 1-5  ? help"

keys s
sees "sort NAME" "s: sorted by the next column, the name"
ok "s: the name column is marked" test "$(row 5 | cut -c1-5)" = "*NAME"
ok "s: rows in name order" test "$(names 6 10)" = \
    "filp kmem-1024 kmem-128 kmem-16 kmem-192 "
keys s
sees "sort SIZE" "s again: sorted by size"
ok "s again: largest first" test "$(names 6 7)" = \
    "kmem_va_arena-32768 kmem_va_arena-28672 "
keys r
sees "sort SIZE rev" "r: the order reversed"
ok "r: smallest first" test "$(names 6 8)" = "kmem-8 kmem-16 kmem-32 "
keys r S S
sees "sort MEMORY" "S twice: back to memory"

keys / f i l Enter
sees "filter fi" "/: the filter is shown (as far as 80 columns go)"
ok "/: only filp is left" test "$(names 6 7)" = "filp "
keys / BSpace BSpace BSpace Enter
wait_gone "filter fi"
ok "an empty filter shows all" test "$(names 6 7)" = "filp kmem-32 "

# 24 caches by memory, then name: filp, kmem-32, the 14 other kmem-N,
# the 8 quantum caches of kmem_va_arena; 17 rows fit under the titles.
keys Down
ok "Down: one row on" wait_first 6 kmem-32
keys End
ok "End: the last 17 rows, from the 8th cache" wait_first 6 kmem-256
ok "End: the last cache on the last row" test "$(names 22 22)" = \
    "kmem_va_arena-8192 "
keys Up
ok "Up: one row back" wait_first 6 kmem-2048
keys Home
ok "Home: the first row" wait_first 6 filp
keys NPage
ok "PgDn: a page on, no further than the end" wait_first 6 kmem-256
keys PPage
ok "PgUp: a page back" wait_first 6 filp

# A resized terminal is drawn at its new size.
tmx resize-window -x 100 -y 30 >/dev/null 2>&1
sees "DEPOT%" "100x30: the wider terminal shows more columns"
ok "100x30: the footer on line 30" wait_first 30 q
tmx resize-window -x 80 -y 24 >/dev/null 2>&1
ok "back to 80x24: the footer on line 24" wait_first 24 q
lacks "DEPOT%" "back to 80x24: the columns that fit"

keys 2
sees "[2 CPUs]" "2: the CPUs screen"
ok "CPUs: titles" test "$(row 5 | awk '{ print $1, $2, $3, $4, $5, $6, $7 }')" = \
    "CPU EVENTS EVENTS/S BUSY% LOCK% HIT% CACHED"
ok "CPUs: events per CPU" test "$(row 6 | awk '{ print $1, $2 }'),$(row 7 | awk '{ print $1, $2 }')" = \
    "0 3,1 2"
keys 3
sees "[3 Arenas]" "3: the arenas screen"
ok "arenas: kmem_va_arena indented under kmem_arena" test \
    "$(row 6 | cut -c1-16),$(row 7 | cut -c1-16)" = "kmem_arena      ,  kmem_va_arena "
ok "arenas: 16384 bytes in use in kmem_va_arena" test \
    "$(row 7 | awk '{ print $2, $3, $4 }')" = "16384 16384 16384"
keys 4
sees "[4 History]" "4: the history screen"
sees "memory in use (bytes): 8192" "history: memory in use"
keys 5
sees "[5 Anomalies]" "5: the anomalies screen"
sees "anomalies: never allocated 1, double free 1," "anomalies: counts by kind"
ok "anomalies: the double free, event 7" test \
    "$(grep -F 'double free' "$T/screen" | grep -v '^anomalies' | awk '{ print $1, $2, $3, $4, $5 }')" = \
    "7 double free 0 100"
ok "call sites: by bytes, d+0x4 first" test \
    "$(grep -A1 'TOP SITES BY BYTES' "$T/screen" | sed -n 2p | awk '{ print $1, $2, $4, $5 }')" = \
    "d+0x4 1 0 8192"
keys Tab
sees "[1 Caches]" "tab: back to the first screen"
keys "?"
sees "kmemlab top: keys" "?: the help"
keys x
wait_gone "kmemlab top: keys"
lacks "kmemlab top: keys" "any key closes the help"

keys q
sees "EXIT=0" "q: exit 0"
sees "run 1 stored in k.db" "q: the run line"
sees "TTY RESTORED" "q: the terminal's settings are restored"
lacks "kmemlab top -" "q: the dashboard is gone"
ok "the run is stored as completed" test "$("$KMEMLAB" sql --db "$T/k.db" \
    --csv "SELECT status, replayed FROM runs WHERE id = 1" | sed -n 2p)" = \
    "completed,5"

# ---- 200x60

start 200 60 "$KMEMLAB" top --db k.db --speed afap tiny.kmt
sees "completed: run 2 stored in k.db; q quits" "200x60: the replay completes"
ok "200x60: every column" test "$(row 5 | awk '{ $1 = $1; print }')" = \
    "NAME SIZE INUSE TOTAL PAGES ALLOCS/S FREES/S FAILS CPU% DEPOT% MAG *MEMORY"
# (Rates depend on when the snapshots fell: not compared.)
ok "200x60: kmem-32's row, every figure but the rates" test \
    "$(row 7 | awk '{ $6 = $7 = ""; $1 = $1; print }')" = \
    "kmem-32 32 0 128 1   0 0.0% 0.0% 15 4096"
ok "200x60: the footer on the last line" test "$(row 60 | cut -c1-6)" = "q quit"
keys 3
sees "[3 Arenas]" "200x60: the arenas screen"
ok "200x60: kmem_va_arena's address space, all allocated" test \
    "$(row 7 | sed 's/.*FRAG% *//; s/^[^|]*//' | tr -d ' ' | tr -s '#')" = "|#|"
keys q
sees "EXIT=0" "200x60: exit 0"

# ---- colours

start 80 24 "$KMEMLAB" top --db k.db --speed afap tiny.kmt
sees "completed: run 3" "colours: the dashboard is up"
tmx capture-pane -p -e >"$T/colour"
ok "colours: set when the terminal has them" grep -q "$(printf '\033')\[4[0-7]m" "$T/colour"
keys q
sees "EXIT=0" "colours: exit 0"
start 80 24 env NO_COLOR=1 "$KMEMLAB" top --db k.db --speed afap tiny.kmt
sees "completed: run 4" "NO_COLOR: the dashboard is up"
tmx capture-pane -p -e >"$T/colour"
ok "NO_COLOR: no colour, reverse video" test \
    "$(grep -c "$(printf '\033')\[[34][0-7]m" "$T/colour")" = 0
ok "NO_COLOR: the same text" test "$(sed -n 5p "$T/screen")" = \
    "NAME                   SIZE    INUSE  PAGES  ALLOCS/S   FREES/S    CPU%  *MEMORY"
keys q
sees "EXIT=0" "NO_COLOR: exit 0"

# ---- pause, step, speed; quitting a running replay
#
# 2000 events on 2 CPUs, 10 ms apart on each CPU: 10 s of virtual time,
# so at x1 the replay runs long enough to be paused and stepped.
"$KMEMLAB" gen random -q -c 2 -n 2000 --think 10000000 -o "$T/slow.kmt"

# events_now: the events figure of the header.
events_now() {
	screen
	row 2 | sed -n 's/.*  events \([0-9]*\) .*/\1/p'
}

start 80 24 "$KMEMLAB" top --db s.db slow.kmt
sees "running  speed x1" "x1: running"
keys Space
sees "paused  speed x1" "space: paused"
e0=$(events_now)
keys n
sees "  events $((e0 + 1))  " "n: exactly one event more"
keys n
sees "  events $((e0 + 2))  " "n again: one more"
ok "still paused after the steps" grep -qF "paused  speed x1" "$T/screen"
keys +
sees "paused  speed x10" "+: x10"
keys + + + + + + +
sees "paused  speed afap" "+ up to afap"
keys - - - - - - - - -
sees "paused  speed x1" "- down to x1"
keys Space
sees "running  speed x1" "space: running again"
keys q
sees "EXIT=0" "q while running: exit 0"
sees "run 1 stored in s.db (interrupted)" "q while running: stored as interrupted"
sees "TTY RESTORED" "q while running: terminal restored"
ok "the interrupted run's status" test "$("$KMEMLAB" sql --db "$T/s.db" \
    --csv "SELECT status FROM runs WHERE id = 1" | sed -n 2p)" = "interrupted"

start 80 24 "$KMEMLAB" top --db s.db --on-quit finish slow.kmt
sees "running  speed x1" "--on-quit=finish: running"
keys q
sees "EXIT=0" "--on-quit=finish: exit 0"
sees "kmemlab top: finishing the replay without the dashboard" \
    "--on-quit=finish: says so"
sees "run 2 stored in s.db" "--on-quit=finish: the run line"
lacks "(interrupted)" "--on-quit=finish: not interrupted"
ok "--on-quit=finish: the run completed" test "$("$KMEMLAB" sql --db "$T/s.db" \
    --csv "SELECT status, replayed FROM runs WHERE id = 2" | sed -n 2p)" = \
    "completed,2000"

# ---- SIGTERM

start 80 24 "$KMEMLAB" top --db s.db slow.kmt
sees "running  speed x1" "SIGTERM: running"
# the pane's child (kmemlab), from /proc: a minimal Debian has no pgrep
pid=$(awk -v pp="$(tmx display -p '#{pane_pid}')" \
    '{ f = FILENAME; sub(/.*\) /, ""); if ($2 == pp) { split(f, a, "/"); print a[3]; exit } }' \
    /proc/[0-9]*/stat 2>/dev/null)
ok "SIGTERM: sent" kill -TERM "$pid"
sees "EXIT=1" "SIGTERM: exit 1"
sees "kmemlab top: interrupted by signal 15 after " "SIGTERM: the message"
sees "TTY RESTORED" "SIGTERM: terminal restored"
ok "SIGTERM: the run is stored as interrupted" test "$("$KMEMLAB" sql \
    --db "$T/s.db" --csv "SELECT status FROM runs WHERE id = 3" | sed -n 2p)" = \
    "interrupted"

# ---- replay --tui

start 80 24 "$KMEMLAB" replay --tui --db k.db --speed afap tiny.kmt
sees "completed: run 5 stored in k.db; q quits" "replay --tui: the dashboard"
keys q
sees "EXIT=0" "replay --tui: exit 0"
sees "run 5 stored in k.db" "replay --tui: the run line"

# ---- a stored run, played back
#
# The real trace traces/git.kmt replayed with a sample every 50 ms, then
# shown at its end: each cache row must hold report's figures (Size and
# Npage of vmstat -m, GrpSz and both Hit% of vmstat -C).
GIT=$top_srcdir/traces/git.kmt
"$KMEMLAB" replay -q --db "$T/g.db" --sample 50ms "$GIT" >/dev/null
"$KMEMLAB" report -a --db "$T/g.db" 1 >"$T/report"
start 200 60 "$KMEMLAB" top --db g.db --run 1
sees "kmemlab top - run 1 (g.db)  policy netbsd  2 vCPUs" "--run: the header"
keys G
sees "at the end  speed x1" "G: at the end"
replayed=$("$KMEMLAB" sql --db "$T/g.db" --csv \
    "SELECT replayed FROM runs WHERE id = 1" | sed -n 2p)
sees "  events $replayed/$replayed  " "G: every event"
screen
cp "$T/screen" "$T/top-end"
awk '
	FNR == NR {
		if ($0 ~ /^caches, pool layer/) { sec = "m"; next }
		if ($0 ~ /^caches, magazine layers/) { sec = "c"; next }
		if ($0 ~ /^$/) { sec = ""; next }
		if (sec == "m" && $1 != "Name") { size[$1] = $2; npage[$1] = $8 }
		if (sec == "c" && $1 != "Name") { grp[$1] = $3; dhit[$1] = $8; chit[$1] = $10 }
		next
	}
	FNR >= 6 && NF == 12 && ($1 in size) {
		n++
		want = size[$1] " " npage[$1] " " chit[$1] " " dhit[$1] " " grp[$1]
		got = $2 " " $5 " " $9 " " $10 " " $11
		if (want != got) { bad++; print "# " $1 ": top " got ", report " want }
	}
	END { printf "%d %d\n", n, bad + 0 }
' "$T/report" "$T/top-end" >"$T/cmp"
ok "G: 40 or more cache rows compared with report" \
    test "$(tail -n 1 "$T/cmp" | cut -d' ' -f1)" -ge 40
ok "G: every row has report's figures" test "$(tail -n 1 "$T/cmp" | cut -d' ' -f2)" = 0
grep '^#' "$T/cmp" | head -n 5
keys 2
sees "[2 CPUs]" "--run: the CPUs screen"
ok "--run: events per CPU as report's cpus table" test \
    "$(awk 'NR >= 6 && NR <= 7 { printf "%s %s,", $1, $2 }' "$T/screen")" = \
    "$(awk '/^cpus:/ { c = 1; next } c && /^$/ { c = 0 } c && $1 != "cpu" { printf "%s %s,", $1, $2 }' "$T/report")"
keys 1 g
sees "  events 0/$replayed  " "g: the start"
first=$("$KMEMLAB" sql --db "$T/g.db" --csv \
    "SELECT events FROM samples WHERE run_id = 1 ORDER BY vtime LIMIT 1" | sed -n 2p)
keys ">"
sees "  events $first/$replayed  " "> : the first sample"
keys "<"
sees "  events 0/$replayed  " "< : back to the start"
keys q
sees "EXIT=0" "--run: exit 0"
sees "TTY RESTORED" "--run: terminal restored"

# ---- a trace on a pipe with no data
#
# Standard input a FIFO whose writer sends all of the trace but its last
# 16 bytes, then nothing: the replay blocks reading, the dashboard must
# not; quitting ends the run, stored as interrupted.
mkfifo "$T/fifo"
size=$(wc -c <"$T/tiny.kmt")
(head -c $((size - 16)) "$T/tiny.kmt"; exec sleep 600) >"$T/fifo" &
writer=$!
start 80 24 "$KMEMLAB" top --db p.db - "<" fifo
sees "kmemlab top - trace <stdin>  policy netbsd  2 vCPUs  running" \
    "a pipe with no data: the dashboard is up"
keys 2
sees "[2 CPUs]" "a pipe with no data: the keys still work"
keys q
sees "EXIT=0" "a pipe with no data: q ends the replay, exit 0"
sees "run 1 stored in p.db (interrupted)" \
    "a pipe with no data: stored as interrupted"
sees "TTY RESTORED" "a pipe with no data: terminal restored"
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
ok "a pipe with no data: the run's status" test "$("$KMEMLAB" sql \
    --db "$T/p.db" --csv "SELECT status FROM runs WHERE id = 1" | sed -n 2p)" = \
    "interrupted"

# ---- errors on a terminal

start 200 24 "$KMEMLAB" top --db g.db --run 9
sees "EXIT=1" "--run 9: exit 1"
sees "kmemlab top: g.db: no run 9" "--run 9: no such run"
sees "TTY RESTORED" "--run 9: terminal as it was"
start 200 24 "$KMEMLAB" top --db none.db --run 1
sees "kmemlab top: none.db: No such file or directory" "--run without a database"
ok "--run made no database" test ! -e "$T/none.db"
start 200 24 "$KMEMLAB" top --db k.db missing.kmt
sees "kmemlab top: missing.kmt: No such file or directory" "a missing trace"
sees "EXIT=1" "a missing trace: exit 1"

# ---- the live kernel

# A file named as the live trace's label ("record --kernel") in the
# current directory is not the trace: its size gives no progress bar.
head -c 100000 /dev/zero >"$T/record --kernel"
start 200 24 "$KMEMLAB" top --db l.db --live
if ! "$KMEMLAB" record --help >/dev/null 2>&1; then
	sees "EXIT=1" "--live without record: exit 1"
	sees "kmemlab top: the recorder failed: kmemlab: unknown command 'record' (try 'kmemlab help')" \
	    "--live without record: the recorder's error"
	skip 3 "no 'kmemlab record' in this build: live replay not run"
else
	wait_for "live kernel" || wait_for "EXIT="
	if grep -qF "the recorder failed:" "$T/screen"; then
		skip 5 "the recorder cannot start here: $(grep -F 'the recorder failed:' "$T/screen" | head -n 1)"
	else
		sees "kmemlab top - live kernel" "--live: the dashboard"
		ok "--live: no progress bar (the size of no file)" \
		    sh -c '! sed -n 2p "$1" | grep -q %' sh "$T/screen"
		keys q
		sees "EXIT=0" "--live: exit 0"
		sees "stored in l.db" "--live: the run is stored"
		sees "TTY RESTORED" "--live: terminal restored"
	fi
fi

done_testing
