#!/bin/sh
# tests/cli/record.sh: "kmemlab record", for real, with eBPF (as root).
#
# What it checks:
#  - help and usage errors (exit 2, exact messages);
#  - user mode: tests/record_prog seq, started by kmemlab, makes a known
#    sequence of calls (sizes, frees, a realloc, a calloc, the memalign
#    family, two threads) and prints them; the trace must hold exactly
#    those events for each thread, in order, between the thread's
#    markers, and no event of another process (kmemlab's own included);
#    -p on a running process;
#  - kernel mode: record_prog open N opens and closes /dev/null N times
#    under --kernel; the trace must hold at least N kmem_cache_alloc of
#    filp and of names_cache, call sites as "symbol+0xoff", only that
#    process's events, and must replay; -c keeps only one command;
#    the whole system for a second: kmemlab's own process never appears;
#  - streaming: record -o - | replay - and | trace info -; at a low
#    event rate, events reach the reader while the command runs;
#  - SIGINT and SIGTERM end a recording with exit 0 and a complete trailer;
#  - drops: a 4096-byte ring buffer under a kernel-allocation load reports
#    drops in the summary and in the trailer (trace info), not silently;
#  - the live line on a terminal;
#  - every error: not root (setpriv to nobody), no BTF and tracefs not
#    mounted (a mount namespace hiding them: kmemlab mounts tracefs; with
#    CAP_SYS_ADMIN dropped it cannot and says so), an output that cannot
#    be made (before the command starts), a PID that does not exist, a
#    command that cannot start (nothing written), a tracepoint this
#    kernel lacks, a library or function that is not there.
# Without the recorder (a kmemlab built without libbpf, clang or bpftool)
# it checks the message saying how to get it; where BPF is not usable
# (not root) it skips.

. "$(dirname "$0")/lib.sh"

PROG=$top_builddir/tests/record_prog
P="kmemlab record:"

# dump_events FILE: the events of trace FILE as "PID TID OP FIELDS", the
# site= field left out.
dump_events() {
	"$KMEMLAB" trace dump "$1" | awk '
		$1 ~ /^[0-9]/ && $3 ~ /\// {
			split($3, id, "/")
			line = id[1] " " id[2] " " $6
			for (i = 7; i <= NF; i++)
				if ($i !~ /^site=/)
					line = line " " $i
			print line
		}'
}

# ---- help

run "$KMEMLAB" help record
is_status 0 "help record: exit 0"
cp "$RUN_OUT" "$T/help.out"
run "$KMEMLAB" record --help
ok "record --help prints the same as help record" cmp -s "$RUN_OUT" "$T/help.out"
for opt in "-o, --output=FILE" "-k, --kernel" "-u, --user" "-p, --pid=PID" \
    "-c, --comm=COMM" "-d, --duration=SECONDS" "-e, --events=LIST" \
    "-b, --buffer=SIZE" "--lib=LIB" "--prefix=PREFIX" "-q, --quiet" \
    "-v, --verbose"; do
	out_has "$opt" "record --help lists $opt"
done

# ---- is the recorder there, and usable?

run "$KMEMLAB" record -q -d 1 -e kfree -o "$T/probe.kmt"
if grep -q "built without the BPF recorder" "$RUN_ERR"; then
	diag "this kmemlab has no recorder: checking the message only"
	is_status 1 "without the recorder: exit 1"
	err_is "$P this kmemlab was built without the BPF recorder: install libbpf (0.8 or later), clang and bpftool (Debian: apt-get install libbpf-dev clang bpftool libelf-dev), then run configure and make again" \
	    "without the recorder: the message says how to get it"
	done_testing
fi
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP BPF needs root here (uid $(id -u))"
	exit 0
fi
if [ "$RUN_STATUS" != 0 ]; then
	echo "1..0 # SKIP BPF is not usable here: $(head -n 1 "$RUN_ERR")"
	exit 0
fi

# ---- usage errors

usage_error "--user without a process" \
    "$P user-space recording needs -p PID or a command (-- COMMAND)" \
    record --user
usage_error "-p with a command" "$P -p and a command cannot go together" \
    record -p 1 -- true
usage_error "bad --events name" "$P bad events 'kmalloc,foo': unknown event 'foo'" \
    record -e kmalloc,foo
