/*
 * src/cmd-vmem.c: "kmemlab vmem", a workload against a vmem arena.
 *
 * The command builds one arena "demo" (or, with --import, an arena
 * "source" holding the initial span and an arena "demo" that imports
 * from it), runs a workload on "demo", prints the arena(s), and runs
 * vmem_check on each.
 *
 * Two workloads:
 *  - random (the default): --ops operations drawn from a splitmix64 PRNG
 *    seeded by --seed, so the same options always give the same output.
 *    Each operation is an allocation (55%) or the free of a random live
 *    segment (45%; always an allocation when nothing is live).
 *  - a script (--script): one command per line, see the help text below.
 *    Failed allocations and vmem's error reports are results; only syntax
 *    errors stop the script.
 *
 * The arenas are torn down without error reports: whatever the workload
 * left allocated is freed first.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/kmemlab.h>

#include "cmd.h"
#include "util.h"

static int cmd_vmem_exec(int, char **);

const struct cmd_entry cmd_vmem_entry = {
	.name = "vmem",
	.usage = "[options]",
	.summary = "run a workload against a vmem arena and print the arena",
	.help =
	    "Runs a workload against a vmem(3) arena named \"demo\" and prints\n"
	    "the arena, then runs vmem_check on every arena; a failed check is\n"
	    "an error.  The workload is random unless --script is given.\n"
	    "\n"
	    "options:\n"
	    "  -s, --strategy=NAME      fit strategy: instant, best or next (also\n"
	    "                           instantfit, bestfit, nextfit, firstfit)\n"
	    "                           (default: instant)\n"
	    "  -q, --quantum=SIZE       arena quantum, a power of two\n"
	    "                           (default: 4096)\n"
	    "  -b, --base=ADDR          start of the initial span\n"
	    "                           (default: 0x100000000)\n"
	    "  -z, --size=SIZE          size of the initial span, 0 for none\n"
	    "                           (default: 16M)\n"
	    "  -n, --ops=N              number of random operations\n"
	    "                           (default: 1000)\n"
	    "  -S, --seed=N             random seed; the same seed gives the same\n"
	    "                           output (default: 1)\n"
	    "  -m, --max-size=SIZE      largest random request; sizes are drawn\n"
	    "                           log-uniformly between one quantum and this,\n"
	    "                           rounded down to the quantum (default: 64K)\n"
	    "  -x, --xalloc=PERCENT     share of random allocations made with\n"
	    "                           vmem_xalloc and random constraints (align,\n"
	    "                           phase, nocross, minaddr/maxaddr), 0..100\n"
	    "                           (default: 20)\n"
	    "  -i, --import=SIZE        two-level hierarchy: the initial span goes\n"
	    "                           to an arena \"source\"; \"demo\" starts empty\n"
	    "                           and imports spans of SIZE (its import\n"
	    "                           quantum) from it; both arenas are printed\n"
	    "                           (default: none, a single arena)\n"
	    "  -f, --script=FILE        run the commands in FILE ('-': standard\n"
	    "                           input) instead of the random workload\n"
	    "                           (default: none)\n"
	    "  -d, --dump=full|summary  full: configuration, spans with every\n"
	    "                           segment, freelists and statistics;\n"
	    "                           summary: one line per arena and its\n"
	    "                           statistics, no segments (default: full)\n"
	    "  -v, --verbose            print each operation and its result as it\n"
	    "                           runs (default: off)\n"
	    "  -h, --help               print this help and exit\n"
	    "\n"
	    "SIZE and ADDR are decimal or 0x hex; a SIZE may end in K, M, G or T\n"
	    "(powers of 1024).  The base, the sizes and the import size must be\n"
	    "multiples of the quantum.\n"
	    "\n"
	    "random workload: each operation is an allocation (about 55%) or a\n"
	    "free of a random live segment (about 45%), with vmem_free for\n"
	    "segments from vmem_alloc and vmem_xfree for those from vmem_xalloc.\n"
	    "Allocations are VM_NOSLEEP with the chosen strategy.  Afterwards one\n"
	    "line sums it up, where A counts the allocation attempts, F the\n"
	    "failed ones among them and N = A + R:\n"
	    "  workload: N ops (A allocs, F failed, R frees), seed S, strategy NAME\n"
	    "\n"
	    "script: one command per line; '#' starts a comment; blank lines are\n"
	    "ignored.  NAME is a label of your choice for a live segment.\n"
	    "  add ADDR SIZE                 vmem_add a span\n"
	    "  alloc NAME SIZE [STRATEGY]    vmem_alloc (VM_NOSLEEP and STRATEGY,\n"
	    "                                default --strategy)\n"
	    "  xalloc NAME SIZE [align=A] [phase=P] [nocross=N] [min=ADDR]\n"
	    "         [max=ADDR] [STRATEGY]  vmem_xalloc; min and max are\n"
	    "                                inclusive (default: no constraint)\n"
	    "  free NAME                     vmem_free or vmem_xfree, as NAME was\n"
	    "                                allocated\n"
	    "  freeaddr ADDR SIZE            a raw vmem_free, to see vmem's error\n"
	    "                                reports\n"
	    "  dump                          print the arena(s) in full now\n"
	    "  check                         vmem_check: \"check: ok\" or the\n"
	    "                                violation\n"
	    "Each alloc and xalloc prints \"NAME = 0xADDR (SIZE)\", or \"NAME: ENOMEM\"\n"
	    "or \"NAME: EINVAL\"; a failed add prints \"add: ERROR\".  vmem reports\n"
	    "misuse (a free of an address that is not allocated...) as \"vmem: ...\"\n"
	    "lines on standard error, and the script goes on.  With --verbose each\n"
	    "command is echoed first as \"+ COMMAND\".  Syntax errors (an unknown\n"
	    "command, a missing argument, a bad number, an unknown NAME, a NAME\n"
	    "still allocated) stop the script with \"FILE:LINE: ...\".\n"
	    "\n"
	    "exit status: 0 success, 1 runtime error (script, file, failed check),\n"
	    "2 usage error.\n",
	.exec = cmd_vmem_exec
};

/* Share of random operations that allocate, in percent. */
#define CMD_VMEM_ALLOC_PCT	55

