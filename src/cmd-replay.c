/*
 * src/cmd-replay.c: "kmemlab replay", a trace replayed against the
 * allocator stack on virtual CPUs, with its results stored in the
 * database.
 *
 * One run: the policy (kml_policy_load, then each --set in order) and
 * the cost file are read first, so that their errors come before any
 * work; then the trace's SHA-256 (a file only), the trace opened, the
 * database opened, the replay created (which owns the allocator stack),
 * the run's row begun, the replay run with the database's hooks, and the
 * run ended, which stores every summary table and the status in one
 * transaction.  The hooks given to the replay are this file's: they pass
 * anomalies and samples on to the database's hooks (known only once the
 * run has its id) and print the progress line.
 *
 * Several runs (--cpus 1,2,4): the parent checks the trace and creates
 * the database's schema, then forks one child per value, at most -j at a
 * time; each child opens the database itself (an SQLite handle never
 * crosses a fork) and stores its own run, retrying while another child
 * holds the write lock.  A child's standard output goes to a temporary
 * file that the parent prints once every child is done, in the order of
 * the list, so that the summaries never interleave.
 *
 * Signals: SIGINT and SIGTERM ask the running replay to stop after its
 * current event (kml_replay_stop is signal-safe); the run is then stored
 * as "interrupted".  The parent of several runs passes the signal on to
 * its children and starts no more.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include <kmemlab/cost.h>
#include <kmemlab/db.h>
#include <kmemlab/replay.h>
#include <kmemlab/trace.h>

#include "cmd.h"
#include "sha256.h"
#include "util.h"

static int cmd_replay_exec(int, char **);

const struct cmd_entry cmd_replay_entry = {
	.name = "replay",
	.usage = "[options] TRACE|-",
	.summary = "replay a trace on virtual CPUs and store the results",
	.help =
	    "Replays TRACE ('-': standard input) against the in-process\n"
	    "allocator stack on virtual CPUs, stores the run in the results\n"
	    "database and prints a summary and \"run N stored in DB\".\n"
	    "\n"
	    "options:\n"
	    "      --db=PATH           the results database (default:\n"
	    "                          ./kmemlab.db, created if needed)\n"
	    "  -p, --policy=POLICY     netbsd, illumos, freebsd, or a policy file\n"
	    "                          (default: netbsd)\n"
	    "  -s, --set=KEY=VALUE     set one policy key over the policy;\n"
	    "                          repeatable, applied in order\n"
	    "  -c, --cpus=N|LIST       virtual CPUs, 1..1024 (default: the\n"
	    "                          policy's cpus, else the trace's); a list\n"
	    "                          such as 1,2,4,8 makes one run per value,\n"
	    "                          in parallel processes\n"
	    "  -j, --jobs=N            runs of a list at a time (default: the\n"
	    "                          online CPUs of this machine)\n"
	    "  -m, --map=MAP           trace CPUs to vCPUs: fold (CPU % vCPUs) or\n"
	    "                          spread (threads round robin) (default: fold)\n"
	    "  -t, --timing=TIMING     trace (events start no earlier than their\n"
	    "                          recorded time) or afap (back to back)\n"
	    "                          (default: trace)\n"
	    "  -S, --seed=N            random seed, recorded (default: 0)\n"
	    "      --sample=DURATION   time-series interval in virtual time,\n"
	    "                          N[ns|us|ms|s]; 0: none (default: 0)\n"
	    "      --skip-slab-pages   leave out the page events that are the\n"
	    "                          traced kernel's slab growth\n"
	    "      --cost=FILE         cost model overrides: \"name = ns\" lines\n"
	    "                          (default: the built-in costs)\n"
	    "  -q, --quiet             print only the \"run N stored\" line\n"
	    "  -h, --help              print this help and exit\n"
	    "\n"
	    "Policy keys: fit, classes, magazines, mag_layer, magsize,\n"
	    "magsize_large, mag_adaptive, mag_contention, depot_trim,\n"
	    "mag_interval_ms, physmem, pagesize, lowat, hiwat, cpus.  Costs:\n"
	    "lock, vmem_call, vmem_probe, vmem_bitmap, vmem_hash, vmem_split,\n"
	    "vmem_coalesce, vmem_rehash, vmem_import, page, pool_item,\n"
	    "pool_page, malloc_block, mempool_elem.  See kmemlab-replay(1).\n"
	    "\n"
	    "SIGINT or SIGTERM stops the replay after the current event and\n"
	    "stores the run as interrupted.  Progress goes to standard error\n"
	    "when it is a terminal.\n"
	    "\n"
	    "exit status: 0 every run completed, 1 a run ended in deadlock,\n"
	    "failed or was interrupted, or a runtime error, 2 usage error.\n",
	.exec = cmd_replay_exec
};

/* Long-only options. */
enum {
	CMD_REPLAY_OPT_DB = 256,
	CMD_REPLAY_OPT_SAMPLE,
	CMD_REPLAY_OPT_SKIP,
	CMD_REPLAY_OPT_COST
};

