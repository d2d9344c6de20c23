#!/bin/sh
# tests/cli/vmem.sh: "kmemlab vmem".  Checks that the random workload is
# deterministic for a seed and passes vmem_check under every strategy and
# with --import; what --dump=summary and --dump=full print; scripts with
# hand-computed addresses (instant, best and next fit, xalloc constraints,
# import); that vmem's error reports go to stderr while the script goes on;
# script syntax errors (exit 1, "FILE:LINE: ..."); a missing script file;
# and bad option values (exit 2).  Scripts are written into $T.

. "$(dirname "$0")/lib.sh"

B=0x100000000		# the default base of the initial span

# stat_of ARENA NAME: the value of statistic NAME in the --dump=summary
# section of ARENA in the last run's stdout.
stat_of() {
	awk -v arena="$1" -v name="$2" '
		/^arena / { cur = $2; sub(/:$/, "", cur); next }
		cur == arena && $1 == name { print $2; exit }
	' "$RUN_OUT"
}

# workload_adds_up: the workload line's N equals A + R.
workload_adds_up() {
	sed -n 's/^workload: \([0-9]*\) ops (\([0-9]*\) allocs, [0-9]* failed, \([0-9]*\) frees),.*/\1 \2 \3/p' \
	    "$RUN_OUT" | { read -r n a r && [ "$n" -eq $((a + r)) ]; }
}

# ---- random workload

run "$KMEMLAB" vmem --seed=42 --ops=3000
is_status 0 "random, seed 42: exit 0 (vmem_check passed)"
err_empty "random, seed 42: nothing on stderr"
out_has "workload: 3000 ops (" "random, seed 42: workload line"
out_has "), seed 42, strategy instantfit" "random, seed 42: seed and strategy"
ok "random, seed 42: N = allocs + frees" workload_adds_up
cp "$RUN_OUT" "$T/seed42.out"

run "$KMEMLAB" vmem --seed=42 --ops=3000
ok "random, seed 42 again: identical output" cmp -s "$RUN_OUT" "$T/seed42.out"

run "$KMEMLAB" vmem --seed=43 --ops=3000
is_status 0 "random, seed 43: exit 0"
ok "random, seed 43: differs from seed 42" \
    eval '! cmp -s "$RUN_OUT" "$T/seed42.out"'

run "$KMEMLAB" vmem -S 42 -n 3000 -v
is_status 0 "random, verbose: exit 0"
ok "random, verbose: prints op 3000" grep -q '^op 3000: ' "$RUN_OUT"
ok "random, verbose: one line per op" \
    test "$(grep -c '^op [0-9]*: ' "$RUN_OUT")" -eq 3000
ok "random, verbose: same arena as without -v" \
    eval 'grep -v "^op " "$RUN_OUT" | cmp -s - "$T/seed42.out"'

for strat in instant best next instantfit bestfit nextfit firstfit; do
	case $strat in
	instant*|firstfit) name=instantfit ;;
	best*) name=bestfit ;;
	next*) name=nextfit ;;
	esac
	run "$KMEMLAB" vmem --strategy=$strat --seed=7 --ops=4000 --xalloc=50
	is_status 0 "random, strategy $strat: exit 0 (vmem_check passed)"
	err_empty "random, strategy $strat: nothing on stderr"
	out_has ", seed 7, strategy $name" "random, strategy $strat: named $name"
	ok "random, strategy $strat: N = allocs + frees" workload_adds_up
done

for strat in instant best next; do
	run "$KMEMLAB" vmem -s $strat --import=256K --seed=9 --ops=4000 \
	    --size=4M --max-size=128K
	is_status 0 "random, --import, $strat: exit 0 (vmem_check passed)"
	err_empty "random, --import, $strat: nothing on stderr"
	out_has 'arena "source"' "random, --import, $strat: source printed"
	out_has 'arena "demo"' "random, --import, $strat: demo printed"
done

run "$KMEMLAB" vmem --ops=5000 --size=1M --max-size=256K --seed=3
is_status 0 "random, small span: exit 0"
ok "random, small span: some allocations fail" \
    eval '! grep -q " 0 failed," "$RUN_OUT"'

# ---- --dump

run "$KMEMLAB" vmem --ops=200
is_status 0 "--dump=full (default): exit 0"
out_has 'arena "demo": quantum 0x1000' "--dump=full: vmem_dump header"
out_has "    span [0x100000000, 0x101000000) 16777216 bytes, static" \
    "--dump=full: the initial span"
