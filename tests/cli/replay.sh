#!/bin/sh
# tests/cli/replay.sh: "kmemlab replay", "runs", "report", "compare" and
# "sql" on a database in $T.  Checks each command's help and usage errors
# (exit 2, exact message); a replay of a hand-made text trace (loaded
# with "trace load") whose figures follow from the trace (see the comment
# above it): the summary lines, the runs line, the report's perf kmem
# stat lines and anomaly rows, sql in the three formats; two identical
# replays storing identical rows (determinism); compare's exact rows for
# two runs; --cpus with a list making one run per value in parallel;
# and the errors: a missing trace, a truncated trace (stored as failed),
# a database in a missing directory, a locked database (with sqlite3(1):
# one run gives up after 2 s, the runs of a --cpus list wait longer),
# an unknown policy key or policy, a bad policy file, a bad cost file,
# a bad --cpus list, report/compare of runs that are not there, an SQL
# error; and SIGINT, which stores the run as interrupted.

. "$(dirname "$0")/lib.sh"

DB=$T/k.db

# sql_val QUERY: the single value QUERY gives on $DB (CSV, no header).
sql_val() {
	"$KMEMLAB" sql --db "$DB" --csv "$1" 2>/dev/null | sed -n 2p
}

# cfg_has DESC PATTERN: the words of $cfg, with a blank on either side,
# match the case pattern PATTERN; else show $cfg.
cfg_has() {
	case " $cfg " in
	$2) ok "$1" true ;;
	*) ok "$1" false; diag "config: $cfg" ;;
	esac
}

# ---- help

for cmd in replay runs report compare sql; do
	run "$KMEMLAB" help $cmd
	is_status 0 "help $cmd: exit 0"
	ok "help $cmd: first line is the usage" \
	    test "$(head -n 1 "$RUN_OUT" | cut -c1-$((16 + ${#cmd})))" = \
	    "usage: kmemlab $cmd "
	cp "$RUN_OUT" "$T/help.out"
	run "$KMEMLAB" $cmd --help
	ok "$cmd --help prints the same as help $cmd" \
	    cmp -s "$RUN_OUT" "$T/help.out"
done
run "$KMEMLAB" replay --help
for opt in "--db=PATH" "-p, --policy=POLICY" "-s, --set=KEY=VALUE" \
    "-c, --cpus=N|LIST" "-j, --jobs=N" "-m, --map=MAP" "-t, --timing=TIMING" \
    "-S, --seed=N" "--sample=DURATION" "--skip-slab-pages" "--cost=FILE" \
    "-q, --quiet"; do
	out_has "$opt" "replay --help lists $opt"
done

# ---- usage errors

P="kmemlab replay:"
usage_error "replay without a trace" \
    "$P missing trace ('-' for standard input)" replay --db "$DB"
usage_error "replay with two traces" "$P unexpected argument 'b'" \
    replay --db "$DB" a b
usage_error "replay --frob" \
    "$P unknown option '--frob' (try 'kmemlab help replay')" replay --frob x
usage_error "replay --map" "$P bad map 'x': not fold or spread" \
    replay --map x t
usage_error "replay --timing" "$P bad timing 'x': not trace or afap" \
    replay --timing x t
usage_error "replay --sample" \
    "$P bad sample '5m': not a duration (N[ns|us|ms|s])" replay --sample 5m t
usage_error "replay -j 0" "$P bad jobs '0': not in 1..64" replay -j 0 t
usage_error "replay -j 65" "$P bad jobs '65': not in 1..64" replay -j 65 t
usage_error "replay --cpus empty value" \
    "$P bad cpus '1,,2': empty value in the list" replay --cpus 1,,2 t
usage_error "replay --cpus 0" "$P bad cpus '0': '0' is not in 1..1024" \
    replay --cpus 0 t
usage_error "replay --cpus 1025" \
    "$P bad cpus '2,1025': '1025' is not in 1..1024" replay --cpus 2,1025 t
usage_error "replay --cpus word" "$P bad cpus '1,x': 'x' is not a number" \
    replay --cpus 1,x t
usage_error "replay --cpus twice" "$P bad cpus '2,4,2': 2 is in the list twice" \
    replay --cpus 2,4,2 t
usage_error "replay list from stdin" \
    "$P a trace on standard input is replayed once: give --cpus one value" \
    replay --cpus 1,2 -
