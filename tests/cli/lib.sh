# tests/cli/lib.sh: TAP helpers for the shell tests of the kmemlab program.
#
# Source it from a test script (POSIX sh).  It provides:
#   run CMD [ARGS...]        run CMD, keeping its stdout, stderr and exit
#                            status for the checks below (files $RUN_OUT,
#                            $RUN_ERR; status $RUN_STATUS)
#   run_in FILE CMD [ARGS...]  the same with FILE as standard input
#   is_status N DESC         the last run exited with status N
#   out_line LINE DESC       a line of its stdout is exactly LINE
#   err_line LINE DESC       a line of its stderr is exactly LINE
#   out_has TEXT DESC        its stdout contains TEXT
#   err_has TEXT DESC        its stderr contains TEXT
#   out_lacks_re RE DESC     no line of its stdout matches the regexp RE
#   out_empty DESC, err_empty DESC
#   ok DESC CMD [ARGS...]    passes if CMD exits with status 0
#   err_is TEXT DESC         its stderr is exactly TEXT
#   usage_error DESC MESSAGE ARGS...
#                            "kmemlab ARGS" exits 2 with exactly MESSAGE on
#                            stderr and nothing on stdout (three checks; a
#                            fourth, that no file $USAGE_NOFILE was made,
#                            when that is set)
#   no_tmp_files DESC        no temporary file (*.tmp.*) is left in $T
#   have_tty                 script(1) of util-linux can give a terminal
#   run_tty CMD [ARGS...]    run CMD on a terminal (see below)
#   skip N REASON            N checks skipped, as "ok ... # SKIP REASON"
#   diag TEXT                a "# " comment line
#   done_testing             print the plan "1..N"; exit 1 if a check failed
# and, for the trace commands:
#   tiny_trace FILE          write the small trace of replay.sh and top.sh
#                            (7 events, see replay.sh) as FILE
#   bpe BYTES EVENTS         bytes per event as the reports print it
#   op_events OP             the events of OP in "trace info" output
# and $T, a temporary directory removed on exit.  Each failed check prints
# what was expected and the output it looked at.
#
# Environment: KMEMLAB is the binary under test (make check sets it, with
# top_srcdir and top_builddir); by default ./src/kmemlab.

KMEMLAB=${KMEMLAB:-./src/kmemlab}
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}

tap_n=0
tap_failed=0

T=$(mktemp -d) || {
	echo "Bail out! cannot make a temporary directory"
	exit 1
}
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
RUN_OUT=$T/run.out
RUN_ERR=$T/run.err
RUN_STATUS=
RUN_CMD=
USAGE_NOFILE=

# diag TEXT...: print TEXT as a TAP comment, one "# " per line.
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# tap_result STATUS DESC: print "ok N - DESC" (STATUS 0) or "not ok".
tap_result() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %d - %s\n' "$tap_n" "$2"
	else
		tap_failed=$((tap_failed + 1))
		printf 'not ok %d - %s\n' "$tap_n" "$2"
	fi
}

# show_run: after a failed check, show the last command and its output.
show_run() {
	diag "command: $RUN_CMD"
	diag "exit status: $RUN_STATUS"
	diag "stdout (first 20 lines):"
	head -n 20 "$RUN_OUT" | sed 's/^/#   /'
	diag "stderr (first 20 lines):"
	head -n 20 "$RUN_ERR" | sed 's/^/#   /'
}

# run CMD [ARGS...]: run CMD with stdin from /dev/null.
run() {
	RUN_CMD=$*
	"$@" </dev/null >"$RUN_OUT" 2>"$RUN_ERR"
	RUN_STATUS=$?
}

# run_in FILE CMD [ARGS...]: run CMD with stdin from FILE.
run_in() {
	_in=$1
	shift
	RUN_CMD="$* < $_in"
	"$@" <"$_in" >"$RUN_OUT" 2>"$RUN_ERR"
	RUN_STATUS=$?
}

# is_status N DESC
is_status() {
	if [ "$RUN_STATUS" = "$1" ]; then
		tap_result 0 "$2"
	else
		tap_result 1 "$2"
		diag "expected exit status $1"
		show_run
	fi
}

# tap_grep FLAGS PATTERN FILE WHAT DESC: pass if grep FLAGS finds PATTERN.
tap_grep() {
	if grep -q $1 -e "$2" "$3"; then
		tap_result 0 "$5"
	else
		tap_result 1 "$5"
		diag "expected $4: $2"
		show_run
	fi
}

out_line() { tap_grep -Fx "$1" "$RUN_OUT" "a line of stdout" "$2"; }
err_line() { tap_grep -Fx "$1" "$RUN_ERR" "a line of stderr" "$2"; }
out_has() { tap_grep -F "$1" "$RUN_OUT" "stdout to contain" "$2"; }
err_has() { tap_grep -F "$1" "$RUN_ERR" "stderr to contain" "$2"; }

# out_lacks_re RE DESC: no line of stdout matches the extended regexp RE.
out_lacks_re() {
	if grep -Eq -e "$1" "$RUN_OUT"; then
		tap_result 1 "$2"
		diag "expected no stdout line to match: $1"
		grep -En -e "$1" "$RUN_OUT" | head -n 5 | sed 's/^/#   /'
	else
		tap_result 0 "$2"
	fi
}