ok "--dump=full: segment lines" grep -Eq '^      (busy|free) \[' "$RUN_OUT"

run "$KMEMLAB" vmem --ops=200 --dump=summary
is_status 0 "--dump=summary: exit 0"
out_line "arena demo: quantum 4096, strategy instantfit" \
    "--dump=summary: arena line"
out_lacks_re '^ *(busy|free|span) \[' "--dump=summary: no span or segment lines"
ok "--dump=summary: total is the initial span" \
    test "$(stat_of demo total)" = 16777216
ok "--dump=summary: spans is 1" test "$(stat_of demo spans)" = 1

# ---- a script with known addresses (q = 4K, B = 0x100000000)
#
# a, s1, b, s2 are carved in order from the low end of the span: a = B,
# s1 = B+0x5000, b = B+0x6000, s2 = B+0x9000.  Freeing a and b leaves
# free segments of 5 quanta at B (freelist 2: [4, 8) quanta) and of
# 3 quanta at B+0x6000 (freelist 1), and the rest of the span from
# B+0xa000.  A request for 3 quanta then goes
#  - instant fit: to the first list whose every segment fits, 2 (2^2 >= 3):
#    c = B;
#  - best fit: to the smallest segment that fits, the 3 quanta: c = B+0x6000;
#  - next fit: to the first fit after the last allocation (s2): c = B+0xa000.
cat >"$T/fit.txt" <<'EOF'
# fit strategies
alloc a 20K
alloc s1 4K
alloc b 12K     # three quanta

alloc s2 4K
free a
free b
alloc c 12K
check
EOF

run "$KMEMLAB" vmem --script="$T/fit.txt" --dump=summary
is_status 0 "script, instant: exit 0"
err_empty "script, instant: nothing on stderr"
out_line "a = 0x100000000 (20480)" "script, instant: a = B"
out_line "s1 = 0x100005000 (4096)" "script, instant: s1 = B+0x5000"
out_line "b = 0x100006000 (12288)" "script, instant: b = B+0x6000"
out_line "s2 = 0x100009000 (4096)" "script, instant: s2 = B+0x9000"
out_line "c = 0x100000000 (12288)" "script, instant: c from freelist 2, at B"
out_line "check: ok" "script, instant: check: ok"
out_lacks_re '^workload:' "script: no workload line"
ok "script, instant: inuse is s1 + s2 + c" test "$(stat_of demo inuse)" = 20480

run "$KMEMLAB" vmem --script="$T/fit.txt" --strategy=best
is_status 0 "script, best: exit 0"
out_line "c = 0x100006000 (12288)" "script, best: c in the exact fit, B+0x6000"
out_has "      busy [0x100006000, 0x100009000) 12288" \
    "script, best: the dump shows c"

run "$KMEMLAB" vmem --script="$T/fit.txt" -s next
is_status 0 "script, next: exit 0"
out_line "s2 = 0x100009000 (4096)" "script, next: s2 = B+0x9000"
out_line "c = 0x10000a000 (12288)" "script, next: c after s2, B+0xa000"

sed 's/^alloc c 12K$/alloc c 12K bestfit/' "$T/fit.txt" >"$T/fit-best.txt"
run "$KMEMLAB" vmem --script="$T/fit-best.txt" --strategy=instant
out_line "c = 0x100006000 (12288)" "script: a STRATEGY word overrides --strategy"

# After fit.txt under instant fit: busy c [B, B+0x3000), free [B+0x3000,
# B+0x5000) (list 1), s1, free [B+0x6000, B+0x9000) (list 1), s2, free
# from B+0xa000 (list 11).
#  d: align 64K: the lowest 64K-aligned free address, B+0x10000.
#  e: align 64K phase 8K: B+0x12000 (B+0x2000 is in c).
#  f: 12K nocross 16K: the segment [B+0xa000, B+0x10000) from d's split
#     heads list 2; its lowest address, B+0xa000, would cross B+0xc000,
#     so f = B+0xc000.
#  g: min B+0x100000 and max B+0x1fffff: g = B+0x100000.
#  h: 8K within [B+0x3000, B+0x4fff], both bounds inclusive: the free
#     segment [B+0x3000, B+0x5000) exactly.
#  i: 8K within [B+0xa000, B+0xbfff]: the free 2 quanta left of f.
#  j: 8K within [B+0xf000, B+0x10fff]: B+0xf000 is free but d holds
#     B+0x10000: ENOMEM.
#  big: more than the span: ENOMEM.
cat "$T/fit.txt" - >"$T/xalloc.txt" <<'EOF'
xalloc d 4K align=64K
xalloc e 4K align=64K phase=8K
xalloc f 12K nocross=16K
xalloc g 4K min=0x100100000 max=0x1001fffff
xalloc h 8K min=0x100003000 max=0x100004fff
xalloc i 8K min=0x10000a000 max=0x10000bfff
xalloc j 8K min=0x10000f000 max=0x100010fff
alloc big 32M
free d
free f
check
EOF

