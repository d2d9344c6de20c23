#!/bin/sh
# tests/cli/import.sh: "kmemlab import".  Checks the help text and every
# usage error (exit 2, exact message); the import of each capture in
# traces/raw, ftrace and perf, detected and with -f, with the exact report
# lines, whose counts are computed here with grep and wc from the text
# (events per operation too, through "trace info"); the default output
# name; malformed lines made by editing a copy of a real line (exit 1,
# "FILE:LINE: ...", nothing written, an existing output unchanged) and -k;
# lost markers; the header held back until the pointers are known (page
# events and kfree(NULL) first, a lost marker and a malformed line among
# the held events, the limit of 65536); header options, empty and
# comment-only input, a last line without newline, CRLF line ends, an
# overlong line; devices as output (/dev/null: the bytes that went
# through; /dev/full: the write error, reported once, also on standard
# output); standard input and output ("-", pipes into "trace info -");
# and that a binary trace is never written to a terminal (script(1) gives
# the command one).

. "$(dirname "$0")/lib.sh"

RAW=$top_srcdir/traces/raw
FTRACE_EVENTS='kmalloc|kfree|kmem_cache_alloc|kmem_cache_free|mm_page_alloc|mm_page_free'

# skipped_text COMMENT OTHER MALFORMED LOST: the end of the report's
# first line: "N skipped (...)" with the reasons counted more than 0.
skipped_text() {
	_n=$(($1 + $2 + $3 + $4))
	_why=
	[ "$1" -gt 0 ] && _why="$_why, $1 comment"
	[ "$2" -gt 0 ] && _why="$_why, $2 other event"
	[ "$3" -gt 0 ] && _why="$_why, $3 malformed"
	[ "$4" -gt 0 ] && _why="$_why, $4 lost marker"
	if [ "$_n" -eq 0 ]; then
		echo "0 skipped"
	else
		echo "$_n skipped (${_why#, })"
	fi
}

# ---- help

run "$KMEMLAB" import --help
is_status 0 "import --help: exit 0"
ok "import --help: first line is the usage" \
    test "$(head -n 1 "$RUN_OUT")" = "usage: kmemlab import [-f ftrace|perf] [-o OUT] [-k] [--ncpu N] [--host NAME] [--kernel RELEASE] [-q] [FILE|-]"
out_line "import: convert ftrace or perf script kmem text into a trace" \
    "import --help: summary line"
for opt in "-f, --format=FORMAT" "-o, --output=OUT" "-k, --keep-going" \
    "    --ncpu=N" "    --host=NAME" "    --kernel=RELEASE" "-q, --quiet" \
    "-h, --help"; do
	out_has "  $opt" "import --help lists $opt"
done
for default in "(default: detected from the first event line)" \
    "(default: FILE's base name" "instead of stopping at the" \
    "(default: from the text, \"#P:N\"" "(default: from perf's header" \
    "(default: report)"; do
	out_has "$default" "import --help gives the default $default"
done
out_has "--ncpu, --host and --kernel win over what the text says." \
    "import --help: the options win over the text"
cp "$RUN_OUT" "$T/help.out"
for form in "help import" "import -h" "im --help"; do
	run "$KMEMLAB" $form
	is_status 0 "$form: exit 0"
	ok "$form prints the same as import --help" \
	    cmp -s "$RUN_OUT" "$T/help.out"
done

# ---- usage errors

P="kmemlab import:"
F=$RAW/ftrace-git.txt
usage_error "-f json" "$P bad format 'json': not ftrace or perf" \
    import -f json "$F"
usage_error "--format=" "$P bad format '': not ftrace or perf" \
    import --format= "$F"
usage_error "--ncpu=0" "$P bad ncpu '0': not in 1..4096" import --ncpu=0 "$F"
usage_error "--ncpu=4097" "$P bad ncpu '4097': not in 1..4096" \
    import --ncpu=4097 "$F"
usage_error "--ncpu=two" "$P bad ncpu 'two': not a number" \
    import --ncpu=two "$F"
