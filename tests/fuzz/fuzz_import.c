/*
 * tests/fuzz/fuzz_import.c: libFuzzer harness for the ftrace and perf
 * script importers.
 *
 * The first byte picks the format (auto, ftrace, perf) and whether
 * malformed lines are skipped; the rest is split into lines and fed to
 * kml_import_line.  The importer must not crash or hang, an error must
 * come with a message, and every event it makes must be accepted by the
 * trace writer.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/import.h>
#include <kmemlab/trace.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kml_trace_header th;
	struct kml_trace_event ev;
	struct kml_import *imp;
	static struct kml_trace *w;	/* one writer for every run: opening one costs ms */
	char err[512];
	FILE *out;
	uint32_t cpu;
	uint64_t count;

	if (size == 0)
		return 0;
	imp = kml_import_create(data[0] % 3, (data[0] & 4) != 0);
	kml_trace_header_init(&th, KML_TSRC_IMPORT);
	if (w == NULL) {
		out = fopen("/dev/null", "wb");
		w = kml_trace_fdopen_write(out, "/dev/null", &th, err,
		    sizeof(err));
		if (w == NULL)
			abort();
	}
	size_t i = 1;

	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
		int rc = kml_import_line(imp, (const char *)data + i, len, &ev,
		    err, sizeof(err));

		if (rc < 0 && err[0] == '\0')
			abort();
		if (rc == 1 && kml_trace_write(w, &ev) != 0)
			abort();	/* the importer made an event the writer refuses */
		while (kml_import_take_drops(imp, &cpu, &count)) {
			if (kml_trace_write_drop(w, cpu, count) != 0)
				abort();
		}
		if (rc < 0)
			break;
		i += len + 1;
	}
	kml_import_header(imp, &th);
	kml_import_destroy(imp);
	return 0;
}
