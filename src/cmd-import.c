/*
 * src/cmd-import.c: "kmemlab import", kmem tracepoint text (ftrace,
 * trace-cmd report, perf script) to a kmemlab trace.
 *
 * The input is read in large blocks (fread) and cut into lines with
 * memchr, so that the importer (lib/import.c) sees each line once, in
 * place, without per-line stdio; the last line may lack its newline.
 * Each line goes to kml_import_line.  Drop counts ("[LOST N EVENTS]"
 * lines) are taken from the importer after each skipped line and go
 * where they occurred, among the events.
 *
 * The trace's header comes before its first event, but what the importer
 * can say for it (kml_import_header) grows with the lines read: format,
 * clock unit and CPU count are known at the first event, whether the
 * pointers are ftrace's hashes only at the first event with a pointer
 * that is not NULL (a slab event: page events carry frame numbers, and
 * kfree(NULL) is frequent).  So the events and drops are held back, the
 * events copied with their strings, until the pointers are known, or
 * CMD_IMPORT_HOLDMAX items or CMD_IMPORT_HOLDBYTES bytes of strings are
 * held, or the input ends; then the writer is opened with the header of
 * that moment, the held items are written in order and the rest as it
 * comes.  Those two limits bound the memory.
 *
 * Output is whole or nothing: a file is written under a temporary name by
 * the trace library and renamed by kml_trace_close; on any error the
 * writer is aborted, which removes it.  The size in the report is the
 * writer's offset after kml_trace_finish has written the trailer, which
 * is the same for a file and for standard output (a pipe).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <kmemlab/import.h>
#include <kmemlab/trace.h>

#include "cmd.h"
#include "util.h"

static int cmd_import_exec(int, char **);

const struct cmd_entry cmd_import_entry = {
	.name = "import",
	.usage = "[-f ftrace|perf] [-o OUT] [-k] [--ncpu N] [--host NAME] "
	    "[--kernel RELEASE] [-q] [FILE|-]",
	.summary = "convert ftrace or perf script kmem text into a trace",
	.help =
	    "Reads the text of Linux kmem tracepoints (kmalloc, kfree,\n"
	    "kmem_cache_alloc, kmem_cache_free, mm_page_alloc, mm_page_free and\n"
	    "their _node and _batched forms) as printed by ftrace (the tracefs\n"
	    "trace and trace_pipe files, trace-cmd report) or by perf script, and\n"
	    "writes them as a kmemlab trace (.kmt).  FILE '-' or no FILE reads\n"
	    "standard input.  Other events, comments and blank lines are skipped\n"
	    "and counted; \"[LOST N EVENTS]\" lines become drop records.\n"
	    "\n"
	    "options:\n"
	    "  -f, --format=FORMAT    input format: ftrace or perf\n"
	    "                         (default: detected from the first event line)\n"
	    "  -o, --output=OUT       the trace to write, '-' for standard output\n"
	    "                         (default: FILE's base name with its last\n"
	    "                         extension replaced by .kmt, in the current\n"
	    "                         directory; standard output for standard\n"
	    "                         input)\n"
	    "  -k, --keep-going       skip kmem lines that cannot be read (counted\n"
	    "                         as malformed) instead of stopping at the\n"
	    "                         first (default: stop)\n"
	    "      --ncpu=N           CPUs of the traced machine, 1..4096\n"
	    "                         (default: from the text, \"#P:N\", \"cpus=N\"\n"
	    "                         or perf's header, else unknown)\n"
	    "      --host=NAME        host name of the traced machine\n"
	    "                         (default: from perf's header, else unknown)\n"
	    "      --kernel=RELEASE   kernel release of the traced machine\n"
	    "                         (default: from perf's header, else unknown)\n"
	    "  -q, --quiet            no report at the end (default: report)\n"
	    "  -h, --help             print this help and exit\n"
	    "\n"
	    "--ncpu, --host and --kernel win over what the text says.\n"
	    "\n"
	    "At the end two lines on standard error report what was done:\n"
	    "  kmemlab import: FILE: N lines read, N converted, N skipped (N comment,\n"
	    "      N other event, N malformed, N lost marker)\n"
	    "  kmemlab import: wrote OUT: N events, N bytes, X.XX bytes/event\n"
	    "(reasons with a count of 0 are left out).  A kmem line that cannot\n"
	    "be read stops the import with \"FILE:LINE: ...\" and nothing is\n"
	    "written.  A binary trace is never written to a terminal.\n"
	    "\n"
	    "exit status: 0 success, 1 runtime error (input, malformed line,\n"
	    "output), 2 usage error.\n",
	.exec = cmd_import_exec
};

/* Bytes read from the input at a time. */
#define CMD_IMPORT_BUFSIZE	(1u << 20)