/* Most words on a script line, the command included. */
#define CMD_VMEM_MAXWORDS	16

/* The option values as given (or their defaults), before validation. */
struct cmd_vmem_args {
	const char *a_strategy;
	const char *a_quantum;
	const char *a_base;
	const char *a_size;
	const char *a_ops;
	const char *a_seed;
	const char *a_max_size;
	const char *a_xalloc;
	const char *a_import;		/* NULL: no hierarchy */
	const char *a_script;		/* NULL: random workload */
	const char *a_dump;
	bool a_verbose;
};

/* The validated options of one run. */
struct cmd_vmem_opts {
	int o_strategy;			/* VM_INSTANTFIT, VM_BESTFIT or VM_NEXTFIT */
	vmem_size_t o_quantum;		/* arena quantum, a power of two */
	vmem_addr_t o_base;		/* start of the initial span */
	vmem_size_t o_size;		/* size of the initial span, 0: none */
	uint64_t o_ops;			/* # of random operations */
	uint64_t o_seed;		/* PRNG seed */
	vmem_size_t o_max_size;		/* largest random request, >= quantum */
	unsigned o_xalloc_pct;		/* % of random allocations by vmem_xalloc */
	vmem_size_t o_import;		/* import quantum, 0: no hierarchy */
	const char *o_script;		/* script file, "-" stdin, NULL: random */
	bool o_summary;			/* --dump=summary */
	bool o_verbose;			/* --verbose */
};

/* A live segment of the workload. */
struct cmd_vmem_seg {
	char *s_name;			/* script label; NULL in random workloads */
	vmem_addr_t s_addr;
	vmem_size_t s_size;
	bool s_xalloc;			/* from vmem_xalloc: free with vmem_xfree */
};

/* Constraints of one vmem_xalloc. */
struct cmd_vmem_xreq {
	vmem_size_t x_align;		/* 0: the quantum */
	vmem_size_t x_phase;
	vmem_size_t x_nocross;		/* 0: none */
	vmem_addr_t x_min;		/* inclusive, VMEM_ADDR_MIN: none */
	vmem_addr_t x_max;		/* inclusive, VMEM_ADDR_MAX: none */
};

/* One run of the command: its arenas and the segments live in "demo". */
struct cmd_vmem_run {
	const struct cmd_vmem_opts *r_opts;
	vmem_t *r_source;		/* --import: the source arena, else NULL */
	vmem_t *r_arena;		/* "demo", where the workload runs */
	struct cmd_vmem_seg *r_segs;	/* live segments, in no order */
	size_t r_nsegs;
	size_t r_capsegs;
	uint64_t r_allocs;		/* # of allocation attempts */
	uint64_t r_failed;		/* # of them that failed */
	uint64_t r_frees;		/* # of frees */
};

/* A script being run: where we are, for messages. */
struct cmd_vmem_script {
	struct cmd_vmem_run *sc_run;
	const char *sc_file;		/* name for messages */
	unsigned long sc_line;		/* current line, from 1 */
};

/* A script command: its name, argument counts (after the name) and runner. */
struct cmd_vmem_script_cmd {
	const char *sc_name;
	unsigned sc_minargs;
	unsigned sc_maxargs;
	const char *sc_usage;
	/* returns 0, or -1 after reporting a syntax error */
	int (*sc_exec)(struct cmd_vmem_script *, int, char **);
};

/* ---- options */

