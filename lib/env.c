/*
 * lib/env.c: the kernel environment interface (see kmemlab/env.h).
 *
 * This file holds what every environment shares: dispatch to the installed
 * operations table, locks held for virtual time, wait channels, and the
 * panic and assertion helpers.  The uniprocessor environment itself is in
 * env_uni.c.
 *
 * Locks.  The simulation runs on one host thread; "holding" a lock means
 * that a virtual CPU is inside a critical section.  What makes contention
 * real is time: a lock remembers the virtual instant m_free_at at which its
 * last holder released it.  A CPU that wants the lock at an earlier instant
 * on its own clock must wait until m_free_at; the wait is charged to its
 * clock and counted (ls_contended, ls_wait_ns).  A scheduler that runs
 * events in virtual-time order therefore sees the contention a real
 * machine would.  Holding a lock across a context switch is forbidden
 * (kernel mutexes are not held while sleeping): kml_sleep releases its
 * interlock first.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmemlab/env.h>
#include <kmemlab/cost.h>

extern const struct kml_env_ops kml_env_uni_ops;

static const struct kml_env_ops *env_ops = &kml_env_uni_ops;
static void *env_arg;
static kml_panic_handler_t env_panic_handler;
static char env_deadlock[256];
static bool env_observing;		/* kml_env_observe */

void
kml_env_set(const struct kml_env_ops *ops, void *arg)
{
	if (ops == NULL) {
		env_ops = &kml_env_uni_ops;
		env_arg = NULL;
		return;
	}
	KML_ASSERT(ops->eo_ncpu && ops->eo_curcpu && ops->eo_curtid &&
	    ops->eo_context && ops->eo_now && ops->eo_advance &&
	    ops->eo_sleep && ops->eo_wakeup);
	env_ops = ops;
	env_arg = arg;
}

bool
kml_env_observe(bool on)
{
	bool was = env_observing;

	env_observing = on;
	return was;
}

bool
kml_env_observing(void)
{
	return env_observing;
}

const char *
kml_env_name(void)
{
	return env_ops->eo_name;
}

unsigned
kml_ncpu(void)
{
	return env_ops->eo_ncpu(env_arg);
}

unsigned
kml_curcpu(void)
{
	return env_ops->eo_curcpu(env_arg);
}

uint64_t
kml_curtid(void)
{
	return env_ops->eo_curtid(env_arg);
}

enum kml_context
kml_context(void)
{
	return env_ops->eo_context(env_arg);
}

bool
kml_intr_p(void)
{
	return env_ops->eo_context(env_arg) != KML_CTX_THREAD;
}

kml_vtime_t
kml_now(void)
{
	return env_ops->eo_now(env_arg);
}

void
kml_delay(kml_vtime_t ns)
{
	if (ns != 0 && !env_observing)
		env_ops->eo_advance(env_arg, ns);
}

/* ---- locks */

void
kml_mutex_init(struct kml_mutex *m, const char *name)
{
	memset(m, 0, sizeof(*m));
	m->m_name = name;
	m->m_owner_cpu = -1;
}

void
kml_mutex_destroy(struct kml_mutex *m)
{
	KML_ASSERTMSG(m->m_owner_cpu == -1,
	    "mutex \"%s\" destroyed while held by cpu %d", m->m_name,
	    m->m_owner_cpu);
}

