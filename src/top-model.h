/*
 * src/top-model.h: the statistics model of "kmemlab top": what every
 * screen of the dashboard shows, with no knowledge of the terminal.
 *
 * A model is a snapshot of the simulated stack: its caches, virtual
 * CPUs, vmem arenas, call sites, anomalies and a history of a few figures
 * over virtual time.  It is taken either from the live stack during a
 * replay (top_model_snap, between events) or from a stored run at a
 * virtual time (top_model_load, from the time series of kmemlab-db(5),
 * and, at the end of a completed run, from its summary tables: the
 * figures of `kmemlab report`).  Rates are differences of two snapshots
 * over the virtual time between them (per virtual second).
 *
 * A figure the source does not have is TOP_NONE (a rate: a negative
 * number) and is shown as "-": the time series keep no frees, fails or
 * depot figures per cache, and the call sites are stored at the end only.
 *
 * Cache columns: size the item size (caches.objsize); in use the objects
 * out with their users (caches.inuse); total the objects its pages can
 * hold (pages x items per page); pages; allocs/s and frees/s; fails; the
 * CPU layer's hit % (cpu_hits / cpu_gets, as `vmstat -C`) and the depot's
 * (depot_get_hits / cpu_misses); the magazine size; memory the bytes of
 * its pages.
 */
#ifndef KMEMLAB_TOP_MODEL_H
#define KMEMLAB_TOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kmemlab/db.h>
#include <kmemlab/replay.h>

#define TOP_NONE	UINT64_MAX	/* a figure the source does not have */
#define TOP_NAMELEN	64		/* names kept, with the NUL */
#define TOP_SITELEN	96		/* call sites kept, with the NUL */
#define TOP_DETAILLEN	120		/* anomaly details kept, with the NUL */
#define TOP_ANOMALIES	256		/* the latest anomalies kept */
#define TOP_HISTORY	1024		/* history points kept (older ones thinned) */
#define TOP_MAPCELLS	128		/* cells of an arena's address map */
#define TOP_MAP_NONE	255		/* a map cell outside every span */

/* The columns of the caches screen, in display order. */
enum top_ccol {
	TOP_C_NAME = 0,
	TOP_C_SIZE,
	TOP_C_INUSE,
	TOP_C_TOTAL,
	TOP_C_PAGES,
	TOP_C_ARATE,
	TOP_C_FRATE,
	TOP_C_FAILS,
	TOP_C_CPUHIT,
	TOP_C_DEPOTHIT,
	TOP_C_MAG,
	TOP_C_MEMORY,
	TOP_C_NCOLS
};

/* top_ccol_name: the column's title ("NAME", "SIZE", "ALLOCS/S", ...). */
const char *top_ccol_name(unsigned col);

struct top_cache {
	char c_name[TOP_NAMELEN];
	uint64_t c_size;		/* item size, bytes */
	uint64_t c_inuse;		/* objects out with their users */
	uint64_t c_total;		/* objects its pages hold */
	uint64_t c_pages;		/* pages */
	uint64_t c_memory;		/* bytes of its pages */
	uint64_t c_allocs;		/* successful gets so far */
	uint64_t c_frees;		/* puts so far */
	uint64_t c_fails;		/* failed gets so far */
	uint64_t c_gets, c_hits;	/* CPU layer: gets, hits */
	uint64_t c_misses;		/* CPU layer misses (to the depot) */
	uint64_t c_dhits;		/* depot: misses served with a full magazine */
	uint64_t c_mag;			/* objects per magazine */
	uint64_t c_cached;		/* objects in magazines, CPUs and depot */
	double c_arate, c_frate;	/* allocs/s, frees/s (virtual), < 0: none */
};

struct top_cpu {
	uint64_t u_events;		/* events run */
	uint64_t u_busy_ns, u_lock_ns;	/* virtual ns busy, waiting for locks */
	uint64_t u_gets, u_hits;	/* CPU layer gets and hits, all caches */
	uint64_t u_cached;		/* objects in its magazines */
	double u_rate;			/* events/s (virtual), < 0: none */
	double u_busy;			/* busy share of the interval, 0..1, < 0: none */
	double u_lock;			/* lock wait share, 0..1, < 0: none */
};

struct top_arena {
	char a_name[TOP_NAMELEN];
	char a_source[TOP_NAMELEN];	/* the arena it imports from, "" none */
	unsigned a_depth;		/* import depth: 0 for a root */
	uint64_t a_inuse, a_total, a_imported;	/* bytes */
	uint64_t a_free_segs, a_largest;	/* free segments, largest (bytes) */
	double a_frag;			/* 1 - largest / free, 0 when none free */
	bool a_map_valid;		/* a_map holds the address map */
	uint8_t a_map[TOP_MAPCELLS];	/* % allocated per cell (1 at least when any byte is), TOP_MAP_NONE */
};

struct top_site {
	char s_site[TOP_SITELEN];
	uint64_t s_allocs, s_frees;
	uint64_t s_bytes;		/* bytes allocated */
	uint64_t s_live, s_live_bytes;	/* objects and bytes live */
	double s_arate;			/* allocs/s (virtual), < 0: none */
};

struct top_anomaly {
	uint64_t an_event;		/* event number, from 1 */
	unsigned an_kind;		/* enum kml_anomaly_kind */
	uint32_t an_cpu, an_tid;
	uint64_t an_size;
	char an_detail[TOP_DETAILLEN];
};