long=$(awk 'BEGIN { for (i = 0; i < 1024; i++) printf "h" }')
usage_error "--host of 1024 bytes" \
    "$P bad host '$long': longer than 1023 bytes" import --host="$long" "$F"
usage_error "--kernel of 1024 bytes" \
    "$P bad kernel '$long': longer than 1023 bytes" \
    import --kernel "$long" "$F"
usage_error "--frob" "$P unknown option '--frob' (try 'kmemlab help import')" \
    import --frob "$F"
usage_error "-x" "$P unknown option '-x' (try 'kmemlab help import')" \
    import -x "$F"
usage_error "-o without value" "$P option '-o' needs a value" import -o
usage_error "--format without value" "$P option '--format' needs a value" \
    import --format
usage_error "--quiet=1" "$P option '--quiet' takes no value" \
    import --quiet=1 "$F"
usage_error "--keep-going=yes" "$P option '--keep-going' takes no value" \
    import --keep-going=yes "$F"
usage_error "two files" "$P unexpected argument '$F'" import "$F" "$F"

# ---- the captures, as they are (ftrace, perf script, trace-cmd report)
#
# Expected counts: lines from wc -l; converted lines are the six kmem
# events (" EVENT: " for ftrace, " kmem:EVENT: " for perf), counted with
# grep; comments are the '#' lines (ftrace's 12-line header) and blank
# lines; other events are the other "name: " event lines
# (tracing_mark_write).

