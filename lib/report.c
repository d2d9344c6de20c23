/*
 * lib/report.c: the shared error-report state (see kmemlab/report.h).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

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
	rp->rp_pending = true;
}

bool
kml_report_take(struct kml_report *rp)
{
	if (!rp->rp_pending)
		return false;
	rp->rp_pending = false;
	return true;
}