void
kml_mutex_enter(struct kml_mutex *m)
{
	unsigned cpu = kml_curcpu();
	uint64_t tid = kml_curtid();
	kml_vtime_t now, wait;

	KML_ASSERTMSG(!(m->m_owner_cpu >= 0 && (unsigned)m->m_owner_cpu == cpu &&
	    m->m_owner_tid == tid), "mutex \"%s\": locking against myself",
	    m->m_name);
	KML_ASSERTMSG(m->m_owner_cpu == -1,
	    "mutex \"%s\" held by cpu %d thread %llu across a context switch",
	    m->m_name, m->m_owner_cpu, (unsigned long long)m->m_owner_tid);
	m->m_owner_cpu = (int)cpu;
	m->m_owner_tid = tid;
	if (env_observing)
		return;
	now = kml_now();
	m->m_stat.ls_acquire++;
	if (m->m_free_at > now) {
		wait = m->m_free_at - now;
		m->m_stat.ls_contended++;
		m->m_stat.ls_wait_ns += wait;
		if (wait > m->m_stat.ls_max_wait_ns)
			m->m_stat.ls_max_wait_ns = wait;
		if (env_ops->eo_lockwait != NULL)
			env_ops->eo_lockwait(env_arg, wait);
		kml_delay(wait);
	}
	kml_charge(KML_COST_LOCK, 1);
	m->m_acquired_at = kml_now();
}

void
kml_mutex_exit(struct kml_mutex *m)
{
	kml_vtime_t now;

	KML_ASSERTMSG(kml_mutex_owned(m),
	    "mutex \"%s\" released by a thread that does not hold it",
	    m->m_name);
	if (env_observing) {
		m->m_owner_cpu = -1;
		return;
	}
	now = kml_now();
	m->m_stat.ls_hold_ns += now - m->m_acquired_at;
	if (now > m->m_free_at)
		m->m_free_at = now;
	m->m_owner_cpu = -1;
}

bool
kml_mutex_owned(const struct kml_mutex *m)
{
	return m->m_owner_cpu >= 0 && (unsigned)m->m_owner_cpu == kml_curcpu() &&
	    m->m_owner_tid == kml_curtid();
}

/* ---- wait channels */

void
kml_wchan_init(struct kml_wchan *wc, const char *name)
{
	memset(wc, 0, sizeof(*wc));
	wc->wc_name = name;
}

int
kml_sleep(struct kml_wchan *wc, struct kml_mutex *interlock)
{
	kml_vtime_t start;
	int error;

	KML_ASSERTMSG(!kml_intr_p(), "sleep on \"%s\" in interrupt context",
	    wc->wc_name);
	KML_ASSERT(interlock == NULL || kml_mutex_owned(interlock));
	wc->wc_sleeps++;
	wc->wc_nwaiters++;
	if (interlock != NULL)
		kml_mutex_exit(interlock);
	start = kml_now();
	error = env_ops->eo_sleep(env_arg, wc, env_deadlock,
	    sizeof(env_deadlock));
	wc->wc_sleep_ns += kml_now() - start;
	wc->wc_nwaiters--;
	if (error == KML_EDEADLK)
		wc->wc_deadlocks++;
	if (interlock != NULL)
		kml_mutex_enter(interlock);
	return error;
}

void
kml_wakeup(struct kml_wchan *wc)
{
	if (wc->wc_nwaiters == 0)
		return;
	wc->wc_wakeups++;
	env_ops->eo_wakeup(env_arg, wc);
}

const char *
kml_last_deadlock(void)
{
	return env_deadlock;
}

/* ---- panics */

kml_panic_handler_t
kml_set_panic_handler(kml_panic_handler_t h)
{
	kml_panic_handler_t old = env_panic_handler;

	env_panic_handler = h;
	return old;
}

static void __attribute__((noreturn))
env_vpanic(const char *prefix, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	n = (size_t)snprintf(msg, sizeof(msg), "%s", prefix);
	if (n < sizeof(msg))
		vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	if (env_panic_handler != NULL)
		env_panic_handler(msg);
	fprintf(stderr, "kmemlab: panic: %s\n", msg);
	fflush(stderr);
	abort();
}

void
kml_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	env_vpanic("", fmt, ap);
}

void
kml_panic_assert(const char *cond, const char *file, int line,
    const char *func, const char *fmt, ...)
{
	char prefix[512];
	va_list ap;

	snprintf(prefix, sizeof(prefix),
	    "assertion \"%s\" failed: %s:%d: %s: ", cond, file, line, func);
	va_start(ap, fmt);
	env_vpanic(prefix, fmt, ap);
}
