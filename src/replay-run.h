/*
 * src/replay-run.h: what "kmemlab replay" and "kmemlab top" share: the
 * replay options (parsed into struct rrun_args, with their help text) and
 * one run of a trace stored in the results database (struct rrun).
 *
 * Options: a command puts RRUN_LONGOPTS in its own option table and
 * RRUN_SHORTOPTS in its option string (and RRUN_MANY_LONGOPTS and
 * RRUN_MANY_SHORTOPTS if a --cpus list can make several runs), gives
 * every option it does not know itself to rrun_option, and calls
 * rrun_finish once getopt_long is done, which takes the trace argument,
 * refuses a list where only one run is shown, and loads the policy and
 * its --set keys, so that their errors come before any work.
 *
 * A run: rrun_prepare reads the cost file and takes the trace's digest;
 * rrun_open opens the trace (or takes an open one), the database, creates
 * the replay and begins the run's row; the caller runs kml_replay_run
 * (on any one thread); rrun_end stores the summary and the status;
 * rrun_close tears it all down.  The hooks given to the replay pass
 * anomalies and samples to the database first, then to the caller's
 * hooks (a struct kml_replay_hooks of its own).
 */
#ifndef KMEMLAB_REPLAY_RUN_H
#define KMEMLAB_REPLAY_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include <kmemlab/db.h>
#include <kmemlab/replay.h>
#include <kmemlab/trace.h>

#include "cmd.h"
#include "sha256.h"

/* Most values in a --cpus list. */
#define RRUN_MAXLIST	64

/*
 * The short options rrun_option takes (without the leading ':'): those of
 * any run, and those only for runs that print their summaries.
 */
#define RRUN_SHORTOPTS		"p:s:c:m:t:S:"
#define RRUN_MANY_SHORTOPTS	"j:q"

/* Long-only options of rrun_option; a command's own start at RRUN_OPT_END. */
enum {
	RRUN_OPT_DB = 256,
	RRUN_OPT_SAMPLE,
	RRUN_OPT_SKIP,
	RRUN_OPT_COST,
	RRUN_OPT_END
};

/* The entries of a command's long option table that rrun_option takes. */
#define RRUN_LONGOPTS							\
	{ "db",		required_argument,	NULL,	RRUN_OPT_DB },	\
	{ "policy",	required_argument,	NULL,	'p' },		\
	{ "set",	required_argument,	NULL,	's' },		\
	{ "cpus",	required_argument,	NULL,	'c' },		\
	{ "map",	required_argument,	NULL,	'm' },		\
	{ "timing",	required_argument,	NULL,	't' },		\
	{ "seed",	required_argument,	NULL,	'S' },		\
	{ "sample",	required_argument,	NULL,	RRUN_OPT_SAMPLE }, \
	{ "skip-slab-pages", no_argument,	NULL,	RRUN_OPT_SKIP },	\
	{ "cost",	required_argument,	NULL,	RRUN_OPT_COST }
#define RRUN_MANY_LONGOPTS						\
	{ "jobs",	required_argument,	NULL,	'j' },		\
	{ "quiet",	no_argument,		NULL,	'q' }

/*
 * The help text of those options (after "options:\n"): RRUN_HELP(cpus)
 * with cpus RRUN_HELP_CPUS (one run) or RRUN_HELP_CPUS_LIST, then
 * RRUN_MANY_HELP for RRUN_MANY_LONGOPTS.
 */
#define RRUN_HELP_CPUS							\
	"  -c, --cpus=N            virtual CPUs, 1..1024 (default: the\n"	\
	"                          policy's cpus, else the trace's)\n"
#define RRUN_HELP_CPUS_LIST						\
	"  -c, --cpus=N|LIST       virtual CPUs, 1..1024 (default: the\n"	\
	"                          policy's cpus, else the trace's); a list\n" \
	"                          such as 1,2,4,8 makes one run per value,\n" \
	"                          in parallel processes\n"
#define RRUN_HELP(cpus)							\
	"      --db=PATH           the results database (default:\n"	\
	"                          ./kmemlab.db, created if needed)\n"	\
	"  -p, --policy=POLICY     netbsd, illumos, freebsd, or a policy file\n" \
	"                          (default: netbsd)\n"			\
	"  -s, --set=KEY=VALUE     set one policy key over the policy;\n"	\
	"                          repeatable, applied in order\n"	\
	cpus								\
	"  -m, --map=MAP           trace CPUs to vCPUs: fold (CPU % vCPUs) or\n" \
	"                          spread (threads round robin) (default: fold)\n" \
	"  -t, --timing=TIMING     trace (events start no earlier than their\n" \
	"                          recorded time) or afap (back to back)\n" \
	"                          (default: trace)\n"			\
	"  -S, --seed=N            random seed, recorded (default: 0)\n"	\
	"      --sample=DURATION   time-series interval in virtual time,\n" \
	"                          N[ns|us|ms|s]; 0: none (default: 0)\n"	\
	"      --skip-slab-pages   leave out the page events that are the\n" \
	"                          traced kernel's slab growth\n"		\
	"      --cost=FILE         cost model overrides: \"name = ns\" lines\n" \
	"                          (default: the built-in costs)\n"