usage_error "empty --events name" \
    "$P bad events 'kmalloc,': empty name in the list" record -e kmalloc,
usage_error "user event in kernel mode" \
    "$P event 'malloc' is a user-space event: add --user" \
    record --kernel -e malloc
usage_error "kernel event in user mode" \
    "$P event 'kfree' is a kernel event: add --kernel" \
    record --user -e kfree -- true
usage_error "--buffer not a power of two" \
    "$P bad buffer '5000': not a power of two from the page size to 1G" \
    record -b 5000
usage_error "--buffer below a page" \
    "$P bad buffer '1K': not a power of two from the page size to 1G" \
    record -b 1K
usage_error "-d 0" "$P bad duration '0': not in 1..1000000 seconds" record -d 0
usage_error "-d word" "$P bad duration 'x': not a number" record -d x
usage_error "-c too long" "$P bad comm 'abcdefghijklmnop': not 1 to 15 bytes long" \
    record -c abcdefghijklmnop
usage_error "-p 0" "$P bad pid '0': not a process" record -p 0
usage_error "unknown option" \
    "$P unknown option '--frob' (try 'kmemlab help record')" record --frob
usage_error "extra argument" "$P unexpected argument 'x'" record x

# ---- user mode: exactly the calls of record_prog, per thread

run "$KMEMLAB" record -o "$T/user.kmt" -- "$PROG" seq
is_status 0 "user mode: exit 0"
cp "$RUN_OUT" "$T/expected"
cp "$RUN_ERR" "$T/user.err"
err_line "$P '$PROG' exited with status 0" "user mode: the command's status"
ok "user mode: the program logged its calls" test -s "$T/expected"
dump_events "$T/user.kmt" >"$T/user.events"
pid=$(head -n 1 "$T/expected" | cut -d' ' -f1)
ok "user mode: only the program's events (kmemlab's own never)" \
    test -z "$(awk -v p="$pid" '$1 != p' "$T/user.events")"
nthreads=0
for tid in $(cut -d' ' -f1 "$T/expected" | uniq); do
	nthreads=$((nthreads + 1))
	grep "^$tid " "$T/expected" >"$T/exp.$tid"
	n=$(wc -l <"$T/exp.$tid")
	first=$(head -n 1 "$T/exp.$tid")
	awk -v p="$pid" -v t="$tid" '$1 == p && $2 == t' "$T/user.events" |
	    cut -d' ' -f2- | awk -v f="$first" -v n="$n" '
		$0 == f { on = 1 }
		on && k < n { print; k++ }' >"$T/got.$tid"
	if cmp -s "$T/exp.$tid" "$T/got.$tid"; then
		ok "user mode: thread $nthreads: exactly its $n calls, in order" true
	else
		ok "user mode: thread $nthreads: exactly its $n calls, in order" false
		diff "$T/exp.$tid" "$T/got.$tid" | head -n 20 | sed 's/^/# /'
	fi
done
ok "user mode: three threads" test "$nthreads" = 3
run "$KMEMLAB" trace info "$T/user.kmt"
is_status 0 "user mode: trace info reads the whole trace"
out_line "source:     record (record -o $T/user.kmt -- $PROG seq)" \
    "user mode: the header says how it was recorded"

# -p: a process that is already running, recorded until it exits
"$PROG" sleep 2 &
sleeper=$!
run "$KMEMLAB" record -p "$sleeper" -o "$T/pid.kmt"
wait "$sleeper"
is_status 0 "-p PID: exit 0"
err_line "$P process $sleeper exited" "-p PID: the end says the process exited"
run "$KMEMLAB" trace info "$T/pid.kmt"
is_status 0 "-p PID: the trace is whole"

# ---- kernel mode: a known kernel load

run "$KMEMLAB" record -q --kernel -o "$T/kern.kmt" -- "$PROG" open 2000
is_status 0 "kernel mode: exit 0"
dump_events "$T/kern.kmt" >"$T/kern.events"
kpid=$(awk '$3 == "kmem_cache_alloc" { print $1; exit }' "$T/kern.events")
filp=$(grep -c ' kmem_cache_alloc .* cache=filp$' "$T/kern.events")
names=$(grep -c ' kmem_cache_alloc .* cache=names_cache$' "$T/kern.events")
ok "kernel mode: at least 2000 filp allocations ($filp)" test "$filp" -ge 2000
ok "kernel mode: at least 2000 names_cache allocations ($names)" \
    test "$names" -ge 2000
