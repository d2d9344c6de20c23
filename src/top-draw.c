/*
 * src/top-draw.c: the screens of "kmemlab top" (see top-draw.h).
 *
 * Layout, top to bottom: two header lines (the source, policy, CPUs and
 * state; virtual time, events, a progress bar and rates), a line of
 * figures (bytes in use, fails, anomalies), the screens' tabs, the
 * screen's body, an optional message line and the footer with the keys.
 * Without colours (or with NO_COLOR) titles are in reverse video and
 * the sort column is marked with '*', so every screen reads the same in
 * a plain text capture.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ncurses.h>

#include <kmemlab/replay.h>

#include "top-draw.h"
#include "top-model.h"
#include "util.h"

/* Colour pairs. */
enum {
	TOP_PAIR_HEAD = 1,	/* header lines */
	TOP_PAIR_TITLE,		/* column titles */
	TOP_PAIR_BAR,		/* bars and graphs */
	TOP_PAIR_WARN,		/* anomalies, fails */
	TOP_PAIR_TAB		/* the current screen's tab */
};

/* Rows above the body (header, figures, tabs) and below it (message, footer). */
#define TOP_HEAD_ROWS	4
#define TOP_FOOT_ROWS	2

static const char *const top_screen_names[TOP_S_NSCREENS] = {
	"Caches", "CPUs", "Arenas", "History", "Anomalies"
};

/* The caches' columns: width (0: the name's, elastic) and priority (0 first). */
static const struct {
	int cc_width;
	int cc_prio;
} top_ccols[TOP_C_NCOLS] = {
	[TOP_C_NAME] = { 0, 0 },
	[TOP_C_SIZE] = { 6, 1 },
	[TOP_C_INUSE] = { 8, 2 },
	[TOP_C_TOTAL] = { 8, 8 },
	[TOP_C_PAGES] = { 6, 7 },
	[TOP_C_ARATE] = { 9, 3 },
	[TOP_C_FRATE] = { 9, 4 },
	[TOP_C_FAILS] = { 6, 11 },
	[TOP_C_CPUHIT] = { 7, 5 },
	[TOP_C_DEPOTHIT] = { 7, 9 },
	[TOP_C_MAG] = { 4, 10 },
	[TOP_C_MEMORY] = { 8, 6 }
};

/* The name column's narrowest and widest. */
#define TOP_NAME_MIN	18
#define TOP_NAME_MAX	32

void
top_view_init(struct top_view *v)
{
	memset(v, 0, sizeof(*v));
	v->v_screen = TOP_S_CACHES;
	v->v_sort = TOP_C_MEMORY;
	v->v_progress = -1;
	v->v_wall_rate = -1;
	v->v_source = v->v_policy = v->v_state = v->v_speed = "";
}

void
top_draw_init(struct top_view *v)
{
	if (!v->v_color || !has_colors()) {
		v->v_color = false;
		return;
	}
	start_color();
	use_default_colors();
	init_pair(TOP_PAIR_HEAD, COLOR_BLACK, COLOR_CYAN);
	init_pair(TOP_PAIR_TITLE, COLOR_BLACK, COLOR_GREEN);
	init_pair(TOP_PAIR_BAR, COLOR_GREEN, -1);
	init_pair(TOP_PAIR_WARN, COLOR_RED, -1);
	init_pair(TOP_PAIR_TAB, COLOR_BLACK, COLOR_YELLOW);
}

/* ---- formatting */

/*
 * top_fmt_u64: v into buf[0..len), exact when it fits width columns,
 * else scaled with k, M, G, T (powers of 1000; bytes: K, M, G, T of
 * 1024); "-" for TOP_NONE.  => buf.
 */
static const char *
top_fmt_u64(char *buf, size_t len, uint64_t v, int width, bool bytes)
{
	static const char units_b[] = "KMGTPE", units_c[] = "kMGTPE";
	double d = (double)v, base = bytes ? 1024.0 : 1000.0;
	int u = -1;

	if (v == TOP_NONE) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "%" PRIu64, v);
	if ((int)strlen(buf) <= width)
		return buf;
	do {
		d /= base;
		u++;
		snprintf(buf, len, d < 100 ? "%.1f%c" : "%.0f%c", d,
		    (bytes ? units_b : units_c)[u]);
	} while (((int)strlen(buf) > width || d >= 1000) && u < 5);
	return buf;
}