/* Longest input line, bytes: far above any tracepoint line. */
#define CMD_IMPORT_LINEMAX	(1u << 20)

/*
 * Holding back before the header is written: at most this many items
 * (events and drops; about 150 bytes each) and this many bytes of string
 * chunks, each chunk CMD_IMPORT_CHUNK bytes (an event's strings take at
 * most 3 KiB, so they always fit a fresh chunk).
 */
#define CMD_IMPORT_HOLDMAX	65536
#define CMD_IMPORT_HOLDBYTES	(16u << 20)
#define CMD_IMPORT_CHUNK	(64u << 10)

/* The options as given (or their defaults). */
struct cmd_import_opts {
	unsigned o_format;		/* enum kml_import_format */
	const char *o_output;		/* NULL: the default name */
	bool o_keep_going;		/* -k */
	uint32_t o_ncpu;		/* --ncpu, 0: not given */
	const char *o_host;		/* --host, NULL: not given */
	const char *o_kernel;		/* --kernel, NULL: not given */
	bool o_quiet;			/* -q */
	const char *o_input;		/* FILE, "-" for standard input */
};

/* The input, read in blocks and cut into lines. */
struct cmd_import_input {
	FILE *in_fp;
	const char *in_name;		/* for messages: FILE or "<stdin>" */
	char *in_buf;			/* [in_start, in_end) not cut yet */
	size_t in_cap;
	size_t in_start;
	size_t in_end;
	bool in_eof;			/* fread hit the end of the input */
	uint64_t in_line;		/* the last line returned, from 1 */
};

/* An item held back: an event, whose strings are in the chunks, or a drop. */
struct cmd_import_held {
	struct kml_trace_item h_item;
	uint64_t h_line;		/* an event's line, for messages */
};

/* What is held back until the header is written, in stream order. */
struct cmd_import_hold {
	struct cmd_import_held *ho_items;	/* [0, ho_n) */
	size_t ho_n;
	size_t ho_cap;
	char **ho_chunks;		/* string storage, never moved */
	size_t ho_nchunks;
	size_t ho_used;			/* bytes used in the last chunk */
	size_t ho_bytes;		/* bytes of all chunks */
};

/* One run: the importer, the writer and where they write. */
struct cmd_import_run {
	const struct cmd_import_opts *r_opts;
	struct cmd_import_input r_in;
	struct kml_import *r_imp;
	struct kml_trace *r_w;		/* NULL until the header is known */
	struct cmd_import_hold r_hold;	/* held back while r_w is NULL */
	struct kml_trace_header r_probe;	/* scratch: pointer kind */
	const char *r_outpath;		/* the trace's path, "-": stdout */
	const char *r_outname;		/* for messages: path or "<stdout>" */
	char *r_outbuf;			/* r_outpath when made from FILE */
};

/* ---- options */

/* Long-only options. */
enum {
	CMD_IMPORT_OPT_NCPU = 256,
	CMD_IMPORT_OPT_HOST,
	CMD_IMPORT_OPT_KERNEL
};