# out_empty DESC / err_empty DESC
out_empty() {
	if [ -s "$RUN_OUT" ]; then
		tap_result 1 "$1"
		diag "expected empty stdout"
		show_run
	else
		tap_result 0 "$1"
	fi
}
err_empty() {
	if [ -s "$RUN_ERR" ]; then
		tap_result 1 "$1"
		diag "expected empty stderr"
		show_run
	else
		tap_result 0 "$1"
	fi
}

# ok DESC CMD [ARGS...]
ok() {
	_desc=$1
	shift
	if "$@"; then
		tap_result 0 "$_desc"
	else
		tap_result 1 "$_desc"
		diag "failed: $*"
	fi
}

# err_is TEXT DESC: stderr of the last run is exactly TEXT.
err_is() {
	ok "$2" test "$(cat "$RUN_ERR")" = "$1"
}

# usage_error DESC MESSAGE ARGS...: "kmemlab ARGS" fails with exit 2,
# exactly MESSAGE on stderr and nothing on stdout; and, when USAGE_NOFILE
# is set, makes no file $USAGE_NOFILE.
usage_error() {
	_desc=$1
	_msg=$2
	shift 2
	run "$KMEMLAB" "$@"
	is_status 2 "$_desc: exit 2"
	err_is "$_msg" "$_desc: stderr is exactly the message"
	out_empty "$_desc: nothing on stdout"
	if [ -n "${USAGE_NOFILE:-}" ]; then
		ok "$_desc: nothing written" test ! -e "$USAGE_NOFILE"
	fi
}

# no_tmp_files DESC: no file of $T has ".tmp." in its name (the
# temporary name of a file written whole or not at all).
no_tmp_files() {
	ok "$1" test -z "$(ls "$T" | grep '\.tmp\.')"
}

# have_tty: script(1) of util-linux is there and can give a command a
# terminal (a chroot without /dev/pts cannot).
have_tty() {
	script --version 2>/dev/null | grep -q util-linux &&
	    script -qec 'test -t 0 && test -t 1' /dev/null </dev/null \
	    >/dev/null 2>&1
}

# run_tty CMD [ARGS...]: run CMD with a terminal as standard input and
# output (script(1)); its output, both streams, without '\r', is in
# $RUN_ERR, and $RUN_OUT is empty.
run_tty() {
	_cmd=
	for _a; do
		_cmd="$_cmd '$_a'"
	done
	RUN_CMD="script -qec \"$_cmd\" /dev/null"
	script -qec "$_cmd" /dev/null </dev/null >"$T/tty.out" 2>&1
	RUN_STATUS=$?
	tr -d '\r' <"$T/tty.out" >"$RUN_ERR"
	: >"$RUN_OUT"
}

# skip N REASON: count N checks as passed and skipped for REASON.
skip() {
	_i=0
	while [ "$_i" -lt "$1" ]; do
		_i=$((_i + 1))
		tap_result 0 "skipped check $_i # SKIP $2"
	done
}

# bpe BYTES EVENTS: bytes per event with two decimals, 0.00 for none, as
# the "wrote OUT: ..." report lines print it.
bpe() {
	awk -v b="$1" -v e="$2" 'BEGIN { printf "%.2f\n", e ? b / e : 0 }'
}

# op_events OP: the events column of OP's row in the operations section
# of the last run's stdout ("trace info"), 0 when it has none.
op_events() {
	awk -v op="$1" '
		/^operations:/ { in_ops = 1; next }
		/^$/ { in_ops = 0 }
		in_ops && $1 == op { n = $2 }
		END { print n + 0 }
	' "$RUN_OUT"
}

# tiny_trace FILE: the seven-event trace on 2 CPUs that replay.sh and
# top.sh replay (its figures are worked out in replay.sh), as FILE.
tiny_trace() {
	cat >"$T/tiny-trace.txt" <<'EOF'
%kmemlab-trace 1
%source text
%ncpu 2
%clock 1000
1.000000 0 100/100 thread cat kmalloc site=a+0x1 ptr=0x1000 size=24 alloc=32 gfp=GFP_KERNEL flags=sleep
1.000010 0 100/100 thread cat kmem_cache_alloc site=b+0x2 ptr=0x2000 size=184 alloc=192 cache=filp
1.000020 1 200/201 softirq sh kfree site=c+0x3 ptr=0x1000
1.000030 1 200/201 thread sh kfree site=c+0x3 ptr=0x9000
1.000060 0 100/100 thread cat kmem_cache_free ptr=0x2000 cache=filp
1.000070 1 300/300 thread dd kmalloc site=d+0x4 ptr=0x3000 size=5000 alloc=8192
1.000100 0 100/100 thread cat kfree ptr=0x1000
EOF
	"$KMEMLAB" trace load -o "$1" "$T/tiny-trace.txt" 2>/dev/null
}

# done_testing: print the plan; the exit status says whether all passed.
done_testing() {
	printf '1..%d\n' "$tap_n"
	[ "$tap_failed" -eq 0 ] || exit 1
	exit 0
}