/* top_fmt_rate: a rate, as top_fmt_u64 of its rounded value; "-" if < 0. */
static const char *
top_fmt_rate(char *buf, size_t len, double r, int width)
{
	if (r < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	return top_fmt_u64(buf, len, (uint64_t)(r + 0.5), width, false);
}

/* top_fmt_share: a share 0..1 as "12.3%", "-" if < 0. */
static const char *
top_fmt_share(char *buf, size_t len, double s)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", 100.0 * s);
	return buf;
}

/* top_fmt_pct: part / whole as util_pct does ("-" for none). */
static const char *
top_fmt_pct(char *buf, size_t len, uint64_t part, uint64_t whole)
{
	if (part == TOP_NONE || whole == TOP_NONE) {
		snprintf(buf, len, "-");
		return buf;
	}
	return util_pct(buf, len, (double)part, (double)whole);
}

/* top_fmt_vtime: virtual ns as seconds with 9 decimals. */
static const char *
top_fmt_vtime(char *buf, size_t len, uint64_t ns)
{
	if (ns == TOP_NONE) {
		snprintf(buf, len, "-");
		return buf;
	}
	return util_secs(buf, len, ns);
}

/* ---- drawing helpers */

/* top_attr_on, top_attr_off: a colour pair, or attr without colours. */
static void
top_attr_on(const struct top_view *v, int pair, attr_t attr)
{
	if (v->v_color)
		attron(COLOR_PAIR(pair));
	else
		attron(attr);
}

/* top_attr_off: undo top_attr_on. */
static void
top_attr_off(const struct top_view *v, int pair, attr_t attr)
{
	if (v->v_color)
		attroff(COLOR_PAIR(pair));
	else
		attroff(attr);
}

/* top_put: str at (y, x), at most n columns. */
static void
top_put(int y, int x, const char *str, int n)
{
	if (n > 0 && y >= 0 && y < LINES && x < COLS)
		mvaddnstr(y, x, str, n < COLS - x ? n : COLS - x);
}

/* top_putf: a formatted string at (y, x), clipped to the screen. */
static void __attribute__((format(printf, 3, 4)))
top_putf(int y, int x, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	top_put(y, x, buf, COLS - x);
}

/* top_fill: row y from x to the right edge in a colour pair (or attr). */
static void
top_fill(const struct top_view *v, int y, int pair, attr_t attr)
{
	top_attr_on(v, pair, attr);
	move(y, 0);
	for (int x = 0; x < COLS; x++)
		addch(' ');
	top_attr_off(v, pair, attr);
}

/* top_bar: a bar of width w at (y, x) filled to share (0..1). */
static void
top_bar(const struct top_view *v, int y, int x, int w, double share)
{
	int n;

	if (w < 3)
		return;
	if (share < 0)
		share = 0;
	if (share > 1)
		share = 1;
	n = (int)(share * (w - 2) + 0.5);
	mvaddch(y, x, '[');
	top_attr_on(v, TOP_PAIR_BAR, A_BOLD);
	for (int i = 0; i < w - 2; i++)
		addch(i < n ? '#' : '.');
	top_attr_off(v, TOP_PAIR_BAR, A_BOLD);
	addch(']');
}

/* ---- header and footer */

