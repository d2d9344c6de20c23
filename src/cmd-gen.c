/*
 * src/cmd-gen.c: "kmemlab gen", synthetic traces with fixed seeds.
 *
 * The workloads and their parameters are lib/kmemlab/tracegen.h's: this
 * file reads the options over the workload's defaults
 * (kml_gen_params_init), lets kml_gen_check judge the combination, and
 * runs kml_gen_run into a trace writer.  The same options give the same
 * file byte for byte.  As in "kmemlab import", a file is written whole
 * or not at all by the trace library, the report's size is the writer's
 * offset once the trailer is written (util_trace_close, which works for a
 * pipe as for a file), and a binary trace is never written to a terminal.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <kmemlab/trace.h>
#include <kmemlab/tracegen.h>

#include "cmd.h"
#include "util.h"

static int cmd_gen_exec(int, char **);

const struct cmd_entry cmd_gen_entry = {
	.name = "gen",
	.usage = "[-l] WORKLOAD [options] -o OUT",
	.summary = "write a synthetic trace of a workload",
	.help =
	    "Writes a synthetic trace of WORKLOAD: the same options and seed\n"
	    "give the same file, byte for byte, on every host.  Time is in\n"
	    "nanoseconds from 0; CPU N runs one thread, pid and tid 1000 + N,\n"
	    "comm \"gen/N\"; every free frees a live object.  'kmemlab gen -l'\n"
	    "lists the workloads.\n"
	    "\n"
	    "options:\n"
	    "  -l, --list              list the workloads and exit\n"
	    "  -o, --output=OUT        the trace to write, '-' for standard output\n"
	    "                          (default: standard output, which must not\n"
	    "                          be a terminal)\n"
	    "  -q, --quiet             no report at the end (default: report)\n"
	    "  -S, --seed=N            random seed (default: 1)\n"
	    "  -c, --cpus=N            CPUs, 1..4096; prodcons needs 2 or more\n"
	    "                          (default: 4)\n"
	    "  -n, --events=N          events to write (default: 100000)\n"
	    "      --dist=DIST         size distribution: uniform, pow2 (log-\n"
	    "                          uniform), exp or kmalloc (the kmalloc mix\n"
	    "                          of a real compile) (default: pow2;\n"
	    "                          pressure: kmalloc)\n"
	    "      --min=SIZE          smallest size (default: 8; vmemfrag: 4096)\n"
	    "      --max=SIZE          largest size; prodcons and magazine: the\n"
	    "                          object size (default: 4096; vmemfrag: 1M)\n"
	    "      --live=N            random: live objects per CPU (default:\n"
	    "                          1000); magazine: magazine rounds (default:\n"
	    "                          15); vmemfrag: mean lifetime in operations\n"
	    "                          (default: 2000)\n"
	    "      --align=SIZE        vmemfrag: quantum and base alignment\n"
	    "                          (default: 4096)\n"
	    "      --align-share=PCT   vmemfrag: percent of allocations with an\n"
	    "                          alignment, 0..100 (default: 10)\n"
	    "      --peak=SIZE         pressure: peak live bytes (default: 64M)\n"
	    "      --think=NS          mean time between two events of a CPU, ns\n"
	    "                          (default: 1000)\n"
	    "      --op=OP             random: the operation, kmalloc, malloc,\n"
	    "                          cache, vmem or pool (default: kmalloc)\n"
	    "      --cache=NAME        cache, pool or arena name, at most 63 bytes\n"
	    "                          (default: the workload's own)\n"
	    "  -h, --help              print this help and exit\n"
	    "\n"
	    "SIZE is decimal or 0x hex, with an optional K, M, G or T suffix\n"
	    "(powers of 1024).  At the end one line on standard error reports:\n"
	    "  kmemlab gen: wrote OUT: N events, N bytes, X.XX bytes/event\n"
	    "\n"
	    "exit status: 0 success, 1 runtime error (output), 2 usage error.\n",
	.exec = cmd_gen_exec
};

/* What each workload is for, by enum kml_gen_workload: for -l. */
static const char *const cmd_gen_purpose[KML_GEN_COUNT] = {
	"random sizes on every CPU: size classes, hit rates, scaling",
	"objects freed on another CPU than the one that allocated them",
	"alloc, alloc, free, free across a magazine boundary on each CPU",
	"vmem sizes, lifetimes and alignments that fragment an arena",
	"live memory ramped up to --peak and back: pages, atomic and sleeping",
};

