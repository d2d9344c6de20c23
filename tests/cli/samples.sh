#!/bin/sh
# tests/cli/samples.sh: the sample traces bundled under traces/.  Each
# must read whole (trace info exits 0 with the header the import gave it),
# go through the text form and back to the same bytes (trace dump | trace
# load, then cmp), keep the compactness the format promises (at most 8
# bytes per event on average, file size over the event count), and hold
# the event counts traces/README.md states.

. "$(dirname "$0")/lib.sh"

# events_of FILE: the event count that trace info prints for FILE.
events_of() {
	"$KMEMLAB" trace info "$1" | sed -n 's/^events: *\([0-9]*\) .*/\1/p'
}

# name events: as in traces/README.md
for spec in compile:247281 cp:517240 git:109592; do
	name=${spec%%:*}
	want=${spec#*:}
	f=$top_srcdir/traces/$name.kmt
	run "$KMEMLAB" trace info "$f"
	is_status 0 "$name.kmt: trace info reads it whole"
	out_line "events:     $want (0 dropped)" "$name.kmt: $want events, none dropped"
	out_line "kernel:     6.18.44-fc-v669" "$name.kmt: the kernel it was recorded on"
	out_line "cpus:       2" "$name.kmt: 2 CPUs"
	size=$(wc -c < "$f")
	ok "$name.kmt: $size bytes for $want events is at most 8 bytes per event" \
	    test "$size" -le $((want * 8))
	run sh -c '"$1" trace dump "$2" | "$1" trace load -o "$3" -' sh \
	    "$KMEMLAB" "$f" "$T/$name.kmt"
	is_status 0 "$name.kmt: dump | load"
	ok "$name.kmt: dump | load gives the same bytes" cmp -s "$f" "$T/$name.kmt"
	rm -f "$T/$name.kmt"
done

done_testing
