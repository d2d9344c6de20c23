/*
 * src/cmd-top.c: "kmemlab top", live ncurses dashboards of a replay in
 * progress, of a stored run played back, and of the live kernel.
 *
 * Sources:
 *  - a trace (also "kmemlab replay --tui"): one run (replay-run.c) whose
 *    replay runs on a second thread; its tick hook paces the replay
 *    (virtual ns against wall ns times the speed), blocks it while
 *    paused, lets single events through for n, and takes the model's
 *    snapshot of the stack (top-model.c) ten times a second, under the
 *    mutex that the drawing thread takes too.  The allocator stack is
 *    only ever touched by one thread at a time: the replay thread while
 *    it runs, the main thread before and after.
 *  - a stored run (--run): no replay; the model is read from the
 *    database at a virtual time that advances with the wall clock times
 *    the speed, and that the scrubbing keys move.
 *  - the live kernel (--live): "kmemlab record --kernel -o -" run as a
 *    child process (this same program), its standard output a pipe read
 *    by the trace reader on the replay thread, so that a pipe with no
 *    data blocks the replay and never the dashboard.
 *
 * The main thread draws at most ten times a second (getch with a 100 ms
 * timeout) and handles the keys.  Quitting stops the replay at its next
 * tick; a replay thread blocked reading a pipe with no data is woken by
 * SIGUSR1 (installed without SA_RESTART), its read fails and it ends.  The terminal is given back on every
 * exit path: endwin before any message, an atexit guard, and SIGINT,
 * SIGTERM and SIGHUP only set a flag that the main thread acts on.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ncurses.h>

#include <kmemlab/db.h>
#include <kmemlab/replay.h>
#include <kmemlab/trace.h>

#include "cmd.h"
#include "replay-run.h"
#include "top-draw.h"
#include "top-model.h"
#include "top.h"
#include "util.h"

static int cmd_top_exec(int, char **);

const struct cmd_entry cmd_top_entry = {
	.name = "top",
	.usage = "[options] TRACE | --run N [--db PATH] | --live",
	.summary = "watch a replay, a stored run or the live kernel",
	.help =
	    "Shows live dashboards of the simulated allocator stack: the\n"
	    "replay of TRACE ('-': standard input) as it runs, paced so that\n"
	    "a person can follow it, a run stored in the results database\n"
	    "played back from its time series, or the live kernel through\n"
	    "'kmemlab record --kernel', replayed as it arrives.  Screens:\n"
	    "caches, CPUs, arenas, history, anomalies and call sites.\n"
	    "Standard output must be a terminal.\n"
	    "\n"
	    "options:\n"
	    "      --run=N             play back stored run N (with --db)\n"
	    "      --live              the live kernel (kmemlab record --kernel)\n"
	    "      --speed=SPEED       the starting pace: 1, 10, 100, ...,\n"
	    "                          1000000 (x real time: virtual ns per\n"
	    "                          wall ns) or afap (default: 1; --live:\n"
	    "                          afap)\n"
	    "      --on-quit=WHAT      quitting before a replay's end: interrupt\n"
	    "                          (store the run as interrupted) or finish\n"
	    "                          (complete it without the dashboard, then\n"
	    "                          store it) (default: interrupt)\n"
	    RRUN_HELP(RRUN_HELP_CPUS)
	    "  -h, --help              print this help and exit\n"
	    "\n"
	    "keys: q quit, space pause, n step one event, + and - speed,\n"
	    "tab or 1-5 screens, s and S sort column, r reverse, / filter,\n"
	    "arrows, PgUp, PgDn, Home, End scroll, < > and left, right one\n"
	    "sample back or forward (--run), g and G start and end (--run),\n"
	    "? help.  Colours unless NO_COLOR is set.  See kmemlab-top(1).\n"
	    "\n"
	    "exit status: 0 the dashboard was quit (a replay not done is\n"
	    "stored as interrupted), 1 a runtime error, a replay that failed\n"
	    "or deadlocked, or a signal, 2 usage error (standard output not a\n"
	    "terminal).\n",
	.exec = cmd_top_exec
};

/* Long-only options of this command. */
enum {
	CMD_TOP_OPT_RUN = RRUN_OPT_END,
	CMD_TOP_OPT_LIVE,
	CMD_TOP_OPT_SPEED,
	CMD_TOP_OPT_ONQUIT
};

