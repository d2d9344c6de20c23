/*
 * src/top.h: what "kmemlab top" (cmd-top.c) offers another command: the
 * dashboard's own options and a replay shown in the dashboard, for
 * "kmemlab replay --tui".
 */
#ifndef KMEMLAB_TOP_H
#define KMEMLAB_TOP_H

#include <stdbool.h>

#include "replay-run.h"

/* The dashboard's options. */
struct top_opts {
	bool o_tui;		/* replay --tui: show the run in the dashboard */
	unsigned o_speed;	/* starting pace: index in the speed levels */
	bool o_finish;		/* quitting before the end finishes the run */
};

/* top_opts_init: the defaults (real time, quitting interrupts the run). */
void top_opts_init(struct top_opts *o);

/*
 * top_opts_speed: take --speed=arg: 1, 10, 100, ... 1000000 (times real
 * time) or afap.
 * => returns -1, or KML_EXIT_USAGE after reporting "bad speed 'x': ...".
 */
int top_opts_speed(struct top_opts *o, const char *arg);

/*
 * top_opts_onquit: take --on-quit=arg: interrupt or finish.
 * => returns -1, or KML_EXIT_USAGE after reporting.
 */
int top_opts_onquit(struct top_opts *o, const char *arg);

/*
 * top_check_tty: standard output is a terminal, as the dashboard needs.
 * => false after reporting the usage error.
 */
bool top_check_tty(void);

/*
 * top_replay: replay a's trace (one run) in the dashboard and store it;
 * sha is the trace's digest or NULL.
 * => standard output is a terminal (top_check_tty, checked by the caller
 *    before the trace is read for its digest).
 * => returns the exit status.
 */
int top_replay(const struct rrun_args *a, const struct top_opts *o,
    const char *sha);

#endif /* KMEMLAB_TOP_H */