ok "kernel mode: only the command's events" \
    test -z "$(awk -v p="$kpid" '$1 != p' "$T/kern.events")"
ok "kernel mode: kmalloc events have sizes" \
    grep -q ' kmalloc ptr=0x[0-9a-f]* size=[0-9]* alloc=[0-9]* gfp=' \
    "$T/kern.events"
"$KMEMLAB" trace dump "$T/kern.kmt" | grep ' kmem_cache_alloc ' |
    grep -v ' site=[A-Za-z_][A-Za-z0-9_.]*+0x[0-9a-f]* ' >"$T/badsites"
ok "kernel mode: every call site is symbol+0xoff" test ! -s "$T/badsites"
run "$KMEMLAB" replay -q --db "$T/k.db" "$T/kern.kmt"
is_status 0 "kernel mode: the trace replays"
out_line "run 1 stored in $T/k.db" "kernel mode: the run is stored"

# the cache names from the kmem_cache structure (tp_btf programs), the
# way kernels whose records lack the name get them
run env KMEMLAB_RECORD_CACHE_STRUCT=1 "$KMEMLAB" record -q -v --kernel \
    -o "$T/struct.kmt" -- "$PROG" open 1000
is_status 0 "cache names from the structure: exit 0"
err_line "$P cache names from the kmem_cache structure" \
    "cache names from the structure: -v says so"
filp=$(dump_events "$T/struct.kmt" |
    grep -c ' kmem_cache_alloc .* cache=filp$')
ok "cache names from the structure: at least 1000 filp ($filp)" \
    test "$filp" -ge 1000

run "$KMEMLAB" record -q --kernel -c record_prog -o "$T/comm.kmt" -- \
    "$PROG" open 100
is_status 0 "-c: exit 0"
ok "-c: only events of record_prog" test -z "$("$KMEMLAB" trace dump \
    "$T/comm.kmt" | awk '$1 ~ /^[0-9]/ && $5 != "record_prog"')"

"$KMEMLAB" record -q -d 1 -e kmalloc,kfree,kmem_cache_alloc \
    -o "$T/sys.kmt" 2>"$T/sys.err" &
rec=$!
wait "$rec"
ok "whole system: exit 0" test $? = 0
ok "whole system: kmemlab's own process never appears" \
    test -z "$(dump_events "$T/sys.kmt" | awk -v p="$rec" '$1 == p')"
run "$KMEMLAB" trace info "$T/sys.kmt"
is_status 0 "whole system: the trace is whole"
ok "whole system: only the events asked" \
    test "$(op_events kmem_cache_free)$(op_events page_alloc)" = 00

# ---- streaming

"$KMEMLAB" record -q --kernel -o - -- "$PROG" open 500 2>"$T/s.err" |
    "$KMEMLAB" replay -q --db "$T/s.db" - >"$T/s.out" 2>&1
ok "record -o - | replay -: both succeed" test $? = 0
ok "record -o - | replay -: the run is stored" \
    grep -qx "run 1 stored in $T/s.db" "$T/s.out"
ok "record -o -: the command's output went to standard error" \
    grep -qx 500 "$T/s.err"
"$KMEMLAB" record -q --kernel -o - -- "$PROG" open 500 2>/dev/null |
    "$KMEMLAB" trace info - >"$T/si.out" 2>&1
ok "record -o - | trace info -: a whole trace" test $? = 0
ok "record -o - | trace info -: its source" \
    grep -q '^source: *record (record -q --kernel -o - -- ' "$T/si.out"