static const struct option cmd_import_longopts[] = {
	{ "format",	required_argument,	NULL,	'f' },
	{ "output",	required_argument,	NULL,	'o' },
	{ "keep-going",	no_argument,		NULL,	'k' },
	{ "ncpu",	required_argument,	NULL,	CMD_IMPORT_OPT_NCPU },
	{ "host",	required_argument,	NULL,	CMD_IMPORT_OPT_HOST },
	{ "kernel",	required_argument,	NULL,	CMD_IMPORT_OPT_KERNEL },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/*
 * cmd_import_parse: read the command line into *o (the last of a repeated
 * option wins) and check each value.
 * => returns -1 to go on, or an exit status: KML_EXIT_OK after --help,
 *    KML_EXIT_USAGE after a reported error.
 */
static int
cmd_import_parse(int argc, char **argv, struct cmd_import_opts *o)
{
	const char *cause;
	uint64_t v;
	int ch;

	*o = (struct cmd_import_opts){ .o_format = KML_IMPORT_AUTO,
	    .o_input = "-" };
	while ((ch = getopt_long(argc, argv, ":f:o:kqh", cmd_import_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "ftrace") == 0)
				o->o_format = KML_IMPORT_FTRACE;
			else if (strcmp(optarg, "perf") == 0)
				o->o_format = KML_IMPORT_PERF;
			else
				return util_bad("format", optarg,
				    "not ftrace or perf");
			break;
		case 'o':
			o->o_output = optarg;
			break;
		case 'k':
			o->o_keep_going = true;
			break;
		case CMD_IMPORT_OPT_NCPU:
			if (util_parse_uint(optarg, UINT64_MAX, &v,
			    &cause) != 0)
				return util_bad("ncpu", optarg, cause);
			if (v < 1 || v > KML_TRACE_CPUMAX)
				return util_bad("ncpu", optarg,
				    "not in 1..4096");
			o->o_ncpu = (uint32_t)v;
			break;
		case CMD_IMPORT_OPT_HOST:
			if (strlen(optarg) > KML_TRACE_HDRSTRMAX)
				return util_bad("host", optarg,
				    "longer than 1023 bytes");
			o->o_host = optarg;
			break;
		case CMD_IMPORT_OPT_KERNEL:
			if (strlen(optarg) > KML_TRACE_HDRSTRMAX)
				return util_bad("kernel", optarg,
				    "longer than 1023 bytes");
			o->o_kernel = optarg;
			break;
		case 'q':
			o->o_quiet = true;
			break;
		case 'h':
			cmd_print_help(stdout, &cmd_import_entry);
			return KML_EXIT_OK;
		default:
			return cmd_option_error(ch, argv, cmd_import_longopts,
			    &cmd_import_entry);
		}
	}
	if (optind < argc)
		o->o_input = argv[optind++];
	if (optind < argc)
		return cmd_extra_argument(argv[optind]);
	return -1;
}

/*
 * cmd_import_default_output: the default trace name for input path:
 * its base name with the last extension (a '.' that does not start the
 * name) replaced by ".kmt", or ".kmt" appended.
 * => returns a string to free.
 */
static char *
cmd_import_default_output(const char *path)
{
	const char *base, *dot;
	size_t stem;
	char *out;

	base = strrchr(path, '/');
	base = base == NULL ? path : base + 1;
	dot = strrchr(base, '.');
	stem = dot == NULL || dot == base ? strlen(base) : (size_t)(dot - base);
	out = xmalloc(stem + sizeof(".kmt"));
	memcpy(out, base, stem);
	memcpy(out + stem, ".kmt", sizeof(".kmt"));
	return out;
}

/* ---- the input */

/*
 * cmd_import_open_input: open o_input ("-": standard input) into *in.
 * => returns 0, or -1 after reporting "FILE: why".
 */
