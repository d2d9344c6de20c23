#!/bin/sh
# tests/cli/trace.sh: "kmemlab trace info|dump|load".  Checks the help
# text and every usage error (exit 2, exact message); the exact output of
# "trace info" on a hand-made text trace loaded with "trace load", whose
# figures were computed by hand (see the comment above it); info -a and
# the top 10 of processes; sections with nothing to list ("none");
# standard input and output; the dump/load round trip (cmp-identical
# binary files) for every imported capture of traces/raw and every gen
# workload; bad text lines (FILE:LINE, exit 1, nothing written); and
# damaged traces: truncated copies (head -c) at places whose lost bytes
# follow from the format (kmemlab-trace(5)), a flipped byte in a block and
# in the header, a file that is not a trace.
# Block offsets are found by kmt_layout below, which walks the header and
# the block headers with od and awk, independently of the library.

. "$(dirname "$0")/lib.sh"

RAW=$top_srcdir/traces/raw

# kmt_layout FILE: print "header LEN", then "block OFFSET TAG LEN END" for
# each block (the tag in decimal, LEN the payload length, END the offset
# after it), read from the bytes: the header is 13 fixed bytes, six
# varints, three (varint length, bytes) strings and a 4-byte CRC; a block
# is a tag byte, a varint length, a 4-byte CRC and the payload.
kmt_layout() {
	od -An -v -tu1 "$1" | awk '
	function varint(   v, m, c) {
		v = 0
		m = 1
		do {
			c = b[p++]
			v += (c % 128) * m
			m *= 128
		} while (c >= 128)
		return v
	}
	{ for (i = 1; i <= NF; i++) b[n++] = $i }
	END {
		p = 13
		for (k = 0; k < 6; k++)
			varint()
		for (k = 0; k < 3; k++) {
			len = varint()
			p += len
		}
		p += 4
		print "header", p
		while (p < n) {
			off = p
			tag = b[p++]
			len = varint()
			p += 4 + len
			print "block", off, tag, len, p
		}
	}'
}