static const struct option cmd_vmem_longopts[] = {
	{ "strategy",	required_argument,	NULL,	's' },
	{ "quantum",	required_argument,	NULL,	'q' },
	{ "base",	required_argument,	NULL,	'b' },
	{ "size",	required_argument,	NULL,	'z' },
	{ "ops",	required_argument,	NULL,	'n' },
	{ "seed",	required_argument,	NULL,	'S' },
	{ "max-size",	required_argument,	NULL,	'm' },
	{ "xalloc",	required_argument,	NULL,	'x' },
	{ "import",	required_argument,	NULL,	'i' },
	{ "script",	required_argument,	NULL,	'f' },
	{ "dump",	required_argument,	NULL,	'd' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/*
 * cmd_vmem_collect: read the command line into *args (the last of a
 * repeated option wins; defaults for the others).
 * => returns -1 to go on, or an exit status: KML_EXIT_OK after --help,
 *    KML_EXIT_USAGE after a reported error.
 */
static int
cmd_vmem_collect(int argc, char **argv, struct cmd_vmem_args *args)
{
	int ch;

	*args = (struct cmd_vmem_args){
		.a_strategy = "instant",
		.a_quantum = "4096",
		.a_base = "0x100000000",
		.a_size = "16M",
		.a_ops = "1000",
		.a_seed = "1",
		.a_max_size = "64K",
		.a_xalloc = "20",
		.a_dump = "full",
	};
	while ((ch = getopt_long(argc, argv, ":s:q:b:z:n:S:m:x:i:f:d:vh",
	    cmd_vmem_longopts, NULL)) != -1) {
		switch (ch) {
		case 's': args->a_strategy = optarg; break;
		case 'q': args->a_quantum = optarg; break;
		case 'b': args->a_base = optarg; break;
		case 'z': args->a_size = optarg; break;
		case 'n': args->a_ops = optarg; break;
		case 'S': args->a_seed = optarg; break;
		case 'm': args->a_max_size = optarg; break;
		case 'x': args->a_xalloc = optarg; break;
		case 'i': args->a_import = optarg; break;
		case 'f': args->a_script = optarg; break;
		case 'd': args->a_dump = optarg; break;
		case 'v': args->a_verbose = true; break;
		case 'h':
			cmd_print_help(stdout, &cmd_vmem_entry);
			return KML_EXIT_OK;
		default:
			return cmd_option_error(ch, argv, cmd_vmem_longopts,
			    &cmd_vmem_entry);
		}
	}
	if (optind < argc)
		return cmd_extra_argument(argv[optind]);
	return -1;
}

/*
 * cmd_vmem_bad: report "bad WHAT 'ARG': WHY" as a usage error.
 * => returns KML_EXIT_USAGE.
 */
static int
cmd_vmem_bad(const char *what, const char *arg, const char *why)
{
	util_error("bad %s '%s': %s", what, arg, why);
	return KML_EXIT_USAGE;
}

/*
 * cmd_vmem_size_arg: parse the size arg of option what into *valp.
 * => it must be a multiple of quantum, and non-zero unless zero_ok.
 * => returns 0, or KML_EXIT_USAGE after reporting.
 */
static int
cmd_vmem_size_arg(const char *what, const char *arg, vmem_size_t quantum,
    bool zero_ok, vmem_size_t *valp)
{
	const char *cause;

	if (util_parse_size(arg, valp, &cause) != 0)
		return cmd_vmem_bad(what, arg, cause);
	if (*valp == 0 && !zero_ok)
		return cmd_vmem_bad(what, arg, "zero");
	if (*valp % quantum != 0)
		return cmd_vmem_bad(what, arg, "not a multiple of the quantum");
	return 0;
}

/*
 * cmd_vmem_validate: turn *args into *opts, checking every value.
 * => returns 0, or KML_EXIT_USAGE after reporting the first bad value
 *    (in the order of the help text).
 */
static int
cmd_vmem_validate(const struct cmd_vmem_args *args, struct cmd_vmem_opts *opts)
{
	const char *cause;
	uint64_t v;

	memset(opts, 0, sizeof(*opts));
	if ((opts->o_strategy = vmem_strategy_parse(args->a_strategy)) < 0)
		return cmd_vmem_bad("strategy", args->a_strategy,
		    "not instant, best or next");
	if (util_parse_size(args->a_quantum, &opts->o_quantum, &cause) != 0)
		return cmd_vmem_bad("quantum", args->a_quantum, cause);
	if (!util_powerof2(opts->o_quantum))
		return cmd_vmem_bad("quantum", args->a_quantum,
		    "not a power of two");
	if (util_parse_addr(args->a_base, &opts->o_base, &cause) != 0)
		return cmd_vmem_bad("base", args->a_base, cause);
	if (opts->o_base % opts->o_quantum != 0)
		return cmd_vmem_bad("base", args->a_base,
		    "not a multiple of the quantum");
	if (cmd_vmem_size_arg("size", args->a_size, opts->o_quantum, true,
	    &opts->o_size) != 0)
		return KML_EXIT_USAGE;
	if (opts->o_size != 0 && opts->o_size - 1 > VMEM_ADDR_MAX - opts->o_base)
		return cmd_vmem_bad("size", args->a_size,
		    "the span wraps around the address space");
	if (util_parse_uint(args->a_ops, UINT64_MAX, &opts->o_ops, &cause) != 0)
		return cmd_vmem_bad("ops", args->a_ops, cause);
	if (util_parse_uint(args->a_seed, UINT64_MAX, &opts->o_seed,
	    &cause) != 0)
		return cmd_vmem_bad("seed", args->a_seed, cause);
	if (util_parse_size(args->a_max_size, &opts->o_max_size, &cause) != 0)
		return cmd_vmem_bad("max-size", args->a_max_size, cause);
	if (opts->o_max_size < opts->o_quantum)
		return cmd_vmem_bad("max-size", args->a_max_size,
		    "less than the quantum");
	if (util_parse_uint(args->a_xalloc, 100, &v, &cause) != 0)
		return cmd_vmem_bad("xalloc", args->a_xalloc,
		    "not a percentage from 0 to 100");
	opts->o_xalloc_pct = (unsigned)v;
	if (args->a_import != NULL && cmd_vmem_size_arg("import",
	    args->a_import, opts->o_quantum, false, &opts->o_import) != 0)
		return KML_EXIT_USAGE;
	if (strcmp(args->a_dump, "full") == 0)
		opts->o_summary = false;
	else if (strcmp(args->a_dump, "summary") == 0)
		opts->o_summary = true;
	else
		return cmd_vmem_bad("dump", args->a_dump, "not full or summary");
	opts->o_script = args->a_script;
	opts->o_verbose = args->a_verbose;
	return 0;
}

/* ---- arenas */

/*
 * cmd_vmem_create: make the arenas of run (see the file comment).
 * => returns 0, or KML_EXIT_RUNTIME after reporting (vmem has reported
 *    why on stderr as well).
 */
static int
cmd_vmem_create(struct cmd_vmem_run *run)
{
	const struct cmd_vmem_opts *o = run->r_opts;

	if (o->o_import == 0) {
		run->r_arena = vmem_create("demo", o->o_base, o->o_size,
		    o->o_quantum, 0, VM_NOSLEEP);
		if (run->r_arena == NULL)
			goto fail;
		return 0;
	}
	run->r_source = vmem_create("source", o->o_base, o->o_size,
	    o->o_quantum, 0, VM_NOSLEEP);
	if (run->r_source == NULL)
		goto fail;
	run->r_arena = vmem_create("demo", 0, 0, o->o_quantum, 0, VM_NOSLEEP);
	if (run->r_arena == NULL)
		goto fail;
	if (vmem_set_import(run->r_arena, vmem_arena_import,
	    vmem_arena_release, run->r_source, o->o_import) != 0) {
		util_error("cannot make 'demo' import from 'source'");
		return KML_EXIT_RUNTIME;
	}
	return 0;
fail:
	util_error("cannot create the arena: %s", strerror(errno));
	return KML_EXIT_RUNTIME;
}

/* A growing list of segments, for cmd_vmem_collect_alloc. */
struct cmd_vmem_seglist {
	struct cmd_vmem_seg *l_segs;
	size_t l_n;
	size_t l_cap;
};

/* cmd_vmem_collect_alloc: vmem_walk callback appending a segment to arg. */
static void
cmd_vmem_collect_alloc(void *arg, vmem_addr_t addr, vmem_size_t size)
{
	struct cmd_vmem_seglist *l = arg;

	if (l->l_n == l->l_cap) {
		l->l_cap = l->l_cap == 0 ? 64 : l->l_cap * 2;
		l->l_segs = xreallocarray(l->l_segs, l->l_cap,
		    sizeof(*l->l_segs));
	}
	l->l_segs[l->l_n++] = (struct cmd_vmem_seg){
		.s_addr = addr, .s_size = size
	};
}

/*
 * cmd_vmem_destroy: free what is still allocated in "demo" (asking the
 * arena, not our list, so that nothing is reported), destroy the arenas,
 * and forget the live list.
 */
static void
cmd_vmem_destroy(struct cmd_vmem_run *run)
{
	struct cmd_vmem_seglist l = { NULL, 0, 0 };

	if (run->r_arena != NULL) {
		vmem_walk(run->r_arena, VMEM_ALLOC, cmd_vmem_collect_alloc, &l);
		for (size_t i = 0; i < l.l_n; i++)
			vmem_xfree(run->r_arena, l.l_segs[i].s_addr,
			    l.l_segs[i].s_size);
		free(l.l_segs);
		vmem_destroy(run->r_arena);
	}
	if (run->r_source != NULL)
		vmem_destroy(run->r_source);
	for (size_t i = 0; i < run->r_nsegs; i++)
		free(run->r_segs[i].s_name);
	free(run->r_segs);
	run->r_segs = NULL;
	run->r_nsegs = run->r_capsegs = 0;
	run->r_arena = run->r_source = NULL;
}

/*
 * cmd_vmem_print_arena: print one arena, in full (vmem_dump_file) or as
 * "arena NAME: quantum Q, strategy S" and its statistics.
 */
static void
cmd_vmem_print_arena(const struct cmd_vmem_run *run, vmem_t *vm, bool full)
{
	struct vmem_stats st;

	if (full) {
		vmem_dump_file(vm, stdout);
		return;
	}
	vmem_stats(vm, &st);
	printf("arena %s: quantum %" PRIu64 ", strategy %s\n", vmem_name(vm),
	    vmem_quantum(vm), vmem_strategy_name(run->r_opts->o_strategy));
	kml_stat_print(stdout, &st, vmem_statdesc, vmem_nstatdesc);
}

/*
 * cmd_vmem_print: print the arenas, the source first, a blank line
 * between them.
 */
static void
cmd_vmem_print(const struct cmd_vmem_run *run, bool full)
{
	if (run->r_source != NULL) {
		cmd_vmem_print_arena(run, run->r_source, full);
		printf("\n");
	}
	cmd_vmem_print_arena(run, run->r_arena, full);
}

/*
 * cmd_vmem_check_arena: vmem_check one arena.
 * => returns 0, or -1 with the violation in buf[0..len).
 */
static int
cmd_vmem_check_arena(vmem_t *vm, char *buf, size_t len)
{
	buf[0] = '\0';
	return vmem_check(vm, buf, len);
}

/*
 * cmd_vmem_check: vmem_check every arena; a violation is reported.
 * => returns KML_EXIT_OK or KML_EXIT_RUNTIME.
 */
static int
cmd_vmem_check(const struct cmd_vmem_run *run)
{
	vmem_t *arenas[2] = { run->r_source, run->r_arena };
	char why[512];
	int status = KML_EXIT_OK;

	for (size_t i = 0; i < 2; i++) {
		if (arenas[i] == NULL)
			continue;
		if (cmd_vmem_check_arena(arenas[i], why, sizeof(why)) != 0) {
			util_error("arena '%s': check failed: %s",
			    vmem_name(arenas[i]), why);
			status = KML_EXIT_RUNTIME;
		}
	}
	return status;
}

/* ---- live segments */

/* cmd_vmem_seg_add: remember a live segment; name is copied (may be NULL). */
static void
cmd_vmem_seg_add(struct cmd_vmem_run *run, const char *name,
    vmem_addr_t addr, vmem_size_t size, bool xalloc)
{
	if (run->r_nsegs == run->r_capsegs) {
		run->r_capsegs = run->r_capsegs == 0 ? 64 : run->r_capsegs * 2;
		run->r_segs = xreallocarray(run->r_segs, run->r_capsegs,
		    sizeof(*run->r_segs));
	}
	run->r_segs[run->r_nsegs++] = (struct cmd_vmem_seg){
		.s_name = name != NULL ? xstrdup(name) : NULL,
		.s_addr = addr,
		.s_size = size,
		.s_xalloc = xalloc
	};
}

/* cmd_vmem_seg_remove: forget live segment i (the last one takes its place). */
static void
cmd_vmem_seg_remove(struct cmd_vmem_run *run, size_t i)
{
	free(run->r_segs[i].s_name);
	run->r_segs[i] = run->r_segs[--run->r_nsegs];
}

/*
 * cmd_vmem_seg_find: the index of the live segment labelled name, or
 * run->r_nsegs if none.
 */
static size_t
cmd_vmem_seg_find(const struct cmd_vmem_run *run, const char *name)
{
	size_t i;

	for (i = 0; i < run->r_nsegs; i++)
		if (run->r_segs[i].s_name != NULL &&
		    strcmp(run->r_segs[i].s_name, name) == 0)
			break;
	return i;
}

/*
 * cmd_vmem_seg_free: free live segment i with vmem_free or vmem_xfree, as
 * it was allocated, and forget it.
 */
static void
cmd_vmem_seg_free(struct cmd_vmem_run *run, size_t i)
{
	const struct cmd_vmem_seg *s = &run->r_segs[i];

	if (s->s_xalloc)
		vmem_xfree(run->r_arena, s->s_addr, s->s_size);
	else
		vmem_free(run->r_arena, s->s_addr, s->s_size);
	cmd_vmem_seg_remove(run, i);
	run->r_frees++;
}

/* cmd_vmem_errname: "ENOMEM", "EINVAL" or "error N" for an errno value. */
static const char *
cmd_vmem_errname(int error)
{
	static char buf[32];

	switch (error) {
	case ENOMEM:
		return "ENOMEM";
	case EINVAL:
		return "EINVAL";
	}
	snprintf(buf, sizeof(buf), "error %d", error);
	return buf;
}

/*
 * cmd_vmem_xreq_print: print the constraints of x that are not the
 * default, as " key=value" words (sizes in decimal, addresses in hex).
 */
static void
cmd_vmem_xreq_print(const struct cmd_vmem_xreq *x)
{
	if (x->x_align != 0)
		printf(" align=%" PRIu64, x->x_align);
	if (x->x_phase != 0)
		printf(" phase=%" PRIu64, x->x_phase);
	if (x->x_nocross != 0)
		printf(" nocross=%" PRIu64, x->x_nocross);
	if (x->x_min != VMEM_ADDR_MIN)
		printf(" min=0x%" PRIx64, x->x_min);
	if (x->x_max != VMEM_ADDR_MAX)
		printf(" max=0x%" PRIx64, x->x_max);
}

/* ---- the random workload */

/*
 * cmd_vmem_random_size: a request size drawn log-uniformly between the
 * quantum and --max-size: an octave [2^k, 2^(k+1)) uniformly among those
 * from the quantum's to max-size's, then a size uniformly in the octave,
 * capped at max-size and rounded down to the quantum.
 */
static vmem_size_t
cmd_vmem_random_size(const struct cmd_vmem_opts *o, struct util_rng *rng)
{
	unsigned lo = util_log2(o->o_quantum), hi = util_log2(o->o_max_size);
	unsigned k = lo + (unsigned)util_rng_below(rng, hi - lo + 1);
	vmem_size_t octave = (vmem_size_t)1 << k;
	vmem_size_t size = octave + util_rng_below(rng, octave);

	if (size > o->o_max_size)
		size = o->o_max_size;
	return size & ~(o->o_quantum - 1);
}

/*
 * cmd_vmem_random_pow2: a power of two from at least to 4 times at least,
 * or 0 if that overflows.  => at least is a power of two.
 */
static vmem_size_t
cmd_vmem_random_pow2(vmem_size_t atleast, struct util_rng *rng)
{
	unsigned shift = (unsigned)util_rng_below(rng, 3);

	if (shift > (unsigned)__builtin_clzll(atleast))
		return 0;
	return atleast << shift;
}

/*
 * cmd_vmem_random_xreq: random constraints for an xalloc of size that
 * are valid by the rules of vmem.h: each of align (1 to 64 quanta), phase,
 * nocross, minaddr and maxaddr is set with some probability; minaddr lies
 * in the lower half of the initial span and maxaddr in the upper half, so
 * minaddr <= maxaddr.
 */
static void
cmd_vmem_random_xreq(const struct cmd_vmem_opts *o, struct util_rng *rng,
    vmem_size_t size, struct cmd_vmem_xreq *x)
{
	vmem_size_t q = o->o_quantum, nq = o->o_size / q, need;
	unsigned shift;

	*x = (struct cmd_vmem_xreq){ 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX };
	shift = (unsigned)util_rng_below(rng, 7);
	if (util_rng_below(rng, 2) == 0 && shift <= (unsigned)__builtin_clzll(q))
		x->x_align = q << shift;
	if (x->x_align > q && util_rng_below(rng, 4) == 0)
		x->x_phase = util_rng_below(rng, x->x_align / q) * q;
	if (util_rng_below(rng, 4) == 0 && size <= VMEM_ADDR_MAX - x->x_phase) {
		need = x->x_phase + size;
		if (need < x->x_align)
			need = x->x_align;
		if (need <= (UINT64_C(1) << 63)) {
			/* the smallest power of two >= need */
			need = util_powerof2(need) ? need :
			    UINT64_C(2) << util_log2(need);
			x->x_nocross = cmd_vmem_random_pow2(need, rng);
		}
	}
	if (nq >= 2 && util_rng_below(rng, 4) == 0)
		x->x_min = o->o_base + util_rng_below(rng, nq / 2) * q;
	if (nq >= 2 && util_rng_below(rng, 4) == 0)
		x->x_max = o->o_base +
		    (nq / 2 + 1 + util_rng_below(rng, nq - nq / 2)) * q - 1;
}

/*
 * cmd_vmem_random_alloc: one random allocation (op number op), by
 * vmem_xalloc with random constraints for --xalloc percent of them.
 */
static void
cmd_vmem_random_alloc(struct cmd_vmem_run *run, struct util_rng *rng,
    uint64_t op)
{
	const struct cmd_vmem_opts *o = run->r_opts;
	int flags = VM_NOSLEEP | o->o_strategy, error;
	struct cmd_vmem_xreq x = { 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX };
	vmem_size_t size;
	vmem_addr_t addr = 0;
	bool xalloc;

	size = cmd_vmem_random_size(o, rng);
	xalloc = util_rng_below(rng, 100) < o->o_xalloc_pct;
	if (xalloc) {
		cmd_vmem_random_xreq(o, rng, size, &x);
		error = vmem_xalloc(run->r_arena, size, x.x_align, x.x_phase,
		    x.x_nocross, x.x_min, x.x_max, flags, &addr);
	} else
		error = vmem_alloc(run->r_arena, size, flags, &addr);
	run->r_allocs++;
	if (error != 0)
		run->r_failed++;
	else
		cmd_vmem_seg_add(run, NULL, addr, size, xalloc);
	if (!o->o_verbose)
		return;
	printf("op %" PRIu64 ": %s %" PRIu64, op, xalloc ? "xalloc" : "alloc",
	    size);
	if (xalloc)
		cmd_vmem_xreq_print(&x);
	if (error != 0)
		printf(" = %s\n", cmd_vmem_errname(error));
	else
		printf(" = 0x%" PRIx64 "\n", addr);
}

/* cmd_vmem_random_free: free a random live segment (op number op). */
static void
cmd_vmem_random_free(struct cmd_vmem_run *run, struct util_rng *rng,
    uint64_t op)
{
	size_t i = (size_t)util_rng_below(rng, run->r_nsegs);

	if (run->r_opts->o_verbose)
		printf("op %" PRIu64 ": %s 0x%" PRIx64 " %" PRIu64 "\n", op,
		    run->r_segs[i].s_xalloc ? "xfree" : "free",
		    run->r_segs[i].s_addr, run->r_segs[i].s_size);
	cmd_vmem_seg_free(run, i);
}

/*
 * cmd_vmem_random: run the random workload and print its summary line.
 */
static void
cmd_vmem_random(struct cmd_vmem_run *run)
{
	const struct cmd_vmem_opts *o = run->r_opts;
	struct util_rng rng;

	util_rng_seed(&rng, o->o_seed);
	for (uint64_t op = 1; op <= o->o_ops; op++) {
		if (util_rng_below(&rng, 100) < CMD_VMEM_ALLOC_PCT ||
		    run->r_nsegs == 0)
			cmd_vmem_random_alloc(run, &rng, op);
		else
			cmd_vmem_random_free(run, &rng, op);
	}
	printf("workload: %" PRIu64 " ops (%" PRIu64 " allocs, %" PRIu64
	    " failed, %" PRIu64 " frees), seed %" PRIu64 ", strategy %s\n",
	    o->o_ops, run->r_allocs, run->r_failed, run->r_frees, o->o_seed,
	    vmem_strategy_name(o->o_strategy));
}

/* ---- scripts */

/*
 * cmd_vmem_script_error: report "FILE:LINE: MSG" for the current line.
 * => returns -1.
 */
static int __attribute__((format(printf, 2, 3)))
cmd_vmem_script_error(const struct cmd_vmem_script *sc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	util_error("%s:%lu: %s", sc->sc_file, sc->sc_line, msg);
	return -1;
}

/*
 * cmd_vmem_script_size: parse word as a size called what into *valp.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_vmem_script_size(const struct cmd_vmem_script *sc, const char *what,
    const char *word, vmem_size_t *valp)
{
	const char *cause;

	if (util_parse_size(word, valp, &cause) != 0)
		return cmd_vmem_script_error(sc, "bad %s '%s': %s", what, word,
		    cause);
	return 0;
}

/* cmd_vmem_script_addr: like cmd_vmem_script_size, for an address. */
static int
cmd_vmem_script_addr(const struct cmd_vmem_script *sc, const char *what,
    const char *word, vmem_addr_t *valp)
{
	const char *cause;

	if (util_parse_addr(word, valp, &cause) != 0)
		return cmd_vmem_script_error(sc, "bad %s '%s': %s", what, word,
		    cause);
	return 0;
}

/*
 * cmd_vmem_script_strategy: parse word as a strategy, or-ed into *flagsp.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_vmem_script_strategy(const struct cmd_vmem_script *sc, const char *word,
    int *flagsp)
{
	int strategy;

	if ((strategy = vmem_strategy_parse(word)) < 0)
		return cmd_vmem_script_error(sc, "unknown strategy '%s'", word);
	*flagsp |= strategy;
	return 0;
}

/*
 * cmd_vmem_script_newname: check that name is free to label a new
 * segment.  => returns 0, or -1 after reporting.
 */
static int
cmd_vmem_script_newname(const struct cmd_vmem_script *sc, const char *name)
{
	if (cmd_vmem_seg_find(sc->sc_run, name) < sc->sc_run->r_nsegs)
		return cmd_vmem_script_error(sc, "name '%s' is still allocated",
		    name);
	return 0;
}

/*
 * cmd_vmem_script_result: print the result of an allocation labelled
 * name and remember the segment if it succeeded.
 */
static void
cmd_vmem_script_result(struct cmd_vmem_script *sc, const char *name,
    int error, vmem_addr_t addr, vmem_size_t size, bool xalloc)
{
	struct cmd_vmem_run *run = sc->sc_run;

	run->r_allocs++;
	if (error != 0) {
		run->r_failed++;
		printf("%s: %s\n", name, cmd_vmem_errname(error));
		return;
	}
	printf("%s = 0x%" PRIx64 " (%" PRIu64 ")\n", name, addr, size);
	cmd_vmem_seg_add(run, name, addr, size, xalloc);
}

/*
 * The script commands.  Each gets the words of its line (argv[0] is the
 * command, argc within the bounds of its cmd_vmem_script_cmds entry) and
 * returns 0, or -1 after reporting a syntax error with
 * cmd_vmem_script_error.  What vmem does with the request is a result,
 * never an error of the script.
 */

/* add ADDR SIZE: vmem_add; prints "add: ERROR" if vmem refuses. */
static int
cmd_vmem_script_add(struct cmd_vmem_script *sc, int argc, char **argv)
{
	vmem_addr_t addr;
	vmem_size_t size;
	int error;

	(void)argc;
	if (cmd_vmem_script_addr(sc, "address", argv[1], &addr) != 0 ||
	    cmd_vmem_script_size(sc, "size", argv[2], &size) != 0)
		return -1;
	if ((error = vmem_add(sc->sc_run->r_arena, addr, size,
	    VM_NOSLEEP)) != 0)
		printf("add: %s\n", cmd_vmem_errname(error));
	return 0;
}

/* alloc NAME SIZE [STRATEGY]: vmem_alloc, VM_NOSLEEP. */
static int
cmd_vmem_script_alloc(struct cmd_vmem_script *sc, int argc, char **argv)
{
	int flags = VM_NOSLEEP, error;
	vmem_size_t size;
	vmem_addr_t addr = 0;

	if (cmd_vmem_script_newname(sc, argv[1]) != 0 ||
	    cmd_vmem_script_size(sc, "size", argv[2], &size) != 0)
		return -1;
	if (argc > 3) {
		if (cmd_vmem_script_strategy(sc, argv[3], &flags) != 0)
			return -1;
	} else
		flags |= sc->sc_run->r_opts->o_strategy;
	error = vmem_alloc(sc->sc_run->r_arena, size, flags, &addr);
	cmd_vmem_script_result(sc, argv[1], error, addr, size, false);
	return 0;
}

/* The key=value words of xalloc, in the order of its usage. */
static const char *const cmd_vmem_xkeys[] = {
	"align", "phase", "nocross", "min", "max"
};

/* Bit of cmd_vmem_script_xword's seen mask for the strategy word. */
#define CMD_VMEM_XSEEN_STRATEGY	(1u << nitems(cmd_vmem_xkeys))

/*
 * cmd_vmem_script_xword: parse one optional word of xalloc: key=value
 * into *x, or a strategy into *flagsp.
 * => *seen has bit k set for each cmd_vmem_xkeys[k] met so far on the
 *    line, and CMD_VMEM_XSEEN_STRATEGY for a strategy; a repeated one is
 *    an error.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_vmem_script_xword(const struct cmd_vmem_script *sc, const char *word,
    struct cmd_vmem_xreq *x, int *flagsp, unsigned *seen)
{
	const char *eq = strchr(word, '=');
	size_t k, keylen;

	if (eq == NULL) {
		if (*seen & CMD_VMEM_XSEEN_STRATEGY)
			return cmd_vmem_script_error(sc,
			    "more than one strategy");
		*seen |= CMD_VMEM_XSEEN_STRATEGY;
		return cmd_vmem_script_strategy(sc, word, flagsp);
	}
	keylen = (size_t)(eq - word);
	for (k = 0; k < nitems(cmd_vmem_xkeys); k++)
		if (strlen(cmd_vmem_xkeys[k]) == keylen &&
		    strncmp(cmd_vmem_xkeys[k], word, keylen) == 0)
			break;
	if (k == nitems(cmd_vmem_xkeys))
		return cmd_vmem_script_error(sc, "unknown xalloc argument '%s'",
		    word);
	if (*seen & (1u << k))
		return cmd_vmem_script_error(sc, "'%s=' given twice",
		    cmd_vmem_xkeys[k]);
	*seen |= 1u << k;
	switch (k) {
	case 0:
		return cmd_vmem_script_size(sc, "align", eq + 1, &x->x_align);
	case 1:
		return cmd_vmem_script_size(sc, "phase", eq + 1, &x->x_phase);
	case 2:
		return cmd_vmem_script_size(sc, "nocross", eq + 1,
		    &x->x_nocross);
	case 3:
		return cmd_vmem_script_addr(sc, "min", eq + 1, &x->x_min);
	default:
		return cmd_vmem_script_addr(sc, "max", eq + 1, &x->x_max);
	}
}

/*
 * xalloc NAME SIZE [align=A] [phase=P] [nocross=N] [min=ADDR] [max=ADDR]
 * [STRATEGY]: vmem_xalloc, VM_NOSLEEP; absent constraints are none.
 */
static int
cmd_vmem_script_xalloc(struct cmd_vmem_script *sc, int argc, char **argv)
{
	struct cmd_vmem_xreq x = { 0, 0, 0, VMEM_ADDR_MIN, VMEM_ADDR_MAX };
	int flags = VM_NOSLEEP, error;
	unsigned seen = 0;
	vmem_size_t size;
	vmem_addr_t addr = 0;

	if (cmd_vmem_script_newname(sc, argv[1]) != 0 ||
	    cmd_vmem_script_size(sc, "size", argv[2], &size) != 0)
		return -1;
	for (int i = 3; i < argc; i++)
		if (cmd_vmem_script_xword(sc, argv[i], &x, &flags, &seen) != 0)
			return -1;
	if ((seen & CMD_VMEM_XSEEN_STRATEGY) == 0)
		flags |= sc->sc_run->r_opts->o_strategy;
	error = vmem_xalloc(sc->sc_run->r_arena, size, x.x_align, x.x_phase,
	    x.x_nocross, x.x_min, x.x_max, flags, &addr);
	cmd_vmem_script_result(sc, argv[1], error, addr, size, true);
	return 0;
}

/* free NAME: vmem_free or vmem_xfree, as NAME was allocated. */
static int
cmd_vmem_script_free(struct cmd_vmem_script *sc, int argc, char **argv)
{
	size_t i;

	(void)argc;
	if ((i = cmd_vmem_seg_find(sc->sc_run, argv[1])) == sc->sc_run->r_nsegs)
		return cmd_vmem_script_error(sc, "unknown name '%s'", argv[1]);
	cmd_vmem_seg_free(sc->sc_run, i);
	return 0;
}

/*
 * freeaddr ADDR SIZE: a raw vmem_free.  If vmem took it (no error was
 * reported) and it was a labelled segment, the label is forgotten.
 */
static int
cmd_vmem_script_freeaddr(struct cmd_vmem_script *sc, int argc, char **argv)
{
	struct cmd_vmem_run *run = sc->sc_run;
	struct vmem_stats before, after;
	vmem_addr_t addr;
	vmem_size_t size;

	(void)argc;
	if (cmd_vmem_script_addr(sc, "address", argv[1], &addr) != 0 ||
	    cmd_vmem_script_size(sc, "size", argv[2], &size) != 0)
		return -1;
	vmem_stats(run->r_arena, &before);
	vmem_free(run->r_arena, addr, size);
	vmem_stats(run->r_arena, &after);
	if (after.errors != before.errors)
		return 0;
	run->r_frees++;
	for (size_t i = 0; i < run->r_nsegs; i++) {
		if (run->r_segs[i].s_addr == addr) {
			cmd_vmem_seg_remove(run, i);
			break;
		}
	}
	return 0;
}

/* dump: print the arena(s) in full now, whatever --dump says. */
static int
cmd_vmem_script_dump(struct cmd_vmem_script *sc, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cmd_vmem_print(sc->sc_run, true);
	return 0;
}

/* check: vmem_check each arena; "check: ok" or one line per violation. */
static int
cmd_vmem_script_check(struct cmd_vmem_script *sc, int argc, char **argv)
{
	const struct cmd_vmem_run *run = sc->sc_run;
	vmem_t *arenas[2] = { run->r_source, run->r_arena };
	char why[512];
	bool ok = true;

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < 2; i++) {
		if (arenas[i] == NULL)
			continue;
		if (cmd_vmem_check_arena(arenas[i], why, sizeof(why)) != 0) {
			printf("check: arena '%s': %s\n", vmem_name(arenas[i]),
			    why);
			ok = false;
		}
	}
	if (ok)
		printf("check: ok\n");
	return 0;
}

static const struct cmd_vmem_script_cmd cmd_vmem_script_cmds[] = {
	{ "add", 2, 2, "add ADDR SIZE", cmd_vmem_script_add },
	{ "alloc", 2, 3, "alloc NAME SIZE [STRATEGY]", cmd_vmem_script_alloc },
	{ "xalloc", 2, 8, "xalloc NAME SIZE [align=A] [phase=P] [nocross=N] "
	    "[min=ADDR] [max=ADDR] [STRATEGY]", cmd_vmem_script_xalloc },
	{ "free", 1, 1, "free NAME", cmd_vmem_script_free },
	{ "freeaddr", 2, 2, "freeaddr ADDR SIZE", cmd_vmem_script_freeaddr },
	{ "dump", 0, 0, "dump", cmd_vmem_script_dump },
	{ "check", 0, 0, "check", cmd_vmem_script_check },
};

/*
 * cmd_vmem_script_split: cut line (modified) into words at blanks,
 * dropping a '#' comment.
 * => returns the number of words, or -1 if there are more than max.
 */
static int
cmd_vmem_script_split(char *line, char **words, int max)
{
	char *p, *word;
	int n = 0;

	if ((p = strchr(line, '#')) != NULL)
		*p = '\0';
	for (word = strtok_r(line, " \t\r\n\f\v", &p); word != NULL;
	    word = strtok_r(NULL, " \t\r\n\f\v", &p)) {
		if (n == max)
			return -1;
		words[n++] = word;
	}
	return n;
}

/*
 * cmd_vmem_script_line: run one line of the script.
 * => returns 0, or -1 after reporting a syntax error.
 */
static int
cmd_vmem_script_line(struct cmd_vmem_script *sc, char *line)
{
	const struct cmd_vmem_script_cmd *c;
	char *words[CMD_VMEM_MAXWORDS];
	unsigned nargs;
	int n;

	if ((n = cmd_vmem_script_split(line, words, CMD_VMEM_MAXWORDS)) < 0)
		return cmd_vmem_script_error(sc, "too many words");
	if (n == 0)
		return 0;
	for (c = cmd_vmem_script_cmds; c < cmd_vmem_script_cmds +
	    nitems(cmd_vmem_script_cmds); c++)
		if (strcmp(c->sc_name, words[0]) == 0)
			break;
	if (c == cmd_vmem_script_cmds + nitems(cmd_vmem_script_cmds))
		return cmd_vmem_script_error(sc, "unknown command '%s'",
		    words[0]);
	nargs = (unsigned)n - 1;
	if (nargs < c->sc_minargs)
		return cmd_vmem_script_error(sc,
		    "missing argument (usage: %s)", c->sc_usage);
	if (nargs > c->sc_maxargs)
		return cmd_vmem_script_error(sc,
		    "too many arguments (usage: %s)", c->sc_usage);
	if (sc->sc_run->r_opts->o_verbose) {
		printf("+");
		for (int i = 0; i < n; i++)
			printf(" %s", words[i]);
		printf("\n");
	}
	return c->sc_exec(sc, n, words);
}

/*
 * cmd_vmem_script: run the script --script names ("-": stdin) on run.
 * => returns KML_EXIT_OK, or KML_EXIT_RUNTIME after reporting a file
 *    that cannot be read or a syntax error.
 */
static int
cmd_vmem_script(struct cmd_vmem_run *run)
{
	const char *path = run->r_opts->o_script;
	struct cmd_vmem_script sc = { run, path, 0 };
	char *line = NULL;
	size_t cap = 0;
	FILE *fp;
	int status = KML_EXIT_OK;

	/*
	 * vmem reports errors on stderr as they happen: flush each line of
	 * results so that the two streams interleave in order when merged.
	 * (Nothing has been written to stdout yet.)
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(path, "-") == 0) {
		fp = stdin;
		sc.sc_file = "<stdin>";
	} else if ((fp = fopen(path, "r")) == NULL) {
		util_error("cannot open '%s': %s", path, strerror(errno));
		return KML_EXIT_RUNTIME;
	}
	errno = 0;
	while (getline(&line, &cap, fp) != -1) {
		sc.sc_line++;
		if (cmd_vmem_script_line(&sc, line) != 0) {
			status = KML_EXIT_RUNTIME;
			break;
		}
		errno = 0;
	}
	if (status == KML_EXIT_OK && ferror(fp)) {
		util_error("cannot read '%s': %s", sc.sc_file, strerror(errno));
		status = KML_EXIT_RUNTIME;
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	return status;
}

/* ---- the command */

/*
 * cmd_vmem_exec: parse the options, build the arenas, run the workload,
 * print and check the arenas.
 */
static int
cmd_vmem_exec(int argc, char **argv)
{
	struct cmd_vmem_args args;
	struct cmd_vmem_opts opts;
	struct cmd_vmem_run run;
	int status;

	if ((status = cmd_vmem_collect(argc, argv, &args)) >= 0)
		return status;
	if ((status = cmd_vmem_validate(&args, &opts)) != 0)
		return status;
	memset(&run, 0, sizeof(run));
	run.r_opts = &opts;
	if ((status = cmd_vmem_create(&run)) != 0) {
		cmd_vmem_destroy(&run);
		return status;
	}
	if (opts.o_script != NULL)
		status = cmd_vmem_script(&run);
	else
		cmd_vmem_random(&run);
	if (status == KML_EXIT_OK) {
		cmd_vmem_print(&run, !opts.o_summary);
		status = cmd_vmem_check(&run);
	}
	cmd_vmem_destroy(&run);
	return status;
}