usage_error "replay unknown policy" \
    "$P unknown policy 'solaris' (netbsd, illumos, freebsd, or a file)" \
    replay --policy solaris t
usage_error "replay unknown policy key" "$P unknown policy key 'frob'" \
    replay --set frob=1 t
usage_error "runs with an argument" "kmemlab runs: unexpected argument 'x'" \
    runs x
usage_error "report bad run" "kmemlab report: bad run 'x': not a run id" \
    report x
usage_error "report run 0" "kmemlab report: bad run '0': not a run id" \
    report 0
usage_error "compare one run" \
    "kmemlab compare: missing run (two are compared)" compare 1
usage_error "compare three runs" "kmemlab compare: unexpected argument '3'" \
    compare 1 2 3
usage_error "sql --csv --json" \
    "kmemlab sql: options '--csv' and '--json' exclude each other" \
    sql --csv --json "SELECT 1"
ok "no database made by the usage errors" test ! -e "$DB"

# ---- no database yet

for cmd in runs report "compare 1 2" "sql SELECT"; do
	run "$KMEMLAB" $cmd --db "$DB"
	is_status 1 "$cmd without a database: exit 1"
	err_is "kmemlab ${cmd%% *}: $DB: No such file or directory" \
	    "$cmd without a database: message"
done

# ---- a replay whose figures follow from the trace
#
# Seven events on 2 CPUs: kmalloc 24 (kmem-32: 32 bytes), a filp object
# of 184 bytes (cache filp, 192), a cross-CPU kfree of the first, a kfree
# of 0x9000 that was never allocated, the filp freed, a kmalloc of 5000
# (a large allocation: 8192 bytes, two pages) left live, and a second
# kfree of 0x1000 (a double free, event 7).  So: 7 events, 5 replayed
# (the two bad frees are skipped), 1 never allocated, 1 double free;
# requested 24 + 184 + 5000 = 5208, allocated 32 + 192 + 8192 = 8416,
# freed 32 + 192 = 224, one cross-CPU free out of 2 frees.
TINY=$T/tiny.kmt
tiny_trace "$TINY"

run "$KMEMLAB" replay --db "$DB" "$TINY"
is_status 0 "replay: exit 0"
out_line "trace:         $TINY" "replay: trace line"
out_line "policy:        netbsd, 2 vCPUs, fold map, trace timing" \
    "replay: the trace's 2 CPUs, the defaults"
out_line "status:        completed" "replay: completed"
out_line "events:        7 (5 replayed)" "replay: events"
out_line "anomalies:     1 never allocated, 1 double free" "replay: anomalies"
out_line "fails:         0" "replay: fails"
out_line "sleeps:        0" "replay: sleeps"
out_has "  filp " "replay: the filp cache among the top caches"
out_line "run 1 stored in $DB" "replay: run 1 stored"
err_empty "replay: nothing on stderr (not a terminal)"

run "$KMEMLAB" replay --db "$DB" -q --cpus 1 "$TINY"
is_status 0 "replay -q: exit 0"
ok "replay -q: only the run line" test "$(cat "$RUN_OUT")" = \
    "run 2 stored in $DB"

run "$KMEMLAB" runs --db "$DB"
is_status 0 "runs: exit 0"
ok "runs: a title and two lines" test "$(wc -l <"$RUN_OUT")" -eq 3
ok "runs: run 1's fields" test "$(awk '$1 == 1 { print $3, $4, $5, $6, $7, $8 }' \
    "$RUN_OUT")" = "completed $TINY netbsd 2 trace 7"
ok "runs: run 2 on 1 vCPU" test "$(awk '$1 == 2 { print $3, $6 }' \
    "$RUN_OUT")" = "completed 1"

ok "the trace's sha256 is recorded" test "$(sql_val \
    "SELECT trace_sha256 FROM runs WHERE id = 1")" = \
    "$(sha256sum "$TINY" | cut -d' ' -f1)"

# ---- sql

run "$KMEMLAB" sql --db "$DB" "SELECT id, status, events FROM runs ORDER BY id"
is_status 0 "sql: exit 0"
ok "sql: aligned columns with a header" test "$(cat "$RUN_OUT")" = \
"id  status     events
 1  completed       7
 2  completed       7"
run "$KMEMLAB" sql --db "$DB" --csv \
    "SELECT id, 'a,b' AS x, NULL AS n FROM runs WHERE id = 1"
