/*
 * lib/env_uni.c: the uniprocessor environment.
 *
 * One CPU (0), one thread (0), a context the caller may set, and a virtual
 * clock that moves only when costs are charged.  Since there is no other
 * thread, nothing could ever wake a sleeper: every sleep is refused with
 * KML_EDEADLK and an explanation, which is what turns a VM_SLEEP request
 * that cannot be satisfied into a deadlock report instead of a hang.
 */
#include "config.h"

#include <stdio.h>

#include <kmemlab/env.h>

static struct {
	kml_vtime_t clock;		/* virtual ns */
	enum kml_context ctx;		/* context of the only thread */
} uni;

static unsigned
uni_ncpu(void *arg)
{
	(void)arg;
	return 1;
}

static unsigned
uni_curcpu(void *arg)
{
	(void)arg;
	return 0;
}

static uint64_t
uni_curtid(void *arg)
{
	(void)arg;
	return 0;
}

static enum kml_context
uni_context(void *arg)
{
	(void)arg;
	return uni.ctx;
}

static kml_vtime_t
uni_now(void *arg)
{
	(void)arg;
	return uni.clock;
}

static void
uni_advance(void *arg, kml_vtime_t ns)
{
	(void)arg;
	uni.clock += ns;
}

static int
uni_sleep(void *arg, struct kml_wchan *wc, char *why, unsigned len)
{
	(void)arg;
	snprintf(why, len, "deadlock: thread 0 on cpu 0 would sleep on \"%s\" "
	    "forever: the uniprocessor environment has no other thread to "
	    "wake it", wc->wc_name);
	return KML_EDEADLK;
}

static void
uni_wakeup(void *arg, struct kml_wchan *wc)
{
	(void)arg;
	(void)wc;
}

const struct kml_env_ops kml_env_uni_ops = {
	.eo_name = "uniprocessor",
	.eo_ncpu = uni_ncpu,
	.eo_curcpu = uni_curcpu,
	.eo_curtid = uni_curtid,
	.eo_context = uni_context,
	.eo_now = uni_now,
	.eo_advance = uni_advance,
	.eo_sleep = uni_sleep,
	.eo_wakeup = uni_wakeup,
};

void
kml_env_uni_reset(void)
{
	uni.clock = 0;
	uni.ctx = KML_CTX_THREAD;
}

void
kml_env_uni_set_context(enum kml_context c)
{
	uni.ctx = c;
}
