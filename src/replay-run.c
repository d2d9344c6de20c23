/*
 * src/replay-run.c: the replay options and one stored run, shared by
 * "kmemlab replay" and "kmemlab top" (see replay-run.h).
 *
 * One run: the policy (kml_policy_load, then each --set in order) and
 * the cost file are read first, so that their errors come before any
 * work; then the trace's SHA-256 (a file only), the trace opened, the
 * database opened, the replay created (which owns the allocator stack)
 * and the run's row begun.  The hooks given to the replay are this
 * file's: they pass anomalies and samples on to the database's hooks
 * (known only once the run has its id), then to the caller's.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kmemlab/cost.h>
#include <kmemlab/db.h>
#include <kmemlab/replay.h>
#include <kmemlab/trace.h>

#include "cmd.h"
#include "replay-run.h"
#include "sha256.h"
#include "util.h"

/*
 * How long a child of several runs waits for a database that another
 * child is writing, ms: up to 64 of them may store their runs at once.
 */
#define RRUN_CHILD_BUSY_MS	120000

/* ---- options */

void
rrun_args_init(struct rrun_args *a, int argc)
{
	long online;

	memset(a, 0, sizeof(*a));
	kml_replay_config_init(&a->a_rc);
	a->a_db = UTIL_DB_DEFAULT;
	a->a_policy = "netbsd";
	online = sysconf(_SC_NPROCESSORS_ONLN);
	a->a_jobs = online > 0 ? (unsigned)online : 1;
	a->a_sets = xcalloc(argc > 0 ? (size_t)argc : 1, sizeof(*a->a_sets));
}

void
rrun_args_free(struct rrun_args *a)
{
	free(a->a_sets);
	a->a_sets = NULL;
}

/*
 * rrun_cpus_list: parse "N" or "N,M,..." into a->a_cpus.
 * => returns -1, or KML_EXIT_USAGE after reporting "bad cpus 'LIST': why".
 */
static int
rrun_cpus_list(struct rrun_args *a, const char *arg)
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
		if (a->a_ncpus == RRUN_MAXLIST) {
			snprintf(why, sizeof(why), "more than %d values",
			    RRUN_MAXLIST);
			return util_bad("cpus", arg, why);
		}
		a->a_cpus[a->a_ncpus++] = (unsigned)v;
		if (comma == NULL)
			return -1;
		p = comma + 1;
	}
}

/*
 * rrun_policy: load the policy name into po.
 * => returns -1, or an exit status after reporting: KML_EXIT_USAGE when
 *    name is neither a built-in policy nor a file, KML_EXIT_RUNTIME for a
 *    policy file that cannot be read or has a bad line.
 */
static int
rrun_policy(struct kml_policy *po, const char *name)
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
	return -1;
}

int
rrun_option(struct rrun_args *a, int ch, char **argv,
    const struct option *longopts, const struct cmd_entry *entry)
{
	const char *cause;
	char why[32];
	uint64_t v;

	switch (ch) {
	case RRUN_OPT_DB:
		a->a_db = optarg;
		break;
	case 'p':
		a->a_policy = optarg;
		break;
	case 's':
		a->a_sets[a->a_nsets++] = optarg;
		break;
	case 'c':
		return rrun_cpus_list(a, optarg);
	case 'j':
		if (util_parse_uint(optarg, RRUN_MAXLIST, &v, &cause) != 0 ||
		    v == 0) {
			snprintf(why, sizeof(why), "not in 1..%d",
			    RRUN_MAXLIST);
			return util_bad("jobs", optarg, why);
		}
		a->a_jobs = (unsigned)v;
		if (a->a_many == NULL)
			a->a_many = "--jobs";
		break;
	case 'm':
		if (strcmp(optarg, "fold") == 0)
			a->a_rc.rc_cpumap = KML_CPUMAP_FOLD;
		else if (strcmp(optarg, "spread") == 0)
			a->a_rc.rc_cpumap = KML_CPUMAP_SPREAD;
		else
			return util_bad("map", optarg, "not fold or spread");
		break;
	case 't':
		if (strcmp(optarg, "trace") == 0)
			a->a_rc.rc_timing = KML_TIMING_TRACE;
		else if (strcmp(optarg, "afap") == 0)
			a->a_rc.rc_timing = KML_TIMING_AFAP;
		else
			return util_bad("timing", optarg, "not trace or afap");
		break;
	case 'S':
		if (util_parse_uint(optarg, UINT64_MAX, &v, &cause) != 0)
			return util_bad("seed", optarg, cause);
		a->a_rc.rc_seed = v;
		break;
	case RRUN_OPT_SAMPLE:
		if (util_parse_duration(optarg, &v, &cause) != 0)
			return util_bad("sample", optarg, cause);
		a->a_rc.rc_sample_ns = v;
		break;
	case RRUN_OPT_SKIP:
		a->a_rc.rc_skip_slab_pages = true;
		break;
	case RRUN_OPT_COST:
		a->a_cost = optarg;
		break;
	case 'q':
		a->a_quiet = true;
		if (a->a_many == NULL)
			a->a_many = "--quiet";
		break;
	default:
		return cmd_option_error(ch, argv, longopts, entry);
	}
	return -1;
}

