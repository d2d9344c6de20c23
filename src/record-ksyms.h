/*
 * src/record-ksyms.h: kernel symbols from /proc/kallsyms, for the call
 * sites of "kmemlab record" (see record-ksyms.c).
 */
#ifndef KMEMLAB_RECORD_KSYMS_H
#define KMEMLAB_RECORD_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct record_ksyms;

/*
 * record_ksyms_load: read the text symbols of path (/proc/kallsyms).
 * => returns the table, or NULL with "PATH: why" in errbuf; a table
 *    without addresses (kptr_restrict hides them) has no symbols, and
 *    every address is then formatted as a number.
 */
struct record_ksyms *record_ksyms_load(const char *path, char *errbuf,
    size_t errlen);

/* record_ksyms_count: the symbols with an address in ks. */
size_t record_ksyms_count(const struct record_ksyms *ks);

/*
 * record_ksyms_format: addr as ftrace's %pS prints a call site, without
 * the symbol's size: "symbol+0xoff", "symbol+0xoff [module]" for a
 * module's symbol, or "0xaddr" when no symbol precedes it; into
 * buf[0..len).
 * => returns buf.
 */
const char *record_ksyms_format(const struct record_ksyms *ks, uint64_t addr,
    char *buf, size_t len);

/* record_ksyms_free: release ks (NULL is fine). */
void record_ksyms_free(struct record_ksyms *ks);

#endif /* KMEMLAB_RECORD_KSYMS_H */