run "$KMEMLAB" vmem --script="$T/xalloc.txt"
is_status 0 "script, xalloc: exit 0"
err_empty "script, xalloc: nothing on stderr"
out_line "d = 0x100010000 (4096)" "script, xalloc: align=64K"
out_line "e = 0x100012000 (4096)" "script, xalloc: align=64K phase=8K"
out_line "f = 0x10000c000 (12288)" "script, xalloc: nocross=16K"
out_line "g = 0x100100000 (4096)" "script, xalloc: min and max"
out_line "h = 0x100003000 (8192)" "script, xalloc: inclusive min and max"
out_line "i = 0x10000a000 (8192)" "script, xalloc: a range that fits exactly"
out_line "j: ENOMEM" "script, xalloc: a range without room gives ENOMEM"
out_line "big: ENOMEM" "script, alloc too big: ENOMEM"
out_line "check: ok" "script, xalloc: check: ok after xfrees"
out_has "      busy [0x100012000, 0x100013000) 4096 xalloc" \
    "script, xalloc: the dump marks e as xalloc'd"
out_lacks_re '^      busy \[0x100010000,' "script, xalloc: d was freed"

run_in "$T/xalloc.txt" "$KMEMLAB" vmem --script=- --dump=summary
is_status 0 "script from stdin: exit 0"
out_line "h = 0x100003000 (8192)" "script from stdin: same results"

run "$KMEMLAB" vmem --script="$T/fit.txt" --verbose --dump=summary
out_line "+ alloc b 12K" "script, --verbose: echoes commands without comments"

# add, and a different quantum and base
cat >"$T/add.txt" <<'EOF'
alloc a 1K
add 0x10000 0x800
alloc b 2K
alloc c 512
add 0x10400 1K
EOF
run "$KMEMLAB" vmem --quantum=512 --base=0x8000 --size=1K \
    --script="$T/add.txt" --dump=summary
is_status 0 "script, add: exit 0"
out_line "a = 0x8000 (1024)" "script, add: a fills the initial span"
out_line "b = 0x10000 (2048)" "script, add: b in the added span"
out_line "c: ENOMEM" "script, add: c finds no room"
out_line "add: EINVAL" "script, add: an overlapping span is refused"
err_has 'vmem: arena "demo"' "script, add: vmem reports the overlap"
out_line "arena demo: quantum 512, strategy instantfit" \
    "script, add: quantum 512"

# ---- --import
#
# demo imports 64K spans from source (instant fit at the low end of the
# initial span): a = B in the first import; b needs 16 quanta, demo has
# 15 left, so a second span B+0x10000 is imported; freeing a leaves the
# first span wholly free, and it is released.
cat >"$T/import.txt" <<'EOF'
alloc a 4K
alloc b 64K
free a
EOF
run "$KMEMLAB" vmem --import=64K --script="$T/import.txt" --dump=summary
is_status 0 "script, --import: exit 0"
err_empty "script, --import: nothing on stderr"
out_line "a = 0x100000000 (4096)" "script, --import: a in the first import"
out_line "b = 0x100010000 (65536)" "script, --import: b in the second import"
out_line "arena source: quantum 4096, strategy instantfit" \
    "script, --import: source printed"
out_line "arena demo: quantum 4096, strategy instantfit" \
    "script, --import: demo printed"
ok "script, --import: demo imported 65536 bytes now" \
    test "$(stat_of demo imported)" = 65536