/* top_header: the two header lines, the figures line and the tabs. */
static void
top_header(const struct top_model *m, const struct top_view *v)
{
	char vt[40], ev[32], tot[32], rate[32], wrate[32], in[32], pct[16];
	uint64_t anoms = 0;
	int x, barw;

	top_fill(v, 0, TOP_PAIR_HEAD, A_REVERSE);
	top_attr_on(v, TOP_PAIR_HEAD, A_REVERSE);
	top_putf(0, 0, "kmemlab top - %s  policy %s  %u vCPU%s  %s  speed %s",
	    v->v_source, v->v_policy, m->m_ncpus, m->m_ncpus == 1 ? "" : "s",
	    v->v_state, v->v_speed);
	top_attr_off(v, TOP_PAIR_HEAD, A_REVERSE);

	top_fmt_vtime(vt, sizeof(vt), m->m_vtime);
	top_fmt_u64(ev, sizeof(ev), m->m_replayed, 20, false);
	if (m->m_total_events != TOP_NONE)
		snprintf(tot, sizeof(tot), "/%" PRIu64, m->m_total_events);
	else
		tot[0] = '\0';
	top_fmt_rate(rate, sizeof(rate), m->m_rate, 7);
	top_fmt_rate(wrate, sizeof(wrate), v->v_wall_rate, 7);
	top_putf(1, 0, "vtime %s s  events %s%s", vt, ev, tot);
	x = getcurx(stdscr) + 2;
	barw = COLS - x - 40;
	if (v->v_progress >= 0 && barw >= 10) {
		if (barw > 40)
			barw = 40;
		top_bar(v, 1, x, barw, v->v_progress);
		x += barw + 1;
		snprintf(pct, sizeof(pct), "%3.0f%%", 100.0 * v->v_progress);
		top_put(1, x, pct, 4);
		x += 6;
	}
	top_putf(1, x, "%s ev/s virt  %s ev/s wall", rate, wrate);

	for (unsigned k = 0; k < KML_AN_COUNT; k++)
		anoms += m->m_counts[k];
	top_putf(2, 0, "in use %s  fails %s  anomalies %" PRIu64 "  caches %zu"
	    "  arenas %zu", top_fmt_u64(in, sizeof(in), m->m_inuse, 12, true),
	    top_fmt_u64(ev, sizeof(ev), m->m_fails, 20, false), anoms,
	    m->m_ncaches, m->m_narenas);

	x = 0;
	for (unsigned s = 0; s < TOP_S_NSCREENS; s++) {
		char tab[32];
		int n = snprintf(tab, sizeof(tab), s == v->v_screen ?
		    "[%u %s]" : " %u %s ", s + 1, top_screen_names[s]);

		if (s == v->v_screen)
			top_attr_on(v, TOP_PAIR_TAB, A_REVERSE);
		top_put(3, x, tab, n);
		if (s == v->v_screen)
			top_attr_off(v, TOP_PAIR_TAB, A_REVERSE);
		x += n + 1;
	}
	if (v->v_screen == TOP_S_CACHES) {
		if (v->v_editing)
			top_putf(3, x + 1, "filter: %s_", v->v_edit);
		else
			top_putf(3, x + 1, "sort %s%s%s%s",
			    top_ccol_name(v->v_sort), v->v_rev ? " rev" : "",
			    v->v_filter[0] != '\0' ? "  filter " : "",
			    v->v_filter);
	}
}

/* top_footer: the message line and the keys. */
static void
top_footer(const struct top_view *v)
{
	if (v->v_message != NULL)
		top_putf(LINES - 2, 0, "%s", v->v_message);
	top_fill(v, LINES - 1, TOP_PAIR_HEAD, A_REVERSE);
	top_attr_on(v, TOP_PAIR_HEAD, A_REVERSE);
	if (v->v_editing)
		top_putf(LINES - 1, 0, "type a filter: Enter applies, Esc "
		    "cancels, an empty filter shows all");
	else if (v->v_scrub)
		top_putf(LINES - 1, 0, "q quit  spc pause  +- speed  <> step"
		    "  g/G start/end  s/S sort  / filter  tab 1-5  ? help");
	else
		top_putf(LINES - 1, 0, "q quit  spc pause  n step  +- speed  "
		    "s/S sort  r rev  / filter  tab 1-5  ? help");
	top_attr_off(v, TOP_PAIR_HEAD, A_REVERSE);
}

/* The body's first row and its height. */
#define TOP_BODY_Y	TOP_HEAD_ROWS
#define TOP_BODY_H	(LINES - TOP_HEAD_ROWS - TOP_FOOT_ROWS)

