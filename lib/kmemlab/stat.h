/*
 * kmemlab/stat.h: name tables for statistics structures.
 *
 * Each allocator keeps its counters in a plain struct of uint64_t with one
 * comment per counter, and publishes a table that names every member: its
 * name (the column name that reports, SQL and the dashboards use), its
 * offset, its unit and a one-line description.  Code that shows
 * statistics walks the table instead of knowing the struct.
 */
#ifndef KMEMLAB_STAT_H
#define KMEMLAB_STAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

enum kml_stat_unit {
	KML_UNIT_COUNT,		/* a number of events or objects */
	KML_UNIT_BYTES,		/* bytes (or units of the resource) */
	KML_UNIT_NS		/* virtual nanoseconds */
};

struct kml_statdesc {
	const char *sd_name;		/* column name: lower case, no spaces */
	size_t sd_offset;		/* offset of a uint64_t in the struct */
	enum kml_stat_unit sd_unit;	/* unit of the value */
	const char *sd_descr;		/* one line */
};

#define KML_STAT(type, member, unit, descr)				\
	{ #member, offsetof(type, member), unit, descr }

/* kml_stat_get: the value described by d in the struct at base. */
static inline uint64_t
kml_stat_get(const void *base, const struct kml_statdesc *d)
{
	return *(const uint64_t *)(const void *)((const char *)base + d->sd_offset);
}

/* kml_stat_unit_name: "count", "bytes" or "ns". */
const char *kml_stat_unit_name(enum kml_stat_unit u);

/*
 * kml_stat_print: print "  name  value  description" for each of the n
 * entries of table, reading values from base.
 */
void kml_stat_print(FILE *fp, const void *base,
    const struct kml_statdesc *table, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_STAT_H */