ok "script, --import: demo imported 2 spans" test "$(stat_of demo imports)" = 2
ok "script, --import: demo released 1 span" test "$(stat_of demo releases)" = 1
ok "script, --import: source has 65536 bytes in use" \
    test "$(stat_of source inuse)" = 65536
ok "script, --import: source keeps the initial span" \
    test "$(stat_of source total)" = 16777216

run "$KMEMLAB" vmem --import=64K --script="$T/import.txt"
is_status 0 "script, --import, full dump: exit 0"
out_has "    span [0x100010000, 0x100020000) 65536 bytes, imported" \
    "script, --import, full dump: demo's imported span"
out_has "      busy [0x100010000, 0x100020000) 65536" \
    "script, --import, full dump: the source's segment lent to demo"

# ---- vmem errors are results: reported on stderr, the script goes on

cat >"$T/misuse.txt" <<'EOF'
alloc a 4K
xalloc x 4K align=8K
freeaddr 0x100800000 4K
freeaddr 0x100000000 8K
freeaddr 0x100002000 4K
alloc odd 5000
alloc after 4K
freeaddr 0x100000000 4K
alloc a 4K
check
EOF
run "$KMEMLAB" vmem --script="$T/misuse.txt" --dump=summary
is_status 0 "script, vmem misuse: exit 0"
err_line 'vmem: arena "demo": vmem_free: address 0x100800000 is not allocated (inside free segment [0x100003000, 0x101000000))' \
    "script, vmem misuse: free of an unallocated address reported"
err_has 'vmem: arena "demo": vmem_free: segment 0x100000000 has size 0x1000, freed with size 0x2000' \
    "script, vmem misuse: wrong size reported"
err_has 'vmem: arena "demo": vmem_free: segment 0x100002000 was allocated by vmem_xalloc' \
    "script, vmem misuse: vmem_free of an xalloc'd segment reported"
ok "script, vmem misuse: only vmem: lines on stderr" \
    eval '! grep -v "^vmem: " "$RUN_ERR"'
out_line "x = 0x100002000 (4096)" "script, vmem misuse: x aligned to 8K"
out_line "odd: EINVAL" "script, vmem misuse: a size off the quantum is EINVAL"
out_line "after = 0x100001000 (4096)" "script, vmem misuse: the script went on"
out_line "a = 0x100000000 (4096)" \
    "script, vmem misuse: a freed by freeaddr can be reused"
out_line "check: ok" "script, vmem misuse: check: ok"
ok "script, vmem misuse: errors counted" test "$(stat_of demo errors)" = 4

"$KMEMLAB" vmem --script="$T/misuse.txt" --dump=summary >"$T/merged" 2>&1
ok "script, vmem misuse: results and reports interleave in order" \
    test "$(sed -n '2p;3s/ (inside.*//p' "$T/merged")" = 'x = 0x100002000 (4096)
vmem: arena "demo": vmem_free: address 0x100800000 is not allocated'

# ---- script syntax errors: exit 1, FILE:LINE:

# script_error TEXT MESSAGE DESC: a script TEXT (printf format) stops with
# "kmemlab vmem: FILE:MESSAGE" and exit 1.
script_error() {
	printf "$1" >"$T/bad.txt"
	run "$KMEMLAB" vmem --script="$T/bad.txt"
	is_status 1 "$3: exit 1"
	err_line "kmemlab vmem: $T/bad.txt:$2" "$3: message"
}

script_error 'alloc a 4K\n# comment\n\nallocate b 4K\nalloc c 4K\n' \
    "4: unknown command 'allocate'" "unknown command"
out_line "a = 0x100000000 (4096)" "unknown command: the lines before ran"
out_lacks_re '^c = ' "unknown command: the lines after did not"
out_lacks_re '^arena ' "unknown command: no dump"
script_error 'alloc a\n' \
    "1: missing argument (usage: alloc NAME SIZE [STRATEGY])" \
    "missing argument"
script_error 'free a b\n' "1: too many arguments (usage: free NAME)" \
    "too many arguments"
script_error 'alloc a 12Q\n' "1: bad size '12Q': not a number" "bad size"
script_error 'add 0xg 4K\n' "1: bad address '0xg': not a number" \
    "bad address"
script_error 'alloc a 99999999999999999999\n' \
    "1: bad size '99999999999999999999': too large" "size overflow"
script_error 'alloc a 16777216T\n' "1: bad size '16777216T': too large" \
    "size overflow through a suffix"
