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
#   diag TEXT                a "# " comment line
#   done_testing             print the plan "1..N"; exit 1 if a check failed
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

# done_testing: print the plan; the exit status says whether all passed.
done_testing() {
	printf '1..%d\n' "$tap_n"
	[ "$tap_failed" -eq 0 ] || exit 1
	exit 0
}
