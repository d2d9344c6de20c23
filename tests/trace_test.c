/*
 * tests/trace_test.c: the binary trace reader and writer (lib/trace.c).
 *
 * How: traces are written to files in a private temporary directory and
 * read back; every event field, drop and flush must come back exactly.
 * Then the files are damaged on purpose: cut at many lengths (every byte
 * of the header and the first blocks, then random points) and flipped at
 * random bytes, and the reader must return exactly a prefix of the events
 * followed by an error naming the right byte offset, never a wrong event
 * and never success.  The frame offsets the messages must name are found
 * by walking the blocks here, independently of the reader.  Random
 * choices use fixed seeds, printed in the failing checks' names.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <kmemlab/trace.h>

#include "tap.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static char trace_test_dir[64];

/* ---- a small PRNG (splitmix64) */

static uint64_t trace_test_rng;

static uint64_t
trace_test_rand(void)
{
	uint64_t z = (trace_test_rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t
trace_test_below(uint64_t n)
{
	return trace_test_rand() % n;
}

/* trace_test_path: a file name in the test directory. */
static const char *
trace_test_path(const char *name)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", trace_test_dir, name);
	return buf[i];
}

/* trace_test_slurp: the contents of path in *lenp (malloc'd). */
static uint8_t *
trace_test_slurp(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (fp == NULL)
		tap_bail("%s: %s", path, strerror(errno));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		tap_bail("%s: short read", path);
	fclose(fp);
	*lenp = (size_t)n;
	return buf;
}

static void
trace_test_spew(const char *path, const uint8_t *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL || fwrite(buf, 1, len, fp) != len || fclose(fp) != 0)
		tap_bail("%s: cannot write", path);
}

/* ---- random events and a copy that owns its strings */

struct trace_test_item {
	struct kml_trace_item it;
	char comm[64], site[64], cache[64];
	bool hascomm, hassite, hascache;
};

static const char *const trace_test_comms[] = {
	"cc1", "as", "kworker/0:1", "<idle>", "with space", "ftrace-run.sh",
	"\x01\xff odd", "git", "rm", "cp"
};
static const char *const trace_test_sites[] = {
	"getname_flags.part.0+0x24", "alloc_empty_file+0x3c", "seq_open+0x27",
	"single_open+0x2a", "__fput+0x141", "do_sys_openat2+0x88",
	"security_file_alloc+0x27", "0xffffffffc0a01234", "kernfs_fop_open+0x9b",
	"tracing_mark_open+0xe4", "lsm_blob_alloc+0x3b", "x", "y", "z"
};
static const char *const trace_test_caches[] = {
	"names_cache", "filp", "lsm_file_cache", "seq_file", "dentry",
	"kmalloc-64", "gen-arena"
};

/* trace_test_event: a random event (with realistic repetition). */
static void
trace_test_event(struct trace_test_item *ti, uint64_t *ts, uint64_t *ptrs,
    size_t nptrs)
{
	struct kml_trace_event *ev = &ti->it.ti_event;

	memset(ti, 0, sizeof(*ti));
	ti->it.ti_kind = KML_TI_EVENT;
	ev->te_op = (uint8_t)(1 + trace_test_below(KML_OP_COUNT - 1));
	*ts += trace_test_below(5) == 0 ? trace_test_rand() % 1000000 :
	    trace_test_below(20);
	if (trace_test_below(50) == 0)
		*ts -= trace_test_below(10);	/* clocks go back a little */
	ev->te_ts = *ts;
	ev->te_cpu = (uint32_t)(trace_test_below(10) == 0 ?
	    trace_test_below(KML_TRACE_CPUMAX) : trace_test_below(4));
	ev->te_pid = (uint32_t)(trace_test_below(3) == 0 ? trace_test_rand() :
	    1000 + trace_test_below(4));
	ev->te_tid = ev->te_pid + (uint32_t)trace_test_below(3);
	ev->te_ctx = (uint8_t)trace_test_below(KML_CTX_COUNT);
	ev->te_flags = (uint8_t)trace_test_below(KML_TEF_MASK + 1);
	ev->te_gfp = trace_test_below(4) == 0 ? (uint32_t)trace_test_rand() :
	    0xcc0;
	ev->te_size = trace_test_below(8) == 0 ? trace_test_rand() :
	    trace_test_below(5000);
	ev->te_alloc = trace_test_below(8) == 0 ? trace_test_rand() :
	    ev->te_size + trace_test_below(64);
	ev->te_align = trace_test_below(4) == 0 ? trace_test_rand() : 0;
	ev->te_count = trace_test_below(4) == 0 ? trace_test_rand() : 0;
	ev->te_order = (uint8_t)trace_test_below(64);
	size_t k = trace_test_below(nptrs);

	if (trace_test_below(3) == 0)
		ptrs[k] = trace_test_rand();
	ev->te_ptr = trace_test_below(20) == 0 ? 0 : ptrs[k];
	if (ev->te_op == KML_OP_REALLOC)
		ev->te_oldptr = ptrs[trace_test_below(nptrs)];
	if (trace_test_below(6) != 0) {
		snprintf(ti->comm, sizeof(ti->comm), "%s", trace_test_comms[
		    trace_test_below(NITEMS(trace_test_comms))]);
		ti->hascomm = true;
		ev->te_comm = ti->comm;
	}
	if (trace_test_below(6) != 0) {
		snprintf(ti->site, sizeof(ti->site), "%s", trace_test_sites[
		    trace_test_below(NITEMS(trace_test_sites))]);
		ti->hassite = true;
		ev->te_site = ti->site;
	}
	if (trace_test_below(2) != 0) {
		snprintf(ti->cache, sizeof(ti->cache), "%s", trace_test_caches[
		    trace_test_below(NITEMS(trace_test_caches))]);
		ti->hascache = true;
		ev->te_cache = ti->cache;
	}
}

