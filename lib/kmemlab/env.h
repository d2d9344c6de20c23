/*
 * kmemlab/env.h: the kernel environment that the allocators run on.
 *
 * Every allocator in libkmemlab is written like kernel code against this
 * small interface, in the spirit of NetBSD's rump kernels.  The interface
 * answers the questions kernel code asks of its surroundings:
 *
 *   1. Which CPU am I on, how many are there, which thread is running, and
 *      is it thread, softirq or hardirq context?  (kml_curcpu, kml_ncpu,
 *      kml_curtid, kml_context, kml_intr_p)
 *   2. What time is it?  Time is virtual: each CPU has its own clock in
 *      virtual nanoseconds, and every step of an allocator charges its cost
 *      to the clock of the CPU that runs it (kml_now, kml_delay, and
 *      kml_charge from kmemlab/cost.h).
 *   3. Locks (struct kml_mutex): held for virtual time.  A lock remembers
 *      when its last holder released it; a CPU whose clock is earlier than
 *      that instant waits, and the wait is charged and counted.  Every lock
 *      keeps acquisitions, contended acquisitions, wait and hold time.
 *   4. Wait channels (struct kml_wchan): kml_sleep releases an interlock,
 *      blocks the current virtual thread until kml_wakeup, and takes the
 *      interlock again.  An environment that can prove nobody will ever
 *      call kml_wakeup (every other thread blocked, or there is no other
 *      thread) returns KML_EDEADLK instead of blocking, so the caller can
 *      report a deadlock rather than loop forever.
 *   5. Assertions and panics that name the structure and the violated
 *      condition (KML_ASSERT, KML_ASSERTMSG, kml_panic).
 *
 * An environment is a table of operations (struct kml_env_ops).  The
 * library starts on the uniprocessor environment (kml_env_uni): one CPU,
 * one thread, thread context, a clock that only moves when costs are
 * charged, and no other thread to wake a sleeper.  The virtual multi-CPU
 * scheduler installs its own table with kml_env_set.
 *
 * Locking rule for environments: the operations are called with no kmemlab
 * lock held, except sleep, which is called after kml_sleep has released the
 * interlock and before it takes it again.
 */
#ifndef KMEMLAB_ENV_H
#define KMEMLAB_ENV_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most virtual CPUs any environment may report (per-CPU arrays are sized by kml_ncpu()). */
#define KML_MAXCPUS 1024

/* kml_sleep result: the environment proved that no wakeup can ever come. */
#define KML_EDEADLK 35

/* Virtual time in nanoseconds. */
typedef uint64_t kml_vtime_t;

/* Execution context of the current virtual thread. */
enum kml_context {
	KML_CTX_THREAD = 0,	/* process or kernel thread: may sleep */
	KML_CTX_SOFTIRQ = 1,	/* software interrupt: never sleeps */
	KML_CTX_HARDIRQ = 2	/* hardware interrupt: never sleeps */
};

/* Lock statistics: one per lock, updated by kml_mutex_enter/exit. */
struct kml_lockstat {
	uint64_t ls_acquire;	/* # of acquisitions */
	uint64_t ls_contended;	/* # of acquisitions that had to wait */
	uint64_t ls_wait_ns;	/* virtual ns spent waiting, all acquisitions */
	uint64_t ls_max_wait_ns; /* longest single wait, virtual ns */
	uint64_t ls_hold_ns;	/* virtual ns held, all acquisitions */
};

/*
 * A mutex held for virtual time.
 * m_free_at is the virtual instant its last holder let go: an acquirer
 * whose clock is earlier waits until then.
 */
struct kml_mutex {
	const char *m_name;		/* for reports; not copied */
	int m_owner_cpu;		/* CPU holding it, or -1 */
	uint64_t m_owner_tid;		/* thread holding it */
	kml_vtime_t m_acquired_at;	/* when the holder got it */
	kml_vtime_t m_free_at;		/* when the last holder released it */
	struct kml_lockstat m_stat;	/* counters, see above */
};

/* A wait channel: where threads sleep until a wakeup. */
struct kml_wchan {
	const char *wc_name;	/* for reports; not copied */
	unsigned wc_nwaiters;	/* threads sleeping on it now */
	uint64_t wc_sleeps;	/* # of kml_sleep calls */
	uint64_t wc_wakeups;	/* # of kml_wakeup calls that found sleepers */
	uint64_t wc_sleep_ns;	/* virtual ns slept, all sleeps */
	uint64_t wc_deadlocks;	/* # of sleeps refused with KML_EDEADLK */
};

/*
 * The operations an environment provides.  arg is the pointer given to
 * kml_env_set.  Every member is required except eo_lockwait.
 */
struct kml_env_ops {
	const char *eo_name;				/* "uniprocessor", "vsched" */
	unsigned (*eo_ncpu)(void *arg);			/* number of CPUs, 1..KML_MAXCPUS */
	unsigned (*eo_curcpu)(void *arg);		/* current CPU, 0..ncpu-1 */
	uint64_t (*eo_curtid)(void *arg);		/* current thread id */
	enum kml_context (*eo_context)(void *arg);	/* current context */
	kml_vtime_t (*eo_now)(void *arg);		/* current CPU's clock */
	void (*eo_advance)(void *arg, kml_vtime_t ns);	/* move current CPU's clock on
							   (never in observer mode) */
	/*
	 * Block the current thread on wc until kml_wakeup(wc).  Returns 0
	 * after the wakeup, or KML_EDEADLK when no wakeup can ever come; in
	 * that case it writes a one-line explanation into why[0..len).
	 */
	int (*eo_sleep)(void *arg, struct kml_wchan *wc, char *why, unsigned len);
	/* Make every thread sleeping on wc runnable. */
	void (*eo_wakeup)(void *arg, struct kml_wchan *wc);
	/*
	 * Optional (NULL: not told): kml_mutex_enter is about to make the
	 * current CPU wait ns virtual ns for a lock (the eo_advance of the
	 * wait follows), so that the environment can count lock waits apart
	 * from the costs charged.  Never called in observer mode.
	 */
	void (*eo_lockwait)(void *arg, kml_vtime_t ns);
};

