#!/bin/sh
# bench/instructions.sh: instructions per event of the replay, counted by
# valgrind's cachegrind, for figures that do not move with the machine's
# load (wall-clock figures on a shared virtual machine vary by +-15% or
# more from run to run; instruction counts are the same on every run).
#
# For each trace, replay_bench runs one stage at a time under
# `valgrind --tool=cachegrind --cache-sim=no`: decode (reading the events),
# malloc (the bare replay through the C library's malloc and a pointer
# map) and replay (the full simulation, netbsd policy, afap, no
# database).  The instructions of a run that does nothing (process start,
# libraries) are taken off each count, which is then divided by the
# trace's events.  The last column is replay / malloc.
#
# Usage (from the build directory; make bench-instr does this):
#   top_srcdir=SRC sh bench/instructions.sh [FILE.kmt ...]
# With no file: SRC/traces/*.kmt and a generated trace of 1,000,000
# events (gen random --cpus 8 --seed 1).  Needs valgrind; without it,
# says so and exits 77.
set -eu

top_srcdir=${top_srcdir:-.}
LIBTOOL=${LIBTOOL:-./libtool}
BENCH=${BENCH:-./bench/replay_bench}
KMEMLAB=${KMEMLAB:-./src/kmemlab}

if ! command -v valgrind >/dev/null 2>&1; then
	echo "instructions.sh: valgrind is not installed (apt-get install valgrind)" >&2
	exit 77
fi

tmp=$(mktemp -d /tmp/kmemlab-instr.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

# irefs STAGES FILE: instructions of one replay_bench run.
irefs() {
	"$LIBTOOL" --mode=execute valgrind --tool=cachegrind --cache-sim=no \
	    --cachegrind-out-file=/dev/null "$BENCH" -r 1 -s "$1" "$2" \
	    2>"$tmp/vg" >/dev/null || {
		echo "instructions.sh: replay_bench -s $1 $2 failed:" >&2
		cat "$tmp/vg" >&2
		exit 1
	}
	sed -n 's/.*I *refs: *//p' "$tmp/vg" | tr -d ,
}

if [ $# -eq 0 ]; then
	"$KMEMLAB" gen random --cpus 8 --events 1000000 --seed 1 \
	    -o "$tmp/gen1m.kmt" >/dev/null
	set -- "$top_srcdir"/traces/*.kmt "$tmp/gen1m.kmt"
fi

echo "instructions.sh: instructions per event (valgrind cachegrind); replay = netbsd policy, trace CPUs, afap, no database"
printf '%-16s %10s %8s %8s %8s %14s\n' trace events decode malloc replay replay/malloc
for f in "$@"; do
	events=$("$KMEMLAB" trace info "$f" | sed -n 's/^ *events: *\([0-9]*\).*/\1/p' | head -1)
	if [ -z "$events" ] || [ "$events" -eq 0 ]; then
		echo "instructions.sh: $f: no events" >&2
		exit 1
	fi
	none=$(irefs x "$f")
	d=$(irefs d "$f")
	m=$(irefs m "$f")
	r=$(irefs r "$f")
	awk -v f="$(basename "$f")" -v n="$events" -v z="$none" -v d="$d" \
	    -v m="$m" -v r="$r" 'BEGIN {
		printf "%-16s %10d %8.0f %8.0f %8.0f %14.2f\n", f, n,
		    (d - z) / n, (m - z) / n, (r - z) / n, (r - z) / (m - z)
	}'
done