size_t
top_draw_rows(unsigned s)
{
	int h = TOP_BODY_H - 1;		/* the titles */

	if (s == TOP_S_ANOMALIES)
		h = (TOP_BODY_H - 4) / 3;
	return h > 1 ? (size_t)h : 1;
}

/* top_title: row y as the titles of a table, in reverse video or colour. */
static void
top_title(const struct top_view *v, int y, const char *text)
{
	top_fill(v, y, TOP_PAIR_TITLE, A_REVERSE);
	top_attr_on(v, TOP_PAIR_TITLE, A_REVERSE);
	top_put(y, 0, text, COLS);
	top_attr_off(v, TOP_PAIR_TITLE, A_REVERSE);
}

/* ---- the caches screen */

/*
 * top_cache_cols: which columns fit COLS (shown[c]) and the name
 * column's width.
 */
static int
top_cache_cols(bool shown[TOP_C_NCOLS])
{
	int used = TOP_NAME_MIN, name;

	memset(shown, 0, TOP_C_NCOLS * sizeof(*shown));
	shown[TOP_C_NAME] = true;
	for (int prio = 1; prio < TOP_C_NCOLS; prio++) {
		for (unsigned c = 1; c < TOP_C_NCOLS; c++) {
			if (top_ccols[c].cc_prio != prio)
				continue;
			if (used + 1 + top_ccols[c].cc_width <= COLS) {
				shown[c] = true;
				used += 1 + top_ccols[c].cc_width;
			}
		}
	}
	name = TOP_NAME_MIN + (COLS - used);
	return name > TOP_NAME_MAX ? TOP_NAME_MAX : name;
}

/* top_cache_cell: the text of column col of c, fitting width w. */
static const char *
top_cache_cell(char *buf, size_t len, const struct top_cache *c, unsigned col,
    int w)
{
	switch (col) {
	case TOP_C_NAME: snprintf(buf, len, "%s", c->c_name); return buf;
	case TOP_C_SIZE: return top_fmt_u64(buf, len, c->c_size, w, true);
	case TOP_C_INUSE: return top_fmt_u64(buf, len, c->c_inuse, w, false);
	case TOP_C_TOTAL: return top_fmt_u64(buf, len, c->c_total, w, false);
	case TOP_C_PAGES: return top_fmt_u64(buf, len, c->c_pages, w, false);
	case TOP_C_ARATE: return top_fmt_rate(buf, len, c->c_arate, w);
	case TOP_C_FRATE: return top_fmt_rate(buf, len, c->c_frate, w);
	case TOP_C_FAILS: return top_fmt_u64(buf, len, c->c_fails, w, false);
	case TOP_C_CPUHIT:
		return top_fmt_pct(buf, len, c->c_hits, c->c_gets);
	case TOP_C_DEPOTHIT:
		return top_fmt_pct(buf, len, c->c_dhits, c->c_misses);
	case TOP_C_MAG: return top_fmt_u64(buf, len, c->c_mag, w, false);
	case TOP_C_MEMORY: return top_fmt_u64(buf, len, c->c_memory, w, true);
	default: snprintf(buf, len, "?"); return buf;
	}
}