static int
cmd_import_open_input(struct cmd_import_input *in, const char *path)
{
	memset(in, 0, sizeof(*in));
	if ((in->in_fp = util_open_input(path, &in->in_name)) == NULL)
		return -1;
	in->in_cap = CMD_IMPORT_BUFSIZE;
	in->in_buf = xmalloc(in->in_cap);
	return 0;
}

/* cmd_import_close_input: release in. */
static void
cmd_import_close_input(struct cmd_import_input *in)
{
	util_close_input(in->in_fp);
	free(in->in_buf);
	in->in_fp = NULL;
	in->in_buf = NULL;
}

/*
 * cmd_import_getline: cut the next line (without its newline) out of
 * in, reading more as needed; the last line may lack its newline.
 * => returns 1 with the line in *linep, *lenp (valid until the next
 *    call), 0 at the end, or -1 after reporting a read error or a line
 *    longer than CMD_IMPORT_LINEMAX.
 */
static int
cmd_import_getline(struct cmd_import_input *in, const char **linep,
    size_t *lenp)
{
	const char *nl;
	size_t want, got;

	for (;;) {
		if (in->in_start < in->in_end) {
			nl = memchr(in->in_buf + in->in_start, '\n',
			    in->in_end - in->in_start);
			if (nl != NULL || in->in_eof) {
				*linep = in->in_buf + in->in_start;
				*lenp = nl != NULL ?
				    (size_t)(nl - *linep) :
				    in->in_end - in->in_start;
				in->in_start += *lenp + (nl != NULL);
				in->in_line++;
				return 1;
			}
		} else if (in->in_eof)
			return 0;
		/* Only a partial line is left: keep it, read more after it. */
		if (in->in_start > 0) {
			memmove(in->in_buf, in->in_buf + in->in_start,
			    in->in_end - in->in_start);
			in->in_end -= in->in_start;
			in->in_start = 0;
		}
		if (in->in_end == in->in_cap) {
			if (in->in_end > CMD_IMPORT_LINEMAX) {
				util_error("%s:%" PRIu64 ": line longer than "
				    "%u bytes", in->in_name, in->in_line + 1,
				    CMD_IMPORT_LINEMAX);
				return -1;
			}
			in->in_cap *= 2;
			in->in_buf = xreallocarray(in->in_buf, in->in_cap, 1);
		}
		want = in->in_cap - in->in_end;
		got = fread(in->in_buf + in->in_end, 1, want, in->in_fp);
		in->in_end += got;
		if (got < want) {
			if (ferror(in->in_fp)) {
				util_error("%s: %s", in->in_name,
				    strerror(errno));
				return -1;
			}
			in->in_eof = true;
		}
	}
}

/* ---- the output */

/*
 * cmd_import_same_file: the output path names the file being read (as
 * "kmemlab import t.kmt" would, run in t.kmt's directory), which the
 * rename at the end would replace.
 */
static bool
cmd_import_same_file(const struct cmd_import_run *run)
{
	struct stat in, out;

	if (strcmp(run->r_outpath, "-") == 0 ||
	    stat(run->r_outpath, &out) != 0 ||
	    fstat(fileno(run->r_in.in_fp), &in) != 0)
		return false;
	return in.st_dev == out.st_dev && in.st_ino == out.st_ino;
}

/*
 * cmd_import_open_output: open the writer of run with the header the
 * importer has gathered so far and the options applied over it.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_import_open_output(struct cmd_import_run *run)
{
	const struct cmd_import_opts *o = run->r_opts;
	struct kml_trace_header th;
	const char *fmtname;

	kml_trace_header_init(&th, KML_TSRC_IMPORT);
	kml_import_header(run->r_imp, &th);
	th.th_source = KML_TSRC_IMPORT;
	if (o->o_ncpu != 0)
		th.th_ncpu = o->o_ncpu;
	if (o->o_host != NULL)
		snprintf(th.th_host, sizeof(th.th_host), "%s", o->o_host);
	if (o->o_kernel != NULL)
		snprintf(th.th_kernel, sizeof(th.th_kernel), "%s", o->o_kernel);
	if ((fmtname = kml_import_format_name(kml_import_format(run->r_imp)))
	    == NULL)
		fmtname = "auto";
	snprintf(th.th_detail, sizeof(th.th_detail), "%s %s", fmtname,
	    o->o_input);
	run->r_w = util_trace_create(run->r_outpath, &th);
	return run->r_w != NULL ? 0 : -1;
}

/* ---- holding back */