static const struct option cmd_replay_longopts[] = {
	{ "db",		required_argument,	NULL,	CMD_REPLAY_OPT_DB },
	{ "policy",	required_argument,	NULL,	'p' },
	{ "set",	required_argument,	NULL,	's' },
	{ "cpus",	required_argument,	NULL,	'c' },
	{ "jobs",	required_argument,	NULL,	'j' },
	{ "map",	required_argument,	NULL,	'm' },
	{ "timing",	required_argument,	NULL,	't' },
	{ "seed",	required_argument,	NULL,	'S' },
	{ "sample",	required_argument,	NULL,	CMD_REPLAY_OPT_SAMPLE },
	{ "skip-slab-pages", no_argument,	NULL,	CMD_REPLAY_OPT_SKIP },
	{ "cost",	required_argument,	NULL,	CMD_REPLAY_OPT_COST },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/* Most values in a --cpus list. */
#define CMD_REPLAY_MAXLIST	64

/* Caches in the summary. */
#define CMD_REPLAY_TOPCACHES	5

/* Tries of a database write that finds the database locked (children). */
#define CMD_REPLAY_BUSY_TRIES	60

/* The command line, parsed. */
struct cmd_replay_args {
	const char *a_db;			/* the database's path */
	const char *a_trace;			/* the trace's path, "-": stdin */
	const char *a_cost;			/* the cost file, NULL: none */
	bool a_quiet;
	unsigned a_jobs;			/* parallel runs of a list */
	unsigned a_cpus[CMD_REPLAY_MAXLIST];	/* the --cpus values */
	unsigned a_ncpus;			/* 0: no --cpus */
	struct kml_replay_config a_rc;		/* the replay's configuration */
};

/* ---- signals */

/* The replay running in this process, for the signal handler. */
static struct kml_replay *volatile cmd_replay_current;

/* The signal received, 0 if none. */
static volatile sig_atomic_t cmd_replay_signalled;

/* The children running (the parent of several runs), 0 in free slots. */
static volatile pid_t cmd_replay_children[CMD_REPLAY_MAXLIST];

/*
 * cmd_replay_signal: SIGINT and SIGTERM: stop the running replay and
 * pass the signal on to the children.
 * => only async-signal-safe calls.
 */
static void
cmd_replay_signal(int sig)
{
	struct kml_replay *r = cmd_replay_current;

	cmd_replay_signalled = sig;
	if (r != NULL)
		kml_replay_stop(r);
	for (size_t i = 0; i < CMD_REPLAY_MAXLIST; i++)
		if (cmd_replay_children[i] > 0)
			kill(cmd_replay_children[i], sig);
}

/* cmd_replay_catch: install cmd_replay_signal for SIGINT and SIGTERM. */
static void
cmd_replay_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cmd_replay_signal;
	sa.sa_flags = SA_RESTART;	/* a trace read from a pipe goes on */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ---- options */

/*
 * cmd_replay_cpus_list: parse "N" or "N,M,..." into a->a_cpus.
 * => returns 0, or KML_EXIT_USAGE after reporting "bad cpus 'LIST': why".
 */
static int
cmd_replay_cpus_list(struct cmd_replay_args *a, const char *arg)
{
	char buf[32], why[96];
	const char *p = arg, *comma, *cause;
	uint64_t v;
	size_t len;

	a->a_ncpus = 0;
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len == 0)
			return util_bad("cpus", arg, "empty value in the list");
		if (len >= sizeof(buf)) {
			snprintf(why, sizeof(why), "'%.*s...' is not a number",
			    8, p);
			return util_bad("cpus", arg, why);
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (util_parse_uint(buf, UINT64_MAX, &v, &cause) != 0) {
			if (strcmp(cause, "not a number") == 0)
				snprintf(why, sizeof(why),
				    "'%s' is not a number", buf);
			else
				snprintf(why, sizeof(why),
				    "'%s' is not in 1..%d", buf, KML_MAXCPUS);
			return util_bad("cpus", arg, why);
		}
		if (v < 1 || v > KML_MAXCPUS) {
			snprintf(why, sizeof(why), "'%s' is not in 1..%d", buf,
			    KML_MAXCPUS);
			return util_bad("cpus", arg, why);
		}
		for (unsigned i = 0; i < a->a_ncpus; i++) {
			if (a->a_cpus[i] == v) {
				snprintf(why, sizeof(why),
				    "%s is in the list twice", buf);
				return util_bad("cpus", arg, why);
			}
		}
		if (a->a_ncpus == CMD_REPLAY_MAXLIST) {
			snprintf(why, sizeof(why), "more than %d values",
			    CMD_REPLAY_MAXLIST);
			return util_bad("cpus", arg, why);
		}
		a->a_cpus[a->a_ncpus++] = (unsigned)v;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/*
 * cmd_replay_policy: load the policy name into po.
 * => returns 0, or an exit status after reporting: KML_EXIT_USAGE when
 *    name is neither a built-in policy nor a file, KML_EXIT_RUNTIME for a
 *    policy file that cannot be read or has a bad line.
 */
static int
cmd_replay_policy(struct kml_policy *po, const char *name)
{
	char err[1024];
	struct stat st;
	bool usage;

	usage = strcmp(name, "netbsd") != 0 && strcmp(name, "illumos") != 0 &&
	    strcmp(name, "freebsd") != 0 && stat(name, &st) != 0;
	if (kml_policy_load(po, name, err, sizeof(err)) != 0) {
		util_error("%s", err);
		return usage ? KML_EXIT_USAGE : KML_EXIT_RUNTIME;
	}
	return 0;
}

/*
 * cmd_replay_cost_file: read the cost file path ("name = ns" lines, '#'
 * comments, blank lines) into kml_cost_ns.
 * => returns 0, or KML_EXIT_RUNTIME after reporting "PATH: why" or
 *    "PATH:LINE: why".
 */
static int
cmd_replay_cost_file(const char *path)
{
	char line[1024], *p, *key, *val, *end;
	const char *name, *cause;
	unsigned lineno = 0;
	uint64_t ns;
	FILE *fp;
	int status = 0;

	if ((fp = util_open_input(path, &name)) == NULL)
		return KML_EXIT_RUNTIME;
	while (status == 0 && fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		p = line + strspn(line, " \t\r\n");
		if (*p == '\0')
			continue;
		key = p;
		p += strcspn(p, " \t=\r\n");
		end = p;
		p += strspn(p, " \t");
		if (*p != '=') {
			util_error("%s:%u: expected 'name = ns'", name, lineno);
			status = KML_EXIT_RUNTIME;
			break;
		}
		*end = '\0';
		val = p + 1 + strspn(p + 1, " \t");
		val[strcspn(val, " \t\r\n")] = '\0';
		if (util_parse_duration(val, &ns, &cause) != 0) {
			util_error("%s:%u: bad value '%s' for cost '%s': %s",
			    name, lineno, val, key, cause);
			status = KML_EXIT_RUNTIME;
		} else if (kml_cost_set(key, ns) != 0) {
			util_error("%s:%u: unknown cost '%s'", name, lineno,
			    key);
			status = KML_EXIT_RUNTIME;
		}
	}
	if (status == 0 && ferror(fp)) {
		util_error("%s: %s", name, strerror(errno));
		status = KML_EXIT_RUNTIME;
	}
	util_close_input(fp);
	return status;
}

/*
 * cmd_replay_args: parse the command line into *a.
 * => returns -1 to go on, or an exit status: KML_EXIT_OK after --help,
 *    otherwise after a reported error.
 */
static int
cmd_replay_args(int argc, char **argv, struct cmd_replay_args *a)
{
	const char *policy = "netbsd", *cause;
	const char **sets;
	size_t nsets = 0;
	uint64_t v;
	long online;
	int ch, status;

	memset(a, 0, sizeof(*a));
	kml_replay_config_init(&a->a_rc);
	a->a_db = UTIL_DB_DEFAULT;
	online = sysconf(_SC_NPROCESSORS_ONLN);
	a->a_jobs = online > 0 ? (unsigned)online : 1;
	sets = xcalloc((size_t)argc, sizeof(*sets));
	status = -1;
	while (status < 0 && (ch = getopt_long(argc, argv,
	    ":p:s:c:j:m:t:S:qh", cmd_replay_longopts, NULL)) != -1) {
		switch (ch) {
		case CMD_REPLAY_OPT_DB:
			a->a_db = optarg;
			break;
		case 'p':
			policy = optarg;
			break;
		case 's':
			sets[nsets++] = optarg;
			break;
		case 'c':
			if (cmd_replay_cpus_list(a, optarg) != 0)
				status = KML_EXIT_USAGE;
			break;
		case 'j':
			if (util_parse_uint(optarg, CMD_REPLAY_MAXLIST, &v,
			    &cause) != 0 || v == 0)
				status = util_bad("jobs", optarg,
				    "not in 1..64");
			else
				a->a_jobs = (unsigned)v;
			break;
		case 'm':
			if (strcmp(optarg, "fold") == 0)
				a->a_rc.rc_cpumap = KML_CPUMAP_FOLD;
			else if (strcmp(optarg, "spread") == 0)
				a->a_rc.rc_cpumap = KML_CPUMAP_SPREAD;
			else
				status = util_bad("map", optarg,
				    "not fold or spread");
			break;
		case 't':
			if (strcmp(optarg, "trace") == 0)
				a->a_rc.rc_timing = KML_TIMING_TRACE;
			else if (strcmp(optarg, "afap") == 0)
				a->a_rc.rc_timing = KML_TIMING_AFAP;
			else
				status = util_bad("timing", optarg,
				    "not trace or afap");
			break;
		case 'S':
			if (util_parse_uint(optarg, UINT64_MAX, &v,
			    &cause) != 0)
				status = util_bad("seed", optarg, cause);
			else
				a->a_rc.rc_seed = v;
			break;
		case CMD_REPLAY_OPT_SAMPLE:
			if (util_parse_duration(optarg, &v, &cause) != 0)
				status = util_bad("sample", optarg, cause);
			else
				a->a_rc.rc_sample_ns = v;
			break;
		case CMD_REPLAY_OPT_SKIP:
			a->a_rc.rc_skip_slab_pages = true;
			break;
		case CMD_REPLAY_OPT_COST:
			a->a_cost = optarg;
			break;
		case 'q':
			a->a_quiet = true;
			break;
		case 'h':
			cmd_print_help(stdout, &cmd_replay_entry);
			status = KML_EXIT_OK;
			break;
		default:
			status = cmd_option_error(ch, argv,
			    cmd_replay_longopts, &cmd_replay_entry);
			break;
		}
	}
	if (status < 0 && optind == argc) {
		util_error("missing trace ('-' for standard input)");
		status = KML_EXIT_USAGE;
	}
	if (status < 0) {
		a->a_trace = argv[optind++];
		if (optind < argc)
			status = cmd_extra_argument(argv[optind]);
	}
	if (status < 0 && a->a_ncpus > 1 && strcmp(a->a_trace, "-") == 0) {
		util_error("a trace on standard input is replayed once: give "
		    "--cpus one value");
		status = KML_EXIT_USAGE;
	}
	if (status < 0 &&
	    (status = cmd_replay_policy(&a->a_rc.rc_policy, policy)) == 0)
		status = -1;
	for (size_t i = 0; status < 0 && i < nsets; i++) {
		char err[512];

		if (kml_policy_set(&a->a_rc.rc_policy, sets[i], err,
		    sizeof(err)) != 0) {
			util_error("%s", err);
			status = KML_EXIT_USAGE;
		}
	}
	free(sets);
	return status;
}

/* ---- one run */

/* What the hooks of one run need. */
struct cmd_replay_ctx {
	struct kml_replay_hooks c_db;	/* the database's hooks, once begun */
	struct kml_trace *c_trace;	/* the trace being replayed */
	uint64_t c_size;		/* its size in bytes, 0: unknown */
	bool c_progress;		/* print the progress line */
	bool c_shown;			/* a progress line is on the terminal */
	struct timespec c_start;	/* wall clock at the start */
};

/* cmd_replay_since: wall seconds since *start. */
static double
cmd_replay_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	    (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* cmd_replay_anomaly: pass an anomaly on to the database. */
static void
cmd_replay_anomaly(void *arg, const struct kml_anomaly *an)
{
	struct cmd_replay_ctx *c = arg;

	if (c->c_db.rh_anomaly != NULL)
		c->c_db.rh_anomaly(c->c_db.rh_arg, an);
}

/* cmd_replay_sample: pass a sample on to the database. */
static void
cmd_replay_sample(void *arg, struct kml_replay *r,
    const struct kml_replay_sample *sa)
{
	struct cmd_replay_ctx *c = arg;

	if (c->c_db.rh_sample != NULL)
		c->c_db.rh_sample(c->c_db.rh_arg, r, sa);
}

/*
 * cmd_replay_progress: every 2^20 events, the progress line on standard
 * error: events done, rate, and the time left as estimated from the
 * share of the trace's bytes read (a file only).
 */
static void
cmd_replay_progress(void *arg, uint64_t events)
{
	struct cmd_replay_ctx *c = arg;
	double secs = cmd_replay_since(&c->c_start), rate, off, left;
	char eta[64] = "";

	if (c->c_db.rh_progress != NULL)
		c->c_db.rh_progress(c->c_db.rh_arg, events);
	if (!c->c_progress)
		return;
	rate = secs > 0 ? (double)events / secs : 0;
	off = (double)kml_trace_offset(c->c_trace);
	if (c->c_size != 0 && off > 0 && off <= (double)c->c_size) {
		left = secs * ((double)c->c_size - off) / off;
		snprintf(eta, sizeof(eta), ", %.0f s left", left);
	}
	fprintf(stderr, "\r\033[Kreplay: %.1fM events, %.2fM events/s%s",
	    (double)events / 1e6, rate / 1e6, eta);
	fflush(stderr);
	c->c_shown = true;
}

/* cmd_replay_busy: err says that the database was locked or busy. */
static bool
cmd_replay_busy(const char *err)
{
	return strstr(err, "locked") != NULL || strstr(err, "busy") != NULL;
}

/* cmd_replay_nap: sleep 50 ms before trying the database again. */
static void
cmd_replay_nap(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * cmd_replay_config_string: the configuration a run records: the policy's
 * keys, the replay's options and every cost, as "key=value" words.
 * => returns a string to free.
 */
static char *
cmd_replay_config_string(const struct kml_replay_config *rc)
{
	size_t len, cap;
	char *buf;

	len = kml_policy_format(&rc->rc_policy, NULL, 0);
	cap = len + 256 + KML_COST_NCOSTS * 48;
	buf = xmalloc(cap);
	kml_policy_format(&rc->rc_policy, buf, len + 1);
	len += (size_t)snprintf(buf + len, cap - len,
	    " map=%s timing=%s seed=%" PRIu64 " sample_ns=%" PRIu64
	    " skip_slab_pages=%s window=%" PRIu64 " tombstones=%" PRIu32,
	    rc->rc_cpumap == KML_CPUMAP_SPREAD ? "spread" : "fold",
	    rc->rc_timing == KML_TIMING_AFAP ? "afap" : "trace",
	    rc->rc_seed, (uint64_t)rc->rc_sample_ns,
	    rc->rc_skip_slab_pages ? "yes" : "no", rc->rc_window,
	    rc->rc_tombs);
	for (int i = 0; i < KML_COST_NCOSTS && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len,
		    " cost.%s=%" PRIu64, kml_costdesc[i].cd_name,
		    kml_cost_ns[i]);
	return buf;
}

/*
 * cmd_replay_top_caches: print the caches of run id with the most
 * allocations, read back from the database.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_replay_top_caches(struct kml_db *db, const char *path, int64_t id)
{
	struct util_table t;
	sqlite3_stmt *st;
	int rc;

	if ((st = util_db_prepare(db, path,
	    "SELECT name, layer, objsize, allocs, frees, inuse, pages "
	    "FROM caches WHERE run_id = ?1 AND allocs > 0 "
	    "ORDER BY allocs DESC, name LIMIT ?2")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, CMD_REPLAY_TOPCACHES);
	util_table_init(&t, 7, "llrrrrr");
	util_table_row(&t, "name\tlayer\tsize\tallocs\tfrees\tinuse\tpages");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (int i = 0; i < 7; i++)
			util_table_add(&t, util_db_text(st, i, ""));
	return util_db_table(db, path, st, rc, &t,
	    "top caches (by allocations):");
}

/*
 * cmd_replay_summary: print what run r did (status st, wall seconds
 * wall) and its top caches.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_replay_summary(const struct cmd_replay_args *a, struct kml_replay *r,
    unsigned st, double wall, struct kml_db *db, int64_t id)
{
	const struct kml_replay_totals *tot = kml_replay_totals(r);
	const struct kml_replay_config *rc = &a->a_rc;
	const char *sep = "";
	bool any = false;

	printf("trace:         %s\n", strcmp(a->a_trace, "-") == 0 ?
	    "<stdin>" : a->a_trace);
	printf("policy:        %s, %u vCPU%s, %s map, %s timing\n",
	    rc->rc_policy.po_name, kml_replay_cpus(r),
	    kml_replay_cpus(r) == 1 ? "" : "s",
	    rc->rc_cpumap == KML_CPUMAP_SPREAD ? "spread" : "fold",
	    rc->rc_timing == KML_TIMING_AFAP ? "afap" : "trace");
	printf("status:        %s\n", kml_replay_status_name(st));
	printf("events:        %" PRIu64 " (%" PRIu64 " replayed",
	    tot->rt_events, tot->rt_replayed);
	if (rc->rc_skip_slab_pages)
		printf(", %" PRIu64 " slab page events left out",
		    tot->rt_skipped_pages);
	printf(")\n");
	printf("virtual time:  %" PRIu64 ".%09" PRIu64 " s\n",
	    (uint64_t)tot->rt_virtual_ns / 1000000000,
	    (uint64_t)tot->rt_virtual_ns % 1000000000);
	printf("wall time:     %.3f s (%.0f events/s)\n", wall,
	    wall > 0 ? (double)tot->rt_replayed / wall : 0.0);
	printf("anomalies:     ");
	for (unsigned k = 0; k < KML_AN_COUNT; k++) {
		if (tot->rt_anomalies[k] == 0)
			continue;
		printf("%s%" PRIu64 " %s", sep, tot->rt_anomalies[k],
		    kml_anomaly_name(k));
		sep = ", ";
		any = true;
	}
	printf("%s\n", any ? "" : "none");
	printf("fails:         %" PRIu64 "\n", tot->rt_fails);
	printf("sleeps:        %" PRIu64 "\n", tot->rt_sleeps);
	return cmd_replay_top_caches(db, a->a_db, id);
}

/*
 * cmd_replay_one: replay a's trace on cpus vCPUs (0: as the policy or
 * the trace says) and store the run; sha is the trace's digest or NULL.
 * In a child of several runs (child), a locked database is tried again.
 * => returns the exit status: KML_EXIT_OK for a completed run.
 */
static int
cmd_replay_one(const struct cmd_replay_args *a, unsigned cpus,
    const char *sha, bool child)
{
	struct kml_replay_config rc = a->a_rc;
	struct kml_replay_hooks hooks;
	struct cmd_replay_ctx ctx;
	struct kml_db_run run;
	struct kml_replay *r;
	struct kml_trace *t;
	struct kml_db *db;
	struct stat sb;
	char err[2048], *config;
	unsigned st;
	int64_t id;
	double wall;
	int status = KML_EXIT_OK, tries;

	if ((t = kml_trace_open_read(a->a_trace, err, sizeof(err))) == NULL) {
		util_error("%s", err);
		return KML_EXIT_RUNTIME;
	}
	if ((db = util_db_open(a->a_db, false)) == NULL) {
		kml_trace_close(t, err, sizeof(err));
		return KML_EXIT_RUNTIME;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.c_trace = t;
	ctx.c_progress = !a->a_quiet && !child && isatty(STDERR_FILENO);
	if (strcmp(a->a_trace, "-") != 0 && stat(a->a_trace, &sb) == 0 &&
	    S_ISREG(sb.st_mode))
		ctx.c_size = (uint64_t)sb.st_size;
	memset(&hooks, 0, sizeof(hooks));
	hooks.rh_arg = &ctx;
	hooks.rh_anomaly = cmd_replay_anomaly;
	hooks.rh_sample = cmd_replay_sample;
	hooks.rh_progress = cmd_replay_progress;
	if (cpus != 0)
		rc.rc_cpus = cpus;
	if ((r = kml_replay_create(&rc, t, &hooks, err, sizeof(err))) == NULL) {
		util_error("%s", err);
		util_db_close(db);
		kml_trace_close(t, err, sizeof(err));
		return KML_EXIT_RUNTIME;
	}

	config = cmd_replay_config_string(&rc);
	memset(&run, 0, sizeof(run));
	run.dr_trace = a->a_trace;
	run.dr_trace_sha256 = sha;
	run.dr_policy = rc.rc_policy.po_name;
	run.dr_config = config;
	run.dr_cpus = kml_replay_cpus(r);
	run.dr_timing = rc.rc_timing == KML_TIMING_AFAP ? "afap" : "trace";
	run.dr_seed = rc.rc_seed;
	run.dr_version = PACKAGE_VERSION;
	for (tries = 0;; tries++) {
		if (kml_db_run_begin(db, &run, &id, err, sizeof(err)) == 0)
			break;
		if (!child || !cmd_replay_busy(err) ||
		    tries == CMD_REPLAY_BUSY_TRIES) {
			util_error("%s", err);
			free(config);
			kml_replay_destroy(r);
			util_db_close(db);
			kml_trace_close(t, err, sizeof(err));
			return KML_EXIT_RUNTIME;
		}
		cmd_replay_nap();
	}
	free(config);
	kml_db_hooks(db, id, &ctx.c_db);

	clock_gettime(CLOCK_MONOTONIC, &ctx.c_start);
	cmd_replay_current = r;
	if (cmd_replay_signalled != 0)
		kml_replay_stop(r);
	st = kml_replay_run(r);
	cmd_replay_current = NULL;
	wall = cmd_replay_since(&ctx.c_start);
	if (ctx.c_shown)
		fputs("\r\033[K", stderr);

	switch (st) {
	case KML_REPLAY_COMPLETED:
		break;
	case KML_REPLAY_INTERRUPTED:
		util_error("interrupted after %" PRIu64 " events",
		    kml_replay_totals(r)->rt_events);
		status = KML_EXIT_RUNTIME;
		break;
	default:
		util_error("%s", kml_replay_errmsg(r)[0] != '\0' ?
		    kml_replay_errmsg(r) : kml_replay_status_name(st));
		status = KML_EXIT_RUNTIME;
		break;
	}
	for (tries = 0;; tries++) {
		if (kml_db_run_end(db, id, r, st, wall, err, sizeof(err)) == 0)
			break;
		if (!child || !cmd_replay_busy(err) ||
		    tries == CMD_REPLAY_BUSY_TRIES) {
			util_error("%s", err);
			kml_replay_destroy(r);
			util_db_close(db);
			kml_trace_close(t, err, sizeof(err));
			return KML_EXIT_RUNTIME;
		}
		cmd_replay_nap();
	}
	if (!a->a_quiet && cmd_replay_summary(a, r, st, wall, db, id) != 0)
		status = KML_EXIT_RUNTIME;
	if (!a->a_quiet)
		printf("\n");
	printf("run %" PRId64 " stored in %s\n", id, a->a_db);
	kml_replay_destroy(r);
	if (util_db_close(db) != 0)
		status = KML_EXIT_RUNTIME;
	kml_trace_close(t, err, sizeof(err));
	return status;
}

/* ---- several runs */

/*
 * cmd_replay_check: before forking, make sure that the trace opens and
 * that the database opens (creating its schema once, not in every child).
 * => returns 0, or KML_EXIT_RUNTIME after reporting.
 */
static int
cmd_replay_check(const struct cmd_replay_args *a)
{
	struct kml_trace *t;
	struct kml_db *db;
	char err[1024];

	if ((t = kml_trace_open_read(a->a_trace, err, sizeof(err))) == NULL) {
		util_error("%s", err);
		return KML_EXIT_RUNTIME;
	}
	kml_trace_close(t, err, sizeof(err));
	if ((db = util_db_open(a->a_db, false)) == NULL)
		return KML_EXIT_RUNTIME;
	return util_db_close(db) == 0 ? 0 : KML_EXIT_RUNTIME;
}

/*
 * cmd_replay_child: in a new child process, run a's trace on cpus vCPUs
 * with standard output to out; never returns.
 */
static void __attribute__((noreturn))
cmd_replay_child(const struct cmd_replay_args *a, unsigned cpus,
    const char *sha, FILE *out)
{
	static char name[64];
	int status;

	snprintf(name, sizeof(name), "replay --cpus=%u", cpus);
	util_set_command(name);
	fflush(stdout);
	if (dup2(fileno(out), STDOUT_FILENO) < 0)
		util_fatal("cannot redirect the output: %s", strerror(errno));
	status = cmd_replay_one(a, cpus, sha, true);
	if (fflush(stdout) != 0 || ferror(stdout))
		status = KML_EXIT_RUNTIME;
	_exit(status);
}

/*
 * cmd_replay_many: one run per value of a->a_cpus, in child processes,
 * at most a->a_jobs at a time; print their outputs in list order.
 * => returns KML_EXIT_OK if every run completed, else KML_EXIT_RUNTIME.
 */
static int
cmd_replay_many(const struct cmd_replay_args *a, const char *sha)
{
	FILE *out[CMD_REPLAY_MAXLIST] = { NULL };
	int result[CMD_REPLAY_MAXLIST];
	unsigned next = 0, running = 0;
	int status = KML_EXIT_OK, ws;
	char buf[8192];
	size_t n;
	pid_t pid;

	if (cmd_replay_check(a) != 0)
		return KML_EXIT_RUNTIME;
	fflush(stdout);
	fflush(stderr);
	while (next < a->a_ncpus || running > 0) {
		if (next < a->a_ncpus && running < a->a_jobs &&
		    cmd_replay_signalled == 0) {
			if ((out[next] = tmpfile()) == NULL)
				util_fatal("cannot make a temporary file: %s",
				    strerror(errno));
			if ((pid = fork()) < 0)
				util_fatal("cannot fork: %s", strerror(errno));
			if (pid == 0)
				cmd_replay_child(a, a->a_cpus[next], sha,
				    out[next]);
			cmd_replay_children[next] = pid;
			result[next++] = -1;
			running++;
			continue;
		}
		if (next < a->a_ncpus && cmd_replay_signalled != 0) {
			/* Interrupted: the runs not started are not made. */
			while (next < a->a_ncpus)
				result[next++] = KML_EXIT_RUNTIME;
			status = KML_EXIT_RUNTIME;
			if (running == 0)
				break;
		}
		if ((pid = waitpid(-1, &ws, 0)) < 0) {
			if (errno == EINTR)
				continue;
			util_fatal("waitpid: %s", strerror(errno));
		}
		for (unsigned i = 0; i < next; i++) {
			if (cmd_replay_children[i] != pid)
				continue;
			cmd_replay_children[i] = 0;
			result[i] = WIFEXITED(ws) ? WEXITSTATUS(ws) :
			    KML_EXIT_RUNTIME;
			if (!WIFEXITED(ws))
				util_error("the run with --cpus=%u died of "
				    "signal %d", a->a_cpus[i], WTERMSIG(ws));
			running--;
		}
	}
	for (unsigned i = 0; i < a->a_ncpus; i++) {
		if (result[i] != KML_EXIT_OK)
			status = KML_EXIT_RUNTIME;
		if (out[i] == NULL)
			continue;
		if (i > 0 && !a->a_quiet)
			putchar('\n');
		rewind(out[i]);
		while ((n = fread(buf, 1, sizeof(buf), out[i])) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(out[i]);
	}
	return status;
}

/* ---- the command */

/*
 * cmd_replay_exec: parse the options, read the cost file, take the
 * trace's digest, then make one run or several.
 */
static int
cmd_replay_exec(int argc, char **argv)
{
	char hex[SHA256_HEX_LEN + 1];
	struct cmd_replay_args a;
	const char *sha = NULL;
	int status;

	if ((status = cmd_replay_args(argc, argv, &a)) >= 0)
		return status;
	kml_cost_reset();
	if (a.a_cost != NULL && cmd_replay_cost_file(a.a_cost) != 0)
		return KML_EXIT_RUNTIME;
	if (strcmp(a.a_trace, "-") != 0) {
		if (sha256_file(a.a_trace, hex) != 0) {
			util_error("%s: %s", a.a_trace, strerror(errno));
			return KML_EXIT_RUNTIME;
		}
		sha = hex;
	}
	cmd_replay_catch();
	if (a.a_ncpus > 1)
		return cmd_replay_many(&a, sha);
	return cmd_replay_one(&a, a.a_ncpus == 1 ? a.a_cpus[0] : 0, sha,
	    false);
}