static const struct option cmd_top_longopts[] = {
	RRUN_LONGOPTS,
	{ "run",	required_argument,	NULL,	CMD_TOP_OPT_RUN },
	{ "live",	no_argument,		NULL,	CMD_TOP_OPT_LIVE },
	{ "speed",	required_argument,	NULL,	CMD_TOP_OPT_SPEED },
	{ "on-quit",	required_argument,	NULL,	CMD_TOP_OPT_ONQUIT },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

/* The speeds: virtual ns per wall ns; 0 is as fast as possible. */
static const uint64_t cmd_top_speeds[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 0
};
static const char *const cmd_top_speed_names[] = {
	"x1", "x10", "x100", "x1000", "x10000", "x100000", "x1000000", "afap"
};
#define CMD_TOP_NSPEEDS	nitems(cmd_top_speeds)
#define CMD_TOP_AFAP	(CMD_TOP_NSPEEDS - 1)

#define CMD_TOP_FRAME_NS	100000000ull	/* 10 redraws a second */
#define CMD_TOP_MS		1000000ull

/* ---- options */

void
top_opts_init(struct top_opts *o)
{
	memset(o, 0, sizeof(*o));
}

int
top_opts_speed(struct top_opts *o, const char *arg)
{
	if (strcmp(arg, "afap") == 0) {
		o->o_speed = CMD_TOP_AFAP;
		return -1;
	}
	for (unsigned i = 0; i < CMD_TOP_AFAP; i++) {
		if (strcmp(arg, cmd_top_speed_names[i] + 1) == 0) {
			o->o_speed = i;
			return -1;
		}
	}
	return util_bad("speed", arg, "not 1, 10, 100, ..., 1000000 or afap");
}

int
top_opts_onquit(struct top_opts *o, const char *arg)
{
	if (strcmp(arg, "interrupt") == 0)
		o->o_finish = false;
	else if (strcmp(arg, "finish") == 0)
		o->o_finish = true;
	else
		return util_bad("on-quit", arg, "not interrupt or finish");
	return -1;
}

/* ---- the terminal */

/* The signal that asked to quit, 0 if none. */
static volatile sig_atomic_t cmd_top_signalled;

/* The terminal, while the dashboard is up. */
static SCREEN *cmd_top_screen;
static FILE *cmd_top_ttyin;

/* cmd_top_signal: SIGINT, SIGTERM, SIGHUP: ask the main thread to quit. */
static void
cmd_top_signal(int sig)
{
	cmd_top_signalled = sig;
}

/*
 * cmd_top_wake: SIGUSR1, sent to the replay thread to interrupt a read
 * of a pipe with no data when the dashboard quits: nothing to do, the
 * read fails with EINTR (no SA_RESTART).
 */
static void
cmd_top_wake(int sig)
{
	(void)sig;
}

/* cmd_top_catch: install cmd_top_signal, and cmd_top_wake for SIGUSR1. */
static void
cmd_top_catch(void)
{
	util_catch(SIGINT, cmd_top_signal, false);
	util_catch(SIGTERM, cmd_top_signal, false);
	util_catch(SIGHUP, cmd_top_signal, false);
	util_catch(SIGUSR1, cmd_top_wake, false);	/* no restart: wakes a read */
}

/* cmd_top_endwin: give the terminal back (once); an atexit guard too. */
static void
cmd_top_endwin(void)
{
	if (cmd_top_screen == NULL)
		return;
	if (!isendwin())
		endwin();
	delscreen(cmd_top_screen);
	cmd_top_screen = NULL;
	if (cmd_top_ttyin != NULL)
		fclose(cmd_top_ttyin);
	cmd_top_ttyin = NULL;
	fflush(stdout);
}

bool
top_check_tty(void)
{
	if (isatty(STDOUT_FILENO))
		return true;
	util_error("standard output is not a terminal: the dashboard needs "
	    "one (use 'kmemlab report' for a stored run, 'kmemlab replay' "
	    "for a trace)");
	return false;
}

/*
 * cmd_top_curses: start the dashboard on standard output, with keys
 * from /dev/tty (standard input may be the trace).
 * => returns 0, or -1 after reporting.
 */
static int
cmd_top_curses(struct top_view *v)
{
	static bool guard;
	const char *nc = getenv("NO_COLOR");

	if ((cmd_top_ttyin = fopen("/dev/tty", "r")) == NULL) {
		util_error("/dev/tty: %s: the keys are read from the terminal",
		    strerror(errno));
		return -1;
	}
	if ((cmd_top_screen = newterm(NULL, stdout, cmd_top_ttyin)) == NULL) {
		fclose(cmd_top_ttyin);
		cmd_top_ttyin = NULL;
		util_error("cannot use the terminal '%s'", getenv("TERM") !=
		    NULL ? getenv("TERM") : "");
		return -1;
	}
	if (!guard) {
		atexit(cmd_top_endwin);
		guard = true;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	timeout((int)(CMD_TOP_FRAME_NS / CMD_TOP_MS));
	v->v_color = nc == NULL || nc[0] == '\0';
	top_draw_init(v);
	return 0;
}

/* ---- time */

/* cmd_top_abstime: the CLOCK_MONOTONIC instant ns as a timespec. */
static struct timespec
cmd_top_abstime(uint64_t ns)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	return ts;
}

/* ---- keys shared by every source */

/* What a key did, for the source's loop. */
enum {
	CMD_TOP_KEY_NONE = 0,	/* handled (or ignored) */
	CMD_TOP_KEY_QUIT,	/* q */
	CMD_TOP_KEY_PAUSE,	/* space */
	CMD_TOP_KEY_STEP,	/* n */
	CMD_TOP_KEY_FASTER,	/* + */
	CMD_TOP_KEY_SLOWER,	/* - */
	CMD_TOP_KEY_BACK,	/* < or left */
	CMD_TOP_KEY_FORWARD,	/* > or right */
	CMD_TOP_KEY_START,	/* g */
	CMD_TOP_KEY_END		/* G */
};

/* cmd_top_rows: the rows of the current screen's list in m. */
static size_t
cmd_top_rows(const struct top_model *m, const struct top_view *v)
{
	switch (v->v_screen) {
	case TOP_S_CACHES: return m->m_ncaches;
	case TOP_S_CPUS: return m->m_ncpus;
	case TOP_S_ARENAS: return m->m_narenas;
	case TOP_S_ANOMALIES: return m->m_nsites;
	default: return 0;
	}
}

/* cmd_top_scroll: move the current screen's first row by d, within n rows. */
static void
cmd_top_scroll(struct top_view *v, long d, size_t n)
{
	size_t *s = &v->v_scroll[v->v_screen];
	size_t page = top_draw_rows(v->v_screen);
	size_t max = n > page ? n - page : 0;

	if (d < 0 && (size_t)-d > *s)
		*s = 0;
	else
		*s = (size_t)((long)*s + d);
	if (*s > max)
		*s = max;
}

/*
 * cmd_top_edit: a key while the filter is typed: Enter applies, Esc
 * cancels, Backspace erases.
 */
static void
cmd_top_edit(struct top_view *v, int ch)
{
	size_t n = strlen(v->v_edit);

	switch (ch) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		snprintf(v->v_filter, sizeof(v->v_filter), "%s", v->v_edit);
		v->v_scroll[TOP_S_CACHES] = 0;
		v->v_editing = false;
		break;
	case 27:
		v->v_editing = false;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (n > 0)
			v->v_edit[n - 1] = '\0';
		break;
	default:
		if (ch >= 32 && ch < 127 && n + 1 < sizeof(v->v_edit)) {
			v->v_edit[n] = (char)ch;
			v->v_edit[n + 1] = '\0';
		}
		break;
	}
}