/*
 * cmd_import_ptrs_known: the lines read so far tell whether the pointers
 * are ftrace's hashes or addresses.  kml_import_header sets
 * KML_THF_HASHEDPTR when it knows they are hashes, clears it when it
 * knows they are addresses and leaves it otherwise, so it is asked on a
 * scratch header with the flag clear, then set.
 */
static bool
cmd_import_ptrs_known(struct cmd_import_run *run)
{
	struct kml_trace_header *th = &run->r_probe;

	th->th_flags = 0;
	kml_import_header(run->r_imp, th);
	if (th->th_flags & KML_THF_HASHEDPTR)
		return true;
	th->th_flags = KML_THF_HASHEDPTR;
	kml_import_header(run->r_imp, th);
	return !(th->th_flags & KML_THF_HASHEDPTR);
}

/*
 * cmd_import_hold_item: a new item at the end of ho.
 * => ho holds fewer than CMD_IMPORT_HOLDMAX items.
 */
static struct cmd_import_held *
cmd_import_hold_item(struct cmd_import_hold *ho)
{
	if (ho->ho_n == ho->ho_cap) {
		ho->ho_cap = ho->ho_cap == 0 ? 256 : ho->ho_cap * 2;
		ho->ho_items = xreallocarray(ho->ho_items, ho->ho_cap,
		    sizeof(*ho->ho_items));
	}
	memset(&ho->ho_items[ho->ho_n], 0, sizeof(ho->ho_items[0]));
	return &ho->ho_items[ho->ho_n++];
}

/*
 * cmd_import_hold_str: a copy of s (NULL stays NULL) in ho's chunks,
 * valid until cmd_import_hold_free.
 */
static const char *
cmd_import_hold_str(struct cmd_import_hold *ho, const char *s)
{
	size_t len, size;
	char *p;

	if (s == NULL)
		return NULL;
	len = strlen(s) + 1;
	if (ho->ho_nchunks == 0 || ho->ho_used + len > CMD_IMPORT_CHUNK) {
		size = len > CMD_IMPORT_CHUNK ? len : CMD_IMPORT_CHUNK;
		ho->ho_chunks = xreallocarray(ho->ho_chunks,
		    ho->ho_nchunks + 1, sizeof(*ho->ho_chunks));
		ho->ho_chunks[ho->ho_nchunks++] = xmalloc(size);
		ho->ho_bytes += size;
		ho->ho_used = 0;
	}
	p = ho->ho_chunks[ho->ho_nchunks - 1] + ho->ho_used;
	memcpy(p, s, len);
	ho->ho_used += len;
	return p;
}

/* cmd_import_hold_free: release what ho holds and empty it. */
static void
cmd_import_hold_free(struct cmd_import_hold *ho)
{
	for (size_t i = 0; i < ho->ho_nchunks; i++)
		free(ho->ho_chunks[i]);
	free(ho->ho_chunks);
	free(ho->ho_items);
	memset(ho, 0, sizeof(*ho));
}

/*
 * cmd_import_release: open the writer and write what is held, in order.
 * => the writer is not open.
 * => returns 0, or -1 after reporting (the writer, if open, is left for
 *    the caller to abort).
 */