#define RRUN_MANY_HELP							\
	"  -j, --jobs=N            runs of a list at a time (default: the\n" \
	"                          online CPUs of this machine)\n"	\
	"  -q, --quiet             print only the \"run N stored\" line\n"

/* The replay options, parsed. */
struct rrun_args {
	const char *a_db;			/* the database's path */
	const char *a_trace;			/* the trace's path, "-": stdin */
	const char *a_cost;			/* the cost file, NULL: none */
	bool a_quiet;
	unsigned a_jobs;			/* parallel runs of a list */
	const char *a_many;			/* "--jobs" or "--quiet" if given first */
	unsigned a_cpus[RRUN_MAXLIST];		/* the --cpus values */
	unsigned a_ncpus;			/* 0: no --cpus */
	struct kml_replay_config a_rc;		/* the replay's configuration */
	const char *a_policy;			/* --policy */
	const char **a_sets;			/* the --set values, in order */
	size_t a_nsets;
};

/* rrun_args_init: the defaults, with room for the --set values of argc arguments. */
void rrun_args_init(struct rrun_args *a, int argc);

/* rrun_args_free: free what rrun_args_init allocated. */
void rrun_args_free(struct rrun_args *a);

/*
 * rrun_option: take the option ch (getopt_long's result, value optarg)
 * into *a; anything else is reported by cmd_option_error with longopts
 * and entry.
 * => returns -1 to go on, or KML_EXIT_USAGE after reporting.
 */
int rrun_option(struct rrun_args *a, int ch, char **argv,
    const struct option *longopts, const struct cmd_entry *entry);

/*
 * rrun_finish: after the options, take the trace from argv[optind] (when
 * need_trace; then no other argument may follow), and load the policy
 * and its --set keys into a->a_rc.  one is NULL where a --cpus list makes
 * one run per value, else what shows one run ("top", "--tui"), which
 * refuses a list ("ONE shows one run: give --cpus one value") and
 * RRUN_MANY_LONGOPTS ("option '--jobs' does not apply with ONE").
 * => returns -1 to go on, or an exit status after reporting.
 */
int rrun_finish(struct rrun_args *a, int argc, char **argv, bool need_trace,
    const char *one);

/*
 * rrun_prepare: read a's cost file into the cost model (after resetting
 * it) and, for a trace file, its SHA-256 into hex (*shap = hex; NULL for
 * standard input or no trace).
 * => returns 0, or KML_EXIT_RUNTIME after reporting.
 */
int rrun_prepare(const struct rrun_args *a, char hex[SHA256_HEX_LEN + 1],
    const char **shap);

/* One run. */
struct rrun {
	struct kml_trace *s_trace;	/* the trace being replayed */
	bool s_own_trace;		/* opened by rrun_open (closed by rrun_close) */
	uint64_t s_size;		/* the file's size if opened here, else 0 */
	struct kml_db *s_db;
	struct kml_replay *s_r;
	int64_t s_id;			/* the run's id */
	struct kml_replay_hooks s_user;	/* the caller's hooks */
	struct kml_replay_hooks s_dbh;	/* the database's */
	uint64_t s_start;		/* util_now_ns when rrun_open returned */
};

/*
 * rrun_open: open a's trace (or take t, opened by the caller, who closes
 * it after rrun_close; a->a_trace then names it in the run's row), the
 * database, create the replay on cpus vCPUs (0: as the policy or the
 * trace says) with the hooks user (NULL: none; each with user->rh_arg)
 * and begin its row; sha is the trace's digest or NULL.  A child of
 * several runs (child) waits longer for a database that another writes.
 * => returns 0, or KML_EXIT_RUNTIME after reporting (nothing left open
 *    but t).
 */
int rrun_open(struct rrun *s, const struct rrun_args *a, struct kml_trace *t,
    unsigned cpus, const char *sha, bool child,
    const struct kml_replay_hooks *user);

/* rrun_wall: wall seconds since rrun_open. */
double rrun_wall(const struct rrun *s);

/*
 * rrun_status: report how the replay of s ended with status st, unless
 * it completed: "interrupted after N events", or the deadlock report or
 * failure message.
 * => returns KML_EXIT_OK for a completed replay, else KML_EXIT_RUNTIME.
 */
int rrun_status(const struct rrun *s, unsigned st);

/*
 * rrun_end: store the run's summary and status st (kml_db_run_end),
 * with wall the seconds it took.
 * => returns 0, or -1 after reporting.
 */
int rrun_end(struct rrun *s, unsigned st, double wall);

/*
 * rrun_close: destroy the replay, close the database and the trace (if
 * rrun_open opened it).
 * => returns 0, or -1 after reporting an error closing the database.
 */
int rrun_close(struct rrun *s);

#endif /* KMEMLAB_REPLAY_RUN_H */