# flip_byte FILE OFFSET: replace the byte at OFFSET with its bits inverted.
flip_byte() {
	_b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $((255 - _b)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# ---- help

run "$KMEMLAB" trace --help
is_status 0 "trace --help: exit 0"
ok "trace --help: first line is the usage" \
    test "$(head -n 1 "$RUN_OUT")" = "usage: kmemlab trace info [-a] FILE|- | dump [-o OUT] FILE|- | load [-o OUT] FILE|-"
out_line "trace: describe a trace, or convert it to and from text" \
    "trace --help: summary line"
for opt in "info [-a] FILE" "dump [-o OUT] FILE" "load [-o OUT] FILE" \
    "-a, --all" "-o, --output=OUT" "-h, --help"; do
	out_has "  $opt" "trace --help lists $opt"
done
out_has "(default: the 10 with" "trace --help gives the default of -a"
out_has "(default: standard" "trace --help gives the default of -o"
cp "$RUN_OUT" "$T/help.out"

for form in "help trace" "trace -h" "trace info --help" "trace dump -h" \
    "trace load --help" "tr --help"; do
	run "$KMEMLAB" $form
	is_status 0 "$form: exit 0"
	ok "$form prints the same as trace --help" \
	    cmp -s "$RUN_OUT" "$T/help.out"
done

# ---- usage errors

P="kmemlab trace:"
usage_error "no subcommand" "$P missing subcommand (info, dump or load)" trace
usage_error "unknown subcommand" \
    "$P unknown subcommand 'frob' (info, dump or load)" trace frob
usage_error "a prefix is not a subcommand" \
    "$P unknown subcommand 'inf' (info, dump or load)" trace inf x
for sub in info dump load; do
	usage_error "$sub without a file" \
	    "$P missing input file ('-' for standard input)" trace $sub
	usage_error "$sub with two files" "$P unexpected argument 'b'" \
	    trace $sub a b
	usage_error "$sub --frob" \
	    "$P unknown option '--frob' (try 'kmemlab help trace')" \
	    trace $sub --frob x
done
usage_error "info -o" "$P unknown option '-o' (try 'kmemlab help trace')" \
    trace info -o x y
usage_error "info --output" \
    "$P unknown option '--output' (try 'kmemlab help trace')" \
    trace info --output=x y
usage_error "dump -a" "$P unknown option '-a' (try 'kmemlab help trace')" \
    trace dump -a x
usage_error "load --all" "$P unknown option '--all' (try 'kmemlab help trace')" \
    trace load --all x
usage_error "dump -o without value" "$P option '-o' needs a value" \
    trace dump -o
usage_error "load --output without value" \
    "$P option '--output' needs a value" trace load --output
usage_error "info --all=1" "$P option '--all' takes no value" \
    trace info --all=1 x
usage_error "an option before the subcommand" \
    "$P unknown option '-a' (try 'kmemlab help trace')" trace -a info x

# ---- a hand-made trace, and what info says of it
#
# Clock 1 us; 13 events, a drop of 3 on CPU 1.  By hand:
#  operations: kmalloc 2 (15.4%; requested 24 + 5000 = 5024, allocated
#    32 + 8192 = 8224), kfree 4 (30.8%), kmem_cache_alloc 1 (184, 192),
#    page_alloc 1 of order 2 (4096 << 2 = 16384 both), malloc 1 (100,
#    allocated unknown), realloc 1 (200, unknown), the others 1 each
#    (1/13 = 7.7%);
#  cpus: 0 has events 1, 2, 5, 8, 11 = 5 (38.5%); 1 has 8 (61.5%) and the
#    3 dropped;
#  processes: cat 5, a.out 3 (23.1%), sh 2 and dd 2 (15.4%, by pid),
#    <idle> 1;
#  sizes: 24 in [16, 32), 100 in [64, 128), 184 and 200 in [128, 256),
#    5000 in [4096, 8192), 16384 in [16384, 32768): 6 allocations, the
#    largest bucket 2 (33.3%, 40 '#'), the others 1 (16.7%, 20 '#');
#  frees never allocated: kfree 0x9000 (slab) and page_free 0x77 (pages);
#    kfree 0x0 is not counted; the second kfree 0x1000 is freed already;
#  live at the end: slab 0x3000 (alloc 8192) and page 0x55 (16384): 2
#    objects, 24576 bytes; 0x7000 went with the realloc, 0x7100 was freed;
#  duration 1.000400 - 1.000000 = 0.000400 s; start 1700000000 s is
#    2023-11-14 22:13:20 UTC.
cat >"$T/tiny.txt" <<'EOF'
%kmemlab-trace 1
%source text
%detail "hand-made test trace"
%host testhost
%kernel 6.1.0-test
%ncpu 2
%clock 1000
%start 1700000000000000000
%flags none
# events in the form dump writes them
1.000000 0 100/100 thread cat kmalloc site=a+0x1 ptr=0x1000 size=24 alloc=32 gfp=GFP_KERNEL flags=sleep
1.000010 0 100/100 thread cat kmem_cache_alloc site=b+0x2 ptr=0x2000 size=184 alloc=192 cache=filp
1.000020 1 200/201 softirq sh kfree site=c+0x3 ptr=0x1000
1.000030 1 200/201 thread sh kfree site=c+0x3 ptr=0x9000
1.000040 0 100/100 thread cat page_alloc ptr=0x55 order=2 gfp=GFP_KERNEL flags=sleep
1.000050 1 0/0 softirq <idle> page_free ptr=0x77
drop cpu=1 count=3
1.000060 0 100/100 thread cat kmem_cache_free ptr=0x2000 cache=filp
1.000070 1 300/300 thread dd kmalloc ptr=0x3000 size=5000 alloc=8192
1.000080 1 300/300 thread dd kfree ptr=0x0
1.000100 0 100/100 thread cat kfree ptr=0x1000
1.000200 1 400/400 thread a.out malloc ptr=0x7000 size=100
1.000300 1 400/400 thread a.out realloc ptr=0x7100 old=0x7000 size=200
1.000400 1 400/400 thread a.out free ptr=0x7100
EOF

cat >"$T/tiny.info" <<EOF
trace:      $T/tiny.kmt
format:     kmemlab trace version 1
source:     text (hand-made test trace)
host:       testhost
kernel:     6.1.0-test
cpus:       2
page size:  4096
clock:      1 us
pointers:   addresses
start:      2023-11-14 22:13:20 UTC
duration:   0.000400 s
events:     13 (3 dropped)

operations:
  operation         events  percent  requested  allocated
  kmalloc                2    15.4%       5024       8224
  kfree                  4    30.8%          -          -
  kmem_cache_alloc       1     7.7%        184        192
  kmem_cache_free        1     7.7%          -          -
  page_alloc             1     7.7%      16384      16384
  page_free              1     7.7%          -          -
  malloc                 1     7.7%        100    unknown
  realloc                1     7.7%        200    unknown
  free                   1     7.7%          -          -

cpus:
  cpu  events  percent  dropped
    0       5    38.5%        0
    1       8    61.5%        3

processes:
  pid  comm    events  percent
  100  cat          5    38.5%
  400  a.out        3    23.1%
  200  sh           2    15.4%
  300  dd           2    15.4%
    0  <idle>       1     7.7%

sizes requested by allocations:
     16 -    31  1  16.7%  ####################
     32 -    63  0   0.0%
     64 -   127  1  16.7%  ####################
    128 -   255  2  33.3%  ########################################
    256 -   511  0   0.0%
    512 -  1023  0   0.0%
   1024 -  2047  0   0.0%
   2048 -  4095  0   0.0%
   4096 -  8191  1  16.7%  ####################
   8192 - 16383  0   0.0%
  16384 - 32767  1  16.7%  ####################

frees of pointers never allocated in the trace: 2 (slab 1, pages 1)
frees of pointers freed already: 1 (slab 1)
live at the end: 2 objects, 24576 bytes (slab 1, 8192 bytes; pages 1, 16384 bytes)
EOF

run "$KMEMLAB" trace load -o "$T/tiny.kmt" "$T/tiny.txt"
is_status 0 "load the hand-made trace: exit 0"
out_empty "load -o: nothing on stdout"
err_empty "load -o: nothing on stderr"

run "$KMEMLAB" trace info "$T/tiny.kmt"
is_status 0 "info: exit 0"
err_empty "info: nothing on stderr"
ok "info: the exact output computed by hand" \
    diff "$T/tiny.info" "$RUN_OUT"

run_in "$T/tiny.kmt" "$KMEMLAB" trace info -
is_status 0 "info - (standard input): exit 0"
out_line "trace:      <stdin>" "info -: the trace is <stdin>"
sed 1d "$T/tiny.info" >"$T/tiny.info.rest"
ok "info -: the same figures as from the file" \
    eval 'sed 1d "$RUN_OUT" | cmp -s - "$T/tiny.info.rest"'

run "$KMEMLAB" trace dump "$T/tiny.kmt"
is_status 0 "dump: exit 0"
err_empty "dump: nothing on stderr"
out_line "%kmemlab-trace 1" "dump: the first line"
out_line '%detail "hand-made test trace"' "dump: the detail"
out_line "%end events=13 cpus=2 drops=0,3" "dump: the trailer"
grep -v '^[%#]' "$T/tiny.txt" >"$T/tiny.items"
ok "dump: the event and drop lines are the ones loaded" \
    eval 'grep -v "^[%#]" "$RUN_OUT" | cmp -s - "$T/tiny.items"'
cp "$RUN_OUT" "$T/tiny.dump"

run_in "$T/tiny.kmt" "$KMEMLAB" trace dump -
is_status 0 "dump - (standard input): exit 0"
ok "dump -: the same text" cmp -s "$RUN_OUT" "$T/tiny.dump"

run "$KMEMLAB" trace dump -o "$T/tiny.dump2" "$T/tiny.kmt"
is_status 0 "dump -o: exit 0"
out_empty "dump -o: nothing on stdout"
ok "dump -o: the same text in the file" cmp -s "$T/tiny.dump2" "$T/tiny.dump"
no_tmp_files "dump -o: no temporary file left"

# An OUT that is not a regular file is written in place, not replaced.
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
run "$KMEMLAB" trace dump -o "$T/fifo" "$T/tiny.kmt"
wait
is_status 0 "dump -o FIFO: exit 0"
ok "dump -o FIFO: the text went through the FIFO" \
    cmp -s "$T/fifo.out" "$T/tiny.dump"
ok "dump -o FIFO: the FIFO is still a FIFO" test -p "$T/fifo"

run_in "$T/tiny.dump" "$KMEMLAB" trace load -o "$T/tiny2.kmt" -
is_status 0 "load - (standard input): exit 0"
ok "load -: dump then load gives the same bytes" \
    cmp -s "$T/tiny2.kmt" "$T/tiny.kmt"

"$KMEMLAB" trace load "$T/tiny.txt" >"$T/tiny3.kmt" 2>"$T/err"
ok "load to a pipe or file on standard output: the same bytes" \
    cmp -s "$T/tiny3.kmt" "$T/tiny.kmt"

# ---- info: processes beyond the top 10
#
# 12 processes, pid N with N events: without -a the 10 with the most
# (12 down to 3) and "... 2 more"; with -a all 12.
{
	echo "%kmemlab-trace 1"
	echo "%clock 1000"
	n=1
	while [ $n -le 12 ]; do
		i=0
		while [ $i -lt $n ]; do
			echo "0.000001 0 $n/$n thread p$n kfree ptr=0x0"
			i=$((i + 1))
		done
		n=$((n + 1))
	done
} >"$T/procs.txt"
run "$KMEMLAB" trace load -o "$T/procs.kmt" "$T/procs.txt"
is_status 0 "12 processes: load: exit 0"
run "$KMEMLAB" trace info "$T/procs.kmt"
is_status 0 "12 processes: info: exit 0"
out_line "events:     78 (0 dropped)" "12 processes: 1 + ... + 12 = 78 events"
out_line "   12  p12       12    15.4%" "12 processes: the first is pid 12"
out_line "    3  p3         3     3.8%" "12 processes: the tenth is pid 3"
out_line "  ... 2 more (-a lists all)" "12 processes: 2 more"
out_lacks_re "^ +2  p2 " "12 processes: pid 2 not listed"
out_line "cpus:       unknown (events on 1 CPU)" \
    "no %ncpu: cpus unknown, with the CPUs that have events"
out_line "source:     text" "no %source or %detail: source text"
ok "frees of NULL only: the sizes section says none" \
    test "$(sed -n '/^sizes requested by allocations:$/{n;p;}' "$RUN_OUT")" = "  none"
run "$KMEMLAB" trace info -a "$T/procs.kmt"
is_status 0 "12 processes: info -a: exit 0"
out_line "    1  p1         1     1.3%" "info -a: pid 1 listed"
out_lacks_re "more \(-a lists all\)" "info -a: no 'more' line"
ok "info -a: 12 process rows" \
    test "$(grep -c '^ *[0-9]*  p[0-9]* ' "$RUN_OUT")" -eq 12

# ---- an empty trace

printf '%%kmemlab-trace 1\n' >"$T/empty.txt"
run "$KMEMLAB" trace load -o "$T/empty.kmt" "$T/empty.txt"
is_status 0 "empty trace: load: exit 0"
run "$KMEMLAB" trace info "$T/empty.kmt"
is_status 0 "empty trace: info: exit 0"
out_line "events:     0 (0 dropped)" "empty trace: no events"
out_line "duration:   0.000000000 s" "empty trace: duration 0 (clock 1 ns)"
out_line "  none" "empty trace: empty sections say none"
ok "empty trace: the four sections say none" \
    test "$(grep -cx '  none' "$RUN_OUT")" -eq 4
out_line "live at the end: 0 objects, 0 bytes" "empty trace: nothing live"

# ---- round trips: dump | load gives the same bytes

for f in "$RAW"/*.txt; do
	name=$(basename "$f" .txt)
	"$KMEMLAB" import -q -o "$T/$name.kmt" "$f" 2>"$T/err"
	ok "$name: imported" test -s "$T/$name.kmt"
	"$KMEMLAB" trace dump "$T/$name.kmt" 2>"$T/err" |
	    "$KMEMLAB" trace load -o "$T/$name.rt.kmt" - 2>>"$T/err"
	ok "$name: trace dump | trace load gives the same bytes" \
	    cmp -s "$T/$name.kmt" "$T/$name.rt.kmt"
done

for w in random prodcons magazine vmemfrag pressure; do
	"$KMEMLAB" gen $w -n 20000 -q -o "$T/$w.kmt" $(
	    [ $w = pressure ] && echo --peak=8M) 2>"$T/err"
	ok "gen $w: written" test -s "$T/$w.kmt"
	"$KMEMLAB" trace dump -o "$T/$w.txt" "$T/$w.kmt" 2>"$T/err"
	"$KMEMLAB" trace load -o "$T/$w.rt.kmt" "$T/$w.txt" 2>>"$T/err"
	ok "gen $w: dump -o, load -o give the same bytes" \
	    cmp -s "$T/$w.kmt" "$T/$w.rt.kmt"
done

# ---- bad text: FILE:LINE, exit 1, nothing written

# load_error FILE MESSAGE DESC: loading the text FILE into an existing
# file fails with "kmemlab trace: FILE:MESSAGE" and leaves it as it was;
# into a new file, makes none.
load_error() {
	echo "old contents" >"$T/old.kmt"
	cp "$T/old.kmt" "$T/old.copy"
	run "$KMEMLAB" trace load -o "$T/old.kmt" "$1"
	is_status 1 "$3: exit 1"
	err_is "kmemlab trace: $1:$2" \
	    "$3: stderr is exactly the message"
	ok "$3: the output file is unchanged" cmp -s "$T/old.kmt" "$T/old.copy"
	rm -f "$T/new.kmt"
	run "$KMEMLAB" trace load -o "$T/new.kmt" "$1"
	is_status 1 "$3: into a new file: exit 1"
	ok "$3: a new output file is not made" test ! -e "$T/new.kmt"
	no_tmp_files "$3: no temporary file left"
}

# The 11th line of the hand-made trace (its first event), with a bad
# pointer.
sed '11s/ptr=0x1000/ptr=0xzz/' "$T/tiny.txt" >"$T/bad1.txt"
load_error "$T/bad1.txt" "11: bad ptr= value '0xzz'" \
    "a bad pointer on line 11"
echo hello >"$T/bad2.txt"
load_error "$T/bad2.txt" \
    "1: not a kmemlab trace text (the first line must be '%kmemlab-trace 1')" \
    "a text without the first line"
printf '%%kmemlab-trace 1\n1.000000 0 1/1 thread a kmalloc ptr=0x1 size=1\n' \
    >"$T/bad.txt"
load_error "$T/bad.txt" \
    "2: bad timestamp '1.000000' (expected seconds with 9 decimals)" \
    "a timestamp with the wrong decimals"

run_in "$T/bad.txt" "$KMEMLAB" trace load -o "$T/new.kmt" -
is_status 1 "bad text on standard input: exit 1"
err_has "kmemlab trace: <stdin>:2: " "bad text on standard input: <stdin>:2"

run "$KMEMLAB" trace load -o "$T/new.kmt" "$T/nofile.txt"
is_status 1 "load of a missing file: exit 1"
err_is "kmemlab trace: $T/nofile.txt: No such file or directory" \
    "load of a missing file: message"

# ---- damaged traces

# A trace of several blocks.
"$KMEMLAB" gen random -n 100000 -q -o "$T/big.kmt"
kmt_layout "$T/big.kmt" >"$T/big.layout"
size=$(wc -c <"$T/big.kmt")
hdr=$(awk '$1 == "header" { print $2 }' "$T/big.layout")
b2=$(awk '$1 == "block" { if (++n == 2) print $2 }' "$T/big.layout")
ok "the layout of big.kmt adds up to its size" \
    test "$(tail -n 1 "$T/big.layout" | awk '{ print $5 }')" = "$size"
ok "big.kmt has at least 3 blocks" \
    test "$(grep -c '^block' "$T/big.layout")" -ge 3
ok "every block of big.kmt has the tag 0xb1" \
    eval '! awk '"'"'$1 == "block" && $3 != 177'"'"' "$T/big.layout" | grep -q .'

# truncated CUT LOST DESC: a copy of big.kmt cut to CUT bytes is read up
# to the cut, then "truncated at byte CUT: ..., LOST bytes ... lost".
truncated() {
	head -c "$1" "$T/big.kmt" >"$T/cut.kmt"
	run "$KMEMLAB" trace info "$T/cut.kmt"
	is_status 1 "$3: info: exit 1"
	err_is "kmemlab trace: $T/cut.kmt: truncated at byte $1: the trailer is missing, $2 bytes after the last whole record lost" \
	    "$3: info: stderr is exactly the message"
	out_has "events:     " "$3: info printed what it read"
	run "$KMEMLAB" trace dump -o "$T/cut.txt" "$T/cut.kmt"
	is_status 1 "$3: dump -o: exit 1"
	ok "$3: dump -o: nothing written" test ! -e "$T/cut.txt"
	no_tmp_files "$3: dump -o: no temporary file left"
}

# Cut right after the header or a block: no record was cut.
truncated "$hdr" 0 "cut after the header"
run "$KMEMLAB" trace info "$T/cut.kmt"
out_line "events:     0 (0 dropped)" "cut after the header: no events"
truncated "$b2" 0 "cut after the first block"
# Inside a block's tag, length and CRC: the bytes of the block so far.
truncated $((hdr + 3)) 3 "cut 3 bytes into the first block"
truncated $((b2 + 5)) 5 "cut 5 bytes into the second block"

# The hand-made trace ends with its trailer: tag 1 byte, events (13)
# 1, the number of operations (18) 1, 18 counts of 1 byte each, ncpu (2)
# 1 and the drops 0 and 3, 1 each: 24 bytes, so a cut 1 byte before the
# end loses 23, after all 13 events and the drop.
tsize=$(wc -c <"$T/tiny.kmt")
head -c $((tsize - 1)) "$T/tiny.kmt" >"$T/cut.kmt"
run "$KMEMLAB" trace info "$T/cut.kmt"
is_status 1 "cut in the trailer: exit 1"
err_is "kmemlab trace: $T/cut.kmt: truncated at byte $((tsize - 1)): the trailer is missing, 23 bytes after the last whole record lost" \
    "cut in the trailer: stderr is exactly the message"
out_line "events:     13 (3 dropped)" "cut in the trailer: every event and drop"
out_line "live at the end: 2 objects, 24576 bytes (slab 1, 8192 bytes; pages 1, 16384 bytes)" \
    "cut in the trailer: the figures of the whole trace"

run "$KMEMLAB" trace dump "$T/cut.kmt"
is_status 1 "cut in the trailer: dump: exit 1"
ok "cut in the trailer: dump writes the events, without %end" \
    eval 'grep -v "^%end" "$T/tiny.dump" | cmp -s - "$RUN_OUT"'

head -c 20 "$T/big.kmt" >"$T/cut.kmt"
run "$KMEMLAB" trace info "$T/cut.kmt"
is_status 1 "cut in the header: exit 1"
err_is "kmemlab trace: $T/cut.kmt: truncated at byte 20: the header is incomplete" \
    "cut in the header: stderr is exactly the message"
out_empty "cut in the header: nothing on stdout"

# A flipped byte in the second block: its CRC names its offset.
cp "$T/big.kmt" "$T/flip.kmt"
flip_byte "$T/flip.kmt" $((b2 + 100))
ok "the flipped copy differs" eval '! cmp -s "$T/flip.kmt" "$T/big.kmt"'
run "$KMEMLAB" trace info "$T/flip.kmt"
is_status 1 "flipped byte in block 2: exit 1"
err_is "kmemlab trace: $T/flip.kmt: byte $b2: block checksum mismatch" \
    "flipped byte in block 2: stderr is exactly the message"
out_has "events:     " "flipped byte in block 2: info printed the first block"
run "$KMEMLAB" trace dump -o "$T/flip.txt" "$T/flip.kmt"
is_status 1 "flipped byte: dump -o: exit 1"
ok "flipped byte: dump -o: nothing written" test ! -e "$T/flip.txt"

# A flipped byte in the header's detail string: the header CRC.
cp "$T/big.kmt" "$T/flip.kmt"
flip_byte "$T/flip.kmt" 30
run "$KMEMLAB" trace info "$T/flip.kmt"
is_status 1 "flipped byte in the header: exit 1"
err_is "kmemlab trace: $T/flip.kmt: byte $((hdr - 4)): header checksum mismatch" \
    "flipped byte in the header: stderr is exactly the message"
out_empty "flipped byte in the header: nothing on stdout"

# Not a trace at all.
run "$KMEMLAB" trace info "$RAW/README.md"
is_status 1 "a text file: exit 1"
err_is "kmemlab trace: $RAW/README.md: not a kmemlab trace (bad magic at byte 0)" \
    "a text file: stderr is exactly the message"
out_empty "a text file: nothing on stdout"

run_in "$RAW/README.md" "$KMEMLAB" trace dump -
is_status 1 "a text file on standard input: exit 1"
err_line "kmemlab trace: <stdin>: not a kmemlab trace (bad magic at byte 0)" \
    "a text file on standard input: named <stdin>"

run "$KMEMLAB" trace info "$T/nofile.kmt"
is_status 1 "a missing file: exit 1"
err_line "kmemlab trace: $T/nofile.kmt: No such file or directory" \
    "a missing file: message"

run "$KMEMLAB" trace dump -o "$T/nodir/x.txt" "$T/tiny.kmt"
is_status 1 "dump -o into a missing directory: exit 1"
err_line "kmemlab trace: $T/nodir/x.txt: No such file or directory" \
    "dump -o into a missing directory: message"

# ---- a binary trace is never written to a terminal

if have_tty; then
	run_tty "$KMEMLAB" trace load "$T/tiny.txt"
	is_status 2 "load to a terminal: exit 2"
	err_is "kmemlab trace: refusing to write a binary trace to a terminal (use -o FILE)" \
	    "load to a terminal: only the message"
	run_tty "$KMEMLAB" trace load -o - "$T/tiny.txt"
	is_status 2 "load -o - to a terminal: exit 2"
	run_tty "$KMEMLAB" trace load -o "$T/tty.kmt" "$T/tiny.txt"
	is_status 0 "load -o FILE with a terminal: exit 0"
	ok "load -o FILE with a terminal: the same bytes" \
	    cmp -s "$T/tty.kmt" "$T/tiny.kmt"
else
	skip 5 "no terminal: script(1) of util-linux missing or no pty"
fi

done_testing
