/*
 * src/top-draw.h: the screens of "kmemlab top", drawn with ncurses from
 * the statistics model (top-model.h) and the view's state.
 *
 * Drawing only reads the model and the view: the keys, the replay and
 * the pacing are cmd-top.c's.  Every screen fits 80x24 and uses the
 * whole terminal when it is larger: the caches screen shows the columns
 * that fit (by priority), lists grow with the height, bars and graphs
 * with the width.
 */
#ifndef KMEMLAB_TOP_DRAW_H
#define KMEMLAB_TOP_DRAW_H

#include <stdbool.h>
#include <stddef.h>

#include "top-model.h"

/* The screens, in the order of their keys 1 to 5. */
enum top_screen {
	TOP_S_CACHES = 0,
	TOP_S_CPUS,
	TOP_S_ARENAS,
	TOP_S_HISTORY,
	TOP_S_ANOMALIES,
	TOP_S_NSCREENS
};

#define TOP_FILTERLEN	48	/* longest filter, with the NUL */

/* What the screens show besides the model. */
struct top_view {
	unsigned v_screen;		/* enum top_screen */
	unsigned v_sort;		/* the caches' sort column (enum top_ccol) */
	bool v_rev;			/* the sort reversed */
	char v_filter[TOP_FILTERLEN];	/* caches whose name has it, "": all */
	bool v_editing;			/* the filter is being typed */
	char v_edit[TOP_FILTERLEN];	/* what is typed so far */
	size_t v_scroll[TOP_S_NSCREENS];	/* first row shown, per screen */
	bool v_help;			/* the help screen is up */
	bool v_color;			/* the terminal has colours (and NO_COLOR is not set) */
	bool v_scrub;			/* a stored run: scrubbing keys */
	const char *v_source;		/* "trace FILE", "run N (DB)", "live kernel" */
	const char *v_policy;		/* the policy's name */
	const char *v_state;		/* "running", "paused", "completed", ... */
	const char *v_speed;		/* "x1", "x10", ..., "afap" */
	const char *v_message;		/* a line above the footer, NULL: none */
	double v_progress;		/* share done, 0..1, < 0: not known */
	double v_wall_rate;		/* events per wall second, < 0: none */
};

/* top_view_init: the first screen, sorted by memory, no filter. */
void top_view_init(struct top_view *v);

/* top_draw_init: set up colours (when v->v_color) after initscr. */
void top_draw_init(struct top_view *v);

/* top_draw: draw the whole terminal from m and v, and refresh it. */
void top_draw(const struct top_model *m, const struct top_view *v);

/*
 * top_draw_rows: how many rows the list of screen s can show at once in
 * the current terminal (for the page keys).
 */
size_t top_draw_rows(unsigned s);

#endif /* KMEMLAB_TOP_DRAW_H */