static int
cmd_import_release(struct cmd_import_run *run)
{
	const struct kml_trace_item *it;
	int rv;

	if (cmd_import_open_output(run) != 0)
		return -1;
	for (size_t i = 0; i < run->r_hold.ho_n; i++) {
		it = &run->r_hold.ho_items[i].h_item;
		rv = it->ti_kind == KML_TI_DROP ?
		    kml_trace_write_drop(run->r_w, it->ti_drop_cpu,
		    it->ti_drop_count) :
		    kml_trace_write(run->r_w, &it->ti_event);
		if (rv == 0)
			continue;
		if (it->ti_kind == KML_TI_DROP)
			util_error("%s", kml_trace_errmsg(run->r_w));
		else
			util_error("%s:%" PRIu64 ": %s", run->r_in.in_name,
			    run->r_hold.ho_items[i].h_line,
			    kml_trace_errmsg(run->r_w));
		return -1;
	}
	cmd_import_hold_free(&run->r_hold);
	return 0;
}

/*
 * cmd_import_held: after an item was held: release when the pointers are
 * known or a limit is reached.
 * => returns 0, or -1 as cmd_import_release.
 */
static int
cmd_import_held(struct cmd_import_run *run)
{
	const struct cmd_import_hold *ho = &run->r_hold;

	if (ho->ho_n < CMD_IMPORT_HOLDMAX &&
	    ho->ho_bytes < CMD_IMPORT_HOLDBYTES &&
	    !cmd_import_ptrs_known(run))
		return 0;
	return cmd_import_release(run);
}

/* ---- the stream */

/*
 * cmd_import_drops: write (or hold) the drops the importer has
 * collected.
 * => returns 0, or -1 after reporting a write error.
 */
static int
cmd_import_drops(struct cmd_import_run *run)
{
	struct cmd_import_held *h;
	uint64_t count;
	uint32_t cpu;

	while (kml_import_take_drops(run->r_imp, &cpu, &count)) {
		if (run->r_w == NULL) {
			h = cmd_import_hold_item(&run->r_hold);
			h->h_item.ti_kind = KML_TI_DROP;
			h->h_item.ti_drop_cpu = cpu;
			h->h_item.ti_drop_count = count;
			if (cmd_import_held(run) != 0)
				return -1;
		} else if (kml_trace_write_drop(run->r_w, cpu, count) != 0) {
			util_error("%s", kml_trace_errmsg(run->r_w));
			return -1;
		}
	}
	return 0;
}

/*
 * cmd_import_event: write (or hold, with copies of its strings) ev, read
 * from the current line.
 * => returns 0, or -1 after reporting a write error.
 */
static int
cmd_import_event(struct cmd_import_run *run, const struct kml_trace_event *ev)
{
	struct cmd_import_hold *ho = &run->r_hold;
	struct kml_trace_event *copy;
	struct cmd_import_held *h;

	if (run->r_w == NULL) {
		h = cmd_import_hold_item(ho);
		h->h_item.ti_kind = KML_TI_EVENT;
		h->h_line = run->r_in.in_line;
		copy = &h->h_item.ti_event;
		*copy = *ev;
		copy->te_comm = cmd_import_hold_str(ho, ev->te_comm);
		copy->te_site = cmd_import_hold_str(ho, ev->te_site);
		copy->te_cache = cmd_import_hold_str(ho, ev->te_cache);
		return cmd_import_held(run);
	}
	if (kml_trace_write(run->r_w, ev) != 0) {
		util_error("%s:%" PRIu64 ": %s", run->r_in.in_name,
		    run->r_in.in_line, kml_trace_errmsg(run->r_w));
		return -1;
	}
	return 0;
}

/* ---- the report */

/*
 * cmd_import_report: print the two report lines (see the help) on
 * stderr.
 */