ok "sql --csv" test "$(cat "$RUN_OUT")" = 'id,x,n
1,"a,b",'
run "$KMEMLAB" sql --db "$DB" --json \
    "SELECT id, status, NULL AS n, 1.5 AS f FROM runs ORDER BY id"
ok "sql --json" test "$(cat "$RUN_OUT")" = '[
  {"id": 1, "status": "completed", "n": null, "f": 1.5},
  {"id": 2, "status": "completed", "n": null, "f": 1.5}
]'
run "$KMEMLAB" sql --db "$DB" --json "SELECT x'' AS z, x'0a1b' AS b"
ok "sql --json: blobs in hex, the empty one as \"\"" test "$(cat "$RUN_OUT")" = '[
  {"z": "", "b": "0a1b"}
]'
printf 'SELECT count(*) AS n FROM runs;\n-- two statements\nSELECT 7 AS x;\n' \
    >"$T/q.sql"
run_in "$T/q.sql" "$KMEMLAB" sql --db "$DB"
ok "sql from stdin, two results" test "$(cat "$RUN_OUT")" = "n
2

x
7"
run "$KMEMLAB" sql --db "$DB" "SELEC 1"
is_status 1 "sql syntax error: exit 1"
err_is 'kmemlab sql: near "SELEC": syntax error' "sql syntax error: message"
run "$KMEMLAB" sql --db "$DB" "SELECT * FROM nope"
err_is "kmemlab sql: no such table: nope" "sql unknown table: message"

# ---- report

run "$KMEMLAB" report --db "$DB" 1
is_status 0 "report 1: exit 0"
out_line "run 1: completed" "report: the run's status"
out_line "  Total bytes requested: 5208" "report: bytes requested"
out_line "  Total bytes allocated: 8416" "report: bytes allocated"
out_line "  Total bytes freed:     224" "report: bytes freed"
out_line "  Total bytes wasted on internal fragmentation: 3208" \
    "report: internal fragmentation"
out_line "  Cross CPU frees: 1/2" "report: cross-CPU frees"
for title in "caches, pool layer (vmstat -m):" \
    "caches, magazine layers (vmstat -C):" "arenas (::kmastat):" "cpus:" \
    "locks waited for:" "top call sites (by bytes allocated):" "anomalies:"; do
	out_line "$title" "report has the section $title"
done
ok "report: kmem_va_arena indented under kmem_arena" \
    grep -q '^      kmem_va_arena ' "$RUN_OUT"
ok "report: the double free, event 7" test "$(awk '$1 == 7 && $5 == "double" \
    { print $6, $7 }' "$RUN_OUT")" = "free 0x1000"
ok "report: anomaly counts" test "$(awk '/^  never allocated / { a = $3 }
    /^  double free / { b = $3 } END { print a, b }' "$RUN_OUT")" = "1 1"
run "$KMEMLAB" report --db "$DB"
ok "report: the latest completed run by default" \
    test "$(head -n 1 "$RUN_OUT")" = "run 2: completed"
run "$KMEMLAB" report --db "$DB" 9
is_status 1 "report of a run not there: exit 1"
err_is "kmemlab report: $DB: no run 9" "report of a run not there: message"

# ---- determinism: the same replay twice stores the same rows

"$KMEMLAB" replay --db "$DB" -q "$TINY" >/dev/null 2>&1
# Compare the rows with their run ids left out, both ways.
for tab in caches arenas cpus sites locks anomalies anomaly_counts uvm kmem; do
	cols=$("$KMEMLAB" sql --db "$DB" --csv \
	    "SELECT group_concat(name) FROM pragma_table_info('$tab') WHERE name != 'run_id'" |
	    sed -n 2p | tr -d '"')
	n=$(sql_val "SELECT count(*) FROM (SELECT $cols FROM $tab WHERE run_id = 1
	    EXCEPT SELECT $cols FROM $tab WHERE run_id = 3) ")
	m=$(sql_val "SELECT count(*) FROM (SELECT $cols FROM $tab WHERE run_id = 3
	    EXCEPT SELECT $cols FROM $tab WHERE run_id = 1) ")
	ok "determinism: $tab of runs 1 and 3 identical" test "$n $m" = "0 0"
	ok "determinism: run 1 has $tab rows" test "$(sql_val \
	    "SELECT count(*) FROM $tab WHERE run_id = 1")" -gt 0
