#!/bin/sh
# tests/cli/gen.sh: "kmemlab gen".  Checks the help text, the -l listing
# and every usage error (exit 2, exact message: missing or unknown
# workload, bad values, combinations kml_gen_check refuses, --op for
# another workload); each workload with its exact report line (the byte
# count from wc -c) and, through "trace info", its header and that it is
# clean (no free of a pointer not live); the --op variants; determinism
# (the same options give cmp-identical files, short and long options
# alike, to a file or a pipe; another seed gives another file); standard
# output; devices as output (/dev/null: the bytes that went through;
# /dev/full: the write error, reported once, also on standard output);
# and that a binary trace is never written to a terminal (script(1) gives
# the command one).

. "$(dirname "$0")/lib.sh"

# ops_listed: the operations of the operations section, one line.
ops_listed() {
	awk '
		/^operations:/ { in_ops = 1; getline; next }
		/^$/ { in_ops = 0 }
		in_ops { printf "%s%s", sep, $1; sep = " " }
		END { print "" }
	' "$RUN_OUT"
}

# ---- help and -l

run "$KMEMLAB" gen --help
is_status 0 "gen --help: exit 0"
ok "gen --help: first line is the usage" \
    test "$(head -n 1 "$RUN_OUT")" = "usage: kmemlab gen [-l] WORKLOAD [options] -o OUT"
out_line "gen: write a synthetic trace of a workload" "gen --help: summary line"
for opt in "-l, --list" "-o, --output=OUT" "-q, --quiet" "-S, --seed=N" \
    "-c, --cpus=N" "-n, --events=N" "    --dist=DIST" "    --min=SIZE" \
    "    --max=SIZE" "    --live=N" "    --align=SIZE" \
    "    --align-share=PCT" "    --peak=SIZE" "    --think=NS" \
    "    --op=OP" "    --cache=NAME" "-h, --help"; do
	out_has "  $opt" "gen --help lists $opt"
done
for default in "(default: 1)" "(default: 4)" "(default: 100000)" \
    "(default: pow2;" "(default: 8; vmemfrag: 4096)" \
    "(default: 4096; vmemfrag: 1M)" "(default: 10)" "(default: 64M)" \
    "(default: 1000)" "(default: kmalloc)" "(default: the workload's own)" \
    "(default: report)" "(default: standard output"; do
	out_has "$default" "gen --help gives the default $default"
done
cp "$RUN_OUT" "$T/help.out"
for form in "help gen" "gen -h" "g --help"; do
	run "$KMEMLAB" $form
	is_status 0 "$form: exit 0"
	ok "$form prints the same as gen --help" cmp -s "$RUN_OUT" "$T/help.out"
done

cat >"$T/list.out" <<'EOF'
  random     random sizes on every CPU: size classes, hit rates, scaling
  prodcons   objects freed on another CPU than the one that allocated them
  magazine   alloc, alloc, free, free across a magazine boundary on each CPU
  vmemfrag   vmem sizes, lifetimes and alignments that fragment an arena
  pressure   live memory ramped up to --peak and back: pages, atomic and sleeping
EOF
for form in "-l" "--list" "--list -S 3"; do
	run "$KMEMLAB" gen $form
	is_status 0 "gen $form: exit 0"
	ok "gen $form: the five workloads, each with its purpose" \
	    cmp -s "$RUN_OUT" "$T/list.out"
	err_empty "gen $form: nothing on stderr"
done

# ---- usage errors

P="kmemlab gen:"
U=$T/u.kmt
USAGE_NOFILE=$U		# usage_error also checks that it is not made
usage_error "no workload" "$P missing workload (try 'kmemlab gen -l')" \
    gen -o "$U"
usage_error "unknown workload" \
    "$P unknown workload 'frob' (try 'kmemlab gen -l')" gen frob -o "$U"
usage_error "two workloads" "$P unexpected argument 'magazine'" \
    gen random magazine -o "$U"
usage_error "-l with a workload" "$P unexpected argument 'random'" \
    gen -l random
usage_error "--frob" "$P unknown option '--frob' (try 'kmemlab help gen')" \
    gen random --frob -o "$U"
usage_error "-x" "$P unknown option '-x' (try 'kmemlab help gen')" \
    gen random -x -o "$U"
usage_error "ambiguous --al" \
    "$P ambiguous option '--al', could be: --align, --align-share" \
    gen vmemfrag --al=8K -o "$U"
usage_error "--seed without value" "$P option '--seed' needs a value" \
    gen random -o "$U" --seed
usage_error "-o without value" "$P option '-o' needs a value" gen random -o
usage_error "--list=1" "$P option '--list' takes no value" gen --list=1

