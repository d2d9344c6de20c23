/*
 * tests/fuzz/fuzz_trace.c: libFuzzer harness for the binary trace reader.
 *
 * The input is taken as a whole trace file and read item by item until
 * the end or an error.  Whatever the bytes, the reader must not crash,
 * hang or leak, every error must carry a message naming the file, and
 * the events it returns must be writable again (a reader never hands out
 * an event the writer would refuse; one writer, opened once, takes the
 * events of every run, since opening one costs more than a run).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/trace.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kml_trace *w;
	struct kml_trace_header th;
	struct kml_trace_item it;
	struct kml_trace *r;
	char err[512];
	FILE *in;
	int rc;

	if (size == 0)
		return 0;
	in = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (in == NULL)
		return 0;
	r = kml_trace_fdopen_read(in, "fuzz", err, sizeof(err));
	if (r == NULL) {
		if (strncmp(err, "fuzz: ", 6) != 0)
			abort();
		fclose(in);
		return 0;
	}
	if (w == NULL) {
		kml_trace_header_init(&th, KML_TSRC_UNKNOWN);
		w = kml_trace_fdopen_write(fopen("/dev/null", "wb"),
		    "/dev/null", &th, err, sizeof(err));
		if (w == NULL)
			abort();
	}
	while ((rc = kml_trace_next_item(r, &it)) == 1) {
		if (it.ti_kind == KML_TI_EVENT &&
		    kml_trace_write(w, &it.ti_event) != 0)
			abort();
	}
	if (rc < 0 && strncmp(kml_trace_errmsg(r), "fuzz: ", 6) != 0)
		abort();
	kml_trace_close(r, NULL, 0);
	fclose(in);
	return 0;
}
