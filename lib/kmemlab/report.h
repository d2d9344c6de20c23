/*
 * kmemlab/report.h: the error-report state every allocator shares.
 *
 * Each allocator reports misuse through one routine: the error is
 * formatted while the allocator's lock is held (kml_report), counted, kept
 * as the last error, and queued; the allocator delivers every queued
 * report, oldest first, to its handler after the lock is released
 * (kml_report_take), so that a handler may call back into the allocator.
 * Reports are queued rather than kept in one slot because the lock can be
 * dropped between two of them without a delivery (kml_sleep drops the
 * interlock): a hard-limit warning followed by a deadlock report must
 * both reach the handler.  The handler's type is the allocator's own;
 * this struct only holds the state.
 */
#ifndef KMEMLAB_REPORT_H
#define KMEMLAB_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KML_REPORT_MSGLEN	256	/* bytes of a message, NUL included */
#define KML_REPORT_QUEUE	4	/* undelivered reports kept */

/* One report. */
struct kml_report_entry {
	int re_err;			/* error class */
	const void *re_obj;		/* what it is about (kml_report_set_obj), or NULL */
	char re_msg[KML_REPORT_MSGLEN];	/* the message */
};

struct kml_report {
	int rp_lasterr;			/* class of the last error, 0 if none */
	char rp_lastmsg[KML_REPORT_MSGLEN]; /* its message */
	struct kml_report_entry rp_queue[KML_REPORT_QUEUE]; /* undelivered, oldest first */
	unsigned rp_nqueued;		/* entries in rp_queue */
	bool rp_lastqueued;		/* the last report is rp_queue[rp_nqueued - 1] */
	uint64_t rp_count;		/* # of errors reported */
	uint64_t rp_dropped;		/* # not queued because the queue was full */
};

/*
 * kml_report: record error err of the object called name: the message is
 * "WHAT \"NAME\": " followed by the formatted text.  It becomes the last
 * error and is queued for delivery (dropped and counted if the queue is
 * full: the earlier reports are kept, as they usually say why).
 */
void kml_report(struct kml_report *rp, const char *what, const char *name,
    int err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* kml_report_set_obj: attach obj to the report just made (if it was queued). */
void kml_report_set_obj(struct kml_report *rp, const void *obj);

/*
 * kml_report_take: move the oldest undelivered report into *e.
 * => returns false when there is none.  The caller passes e's fields to
 *    its handler; *e is the caller's copy, so the handler may report again.
 */
bool kml_report_take(struct kml_report *rp, struct kml_report_entry *e);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_REPORT_H */