int
rrun_finish(struct rrun_args *a, int argc, char **argv, bool need_trace,
    const char *one)
{
	char err[512];
	int status;

	if (need_trace) {
		if (optind == argc) {
			util_error("missing trace ('-' for standard input)");
			return KML_EXIT_USAGE;
		}
		a->a_trace = argv[optind++];
		if (optind < argc)
			return cmd_extra_argument(argv[optind]);
	}
	if (one != NULL && a->a_ncpus > 1) {
		util_error("%s shows one run: give --cpus one value", one);
		return KML_EXIT_USAGE;
	}
	if (one != NULL && a->a_many != NULL) {
		util_error("option '%s' does not apply with %s", a->a_many,
		    one);
		return KML_EXIT_USAGE;
	}
	if (a->a_ncpus > 1 && a->a_trace != NULL &&
	    strcmp(a->a_trace, "-") == 0) {
		util_error("a trace on standard input is replayed once: "
		    "give --cpus one value");
		return KML_EXIT_USAGE;
	}
	if ((status = rrun_policy(&a->a_rc.rc_policy, a->a_policy)) >= 0)
		return status;
	for (size_t i = 0; i < a->a_nsets; i++) {
		if (kml_policy_set(&a->a_rc.rc_policy, a->a_sets[i], err,
		    sizeof(err)) != 0) {
			util_error("%s", err);
			return KML_EXIT_USAGE;
		}
	}
	return -1;
}

/* ---- before a run */

/*
 * rrun_cost_file: read the cost file path ("name = ns" lines, '#'
 * comments, blank lines) into kml_cost_ns.
 * => returns 0, or KML_EXIT_RUNTIME after reporting "PATH: why" or
 *    "PATH:LINE: why".
 */
static int
rrun_cost_file(const char *path)
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

int
rrun_prepare(const struct rrun_args *a, char hex[SHA256_HEX_LEN + 1],
    const char **shap)
{
	*shap = NULL;
	kml_cost_reset();
	if (a->a_cost != NULL && rrun_cost_file(a->a_cost) != 0)
		return KML_EXIT_RUNTIME;
	if (a->a_trace != NULL && strcmp(a->a_trace, "-") != 0) {
		if (sha256_file(a->a_trace, hex) != 0) {
			util_error("%s: %s", a->a_trace, strerror(errno));
			return KML_EXIT_RUNTIME;
		}
		*shap = hex;
	}
	return 0;
}

/* ---- the hooks */

/*
 * The replay has one rh_arg for every hook, the run: these pass each call
 * on with the database's or the caller's own argument.  The database has
 * rh_anomaly and rh_sample (kml_db_hooks), the caller any of the four;
 * rrun_open installs a hook only when one of them has it.  The replay
 * calls them only in kml_replay_run, once s_dbh is set.
 */

/* rrun_anomaly: pass an anomaly on to the database, then the caller. */
static void
rrun_anomaly(void *arg, const struct kml_anomaly *an)
{
	struct rrun *s = arg;

	s->s_dbh.rh_anomaly(s->s_dbh.rh_arg, an);
	if (s->s_user.rh_anomaly != NULL)
		s->s_user.rh_anomaly(s->s_user.rh_arg, an);
}

/* rrun_sample: pass a sample on to the database, then the caller. */
static void
rrun_sample(void *arg, struct kml_replay *r,
    const struct kml_replay_sample *sa)
{
	struct rrun *s = arg;

	s->s_dbh.rh_sample(s->s_dbh.rh_arg, r, sa);
	if (s->s_user.rh_sample != NULL)
		s->s_user.rh_sample(s->s_user.rh_arg, r, sa);
}

/* rrun_progress: the caller's progress. */
static void
rrun_progress(void *arg, uint64_t events)
{
	struct rrun *s = arg;

	s->s_user.rh_progress(s->s_user.rh_arg, events);
}

/* rrun_tick: the caller's tick. */
static uint64_t
rrun_tick(void *arg, struct kml_replay *r)
{
	struct rrun *s = arg;

	return s->s_user.rh_tick(s->s_user.rh_arg, r);
}

/* ---- one run */