# bad VALUE-OPTION MESSAGE: "gen random OPTION" fails with MESSAGE.
bad() {
	usage_error "gen random $1" "$P $2" gen random "$1" -o "$U"
}
bad --seed=x "bad seed 'x': not a number"
bad --cpus=0 "bad cpus '0': not in 1..4096"
bad --cpus=4097 "bad cpus '4097': not in 1..4096"
bad --events=-1 "bad events '-1': not a number"
bad --dist=normal "bad dist 'normal': not uniform, pow2, exp or kmalloc"
bad --min=1Q "bad min '1Q': not a number"
bad --max=16777216T "bad max '16777216T': too large"
bad --live=many "bad live 'many': not a number"
bad --align=x "bad align 'x': not a number"
bad --align-share=101 "bad align-share '101': not a percentage from 0 to 100"
bad --peak=1X "bad peak '1X': not a number"
bad --think=1K "bad think '1K': not a number"
bad --op=calloc "bad op 'calloc': not kmalloc, malloc, cache, vmem or pool"
bad --cache= "bad cache '': empty"
long=$(awk 'BEGIN { for (i = 0; i < 64; i++) printf "c" }')
bad --cache=$long "bad cache '$long': longer than 63 bytes"

# Combinations that kml_gen_check refuses.
usage_error "--min above --max" "$P --min 5000 is above --max 4096" \
    gen random --min 5000 -o "$U"
usage_error "prodcons on 1 CPU" "$P prodcons needs --cpus >= 2" \
    gen prodcons -c 1 -o "$U"
usage_error "--think 0" "$P --think 0 is below 1" gen random --think 0 -o "$U"
usage_error "--align not a power of two" "$P --align 3000 is not a power of two" \
    gen vmemfrag --align 3000 -o "$U"
usage_error "a peak out of reach" \
    "$P --peak 64M is more than --events 20000 can reach (at most 19M)" \
    gen pressure -n 20000 -o "$U"
usage_error "a cache name with a blank" \
    "$P --cache must be 1 to 63 printable characters without spaces, quotes or backslashes" \
    gen random --cache "a b" -o "$U"
usage_error "--op for magazine" "$P option '--op' is for the random workload only" \
    gen magazine --op cache -o "$U"

# ---- each workload: the report, the header, a clean trace

N=20000
for w in random prodcons magazine vmemfrag pressure; do
	extra=
	[ $w = pressure ] && extra=--peak=8M
	run "$KMEMLAB" gen $w -n $N $extra -o "$T/$w.kmt"
	is_status 0 "gen $w: exit 0"
	out_empty "gen $w: nothing on stdout"
	bytes=$(wc -c <"$T/$w.kmt")
	err_is "$P wrote $T/$w.kmt: $N events, $bytes bytes, $(bpe "$bytes" $N) bytes/event" \
	    "gen $w: the report, exactly"

	run "$KMEMLAB" trace info "$T/$w.kmt"
	is_status 0 "gen $w: trace info: exit 0"
	out_has "source:     gen ($w --seed 1 --cpus 4 --events $N " \
	    "gen $w: the detail is the command line"
	out_line "cpus:       4" "gen $w: 4 CPUs"
	out_line "clock:      1 ns" "gen $w: clock 1 ns"
	out_line "pointers:   addresses" "gen $w: pointers are addresses"
	out_line "host:       unknown" "gen $w: no host"
	out_line "events:     $N (0 dropped)" "gen $w: $N events"
	out_line "frees of pointers never allocated in the trace: 0" \
	    "gen $w: every free frees a live object"
	out_lacks_re "^frees of pointers freed already" "gen $w: no double free"
	for c in 0 1 2 3; do
		out_has "  100$c  gen/$c " "gen $w: CPU $c runs pid 100$c, gen/$c"
	done
done

run "$KMEMLAB" trace info "$T/random.kmt"
ok "random: kmalloc and kfree only" test "$(ops_listed)" = "kmalloc kfree"
run "$KMEMLAB" trace info "$T/prodcons.kmt"
ok "prodcons: cache allocs and frees only" \
    test "$(ops_listed)" = "kmem_cache_alloc kmem_cache_free"
run "$KMEMLAB" trace info "$T/vmemfrag.kmt"
ok "vmemfrag: vmem allocs and frees only" \
    test "$(ops_listed)" = "vmem_alloc vmem_free"
run "$KMEMLAB" trace info "$T/pressure.kmt"
ok "pressure: kmalloc and pages" \
    test "$(ops_listed)" = "kmalloc kfree page_alloc page_free"

# --op: the operations of the random workload.
for pair in "malloc malloc free" "cache kmem_cache_alloc kmem_cache_free" \
    "vmem vmem_alloc vmem_free" "pool pool_get pool_put" \
    "kmalloc kmalloc kfree"; do
	set -- $pair
	run "$KMEMLAB" gen random --op=$1 -n 5000 -q -o "$T/op.kmt"
	is_status 0 "--op $1: exit 0"
	run "$KMEMLAB" trace info "$T/op.kmt"
	ok "--op $1: $2 and $3" test "$(ops_listed)" = "$2 $3"
	ok "--op $1: 5000 events of the two" \
	    test $(($(op_events $2) + $(op_events $3))) -eq 5000
	out_has "--op $1 " "--op $1: in the detail"