/*
 * cmd_top_key: handle key ch on view v over model m (the keys that only
 * change the view); the others are returned to the source's loop.
 */
static int
cmd_top_key(struct top_view *v, const struct top_model *m, int ch)
{
	size_t n = cmd_top_rows(m, v), page = top_draw_rows(v->v_screen);

	if (v->v_editing) {
		cmd_top_edit(v, ch);
		return CMD_TOP_KEY_NONE;
	}
	if (v->v_help && ch != ERR && ch != KEY_RESIZE) {
		v->v_help = false;
		return CMD_TOP_KEY_NONE;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		return CMD_TOP_KEY_QUIT;
	case ' ':
		return CMD_TOP_KEY_PAUSE;
	case 'n':
		return CMD_TOP_KEY_STEP;
	case '+':
	case '=':
		return CMD_TOP_KEY_FASTER;
	case '-':
	case '_':
		return CMD_TOP_KEY_SLOWER;
	case '<':
	case ',':
	case KEY_LEFT:
		return CMD_TOP_KEY_BACK;
	case '>':
	case '.':
	case KEY_RIGHT:
		return CMD_TOP_KEY_FORWARD;
	case 'g':
		return CMD_TOP_KEY_START;
	case 'G':
		return CMD_TOP_KEY_END;
	case '\t':
		v->v_screen = (v->v_screen + 1) % TOP_S_NSCREENS;
		break;
	case KEY_BTAB:
		v->v_screen = (v->v_screen + TOP_S_NSCREENS - 1) %
		    TOP_S_NSCREENS;
		break;
	case '1': case '2': case '3': case '4': case '5':
		v->v_screen = (unsigned)(ch - '1');
		break;
	case 's':
		v->v_sort = (v->v_sort + 1) % TOP_C_NCOLS;
		break;
	case 'S':
		v->v_sort = (v->v_sort + TOP_C_NCOLS - 1) % TOP_C_NCOLS;
		break;
	case 'r':
		v->v_rev = !v->v_rev;
		break;
	case '/':
		v->v_screen = TOP_S_CACHES;
		v->v_editing = true;
		snprintf(v->v_edit, sizeof(v->v_edit), "%s", v->v_filter);
		break;
	case '?':
	case 'h':
		v->v_help = true;
		break;
	case KEY_UP:
	case 'k':
		cmd_top_scroll(v, -1, n);
		break;
	case KEY_DOWN:
	case 'j':
		cmd_top_scroll(v, 1, n);
		break;
	case KEY_PPAGE:
		cmd_top_scroll(v, -(long)page, n);
		break;
	case KEY_NPAGE:
		cmd_top_scroll(v, (long)page, n);
		break;
	case KEY_HOME:
		v->v_scroll[v->v_screen] = 0;
		break;
	case KEY_END:
		cmd_top_scroll(v, (long)n, n);
		break;
	default:
		break;	/* KEY_RESIZE, ERR (the timeout): just redraw */
	}
	return CMD_TOP_KEY_NONE;
}