# a slow stream: a command that allocates a little once a second (the
# shell makes a file and forks a sleep at each tick) must reach a reader
# on the pipe while it runs, not when it ends.  It ticks until the test
# makes $T/slow.stop (at most 60 times); cat keeps the stream as it
# comes, and copies of it, read up to where it stops (no trailer yet),
# must hold an event of the command before its sixth tick.
slow_seen() {
	[ -s "$T/slow.pid" ] || return 1
	cp "$T/slow.kmt" "$T/slow.part"
	"$KMEMLAB" trace dump "$T/slow.part" 2>/dev/null |
	    awk -v p="$(cat "$T/slow.pid")" '
		$1 ~ /^[0-9]/ && $3 ~ /\// { split($3, id, "/"); if (id[1] == p) n++ }
		END { exit (n == 0) }'
}
{
	"$KMEMLAB" record -q --kernel -o - -- sh -c '
		echo $$ >"$1/slow.pid"
		i=0
		while [ ! -e "$1/slow.stop" ] && [ "$i" -lt 60 ]; do
			: >"$1/slow.tick.$i"
			i=$((i + 1))
			sleep 1
		done' sh "$T" 2>"$T/slow.err"
	echo $? >"$T/slow.status"
} | cat >"$T/slow.kmt" &
slow=$!
seen=0
i=0
while [ "$i" -lt 600 ] && [ ! -e "$T/slow.tick.6" ]; do
	if slow_seen; then
		seen=1
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
: >"$T/slow.stop"
ok "record -o - at a low rate: events reach the reader while the command runs" \
    test "$seen" = 1
wait "$slow"
ok "record -o - at a low rate: exit 0" test "$(cat "$T/slow.status")" = 0
run "$KMEMLAB" trace info "$T/slow.kmt"
is_status 0 "record -o - at a low rate: a whole trace"
ok "record -o - at a low rate: the command's events are in it" slow_seen

# ---- signals end a recording cleanly

for sig in INT TERM; do
	"$KMEMLAB" record -q -o "$T/sig$sig.kmt" 2>"$T/sig.err" &
	rec=$!
	sleep 2
	kill -"$sig" "$rec"
	wait "$rec"
	ok "SIG$sig: exit 0" test $? = 0
	run "$KMEMLAB" trace info "$T/sig$sig.kmt"
	is_status 0 "SIG$sig: the trailer is complete (trace info)"
done

# ---- drops: a tiny ring buffer under load

run "$KMEMLAB" record --kernel --buffer 4096 -o "$T/drop.kmt" -- \
    "$PROG" open 100000
is_status 0 "tiny buffer: exit 0"
dropped=$(sed -n 's/.* events in .*), \([0-9]*\) dropped$/\1/p' "$RUN_ERR")
ok "tiny buffer: the summary reports drops ($dropped)" \
    test "${dropped:-0}" -gt 0
err_has "dropped (ring buffer full): cpu " "tiny buffer: drops per CPU"
run "$KMEMLAB" trace info "$T/drop.kmt"
is_status 0 "tiny buffer: the trace is whole"
out_has "($dropped dropped)" "tiny buffer: trace info shows the same drops"

# ---- the live line

if have_tty; then
	run_tty "$KMEMLAB" record -d 2 -e kfree -o "$T/tty.kmt"
	is_status 0 "on a terminal: exit 0"
	err_has "record: " "on a terminal: the live line"
	err_has " events/s (" "on a terminal: events per second by kind"
	err_has " MB written" "on a terminal: bytes written"
else
	skip 4 "no terminal (script(1))"
fi

# ---- errors

# nobody may not reach the build tree (a clone under /root is 0700): run a
# copy of the program and its library from a directory anyone can read
nobody_kmemlab() {
	mkdir -p "$T/nobody" && chmod 755 "$T" "$T/nobody" || return 1
	if [ -x "$top_builddir/src/.libs/kmemlab" ]; then
		cp "$top_builddir/src/.libs/kmemlab" \
		    "$top_builddir"/lib/.libs/libkmemlab.so* "$T/nobody/" &&
		    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s/kmemlab "$@"\n' \
		    "$T/nobody" "$T/nobody" >"$T/nobody/run"
	else
		cp "$KMEMLAB" "$T/nobody/kmemlab" &&
		    printf '#!/bin/sh\nexec %s/kmemlab "$@"\n' "$T/nobody" \
		    >"$T/nobody/run"
	fi && chmod -R a+rX "$T/nobody" && chmod 755 "$T/nobody/run"
}

if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 &&
    nobody_kmemlab; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
	    --inh-caps=-all "$T/nobody/run" record -d 1 -o /dev/null
	is_status 1 "not root: exit 1"
	err_is "$P needs root, or CAP_BPF and CAP_PERFMON (uid 65534 has neither)" \
	    "not root: the message"
else
	skip 2 "no user nobody or no setpriv(1)"
fi