done

# ---- determinism

"$KMEMLAB" gen magazine -S 7 -n 5000 -q -o "$T/a.kmt"
"$KMEMLAB" gen magazine -S 7 -n 5000 -q -o "$T/b.kmt"
ok "the same seed twice: the same bytes" cmp -s "$T/a.kmt" "$T/b.kmt"
"$KMEMLAB" gen magazine --seed=7 --events=5000 --cpus=4 -q >"$T/c.kmt"
ok "long options, to standard output: the same bytes" \
    cmp -s "$T/a.kmt" "$T/c.kmt"
"$KMEMLAB" gen magazine -S 7 -n 5000 -q -o - | cat >"$T/d.kmt"
ok "to a pipe: the same bytes" cmp -s "$T/a.kmt" "$T/d.kmt"
"$KMEMLAB" gen magazine -S 8 -n 5000 -q -o "$T/e.kmt"
ok "another seed: other bytes" eval '! cmp -s "$T/a.kmt" "$T/e.kmt"'
for w in random prodcons vmemfrag; do
	"$KMEMLAB" gen $w -S 3 -c 3 -n 3000 -q -o "$T/x1.kmt"
	"$KMEMLAB" gen $w -S 3 -c 3 -n 3000 -q -o "$T/x2.kmt"
	"$KMEMLAB" gen $w -S 4 -c 3 -n 3000 -q -o "$T/x3.kmt"
	ok "gen $w: the same seed twice: the same bytes" \
	    cmp -s "$T/x1.kmt" "$T/x2.kmt"
	ok "gen $w: another seed: other bytes" \
	    eval '! cmp -s "$T/x1.kmt" "$T/x3.kmt"'
done

# ---- standard output, -q, a write error

run "$KMEMLAB" gen random -n 1000
is_status 0 "to standard output (not a terminal): exit 0"
cp "$RUN_OUT" "$T/so.kmt"
bytes=$(wc -c <"$T/so.kmt")
err_is "$P wrote <stdout>: 1000 events, $bytes bytes, $(bpe "$bytes" 1000) bytes/event" \
    "to standard output: the report names <stdout>"
"$KMEMLAB" trace info - <"$T/so.kmt" >"$T/so.info" 2>&1
ok "to standard output: a valid trace of 1000 events" \
    grep -qx "events:     1000 (0 dropped)" "$T/so.info"

run "$KMEMLAB" gen random -n 1000 -q -o "$T/q.kmt"
is_status 0 "-q: exit 0"
err_empty "-q: nothing on stderr"
ok "-q: the same file" cmp -s "$T/q.kmt" "$T/so.kmt"

run "$KMEMLAB" gen random -n 0 -o "$T/zero.kmt"
is_status 0 "0 events: exit 0"
bytes=$(wc -c <"$T/zero.kmt")
err_is "$P wrote $T/zero.kmt: 0 events, $bytes bytes, 0.00 bytes/event" \
    "0 events: the report"

run "$KMEMLAB" gen random -n 1000 -o "$T/nodir/x.kmt"
is_status 1 "a missing directory: exit 1"
err_is "$P $T/nodir/x.kmt: No such file or directory" \
    "a missing directory: message"

# A device is written in place; its size is what went through it.
run "$KMEMLAB" gen random -n 1000 -o /dev/null
is_status 0 "-o /dev/null: exit 0"
bytes=$(wc -c <"$T/so.kmt")
err_is "$P wrote /dev/null: 1000 events, $bytes bytes, $(bpe "$bytes" 1000) bytes/event" \
    "-o /dev/null: the report counts the bytes written"
if [ -c /dev/full ]; then
	run "$KMEMLAB" gen random -n 1000 -o /dev/full
	is_status 1 "-o /dev/full: exit 1"
	err_is "$P /dev/full: No space left on device" \
	    "-o /dev/full: the write error, once"
	run sh -c '"$1" gen random -n 1000 >/dev/full' sh "$KMEMLAB"
	is_status 1 "standard output on /dev/full: exit 1"
	err_is "$P <stdout>: No space left on device" \
	    "standard output on /dev/full: the write error, once"
else
	skip 4 "no /dev/full"
fi

# ---- never a binary trace to a terminal

if have_tty; then
	run_tty "$KMEMLAB" gen random -n 10
	is_status 2 "to a terminal: exit 2"
	err_is "$P refusing to write a binary trace to a terminal (use -o FILE)" \
	    "to a terminal: only the message"
	run_tty "$KMEMLAB" gen random -n 10 -o -
	is_status 2 "-o - to a terminal: exit 2"
	run_tty "$KMEMLAB" gen random -n 1000 -q -o "$T/tty.kmt"
	is_status 0 "-o FILE with a terminal: exit 0"
	ok "-o FILE with a terminal: the same file" \
	    cmp -s "$T/tty.kmt" "$T/so.kmt"
else
	skip 5 "no terminal: script(1) of util-linux missing or no pty"
fi

done_testing