static void
cmd_import_report(const struct cmd_import_run *run, uint64_t events,
    uint64_t bytes)
{
	const struct kml_import_stats *st = kml_import_stats(run->r_imp);
	char why[256] = "";
	const char *sep = " (";
	uint64_t skipped = 0;
	size_t used = 0;

	for (unsigned i = 0; i < KML_ISKIP_COUNT; i++) {
		skipped += st->is_skipped[i];
		if (st->is_skipped[i] == 0 || used >= sizeof(why))
			continue;
		used += (size_t)snprintf(why + used, sizeof(why) - used,
		    "%s%" PRIu64 " %s", sep, st->is_skipped[i],
		    kml_import_skip_name(i));
		sep = ", ";
	}
	if (skipped != 0 && used < sizeof(why))
		snprintf(why + used, sizeof(why) - used, ")");
	util_error("%s: %" PRIu64 " lines read, %" PRIu64 " converted, %"
	    PRIu64 " skipped%s", run->r_in.in_name, st->is_lines,
	    st->is_converted, skipped, why);
	util_trace_report(run->r_outname, events, bytes);
}

/* ---- the command */

/*
 * cmd_import_convert: read every line of the input and write the trace.
 * => returns 0 with the writer open and everything written to it, or -1
 *    after reporting (the writer, if open, is left for the caller to
 *    abort).
 */
static int
cmd_import_convert(struct cmd_import_run *run)
{
	struct kml_trace_event ev;
	const char *line;
	char err[1024];
	size_t len;
	int rv;

	while ((rv = cmd_import_getline(&run->r_in, &line, &len)) == 1) {
		rv = kml_import_line(run->r_imp, line, len, &ev, err,
		    sizeof(err));
		if (rv < 0) {
			util_error("%s:%" PRIu64 ": %s", run->r_in.in_name,
			    run->r_in.in_line, err);
			return -1;
		}
		/* A skipped line may be a lost marker. */
		if ((rv == 0 ? cmd_import_drops(run) :
		    cmd_import_event(run, &ev)) != 0)
			return -1;
	}
	if (rv < 0)
		return -1;
	if (run->r_w == NULL && cmd_import_release(run) != 0)
		return -1;
	return cmd_import_drops(run);
}

/*
 * cmd_import_exec: parse the options, convert the input, report.
 */
static int
cmd_import_exec(int argc, char **argv)
{
	struct cmd_import_opts opts;
	struct cmd_import_run run;
	uint64_t events, bytes;
	int status, rv;

	if ((status = cmd_import_parse(argc, argv, &opts)) >= 0)
		return status;
	memset(&run, 0, sizeof(run));
	run.r_opts = &opts;
	if (opts.o_output != NULL)
		run.r_outpath = opts.o_output;
	else if (strcmp(opts.o_input, "-") == 0)
		run.r_outpath = "-";
	else
		run.r_outpath = run.r_outbuf =
		    cmd_import_default_output(opts.o_input);
	run.r_outname = util_output_name(run.r_outpath);
	if (util_refuse_tty(run.r_outpath)) {
		free(run.r_outbuf);
		return KML_EXIT_USAGE;
	}
	status = KML_EXIT_RUNTIME;
	if (cmd_import_open_input(&run.r_in, opts.o_input) != 0)
		goto out;
	if (cmd_import_same_file(&run)) {
		util_error("output '%s' is the input file (use -o OUT)",
		    run.r_outpath);
		status = KML_EXIT_USAGE;
		goto out;
	}
	run.r_imp = kml_import_create(opts.o_format, opts.o_keep_going);
	kml_trace_header_init(&run.r_probe, KML_TSRC_IMPORT);
	if (cmd_import_convert(&run) != 0)
		goto out;
	rv = util_trace_close(run.r_w, &events, &bytes);
	run.r_w = NULL;		/* freed in every case */
	if (rv != 0)
		goto out;
	if (!opts.o_quiet)
		cmd_import_report(&run, events, bytes);
	status = KML_EXIT_OK;
out:
	if (run.r_w != NULL)
		util_trace_abort(run.r_w);
	cmd_import_hold_free(&run.r_hold);
	if (run.r_imp != NULL)
		kml_import_destroy(run.r_imp);
	cmd_import_close_input(&run.r_in);
	free(run.r_outbuf);
	return status;
}
