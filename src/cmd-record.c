/*
 * src/cmd-record.c: "kmemlab record", kernel and user-space allocations
 * recorded with eBPF (libbpf) straight into a kmemlab trace, as a stream.
 *
 * One recording: the options are read and checked; then the privileges,
 * the kernel's BTF and tracefs (record_check); the kernel's symbols from
 * /proc/kallsyms for the call sites; the trace is opened (so that a bad
 * -o fails before anything starts; on a later error it is removed); a
 * command to trace is started suspended (below); the BPF programs are
 * loaded and attached (record-bpf.c); the command is let go; and the
 * ring buffer is read until the end: the command exits, the process of
 * -p exits, -d seconds pass, or SIGINT or SIGTERM comes.  Then what is
 * left in the ring buffer is read, the drop counters are written, and
 * the trace is finished with its trailer.
 *
 * Each ring buffer record becomes one trace event as lib/import.c makes
 * it from the same tracepoint's ftrace line, so that a recorded trace and
 * an imported one look alike: call sites "symbol+0xoff" (a direct-mapped
 * cache in front of the kallsyms search), the gfp mask as recorded with
 * KML_TEF_SLEEP when it allows direct reclaim, KML_TEF_ZERO for
 * __GFP_ZERO, KML_TEF_ACCOUNT for __GFP_ACCOUNT or accounted=true, page
 * events with the pfn as pointer.  User-space events carry the return
 * address of the call as their site, as a number ("0x55d0c0de1234"):
 * they are not symbolized.  calloc has KML_TEF_ZERO and its count.
 *
 * A command is started suspended so that no allocation of it is missed:
 * the child waits on a pipe until the probes are attached for its pid,
 * then execs; a second pipe, close-on-exec, carries exec's errno back
 * when exec fails ("cannot start 'CMD': No such file or directory").
 * With -o - the command's standard output goes to standard error, so
 * that it cannot mix with the trace.
 *
 * Drops: the programs count per CPU the events that found the ring
 * buffer full; the counters are read every poll round and each increase
 * becomes a drop record at that point of the trace, so that the trailer
 * holds them all; the summary prints them.
 *
 * Streaming: to standard output the trace is flushed (a block ended) at
 * most every CMD_RECORD_FLUSH_MS, so that a reader on a pipe sees events
 * as they come; a file is flushed only when blocks fill.
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
#include <time.h>
#include <unistd.h>

#include <kmemlab/trace.h>

#include "cmd.h"
#include "util.h"

static int cmd_record_exec(int, char **);

const struct cmd_entry cmd_record_entry = {
	.name = "record",
	.usage = "[options] [-p PID | -- COMMAND [ARGS...]]",
	.summary = "record kernel or user-space allocations with eBPF",
	.help =
	    "Records allocation events with eBPF (libbpf) into a kmemlab trace,\n"
	    "written as they arrive.  Kernel mode (the default without -p or a\n"
	    "command) records the kmem tracepoints of every process but kmemlab:\n"
	    "kmalloc, kfree, kmem_cache_alloc, kmem_cache_free, mm_page_alloc,\n"
	    "mm_page_free, and kmalloc_node and kmem_cache_alloc_node where the\n"
	    "kernel has them.  User mode (the default with -p or a command)\n"
	    "records the C library's malloc, calloc, realloc, free,\n"
	    "posix_memalign, aligned_alloc, memalign and valloc in one process\n"
	    "and its threads, with uprobes.  Needs root, or CAP_BPF and\n"
	    "CAP_PERFMON, and a kernel with BTF.\n"
	    "\n"
	    "options:\n"
	    "  -o, --output=FILE      the trace to write, '-' for standard output\n"
	    "                         (default: record.kmt)\n"
	    "  -k, --kernel           record kernel allocations (with -p or a\n"
	    "                         command: that process's only)\n"
	    "  -u, --user             record user-space allocations (needs -p or\n"
	    "                         a command)\n"
	    "  -p, --pid=PID          trace the running process PID\n"
	    "  -c, --comm=COMM        only threads whose command name is COMM\n"
	    "  -d, --duration=SECONDS stop after SECONDS (default: at SIGINT or\n"
	    "                         SIGTERM, or when the process traced ends)\n"
	    "  -e, --events=LIST      record only these events, comma-separated:\n"
	    "                         tracepoint names (kmalloc, kmalloc_node,\n"
	    "                         kfree, kmem_cache_alloc,\n"
	    "                         kmem_cache_alloc_node, kmem_cache_free,\n"
	    "                         mm_page_alloc, mm_page_free) or function\n"
	    "                         names (malloc, calloc, realloc, free,\n"
	    "                         posix_memalign, memalign, aligned_alloc,\n"
	    "                         valloc) (default: all of the mode)\n"
	    "  -b, --buffer=SIZE      ring buffer size, a power of two of at\n"
	    "                         least a page, K/M/G suffixes (default: 8M)\n"
	    "      --lib=LIB          the library whose functions are probed: a\n"
	    "                         path, or a name such as libjemalloc looked\n"
	    "                         up in the process's mappings (default:\n"
	    "                         libc)\n"
	    "      --prefix=PREFIX    prefix of the library's function names, as\n"
	    "                         je_ for je_malloc (default: none)\n"
	    "  -q, --quiet            no live line and no summary\n"
	    "  -v, --verbose          libbpf's messages, and what is left out\n"
	    "  -h, --help             print this help and exit\n"
	    "\n"
	    "While recording, a line on standard error (when it is a terminal)\n"
	    "shows events per second by kind, events dropped and bytes written.\n"
	    "At the end a summary gives the events by kind, the events dropped\n"
	    "per CPU (the ring buffer was full; they are counted in the trace's\n"
	    "trailer too) and the \"wrote OUT\" line.  Replay what was recorded\n"
	    "with 'kmemlab replay FILE', or live: kmemlab record -o - | kmemlab\n"
	    "replay -.  See kmemlab-record(1).\n"
	    "\n"
	    "exit status: 0 the recording is complete, 1 runtime error (or a\n"
	    "kmemlab built without the recorder), 2 usage error.\n",
	.exec = cmd_record_exec
};

#ifndef HAVE_BPF

/* cmd_record_exec: this kmemlab has no recorder: say how to get one. */
static int
cmd_record_exec(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			cmd_print_help(stdout, &cmd_record_entry);
			return KML_EXIT_OK;
		}
	util_error("this kmemlab was built without the BPF recorder: install "
	    "libbpf (0.8 or later), clang and bpftool (Debian: apt-get install "
	    "libbpf-dev clang bpftool libelf-dev), then run configure and make "
	    "again");
	return KML_EXIT_RUNTIME;
}