/* trace_test_streq: two optional strings are equal. */
static bool
trace_test_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* trace_test_same: the item read equals the item written. */
static bool
trace_test_same(const struct kml_trace_item *got,
    const struct kml_trace_item *want)
{
	const struct kml_trace_event *a = &got->ti_event, *b = &want->ti_event;

	if (got->ti_kind != want->ti_kind)
		return false;
	if (got->ti_kind == KML_TI_DROP)
		return got->ti_drop_cpu == want->ti_drop_cpu &&
		    got->ti_drop_count == want->ti_drop_count;
	if (got->ti_kind == KML_TI_FLUSH)
		return true;
	return a->te_ts == b->te_ts && a->te_ptr == b->te_ptr &&
	    a->te_oldptr == b->te_oldptr && a->te_size == b->te_size &&
	    a->te_alloc == b->te_alloc && a->te_align == b->te_align &&
	    a->te_count == b->te_count && a->te_cpu == b->te_cpu &&
	    a->te_pid == b->te_pid && a->te_tid == b->te_tid &&
	    a->te_gfp == b->te_gfp && a->te_op == b->te_op &&
	    a->te_ctx == b->te_ctx && a->te_flags == b->te_flags &&
	    a->te_order == b->te_order &&
	    trace_test_streq(a->te_comm, b->te_comm) &&
	    trace_test_streq(a->te_site, b->te_site) &&
	    trace_test_streq(a->te_cache, b->te_cache);
}

/*
 * trace_test_make: write n random items (events, some drops and flushes)
 * with header th to path; the items are returned in *itemsp.
 */
static size_t
trace_test_make(const char *path, const struct kml_trace_header *th,
    uint64_t seed, size_t n, struct trace_test_item **itemsp)
{
	struct trace_test_item *items = calloc(n, sizeof(*items));
	uint64_t ts = 5000000000ull, ptrs[64];
	char err[256];
	struct kml_trace *w;

	trace_test_rng = seed;
	for (size_t i = 0; i < 64; i++)
		ptrs[i] = trace_test_rand();
	w = kml_trace_open_write(path, th, err, sizeof(err));
	if (w == NULL)
		tap_bail("open_write: %s", err);
	for (size_t i = 0; i < n; i++) {
		struct trace_test_item *ti = &items[i];
		uint64_t r = trace_test_below(100);
		int rc;

		if (r == 0 && i > 0 && items[i - 1].it.ti_kind != KML_TI_FLUSH) {
			memset(ti, 0, sizeof(*ti));
			ti->it.ti_kind = KML_TI_FLUSH;
			rc = kml_trace_flush(w);
		} else if (r == 1) {
			memset(ti, 0, sizeof(*ti));
			ti->it.ti_kind = KML_TI_DROP;
			ti->it.ti_drop_cpu = (uint32_t)trace_test_below(8);
			ti->it.ti_drop_count = 1 + trace_test_below(1000);
			rc = kml_trace_write_drop(w, ti->it.ti_drop_cpu,
			    ti->it.ti_drop_count);
		} else {
			trace_test_event(ti, &ts, ptrs, 64);
			rc = kml_trace_write(w, &ti->it.ti_event);
		}
		if (rc != 0)
			tap_bail("write item %zu: %s", i, kml_trace_errmsg(w));
	}
	/* A flush as the very last item would be followed by the trailer block. */
	if (kml_trace_close(w, err, sizeof(err)) != 0)
		tap_bail("close: %s", err);
	*itemsp = items;
	return n;
}