struct top_point {
	uint64_t p_vtime;		/* virtual ns */
	uint64_t p_inuse;		/* bytes live, as allocated */
	uint64_t p_cached;		/* objects in magazines */
	double p_frag;			/* kmem_va_arena's fragmentation */
	double p_hit;			/* CPU layer hit rate since the last point, < 0: none */
};

struct top_model {
	/* what the header shows */
	uint64_t m_vtime;		/* virtual time, ns */
	uint64_t m_replayed;		/* events replayed */
	uint64_t m_events;		/* events read */
	uint64_t m_total_events;	/* events of the source, TOP_NONE: not known */
	double m_rate;			/* events/s (virtual), < 0: none */
	uint64_t m_inuse;		/* bytes live */
	uint64_t m_fails;
	uint64_t m_counts[KML_AN_COUNT];	/* anomalies by kind */
	unsigned m_ncpus;
	/* the screens' rows */
	struct top_cache *m_caches;
	size_t m_ncaches, m_capcaches;
	struct top_cpu *m_cpus;		/* m_ncpus */
	struct top_arena *m_arenas;
	size_t m_narenas, m_caparenas;
	struct top_site *m_sites;
	size_t m_nsites, m_capsites;
	bool m_sites_known;		/* false: the source has no sites now */
	struct top_anomaly m_anoms[TOP_ANOMALIES];	/* a ring */
	uint64_t m_nanoms;		/* anomalies given, all kinds stored */
	struct top_point m_hist[TOP_HISTORY];
	size_t m_nhist;
	uint64_t m_hist_step;		/* virtual ns between kept points, 0: every one */
	/* the previous snapshot, for rates */
	bool m_have_prev;		/* m_prev* hold one */
	uint64_t m_prev_vtime;
	uint64_t m_prev_replayed;
	uint64_t m_prev_gets, m_prev_hits;	/* all caches */
	struct top_cache *m_prev;
	size_t m_nprev;
	struct top_cpu *m_prevcpu;
	unsigned m_nprevcpu;
	uint64_t *m_prevsite;		/* each site's allocs, in site order */
	size_t m_nprevsite;
};

/* top_model_init: an empty model. */
void top_model_init(struct top_model *m);

/* top_model_free: free what m holds (then as top_model_init). */
void top_model_free(struct top_model *m);

/*
 * top_model_snap: take a snapshot of replay r's stack into m (between
 * events: from a tick hook, or after kml_replay_run returned), with
 * rates against the previous snapshot.  With maps, each arena's address
 * map is walked too.
 */
void top_model_snap(struct top_model *m, struct kml_replay *r, bool maps);

/* top_model_anomaly: add an anomaly reported by the replay. */
void top_model_anomaly(struct top_model *m, const struct kml_anomaly *an);

/*
 * top_model_anomaly_at: the i-th latest anomaly kept (0: the latest),
 * NULL beyond the ones kept.
 */
const struct top_anomaly *top_model_anomaly_at(const struct top_model *m,
    size_t i);

/* ---- a stored run */

/* A stored run opened for playback: its row and its sample times. */
struct top_run {
	struct kml_db *r_db;
	const char *r_path;		/* the database's path, for messages */
	int64_t r_id;
	char r_status[32];
	char r_policy[TOP_NAMELEN];
	unsigned r_cpus;
	uint64_t r_vend;		/* virtual_ns, or the last sample's */
	uint64_t r_events;		/* events at the end, TOP_NONE: not known */
	bool r_summary;			/* completed or deadlock: summary tables */
	uint64_t *r_times;		/* the samples' virtual times, ascending */
	uint64_t *r_tevents;		/* events replayed at each */
	size_t r_ntimes;
};

/*
 * top_run_open: read run id of db (path for messages): its row and the
 * times of its samples.
 * => returns 0, or -1 after reporting ("PATH: no run 7").
 */
int top_run_open(struct top_run *run, struct kml_db *db, const char *path,
    int64_t id);

/* top_run_close: free what top_run_open read (db is not closed). */
void top_run_close(struct top_run *run);

/* top_run_sample_at: the index of run's latest sample at or before vtime, -1: none. */
long top_run_sample_at(const struct top_run *run, uint64_t vtime);

/*
 * top_model_load: fill m with run at virtual time vtime: from the latest
 * sample at or before vtime, rates against the sample before it; at
 * vtime >= r_vend of a run with summary tables, from those tables.
 * => returns 0, or -1 after reporting an SQLite error.
 */
int top_model_load(struct top_model *m, const struct top_run *run,
    uint64_t vtime);

/* ---- views */

/*
 * top_model_order: the indexes of m's caches whose name contains filter
 * (NULL or "": all), sorted by col (reversed with rev), into idx (room
 * for m_ncaches).
 * => returns how many.
 */
size_t top_model_order(const struct top_model *m, unsigned col, bool rev,
    const char *filter, size_t *idx);

/*
 * top_model_sites_order: the indexes of m's sites by bytes allocated
 * (by_live false) or by live objects (true), largest first, ties in
 * first-appearance order, into idx (room for m_nsites).  => how many.
 */
size_t top_model_sites_order(const struct top_model *m, bool by_live,
    size_t *idx);

#endif /* KMEMLAB_TOP_MODEL_H */