#else /* HAVE_BPF */

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <kmemlab/gfp.h>

#include "record-bpf.h"
#include "record-ksyms.h"

/* The record's operation numbers are the trace format's. */
_Static_assert(KML_REC_KMALLOC == KML_OP_KMALLOC &&
    KML_REC_PAGE_FREE == KML_OP_PAGE_FREE &&
    KML_REC_MALLOC == KML_OP_MALLOC &&
    KML_REC_VALLOC == KML_OP_VALLOC &&
    KML_REC_CTX_NMI == KML_CTX_NMI, "record.h and trace.h disagree");

#define CMD_RECORD_OUTPUT	"record.kmt"	/* -o's default */
#define CMD_RECORD_BUFFER	(8u << 20)	/* --buffer's default, bytes */
#define CMD_RECORD_BUFMAX	(1u << 30)	/* the largest --buffer */
#define CMD_RECORD_POLL_MS	100		/* longest wait for events */
#define CMD_RECORD_FLUSH_MS	100		/* streaming: flush interval */
#define CMD_RECORD_LIVE_MS	1000		/* live line interval */
#define CMD_RECORD_SITES	2048		/* call-site cache entries */
#define CMD_RECORD_SITELEN	160		/* longest site cached, NUL included */

/* The command line, parsed. */
struct cmd_record_args {
	const char *a_output;		/* the trace, "-": stdout */
	bool a_kernel, a_user;		/* -k, -u */
	pid_t a_pid;			/* -p, 0: none */
	const char *a_pidarg;		/* -p as given */
	uint64_t a_duration_ns;		/* -d, 0: none */
	unsigned a_events;		/* --events, 0: not given */
	bool a_quiet;			/* -q */
	char **a_cmd;			/* the command, NULL: none */
	/*
	 * What to record: -c, --buffer, --lib, --prefix and -v from the
	 * parser, the events from cmd_record_mode, the processes later.
	 */
	struct record_config a_rc;
};

/* One entry of the call-site cache. */
struct cmd_record_site {
	uint64_t s_addr;		/* 0: empty */
	char s_str[CMD_RECORD_SITELEN];
};

/* A recording in progress. */
struct cmd_record_run {
	const struct cmd_record_args *r_args;
	struct kml_trace *r_w;		/* the writer, NULL until opened */
	struct record_ksyms *r_ksyms;	/* NULL: user mode only */
	struct cmd_record_site *r_sites;
	bool r_failed;			/* a write failed: stop */
	uint64_t r_ops[KML_OP_COUNT];	/* events written, per operation */
	uint64_t r_live[KML_OP_COUNT];	/* r_ops at the last live line */
	uint64_t *r_drops;		/* drops written, per CPU */
	uint64_t *r_dropnow;		/* scratch: the counters read */
	uint64_t r_dropped;		/* sum of r_drops */
	unsigned r_ncpu;
	bool r_live_shown;		/* a live line is on the terminal */
};