/*
 * trace_test_readall: read path, comparing with items; returns the number
 * of items that matched before the first difference or the end, and the
 * return code of the last next_item in *rcp, its message in msg.
 */
static size_t
trace_test_readall(const char *path, const struct trace_test_item *items,
    size_t n, int *rcp, char *msg, size_t msglen, bool *mismatch)
{
	struct kml_trace *r;
	struct kml_trace_item it;
	size_t i = 0;
	int rc;

	*mismatch = false;
	r = kml_trace_open_read(path, msg, msglen);
	if (r == NULL) {
		*rcp = -2;
		return 0;
	}
	while ((rc = kml_trace_next_item(r, &it)) == 1) {
		/* A flush right before the trailer block is not reported twice. */
		if (i >= n || !trace_test_same(&it, &items[i].it)) {
			*mismatch = true;
			break;
		}
		i++;
	}
	*rcp = rc;
	snprintf(msg, msglen, "%s", kml_trace_errmsg(r));
	kml_trace_close(r, NULL, 0);
	return i;
}

/* ---- tests */

static void
test_names(void)
{
	tap_is_str(kml_trace_op_name(KML_OP_CACHE_FREE), "kmem_cache_free",
	    "op name kmem_cache_free");
	tap_is_str(kml_trace_op_name(KML_OP_POOL_PUT), "pool_put", "op name pool_put");
	tap_ok(kml_trace_op_name(0) == NULL && kml_trace_op_name(KML_OP_COUNT) == NULL,
	    "op name of NONE and COUNT is NULL");
	for (unsigned op = 1; op < KML_OP_COUNT; op++) {
		const char *name = kml_trace_op_name(op);

		tap_is(kml_trace_op_lookup(name, strlen(name)), op,
		    "lookup(%s) = %u", name, op);
		tap_ok(kml_trace_op_allocates(op) || kml_trace_op_frees(op),
		    "%s allocates or frees", name);
	}
	tap_is(kml_trace_op_lookup("kmallocx", 8), KML_OP_NONE, "lookup unknown");
	tap_is(kml_trace_op_lookup("kmalloc", 6), KML_OP_NONE, "lookup prefix");
	tap_ok(kml_trace_op_allocates(KML_OP_REALLOC) &&
	    kml_trace_op_frees(KML_OP_REALLOC), "realloc allocates and frees");
	tap_ok(!kml_trace_op_allocates(KML_OP_KFREE) &&
	    !kml_trace_op_frees(KML_OP_KMALLOC), "kfree/kmalloc one way only");
	tap_is_str(kml_trace_ctx_name(KML_CTX_SOFTIRQ), "softirq", "ctx name");
	tap_ok(kml_trace_ctx_name(KML_CTX_COUNT) == NULL, "ctx name out of range");
	tap_is_str(kml_trace_source_name(KML_TSRC_GEN), "gen", "source name");
}

