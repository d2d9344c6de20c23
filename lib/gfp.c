/*
 * lib/gfp.c: names of the Linux GFP flags (see kmemlab/gfp.h), for the
 * mempool back ends and the trace importers.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/gfp.h>


#define GFP_NAME(m)	{ (m), #m }

/*
 * The order of Linux 6.x's show_gfp_flags (include/trace/events/mmflags.h):
 * the composite masks first, then each single bit in bit order.  Checked
 * against every gfp_flags text of the captures in traces/raw and the
 * bundled traces (kernel 6.18).
 */
const struct gfp_flagname gfp_flagnames[] = {
	GFP_NAME(GFP_TRANSHUGE),
	GFP_NAME(GFP_TRANSHUGE_LIGHT),
	GFP_NAME(GFP_HIGHUSER_MOVABLE),
	GFP_NAME(GFP_HIGHUSER),
	GFP_NAME(GFP_USER),
	GFP_NAME(GFP_KERNEL_ACCOUNT),
	GFP_NAME(GFP_KERNEL),
	GFP_NAME(GFP_NOFS),
	GFP_NAME(GFP_ATOMIC),
	GFP_NAME(GFP_NOIO),
	GFP_NAME(GFP_NOWAIT),
	GFP_NAME(GFP_DMA),
	GFP_NAME(GFP_DMA32),
	GFP_NAME(__GFP_RECLAIM),
	GFP_NAME(__GFP_HIGHMEM),
	GFP_NAME(__GFP_MOVABLE),
	GFP_NAME(__GFP_RECLAIMABLE),
	GFP_NAME(__GFP_HIGH),
	GFP_NAME(__GFP_IO),
	GFP_NAME(__GFP_FS),
	GFP_NAME(__GFP_ZERO),
	GFP_NAME(__GFP_DIRECT_RECLAIM),
	GFP_NAME(__GFP_KSWAPD_RECLAIM),
	GFP_NAME(__GFP_WRITE),
	GFP_NAME(__GFP_NOWARN),
	GFP_NAME(__GFP_RETRY_MAYFAIL),
	GFP_NAME(__GFP_NOFAIL),
	GFP_NAME(__GFP_NORETRY),
	GFP_NAME(__GFP_MEMALLOC),
	GFP_NAME(__GFP_COMP),
	GFP_NAME(__GFP_NOMEMALLOC),
	GFP_NAME(__GFP_HARDWALL),
	GFP_NAME(__GFP_THISNODE),
	GFP_NAME(__GFP_ACCOUNT),
	GFP_NAME(__GFP_ZEROTAGS),
	{ 0, NULL }
};

/* gfp_append: append "|"-separated s to buf at *pos (as snprintf: counts all). */
static void
gfp_append(char *buf, size_t len, size_t *pos, const char *s)
{
	int n = snprintf(*pos < len ? buf + *pos : NULL,
	    *pos < len ? len - *pos : 0, "%s%s", *pos > 0 ? "|" : "", s);

	if (n > 0)
		*pos += (size_t)n;
}

size_t
gfp_format(gfp_t gfp, char *buf, size_t len)
{
	size_t pos = 0;
	char hex[16];

	if (len > 0)
		buf[0] = '\0';
	if (gfp == 0) {
		gfp_append(buf, len, &pos, "none");
		return pos;
	}
	for (const struct gfp_flagname *f = gfp_flagnames; f->gf_name != NULL; f++)
		if ((gfp & f->gf_mask) == f->gf_mask) {
			gfp_append(buf, len, &pos, f->gf_name);
			gfp &= ~f->gf_mask;
		}
	if (gfp != 0) {
		snprintf(hex, sizeof(hex), "%#x", gfp);
		gfp_append(buf, len, &pos, hex);
	}
	return pos;
}

int
gfp_parse(const char *s, gfp_t *gfpp)
{
	gfp_t gfp = 0;
	const char *p = s;

	while (*p == ' ')
		p++;
	if (strncmp(p, "none", 4) == 0 && strspn(p + 4, " ") == strlen(p + 4)) {
		*gfpp = 0;
		return 0;
	}
	for (;;) {
		const char *start, *end;
		size_t n;

		while (*p == ' ')
			p++;
		start = p;
		while (*p != '\0' && *p != '|' && *p != ' ')
			p++;
		end = p;
		while (*p == ' ')
			p++;
		if (*p != '\0' && *p != '|')
			return -1;		/* a space inside a token */
		n = (size_t)(end - start);
		if (n == 0)
			return -1;
		if (start[0] >= '0' && start[0] <= '9') {
			char num[24], *ep;
			unsigned long v;

			if (n >= sizeof(num))
				return -1;
			memcpy(num, start, n);
			num[n] = '\0';
			errno = 0;
			v = strtoul(num, &ep, 0);
			if (errno != 0 || *ep != '\0' || v > 0xffffffffUL)
				return -1;
			gfp |= (gfp_t)v;
		} else {
			const struct gfp_flagname *f;

			for (f = gfp_flagnames; f->gf_name != NULL; f++)
				if (strlen(f->gf_name) == n &&
				    strncmp(f->gf_name, start, n) == 0)
					break;
			if (f->gf_name == NULL)
				return -1;
			gfp |= f->gf_mask;
		}
		if (*p == '\0')
			break;
		p++;				/* the '|' */
	}
	*gfpp = gfp;
	return 0;
}