/* top_caches: the caches screen. */
static void
top_caches(const struct top_model *m, const struct top_view *v)
{
	bool shown[TOP_C_NCOLS];
	char line[1024], cell[64], title[32];
	size_t *idx, n, first = v->v_scroll[TOP_S_CACHES];
	int namew = top_cache_cols(shown), y = TOP_BODY_Y, len;

	len = 0;
	for (unsigned c = 0; c < TOP_C_NCOLS; c++) {
		int w = c == TOP_C_NAME ? namew : top_ccols[c].cc_width;

		if (!shown[c])
			continue;
		snprintf(title, sizeof(title), "%s%s", c == v->v_sort ? "*" :
		    "", top_ccol_name(c));
		len += snprintf(line + len, sizeof(line) - (size_t)len,
		    c == TOP_C_NAME ? "%-*s" : " %*s", w, title);
	}
	top_title(v, y++, line);
	idx = xcalloc(m->m_ncaches + 1, sizeof(*idx));
	n = top_model_order(m, v->v_sort, v->v_rev, v->v_filter, idx);
	if (first > n)
		first = n;
	for (size_t i = first; i < n && y < TOP_BODY_Y + TOP_BODY_H; i++) {
		const struct top_cache *c = &m->m_caches[idx[i]];

		len = 0;
		for (unsigned col = 0; col < TOP_C_NCOLS; col++) {
			int w = col == TOP_C_NAME ? namew :
			    top_ccols[col].cc_width;

			if (!shown[col])
				continue;
			top_cache_cell(cell, sizeof(cell), c, col, w);
			if (col == TOP_C_NAME)
				len += snprintf(line + len, sizeof(line) -
				    (size_t)len, "%-*.*s", w, w, cell);
			else
				len += snprintf(line + len, sizeof(line) -
				    (size_t)len, " %*s", w, cell);
		}
		top_put(y++, 0, line, COLS);
	}
	if (n == 0)
		top_put(y, 0, m->m_ncaches == 0 ? "  no caches yet" :
		    "  no cache matches the filter", COLS);
	free(idx);
}

/* ---- the CPUs screen */

/* top_cpus: the CPUs screen, one row and a busy bar per vCPU. */
static void
top_cpus(const struct top_model *m, const struct top_view *v)
{
	char ev[32], rate[32], busy[16], lock[16], hit[16], cached[32];
	int y = TOP_BODY_Y, barw = COLS - 62;

	top_title(v, y++, "CPU     EVENTS   EVENTS/S   BUSY%   LOCK%    HIT%"
	    "   CACHED  BUSY");
	for (size_t i = v->v_scroll[TOP_S_CPUS]; i < m->m_ncpus &&
	    y < TOP_BODY_Y + TOP_BODY_H; i++) {
		const struct top_cpu *u = &m->m_cpus[i];
		double share = u->u_busy;

		if (share < 0 && m->m_vtime != 0 && m->m_vtime != TOP_NONE)
			share = (double)u->u_busy_ns / (double)m->m_vtime;
		top_putf(y, 0, "%3zu %10s %10s %7s %7s %7s %8s", i,
		    top_fmt_u64(ev, sizeof(ev), u->u_events, 10, false),
		    top_fmt_rate(rate, sizeof(rate), u->u_rate, 10),
		    top_fmt_share(busy, sizeof(busy), share),
		    top_fmt_share(lock, sizeof(lock), u->u_lock),
		    top_fmt_pct(hit, sizeof(hit), u->u_hits, u->u_gets),
		    top_fmt_u64(cached, sizeof(cached), u->u_cached, 8, false));
		top_bar(v, y, 61, barw, share);
		y++;
	}
}

/* ---- the arenas screen */

/* top_arena_bar: arena a's address space as a bar of width w at (y, x). */
static void
top_arena_bar(const struct top_view *v, int y, int x, int w,
    const struct top_arena *a)
{
	if (w < 3)
		return;
	if (!a->a_map_valid) {
		top_bar(v, y, x, w, a->a_total != 0 && a->a_total != TOP_NONE ?
		    (double)a->a_inuse / (double)a->a_total : 0);
		return;
	}
	mvaddch(y, x, '|');
	top_attr_on(v, TOP_PAIR_BAR, A_BOLD);
	for (int i = 0; i < w - 2; i++) {
		size_t lo = (size_t)i * TOP_MAPCELLS / (size_t)(w - 2);
		size_t hi = (size_t)(i + 1) * TOP_MAPCELLS / (size_t)(w - 2);
		unsigned sum = 0, cells = 0;

		if (hi <= lo)
			hi = lo + 1;
		for (size_t c = lo; c < hi && c < TOP_MAPCELLS; c++) {
			if (a->a_map[c] == TOP_MAP_NONE)
				continue;
			sum += a->a_map[c];
			cells++;
		}
		addch(cells == 0 ? ' ' : sum / cells >= 75 ? '#' :
		    sum / cells >= 25 ? '+' : sum > 0 ? '.' : '_');
	}
	top_attr_off(v, TOP_PAIR_BAR, A_BOLD);
	addch('|');
}

