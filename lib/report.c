/*
 * lib/report.c: the shared error-report state (see kmemlab/report.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <kmemlab/report.h>

void
kml_report(struct kml_report *rp, const char *what, const char *name, int err,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(rp->rp_lastmsg, sizeof(rp->rp_lastmsg), "%s \"%s\": ",
	    what, name);
	if (n < 0 || (size_t)n >= sizeof(rp->rp_lastmsg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(rp->rp_lastmsg + n, sizeof(rp->rp_lastmsg) - (size_t)n, fmt, ap);
	va_end(ap);
	rp->rp_lasterr = err;
	rp->rp_count++;
	rp->rp_lastqueued = rp->rp_nqueued < KML_REPORT_QUEUE;
	if (!rp->rp_lastqueued) {
		rp->rp_dropped++;
		return;
	}
	struct kml_report_entry *e = &rp->rp_queue[rp->rp_nqueued++];

	e->re_err = err;
	e->re_obj = NULL;
	memcpy(e->re_msg, rp->rp_lastmsg, sizeof(e->re_msg));
}

void
kml_report_set_obj(struct kml_report *rp, const void *obj)
{
	if (rp->rp_lastqueued)
		rp->rp_queue[rp->rp_nqueued - 1].re_obj = obj;
}

bool
kml_report_take(struct kml_report *rp, struct kml_report_entry *e)
{
	if (rp->rp_nqueued == 0)
		return false;
	*e = rp->rp_queue[0];
	rp->rp_nqueued--;
	rp->rp_lastqueued = false;
	memmove(&rp->rp_queue[0], &rp->rp_queue[1],
	    rp->rp_nqueued * sizeof(rp->rp_queue[0]));
	return true;
}
