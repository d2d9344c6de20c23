/*
 * src/record-ksyms.c: the kernel's text symbols, read once from
 * /proc/kallsyms into an array sorted by address and searched by
 * bisection, to turn call-site addresses into "symbol+0xoff" as ftrace
 * prints them (see record-ksyms.h).
 *
 * A line is "ADDR TYPE NAME" or "ADDR TYPE NAME\t[MODULE]".  Only text
 * symbols (types t, T, w, W) are kept: a call site is code.  Names and
 * module names are copied into one growing buffer and referred to by
 * offset, so the table is a few allocations whatever its size (about
 * 120000 symbols, 4 MB, on a distribution kernel).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record-ksyms.h"
#include "util.h"

/* One symbol: its address and the offsets of its names in ks_names. */
struct record_ksym {
	uint64_t k_addr;
	uint32_t k_name;	/* offset of the name */
	uint32_t k_mod;		/* offset of the module name, 0: the kernel's */
};

struct record_ksyms {
	struct record_ksym *ks_syms;	/* sorted by k_addr */
	size_t ks_n, ks_cap;
	char *ks_names;			/* NUL-terminated strings; offset 0: "" */
	size_t ks_used, ks_namecap;
};

/* record_ksyms_str: copy s[0..n) into ks's names. => its offset. */
static uint32_t
record_ksyms_str(struct record_ksyms *ks, const char *s, size_t n)
{
	size_t off = ks->ks_used;

	while (ks->ks_used + n + 1 > ks->ks_namecap) {
		ks->ks_namecap *= 2;
		ks->ks_names = xreallocarray(ks->ks_names, ks->ks_namecap, 1);
	}
	memcpy(ks->ks_names + off, s, n);
	ks->ks_names[off + n] = '\0';
	ks->ks_used += n + 1;
	return (uint32_t)off;
}

/* record_ksyms_cmp: qsort order, by address. */
static int
record_ksyms_cmp(const void *a, const void *b)
{
	const struct record_ksym *x = a, *y = b;

	return x->k_addr < y->k_addr ? -1 : x->k_addr > y->k_addr;
}

struct record_ksyms *
record_ksyms_load(const char *path, char *errbuf, size_t errlen)
{
	struct record_ksyms *ks;
	char line[1024], *name, *mod, *end;
	uint32_t lastmod = 0;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	ks = xcalloc(1, sizeof(*ks));
	ks->ks_namecap = 1 << 20;
	ks->ks_names = xmalloc(ks->ks_namecap);
	ks->ks_names[0] = '\0';
	ks->ks_used = 1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		uint64_t addr;
		char type;

		addr = strtoull(line, &end, 16);
		if (end == line || end[0] != ' ' || end[1] == '\0' ||
		    end[2] != ' ')
			continue;
		type = end[1];
		if (addr == 0 || (type != 't' && type != 'T' && type != 'w' &&
		    type != 'W'))
			continue;
		name = end + 3;
		name[strcspn(name, "\n")] = '\0';
		mod = strchr(name, '\t');
		if (mod != NULL) {
			*mod++ = '\0';
			if (mod[0] == '[')
				mod++;
			mod[strcspn(mod, "]")] = '\0';
		}
		if (ks->ks_n == ks->ks_cap) {
			ks->ks_cap = ks->ks_cap ? 2 * ks->ks_cap : 65536;
			ks->ks_syms = xreallocarray(ks->ks_syms, ks->ks_cap,
			    sizeof(*ks->ks_syms));
		}
		ks->ks_syms[ks->ks_n].k_addr = addr;
		ks->ks_syms[ks->ks_n].k_name = record_ksyms_str(ks, name,
		    strlen(name));
		if (mod == NULL || *mod == '\0')
			ks->ks_syms[ks->ks_n].k_mod = 0;
		else if (lastmod != 0 &&
		    strcmp(ks->ks_names + lastmod, mod) == 0)
			ks->ks_syms[ks->ks_n].k_mod = lastmod;
		else
			ks->ks_syms[ks->ks_n].k_mod = lastmod =
			    record_ksyms_str(ks, mod, strlen(mod));
		ks->ks_n++;
	}
	if (ferror(fp)) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		fclose(fp);
		record_ksyms_free(ks);
		return NULL;
	}
	fclose(fp);
	qsort(ks->ks_syms, ks->ks_n, sizeof(*ks->ks_syms), record_ksyms_cmp);
	return ks;
}

size_t
record_ksyms_count(const struct record_ksyms *ks)
{
	return ks->ks_n;
}

const char *
record_ksyms_format(const struct record_ksyms *ks, uint64_t addr, char *buf,
    size_t len)
{
	size_t lo = 0, hi = ks->ks_n;
	const struct record_ksym *k;

	/* the last symbol at or below addr: ks_syms[lo - 1] */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->ks_syms[mid].k_addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0) {
		snprintf(buf, len, "0x%" PRIx64, addr);
		return buf;
	}
	k = &ks->ks_syms[lo - 1];
	if (k->k_mod != 0)
		snprintf(buf, len, "%s+0x%" PRIx64 " [%s]",
		    ks->ks_names + k->k_name, addr - k->k_addr,
		    ks->ks_names + k->k_mod);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, ks->ks_names + k->k_name,
		    addr - k->k_addr);
	return buf;
}

void
record_ksyms_free(struct record_ksyms *ks)
{
	if (ks == NULL)
		return;
	free(ks->ks_syms);
	free(ks->ks_names);
	free(ks);
}