/* test_header: every header field comes back; bad fields are refused. */
static void
test_header(void)
{
	struct kml_trace_header th, bad;
	const struct kml_trace_header *got;
	struct kml_trace *t;
	char err[256];
	const char *path = trace_test_path("hdr.kmt");

	kml_trace_header_init(&th, KML_TSRC_IMPORT);
	tap_is(th.th_pagesize, 4096, "default page size");
	tap_is(th.th_slots, KML_TRACE_SLOTS, "default slots");
	tap_is(th.th_blocksize, KML_TRACE_BLOCKSIZE, "default block size");
	th.th_flags = KML_THF_HASHEDPTR;
	th.th_ncpu = 2;
	th.th_pagesize = 16384;
	th.th_clock_ns = 1000;
	th.th_start_ns = 1795000000123456789ull;
	th.th_slots = 4;
	th.th_blocksize = 4096;
	snprintf(th.th_detail, sizeof(th.th_detail), "ftrace traces/raw/x.txt");
	snprintf(th.th_host, sizeof(th.th_host), "host-a");
	memset(th.th_kernel, 'k', KML_TRACE_HDRSTRMAX);
	th.th_kernel[KML_TRACE_HDRSTRMAX] = '\0';
	t = kml_trace_open_write(path, &th, err, sizeof(err));
	tap_ok(t != NULL, "open_write: %s", t ? "" : err);
	struct stat sb;

	tap_ok(stat(path, &sb) != 0, "nothing at the path before close");
	tap_is(kml_trace_close(t, err, sizeof(err)), 0, "close empty trace");
	tap_ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0644,
	    "file in place with mode 0644 (umask 022)");
	t = kml_trace_open_read(path, err, sizeof(err));
	tap_ok(t != NULL, "open_read: %s", t ? "" : err);
	if (t == NULL)
		return;
	got = kml_trace_header(t);
	tap_is(got->th_version, 1, "version");
	tap_is(got->th_flags, KML_THF_HASHEDPTR, "flags");
	tap_is(got->th_source, KML_TSRC_IMPORT, "source");
	tap_is(got->th_ncpu, 2, "ncpu");
	tap_is(got->th_pagesize, 16384, "page size");
	tap_is(got->th_clock_ns, 1000, "clock");
	tap_is(got->th_start_ns, 1795000000123456789ull, "start");
	tap_is(got->th_slots, 4, "slots");
	tap_is(got->th_blocksize, 4096, "block size");
	tap_is_str(got->th_detail, th.th_detail, "detail");
	tap_is_str(got->th_host, "host-a", "host");
	tap_is_str(got->th_kernel, th.th_kernel, "kernel of 1023 bytes");
	struct kml_trace_event ev;

	tap_is(kml_trace_next(t, &ev), 0, "no events");
	tap_is(kml_trace_trailer(t)->tt_events, 0, "trailer: 0 events");
	tap_is(kml_trace_trailer(t)->tt_ncpu, 0, "trailer: 0 cpus");
	kml_trace_close(t, NULL, 0);

	bad = th; bad.th_slots = 3;
	tap_ok(kml_trace_open_write(path, &bad, err, sizeof(err)) == NULL,
	    "slots 3 refused");
	tap_contains(err, "header: slots 3 not in 4..65536", "slots message");
	bad = th; bad.th_blocksize = 1u << 21;
	kml_trace_open_write(path, &bad, err, sizeof(err));
	tap_contains(err, "header: block size 2097152 not in 4096..1048576",
	    "block size message");
	bad = th; bad.th_pagesize = 3000;
	kml_trace_open_write(path, &bad, err, sizeof(err));
	tap_contains(err, "header: page size 3000 not a power of two", "page size message");
	bad = th; bad.th_clock_ns = 0;
	kml_trace_open_write(path, &bad, err, sizeof(err));
	tap_contains(err, "header: clock unit 0 ns", "clock message");
	bad = th; bad.th_ncpu = 4097;
	kml_trace_open_write(path, &bad, err, sizeof(err));
	tap_contains(err, "header: ncpu 4097 above 4096", "ncpu message");
	bad = th; bad.th_flags = 0x10;
	kml_trace_open_write(path, &bad, err, sizeof(err));
	tap_contains(err, "header: unknown flags 0x10", "flags message");
	bad = th; bad.th_source = 9;
	kml_trace_open_write(path, &bad, err, sizeof(err));
	tap_contains(err, "header: unknown source 9", "source message");
	tap_ok(stat(path, &sb) == 0 && sb.st_size > 0,
	    "refused opens left the existing file alone");
}