/* ---- a replay in the dashboard */

/* What the replay thread and the main thread share, under u_mu. */
struct cmd_top_ui {
	pthread_mutex_t u_mu;
	pthread_cond_t u_cv;		/* pause, step, speed, quit changed */
	struct top_model u_model;
	struct rrun *u_run;
	bool u_paused;
	bool u_held;			/* the replay thread holds, paused, with a fresh snapshot */
	unsigned u_steps;		/* events to let through while paused */
	bool u_quit;			/* stop the replay */
	bool u_done;			/* the replay returned */
	unsigned u_status;		/* its status, once done */
	double u_wall;			/* the wall seconds it took, once done */
	unsigned u_speed;		/* index in cmd_top_speeds */
	bool u_maps;			/* walk the arenas' address maps */
	bool u_rebase;			/* start pacing again from now */
	uint64_t u_base_wall, u_base_vtime;	/* pacing: wall ns at virtual ns */
	uint64_t u_last_snap;		/* wall ns of the last snapshot */
	uint64_t u_last_replayed;	/* events at the last snapshot */
	double u_wall_rate;		/* events per wall second */
	uint64_t u_offset;		/* the trace's bytes read */
};

/*
 * cmd_top_snap: take the model's snapshot of r now (wall ns now).
 * => u_mu held, or the replay thread not started yet.
 */
static void
cmd_top_snap(struct cmd_top_ui *u, struct kml_replay *r, uint64_t now)
{
	uint64_t dt = now - u->u_last_snap;

	top_model_snap(&u->u_model, r, u->u_maps);
	if (dt > 0 && u->u_last_snap != 0)
		u->u_wall_rate = (double)(u->u_model.m_replayed -
		    u->u_last_replayed) * 1e9 / (double)dt;
	u->u_last_snap = now;
	u->u_last_replayed = u->u_model.m_replayed;
	u->u_offset = kml_trace_offset(u->u_run->s_trace);
}

/*
 * cmd_top_tick: the replay's tick hook: a snapshot every 100 ms of wall
 * time, then wait while paused (letting u_steps events through) or
 * while the replay is ahead of its pace.
 * => returns the events until the next tick: 1 while stepping or at
 *    real time up to x100, 16 up to x1000000, 1024 as fast as possible.
 */
static uint64_t
cmd_top_tick(void *arg, struct kml_replay *r)
{
	struct cmd_top_ui *u = arg;
	uint64_t now, vt, target, speed, until;
	struct timespec ts;

	pthread_mutex_lock(&u->u_mu);
	for (;;) {
		now = util_now_ns();
		if (now - u->u_last_snap >= CMD_TOP_FRAME_NS)
			cmd_top_snap(u, r, now);
		if (u->u_quit) {
			kml_replay_stop(r);
			pthread_mutex_unlock(&u->u_mu);
			return 0;
		}
		if (u->u_paused) {
			u->u_rebase = true;
			if (u->u_steps > 0) {
				u->u_steps--;
				u->u_held = false;
				pthread_mutex_unlock(&u->u_mu);
				return 1;
			}
			if (!u->u_held) {
				cmd_top_snap(u, r, now);
				u->u_held = true;
			}
			pthread_cond_wait(&u->u_cv, &u->u_mu);
			continue;
		}
		u->u_held = false;
		vt = kml_replay_vtime(r);
		if (u->u_rebase) {
			u->u_base_wall = now;
			u->u_base_vtime = vt;
			u->u_rebase = false;
		}
		speed = cmd_top_speeds[u->u_speed];
		if (speed == 0)
			break;
		target = u->u_base_wall + (vt - u->u_base_vtime) / speed;
		if (target > now + CMD_TOP_MS) {
			until = target < now + CMD_TOP_FRAME_NS ? target :
			    now + CMD_TOP_FRAME_NS;
			ts = cmd_top_abstime(until);
			pthread_cond_timedwait(&u->u_cv, &u->u_mu, &ts);
			continue;
		}
		if (now > target + 1000000000ull)
			u->u_rebase = true;	/* a second behind: no catching up */
		break;
	}
	speed = u->u_speed;
	pthread_mutex_unlock(&u->u_mu);
	return speed <= 2 ? 1 : speed < CMD_TOP_AFAP ? 16 : 1024;
}

/* cmd_top_anomaly: the replay's anomaly hook: into the model. */
static void
cmd_top_anomaly(void *arg, const struct kml_anomaly *an)
{
	struct cmd_top_ui *u = arg;

	pthread_mutex_lock(&u->u_mu);
	top_model_anomaly(&u->u_model, an);
	pthread_mutex_unlock(&u->u_mu);
}