/*
 * kml_env_set: install an environment.
 * => ops == NULL restores the uniprocessor environment.
 * => no kmemlab lock may be held and no thread may be sleeping.
 */
void kml_env_set(const struct kml_env_ops *ops, void *arg);

/*
 * kml_env_observe: enter (on) or leave observer mode; returns the mode it
 * was in (to restore it).  An observer reads statistics between events
 * (time series, dashboards, the results at the end), or checks arguments
 * in a way the simulated kernel would not (kmem's live map, pool_cache's
 * ownership check): in observer mode no virtual time passes (kml_delay
 * and kml_charge do nothing) and locks are taken and released without
 * being counted or waited for, so looking at the stack never changes what
 * it does.  kml_env_observing: true in observer mode.
 */
bool kml_env_observe(bool on);
bool kml_env_observing(void);

/* kml_env_name: the name of the installed environment. */
const char *kml_env_name(void);

/*
 * kml_env_uni_reset: put the uniprocessor environment back to its initial
 * state (clock 0, thread 0, thread context).  For tests and benchmarks.
 */
void kml_env_uni_reset(void);

/* kml_env_uni_set_context: run the uniprocessor's only thread in context c. */
void kml_env_uni_set_context(enum kml_context c);

unsigned kml_ncpu(void);
unsigned kml_curcpu(void);
uint64_t kml_curtid(void);
enum kml_context kml_context(void);
/* kml_intr_p: true in softirq or hardirq context, where sleeping is forbidden. */
bool kml_intr_p(void);
kml_vtime_t kml_now(void);
/* kml_delay: charge ns virtual nanoseconds to the current CPU. */
void kml_delay(kml_vtime_t ns);

/* ---- locks */

/* kml_mutex_init: an unowned lock with zero statistics.  name is not copied. */
void kml_mutex_init(struct kml_mutex *m, const char *name);

/* kml_mutex_destroy: => m is not held. */
void kml_mutex_destroy(struct kml_mutex *m);

/*
 * kml_mutex_enter: take m.
 * => m is not held by the current thread (that is a panic: locking
 *    against myself).
 * => if the current CPU's clock is before m's release instant, the CPU
 *    waits until then; the wait is charged to the CPU and counted.
 */
void kml_mutex_enter(struct kml_mutex *m);

/* kml_mutex_exit: release m.  => m is held by the current thread. */
void kml_mutex_exit(struct kml_mutex *m);

/* kml_mutex_owned: true if the current thread holds m. */
bool kml_mutex_owned(const struct kml_mutex *m);

/* ---- wait channels */

/* kml_wchan_init: a channel with no sleepers.  name is not copied. */
void kml_wchan_init(struct kml_wchan *wc, const char *name);

/*
 * kml_sleep: sleep on wc.
 * => interlock is held by the current thread; it is released while
 *    asleep and held again on return, whatever the result.
 * => must not be called in interrupt context (a panic).
 * => returns 0 after a wakeup (the caller re-checks its condition), or
 *    KML_EDEADLK when the environment proves no wakeup can ever come.
 */
int kml_sleep(struct kml_wchan *wc, struct kml_mutex *interlock);

/* kml_wakeup: wake every thread sleeping on wc.  Cheap when there are none. */
void kml_wakeup(struct kml_wchan *wc);

/* kml_last_deadlock: the explanation of the most recent KML_EDEADLK, or "". */
const char *kml_last_deadlock(void);

/* ---- assertions and panics */

/* The panic handler is called with the message; it must not return. */
typedef void (*kml_panic_handler_t)(const char *msg);

/*
 * kml_set_panic_handler: install h (NULL: the default, which prints
 * "kmemlab: panic: MSG" on stderr and aborts).  Returns the old handler.
 * Tests install a handler that longjmps.
 */
kml_panic_handler_t kml_set_panic_handler(kml_panic_handler_t h);

/* kml_panic: format a message and call the panic handler.  Never returns. */
void kml_panic(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

#define KML_ASSERT(cond)						\
	do {								\
		if (__builtin_expect(!(cond), 0))			\
			kml_panic("assertion \"%s\" failed: %s:%d: %s",	\
			    #cond, __FILE__, __LINE__, __func__);	\
	} while (0)

/* KML_ASSERTMSG: like KML_ASSERT, with a description of the structure involved. */
#define KML_ASSERTMSG(cond, ...)					\
	do {								\
		if (__builtin_expect(!(cond), 0))			\
			kml_panic_assert(#cond, __FILE__, __LINE__,	\
			    __func__, __VA_ARGS__);			\
	} while (0)

void kml_panic_assert(const char *cond, const char *file, int line,
    const char *func, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 5, 6)));

#ifdef __cplusplus
}
#endif

#endif /* KMEMLAB_ENV_H */