/* top_arenas: the arenas screen, each under its import source. */
static void
top_arenas(const struct top_model *m, const struct top_view *v)
{
	char in[32], tot[32], imp[32], segs[32], big[32], name[TOP_NAMELEN + 16];
	int y = TOP_BODY_Y, barw = COLS - 79;

	top_title(v, y++, "NAME                         INUSE    TOTAL   "
	    "IMPORT  FREESEG  LARGEST  FRAG% ADDRESS SPACE");
	for (size_t i = v->v_scroll[TOP_S_ARENAS]; i < m->m_narenas &&
	    y < TOP_BODY_Y + TOP_BODY_H; i++) {
		const struct top_arena *a = &m->m_arenas[i];

		snprintf(name, sizeof(name), "%*s%s", (int)(2 * a->a_depth),
		    "", a->a_name);
		top_putf(y, 0, "%-26.26s %8s %8s %8s %8s %8s %5.1f%%", name,
		    top_fmt_u64(in, sizeof(in), a->a_inuse, 8, true),
		    top_fmt_u64(tot, sizeof(tot), a->a_total, 8, true),
		    top_fmt_u64(imp, sizeof(imp), a->a_imported, 8, true),
		    top_fmt_u64(segs, sizeof(segs), a->a_free_segs, 8, false),
		    top_fmt_u64(big, sizeof(big), a->a_largest, 8, true),
		    100.0 * a->a_frag);
		top_arena_bar(v, y, 79, barw, a);
		y++;
	}
	if (barw < 3 && y < TOP_BODY_Y + TOP_BODY_H)
		top_put(y, 0, "  (a wider terminal shows each arena's address "
		    "space)", COLS);
}

/* ---- the history screen */

/* What one history graph shows. */
struct top_series {
	const char *s_name;
	bool s_bytes;			/* a figure in bytes */
	bool s_share;			/* a share 0..1 */
	double (*s_get)(const struct top_point *p);
};

/* top_get_inuse: a history point's bytes in use. */
static double
top_get_inuse(const struct top_point *p)
{
	return (double)p->p_inuse;
}

/* top_get_cached: a history point's objects in magazines. */
static double
top_get_cached(const struct top_point *p)
{
	return (double)p->p_cached;
}

/* top_get_frag: a history point's fragmentation of kmem_va_arena. */
static double
top_get_frag(const struct top_point *p)
{
	return p->p_frag;
}

/* top_get_hit: a history point's CPU layer hit rate (< 0: none). */
static double
top_get_hit(const struct top_point *p)
{
	return p->p_hit;
}

static const struct top_series top_series[] = {
	{ "memory in use (bytes)", true, false, top_get_inuse },
	{ "objects cached in magazines", false, false, top_get_cached },
	{ "fragmentation of kmem_va_arena", false, true, top_get_frag },
	{ "CPU layer hit rate", false, true, top_get_hit }
};

/* top_fmt_fig: a figure of series s, formatted. */
static const char *
top_fmt_fig(char *buf, size_t len, const struct top_series *s, double d)
{
	if (d < 0)
		snprintf(buf, len, "-");
	else if (s->s_share)
		top_fmt_share(buf, len, d);
	else
		top_fmt_u64(buf, len, (uint64_t)d, 10, s->s_bytes);
	return buf;
}