/* test_bad_events: bad fields refuse the event, not the trace. */
static void
test_bad_events(void)
{
	struct kml_trace_header th;
	struct kml_trace_event ev;
	struct kml_trace *t;
	char err[256], big[1100];
	const char *path = trace_test_path("bad.kmt");

	kml_trace_header_init(&th, KML_TSRC_TEXT);
	t = kml_trace_open_write(path, &th, err, sizeof(err));
	memset(&ev, 0, sizeof(ev));
	ev.te_op = 0;
	tap_is(kml_trace_write(t, &ev), -1, "op 0 refused");
	tap_contains(kml_trace_errmsg(t), "event 1: bad operation 0", "op 0 message");
	ev.te_op = KML_OP_COUNT;
	kml_trace_write(t, &ev);
	tap_contains(kml_trace_errmsg(t), "bad operation 19", "op 19 message");
	ev.te_op = KML_OP_KMALLOC;
	ev.te_cpu = KML_TRACE_CPUMAX;
	kml_trace_write(t, &ev);
	tap_contains(kml_trace_errmsg(t), "kmalloc: cpu 4096 not below 4096", "cpu message");
	ev.te_cpu = 0;
	ev.te_ctx = 4;
	kml_trace_write(t, &ev);
	tap_contains(kml_trace_errmsg(t), "kmalloc: bad context 4", "ctx message");
	ev.te_ctx = 0;
	ev.te_flags = 8;
	kml_trace_write(t, &ev);
	tap_contains(kml_trace_errmsg(t), "kmalloc: unknown flags 0x8", "flags message");
	ev.te_flags = 0;
	ev.te_order = 64;
	kml_trace_write(t, &ev);
	tap_contains(kml_trace_errmsg(t), "kmalloc: order 64 above 63", "order message");
	ev.te_order = 0;
	ev.te_oldptr = 1;
	kml_trace_write(t, &ev);
	tap_contains(kml_trace_errmsg(t), "kmalloc: an old pointer is only for realloc",
	    "oldptr message");
	ev.te_oldptr = 0;
	memset(big, 'a', 1024);
	big[1024] = '\0';
	ev.te_site = big;
	tap_is(kml_trace_write(t, &ev), -1, "1024-byte string refused");
	tap_contains(kml_trace_errmsg(t), "event 1: a string is longer than 1023 bytes",
	    "long string message");
	big[1023] = '\0';
	ev.te_ptr = 0x1234;
	tap_is(kml_trace_write(t, &ev), 0, "1023-byte string accepted");
	tap_is(kml_trace_write_drop(t, 0, 0), -1, "drop of 0 refused");
	tap_is(kml_trace_write_drop(t, 4096, 1), -1, "drop on cpu 4096 refused");
	tap_is(kml_trace_close(t, err, sizeof(err)), 0, "close after refusals");
	t = kml_trace_open_read(path, err, sizeof(err));
	tap_is(kml_trace_next(t, &ev), 1, "the good event is there");
	tap_is(strlen(ev.te_site), 1023, "its 1023-byte site");
	tap_is(ev.te_ptr, 0x1234, "its pointer");
	tap_is(kml_trace_next(t, &ev), 0, "and nothing else");
	kml_trace_close(t, NULL, 0);
}

/* test_roundtrip: random items with slot reuse and small blocks. */
static void
test_roundtrip(uint64_t seed, uint32_t slots, uint32_t blocksize, size_t n)
{
	struct kml_trace_header th;
	struct trace_test_item *items;
	char msg[512];
	bool mismatch;
	int rc;
	const char *path = trace_test_path("rt.kmt");

	kml_trace_header_init(&th, KML_TSRC_GEN);
	th.th_slots = slots;
	th.th_blocksize = blocksize;
	trace_test_make(path, &th, seed, n, &items);
	size_t got = trace_test_readall(path, items, n, &rc, msg, sizeof(msg),
	    &mismatch);
	tap_ok(got == n && rc == 0 && !mismatch, "seed %#llx slots %u block %u:"
	    " %zu items back exactly (got %zu, rc %d, %s%s)",
	    (unsigned long long)seed, slots, blocksize, n, got, rc,
	    mismatch ? "mismatch " : "", msg);
	free(items);
}

/*
 * test_strkeys: te_sitekey and te_cachekey on random items with few
 * slots (so slots are redefined often): a key is nonzero exactly when its
 * string is there, one key always means one text, and a text whose slot
 * was taken by another string comes back under a new key.
 */
static void
test_strkeys(uint64_t seed, uint32_t slots, size_t n)
{
	struct kml_trace_header th;
	struct trace_test_item *items;
	struct kml_trace_event ev;
	struct kml_trace *t;
	const char *path = trace_test_path("rt.kmt");
	char err[512];
	size_t cap = 4 * n + 16, events = 0;
	char (*text)[64] = calloc(cap, sizeof(*text));
	uint64_t maxkey = 0;
	int bad = 0, nokey = 0, rekeyed = 0;

	kml_trace_header_init(&th, KML_TSRC_GEN);
	th.th_slots = slots;
	trace_test_make(path, &th, seed, n, &items);
	t = kml_trace_open_read(path, err, sizeof(err));
	while (t != NULL && kml_trace_next(t, &ev) == 1) {
		const char *s[2] = { ev.te_site, ev.te_cache };
		uint64_t k[2] = { ev.te_sitekey, ev.te_cachekey };

		events++;
		for (int i = 0; i < 2; i++) {
			if ((s[i] == NULL) != (k[i] == 0)) {
				nokey++;
				continue;
			}
			if (k[i] == 0)
				continue;
			if (k[i] >= cap) {
				bad++;
				continue;
			}
			if (text[k[i]][0] == '\0')
				snprintf(text[k[i]], sizeof(text[k[i]]), "%s",
				    s[i]);
			else if (strcmp(text[k[i]], s[i]) != 0)
				bad++;
			if (k[i] > maxkey)
				maxkey = k[i];
		}
	}
	kml_trace_close(t, NULL, 0);
	/* a text under two keys: its slot was redefined in between */
	for (uint64_t a = 1; a <= maxkey && rekeyed == 0; a++)
		for (uint64_t b = a + 1; b <= maxkey; b++)
			if (text[a][0] != '\0' && strcmp(text[a], text[b]) == 0) {
				rekeyed++;
				break;
			}
	size_t want = 0;

	for (size_t i = 0; i < n; i++)
		want += items[i].it.ti_kind == KML_TI_EVENT;
	tap_is(events, want,
	    "seed %#llx slots %u: every event read", (unsigned long long)seed,
	    slots);
	tap_is(nokey, 0, "seed %#llx: a key exactly when a string is there",
	    (unsigned long long)seed);
	tap_is(bad, 0, "seed %#llx: one key, one text", (unsigned long long)seed);
	tap_ok(rekeyed > 0 && maxkey > slots, "seed %#llx: %llu keys for %u "
	    "slots; a text comes back under a new key after its slot was reused",
	    (unsigned long long)seed, (unsigned long long)maxkey, slots);
	free(text);
	free(items);
}