static volatile sig_atomic_t cmd_record_signalled;

/* ---- options */

enum {
	CMD_RECORD_OPT_LIB = 256,
	CMD_RECORD_OPT_PREFIX
};

static const struct option cmd_record_longopts[] = {
	{ "output",	required_argument,	NULL,	'o' },
	{ "kernel",	no_argument,		NULL,	'k' },
	{ "user",	no_argument,		NULL,	'u' },
	{ "pid",	required_argument,	NULL,	'p' },
	{ "comm",	required_argument,	NULL,	'c' },
	{ "duration",	required_argument,	NULL,	'd' },
	{ "events",	required_argument,	NULL,	'e' },
	{ "buffer",	required_argument,	NULL,	'b' },
	{ "lib",	required_argument,	NULL,	CMD_RECORD_OPT_LIB },
	{ "prefix",	required_argument,	NULL,	CMD_RECORD_OPT_PREFIX },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/*
 * cmd_record_events: parse --events LIST into a set of RECORD_EV_BIT()s.
 * => returns 0, or KML_EXIT_USAGE after reporting.
 */
static int
cmd_record_events(const char *list, unsigned *evp)
{
	char *copy = xstrdup(list), *p = copy, *name;
	char why[128];
	int ev;

	*evp = 0;
	for (;;) {
		name = p;
		p = strchr(p, ',');
		if (p != NULL)
			*p++ = '\0';
		if (*name == '\0') {
			free(copy);
			return util_bad("events", list, "empty name in the list");
		}
		if ((ev = record_ev_lookup(name)) < 0) {
			snprintf(why, sizeof(why), "unknown event '%s'", name);
			free(copy);
			return util_bad("events", list, why);
		}
		*evp |= RECORD_EV_BIT((unsigned)ev);
		if (p == NULL)
			break;
	}
	free(copy);
	return 0;
}

/*
 * cmd_record_args: read the command line into *a and check it.
 * => returns -1 to go on, or an exit status (KML_EXIT_OK after --help,
 *    KML_EXIT_USAGE after a reported error).
 */
static int
cmd_record_args(int argc, char **argv, struct cmd_record_args *a)
{
	const char *cause;
	uint64_t v;
	int ch;

	memset(a, 0, sizeof(*a));
	a->a_output = CMD_RECORD_OUTPUT;
	a->a_rc.rc_buffer = CMD_RECORD_BUFFER;
	a->a_rc.rc_lib = "libc";
	a->a_rc.rc_prefix = "";
	while ((ch = getopt_long(argc, argv, "+:o:kup:c:d:e:b:qvh",
	    cmd_record_longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			a->a_output = optarg;
			break;
		case 'k':
			a->a_kernel = true;
			break;
		case 'u':
			a->a_user = true;
			break;
		case 'p':
			if (util_parse_uint(optarg, INT32_MAX, &v,
			    &cause) != 0)
				return util_bad("pid", optarg, cause);
			if (v == 0)
				return util_bad("pid", optarg, "not a process");
			a->a_pid = (pid_t)v;
			a->a_pidarg = optarg;
			break;
		case 'c':
			if (strlen(optarg) == 0 ||
			    strlen(optarg) >= KML_REC_COMMLEN)
				return util_bad("comm", optarg,
				    "not 1 to 15 bytes long");
			a->a_rc.rc_comm = optarg;
			break;
		case 'd':
			if (util_parse_uint(optarg, 1000000, &v,
			    &cause) != 0)
				return util_bad("duration", optarg, cause);
			if (v == 0)
				return util_bad("duration", optarg,
				    "not in 1..1000000 seconds");
			a->a_duration_ns = v * 1000000000u;
			break;
		case 'e':
			if (cmd_record_events(optarg, &a->a_events) != 0)
				return KML_EXIT_USAGE;
			break;
		case 'b':
			if (util_parse_size(optarg, &v, &cause) != 0)
				return util_bad("buffer", optarg, cause);
			if (!util_powerof2(v) ||
			    v < (uint64_t)sysconf(_SC_PAGESIZE) ||
			    v > CMD_RECORD_BUFMAX)
				return util_bad("buffer", optarg,
				    "not a power of two from the page size "
				    "to 1G");
			a->a_rc.rc_buffer = (uint32_t)v;
			break;
		case CMD_RECORD_OPT_LIB:
			a->a_rc.rc_lib = optarg;
			break;
		case CMD_RECORD_OPT_PREFIX:
			a->a_rc.rc_prefix = optarg;
			break;
		case 'q':
			a->a_quiet = true;
			break;
		case 'v':
			a->a_rc.rc_verbose = true;
			break;
		case 'h':
			cmd_print_help(stdout, &cmd_record_entry);
			return KML_EXIT_OK;
		default:
			return cmd_option_error(ch, argv, cmd_record_longopts,
			    &cmd_record_entry);
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0)
			return cmd_extra_argument(argv[optind]);
		a->a_cmd = argv + optind;
	}
	if (a->a_cmd != NULL && a->a_pid != 0) {
		util_error("-p and a command cannot go together");
		return KML_EXIT_USAGE;
	}
	return -1;
}

/*
 * cmd_record_mode: the events to record (a_rc's rc_events, rc_asked)
 * from the mode options, --events and whether a process is traced.
 * => returns -1 to go on, or KML_EXIT_USAGE after reporting.
 */
static int
cmd_record_mode(struct cmd_record_args *a)
{
	struct record_config *rc = &a->a_rc;
	bool kernel = a->a_kernel, user = a->a_user;
	bool target = a->a_pid != 0 || a->a_cmd != NULL;
	unsigned ev;

	if (!kernel && !user) {
		if (a->a_events != 0) {
			kernel = (a->a_events & RECORD_EV_KERNEL) != 0;
			user = (a->a_events & RECORD_EV_USER) != 0;
		} else if (target)
			user = true;
		else
			kernel = true;
	}
	if (user && !target) {
		util_error("user-space recording needs -p PID or a command "
		    "(-- COMMAND)");
		return KML_EXIT_USAGE;
	}
	for (ev = 0; ev < RECORD_EV_COUNT; ev++) {
		bool is_kernel = (RECORD_EV_BIT(ev) & RECORD_EV_KERNEL) != 0;

		if (!(a->a_events & RECORD_EV_BIT(ev)) ||
		    (is_kernel ? kernel : user))
			continue;
		util_error("event '%s' is a %s event: add %s",
		    record_ev_name(ev), is_kernel ? "kernel" : "user-space",
		    is_kernel ? "--kernel" : "--user");
		return KML_EXIT_USAGE;
	}
	rc->rc_asked = a->a_events;
	rc->rc_events = 0;
	if (kernel)
		rc->rc_events |= (a->a_events & RECORD_EV_KERNEL) != 0 ?
		    a->a_events & RECORD_EV_KERNEL : RECORD_EV_KERNEL;
	if (user)
		rc->rc_events |= (a->a_events & RECORD_EV_USER) != 0 ?
		    a->a_events & RECORD_EV_USER : RECORD_EV_USER;
	return -1;
}

/* ---- time and signals */

/* cmd_record_signal: SIGINT, SIGTERM: end the recording. */
static void
cmd_record_signal(int sig)
{
	cmd_record_signalled = sig;
}

/*
 * cmd_record_catch: install cmd_record_signal for SIGINT and SIGTERM,
 * without SA_RESTART so that a wait for events ends at once, and ignore
 * SIGPIPE (a reader of -o - that goes away is a write error, reported).
 * Installed once the trace is open, so that a signal at any later point
 * still ends with a whole trace.
 */
static void
cmd_record_catch(void)
{
	util_catch(SIGINT, cmd_record_signal, false);
	util_catch(SIGTERM, cmd_record_signal, false);
	util_catch(SIGPIPE, SIG_IGN, false);
}

/* cmd_record_uncatch: in a child: the signals as they were. */
static void
cmd_record_uncatch(void)
{
	util_catch(SIGINT, SIG_DFL, false);
	util_catch(SIGTERM, SIG_DFL, false);
	util_catch(SIGPIPE, SIG_DFL, false);
}

/* ---- the process traced */

/*
 * cmd_record_alive: process pid exists and is not a zombie (a process
 * that exited and that its parent has not waited for yet).
 */
static bool
cmd_record_alive(pid_t pid)
{
	char path[64], buf[512], *p;
	size_t n;
	FILE *fp;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return errno != ENOENT;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')' */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return true;
	return p[2] != 'Z' && p[2] != 'X';
}

/* A command started suspended. */
struct cmd_record_child {
	pid_t c_pid;
	int c_go;		/* write end: a byte lets the child exec */
	int c_status;		/* read end: exec's errno, or EOF */
};

/*
 * cmd_record_spawn: fork a child that waits for cmd_record_release, then
 * execs argv (with standard output on standard error when to_stderr).
 * => returns 0, or -1 after reporting.
 */
static int
cmd_record_spawn(char **argv, bool to_stderr, struct cmd_record_child *c)
{
	int go[2], st[2], err;
	char b;

	if (pipe2(go, O_CLOEXEC) != 0 || pipe2(st, O_CLOEXEC) != 0) {
		util_error("cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	if ((c->c_pid = fork()) < 0) {
		util_error("cannot fork: %s", strerror(errno));
		return -1;
	}
	if (c->c_pid == 0) {
		cmd_record_uncatch();
		close(go[1]);
		close(st[0]);
		if (read(go[0], &b, 1) != 1)
			_exit(127);
		if (to_stderr)
			dup2(STDERR_FILENO, STDOUT_FILENO);
		execvp(argv[0], argv);
		err = errno;
		/* should this fail, the parent reads EOF and sees status 127 */
		(void)!write(st[1], &err, sizeof(err));
		_exit(127);
	}
	close(go[0]);
	close(st[1]);
	c->c_go = go[1];
	c->c_status = st[0];
	return 0;
}

/*
 * cmd_record_release: let the child exec and wait for the outcome.
 * => returns 0 when exec succeeded, else exec's errno (the child has
 *    exited and is reaped).
 */
static int
cmd_record_release(struct cmd_record_child *c)
{
	int err = 0;
	ssize_t n;

	if (write(c->c_go, "g", 1) != 1)
		err = errno;
	close(c->c_go);
	c->c_go = -1;
	if (err == 0) {
		while ((n = read(c->c_status, &err, sizeof(err))) < 0 &&
		    errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(err))
			err = 0;
	}
	close(c->c_status);
	c->c_status = -1;
	if (err != 0)
		waitpid(c->c_pid, NULL, 0);
	return err;
}

/* cmd_record_abandon: the recording failed before the child was let go. */
static void
cmd_record_abandon(struct cmd_record_child *c)
{
	close(c->c_go);		/* the child reads EOF and exits */
	close(c->c_status);
	waitpid(c->c_pid, NULL, 0);
}

/* ---- events */

/*
 * cmd_record_site: the call site addr as a string, from the cache, else
 * from the kernel's symbols, or for a user-space site (user) as a
 * number.  Kernel addresses are in the top half of the address space,
 * user ones below, so one cache serves both.
 * => valid until the next call.
 */
static const char *
cmd_record_site(struct cmd_record_run *run, uint64_t addr, bool user)
{
	static char scratch[1024];
	struct cmd_record_site *s;
	const char *str = scratch;

	s = &run->r_sites[(addr ^ (addr >> 11)) & (CMD_RECORD_SITES - 1)];
	if (s->s_addr == addr)
		return s->s_str;
	if (user)
		snprintf(scratch, sizeof(scratch), "0x%" PRIx64, addr);
	else
		str = record_ksyms_format(run->r_ksyms, addr, scratch,
		    sizeof(scratch));
	if (strlen(str) < sizeof(s->s_str)) {
		memcpy(s->s_str, str, strlen(str) + 1);
		s->s_addr = addr;
	}
	return str;
}

/*
 * cmd_record_event: one ring buffer record to a trace event (as
 * lib/import.c makes it from the same tracepoint's text), written.
 * => returns 0, or -1 after a write error (r_failed, the message is
 *    the writer's).
 */
static int
cmd_record_event(void *arg, const struct kml_rec_event *r)
{
	struct cmd_record_run *run = arg;
	struct kml_trace_event ev;
	char comm[KML_REC_COMMLEN + 1], cache[KML_REC_CACHELEN + 1];
	bool user = (r->r_flags & KML_REC_F_USER) != 0;

	if (r->r_op == 0 || r->r_op > KML_OP_VALLOC)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.te_ts = r->r_ts;
	ev.te_cpu = r->r_cpu;
	ev.te_pid = r->r_pid;
	ev.te_tid = r->r_tid;
	ev.te_op = r->r_op;
	ev.te_ctx = r->r_ctx;
	ev.te_ptr = r->r_ptr;
	ev.te_oldptr = r->r_oldptr;
	ev.te_size = r->r_size;
	ev.te_alloc = r->r_alloc;
	ev.te_order = r->r_order;
	memcpy(comm, r->r_comm, KML_REC_COMMLEN);
	comm[KML_REC_COMMLEN] = '\0';
	if (comm[0] != '\0')
		ev.te_comm = comm;
	if (r->r_site != 0)
		ev.te_site = cmd_record_site(run, r->r_site, user);
	if (user) {
		if (r->r_op == KML_OP_CALLOC) {
			ev.te_count = r->r_aux;
			ev.te_flags |= KML_TEF_ZERO;
		} else if (r->r_op == KML_OP_MEMALIGN ||
		    r->r_op == KML_OP_POSIX_MEMALIGN ||
		    r->r_op == KML_OP_ALIGNED_ALLOC)
			ev.te_align = r->r_aux;
	} else {
		ev.te_gfp = r->r_gfp;
		ev.te_flags |= gfp_tef_flags(r->r_gfp);
		if (r->r_flags & KML_REC_F_ACCOUNT)
			ev.te_flags |= KML_TEF_ACCOUNT;
		if ((r->r_op == KML_OP_CACHE_ALLOC ||
		    r->r_op == KML_OP_CACHE_FREE) && r->r_cache[0] != '\0') {
			memcpy(cache, r->r_cache, KML_REC_CACHELEN);
			cache[KML_REC_CACHELEN] = '\0';
			ev.te_cache = cache;
		}
	}
	if (kml_trace_write(run->r_w, &ev) != 0) {
		run->r_failed = true;
		return -1;
	}
	run->r_ops[r->r_op]++;
	return 0;
}

/*
 * cmd_record_take_drops: write to the trace the drops counted since the
 * last call, per CPU.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_record_take_drops(struct cmd_record_run *run, struct record_bpf *rb)
{
	char err[512];

	if (record_bpf_drops(rb, run->r_dropnow, err, sizeof(err)) != 0) {
		util_error("%s", err);
		return -1;
	}
	for (unsigned c = 0; c < run->r_ncpu && c < KML_TRACE_CPUMAX; c++) {
		uint64_t d = run->r_dropnow[c] - run->r_drops[c];

		if (run->r_dropnow[c] <= run->r_drops[c])
			continue;
		if (kml_trace_write_drop(run->r_w, c, d) != 0) {
			util_error("%s", kml_trace_errmsg(run->r_w));
			return -1;
		}
		run->r_drops[c] = run->r_dropnow[c];
		run->r_dropped += d;
	}
	return 0;
}

/* ---- output */

/*
 * cmd_record_kinds: "kmalloc 12, kfree 3" for the counts ops (minus
 * base, when not NULL, each divided by secs when secs > 0) into
 * buf[0..len); "none" when every count is 0.
 */
static void
cmd_record_kinds(const uint64_t *ops, const uint64_t *base, double secs,
    char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned op = 1; op < KML_OP_COUNT && used < len; op++) {
		uint64_t n = ops[op] - (base != NULL ? base[op] : 0);
		int w;

		if (n == 0)
			continue;
		if (secs > 0)
			w = snprintf(buf + used, len - used, "%s%s %.0f",
			    used > 0 ? ", " : "", kml_trace_op_name(op),
			    (double)n / secs);
		else
			w = snprintf(buf + used, len - used, "%s%s %" PRIu64,
			    used > 0 ? ", " : "", kml_trace_op_name(op), n);
		if (w > 0)
			used += (size_t)w;
	}
	if (used == 0)
		snprintf(buf, len, "none");
}

/* cmd_record_live: the live line on standard error (a terminal). */
static void
cmd_record_live(struct cmd_record_run *run, double secs)
{
	char kinds[512];
	uint64_t n = 0;

	for (unsigned op = 1; op < KML_OP_COUNT; op++)
		n += run->r_ops[op] - run->r_live[op];
	cmd_record_kinds(run->r_ops, run->r_live, secs, kinds, sizeof(kinds));
	fprintf(stderr, "\r\033[Krecord: %.0f events/s (%s), %" PRIu64
	    " dropped, %.1f MB written", secs > 0 ? (double)n / secs : 0.0,
	    kinds, run->r_dropped, (double)kml_trace_offset(run->r_w) / 1e6);
	fflush(stderr);
	memcpy(run->r_live, run->r_ops, sizeof(run->r_live));
	run->r_live_shown = true;
}

/*
 * cmd_record_detail: the header's detail: "record" and the arguments,
 * cut to fit, into buf[0..len).
 */
static void
cmd_record_detail(int argc, char **argv, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "record");

	for (int i = 1; i < argc && used < len; i++) {
		int w = snprintf(buf + used, len - used, " %s", argv[i]);

		if (w > 0)
			used += (size_t)w;
	}
}

/*
 * cmd_record_open_output: open the writer of run with the header of
 * this machine.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_record_open_output(struct cmd_record_run *run, int argc, char **argv)
{
	struct kml_trace_header th;
	struct timespec now;
	struct utsname u;

	kml_trace_header_init(&th, KML_TSRC_RECORD);
	th.th_ncpu = run->r_ncpu <= KML_TRACE_CPUMAX ? run->r_ncpu : 0;
	th.th_pagesize = (uint32_t)sysconf(_SC_PAGESIZE);
	th.th_clock_ns = 1;
	clock_gettime(CLOCK_REALTIME, &now);
	th.th_start_ns = (uint64_t)now.tv_sec * 1000000000u +
	    (uint64_t)now.tv_nsec;
	cmd_record_detail(argc, argv, th.th_detail, sizeof(th.th_detail));
	if (uname(&u) == 0) {
		snprintf(th.th_host, sizeof(th.th_host), "%s", u.nodename);
		snprintf(th.th_kernel, sizeof(th.th_kernel), "%s", u.release);
	}
	if ((run->r_w = util_trace_create(run->r_args->a_output,
	    &th)) == NULL)
		return -1;
	return 0;
}

/* ---- the recording */

/* How a recording ended. */
struct cmd_record_end {
	bool e_child_done;	/* the command exited ... */
	int e_child_status;	/* ... with this wait status */
	bool e_target_gone;	/* the process of -p exited */
};

/*
 * cmd_record_poll: record_bpf_poll into the trace, waiting up to ms.
 * => returns the events read, or -1 after reporting (a write or a read
 *    failed).
 */
static int
cmd_record_poll(struct cmd_record_run *run, struct record_bpf *rb, int ms)
{
	char err[512];
	int n;

	n = record_bpf_poll(rb, ms, err, sizeof(err));
	if (run->r_failed) {
		util_error("%s", kml_trace_errmsg(run->r_w));
		return -1;
	}
	if (n < 0)
		util_error("%s", err);
	return n;
}

/*
 * cmd_record_loop: read the ring buffer into the trace until the end
 * (see the top of the file), then what is left in it and the drops.
 * => returns 0, or -1 after reporting.
 */
static int
cmd_record_loop(struct cmd_record_run *run, struct record_bpf *rb,
    pid_t child, struct cmd_record_end *end)
{
	const struct cmd_record_args *a = run->r_args;
	bool live = !a->a_quiet && isatty(STDERR_FILENO);
	bool stream = strcmp(a->a_output, "-") == 0;
	uint64_t start = util_now_ns(), last_flush = start;
	uint64_t last_live = start, now;
	int n;

	for (;;) {
		if (cmd_record_poll(run, rb, CMD_RECORD_POLL_MS) < 0)
			return -1;
		if (cmd_record_take_drops(run, rb) != 0)
			return -1;
		now = util_now_ns();
		if (stream && now - last_flush >= CMD_RECORD_FLUSH_MS *
		    1000000u) {
			if (kml_trace_flush(run->r_w) != 0) {
				util_error("%s", kml_trace_errmsg(run->r_w));
				return -1;
			}
			last_flush = now;
		}
		if (live && now - last_live >= CMD_RECORD_LIVE_MS * 1000000u) {
			cmd_record_live(run, (double)(now - last_live) / 1e9);
			last_live = now;
		}
		if (cmd_record_signalled != 0)
			break;
		if (a->a_duration_ns != 0 && now - start >= a->a_duration_ns)
			break;
		if (child > 0 && waitpid(child, &end->e_child_status,
		    WNOHANG) == child) {
			end->e_child_done = true;
			break;
		}
		if (a->a_pid != 0 && !cmd_record_alive(a->a_pid)) {
			end->e_target_gone = true;
			break;
		}
	}
	/* What is in the ring buffer now came before the end. */
	while ((n = cmd_record_poll(run, rb, 0)) > 0)
		continue;
	if (n < 0)
		return -1;
	if (run->r_live_shown)
		fputs("\r\033[K", stderr);
	return cmd_record_take_drops(run, rb);
}

/*
 * cmd_record_summary: the lines at the end: events by kind, drops per
 * CPU, how the command ended, and the "wrote" line.
 */
static void
cmd_record_summary(const struct cmd_record_run *run,
    const struct cmd_record_end *end, double secs, uint64_t events,
    uint64_t bytes)
{
	char kinds[1024], cpus[1024];
	size_t used = 0;

	cmd_record_kinds(run->r_ops, NULL, 0, kinds, sizeof(kinds));
	util_error("%" PRIu64 " events in %.1f s (%s), %" PRIu64 " dropped",
	    events, secs, kinds, run->r_dropped);
	if (run->r_dropped != 0) {
		cpus[0] = '\0';
		for (unsigned c = 0; c < run->r_ncpu && used < sizeof(cpus);
		    c++) {
			int w;

			if (run->r_drops[c] == 0)
				continue;
			w = snprintf(cpus + used, sizeof(cpus) - used,
			    "%scpu %u: %" PRIu64, used > 0 ? ", " : "", c,
			    run->r_drops[c]);
			if (w > 0)
				used += (size_t)w;
		}
		util_error("dropped (ring buffer full): %s; a larger --buffer "
		    "may help", cpus);
	}
	if (end->e_child_done) {
		if (WIFEXITED(end->e_child_status))
			util_error("'%s' exited with status %d",
			    run->r_args->a_cmd[0],
			    WEXITSTATUS(end->e_child_status));
		else if (WIFSIGNALED(end->e_child_status))
			util_error("'%s' was killed by signal %d",
			    run->r_args->a_cmd[0],
			    WTERMSIG(end->e_child_status));
	}
	if (end->e_target_gone)
		util_error("process %s exited", run->r_args->a_pidarg);
	util_trace_report(util_output_name(run->r_args->a_output), events,
	    bytes);
}

/*
 * cmd_record_exec: parse, check, start the command, load and attach,
 * record, finish.
 */
static int
cmd_record_exec(int argc, char **argv)
{
	struct cmd_record_child child = { 0, -1, -1 };
	struct cmd_record_end end;
	struct cmd_record_args a;
	struct cmd_record_run run;
	struct record_config *rc = &a.a_rc;
	struct record_bpf *rb;
	char err[1024];
	uint64_t start, events, bytes;
	double secs;
	int status, xerr;

	if ((status = cmd_record_args(argc, argv, &a)) >= 0)
		return status;
	if ((status = cmd_record_mode(&a)) >= 0)
		return status;
	if (util_refuse_tty(a.a_output))
		return KML_EXIT_USAGE;
	if (a.a_pid != 0 && !cmd_record_alive(a.a_pid)) {
		util_error("-p %s: no such process", a.a_pidarg);
		return KML_EXIT_RUNTIME;
	}
	rc->rc_self = getpid();
	rc->rc_target = a.a_pid;
	rc->rc_target_arg = a.a_pidarg;
	rc->rc_cache_struct = getenv("KMEMLAB_RECORD_CACHE_STRUCT") != NULL;
	if (record_check(rc, err, sizeof(err)) != 0) {
		util_error("%s", err);
		return KML_EXIT_RUNTIME;
	}

	memset(&run, 0, sizeof(run));
	memset(&end, 0, sizeof(end));
	run.r_args = &a;
	if ((run.r_ncpu = record_possible_cpus()) == 0) {
		util_error("cannot count the possible CPUs "
		    "(/sys/devices/system/cpu/possible)");
		return KML_EXIT_RUNTIME;
	}
	run.r_drops = xcalloc(run.r_ncpu, sizeof(*run.r_drops));
	run.r_dropnow = xcalloc(run.r_ncpu, sizeof(*run.r_dropnow));
	if ((rc->rc_events & RECORD_EV_KERNEL) != 0) {
		if ((run.r_ksyms = record_ksyms_load("/proc/kallsyms", err,
		    sizeof(err))) == NULL) {
			util_error("%s", err);
			status = KML_EXIT_RUNTIME;
			goto out;
		}
		if (record_ksyms_count(run.r_ksyms) == 0 && !a.a_quiet)
			util_error("/proc/kallsyms shows no addresses: call "
			    "sites are recorded as numbers");
	}
	run.r_sites = xcalloc(CMD_RECORD_SITES, sizeof(*run.r_sites));
	/* The output first: a bad -o fails before anything is started. */
	if (cmd_record_open_output(&run, argc, argv) != 0) {
		status = KML_EXIT_RUNTIME;
		goto out;
	}
	cmd_record_catch();
	if (a.a_cmd != NULL) {
		if (cmd_record_spawn(a.a_cmd, strcmp(a.a_output, "-") == 0,
		    &child) != 0) {
			status = KML_EXIT_RUNTIME;
			goto out;
		}
		rc->rc_target = child.c_pid;
	}
	if ((rb = record_bpf_open(rc, cmd_record_event, &run, err,
	    sizeof(err))) == NULL) {
		util_error("%s", err);
		if (child.c_pid > 0)
			cmd_record_abandon(&child);
		status = KML_EXIT_RUNTIME;
		goto out;
	}
	if (child.c_pid > 0 && (xerr = cmd_record_release(&child)) != 0) {
		util_error("cannot start '%s': %s", a.a_cmd[0],
		    strerror(xerr));
		record_bpf_close(rb);
		status = KML_EXIT_RUNTIME;
		goto out;
	}
	start = util_now_ns();
	status = cmd_record_loop(&run, rb, child.c_pid, &end);
	secs = (double)(util_now_ns() - start) / 1e9;
	record_bpf_close(rb);
	if (status != 0) {
		status = KML_EXIT_RUNTIME;
		goto out;
	}
	status = util_trace_close(run.r_w, &events, &bytes);
	run.r_w = NULL;
	if (status != 0) {
		status = KML_EXIT_RUNTIME;
		goto out;
	}
	if (!a.a_quiet)
		cmd_record_summary(&run, &end, secs, events, bytes);
	status = KML_EXIT_OK;
out:
	if (run.r_w != NULL)
		util_trace_abort(run.r_w);
	record_ksyms_free(run.r_ksyms);
	free(run.r_sites);
	free(run.r_drops);
	free(run.r_dropnow);
	return status;
}

#endif /* HAVE_BPF */