done
ok "determinism: same virtual time" test "$(sql_val \
    "SELECT count(DISTINCT virtual_ns) FROM runs WHERE id IN (1, 3)")" = 1

# ---- compare

run "$KMEMLAB" compare --db "$DB" 1 3
is_status 0 "compare 1 3: exit 0"
ok "compare: the title row" test "$(head -n 1 "$RUN_OUT" | awk '{ print $1, $2, $3, $4, $5, $6 }')" = \
    "run 1 run 3 diff diff%"
ok "compare: events row" test "$(awk '$1 == "events" { print $2, $3, $4, $5 }' \
    "$RUN_OUT")" = "7 7 0 0.0%"
ok "compare: bytes allocated row" test "$(awk '$1 == "bytes" && $2 == "allocated" \
    { print $3, $4, $5, $6 }' "$RUN_OUT")" = "8416 8416 0 0.0%"
out_line "caches:" "compare: caches section"
run "$KMEMLAB" compare --db "$DB" 1 2
ok "compare: cpus row" test "$(awk '$1 == "cpus" { print $2, $3 }' \
    "$RUN_OUT")" = "2 1"
run "$KMEMLAB" compare --db "$DB" 1 8
is_status 1 "compare with a run not there: exit 1"
err_is "kmemlab compare: $DB: no run 8" "compare with a run not there: message"

# ---- --cpus with a list: one run per value, in parallel

run "$KMEMLAB" replay --db "$DB" -q --cpus 1,2,4 -j 2 "$TINY"
is_status 0 "replay --cpus 1,2,4: exit 0"
ok "replay --cpus 1,2,4: three run lines" test "$(grep -c '^run [0-9]* stored in ' \
    "$RUN_OUT")" = 3
ok "replay --cpus 1,2,4: runs on 1, 2 and 4 vCPUs" test "$(sql_val \
    "SELECT group_concat(cpus, ' ') FROM (SELECT cpus FROM runs WHERE id > 3 ORDER BY cpus)")" = \
    "1 2 4"
ok "replay --cpus 1,2,4: all completed" test "$(sql_val \
    "SELECT count(*) FROM runs WHERE id > 3 AND status = 'completed'")" = 3

# ---- policies, costs, options recorded

printf '# a policy\nbase = illumos\nfit = best\n' >"$T/pol.txt"
run "$KMEMLAB" replay --db "$DB" -q --policy "$T/pol.txt" --set magsize=7 \
    --timing afap --map spread --seed 42 "$TINY"
is_status 0 "replay with a policy file and options: exit 0"
ID=$(sql_val "SELECT max(id) FROM runs")
ok "the policy file is recorded" test "$(sql_val \
    "SELECT policy FROM runs WHERE id = $ID")" = "$T/pol.txt"
cfg=$(sql_val "SELECT config FROM runs WHERE id = $ID")
for kv in fit=best magsize=7 map=spread timing=afap seed=42 cost.lock=20; do
	cfg_has "config records $kv" "* $kv *"
done
printf 'lock = 35\npage = 1us\n' >"$T/cost.txt"
run "$KMEMLAB" replay --db "$DB" -q --cost "$T/cost.txt" "$TINY"
is_status 0 "replay --cost: exit 0"
cfg=$(sql_val "SELECT config FROM runs WHERE id = (SELECT max(id) FROM runs)")
cfg_has "the cost file is recorded" "* cost.lock=35 * cost.page=1000 *"

# ---- runtime errors: nothing half-written

NRUNS=$(sql_val "SELECT count(*) FROM runs")
run "$KMEMLAB" replay --db "$DB" "$T/none.kmt"
is_status 1 "missing trace: exit 1"
err_is "kmemlab replay: $T/none.kmt: No such file or directory" \
    "missing trace: message"
printf 'fit = best\nfrob = 2\n' >"$T/bad.pol"
run "$KMEMLAB" replay --db "$DB" --policy "$T/bad.pol" "$TINY"
is_status 1 "bad policy file: exit 1"
err_is "kmemlab replay: $T/bad.pol:2: unknown key 'frob'" \
    "bad policy file: message"
printf 'lock = 3\nfrob = 2\n' >"$T/bad.cost"
run "$KMEMLAB" replay --db "$DB" --cost "$T/bad.cost" "$TINY"
is_status 1 "bad cost file: exit 1"
err_is "kmemlab replay: $T/bad.cost:2: unknown cost 'frob'" \
    "bad cost file: message"