/* cmd_top_worker: the replay thread: run the replay, then a last snapshot. */
static void *
cmd_top_worker(void *arg)
{
	struct cmd_top_ui *u = arg;
	unsigned st = kml_replay_run(u->u_run->s_r);
	double wall = rrun_wall(u->u_run);

	pthread_mutex_lock(&u->u_mu);
	/* A read interrupted by the quit (cmd_top_wake) is no failure. */
	if (st == KML_REPLAY_FAILED && u->u_quit)
		st = KML_REPLAY_INTERRUPTED;
	u->u_wall = wall;
	u->u_maps = true;	/* the last one, whatever the screen */
	cmd_top_snap(u, u->u_run->s_r, util_now_ns());
	u->u_done = true;
	u->u_status = st;
	pthread_mutex_unlock(&u->u_mu);
	return NULL;
}

/* How a replay in the dashboard is shown. */
struct cmd_top_replay {
	const struct rrun_args *x_args;
	const struct top_opts *x_opts;
	const char *x_source;		/* the header's source */
	bool x_live;			/* the live kernel */
	pid_t x_child;			/* the recorder (--live), 0: none or reaped */
};

/*
 * cmd_top_stop_child: stop the recorder *pidp: SIGINT, then SIGKILL if
 * it has not exited after 3 s; then *pidp is 0 (its pid may be reused).
 */
static void
cmd_top_stop_child(pid_t *pidp)
{
	pid_t pid = *pidp;
	int ws;

	if (pid <= 0)
		return;
	*pidp = 0;
	kill(pid, SIGINT);
	for (int i = 0; i < 300; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (waitpid(pid, &ws, WNOHANG) == pid)
			return;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &ws, 0);
}

/*
 * cmd_top_abandon: the dashboard could not start: mark run s failed, so
 * that it is not left "running".
 */
static void
cmd_top_abandon(struct rrun *s)
{
	char err[512];

	if (kml_db_run_abandon(s->s_db, s->s_id, KML_REPLAY_FAILED, err,
	    sizeof(err)) != 0)
		util_error("%s", err);
}

/*
 * cmd_top_dashboard: show run s in the dashboard until the user quits;
 * start the replay thread, draw, handle the keys, and when the replay
 * is done store it.
 * => returns the exit status; the terminal is given back.
 */
static int
cmd_top_dashboard(struct cmd_top_replay *x, struct rrun *s,
    struct cmd_top_ui *u)
{
	const struct rrun_args *a = x->x_args;
	struct top_view v;
	char msg[512], state[64];
	sigset_t block, old;
	pthread_t thr;
	bool stored = false, quit = false, finish = false;
	int status = KML_EXIT_OK, ch;
	unsigned waits = 0;

	top_view_init(&v);
	v.v_source = x->x_source;
	v.v_policy = a->a_rc.rc_policy.po_name;
	if (cmd_top_curses(&v) != 0) {
		cmd_top_abandon(s);
		return KML_EXIT_RUNTIME;
	}

	/* Signals are the main thread's. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if ((errno = pthread_create(&thr, NULL, cmd_top_worker, u)) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		cmd_top_endwin();
		util_error("cannot start the replay thread: %s",
		    strerror(errno));
		cmd_top_abandon(s);
		return KML_EXIT_RUNTIME;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	for (;;) {
		pthread_mutex_lock(&u->u_mu);
		if (u->u_done && !stored) {
			pthread_mutex_unlock(&u->u_mu);
			pthread_join(thr, NULL);
			pthread_mutex_lock(&u->u_mu);
			stored = true;
			if (rrun_end(s, u->u_status, u->u_wall) != 0)
				status = KML_EXIT_RUNTIME;
			if (u->u_status != KML_REPLAY_COMPLETED &&
			    u->u_status != KML_REPLAY_INTERRUPTED)
				status = KML_EXIT_RUNTIME;
			snprintf(msg, sizeof(msg), "%s: run %" PRId64
			    " stored in %s; q quits", kml_replay_status_name(
			    u->u_status), s->s_id, a->a_db);
			v.v_message = msg;
			cmd_top_stop_child(&x->x_child);
		}
		if (quit && stored) {
			pthread_mutex_unlock(&u->u_mu);
			break;
		}
		/* "paused" once the replay thread holds (its figures are exact). */
		snprintf(state, sizeof(state), "%s", u->u_done ?
		    kml_replay_status_name(u->u_status) : !u->u_paused ?
		    "running" : u->u_held ? "paused" : "pausing");
		v.v_state = state;
		v.v_speed = cmd_top_speed_names[u->u_speed];
		v.v_progress = s->s_size != 0 ? (double)u->u_offset /
		    (double)s->s_size : -1;
		if (u->u_done && s->s_size != 0)
			v.v_progress = 1;
		v.v_wall_rate = u->u_done ? -1 : u->u_wall_rate;
		if (!u->u_done)
			u->u_maps = v.v_screen == TOP_S_ARENAS;
		top_draw(&u->u_model, &v);
		pthread_mutex_unlock(&u->u_mu);
		if (quit) {
			/*
			 * Waiting for the replay to stop; every 200 ms, wake
			 * its thread from a read of a pipe with no data.
			 */
			napms(50);
			if (++waits % 4 == 0)
				pthread_kill(thr, SIGUSR1);
			continue;
		}

