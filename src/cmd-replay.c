/*
 * src/cmd-replay.c: "kmemlab replay", a trace replayed against the
 * allocator stack on virtual CPUs, with its results stored in the
 * database.
 *
 * One run (replay-run.c, shared with "kmemlab top"): the options parsed,
 * the cost file read and the trace's SHA-256 taken, the trace, database
 * and replay opened and the run's row begun; here the replay is run
 * with a hook that prints the progress line, then ended, which stores
 * every summary table and the status in one transaction, and the summary
 * is printed.  With --tui the one run is shown by the dashboard of
 * "kmemlab top" (cmd-top.c) instead.
 *
 * Several runs (--cpus 1,2,4): the parent checks the trace and creates
 * the database's schema, then forks one child per value, at most -j at a
 * time; each child opens the database itself (an SQLite handle never
 * crosses a fork) and stores its own run, waiting up to two minutes
 * (instead of 2 s) while another child holds the write lock.  A child's standard output goes to a temporary
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
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <kmemlab/db.h>
#include <kmemlab/replay.h>
#include <kmemlab/trace.h>

#include "cmd.h"
#include "replay-run.h"
#include "sha256.h"
#include "top.h"
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
	    RRUN_HELP(RRUN_HELP_CPUS_LIST)
	    RRUN_MANY_HELP
	    "      --tui               show the run in the dashboard of\n"
	    "                          kmemlab-top(1) (one run: one --cpus\n"
	    "                          value, no -j or -q; keys: q, space, n,\n"
	    "                          + and -; see kmemlab help top)\n"
	    "      --speed=SPEED       with --tui: the starting pace, 1, 10, 100,\n"
	    "                          ... (x real time) or afap (default: 1)\n"
	    "      --on-quit=WHAT      with --tui, quitting before the end:\n"
	    "                          interrupt (store the run as interrupted)\n"
	    "                          or finish (complete it without the\n"
	    "                          dashboard) (default: interrupt)\n"
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

/* Long-only options of this command. */
enum {
	CMD_REPLAY_OPT_TUI = RRUN_OPT_END,
	CMD_REPLAY_OPT_SPEED,
	CMD_REPLAY_OPT_ONQUIT
};

static const struct option cmd_replay_longopts[] = {
	RRUN_LONGOPTS,
	RRUN_MANY_LONGOPTS,
	{ "tui",	no_argument,		NULL,	CMD_REPLAY_OPT_TUI },
	{ "speed",	required_argument,	NULL,	CMD_REPLAY_OPT_SPEED },
	{ "on-quit",	required_argument,	NULL,	CMD_REPLAY_OPT_ONQUIT },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/* Caches in the summary. */
#define CMD_REPLAY_TOPCACHES	5

/* The command line, parsed. */
struct cmd_replay_args {
	struct rrun_args a_run;			/* the replay options */
	struct top_opts a_top;			/* --tui, --speed, --on-quit */
};

/* ---- signals */

/* The replay running in this process, for the signal handler. */
static struct kml_replay *volatile cmd_replay_current;

/* The signal received, 0 if none. */
static volatile sig_atomic_t cmd_replay_signalled;

/* The children running (the parent of several runs), 0 in free slots. */
static volatile pid_t cmd_replay_children[RRUN_MAXLIST];

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
	for (size_t i = 0; i < RRUN_MAXLIST; i++)
		if (cmd_replay_children[i] > 0)
			kill(cmd_replay_children[i], sig);
}

/* cmd_replay_catch: install cmd_replay_signal for SIGINT and SIGTERM. */
static void
cmd_replay_catch(void)
{
	/* restarted: a trace read from a pipe goes on */
	util_catch(SIGINT, cmd_replay_signal, true);
	util_catch(SIGTERM, cmd_replay_signal, true);
}

/* ---- options */

/*
 * cmd_replay_args: parse the command line into *a.
 * => returns -1 to go on, or an exit status: KML_EXIT_OK after --help,
 *    otherwise after a reported error.
 */
