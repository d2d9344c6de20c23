/*
 * tests/fuzz/fuzz_text.c: libFuzzer harness for the text form loader.
 *
 * The input is a text-form trace given to kml_trace_from_text, which
 * writes to a private temporary file.  It must not crash or hang; when
 * it fails it must say why and leave no file behind; when it succeeds
 * the file must read back without error.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kmemlab/trace.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct kml_trace_event ev;
	struct kml_trace *r;
	char err[512];
	FILE *in;
	int rc;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/fuzz_text.%ld.kmt",
		    (long)getpid());
	if (size == 0)
		return 0;
	in = fmemopen((void *)(uintptr_t)data, size, "r");
	if (in == NULL)
		return 0;
	rc = kml_trace_from_text(in, "fuzz.txt", path, err, sizeof(err));
	fclose(in);
	if (rc != 0) {
		if (strncmp(err, "fuzz.txt", 8) != 0 || access(path, F_OK) == 0)
			abort();
		return 0;
	}
	r = kml_trace_open_read(path, err, sizeof(err));
	if (r == NULL)
		abort();
	while ((rc = kml_trace_next(r, &ev)) == 1)
		;
	if (rc != 0)
		abort();
	kml_trace_close(r, NULL, 0);
	unlink(path);
	return 0;
}