script_error 'xalloc a 4K align=x\n' "1: bad align 'x': not a number" \
    "bad align"
script_error 'xalloc a 4K foo=1\n' "1: unknown xalloc argument 'foo=1'" \
    "unknown xalloc argument"
script_error 'xalloc a 4K align=8K align=8K\n' "1: 'align=' given twice" \
    "repeated xalloc argument"
script_error 'alloc a 4K worst\n' "1: unknown strategy 'worst'" \
    "unknown strategy"
script_error 'alloc a 4K\nfree a\nfree a\n' "3: unknown name 'a'" \
    "unknown name (freed already)"
script_error 'alloc a 4K\nalloc a 4K\n' "2: name 'a' is still allocated" \
    "name reused while live"
script_error 'xalloc a 4K\nalloc a 4K\n' "2: name 'a' is still allocated" \
    "name of an xalloc reused while live"
script_error 'dump now\n' "1: too many arguments (usage: dump)" \
    "dump with an argument"

printf 'alloc a 4K\nfree a\nalloc a 8K\n' >"$T/reuse.txt"
run "$KMEMLAB" vmem --script="$T/reuse.txt" --dump=summary
is_status 0 "a name can be reused after its free: exit 0"
out_line "a = 0x100000000 (8192)" "a name reused after its free"

printf 'alloc a 4K\nbogus\n' >"$T/stdin.txt"
run_in "$T/stdin.txt" "$KMEMLAB" vmem -f -
is_status 1 "syntax error on stdin: exit 1"
err_line "kmemlab vmem: <stdin>:2: unknown command 'bogus'" \
    "syntax error on stdin: message names <stdin>"

run "$KMEMLAB" vmem --script="$T/nofile"
is_status 1 "missing script: exit 1"
ok "missing script: stderr is exactly the message" \
    test "$(cat "$RUN_ERR")" = "kmemlab vmem: cannot open '$T/nofile': No such file or directory"
out_empty "missing script: nothing on stdout"

run "$KMEMLAB" vmem --script="$T"
is_status 1 "script is a directory: exit 1"
err_line "kmemlab vmem: cannot read '$T': Is a directory" \
    "script is a directory: message"

# ---- bad option values: exit 2

# bad_value OPTION MESSAGE: "kmemlab vmem OPTION" fails with MESSAGE.
bad_value() {
	run "$KMEMLAB" vmem "$1"
	is_status 2 "vmem $1: exit 2"
	err_line "kmemlab vmem: $2" "vmem $1: message"
	out_empty "vmem $1: nothing on stdout"
}

bad_value --quantum=3000 "bad quantum '3000': not a power of two"
bad_value --quantum=0 "bad quantum '0': not a power of two"
bad_value --quantum=4X "bad quantum '4X': not a number"
bad_value --quantum=-4096 "bad quantum '-4096': not a number"
bad_value --strategy=worst "bad strategy 'worst': not instant, best or next"
bad_value --base=0x1001 "bad base '0x1001': not a multiple of the quantum"
bad_value --size=6000 "bad size '6000': not a multiple of the quantum"
bad_value --size=18446744073709551616 \
    "bad size '18446744073709551616': too large"
bad_value --base=0xfffffffffffff000 \
    "bad size '16M': the span wraps around the address space"
bad_value --ops=many "bad ops 'many': not a number"
bad_value --seed=1K "bad seed '1K': not a number"
bad_value --max-size=1K "bad max-size '1K': less than the quantum"
bad_value --xalloc=101 "bad xalloc '101': not a percentage from 0 to 100"
bad_value --import=6K "bad import '6K': not a multiple of the quantum"
bad_value --import=0 "bad import '0': zero"
bad_value --dump=brief "bad dump 'brief': not full or summary"

run "$KMEMLAB" vmem --quant=8K --ops=10 --dump=summary
is_status 0 "an abbreviated long option works"
out_line "arena demo: quantum 8192, strategy instantfit" \
    "--quant=8K sets the quantum"

run "$KMEMLAB" vmem -q 64K -b 0x40000000 -z 1G -n 500 -m 1M -x 100 -d summary
is_status 0 "short options with separate values: exit 0"
out_line "arena demo: quantum 65536, strategy instantfit" \
    "short options: quantum 64K"
ok "short options: total is 1G" test "$(stat_of demo total)" = 1073741824

done_testing