printf 'lock 3\n' >"$T/bad2.cost"
run "$KMEMLAB" replay --db "$DB" --cost "$T/bad2.cost" "$TINY"
err_is "kmemlab replay: $T/bad2.cost:1: expected 'name = ns'" \
    "cost file without '=': message"
printf 'lock = fast\n' >"$T/bad3.cost"
run "$KMEMLAB" replay --db "$DB" --cost "$T/bad3.cost" "$TINY"
err_is "kmemlab replay: $T/bad3.cost:1: bad value 'fast' for cost 'lock': not a duration (N[ns|us|ms|s])" \
    "cost file with a bad value: message"
run "$KMEMLAB" replay --db "$T/nodir/k.db" "$TINY"
is_status 1 "database in a missing directory: exit 1"
err_is "kmemlab replay: $T/nodir/k.db: unable to open database file" \
    "database in a missing directory: message"
ok "no run stored by these errors" test "$(sql_val "SELECT count(*) FROM runs")" = \
    "$NRUNS"

# A truncated trace: the events before the damage are replayed, the run
# is stored as failed, and its error is the trace's.
"$KMEMLAB" gen random -n 5000 -c 2 -o "$T/gen.kmt" 2>/dev/null
head -c 20000 "$T/gen.kmt" >"$T/cut.kmt"
run "$KMEMLAB" replay --db "$DB" -q "$T/cut.kmt"
is_status 1 "truncated trace: exit 1"
err_has "kmemlab replay: $T/cut.kmt: truncated at byte 20000" \
    "truncated trace: the trace's message"
ID=$(sql_val "SELECT max(id) FROM runs")
out_line "run $ID stored in $DB" "truncated trace: the run is stored"
ok "truncated trace: status failed" test "$(sql_val \
    "SELECT status FROM runs WHERE id = $ID")" = failed
ok "truncated trace: no summary rows" test "$(sql_val \
    "SELECT count(*) FROM caches WHERE run_id = $ID")" = 0
run "$KMEMLAB" report --db "$DB" "$ID"
is_status 0 "report of a failed run: exit 0"
out_line "no tables: the run did not complete" "report of a failed run: no tables"

# A locked database: another connection holds an exclusive lock.
if command -v sqlite3 >/dev/null 2>&1; then
	(echo "BEGIN EXCLUSIVE;"; sleep 4; echo "COMMIT;") | sqlite3 "$DB" &
	sleep 1
	run "$KMEMLAB" replay --db "$DB" -q "$TINY"
	is_status 1 "locked database: exit 1"
	err_is "kmemlab replay: $DB: database is locked" "locked database: message"
	wait
	# Several runs wait longer: the lock outlasts the 2 s of one run.
	LAST=$(sql_val "SELECT max(id) FROM runs")
	(echo "BEGIN EXCLUSIVE;"; sleep 3; echo "COMMIT;") | sqlite3 "$DB" &
	sleep 0.5
	run "$KMEMLAB" replay --db "$DB" -q --cpus 1,2 "$TINY"
	is_status 0 "locked database, --cpus 1,2: exit 0"
	wait
	ok "locked database, --cpus 1,2: both runs completed" test "$(sql_val \
	    "SELECT count(*) FROM runs WHERE id > $LAST AND status = 'completed'")" = 2
else
	skip 4 "no sqlite3(1)"
fi

# SIGINT: the replay stops and the run is stored as interrupted.
"$KMEMLAB" gen random -n 50000000 -c 2 -o - 2>/dev/null |
    "$KMEMLAB" replay --db "$DB" - >"$T/int.out" 2>"$T/int.err" &
PID=$!
sleep 1
kill -INT "$PID"
wait "$PID"
RUN_STATUS=$?
cp "$T/int.out" "$RUN_OUT"
cp "$T/int.err" "$RUN_ERR"
RUN_CMD="gen | replay -, SIGINT after 1 s"
is_status 1 "SIGINT: exit 1"
err_has "kmemlab replay: interrupted after " "SIGINT: message"
out_line "status:        interrupted" "SIGINT: summary status"
ID=$(sql_val "SELECT max(id) FROM runs")
ok "SIGINT: stored as interrupted" test "$(sql_val \
    "SELECT status FROM runs WHERE id = $ID")" = interrupted

done_testing
