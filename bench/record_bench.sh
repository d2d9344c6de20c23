#!/bin/sh
# bench/record_bench.sh: what "kmemlab record" sustains and costs.
#
#  1. kernel mode: tests/record_prog open N (open and close /dev/null N
#     times: about six kmem events each) recorded with --kernel; prints
#     the events, the program's wall time, events per second and drops;
#  2. user mode: tests/record_prog churn N (N malloc/free pairs) recorded
#     in user mode, the same figures;
#  3. overhead: the wall time of record_prog churn N alone, under
#     kmemlab record, and under a bpftrace one-liner with the same probes
#     (uprobe and uretprobe on malloc, uprobe on free, one line of output
#     per event, as kmemlab writes one event); skipped with a message
#     when bpftrace is not installed (Debian: apt-get install bpftrace).
# Each overhead figure is the best of RUNS runs (default 3).  Needs root.
# "make bench-record" in the build directory builds what it needs and runs
# it; KMEMLAB, PROG, N_OPEN, N_CHURN and RUNS may be set.
set -u

KMEMLAB=${KMEMLAB:-./src/kmemlab}
PROG=${PROG:-./tests/record_prog}
N_OPEN=${N_OPEN:-200000}
N_CHURN=${N_CHURN:-1000000}
RUNS=${RUNS:-3}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

if [ "$(id -u)" != 0 ]; then
	echo "record_bench: needs root (BPF)" >&2
	exit 1
fi

# measure CMD...: run CMD (whose output ends with record_prog churn's
# line "N SECONDS"); print its wall time and the churn loop's own time.
measure() {
	_s=$(date +%s.%N)
	"$@" >"$T/m.out" 2>"$T/m.err"
	_e=$(date +%s.%N)
	_own=$(awk 'NF == 2 && $1 ~ /^[0-9]+$/ { o = $2 } END { print o }' \
	    "$T/m.out")
	awk -v s="$_s" -v e="$_e" -v o="$_own" 'BEGIN {
		printf "%.3f %.3f\n", e - s, o }'
}

# best CMD...: the least wall and loop times of RUNS runs of CMD.
best() {
	_bw=
	_bo=
	_i=0
	while [ "$_i" -lt "$RUNS" ]; do
		_m=$(measure "$@")
		_bw=$(echo "$_m" | awk -v a="$_bw" '{
			print (a == "" || $1 < a) ? $1 : a }')
		_bo=$(echo "$_m" | awk -v a="$_bo" '{
			print (a == "" || $2 < a) ? $2 : a }')
		_i=$((_i + 1))
	done
	echo "$_bw $_bo"
}

# recorded MODE DESC CMD...: record CMD in MODE (--kernel or --user) and
# print events, the command's wall time, events/s and drops.
recorded() {
	_mode=$1
	_desc=$2
	shift 2
	"$KMEMLAB" record "$_mode" -o "$T/r.kmt" -- "$@" >/dev/null \
	    2>"$T/r.err"
	_ev=$(sed -n 's/.*: \([0-9]*\) events in .*/\1/p' "$T/r.err")
	_drop=$(sed -n 's/.*), \([0-9]*\) dropped$/\1/p' "$T/r.err")
	# the command's own wall time, from the trace's first to last event
	_span=$("$KMEMLAB" trace info "$T/r.kmt" |
	    sed -n 's/^duration: *\([0-9.]*\) s$/\1/p')
	awk -v d="$_desc" -v e="$_ev" -v s="$_span" -v x="$_drop" 'BEGIN {
		printf "%-30s %9d events in %6.3f s = %9.0f events/s, %d dropped\n",
		    d, e, s, (s > 0 ? e / s : 0), x }'
}

echo "== events per second (default 8M buffer; sustained when 0 dropped)"
recorded --kernel "kernel: open x $N_OPEN" "$PROG" open "$N_OPEN"
recorded --user "user: churn x $N_CHURN" "$PROG" churn "$N_CHURN"

echo
echo "== overhead: record_prog churn $N_CHURN, best of $RUNS, seconds"
echo "                    wall      churn loop"
alone=$(best "$PROG" churn "$N_CHURN")
echo "$alone" | awk '{ printf "alone:              %-9s %s\n", $1, $2 }'
kml=$(best "$KMEMLAB" record -q -o "$T/o.kmt" -- "$PROG" churn "$N_CHURN")
echo "$kml" | awk '{ printf "kmemlab record:     %-9s %s\n", $1, $2 }'
libc=$(awk '$NF ~ /\/libc[.-]/ { print $NF; exit }' /proc/self/maps)
if command -v bpftrace >/dev/null 2>&1; then
	prog='uprobe:'$libc':malloc /pid == cpid/ { @sz[tid] = arg0; }
uretprobe:'$libc':malloc /pid == cpid/ {
	printf("%d %d malloc %lu %lx\n", pid, tid, @sz[tid], retval);
	delete(@sz[tid]); }
uprobe:'$libc':free /pid == cpid/ {
	printf("%d %d free %lx\n", pid, tid, arg0); }'
	bt=$(best bpftrace -q -o "$T/bt.out" -e "$prog" -c \
	    "$PROG churn $N_CHURN")
	echo "$bt" | awk '{ printf "bpftrace:           %-9s %s\n", $1, $2 }'
	lost=$(sed -n 's/^Lost \([0-9]*\) events$/\1/p' "$T/bt.out" |
	    awk '{ n += $1 } END { print n + 0 }')
	echo "bpftrace lost $lost events (perf buffer) in its last run"
else
	echo "bpftrace:           not installed (apt-get install bpftrace)"
fi