/* top_graph: series s of m's history as a graph of h rows from row y. */
static void
top_graph(const struct top_model *m, const struct top_view *v,
    const struct top_series *s, int y, int h)
{
	char cur[32], lo[32], hi[32];
	int w = COLS - 2;
	double min = 0, max = 0;
	bool any = false;

	for (size_t i = 0; i < m->m_nhist; i++) {
		double d = s->s_get(&m->m_hist[i]);

		if (d < 0)
			continue;
		if (!any || d < min)
			min = d;
		if (!any || d > max)
			max = d;
		any = true;
	}
	attron(A_BOLD);
	top_putf(y, 0, "%s: %s", s->s_name, m->m_nhist == 0 ? "-" :
	    top_fmt_fig(cur, sizeof(cur), s, s->s_get(&m->m_hist[m->m_nhist -
	    1])));
	attroff(A_BOLD);
	top_putf(y, getcurx(stdscr) + 2, "(min %s, max %s, %zu points)",
	    any ? top_fmt_fig(lo, sizeof(lo), s, min) : "-",
	    any ? top_fmt_fig(hi, sizeof(hi), s, max) : "-", m->m_nhist);
	if (h < 2 || w < 4 || m->m_nhist == 0)
		return;
	if (s->s_share) {
		/* Shares are drawn on their whole scale, 0 to 100%. */
		min = 0;
		max = 1;
	}
	top_attr_on(v, TOP_PAIR_BAR, A_NORMAL);
	for (int x = 0; x < w; x++) {
		size_t n = m->m_nhist, from, to;
		double d = -1;
		int fill;

		/* The points of column x (the latest when several). */
		if ((size_t)w >= n) {
			if ((size_t)x >= n)
				break;
			from = (size_t)x;
		} else {
			from = (size_t)x * n / (size_t)w;
			to = (size_t)(x + 1) * n / (size_t)w;
			if (to > from)
				from = to - 1;
		}
		d = s->s_get(&m->m_hist[from]);
		if (d < 0)
			continue;
		fill = max > min ? (int)((d - min) / (max - min) *
		    (h - 1) + 0.5) : (d > 0 ? h - 1 : 0);
		for (int r = 0; r < h - 1; r++)
			mvaddch(y + h - 1 - r, 1 + x, r < fill ? '#' :
			    r == 0 ? '_' : ' ');
	}
	top_attr_off(v, TOP_PAIR_BAR, A_NORMAL);
}

/* top_history: the history screen, one graph per series. */
static void
top_history(const struct top_model *m, const struct top_view *v)
{
	int n = (int)nitems(top_series), h = TOP_BODY_H / n;

	for (int i = 0; i < n; i++)
		top_graph(m, v, &top_series[i], TOP_BODY_Y + i * h, h);
}

/* ---- the anomalies and call sites screen */

/* top_sites: the call sites by bytes or live objects, rows from y. */
static void
top_sites(const struct top_model *m, const struct top_view *v, bool by_live,
    int y, int rows)
{
	char a[32], ar[32], f[32], b[32], l[32], lb[32];
	size_t *idx, n;

	top_title(v, y++, by_live ?
	    "TOP SITES BY LIVE OBJECTS   ALLOCS ALLOCS/S    FREES    BYTES"
	    "     LIVE LIVEBYTES" :
	    "TOP SITES BY BYTES          ALLOCS ALLOCS/S    FREES    BYTES"
	    "     LIVE LIVEBYTES");
	if (!m->m_sites_known) {
		top_put(y, 0, "  call sites are stored at the end of a run "
		    "only (press G)", COLS);
		return;
	}
	idx = xcalloc(m->m_nsites + 1, sizeof(*idx));
	n = top_model_sites_order(m, by_live, idx);
	for (size_t i = v->v_scroll[TOP_S_ANOMALIES]; i < n && rows > 0;
	    i++, rows--) {
		const struct top_site *s = &m->m_sites[idx[i]];

		top_putf(y++, 0, "%-24.24s %8s %8s %8s %8s %8s %9s", s->s_site,
		    top_fmt_u64(a, sizeof(a), s->s_allocs, 8, false),
		    top_fmt_rate(ar, sizeof(ar), s->s_arate, 8),
		    top_fmt_u64(f, sizeof(f), s->s_frees, 8, false),
		    top_fmt_u64(b, sizeof(b), s->s_bytes, 8, true),
		    top_fmt_u64(l, sizeof(l), s->s_live, 8, false),
		    top_fmt_u64(lb, sizeof(lb), s->s_live_bytes, 9, true));
	}
	free(idx);
}