/*
 * trace_test_blocks: walk the frames of buf: the header length in hdrlen,
 * block starts in starts[] (their count returned).
 */
static size_t
trace_test_blocks(const uint8_t *buf, size_t len, size_t hdrlen,
    size_t *starts, size_t max)
{
	size_t n = 0, off = hdrlen;

	while (off < len && n < max) {
		size_t p = off + 1, blen = 0;
		unsigned shift = 0;

		starts[n++] = off;
		for (;;) {
			uint8_t b = buf[p++];

			blen |= (size_t)(b & 0x7f) << shift;
			shift += 7;
			if (!(b & 0x80))
				break;
		}
		off = p + 4 + blen;
	}
	return n;
}

/* test_damage: truncations and byte flips of one file. */
static void
test_damage(uint64_t seed)
{
	struct kml_trace_header th;
	struct trace_test_item *items;
	const char *path = trace_test_path("dmg.kmt");
	const char *cut = trace_test_path("cut.kmt");
	char msg[512], want[128];
	size_t len, hdrlen, starts[4096], nblk, n = 3000;
	uint8_t *buf;
	bool mismatch;
	int rc, bad;

	kml_trace_header_init(&th, KML_TSRC_GEN);
	th.th_slots = 8;
	th.th_blocksize = 4096;
	snprintf(th.th_host, sizeof(th.th_host), "damage");
	trace_test_make(path, &th, seed, n, &items);
	buf = trace_test_slurp(path, &len);
	{
		/* The header's length: an empty trace with the same header. */
		char err[256];
		struct kml_trace *w = kml_trace_open_write(cut, &th, err,
		    sizeof(err));

		hdrlen = (size_t)kml_trace_offset(w);
		kml_trace_abort(w);
	}
	nblk = trace_test_blocks(buf, len, hdrlen, starts, 4096);
	tap_ok(nblk >= 5, "seed %#llx: %zu blocks", (unsigned long long)seed, nblk);

	/* Cuts: every length through the header and 300 bytes on, then ~400 random ones. */
	size_t prevgot = 0;

	bad = 0;
	for (size_t L = 0; L < len; L++) {
		if (L > hdrlen + 300 && trace_test_below(len / 400) != 0)
			continue;
		trace_test_spew(cut, buf, L);
		size_t got = trace_test_readall(cut, items, n, &rc, msg,
		    sizeof(msg), &mismatch);

		if (L < 8)
			snprintf(want, sizeof(want), L == 0 ? "empty file" :
			    "not a kmemlab trace (bad magic at byte 0)");
		else if (L < hdrlen)
			snprintf(want, sizeof(want), "truncated at byte %zu: "
			    "the header is incomplete", L);
		else
			snprintf(want, sizeof(want), "truncated at byte %zu: "
			    "the trailer is missing, ", L);
		if (mismatch || rc != (L < hdrlen ? -2 : -1) ||
		    strstr(msg, want) == NULL || got < prevgot) {
			if (bad++ < 5)
				tap_diag("seed %#llx cut %zu: got %zu items, rc "
				    "%d, mismatch %d, '%s' (want '%s')",
				    (unsigned long long)seed, L, got, rc,
				    mismatch, msg, want);
		}
		prevgot = got;
	}
	tap_is(bad, 0, "seed %#llx: every cut gives a prefix of the items and "
	    "'truncated at byte L'", (unsigned long long)seed);
	tap_ok(prevgot > n * 9 / 10, "seed %#llx: a late cut keeps most items "
	    "(%zu of %zu)", (unsigned long long)seed, prevgot, n);

	/* A cut between blocks loses nothing. */
	trace_test_spew(cut, buf, starts[3]);
	trace_test_readall(cut, items, n, &rc, msg, sizeof(msg), &mismatch);
	snprintf(want, sizeof(want), "truncated at byte %zu: the trailer is "
	    "missing, 0 bytes after the last whole record lost", starts[3]);
	tap_contains(msg, want, "cut at a block boundary: 0 bytes lost");

	/* Flips: every one is an error naming its block, never a success. */
	bad = 0;
	for (int k = 0; k < 600; k++) {
		size_t at = trace_test_below(len);
		uint8_t bit = (uint8_t)(1u << trace_test_below(8));
		size_t b = 0;

		buf[at] ^= bit;
		trace_test_spew(cut, buf, len);
		buf[at] ^= bit;
		size_t got = trace_test_readall(cut, items, n, &rc, msg,
		    sizeof(msg), &mismatch);

		while (b + 1 < nblk && starts[b + 1] <= at)
			b++;
		if (at < hdrlen) {
			if (rc == -2 && msg[0] != '\0')
				continue;
		} else {
			/*
			 * The block's own offset, or (a flipped length)
			 * a truncation or the next frame looking wrong.
			 */
			snprintf(want, sizeof(want), "byte %zu: ", starts[b]);
			if (rc == -1 && !mismatch && (strstr(msg, want) != NULL ||
			    (at <= starts[b] + 3 && (strstr(msg, "truncated") != NULL ||
			    strstr(msg, "byte ") != NULL))))
				continue;
		}
		if (bad++ < 5)
			tap_diag("seed %#llx flip %zu^%#x (block %zu at %zu): got "
			    "%zu, rc %d, mismatch %d, '%s'", (unsigned long long)seed,
			    at, bit, b, starts[b], got, rc, mismatch, msg);
	}
	tap_is(bad, 0, "seed %#llx: 600 bit flips each give an error naming "
	    "the damaged block", (unsigned long long)seed);

	/* Data after the trailer. */
	uint8_t *more = malloc(len + 1);

	memcpy(more, buf, len);
	more[len] = 0;
	trace_test_spew(cut, more, len + 1);
	trace_test_readall(cut, items, n, &rc, msg, sizeof(msg), &mismatch);
	snprintf(want, sizeof(want), "byte %zu: data after the trailer", len);
	tap_contains(msg, want, "a byte after the trailer is an error");
	free(more);
	free(buf);
	free(items);
}

