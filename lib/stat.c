/*
 * lib/stat.c: printing statistics through their name tables.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include <kmemlab/kmemlab.h>

const char *
kml_stat_unit_name(enum kml_stat_unit u)
{
	switch (u) {
	case KML_UNIT_COUNT:
		return "count";
	case KML_UNIT_BYTES:
		return "bytes";
	case KML_UNIT_NS:
		return "ns";
	}
	return "?";
}

void
kml_stat_print(FILE *fp, const void *base, const struct kml_statdesc *table,
    size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "  %-16s %20" PRIu64 "  %s\n", table[i].sd_name,
		    kml_stat_get(base, &table[i]), table[i].sd_descr);
}

const char *
kml_version(void)
{
	return PACKAGE_VERSION;
}