/* top_anomalies: counts, the latest anomalies, the top call sites. */
static void
top_anomalies(const struct top_model *m, const struct top_view *v)
{
	char line[512];
	int y = TOP_BODY_Y, rows = (int)top_draw_rows(TOP_S_ANOMALIES);
	int len = 0;

	len = snprintf(line, sizeof(line), "anomalies:");
	for (unsigned k = 0; k < KML_AN_COUNT; k++)
		len += snprintf(line + len, sizeof(line) - (size_t)len,
		    " %s %" PRIu64 "%s", kml_anomaly_name(k), m->m_counts[k],
		    k + 1 < KML_AN_COUNT ? "," : "");
	top_put(y++, 0, line, COLS);
	top_title(v, y++, "   EVENT KIND              CPU      TID     SIZE "
	    "DETAIL");
	if (m->m_nanoms == 0)
		top_put(y, 0, "  none so far", COLS);
	top_attr_on(v, TOP_PAIR_WARN, A_BOLD);
	for (int i = 0; i < rows; i++) {
		const struct top_anomaly *a = top_model_anomaly_at(m,
		    (size_t)i);

		if (a == NULL)
			break;
		top_putf(y + i, 0, "%8" PRIu64 " %-17.17s %3" PRIu32 " %8"
		    PRIu32 " %8" PRIu64 " %s", a->an_event,
		    kml_anomaly_name(a->an_kind), a->an_cpu, a->an_tid,
		    a->an_size, a->an_detail);
	}
	top_attr_off(v, TOP_PAIR_WARN, A_BOLD);
	y += rows;
	top_sites(m, v, false, y, rows);
	y += rows + 1;
	top_sites(m, v, true, y, rows);
}

/* ---- help */

/* top_help: the keys, in a box over the screen. */
static void
top_help(const struct top_view *v)
{
	static const char *const lines[] = {
		"kmemlab top: keys",
		"",
		"  q            quit (a replay not done is stored as interrupted,",
		"               or finished without the dashboard: --on-quit)",
		"  space        pause or resume",
		"  n            pause and run one event (a replay)",
		"  + -          faster, slower: x1 (real time), x10, ... afap",
		"  tab, 1-5     screens: caches, CPUs, arenas, history,",
		"               anomalies and call sites",
		"  s S          sort the caches by the next, previous column",
		"  r            reverse the sort",
		"  /            filter the caches by name (Enter, Esc)",
		"  up down      scroll; PgUp PgDn a page; Home End",
		"  < > left right  a stored run: one sample back, forward",
		"  g G          a stored run: its start, its end",
		"  ?            this help (any key closes it)",
	};
	int w = 68, h = (int)nitems(lines) + 2;
	int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;

	if (y0 < 0)
		y0 = 0;
	if (x0 < 0)
		x0 = 0;
	for (int y = 0; y < h && y0 + y < LINES; y++) {
		move(y0 + y, x0);
		for (int x = 0; x < w && x0 + x < COLS; x++)
			addch(y == 0 || y == h - 1 ? '-' :
			    x == 0 || x == w - 1 ? '|' : ' ');
	}
	for (size_t i = 0; i < nitems(lines); i++) {
		if (i == 0)
			top_attr_on(v, TOP_PAIR_TITLE, A_BOLD);
		top_put(y0 + 1 + (int)i, x0 + 2, lines[i], w - 4);
		if (i == 0)
			top_attr_off(v, TOP_PAIR_TITLE, A_BOLD);
	}
}

/* ---- the whole terminal */

void
top_draw(const struct top_model *m, const struct top_view *v)
{
	erase();
	if (LINES < 10 || COLS < 40) {
		top_put(0, 0, "kmemlab top: the terminal is too small "
		    "(40x10 at least)", COLS);
		refresh();
		return;
	}
	top_header(m, v);
	switch (v->v_screen) {
	case TOP_S_CACHES:
		top_caches(m, v);
		break;
	case TOP_S_CPUS:
		top_cpus(m, v);
		break;
	case TOP_S_ARENAS:
		top_arenas(m, v);
		break;
	case TOP_S_HISTORY:
		top_history(m, v);
		break;
	default:
		top_anomalies(m, v);
		break;
	}
	top_footer(v);
	if (v->v_help)
		top_help(v);
	refresh();
}
