/*
 * kmemlab/db.h: the results database (SQLite).
 *
 * Every replay is stored as one row of `runs` and rows of the tables that
 * hang off it (caches, arenas, cpus, locks, sites, anomalies and the time
 * series).  The schema is versioned (PRAGMA user_version, KML_DB_VERSION)
 * and documented in kmemlab-db(5); opening an older database migrates it
 * step by step in one transaction, a newer one is refused.
 *
 * Writing: the database is put in WAL mode.  A run starts with its `runs`
 * row (status "running") committed on its own; samples and anomalies are
 * buffered and written in batches of a few thousand rows per transaction;
 * the end of a run writes every summary table and the final `runs` fields
 * in one transaction.  A run that fails or is interrupted is marked so
 * (status "failed", "deadlock" or "interrupted"), so no row set ever looks
 * complete when it is not: readers select runs by status.
 *
 * Errors: every function that can fail returns -1 with a one-line
 * message in errbuf that names the database file ("kmemlab.db: database
 * is locked", "kmemlab.db: schema version 9 is newer than this kmemlab
 * (3): upgrade kmemlab", "x.db: unable to open database file").
 */
#ifndef KMEMLAB_DB_H
#define KMEMLAB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kmemlab/replay.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KML_DB_VERSION	1	/* schema version this library writes */

struct kml_db;

/*
 * kml_db_open: open (creating if needed) the database at path, in WAL
 * mode with a busy timeout of 2 s, creating or migrating the schema.
 * => returns the database, or NULL with a message in errbuf.
 */
struct kml_db *kml_db_open(const char *path, char *errbuf, size_t errlen);

/*
 * kml_db_busy_timeout: from now on, a write that finds the database
 * locked by another connection waits up to ms milliseconds for it (the
 * default 2 s) before it fails with "database is locked"; for processes
 * that store runs into one database at the same time.
 */
void kml_db_busy_timeout(struct kml_db *db, unsigned ms);

/* kml_db_close: flush what is buffered and close.  => 0, or -1 (errbuf). */
int kml_db_close(struct kml_db *db, char *errbuf, size_t errlen);

/* kml_db_handle: the sqlite3 handle (for `kmemlab sql`); a `sqlite3 *`. */
void *kml_db_handle(struct kml_db *db);

/* What a run records about itself when it starts. */
struct kml_db_run {
	const char *dr_trace;		/* the trace's path as given ("-": stdin) */
	const char *dr_trace_sha256;	/* hex digest of the trace's bytes, NULL if not computed (stdin) */
	const char *dr_policy;		/* policy name or file */
	const char *dr_config;		/* kml_policy_format + the replay options */
	unsigned dr_cpus;		/* vCPUs */
	const char *dr_timing;		/* "trace" or "afap" */
	uint64_t dr_seed;
	const char *dr_version;		/* kmemlab's version */
};

/*
 * kml_db_run_begin: insert a runs row (status "running", started_at now
 * in UTC, ISO 8601) and commit it.
 * => returns 0 with the new id in *idp, or -1.
 */
int kml_db_run_begin(struct kml_db *db, const struct kml_db_run *run,
    int64_t *idp, char *errbuf, size_t errlen);

/*
 * kml_db_hooks: replay hooks that store anomalies and samples of run id
 * into db (buffered, written in batches); progress is left NULL.
 */
void kml_db_hooks(struct kml_db *db, int64_t id, struct kml_replay_hooks *h);

/*
 * kml_db_run_end: store the summary of replay r as run id: caches (every
 * pool_cache of the stack, layer "kmem", "slab", "pool" or "qcache"),
 * arenas (kml_replay_arena), cpus, locks (every lock of the stack with its
 * statistics), sites, and the runs row's events, virtual_ns, wall_seconds
 * and status (kml_replay_status_name(status)), all in one transaction,
 * after flushing the buffered rows.
 * => returns 0, or -1 (the run is then marked "failed" if possible).
 */
int kml_db_run_end(struct kml_db *db, int64_t id, struct kml_replay *r,
    unsigned status, double wall_seconds, char *errbuf, size_t errlen);

/*
 * kml_db_run_abandon: mark run id with status (failed or interrupted)
 * after flushing what is buffered; for a replay that could not finish
 * normally.  => 0 or -1.
 */
int kml_db_run_abandon(struct kml_db *db, int64_t id, unsigned status,
    char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_DB_H */