/* test_not_traces: files that are not traces. */
static void
test_not_traces(void)
{
	const char *path = trace_test_path("x.txt");
	char err[256];
	uint8_t v2[16];

	trace_test_spew(path, (const uint8_t *)"# tracer: nop\n", 14);
	tap_ok(kml_trace_open_read(path, err, sizeof(err)) == NULL, "text refused");
	tap_contains(err, "x.txt: not a kmemlab trace (bad magic at byte 0)",
	    "text: bad magic message");
	memcpy(v2, KML_TRACE_MAGIC, 8);
	v2[8] = 2; v2[9] = 0;
	memset(v2 + 10, 0, 6);
	trace_test_spew(path, v2, 16);
	kml_trace_open_read(path, err, sizeof(err));
	tap_contains(err, "unsupported trace version 2 (this kmemlab reads version 1)",
	    "version 2 message");
	kml_trace_open_read(trace_test_path("missing.kmt"), err, sizeof(err));
	tap_contains(err, "missing.kmt: No such file or directory", "missing file message");
}

/* test_write_errors: a full disk, a missing directory. */
static void
test_write_errors(void)
{
	struct kml_trace_header th;
	struct kml_trace_event ev;
	struct kml_trace *t;
	char err[256];
	FILE *fp;

	kml_trace_header_init(&th, KML_TSRC_GEN);
	tap_ok(kml_trace_open_write("/nonexistent-dir/x.kmt", &th, err,
	    sizeof(err)) == NULL, "missing directory refused");
	tap_contains(err, "/nonexistent-dir/x.kmt: No such file or directory",
	    "missing directory message");
	fp = fopen("/dev/full", "wb");
	if (fp == NULL) {
		tap_ok(1, "# SKIP no /dev/full");
		return;
	}
	t = kml_trace_fdopen_write(fp, "/dev/full", &th, err, sizeof(err));
	memset(&ev, 0, sizeof(ev));
	ev.te_op = KML_OP_KMALLOC;
	int rc = 0;

	for (int i = 0; i < 200000 && rc == 0; i++) {
		ev.te_ptr = (uint64_t)i * 64;
		ev.te_ts = (uint64_t)i;
		rc = kml_trace_write(t, &ev);
	}
	if (rc == 0)
		rc = kml_trace_flush(t);
	tap_is(rc, -1, "writing to a full disk fails");
	tap_contains(kml_trace_errmsg(t), "/dev/full: No space left on device",
	    "full disk message");
	tap_is(kml_trace_write(t, &ev), -1, "later writes fail too");
	tap_is(kml_trace_close(t, err, sizeof(err)), -1, "close reports it");
	fclose(fp);
}