		ch = getch();
		if (cmd_top_signalled != 0) {
			ch = 'q';
			status = KML_EXIT_RUNTIME;
		}
		pthread_mutex_lock(&u->u_mu);
		switch (cmd_top_key(&v, &u->u_model, ch)) {
		case CMD_TOP_KEY_QUIT:
			quit = true;
			if (stored)
				break;
			if (x->x_opts->o_finish && cmd_top_signalled == 0 &&
			    !x->x_live) {
				finish = true;
				u->u_paused = false;
				u->u_speed = CMD_TOP_AFAP;
			} else
				u->u_quit = true;
			pthread_cond_broadcast(&u->u_cv);
			break;
		case CMD_TOP_KEY_PAUSE:
			u->u_paused = !u->u_paused;
			pthread_cond_broadcast(&u->u_cv);
			break;
		case CMD_TOP_KEY_STEP:
			u->u_paused = true;
			u->u_steps++;
			pthread_cond_broadcast(&u->u_cv);
			break;
		case CMD_TOP_KEY_FASTER:
			if (u->u_speed + 1 < CMD_TOP_NSPEEDS)
				u->u_speed++;
			u->u_rebase = true;
			pthread_cond_broadcast(&u->u_cv);
			break;
		case CMD_TOP_KEY_SLOWER:
			if (u->u_speed > 0)
				u->u_speed--;
			u->u_rebase = true;
			pthread_cond_broadcast(&u->u_cv);
			break;
		default:
			break;
		}
		pthread_mutex_unlock(&u->u_mu);
		if (finish) {
			/* The rest without the dashboard. */
			cmd_top_endwin();
			fprintf(stderr, "kmemlab top: finishing the replay "
			    "without the dashboard\n");
			pthread_join(thr, NULL);
			stored = true;
			if (rrun_end(s, u->u_status, u->u_wall) != 0 ||
			    rrun_status(s, u->u_status) != KML_EXIT_OK)
				status = KML_EXIT_RUNTIME;
			break;
		}
		if (quit && !stored)
			cmd_top_stop_child(&x->x_child);	/* its pipe ends */
	}
	cmd_top_endwin();
	if (cmd_top_signalled != 0)
		util_error("interrupted by signal %d after %" PRIu64 " events",
		    (int)cmd_top_signalled,
		    kml_replay_totals(s->s_r)->rt_events);
	else if (!finish && u->u_status != KML_REPLAY_COMPLETED &&
	    u->u_status != KML_REPLAY_INTERRUPTED)
		(void)rrun_status(s, u->u_status);
	printf("run %" PRId64 " stored in %s%s\n", s->s_id, a->a_db,
	    u->u_status == KML_REPLAY_INTERRUPTED ? " (interrupted)" : "");
	return status;
}

/*
 * cmd_top_run_replay: open the run of a's trace (or t, opened by the
 * caller), show it in the dashboard, close it.
 * => returns the exit status.
 */
static int
cmd_top_run_replay(struct cmd_top_replay *x, struct kml_trace *t,
    const char *sha)
{
	struct cmd_top_ui u;
	struct kml_replay_hooks hooks;
	struct rrun run;
	unsigned cpus = x->x_args->a_ncpus == 1 ? x->x_args->a_cpus[0] : 0;
	int status;

	memset(&u, 0, sizeof(u));
	pthread_mutex_init(&u.u_mu, NULL);
	pthread_cond_init(&u.u_cv, NULL);
	top_model_init(&u.u_model);
	u.u_speed = x->x_opts->o_speed;
	u.u_rebase = true;
	u.u_run = &run;
	memset(&hooks, 0, sizeof(hooks));
	hooks.rh_arg = &u;
	hooks.rh_anomaly = cmd_top_anomaly;
	hooks.rh_tick = cmd_top_tick;
	hooks.rh_tick_events = 1;
	if (rrun_open(&run, x->x_args, t, cpus, sha, false, &hooks) != 0)
		status = KML_EXIT_RUNTIME;
	else {
		cmd_top_snap(&u, run.s_r, util_now_ns());
		status = cmd_top_dashboard(x, &run, &u);
		if (rrun_close(&run) != 0)
			status = KML_EXIT_RUNTIME;
	}
	top_model_free(&u.u_model);
	pthread_cond_destroy(&u.u_cv);
	pthread_mutex_destroy(&u.u_mu);
	return status;
}

int
top_replay(const struct rrun_args *a, const struct top_opts *o,
    const char *sha)
{
	struct cmd_top_replay x;
	char source[320];

	if (strcmp(a->a_trace, "-") == 0)
		snprintf(source, sizeof(source), "trace <stdin>");
	else
		snprintf(source, sizeof(source), "trace %s", a->a_trace);
	memset(&x, 0, sizeof(x));
	x.x_args = a;
	x.x_opts = o;
	x.x_source = source;
	cmd_top_catch();
	return cmd_top_run_replay(&x, NULL, sha);
}

/* ---- the live kernel */

