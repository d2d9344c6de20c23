/*
 * tests/fakeenv.c: see fakeenv.h.
 */
#include <stdio.h>
#include <string.h>

#include <kmemlab/env.h>

#include "fakeenv.h"
#include "tap.h"

struct fakeenv fakeenv;

/* ---- the operations: each reads or moves the state in fakeenv */

static unsigned
fakeenv_ncpu(void *arg)
{
	(void)arg;
	return fakeenv.fe_ncpu;
}

static unsigned
fakeenv_curcpu(void *arg)
{
	(void)arg;
	return fakeenv.fe_cur;
}

static uint64_t
fakeenv_curtid(void *arg)
{
	(void)arg;
	return fakeenv.fe_tid[fakeenv.fe_cur];
}

static enum kml_context
fakeenv_context(void *arg)
{
	(void)arg;
	return fakeenv.fe_ctx;
}

static kml_vtime_t
fakeenv_now(void *arg)
{
	(void)arg;
	return fakeenv.fe_clock[fakeenv.fe_cur];
}

static void
fakeenv_advance(void *arg, kml_vtime_t ns)
{
	(void)arg;
	fakeenv.fe_clock[fakeenv.fe_cur] += ns;
}

/*
 * fakeenv_sleep: count the sleep and remember the channel, then let the
 * hook decide (no hook: refuse); a refusal is counted and explained.
 */
static int
fakeenv_sleep(void *arg, struct kml_wchan *wc, char *why, unsigned len)
{
	unsigned n = ++fakeenv.fe_nsleep;
	int rc;

	(void)arg;
	snprintf(fakeenv.fe_sleepname, sizeof(fakeenv.fe_sleepname), "%s",
	    wc->wc_name);
	fakeenv.fe_woken = false;
	if (len > 0)
		why[0] = '\0';
	if (fakeenv.fe_on_sleep != NULL)
		rc = fakeenv.fe_on_sleep(wc, n, why, len, fakeenv.fe_arg);
	else
		rc = KML_EDEADLK;
	if (rc != 0 && rc != KML_EDEADLK)
		tap_bail("fakeenv: sleep hook returned %d", rc);
	if (rc == KML_EDEADLK) {
		fakeenv.fe_nrefused++;
		if (len > 0 && why[0] == '\0')
			snprintf(why, len, "deadlock: fake: nobody woke \"%s\"",
			    wc->wc_name);
	}
	return rc;
}

/* fakeenv_wakeup: count and remember the wakeup. */
static void
fakeenv_wakeup(void *arg, struct kml_wchan *wc)
{
	(void)arg;
	fakeenv.fe_nwakeup++;
	fakeenv.fe_woken = true;
	fakeenv.fe_wakechan = wc;
	snprintf(fakeenv.fe_wakename, sizeof(fakeenv.fe_wakename), "%s",
	    wc->wc_name);
}

struct kml_env_ops fakeenv_ops = {
	.eo_name = "fakeenv",
	.eo_ncpu = fakeenv_ncpu,
	.eo_curcpu = fakeenv_curcpu,
	.eo_curtid = fakeenv_curtid,
	.eo_context = fakeenv_context,
	.eo_now = fakeenv_now,
	.eo_advance = fakeenv_advance,
	.eo_sleep = fakeenv_sleep,
	.eo_wakeup = fakeenv_wakeup,
};

/* ---- set-up */

void
fakeenv_install(const char *name, unsigned ncpu, uint64_t tid0)
{
	if (ncpu < 1 || ncpu > FAKEENV_MAXCPUS)
		tap_bail("fakeenv: %u CPUs, not 1..%d", ncpu, FAKEENV_MAXCPUS);
	memset(&fakeenv, 0, sizeof(fakeenv));
	fakeenv.fe_name = name;
	fakeenv.fe_ncpu = ncpu;
	fakeenv.fe_ctx = KML_CTX_THREAD;
	for (unsigned i = 0; i < ncpu; i++)
		fakeenv.fe_tid[i] = tid0 + i;
	fakeenv_ops.eo_name = name;
	kml_env_set(&fakeenv_ops, &fakeenv);
}

void
fakeenv_remove(void)
{
	kml_env_set(NULL, NULL);
}

unsigned
fakeenv_switch(unsigned cpu)
{
	unsigned old = fakeenv.fe_cur;

	if (cpu >= fakeenv.fe_ncpu)
		tap_bail("fakeenv: switch to CPU %u of %u", cpu,
		    fakeenv.fe_ncpu);
	fakeenv.fe_cur = cpu;
	return old;
}

int
fakeenv_other_wakes(struct kml_wchan *wc, unsigned nsleep, char *why,
    unsigned len, void *arg)
{
	unsigned me;

	(void)wc;
	(void)why;
	(void)len;
	(void)arg;
	me = fakeenv_switch(fakeenv.fe_other_cpu);
	if (fakeenv.fe_other != NULL)
		fakeenv.fe_other(nsleep);
	fakeenv_switch(me);
	return fakeenv.fe_woken ? 0 : KML_EDEADLK;
}

/* ---- catching panics */

jmp_buf fakeenv_jmp;
char fakeenv_panicmsg[1024];
bool fakeenv_caught;
bool fakeenv_trying;
unsigned fakeenv_npanics;

void
fakeenv_panic(const char *msg)
{
	if (!fakeenv_trying)
		tap_bail("unexpected panic: %s", msg);
	snprintf(fakeenv_panicmsg, sizeof(fakeenv_panicmsg), "%s", msg);
	fakeenv_npanics++;
	longjmp(fakeenv_jmp, 1);
}