static int
cmd_replay_args(int argc, char **argv, struct cmd_replay_args *a)
{
	int ch, status = -1;

	rrun_args_init(&a->a_run, argc);
	top_opts_init(&a->a_top);
	while (status < 0 && (ch = getopt_long(argc, argv,
	    ":" RRUN_SHORTOPTS RRUN_MANY_SHORTOPTS "h", cmd_replay_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case CMD_REPLAY_OPT_TUI:
			a->a_top.o_tui = true;
			break;
		case CMD_REPLAY_OPT_SPEED:
			status = top_opts_speed(&a->a_top, optarg);
			break;
		case CMD_REPLAY_OPT_ONQUIT:
			status = top_opts_onquit(&a->a_top, optarg);
			break;
		case 'h':
			cmd_print_help(stdout, &cmd_replay_entry);
			status = KML_EXIT_OK;
			break;
		default:
			status = rrun_option(&a->a_run, ch, argv,
			    cmd_replay_longopts, &cmd_replay_entry);
			break;
		}
	}
	if (status < 0)
		status = rrun_finish(&a->a_run, argc, argv, true,
		    a->a_top.o_tui ? "--tui" : NULL);
	rrun_args_free(&a->a_run);
	return status;
}

/* ---- one run */

/* What the progress hook of one run needs. */
struct cmd_replay_ctx {
	struct rrun *c_run;		/* the run */
	bool c_progress;		/* print the progress line */
	bool c_shown;			/* a progress line is on the terminal */
};

/*
 * cmd_replay_progress: every 2^20 events, the progress line on standard
 * error: events done, rate, and the time left as estimated from the
 * share of the trace's bytes read (a file only).
 */
static void
cmd_replay_progress(void *arg, uint64_t events)
{
	struct cmd_replay_ctx *c = arg;
	double secs = rrun_wall(c->c_run), rate, off, left;
	uint64_t size = c->c_run->s_size;
	char eta[64] = "";

	if (!c->c_progress)
		return;
	rate = secs > 0 ? (double)events / secs : 0;
	off = (double)kml_trace_offset(c->c_run->s_trace);
	if (size != 0 && off > 0 && off <= (double)size) {
		left = secs * ((double)size - off) / off;
		snprintf(eta, sizeof(eta), ", %.0f s left", left);
	}
	fprintf(stderr, "\r\033[Kreplay: %.1fM events, %.2fM events/s%s",
	    (double)events / 1e6, rate / 1e6, eta);
	fflush(stderr);
	c->c_shown = true;
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
 * cmd_replay_summary: print what run s did (status st, wall seconds
 * wall) and its top caches.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_replay_summary(const struct rrun_args *a, struct rrun *s, unsigned st,
    double wall)
{
	const struct kml_replay_totals *tot = kml_replay_totals(s->s_r);
	const struct kml_replay_config *rc = &a->a_rc;
	unsigned cpus = kml_replay_cpus(s->s_r);
	const char *sep = "";
	char vbuf[32];
	bool any = false;

	printf("trace:         %s\n", strcmp(a->a_trace, "-") == 0 ?
	    "<stdin>" : a->a_trace);
	printf("policy:        %s, %u vCPU%s, %s map, %s timing\n",
	    rc->rc_policy.po_name, cpus, cpus == 1 ? "" : "s",
	    rc->rc_cpumap == KML_CPUMAP_SPREAD ? "spread" : "fold",
	    rc->rc_timing == KML_TIMING_AFAP ? "afap" : "trace");
	printf("status:        %s\n", kml_replay_status_name(st));
	printf("events:        %" PRIu64 " (%" PRIu64 " replayed",
	    tot->rt_events, tot->rt_replayed);
	if (rc->rc_skip_slab_pages)
		printf(", %" PRIu64 " slab page events left out",
		    tot->rt_skipped_pages);
	printf(")\n");
	printf("virtual time:  %s s\n", util_secs(vbuf, sizeof(vbuf),
	    tot->rt_virtual_ns));
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
	return cmd_replay_top_caches(s->s_db, a->a_db, s->s_id);
}

/*
 * cmd_replay_one: replay a's trace on cpus vCPUs (0: as the policy or
 * the trace says) and store the run; sha is the trace's digest or NULL.
 * In a child of several runs (child), a locked database is waited for
 * longer.
 * => returns the exit status: KML_EXIT_OK for a completed run.
 */
static int
cmd_replay_one(const struct rrun_args *a, unsigned cpus, const char *sha,
    bool child)
{
	struct cmd_replay_ctx ctx;
	struct kml_replay_hooks hooks;
	struct rrun run;
	unsigned st;
	double wall;
	int status;

	memset(&ctx, 0, sizeof(ctx));
	ctx.c_run = &run;
	ctx.c_progress = !a->a_quiet && !child && isatty(STDERR_FILENO);
	memset(&hooks, 0, sizeof(hooks));
	hooks.rh_arg = &ctx;
	hooks.rh_progress = cmd_replay_progress;
	if (rrun_open(&run, a, NULL, cpus, sha, child, &hooks) != 0)
		return KML_EXIT_RUNTIME;

	cmd_replay_current = run.s_r;
	if (cmd_replay_signalled != 0)
		kml_replay_stop(run.s_r);
	st = kml_replay_run(run.s_r);
	cmd_replay_current = NULL;
	wall = rrun_wall(&run);
	if (ctx.c_shown)
		fputs("\r\033[K", stderr);

	status = rrun_status(&run, st);
	if (rrun_end(&run, st, wall) != 0) {
		(void)rrun_close(&run);
		return KML_EXIT_RUNTIME;
	}
	if (!a->a_quiet && cmd_replay_summary(a, &run, st, wall) != 0)
		status = KML_EXIT_RUNTIME;
	if (!a->a_quiet)
		printf("\n");
	printf("run %" PRId64 " stored in %s\n", run.s_id, a->a_db);
	if (rrun_close(&run) != 0)
		status = KML_EXIT_RUNTIME;
	return status;
}

/* ---- several runs */

/*
 * cmd_replay_check: before forking, make sure that the trace opens and
 * that the database opens (creating its schema once, not in every child).
 * => returns 0, or KML_EXIT_RUNTIME after reporting.
 */
static int
cmd_replay_check(const struct rrun_args *a)
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
cmd_replay_child(const struct rrun_args *a, unsigned cpus,
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
cmd_replay_many(const struct rrun_args *a, const char *sha)
{
	FILE *out[RRUN_MAXLIST] = { NULL };
	int result[RRUN_MAXLIST];
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
 * trace's digest, then make one run (in the dashboard with --tui) or
 * several.
 */
static int
cmd_replay_exec(int argc, char **argv)
{
	char hex[SHA256_HEX_LEN + 1];
	struct cmd_replay_args a;
	const char *sha;
	int status;

	if ((status = cmd_replay_args(argc, argv, &a)) >= 0)
		return status;
	if (a.a_top.o_tui && !top_check_tty())
		return KML_EXIT_USAGE;
	if (rrun_prepare(&a.a_run, hex, &sha) != 0)
		return KML_EXIT_RUNTIME;
	if (a.a_top.o_tui)
		return top_replay(&a.a_run, &a.a_top, sha);
	cmd_replay_catch();
	if (a.a_run.a_ncpus > 1)
		return cmd_replay_many(&a.a_run, sha);
	return cmd_replay_one(&a.a_run, a.a_run.a_ncpus == 1 ?
	    a.a_run.a_cpus[0] : 0, sha, false);
}