mkdir "$T/out"
for f in "$RAW"/*.txt; do
	name=$(basename "$f" .txt)
	lines=$(wc -l <"$f")
	comment=$(grep -c -e '^#' -e '^$' "$f")
	case $name in
	ftrace-*)
		fmt=ftrace
		conv=$(grep -cE ": ($FTRACE_EVENTS): " "$f")
		;;
	trace-cmd-*)
		# trace-cmd report: its "cpus=N" first line is a header line
		fmt=ftrace
		comment=$(grep -c -e '^#' -e '^$' -e '^cpus=' "$f")
		conv=$(grep -cE ": ($FTRACE_EVENTS): " "$f")
		;;
	perf-*)
		fmt=perf
		conv=$(grep -cE " kmem:($FTRACE_EVENTS): " "$f")
		;;
	esac
	other=$((lines - conv - comment))
	ok "$name: the text has other events only as tracing_mark_write" \
	    test "$other" -eq "$(grep -c ' tracing_mark_write: ' "$f")"

	rm -f "$T/out/$name.kmt"
	(cd "$T/out" && run "$KMEMLAB" import "$f" &&
	    echo "$RUN_STATUS" >"$T/status")
	RUN_STATUS=$(cat "$T/status")
	is_status 0 "$name: exit 0"
	out_empty "$name: nothing on stdout"
	ok "$name: written as $name.kmt in the current directory" \
	    test -s "$T/out/$name.kmt"
	bytes=$(wc -c <"$T/out/$name.kmt")
	err_is "$P $f: $lines lines read, $conv converted, $(skipped_text \
	    "$comment" "$other" 0 0)
$P wrote $name.kmt: $conv events, $bytes bytes, $(bpe "$bytes" "$conv") bytes/event" \
	    "$name: the report, exactly"

	run "$KMEMLAB" trace info "$T/out/$name.kmt"
	is_status 0 "$name: trace info: exit 0"
	out_line "source:     import ($fmt $f)" "$name: detected as $fmt"
	out_line "events:     $conv (0 dropped)" "$name: $conv events"
	out_line "clock:      1 us" "$name: 6 decimals, clock 1 us"
	for e in kmalloc kfree kmem_cache_alloc kmem_cache_free \
	    mm_page_alloc mm_page_free; do
		op=${e#mm_}
		if [ $fmt = ftrace ]; then
			n=$(grep -c ": $e: " "$f")
		else
			n=$(grep -c " kmem:$e: " "$f")
		fi
		ok "$name: $n $e lines, $n $op events" \
		    test "$(op_events "$op")" -eq "$n"
	done
	if [ "$name" = trace-cmd-report ]; then
		out_line "pointers:   addresses" \
		    "$name: trace-cmd report prints the raw pointers"
		out_line "cpus:       2" "$name: cpus=2 gives 2 CPUs"
	elif [ $fmt = ftrace ]; then
		out_line "pointers:   hashed" "$name: ftrace pointers are hashed"
		out_line "cpus:       2" "$name: #P:2 gives 2 CPUs"
	else
		out_line "pointers:   addresses" "$name: perf pointers are addresses"
		out_line "cpus:       unknown (events on 2 CPUs)" \
		    "$name: perf script without header: CPUs unknown"
	fi

	run "$KMEMLAB" import -q -f $fmt -o "$T/out/$name.f.kmt" "$f"
	is_status 0 "$name: -f $fmt: exit 0"
	err_empty "$name: -q: nothing on stderr"
	ok "$name: -f $fmt gives the same file as detection" \
	    cmp -s "$T/out/$name.f.kmt" "$T/out/$name.kmt"
done

# trace-cmd report, field by field: its first kmalloc and mm_page_alloc
# lines (the "(call_site)" column before the fields, no flags column).
run "$KMEMLAB" import -q -o "$T/tc.kmt" "$RAW/trace-cmd-report.txt"
run sh -c '"$1" trace dump "$2" | grep -m1 " kmalloc "' sh "$KMEMLAB" "$T/tc.kmt"
out_line "9826.564807 0 32236/32236 thread bash kmalloc site=lsm_blob_alloc+0x3b ptr=0xffff88812f1061f0 size=11 alloc=16 gfp=GFP_KERNEL_ACCOUNT|__GFP_ZERO flags=sleep|zero|account" \
    "trace-cmd report: a kmalloc line, every field"
run sh -c '"$1" trace dump "$2" | grep -m1 " page_alloc "' sh "$KMEMLAB" "$T/tc.kmt"
out_line "9826.564832 0 32236/32236 thread bash page_alloc ptr=0x108e93 gfp=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP flags=sleep|zero|account" \
    "trace-cmd report: an mm_page_alloc line, the pfn as pointer (order 0 is not printed)"

# The wrong format: an error at the first event line, nothing written.
run "$KMEMLAB" import -f perf -o "$T/wrong.kmt" "$RAW/ftrace-git.txt"
is_status 1 "ftrace text with -f perf: exit 1"
err_is "$P $RAW/ftrace-git.txt:13: an ftrace line in a perf script trace" \
    "ftrace text with -f perf: the first event line (after 12 comments)"
ok "ftrace text with -f perf: nothing written" test ! -e "$T/wrong.kmt"
run "$KMEMLAB" import -f ftrace -o "$T/wrong.kmt" "$RAW/perf-git.txt"
is_status 1 "perf text with -f ftrace: exit 1"
err_is "$P $RAW/perf-git.txt:1: a perf script line in an ftrace trace" \
    "perf text with -f ftrace: line 1"
ok "perf text with -f ftrace: nothing written" test ! -e "$T/wrong.kmt"

# ---- the default output name: the base name, last extension replaced

mkdir "$T/in" "$T/names"
head -n 20 "$RAW/ftrace-git.txt" >"$T/head.txt"
for pair in "a.b.txt a.b.kmt" "noext noext.kmt" ".hidden .hidden.kmt" \
    "t.kmt t.kmt"; do
	set -- $pair
	cp "$T/head.txt" "$T/in/$1"
	(cd "$T/names" && "$KMEMLAB" import -q "$T/in/$1")
	ok "input $1: output $2 in the current directory" \
	    test -s "$T/names/$2"
done
ok "no output beside the input" test "$(ls -a "$T/in" | grep -c kmt)" -eq 1
cp "$T/in/t.kmt" "$T/t.copy"
(cd "$T/in" && run "$KMEMLAB" import t.kmt && echo "$RUN_STATUS" >"$T/status")
RUN_STATUS=$(cat "$T/status")
is_status 2 "an input whose default output is itself: exit 2"
err_is "$P output 't.kmt' is the input file (use -o OUT)" \
    "an input whose default output is itself: message"
ok "an input whose default output is itself: left as it was" \
    cmp -s "$T/in/t.kmt" "$T/t.copy"
run "$KMEMLAB" import -o "$T/in/../in/a.b.txt" "$T/in/a.b.txt"
is_status 2 "-o naming the input by another path: exit 2"
err_is "$P output '$T/in/../in/a.b.txt' is the input file (use -o OUT)" \
    "-o naming the input by another path: message"

# ---- malformed lines: FILE:LINE, exit 1, nothing written
#
# Line 18 of ftrace-git.txt is a kmalloc with bytes_req=16 and
# call_site=tracing_mark_open+0xe4/0x230; line 5 of perf-git.txt a
# kmem_cache_alloc with ptr=0xffff88813d1becc0.

ok "line 18 of ftrace-git.txt is the kmalloc expected" \
    test "$(sed -n '18p' "$RAW/ftrace-git.txt" | grep -c ' kmalloc: .* bytes_req=16 ')" -eq 1
ok "line 5 of perf-git.txt is the kmem_cache_alloc expected" \
    test "$(sed -n '5p' "$RAW/perf-git.txt" | grep -c 'kmem_cache_alloc: .* ptr=0xffff88813d1becc0 ')" -eq 1

# malformed NAME SOURCE SED MESSAGE: the copy $T/NAME.txt of SOURCE
# edited by SED fails with "kmemlab import: $T/NAME.txt:MESSAGE".
malformed() {
	sed "$3" "$2" >"$T/$1.txt"
	ok "$1: the edit changed the text" \
	    eval '! cmp -s "$T/$1.txt" "$2"'
	run "$KMEMLAB" import -o "$T/$1.kmt" "$T/$1.txt"
	is_status 1 "$1: exit 1"
	err_is "$P $T/$1.txt:$4" "$1: stderr is exactly the message"
	out_empty "$1: nothing on stdout"
	ok "$1: -o file not made" test ! -e "$T/$1.kmt"
	no_tmp_files "$1: no temporary file left"
	echo "old contents" >"$T/$1.kmt"
	cp "$T/$1.kmt" "$T/$1.copy"
	run "$KMEMLAB" import -o "$T/$1.kmt" "$T/$1.txt"
	is_status 1 "$1, existing output: exit 1"
	ok "$1: an existing output is unchanged" \
	    cmp -s "$T/$1.kmt" "$T/$1.copy"
	rm -f "$T/$1.kmt"
	(cd "$T/out" && "$KMEMLAB" import "$T/$1.txt" 2>/dev/null)
	ok "$1: the default output is not made" test ! -e "$T/out/$1.kmt"
}

malformed bytes_req "$RAW/ftrace-git.txt" '18s/bytes_req=16/bytes_req=x/' \
    "18: kmalloc: bad bytes_req= value 'x'"
malformed call_site "$RAW/ftrace-git.txt" '18s/call_site=[^ ]* //' \
    "18: kmalloc: missing call_site="
malformed gfp "$RAW/ftrace-git.txt" '18s/gfp_flags=GFP_KERNEL/gfp_flags=GFP_BOGUS/' \
    "18: kmalloc: unknown gfp_flags= name 'GFP_BOGUS'"
malformed cpu "$RAW/ftrace-git.txt" '18s/\[001\]/[zz1]/' \
    "18: not an ftrace line"
malformed decimals "$RAW/ftrace-git.txt" '18s/5342\.702745/5342.7027450/' \
    "18: timestamp 5342.7027450 has 7 decimals, the trace uses 6"
malformed perf_ptr "$RAW/perf-git.txt" '5s/ptr=0xffff88813d1becc0/ptr=0xzz/' \
    "5: kmem_cache_alloc: bad ptr= value '0xzz'"

# -k: the malformed line is skipped and counted.
lines=$(wc -l <"$T/bytes_req.txt")
run "$KMEMLAB" import -k -o "$T/k.kmt" "$T/bytes_req.txt"
is_status 0 "-k: exit 0"
bytes=$(wc -c <"$T/k.kmt")
err_is "$P $T/bytes_req.txt: $lines lines read, 5414 converted, 14 skipped (12 comment, 1 other event, 1 malformed)
$P wrote $T/k.kmt: 5414 events, $bytes bytes, $(bpe "$bytes" 5414) bytes/event" \
    "-k: the report counts 1 malformed, 5415 - 1 converted"
run "$KMEMLAB" trace info "$T/k.kmt"
ok "-k: 449 kmalloc events of 450" test "$(op_events kmalloc)" -eq 449

run "$KMEMLAB" import -o "$T/x.kmt" "$T/nofile.txt"
is_status 1 "a missing input: exit 1"
err_is "$P $T/nofile.txt: No such file or directory" "a missing input: message"
ok "a missing input: nothing written" test ! -e "$T/x.kmt"

run "$KMEMLAB" import -o "$T/x.kmt" "$T"
is_status 1 "a directory as input: exit 1"
err_is "$P $T: Is a directory" "a directory as input: message"
ok "a directory as input: nothing written" test ! -e "$T/x.kmt"

run "$KMEMLAB" import -o "$T/nodir/x.kmt" "$RAW/perf-git.txt"
is_status 1 "output in a missing directory: exit 1"
err_is "$P $T/nodir/x.kmt: No such file or directory" \
    "output in a missing directory: message"

# A device is written in place; its size is what went through it.
run "$KMEMLAB" import -o /dev/null "$RAW/perf-git.txt"
is_status 0 "-o /dev/null: exit 0"
bytes=$(wc -c <"$T/out/perf-git.kmt")
err_line "$P wrote /dev/null: 5751 events, $bytes bytes, $(bpe "$bytes" 5751) bytes/event" \
    "-o /dev/null: the report counts the bytes written"
if [ -c /dev/full ]; then
	run "$KMEMLAB" import -o /dev/full "$RAW/perf-git.txt"
	is_status 1 "-o /dev/full: exit 1"
	err_is "$P /dev/full: No space left on device" \
	    "-o /dev/full: the write error, once"
	run sh -c '"$1" import <"$2" >/dev/full' sh "$KMEMLAB" \
	    "$RAW/perf-git.txt"
	is_status 1 "standard output on /dev/full: exit 1"
	err_is "$P <stdout>: No space left on device" \
	    "standard output on /dev/full: the write error, once"
else
	skip 4 "no /dev/full"
fi

# A line of 3000000 bytes without newline.
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "%01000d", 0 }' >"$T/long.txt"
run_in "$T/long.txt" "$KMEMLAB" import -o "$T/x.kmt"
is_status 1 "an overlong line: exit 1"
err_is "$P <stdin>:1: line longer than 1048576 bytes" "an overlong line: message"
ok "an overlong line: nothing written" test ! -e "$T/x.kmt"

# ---- lost markers become drops, where they are

printf 'CPU:1 [LOST 42 EVENTS]\n' >"$T/lost.line"
sed "15r $T/lost.line" "$RAW/ftrace-git.txt" >"$T/lost.txt"
run "$KMEMLAB" import -o "$T/lost.kmt" "$T/lost.txt"
is_status 0 "a lost marker: exit 0"
err_has "$P $T/lost.txt: 5429 lines read, 5415 converted, 14 skipped (12 comment, 1 other event, 1 lost marker)" \
    "a lost marker: counted"
run "$KMEMLAB" trace info "$T/lost.kmt"
out_line "events:     5415 (42 dropped)" "a lost marker: 42 dropped"
out_line "    1    4943    91.3%       42" "a lost marker: on CPU 1"
run "$KMEMLAB" trace dump "$T/lost.kmt"
ok "a lost marker: the drop after the third event (dump line 12 + 3 + 1)" \
    test "$(sed -n '16p' "$RUN_OUT")" = "drop cpu=1 count=42"

cat "$T/lost.line" "$RAW/ftrace-git.txt" >"$T/lost0.txt"
run "$KMEMLAB" import -q -o "$T/lost0.kmt" "$T/lost0.txt"
is_status 0 "a lost marker before any event: exit 0"
run "$KMEMLAB" trace dump "$T/lost0.kmt"
ok "a lost marker before any event: the drop before the first event" \
    test "$(sed -n '13p' "$RUN_OUT")" = "drop cpu=1 count=42"

# ---- the header waits until the pointers are known
#
# Whether pointers are ftrace's hashes is known at the first event with
# a pointer that is not NULL: page events carry frame numbers and kfree
# may free NULL.  The events before it are held back, so the header gets
# the flag right.  Lines of ftrace-git.txt: 1-12 its header comments, 28
# and 65 mm_page_alloc, 66 a kfree of NULL, 18 a kmalloc with the hashed
# pointer 000000001e58ffb8.

ok "lines 28 and 65 of ftrace-git.txt are mm_page_alloc" \
    test "$(sed -n '28p;65p' "$RAW/ftrace-git.txt" | grep -c ' mm_page_alloc: ')" -eq 2
ok "line 66 of ftrace-git.txt is a kfree of NULL" \
    test "$(sed -n '66p' "$RAW/ftrace-git.txt" | grep -c ' kfree: .* ptr=0000000000000000$')" -eq 1
ok "line 18 of ftrace-git.txt is a kmalloc with a hashed pointer" \
    test "$(sed -n '18p' "$RAW/ftrace-git.txt" | grep -c ' kmalloc: .* ptr=000000001e58ffb8 ')" -eq 1

# held NAME LINES...: $T/NAME.txt is the 12 header lines of ftrace-git.txt
# and then its lines LINES, in that order.
held() {
	_name=$1
	shift
	head -n 12 "$RAW/ftrace-git.txt" >"$T/$_name.txt"
	for _l; do
		sed -n "${_l}p" "$RAW/ftrace-git.txt" >>"$T/$_name.txt"
	done
}

held page_kmalloc 28 18
run "$KMEMLAB" import -o "$T/page_kmalloc.kmt" "$T/page_kmalloc.txt"
is_status 0 "a page event, then a kmalloc: exit 0"
bytes=$(wc -c <"$T/page_kmalloc.kmt")
err_is "$P $T/page_kmalloc.txt: 14 lines read, 2 converted, 12 skipped (12 comment)
$P wrote $T/page_kmalloc.kmt: 2 events, $bytes bytes, $(bpe "$bytes" 2) bytes/event" \
    "a page event, then a kmalloc: the report, exactly"
run "$KMEMLAB" trace info "$T/page_kmalloc.kmt"
out_line "pointers:   hashed" "a page event, then a kmalloc: pointers hashed"
out_line "events:     2 (0 dropped)" "a page event, then a kmalloc: 2 events"
run "$KMEMLAB" trace dump "$T/page_kmalloc.kmt"
ok "a page event, then a kmalloc: the page event first" \
    test "$(sed -n '13p' "$RUN_OUT" | awk '{ print $6 }')" = page_alloc
ok "a page event, then a kmalloc: the kmalloc second" \
    test "$(sed -n '14p' "$RUN_OUT" | awk '{ print $6 }')" = kmalloc

held null_kmalloc 28 66 65 18
run "$KMEMLAB" import -q -o "$T/null_kmalloc.kmt" "$T/null_kmalloc.txt"
is_status 0 "pages and a kfree of NULL, then a kmalloc: exit 0"
run "$KMEMLAB" trace info "$T/null_kmalloc.kmt"
out_line "pointers:   hashed" \
    "pages and a kfree of NULL, then a kmalloc: pointers hashed"
out_line "events:     4 (0 dropped)" \
    "pages and a kfree of NULL, then a kmalloc: 4 events"

"$KMEMLAB" import -q -o - <"$T/null_kmalloc.txt" >"$T/null_pipe.kmt"
run "$KMEMLAB" trace info "$T/null_pipe.kmt"
out_line "pointers:   hashed" \
    "the same from standard input to standard output: pointers hashed"

# Pages only: the importer cannot tell, kml_import_header leaves the flag
# as the header had it, and a new header has it clear: addresses.
held pages 28 65
run "$KMEMLAB" import -q -o "$T/pages.kmt" "$T/pages.txt"
is_status 0 "page events only: exit 0"
run "$KMEMLAB" trace info "$T/pages.kmt"
out_line "pointers:   addresses" "page events only: pointers cannot be told, addresses"
out_line "events:     2 (0 dropped)" "page events only: 2 events"

# A lost marker among the held events stays where it was.
held lost_held 28 28 18
sed "13r $T/lost.line" "$T/lost_held.txt" >"$T/lost_held2.txt"
run "$KMEMLAB" import -q -o "$T/lost_held.kmt" "$T/lost_held2.txt"
is_status 0 "a lost marker among held events: exit 0"
run "$KMEMLAB" trace dump "$T/lost_held.kmt"
ok "a lost marker among held events: event, drop, event, event" \
    test "$(sed -n '13,16p' "$RUN_OUT" | awk '{ print $1 == "drop" ? "drop" : $6 }' | tr '\n' ' ')" = \
    "page_alloc drop page_alloc kmalloc "
run "$KMEMLAB" trace info "$T/lost_held.kmt"
out_line "pointers:   hashed" "a lost marker among held events: pointers hashed"

# A malformed line while events are held: nothing is written.
held held_bad 28 18
sed -i '14s/bytes_req=16/bytes_req=x/' "$T/held_bad.txt"
run "$KMEMLAB" import -o "$T/held_bad.kmt" "$T/held_bad.txt"
is_status 1 "a malformed line after a held event: exit 1"
err_is "$P $T/held_bad.txt:14: kmalloc: bad bytes_req= value 'x'" \
    "a malformed line after a held event: the message names its line"
ok "a malformed line after a held event: nothing written" \
    test ! -e "$T/held_bad.kmt"

# At most 65536 items are held: after 65536 page events the header is
# written, without the flag; after 65535, the kmalloc still decides.
for n in 65535 65536; do
	{
		head -n 12 "$RAW/ftrace-git.txt"
		yes "$(sed -n '28p' "$RAW/ftrace-git.txt")" | head -n "$n"
		sed -n '18p' "$RAW/ftrace-git.txt"
	} >"$T/many.txt"
	run "$KMEMLAB" import -q -o "$T/many.kmt" "$T/many.txt"
	is_status 0 "$n page events, then a kmalloc: exit 0"
	run "$KMEMLAB" trace info "$T/many.kmt"
	out_line "events:     $((n + 1)) (0 dropped)" \
	    "$n page events, then a kmalloc: $((n + 1)) events"
	if [ "$n" -eq 65535 ]; then
		out_line "pointers:   hashed" \
		    "65535 page events, then a kmalloc: held, pointers hashed"
	else
		out_line "pointers:   addresses" \
		    "65536 page events, then a kmalloc: the header was written at the limit"
	fi
done
rm -f "$T/many.txt"

# ---- header options win over the text

run "$KMEMLAB" import -q --ncpu=8 --host=bench --kernel=6.99-test \
    -o "$T/opts.kmt" "$RAW/ftrace-git.txt"
is_status 0 "--ncpu, --host, --kernel: exit 0"
run "$KMEMLAB" trace info "$T/opts.kmt"
out_line "cpus:       8" "--ncpu 8 wins over #P:2"
out_line "host:       bench" "--host"
out_line "kernel:     6.99-test" "--kernel"
out_line "    7       0     0.0%        0" "--ncpu 8: CPUs up to 7 listed"

# ---- odd inputs

run "$KMEMLAB" import -o "$T/empty.kmt" /dev/null
is_status 0 "empty input: exit 0"
bytes=$(wc -c <"$T/empty.kmt")
err_is "$P /dev/null: 0 lines read, 0 converted, 0 skipped
$P wrote $T/empty.kmt: 0 events, $bytes bytes, 0.00 bytes/event" \
    "empty input: the report"
run "$KMEMLAB" trace info "$T/empty.kmt"
is_status 0 "empty input: a valid trace"
out_line "source:     import (auto /dev/null)" "empty input: format auto"
out_line "events:     0 (0 dropped)" "empty input: no events"

printf '# only\n\n#P:4\n' >"$T/comments.txt"
run "$KMEMLAB" import -o "$T/comments.kmt" "$T/comments.txt"
is_status 0 "comments only: exit 0"
err_has "$P $T/comments.txt: 3 lines read, 0 converted, 3 skipped (3 comment)" \
    "comments only: 3 comments"

# The same text from standard input, with and without the last newline
# and with CRLF line ends, gives the same trace.
"$KMEMLAB" import -q -o "$T/stdin.kmt" - <"$RAW/ftrace-git.txt"
printf '%s' "$(cat "$RAW/ftrace-git.txt")" >"$T/nonl.txt"
ok "the copy lacks only the last newline" test \
    "$(($(wc -c <"$T/nonl.txt") + 1))" -eq "$(wc -c <"$RAW/ftrace-git.txt")"
run_in "$T/nonl.txt" "$KMEMLAB" import -o "$T/nonl.kmt"
is_status 0 "no last newline: exit 0"
err_has "$P <stdin>: 5428 lines read, 5415 converted," \
    "no last newline: the last line is read"
ok "no last newline: the same trace" cmp -s "$T/nonl.kmt" "$T/stdin.kmt"
cr=$(printf '\r')
sed "s/\$/$cr/" "$RAW/ftrace-git.txt" >"$T/crlf.txt"
"$KMEMLAB" import -q -o "$T/crlf.kmt" <"$T/crlf.txt"
ok "CRLF line ends: the same trace" cmp -s "$T/crlf.kmt" "$T/stdin.kmt"

# ---- standard input and output

run_in "$RAW/perf-git.txt" "$KMEMLAB" import
is_status 0 "stdin to stdout: exit 0"
cp "$RUN_OUT" "$T/pipe.kmt"
bytes=$(wc -c <"$T/pipe.kmt")
err_is "$P <stdin>: 5751 lines read, 5751 converted, 0 skipped
$P wrote <stdout>: 5751 events, $bytes bytes, $(bpe "$bytes" 5751) bytes/event" \
    "stdin to stdout: the report names <stdin> and <stdout>"

run_in "$RAW/perf-git.txt" "$KMEMLAB" import -q -o "$T/dash.kmt" -
ok "'-' and -o FILE: the same trace as to stdout" \
    cmp -s "$T/dash.kmt" "$T/pipe.kmt"

run "$KMEMLAB" import -q -o - "$RAW/perf-git.txt"
cp "$RUN_OUT" "$T/named.kmt"
run "$KMEMLAB" trace info "$T/named.kmt"
out_line "source:     import (perf $RAW/perf-git.txt)" \
    "FILE -o -: the detail names FILE"

"$KMEMLAB" import -q -o - <"$RAW/ftrace-irq.txt" |
    "$KMEMLAB" trace info - >"$T/info.out" 2>"$T/info.err"
ok "import -o - | trace info -: nothing on stderr" test ! -s "$T/info.err"
ok "import -o - | trace info -: the trace is <stdin>" \
    grep -qx "trace:      <stdin>" "$T/info.out"
ok "import -o - | trace info -: the detail is 'ftrace -'" \
    grep -qx "source:     import (ftrace -)" "$T/info.out"
ok "import -o - | trace info -: 7205 events" \
    grep -qx "events:     7205 (0 dropped)" "$T/info.out"

# ---- never a binary trace to a terminal

if have_tty; then
	run_tty "$KMEMLAB" import
	is_status 2 "stdin to a terminal: exit 2"
	err_is "$P refusing to write a binary trace to a terminal (use -o FILE)" \
	    "stdin to a terminal: only the message"
	run_tty "$KMEMLAB" import -o - "$RAW/perf-git.txt"
	is_status 2 "-o - to a terminal: exit 2"
	err_is "$P refusing to write a binary trace to a terminal (use -o FILE)" \
	    "-o - to a terminal: only the message"
	run_tty "$KMEMLAB" import -q -o "$T/tty.kmt" "$RAW/perf-git.txt"
	is_status 0 "-o FILE with a terminal: exit 0"
	ok "-o FILE with a terminal: the trace" cmp -s "$T/tty.kmt" "$T/named.kmt"
else
	skip 6 "no terminal: script(1) of util-linux missing or no pty"
fi

done_testing