if command -v unshare >/dev/null 2>&1 &&
    unshare -m true 2>/dev/null; then
	run unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf &&
	    exec "$0" record -d 1 -o /dev/null' "$KMEMLAB"
	is_status 1 "no BTF: exit 1"
	err_is "$P this kernel has no BTF (/sys/kernel/btf/vmlinux: No such file or directory): the recorder needs a kernel built with CONFIG_DEBUG_INFO_BTF=y" \
	    "no BTF: the message"
	run unshare -m sh -c 'mount -t tmpfs none /sys/kernel/tracing &&
	    exec "$0" record -v -q -d 1 -e kfree -o "$1"' "$KMEMLAB" \
	    "$T/mnt.kmt"
	is_status 0 "tracefs not mounted: kmemlab mounts it and records"
	err_line "$P mounted tracefs on /sys/kernel/tracing" \
	    "tracefs not mounted: it says so with -v"
	if command -v capsh >/dev/null 2>&1; then
		run unshare -m sh -c 'mount -t tmpfs none /sys/kernel/tracing &&
		    exec capsh --drop=cap_sys_admin -- -c "exec $0 record -d 1 -o /dev/null"' \
		    "$KMEMLAB"
		is_status 1 "tracefs cannot be mounted: exit 1"
		err_is "$P tracefs is not mounted on /sys/kernel/tracing and mounting it failed: Operation not permitted (as root: mount -t tracefs tracefs /sys/kernel/tracing)" \
		    "tracefs cannot be mounted: the message"
	else
		skip 2 "no capsh(1)"
	fi
else
	skip 6 "no mount namespaces (unshare -m)"
fi

true &
gone=$!
wait "$gone"
run "$KMEMLAB" record -p "$gone" -o "$T/gone.kmt"
is_status 1 "a PID that does not exist: exit 1"
err_is "$P -p $gone: no such process" "a PID that does not exist: the message"

run "$KMEMLAB" record -o "$T/no/dir/x.kmt" -- "$PROG" seq
is_status 1 "an output in a missing directory: exit 1"
err_is "$P $T/no/dir/x.kmt: No such file or directory" \
    "an output in a missing directory: the message"
out_empty "an output in a missing directory: the command never ran"

run "$KMEMLAB" record -o "$T/nocmd.kmt" -- "$T/no-such-command" a b
is_status 1 "a command that cannot start: exit 1"
err_is "$P cannot start '$T/no-such-command': No such file or directory" \
    "a command that cannot start: the message"
ok "a command that cannot start: nothing written" test ! -e "$T/nocmd.kmt"
no_tmp_files "a command that cannot start: no temporary file left"
run "$KMEMLAB" record -o "$T/nocmd.kmt" -- "$T"
is_status 1 "a directory as the command: exit 1"
err_is "$P cannot start '$T': Permission denied" \
    "a directory as the command: the message"

if [ ! -e /sys/kernel/tracing/events/kmem/kmalloc_node ]; then
	run "$KMEMLAB" record -e kmalloc_node -d 1 -o "$T/node.kmt"
	is_status 1 "a tracepoint this kernel lacks: exit 1"
	err_is "$P tracepoint kmem:kmalloc_node does not exist on this kernel ($(uname -r))" \
	    "a tracepoint this kernel lacks: the message"
	ok "a tracepoint this kernel lacks: nothing written" \
	    test ! -e "$T/node.kmt"
else
	skip 3 "this kernel has kmalloc_node"
fi

run "$KMEMLAB" record --lib libnosuchlib -o "$T/lib.kmt" -- "$PROG" seq
is_status 1 "--lib not loaded: exit 1"
err_is "$P --lib libnosuchlib: no such library is loaded by kmemlab (give its path)" \
    "--lib not loaded: the message"
run "$KMEMLAB" record --lib "$T/nolib.so" -o "$T/lib.kmt" -- "$PROG" seq
is_status 1 "--lib missing file: exit 1"
err_is "$P --lib $T/nolib.so: No such file or directory" \
    "--lib missing file: the message"
libc=$(awk '$NF ~ /\/libc[.-]/ { print $NF; exit }' /proc/self/maps)
run "$KMEMLAB" record --lib "$libc" --prefix nosuch_ -e malloc \
    -o "$T/lib.kmt" -- "$PROG" seq
is_status 1 "a function that is not there: exit 1"
err_is "$P $libc: no function nosuch_malloc" \
    "a function that is not there: the message"

done_testing