/* test_device: a trace written to a device goes to the device. */
static void
test_device(void)
{
	struct kml_trace_header th;
	struct kml_trace *t;
	struct stat sb;
	char err[256];
	const char *path = trace_test_path("null");

	/* A private copy of /dev/null (needs root, as in CI). */
	if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) != 0) {
		tap_ok(1, "# SKIP mknod: %s", strerror(errno));
		tap_ok(1, "# SKIP mknod");
		return;
	}
	kml_trace_header_init(&th, KML_TSRC_GEN);
	t = kml_trace_open_write(path, &th, err, sizeof(err));
	tap_ok(t != NULL && kml_trace_close(t, err, sizeof(err)) == 0,
	    "a trace written to a character device");
	tap_ok(stat(path, &sb) == 0 && S_ISCHR(sb.st_mode),
	    "the device is still a device (no temporary file renamed over it)");
	unlink(path);
}

/* test_compact: a repetitive trace is small. */
static void
test_compact(void)
{
	/* The same few call paths over and over: what real traces look like. */
	struct kml_trace_header th;
	struct kml_trace_event ev;
	struct kml_trace *t;
	char err[256];
	const char *path = trace_test_path("compact.kmt");
	static const char *const sites[] = { "getname+0x24", "alloc_file+0x3c",
	    "putname+0x50", "fput+0x141" };

	kml_trace_header_init(&th, KML_TSRC_GEN);
	t = kml_trace_open_write(path, &th, err, sizeof(err));
	memset(&ev, 0, sizeof(ev));
	ev.te_comm = "open-loop";
	ev.te_pid = ev.te_tid = 4242;
	for (int i = 0; i < 10000; i++) {
		ev.te_ts += 3;
		ev.te_site = sites[i % 4];
		ev.te_op = (i % 4) < 2 ? KML_OP_CACHE_ALLOC : KML_OP_CACHE_FREE;
		ev.te_cache = (i % 2) == 0 ? "names_cache" : "filp";
		ev.te_size = (i % 4) < 2 ? ((i % 2) == 0 ? 4096 : 184) : 0;
		ev.te_alloc = (i % 4) < 2 ? ((i % 2) == 0 ? 4096 : 192) : 0;
		ev.te_ptr = 0xffff888100000000ull + (uint64_t)((i / 4) % 7) * 4096 +
		    (uint64_t)(i % 2) * 0x10000000;
		kml_trace_write(t, &ev);
	}
	kml_trace_close(t, err, sizeof(err));
	struct stat sb;

	stat(path, &sb);
	tap_ok(sb.st_size < 10000 * 4, "a repetitive trace costs under 4 "
	    "bytes per event (%lld bytes for 10000)", (long long)sb.st_size);
}

int
main(void)
{
	snprintf(trace_test_dir, sizeof(trace_test_dir), "/tmp/trace_test.XXXXXX");
	if (mkdtemp(trace_test_dir) == NULL)
		tap_bail("mkdtemp: %s", strerror(errno));
	umask(022);
	test_names();
	test_header();
	test_bad_events();
	test_roundtrip(0x6b6d6c01, KML_TRACE_SLOTS, KML_TRACE_BLOCKSIZE, 50000);
	test_roundtrip(0x6b6d6c02, 4, 4096, 20000);
	test_roundtrip(0x6b6d6c03, 8, 4096, 20000);
	test_strkeys(0x6b6d6c06, 4, 20000);
	test_damage(0x6b6d6c04);
	test_damage(0x6b6d6c05);
	test_not_traces();
	test_write_errors();
	test_device();
	test_compact();
	/* Clean up the directory. */
	static const char *const names[] = { "hdr.kmt", "bad.kmt", "rt.kmt",
	    "dmg.kmt", "cut.kmt", "x.txt", "compact.kmt" };
	for (size_t i = 0; i < NITEMS(names); i++)
		unlink(trace_test_path(names[i]));
	rmdir(trace_test_dir);
	return tap_done();
}