/*
 * cmd_top_recorder: start "kmemlab record --kernel -o -" (this program)
 * with its standard output a pipe (*fpp) and its standard error the
 * temporary file *errp.
 * => returns its pid, or -1 after reporting.
 */
static pid_t
cmd_top_recorder(FILE **fpp, FILE **errp)
{
	int fd[2];
	pid_t pid;

	if ((*errp = tmpfile()) == NULL) {
		util_error("cannot make a temporary file: %s", strerror(errno));
		return -1;
	}
	if (pipe(fd) != 0) {
		util_error("cannot make a pipe: %s", strerror(errno));
		fclose(*errp);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		util_error("cannot fork: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		fclose(*errp);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0 && dup2(null, STDIN_FILENO) >= 0 && null > 2)
			close(null);
		dup2(fd[1], STDOUT_FILENO);
		dup2(fileno(*errp), STDERR_FILENO);
		close(fd[0]);
		close(fd[1]);
		execl("/proc/self/exe", "kmemlab", "record", "--kernel", "-o",
		    "-", (char *)NULL);
		fprintf(stderr, "/proc/self/exe: %s\n", strerror(errno));
		_exit(KML_EXIT_RUNTIME);
	}
	close(fd[1]);
	if ((*fpp = fdopen(fd[0], "r")) == NULL)
		util_fatal("fdopen: %s", strerror(errno));
	return pid;
}

/*
 * cmd_top_recorder_error: the recorder pid failed before its trace
 * began: wait for it and report its first line of standard error (in
 * errf), or why the trace could not be read (why).
 */
static void
cmd_top_recorder_error(pid_t pid, FILE *errf, const char *why)
{
	char line[512] = "";

	cmd_top_stop_child(&pid);
	rewind(errf);
	if (fgets(line, sizeof(line), errf) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		util_error("the recorder failed: %s", line);
	} else
		util_error("the recorder failed: %s", why);
}

/*
 * cmd_top_live: the live kernel: start the recorder, read its trace's
 * header, then show its replay in the dashboard.
 * => returns the exit status.
 */
static int
cmd_top_live(struct rrun_args *a, const struct top_opts *o)
{
	struct cmd_top_replay x;
	struct kml_trace *t;
	FILE *fp, *errf;
	char err[512];
	pid_t pid;
	int status;

	if ((pid = cmd_top_recorder(&fp, &errf)) < 0)
		return KML_EXIT_RUNTIME;
	cmd_top_catch();
	if ((t = kml_trace_fdopen_read(fp, "record --kernel", err,
	    sizeof(err))) == NULL) {
		cmd_top_recorder_error(pid, errf, err);
		fclose(fp);
		fclose(errf);
		return KML_EXIT_RUNTIME;
	}
	a->a_trace = "record --kernel";
	/*
	 * No look-ahead: the replay reads one event past the one it runs
	 * (more only when nothing can run), so that each event is replayed
	 * as it arrives, not once 4096 have.
	 */
	a->a_rc.rc_window = 1;
	memset(&x, 0, sizeof(x));
	x.x_args = a;
	x.x_opts = o;
	x.x_source = "live kernel";
	x.x_live = true;
	x.x_child = pid;
	status = cmd_top_run_replay(&x, t, NULL);
	kml_trace_close(t, err, sizeof(err));
	cmd_top_stop_child(&x.x_child);
	fclose(fp);
	fclose(errf);
	return status;
}

/* ---- a stored run */

/*
 * cmd_top_stored: play back run id of the database at a->a_db.
 * => returns the exit status.
 */
static int
cmd_top_stored(const struct rrun_args *a, const struct top_opts *o,
    int64_t id)
{
	struct top_model m;
	struct top_view v;
	struct top_run run;
	struct kml_db *db;
	char source[320], state[64];
	uint64_t vt = 0, last_wall, now, vend;
	long loaded_k = -2;
	bool loaded_end = false, playing = true;
	unsigned speed = o->o_speed;
	int status = KML_EXIT_OK, ch;

	if ((db = util_db_open(a->a_db, true)) == NULL)
		return KML_EXIT_RUNTIME;
	if (top_run_open(&run, db, a->a_db, id) != 0) {
		util_db_close(db);
		return KML_EXIT_RUNTIME;
	}
	vend = run.r_vend;
	top_model_init(&m);
	if (top_model_load(&m, &run, 0) != 0) {
		status = KML_EXIT_RUNTIME;
		goto out;
	}
	top_view_init(&v);
	snprintf(source, sizeof(source), "run %" PRId64 " (%s)", id, a->a_db);
	v.v_source = source;
	v.v_policy = run.r_policy;
	v.v_scrub = true;
	cmd_top_catch();
	if (cmd_top_curses(&v) != 0) {
		status = KML_EXIT_RUNTIME;
		goto out;
	}
	last_wall = util_now_ns();
	for (;;) {
		long k;
		bool end;

		now = util_now_ns();
		if (playing) {
			uint64_t sp = cmd_top_speeds[speed];
			uint64_t adv = sp == 0 ? UINT64_MAX : (now - last_wall) *
			    sp;

			vt = vend - vt < adv ? vend : vt + adv;
			if (vt >= vend)
				playing = false;
		}
		last_wall = now;
		end = run.r_summary && vt >= vend;
		k = top_run_sample_at(&run, vt);
		if (k != loaded_k || end != loaded_end) {
			if (top_model_load(&m, &run, vt) != 0) {
				status = KML_EXIT_RUNTIME;
				break;
			}
			loaded_k = k;
			loaded_end = end;
		}
		snprintf(state, sizeof(state), "%s", playing ? "playing" :
		    vt >= vend ? "at the end" : "paused");
		v.v_state = state;
		v.v_speed = cmd_top_speed_names[speed];
		v.v_progress = vend > 0 ? (double)vt / (double)vend : 1;
		v.v_message = vt >= vend && !run.r_summary ?
		    "this run has no summary tables (it did not complete): "
		    "the figures are its last sample's" : NULL;
		top_draw(&m, &v);
		ch = getch();
		if (cmd_top_signalled != 0)
			break;
		switch (cmd_top_key(&v, &m, ch)) {
		case CMD_TOP_KEY_QUIT:
			goto done;
		case CMD_TOP_KEY_PAUSE:
			if (vt >= vend && !playing)
				vt = 0;
			playing = !playing;
			break;
		case CMD_TOP_KEY_FASTER:
			if (speed + 1 < CMD_TOP_NSPEEDS)
				speed++;
			break;
		case CMD_TOP_KEY_SLOWER:
			if (speed > 0)
				speed--;
			break;
		case CMD_TOP_KEY_BACK:
			playing = false;
			k = vt > 0 ? top_run_sample_at(&run, vt - 1) : -1;
			vt = k >= 0 ? run.r_times[k] : 0;
			break;
		case CMD_TOP_KEY_FORWARD:
		case CMD_TOP_KEY_STEP:
			playing = false;
			k = top_run_sample_at(&run, vt) + 1;
			vt = k < (long)run.r_ntimes ? run.r_times[k] : vend;
			break;
		case CMD_TOP_KEY_START:
			playing = false;
			vt = 0;
			break;
		case CMD_TOP_KEY_END:
			playing = false;
			vt = vend;
			break;
		default:
			break;
		}
	}
done:
	cmd_top_endwin();
	if (cmd_top_signalled != 0) {
		util_error("interrupted by signal %d", (int)cmd_top_signalled);
		status = KML_EXIT_RUNTIME;
	}
out:
	top_model_free(&m);
	top_run_close(&run);
	if (util_db_close(db) != 0)
		status = KML_EXIT_RUNTIME;
	return status;
}

/* ---- the command */

/*
 * cmd_top_exec: parse the options; check that standard output is a
 * terminal; then the source.
 */
static int
cmd_top_exec(int argc, char **argv)
{
	char hex[SHA256_HEX_LEN + 1];
	struct rrun_args a;
	struct top_opts o;
	const char *sha, *runarg = NULL;
	bool live = false, speed_given = false;
	int64_t id = 0;
	int ch, status = -1;

	rrun_args_init(&a, argc);
	top_opts_init(&o);
	while (status < 0 && (ch = getopt_long(argc, argv,
	    ":" RRUN_SHORTOPTS "h", cmd_top_longopts, NULL)) != -1) {
		switch (ch) {
		case CMD_TOP_OPT_RUN:
			runarg = optarg;
			if (util_parse_run(optarg, &id) != 0)
				status = KML_EXIT_USAGE;
			break;
		case CMD_TOP_OPT_LIVE:
			live = true;
			break;
		case CMD_TOP_OPT_SPEED:
			status = top_opts_speed(&o, optarg);
			speed_given = true;
			break;
		case CMD_TOP_OPT_ONQUIT:
			status = top_opts_onquit(&o, optarg);
			break;
		case 'h':
			cmd_print_help(stdout, &cmd_top_entry);
			status = KML_EXIT_OK;
			break;
		default:
			status = rrun_option(&a, ch, argv, cmd_top_longopts,
			    &cmd_top_entry);
			break;
		}
	}
	if (status < 0 && runarg != NULL && live) {
		util_error("options '--run' and '--live' exclude each other");
		status = KML_EXIT_USAGE;
	}
	if (status < 0 && (runarg != NULL || live) && optind < argc)
		status = cmd_extra_argument(argv[optind]);
	if (status < 0)
		status = rrun_finish(&a, argc, argv, runarg == NULL && !live,
		    "top");
	rrun_args_free(&a);
	if (status >= 0)
		return status;
	if (!top_check_tty())
		return KML_EXIT_USAGE;
	if (runarg != NULL)
		return cmd_top_stored(&a, &o, id);
	if (rrun_prepare(&a, hex, &sha) != 0)
		return KML_EXIT_RUNTIME;
	if (live) {
		if (!speed_given)
			o.o_speed = CMD_TOP_AFAP;
		return cmd_top_live(&a, &o);
	}
	return top_replay(&a, &o, sha);
}