/*
 * rrun_config_string: the configuration a run records: the policy's
 * keys, the replay's options and every cost, as "key=value" words.
 * => returns a string to free.
 */
static char *
rrun_config_string(const struct kml_replay_config *rc)
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

int
rrun_open(struct rrun *s, const struct rrun_args *a, struct kml_trace *t,
    unsigned cpus, const char *sha, bool child,
    const struct kml_replay_hooks *user)
{
	struct kml_replay_config rc = a->a_rc;
	struct kml_replay_hooks hooks;
	struct kml_db_run run;
	struct stat sb;
	char err[2048], *config;

	memset(s, 0, sizeof(*s));
	if (user != NULL)
		s->s_user = *user;
	if (t == NULL) {
		if ((t = kml_trace_open_read(a->a_trace, err,
		    sizeof(err))) == NULL) {
			util_error("%s", err);
			return KML_EXIT_RUNTIME;
		}
		s->s_own_trace = true;
		if (strcmp(a->a_trace, "-") != 0 &&
		    stat(a->a_trace, &sb) == 0 && S_ISREG(sb.st_mode))
			s->s_size = (uint64_t)sb.st_size;
	}
	s->s_trace = t;
	if ((s->s_db = util_db_open(a->a_db, false)) == NULL) {
		(void)rrun_close(s);
		return KML_EXIT_RUNTIME;
	}
	if (child)
		kml_db_busy_timeout(s->s_db, RRUN_CHILD_BUSY_MS);
	memset(&hooks, 0, sizeof(hooks));
	hooks.rh_arg = s;
	hooks.rh_anomaly = rrun_anomaly;
	hooks.rh_sample = rrun_sample;
	if (s->s_user.rh_progress != NULL)
		hooks.rh_progress = rrun_progress;
	if (s->s_user.rh_tick != NULL) {
		hooks.rh_tick = rrun_tick;
		hooks.rh_tick_events = s->s_user.rh_tick_events;
	}
	if (cpus != 0)
		rc.rc_cpus = cpus;
	if ((s->s_r = kml_replay_create(&rc, t, &hooks, err,
	    sizeof(err))) == NULL) {
		util_error("%s", err);
		(void)rrun_close(s);
		return KML_EXIT_RUNTIME;
	}

	config = rrun_config_string(&rc);
	memset(&run, 0, sizeof(run));
	run.dr_trace = a->a_trace;
	run.dr_trace_sha256 = sha;
	run.dr_policy = rc.rc_policy.po_name;
	run.dr_config = config;
	run.dr_cpus = kml_replay_cpus(s->s_r);
	run.dr_timing = rc.rc_timing == KML_TIMING_AFAP ? "afap" : "trace";
	run.dr_seed = rc.rc_seed;
	run.dr_version = PACKAGE_VERSION;
	if (kml_db_run_begin(s->s_db, &run, &s->s_id, err,
	    sizeof(err)) != 0) {
		util_error("%s", err);
		free(config);
		(void)rrun_close(s);
		return KML_EXIT_RUNTIME;
	}
	free(config);
	kml_db_hooks(s->s_db, s->s_id, &s->s_dbh);
	s->s_start = util_now_ns();
	return 0;
}

double
rrun_wall(const struct rrun *s)
{
	return (double)(util_now_ns() - s->s_start) / 1e9;
}

int
rrun_status(const struct rrun *s, unsigned st)
{
	switch (st) {
	case KML_REPLAY_COMPLETED:
		return KML_EXIT_OK;
	case KML_REPLAY_INTERRUPTED:
		util_error("interrupted after %" PRIu64 " events",
		    kml_replay_totals(s->s_r)->rt_events);
		return KML_EXIT_RUNTIME;
	default:
		util_error("%s", kml_replay_errmsg(s->s_r)[0] != '\0' ?
		    kml_replay_errmsg(s->s_r) : kml_replay_status_name(st));
		return KML_EXIT_RUNTIME;
	}
}

int
rrun_end(struct rrun *s, unsigned st, double wall)
{
	char err[2048];

	if (kml_db_run_end(s->s_db, s->s_id, s->s_r, st, wall, err,
	    sizeof(err)) != 0) {
		util_error("%s", err);
		return -1;
	}
	return 0;
}

int
rrun_close(struct rrun *s)
{
	char err[512];
	int status = 0;

	if (s->s_r != NULL)
		kml_replay_destroy(s->s_r);
	s->s_r = NULL;
	if (s->s_db != NULL && util_db_close(s->s_db) != 0)
		status = -1;
	s->s_db = NULL;
	if (s->s_own_trace && s->s_trace != NULL)
		kml_trace_close(s->s_trace, err, sizeof(err));
	s->s_trace = NULL;
	return status;
}
