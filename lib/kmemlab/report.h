/*
 * kmemlab/report.h: the error-report state every allocator shares.
 *
 * Each allocator reports misuse through one routine: the error is
 * formatted while the allocator's lock is held (kml_report), counted, kept
 * as the last error, and delivered to the allocator's handler after the
 * lock is released (kml_report_take), so that a handler may call back
 * into the allocator.  The handler's type is the allocator's own; this
 * struct only holds the state.
 */
#ifndef KMEMLAB_REPORT_H
#define KMEMLAB_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kml_report {
	int rp_lasterr;		/* class of the last error, 0 if none */
	char rp_lastmsg[256];	/* its message */
	bool rp_pending;	/* not yet delivered */
	uint64_t rp_count;	/* # of errors reported */
};

/*
 * kml_report: record error err of the object called name: the message is
 * "WHAT \"NAME\": " followed by the formatted text.
 */
void kml_report(struct kml_report *rp, const char *what, const char *name,
    int err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * kml_report_take: true (once) if an error waits for delivery; the caller
 * then passes rp_lasterr and rp_lastmsg to its handler.
 */
bool kml_report_take(struct kml_report *rp);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_REPORT_H */
