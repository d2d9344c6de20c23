/*
 * tests/report_test.c: the shared error-report queue (kmemlab/report.h).
 *
 * Reports made while a lock is held are queued and delivered oldest first;
 * the last one is always remembered; a full queue keeps the earlier ones
 * and counts the dropped; kml_report_set_obj tags only a queued report.
 */
#include <stdio.h>
#include <string.h>

#include <kmemlab/report.h>

#include "tap.h"

int
main(void)
{
	struct kml_report rp;
	struct kml_report_entry e;
	int tag1, tag2;

	memset(&rp, 0, sizeof(rp));
	tap_ok(!kml_report_take(&rp, &e), "nothing to take at first");

	kml_report(&rp, "pool", "p", 6, "hard limit %d", 3);
	kml_report_set_obj(&rp, &tag1);
	kml_report(&rp, "pool", "p", 5, "deadlock");
	tap_is(rp.rp_count, 2, "two reports counted");
	tap_is(rp.rp_lasterr, 5, "the last error is the second");
	tap_is_str(rp.rp_lastmsg, "pool \"p\": deadlock", "its message");

	tap_ok(kml_report_take(&rp, &e), "first report taken");
	tap_is(e.re_err, 6, "oldest first: the warning");
	tap_is_str(e.re_msg, "pool \"p\": hard limit 3", "warning message");
	tap_ok(e.re_obj == &tag1, "the warning carries its object");
	tap_ok(kml_report_take(&rp, &e), "second report taken");
	tap_is(e.re_err, 5, "then the deadlock");
	tap_ok(e.re_obj == NULL, "the deadlock carries no object");
	tap_ok(!kml_report_take(&rp, &e), "queue empty");
	tap_is_str(rp.rp_lastmsg, "pool \"p\": deadlock",
	    "the last error stays after delivery");

	for (int i = 0; i < KML_REPORT_QUEUE + 2; i++)
		kml_report(&rp, "arena", "a", 10 + i, "report %d", i);
	kml_report_set_obj(&rp, &tag2);
	tap_is(rp.rp_nqueued, KML_REPORT_QUEUE, "the queue holds %d",
	    KML_REPORT_QUEUE);
	tap_is(rp.rp_dropped, 2, "the two beyond it are dropped and counted");
	tap_is(rp.rp_lasterr, 10 + KML_REPORT_QUEUE + 1,
	    "the last error is the newest, dropped or not");
	for (int i = 0; i < KML_REPORT_QUEUE; i++) {
		tap_ok(kml_report_take(&rp, &e), "take %d", i);
		tap_is(e.re_err, 10 + i, "the earlier reports are kept, in order (%d)", i);
		tap_ok(e.re_obj == NULL, "set_obj of a dropped report tags nothing (%d)", i);
	}
	tap_ok(!kml_report_take(&rp, &e), "queue empty again");
	return tap_done();
}
