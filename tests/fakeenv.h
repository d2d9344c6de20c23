/*
 * tests/fakeenv.h: a configurable fake kernel environment and a panic
 * catcher for the C tests.
 *
 * The fake environment (struct fakeenv, one instance: fakeenv) is a
 * struct kml_env_ops table over public state that a test reads and
 * changes between calls: up to FAKEENV_MAXCPUS virtual CPUs, one virtual
 * clock per CPU, the current CPU (fe_cur, or fakeenv_switch), the thread
 * running on each CPU (fe_tid) and the context of the current thread
 * (fe_ctx).  Sleeping is the test's: eo_sleep counts the sleep, then asks
 * the hook fe_on_sleep (as if other threads ran while the caller sleeps)
 * whether the sleeper was woken (0) or can never be (KML_EDEADLK); with
 * no hook every sleep is refused.  eo_wakeup is counted and remembered.
 *
 * The panic catcher: fakeenv_panic is a kml panic handler that records
 * the message and longjmps back into the FAKEENV_TRY that is running; a
 * panic outside FAKEENV_TRY bails out of the test.
 */
#ifndef FAKEENV_H
#define FAKEENV_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include <kmemlab/env.h>

/* Most virtual CPUs of the fake environment. */
#define FAKEENV_MAXCPUS 16

/*
 * A sleep hook: the current thread sleeps on wc; this is sleep number
 * nsleep (from 1): fe_nsleep after the count (a test may reset fe_nsleep).
 * => runs on the sleeper's CPU with the interlock released; it may switch
 *    CPUs to act as other threads, and must switch back before returning.
 * => returns 0 (woken) or KML_EDEADLK (no wakeup can come); for
 *    KML_EDEADLK it may write the explanation into why[0..len), which is
 *    "" on entry; if it leaves it empty, the explanation is
 *    "deadlock: fake: nobody woke \"NAME\"".
 */
typedef int fakeenv_sleep_fn(struct kml_wchan *wc, unsigned nsleep,
    char *why, unsigned len, void *arg);

struct fakeenv {
	/* set by fakeenv_install; the test may change them between calls */
	const char *fe_name;		/* eo_name; not copied */
	unsigned fe_ncpu;		/* CPUs, 1..FAKEENV_MAXCPUS */
	unsigned fe_cur;		/* current CPU, 0..fe_ncpu-1 */
	enum kml_context fe_ctx;	/* context of the current thread */
	kml_vtime_t fe_clock[FAKEENV_MAXCPUS];	/* each CPU's clock */
	uint64_t fe_tid[FAKEENV_MAXCPUS];	/* thread running on each CPU */
	fakeenv_sleep_fn *fe_on_sleep;	/* eo_sleep's hook; NULL: refuse */
	void *fe_arg;			/* its arg */
	/* for the ready-made hook fakeenv_other_wakes */
	void (*fe_other)(unsigned nsleep);	/* another thread's work */
	unsigned fe_other_cpu;		/* the CPU it runs on */

	/* what happened (zeroed by fakeenv_install; a test may reset them) */
	unsigned fe_nsleep;		/* # of eo_sleep calls */
	unsigned fe_nrefused;		/* # of them that returned KML_EDEADLK */
	unsigned fe_nwakeup;		/* # of eo_wakeup calls */
	bool fe_woken;			/* eo_wakeup called since the last eo_sleep began */
	struct kml_wchan *fe_wakechan;	/* channel of the last eo_wakeup */
	char fe_sleepname[64];		/* name of the last channel slept on */
	char fe_wakename[64];		/* name of the channel last woken */
};

extern struct fakeenv fakeenv;

/*
 * The operations table fakeenv_install installs (its eo_name is the name
 * given there).  Tests only read it, e.g. to copy it into a variant.
 */
extern struct kml_env_ops fakeenv_ops;

/*
 * fakeenv_install: reset fakeenv and install it with kml_env_set: name,
 * ncpu CPUs (1..FAKEENV_MAXCPUS; bails otherwise), CPU 0 current, every
 * clock 0, CPU i running thread tid0 + i, thread context, no hook, every
 * counter 0.
 * => as kml_env_set: no kmemlab lock held, nobody sleeping.
 */
void fakeenv_install(const char *name, unsigned ncpu, uint64_t tid0);

/* fakeenv_remove: kml_env_set(NULL, NULL), back to the uniprocessor environment. */
void fakeenv_remove(void);

/*
 * fakeenv_switch: make cpu (0..fe_ncpu-1; bails otherwise) current;
 * returns the CPU that was current.
 */
unsigned fakeenv_switch(unsigned cpu);

/*
 * fakeenv_other_wakes: a ready-made sleep hook: run fe_other(nsleep), if
 * set, on CPU fe_other_cpu, switch back, and return 0 if an eo_wakeup
 * came meanwhile, else KML_EDEADLK with the default explanation.
 */
int fakeenv_other_wakes(struct kml_wchan *wc, unsigned nsleep, char *why,
    unsigned len, void *arg);

/* ---- catching panics */

extern jmp_buf fakeenv_jmp;		/* where a panic lands */
extern char fakeenv_panicmsg[1024];	/* the last panic message */
extern bool fakeenv_caught;		/* the last FAKEENV_TRY panicked */
extern bool fakeenv_trying;		/* inside FAKEENV_TRY */
extern unsigned fakeenv_npanics;	/* # of panics caught */

/*
 * fakeenv_panic: a kml panic handler (kml_set_panic_handler): inside
 * FAKEENV_TRY, record msg, count it and jump back; elsewhere bail out
 * ("unexpected panic: MSG").  Never returns.
 */
void fakeenv_panic(const char *msg) __attribute__((noreturn));

/*
 * FAKEENV_TRY(stmt): run stmt; afterwards fakeenv_caught tells whether it
 * panicked and fakeenv_panicmsg holds the message ("" if it returned).
 * The panic handler must be fakeenv_panic.  setjmp stands alone as the
 * controlling expression, as C11 requires.
 */
#define FAKEENV_TRY(stmt)						\
	do {								\
		fakeenv_panicmsg[0] = '\0';				\
		fakeenv_caught = false;					\
		fakeenv_trying = true;					\
		if (setjmp(fakeenv_jmp) == 0) {				\
			stmt;						\
		} else							\
			fakeenv_caught = true;				\
		fakeenv_trying = false;					\
	} while (0)

#endif /* FAKEENV_H */