/* --op values: the name and the operation of the random workload. */
static const struct {
	const char *name;
	unsigned op;
} cmd_gen_ops[] = {
	{ "kmalloc",	KML_OP_KMALLOC },
	{ "malloc",	KML_OP_MALLOC },
	{ "cache",	KML_OP_CACHE_ALLOC },
	{ "vmem",	KML_OP_VMEM_ALLOC },
	{ "pool",	KML_OP_POOL_GET },
};

/* Long-only options. */
enum {
	CMD_GEN_OPT_DIST = 256,
	CMD_GEN_OPT_MIN,
	CMD_GEN_OPT_MAX,
	CMD_GEN_OPT_LIVE,
	CMD_GEN_OPT_ALIGN,
	CMD_GEN_OPT_ALIGN_SHARE,
	CMD_GEN_OPT_PEAK,
	CMD_GEN_OPT_THINK,
	CMD_GEN_OPT_OP,
	CMD_GEN_OPT_CACHE
};

static const struct option cmd_gen_longopts[] = {
	{ "list",	no_argument,		NULL,	'l' },
	{ "output",	required_argument,	NULL,	'o' },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "seed",	required_argument,	NULL,	'S' },
	{ "cpus",	required_argument,	NULL,	'c' },
	{ "events",	required_argument,	NULL,	'n' },
	{ "dist",	required_argument,	NULL,	CMD_GEN_OPT_DIST },
	{ "min",	required_argument,	NULL,	CMD_GEN_OPT_MIN },
	{ "max",	required_argument,	NULL,	CMD_GEN_OPT_MAX },
	{ "live",	required_argument,	NULL,	CMD_GEN_OPT_LIVE },
	{ "align",	required_argument,	NULL,	CMD_GEN_OPT_ALIGN },
	{ "align-share", required_argument,	NULL,
	    CMD_GEN_OPT_ALIGN_SHARE },
	{ "peak",	required_argument,	NULL,	CMD_GEN_OPT_PEAK },
	{ "think",	required_argument,	NULL,	CMD_GEN_OPT_THINK },
	{ "op",		required_argument,	NULL,	CMD_GEN_OPT_OP },
	{ "cache",	required_argument,	NULL,	CMD_GEN_OPT_CACHE },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/* Parameter options, in the order of the help text. */
#define CMD_GEN_NPARAMS	13

/* The command line as given, before the workload's defaults are known. */
struct cmd_gen_args {
	const char *a_workload;
	const char *a_output;			/* NULL: standard output */
	bool a_list;
	bool a_quiet;
	const char *a_param[CMD_GEN_NPARAMS];	/* NULL: the default */
};

/* The options of a_param, by index: getopt value and name. */
static const struct {
	int val;
	const char *name;
} cmd_gen_params[CMD_GEN_NPARAMS] = {
	{ 'S', "seed" },
	{ 'c', "cpus" },
	{ 'n', "events" },
	{ CMD_GEN_OPT_DIST, "dist" },
	{ CMD_GEN_OPT_MIN, "min" },
	{ CMD_GEN_OPT_MAX, "max" },
	{ CMD_GEN_OPT_LIVE, "live" },
	{ CMD_GEN_OPT_ALIGN, "align" },
	{ CMD_GEN_OPT_ALIGN_SHARE, "align-share" },
	{ CMD_GEN_OPT_PEAK, "peak" },
	{ CMD_GEN_OPT_THINK, "think" },
	{ CMD_GEN_OPT_OP, "op" },
	{ CMD_GEN_OPT_CACHE, "cache" },
};

/* ---- options */

