#!/bin/sh
# bench/scaling.sh: the magazine scaling study of Bonwick & Adams (USENIX
# 2001, "Magazines and Vmem", figure 5), on the simulated stack.
#
# A generated workload (gen random: kmalloc of pow2 sizes 8..4096 bytes,
# 16 CPUs, each with about 1000 live objects) is replayed as fast as
# possible (--timing afap) on 1, 2, 4, 8 and 16 virtual CPUs (trace CPUs
# folded onto them), with magazines (the netbsd policy) and without
# (mag_layer=no: every get and put goes to the pool layer, under the
# pool's lock).  Each run is stored in a temporary database; the table
# comes from it with kmemlab sql:
#   Mev/vs     events per virtual second (events / the run's virtual time)
#   speedup    against the same configuration on 1 vCPU
#   depot acq  depot lock acquisitions, all caches; contended: those that
#              waited
#   pool cont  pool lock acquisitions that waited, all caches
#   wait %     virtual time spent waiting for locks / busy time, all vCPUs
# Everything is virtual time, so the figures are the same on every host.
#
# Usage: bench/scaling.sh [EVENTS]   (default 2000000; KMEMLAB: the binary,
# default ./src/kmemlab from the build directory)
set -eu
kml=${KMEMLAB:-./src/kmemlab}
events=${1:-2000000}
tmp=$(mktemp -d /tmp/kmemlab-scaling.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "scaling: gen random --cpus 16 --events $events --seed 1; replay --timing afap" \
    "--cpus 1,2,4,8,16, policy netbsd with magazines and with mag_layer=no"
"$kml" gen random --cpus 16 --events "$events" --seed 1 -q -o "$tmp/t.kmt"
"$kml" replay -q -t afap --cpus 1,2,4,8,16 --db "$tmp/s.db" "$tmp/t.kmt" >/dev/null
"$kml" replay -q -t afap --cpus 1,2,4,8,16 -s mag_layer=no --db "$tmp/s.db" \
    "$tmp/t.kmt" >/dev/null
"$kml" sql --db "$tmp/s.db" --csv "
WITH r AS (
  SELECT id, cpus, CASE WHEN config LIKE '%mag_layer=no%' THEN 'off' ELSE 'on' END AS mag,
         events, virtual_ns FROM runs),
l AS (
  SELECT run_id,
         sum(CASE WHEN kind = 'depot' THEN acquisitions ELSE 0 END) AS dacq,
         sum(CASE WHEN kind = 'depot' THEN contended ELSE 0 END) AS dcont,
         sum(CASE WHEN kind = 'pool' THEN contended ELSE 0 END) AS pcont
  FROM locks GROUP BY run_id),
c AS (
  SELECT run_id, sum(lock_wait_ns) AS wait, sum(busy_ns) AS busy
  FROM cpus GROUP BY run_id)
SELECT r.mag AS mag, r.cpus AS cpus, round(r.virtual_ns / 1e6, 2) AS vms,
       round(r.events * 1e3 / r.virtual_ns, 1) AS mevs,
       round(CAST((SELECT b.virtual_ns FROM r b WHERE b.mag = r.mag AND b.cpus = 1) AS REAL)
             / r.virtual_ns, 2) AS speedup,
       l.dacq AS dacq, l.dcont AS dcont, l.pcont AS pcont,
       round(100.0 * c.wait / c.busy, 1) AS waitpct
FROM r JOIN l ON l.run_id = r.id JOIN c ON c.run_id = r.id
ORDER BY r.mag DESC, r.cpus" |
awk -F, 'NR == 1 {
	print "| magazines | vCPUs | virtual ms | Mev/vs | speedup | depot acq | depot contended | pool contended | lock wait % |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	next
}
{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