/*
 * cmd_gen_collect: read the command line into *a (the last of a repeated
 * option wins).
 * => returns -1 to go on, or an exit status: KML_EXIT_OK after --help,
 *    KML_EXIT_USAGE after a reported error.
 */
static int
cmd_gen_collect(int argc, char **argv, struct cmd_gen_args *a)
{
	int ch;
	size_t i;

	memset(a, 0, sizeof(*a));
	while ((ch = getopt_long(argc, argv, ":lo:qS:c:n:h", cmd_gen_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'l':
			a->a_list = true;
			continue;
		case 'o':
			a->a_output = optarg;
			continue;
		case 'q':
			a->a_quiet = true;
			continue;
		case 'h':
			cmd_print_help(stdout, &cmd_gen_entry);
			return KML_EXIT_OK;
		case '?':
		case ':':
			return cmd_option_error(ch, argv, cmd_gen_longopts,
			    &cmd_gen_entry);
		}
		for (i = 0; i < CMD_GEN_NPARAMS; i++)
			if (cmd_gen_params[i].val == ch)
				a->a_param[i] = optarg;
	}
	if (optind < argc)
		a->a_workload = argv[optind++];
	if (optind < argc)
		return cmd_extra_argument(argv[optind]);
	if (a->a_list && a->a_workload != NULL)
		return cmd_extra_argument(a->a_workload);
	return -1;
}

/*
 * cmd_gen_param: parse parameter i (index in cmd_gen_params), given as
 * arg, into p.
 * => returns 0, or KML_EXIT_USAGE after reporting.
 */
static int
cmd_gen_param(struct kml_gen_params *p, size_t i, const char *arg)
{
	const char *name = cmd_gen_params[i].name, *cause;
	uint64_t v;
	int d;

	switch (cmd_gen_params[i].val) {
	case 'S':
	case 'n':
	case CMD_GEN_OPT_LIVE:
	case CMD_GEN_OPT_THINK:
		if (util_parse_uint(arg, UINT64_MAX, &v, &cause) != 0)
			return util_bad(name, arg, cause);
		if (cmd_gen_params[i].val == 'S')
			p->tg_seed = v;
		else if (cmd_gen_params[i].val == 'n')
			p->tg_events = v;
		else if (cmd_gen_params[i].val == CMD_GEN_OPT_LIVE)
			p->tg_live = v;
		else
			p->tg_think_ns = v;
		return 0;
	case 'c':
		if (util_parse_uint(arg, UINT64_MAX, &v, &cause) != 0)
			return util_bad(name, arg, cause);
		if (v < 1 || v > KML_TRACE_CPUMAX)
			return util_bad(name, arg, "not in 1..4096");
		p->tg_ncpu = (unsigned)v;
		return 0;
	case CMD_GEN_OPT_DIST:
		if ((d = kml_gen_dist_lookup(arg)) < 0)
			return util_bad(name, arg,
			    "not uniform, pow2, exp or kmalloc");
		p->tg_dist = (unsigned)d;
		return 0;
	case CMD_GEN_OPT_MIN:
	case CMD_GEN_OPT_MAX:
	case CMD_GEN_OPT_ALIGN:
	case CMD_GEN_OPT_PEAK:
		if (util_parse_size(arg, &v, &cause) != 0)
			return util_bad(name, arg, cause);
		if (cmd_gen_params[i].val == CMD_GEN_OPT_MIN)
			p->tg_min = v;
		else if (cmd_gen_params[i].val == CMD_GEN_OPT_MAX)
			p->tg_max = v;
		else if (cmd_gen_params[i].val == CMD_GEN_OPT_ALIGN)
			p->tg_align = v;
		else
			p->tg_peak = v;
		return 0;
	case CMD_GEN_OPT_ALIGN_SHARE:
		if (util_parse_uint(arg, 100, &v, &cause) != 0)
			return util_bad(name, arg,
			    "not a percentage from 0 to 100");
		p->tg_align_share = (unsigned)v;
		return 0;
	case CMD_GEN_OPT_OP:
		if (p->tg_workload != KML_GEN_RANDOM) {
			util_error("option '--op' is for the random workload "
			    "only");
			return KML_EXIT_USAGE;
		}
		for (size_t k = 0; k < nitems(cmd_gen_ops); k++) {
			if (strcmp(arg, cmd_gen_ops[k].name) == 0) {
				p->tg_op = cmd_gen_ops[k].op;
				return 0;
			}
		}
		return util_bad(name, arg,
		    "not kmalloc, malloc, cache, vmem or pool");
	default:
		if (arg[0] == '\0')
			return util_bad(name, arg, "empty");
		if (strlen(arg) >= sizeof(p->tg_cache))
			return util_bad(name, arg, "longer than 63 bytes");
		snprintf(p->tg_cache, sizeof(p->tg_cache), "%s", arg);
		return 0;
	}
}

/*
 * cmd_gen_params_of: the parameters of a: the workload's defaults with
 * the options over them, accepted by kml_gen_check.
 * => returns 0, or KML_EXIT_USAGE after reporting.
 */
static int
cmd_gen_params_of(const struct cmd_gen_args *a, struct kml_gen_params *p)
{
	char err[512];
	int w;

	if (a->a_workload == NULL) {
		util_error("missing workload (try 'kmemlab gen -l')");
		return KML_EXIT_USAGE;
	}
	if ((w = kml_gen_workload_lookup(a->a_workload)) < 0) {
		util_error("unknown workload '%s' (try 'kmemlab gen -l')",
		    a->a_workload);
		return KML_EXIT_USAGE;
	}
	kml_gen_params_init(p, (unsigned)w);
	for (size_t i = 0; i < CMD_GEN_NPARAMS; i++)
		if (a->a_param[i] != NULL &&
		    cmd_gen_param(p, i, a->a_param[i]) != 0)
			return KML_EXIT_USAGE;
	if (kml_gen_check(p, err, sizeof(err)) != 0) {
		util_error("%s", err);
		return KML_EXIT_USAGE;
	}
	return 0;
}

/* cmd_gen_list: print each workload and what it is for. */
static void
cmd_gen_list(void)
{
	for (unsigned w = 0; w < KML_GEN_COUNT; w++)
		printf("  %-10s %s\n", kml_gen_workload_name(w),
		    cmd_gen_purpose[w]);
}

/* ---- the output */

/*
 * cmd_gen_write: write p's trace to path ("-": standard output) and
 * report it unless quiet.
 * => returns KML_EXIT_OK, or KML_EXIT_RUNTIME after reporting.
 */
static int
cmd_gen_write(const struct kml_gen_params *p, const char *path, bool quiet)
{
	struct kml_trace_header th;
	struct kml_trace *w;
	uint64_t events, bytes;

	kml_gen_header(p, &th);
	if ((w = util_trace_create(path, &th)) == NULL)
		return KML_EXIT_RUNTIME;
	if (kml_gen_run(p, w) != 0) {
		util_error("%s", kml_trace_errmsg(w));
		util_trace_abort(w);
		return KML_EXIT_RUNTIME;
	}
	if (util_trace_close(w, &events, &bytes) != 0)
		return KML_EXIT_RUNTIME;
	if (!quiet)
		util_trace_report(util_output_name(path), events, bytes);
	return KML_EXIT_OK;
}

/* ---- the command */

/*
 * cmd_gen_exec: parse the options, then list the workloads or write the
 * trace.
 */
static int
cmd_gen_exec(int argc, char **argv)
{
	struct cmd_gen_args args;
	struct kml_gen_params p;
	const char *path;
	int status;

	if ((status = cmd_gen_collect(argc, argv, &args)) >= 0)
		return status;
	if (args.a_list) {
		cmd_gen_list();
		return KML_EXIT_OK;
	}
	if ((status = cmd_gen_params_of(&args, &p)) != 0)
		return status;
	path = args.a_output != NULL ? args.a_output : "-";
	if (util_refuse_tty(path))
		return KML_EXIT_USAGE;
	return cmd_gen_write(&p, path, args.a_quiet);
}
