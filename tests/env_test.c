/*
 * tests/env_test.c: TAP test of the kernel environment (kmemlab/env.h,
 * kmemlab/cost.h; lib/env.c, lib/env_uni.c, lib/cost.c).
 *
 * How: each case starts from the uniprocessor environment in its initial
 * state (env_test_reset) and checks exact values: CPU, thread and context
 * facts, the virtual clock after delays and charges, the cost table, lock
 * statistics, wait channel counters and the text of panics.  Contention
 * and successful sleeps need more than one CPU, so a fake environment
 * (tests/fakeenv.h, its sleep planned by struct env_test_fake) with two
 * CPUs, each with its own clock and thread, is installed with
 * kml_env_set; the test switches the current CPU between calls.  Panics
 * are caught by a handler that copies the message and longjmps back into
 * the case (fakeenv_panic, FAKEENV_TRY).
 */
#include <stdio.h>
#include <string.h>

#include <kmemlab/env.h>
#include <kmemlab/cost.h>

#include "fakeenv.h"
#include "tap.h"

/* ---- set-up */

/*
 * env_test_reset: back to the uniprocessor environment at clock 0 in thread
 * context, with the default costs and the test's panic handler.
 */
static void
env_test_reset(void)
{
	kml_env_set(NULL, NULL);
	kml_env_uni_reset();
	kml_cost_reset();
	kml_set_panic_handler(fakeenv_panic);
	fakeenv_panicmsg[0] = '\0';
}

/* ---- a fake environment: two CPUs with their own clocks */

#define ENV_TEST_NCPU 2

/* The fake's sleep (tests/fakeenv.h does the rest): the plan and what it saw. */
static struct env_test_fake {
	int sleep_result;			/* what eo_sleep returns */
	kml_vtime_t sleep_ns;			/* how long eo_sleep sleeps */
	const char *sleep_why;			/* explanation for KML_EDEADLK */
	struct kml_mutex *interlock;		/* lock to inspect while asleep */
	bool wake_while_asleep;			/* cpu 1 calls kml_wakeup */
	/* what eo_sleep saw */
	bool interlock_owned;			/* interlock held during sleep */
	bool interlock_free;			/* interlock owned by nobody */
	unsigned nwaiters_seen;			/* wc_nwaiters during sleep */
} fake;

/*
 * env_test_fake_sleep: record what a sleeper sees (the interlock released,
 * one waiter), let sleep_ns pass, optionally let CPU 1 wake the channel,
 * and return sleep_result (with sleep_why as the explanation of a
 * deadlock).
 */
static int
env_test_fake_sleep(struct kml_wchan *wc, unsigned nsleep, char *why,
    unsigned len, void *arg)
{
	unsigned me = fakeenv.fe_cur;

	(void)nsleep;
	(void)arg;
	fake.nwaiters_seen = wc->wc_nwaiters;
	if (fake.interlock != NULL) {
		fake.interlock_owned = kml_mutex_owned(fake.interlock);
		fake.interlock_free = fake.interlock->m_owner_cpu == -1;
	}
	fakeenv.fe_clock[me] += fake.sleep_ns;
	if (fake.wake_while_asleep) {
		fakeenv_switch(1);
		kml_wakeup(wc);
		fakeenv_switch(me);
	}
	if (fake.sleep_result == KML_EDEADLK)
		snprintf(why, len, "%s", fake.sleep_why);
	return fake.sleep_result;
}

/*
 * env_test_fake_install: install the fake environment "fake2": two CPUs
 * running threads 100 and 101, CPU 0 current, clocks 0, sleeps by
 * env_test_fake_sleep with nothing planned.
 */
static void
env_test_fake_install(void)
{
	memset(&fake, 0, sizeof(fake));
	fakeenv_install("fake2", ENV_TEST_NCPU, 100);
	fakeenv.fe_on_sleep = env_test_fake_sleep;
}

/* ---- cases */

/* env_test_uni: the uniprocessor environment's facts and context switch. */
static void
env_test_uni(void)
{
	env_test_reset();
	tap_is_str(kml_env_name(), "uniprocessor", "uni: environment name");
	tap_is(kml_ncpu(), 1, "uni: ncpu is 1");
	tap_is(kml_curcpu(), 0, "uni: curcpu is 0");
	tap_is(kml_curtid(), 0, "uni: curtid is 0");
	tap_is(kml_context(), KML_CTX_THREAD, "uni: thread context");
	tap_ok(!kml_intr_p(), "uni: kml_intr_p false in thread context");
	tap_is(kml_now(), 0, "uni: clock starts at 0");

	kml_env_uni_set_context(KML_CTX_HARDIRQ);
	tap_is(kml_context(), KML_CTX_HARDIRQ, "uni: hardirq context set");
	tap_ok(kml_intr_p(), "uni: kml_intr_p true in hardirq context");
	kml_env_uni_set_context(KML_CTX_SOFTIRQ);
	tap_is(kml_context(), KML_CTX_SOFTIRQ, "uni: softirq context set");
	tap_ok(kml_intr_p(), "uni: kml_intr_p true in softirq context");

	kml_delay(77);
	kml_env_uni_reset();
	tap_is(kml_context(), KML_CTX_THREAD, "uni: reset restores thread context");
	tap_is(kml_now(), 0, "uni: reset restores clock 0");
}

/* env_test_clock: kml_delay and kml_charge move the clock by exact amounts. */
static void
env_test_clock(void)
{
	env_test_reset();
	kml_delay(1234);
	tap_is(kml_now(), 1234, "clock: kml_delay(1234) from 0");
	kml_delay(0);
	tap_is(kml_now(), 1234, "clock: kml_delay(0) changes nothing");
	kml_delay(1);
	tap_is(kml_now(), 1235, "clock: kml_delay(1)");

	kml_charge(KML_COST_VMEM_PROBE, 7);
	tap_is(kml_now(), 1235 + 7 * kml_costdesc[KML_COST_VMEM_PROBE].cd_default_ns,
	    "clock: kml_charge(vmem_probe, 7) charges 7 times the default");
	tap_is(kml_now(), 1235 + 7 * 4, "clock: vmem_probe default is 4 ns");
	kml_charge(KML_COST_LOCK, 0);
	tap_is(kml_now(), 1263, "clock: kml_charge(n = 0) charges nothing");

	tap_is(kml_cost_set("vmem_probe", 11), 0, "cost: set vmem_probe returns 0");
	tap_is(kml_cost_ns[KML_COST_VMEM_PROBE], 11, "cost: vmem_probe is now 11");
	kml_charge(KML_COST_VMEM_PROBE, 3);
	tap_is(kml_now(), 1263 + 33, "cost: charge uses the new cost (3 * 11)");

	tap_is(kml_cost_set("vmem_import", 0), 0, "cost: set vmem_import to 0");
	kml_charge(KML_COST_VMEM_IMPORT, 1000);
	tap_is(kml_now(), 1296, "cost: a zero cost charges nothing");

	tap_is(kml_cost_set("no_such_cost", 5), (uint64_t)-1,
	    "cost: unknown name returns -1");
	tap_is(kml_cost_set("VMEM_PROBE", 5), (uint64_t)-1,
	    "cost: names are case-sensitive");
	tap_is(kml_cost_set("", 5), (uint64_t)-1, "cost: empty name returns -1");
	tap_is(kml_cost_ns[KML_COST_VMEM_PROBE], 11,
	    "cost: a failed set changes nothing");

	kml_cost_reset();
	int same = 1;
	for (int i = 0; i < KML_COST_NCOSTS; i++) {
		if (kml_cost_ns[i] != kml_costdesc[i].cd_default_ns) {
			tap_diag("cost %s: %llu, default %llu",
			    kml_costdesc[i].cd_name,
			    (unsigned long long)kml_cost_ns[i],
			    (unsigned long long)kml_costdesc[i].cd_default_ns);
			same = 0;
		}
	}
	tap_ok(same, "cost: kml_cost_reset restores every default");

	int wellformed = 1, unique = 1;
	for (int i = 0; i < KML_COST_NCOSTS; i++) {
		const struct kml_costdesc *cd = &kml_costdesc[i];

		if (cd->cd_name == NULL || cd->cd_name[0] == '\0' ||
		    cd->cd_descr == NULL || cd->cd_descr[0] == '\0' ||
		    strchr(cd->cd_name, ' ') != NULL) {
			tap_diag("cost %d: bad name or description", i);
			wellformed = 0;
			continue;
		}
		for (int j = 0; j < i; j++) {
			if (kml_costdesc[j].cd_name != NULL &&
			    strcmp(kml_costdesc[j].cd_name, cd->cd_name) == 0) {
				tap_diag("cost name \"%s\" used by %d and %d",
				    cd->cd_name, j, i);
				unique = 0;
			}
		}
	}
	tap_ok(wellformed, "cost: every entry has a name without spaces and a description");
	tap_ok(unique, "cost: every cost name is unique");

	/* Every name sets exactly its own entry. */
	int byname = 1;
	for (int i = 0; i < KML_COST_NCOSTS; i++) {
		kml_cost_reset();
		if (kml_cost_set(kml_costdesc[i].cd_name, 1000 + (uint64_t)i) != 0)
			byname = 0;
		for (int j = 0; j < KML_COST_NCOSTS; j++) {
			uint64_t want = j == i ? 1000 + (uint64_t)i :
			    kml_costdesc[j].cd_default_ns;
			if (kml_cost_ns[j] != want) {
				tap_diag("setting %s changed %s",
				    kml_costdesc[i].cd_name,
				    kml_costdesc[j].cd_name);
				byname = 0;
			}
		}
	}
	kml_cost_reset();
	tap_ok(byname, "cost: kml_cost_set(name) changes that cost and no other");
}

/* env_test_mutex: lock statistics and ownership in the uniprocessor. */
static void
env_test_mutex(void)
{
	struct kml_mutex m;
	uint64_t lockcost;

	env_test_reset();
	lockcost = kml_cost_ns[KML_COST_LOCK];
	kml_mutex_init(&m, "test lock");
	tap_is_str(m.m_name, "test lock", "mutex: name kept");
	tap_is(m.m_owner_cpu, (uint64_t)-1, "mutex: initially unowned (cpu -1)");
	tap_ok(!kml_mutex_owned(&m), "mutex: not owned after init");
	tap_is(m.m_stat.ls_acquire + m.m_stat.ls_contended + m.m_stat.ls_wait_ns +
	    m.m_stat.ls_max_wait_ns + m.m_stat.ls_hold_ns, 0,
	    "mutex: statistics start at zero");

	kml_delay(100);
	kml_mutex_enter(&m);
	tap_ok(kml_mutex_owned(&m), "mutex: owned after enter");
	tap_is(m.m_owner_cpu, 0, "mutex: owner cpu 0");
	tap_is(m.m_owner_tid, 0, "mutex: owner thread 0");
	tap_is(m.m_stat.ls_acquire, 1, "mutex: one acquisition");
	tap_is(kml_now(), 100 + lockcost, "mutex: enter charges the lock cost");
	tap_is(m.m_acquired_at, 100 + lockcost, "mutex: acquired after the lock cost");
	kml_delay(500);
	kml_mutex_exit(&m);
	tap_ok(!kml_mutex_owned(&m), "mutex: not owned after exit");
	tap_is(m.m_owner_cpu, (uint64_t)-1, "mutex: unowned after exit");
	tap_is(m.m_stat.ls_hold_ns, 500, "mutex: hold time equals the delay inside");
	tap_is(m.m_free_at, 100 + lockcost + 500, "mutex: released at the exit instant");
	tap_is(kml_now(), 100 + lockcost + 500, "mutex: exit charges nothing");

	kml_mutex_enter(&m);
	kml_delay(250);
	kml_mutex_exit(&m);
	kml_mutex_enter(&m);
	kml_mutex_exit(&m);
	tap_is(m.m_stat.ls_acquire, 3, "mutex: three acquisitions");
	tap_is(m.m_stat.ls_hold_ns, 750, "mutex: hold time sums (500 + 250 + 0)");
	tap_is(m.m_stat.ls_contended, 0, "mutex: never contended on one CPU");
	tap_is(m.m_stat.ls_wait_ns, 0, "mutex: no wait on one CPU");
	tap_is(m.m_stat.ls_max_wait_ns, 0, "mutex: no longest wait on one CPU");
	tap_is(kml_now(), 100 + 3 * lockcost + 750, "mutex: clock is delays plus 3 lock costs");

	tap_is(kml_cost_set("lock", 0), 0, "mutex: lock cost set to 0");
	kml_mutex_enter(&m);
	tap_is(kml_now(), 100 + 3 * lockcost + 750, "mutex: a zero lock cost charges nothing");
	kml_mutex_exit(&m);
	kml_mutex_destroy(&m);
	tap_ok(!kml_mutex_owned(&m), "mutex: destroy of an unheld lock is quiet");
}

/*
 * env_test_contention: two fake CPUs; an acquisition earlier than the last
 * release waits exactly the difference, a later or equal one does not.
 */
static void
env_test_contention(void)
{
	struct kml_mutex m;
	uint64_t lc;

	env_test_reset();
	lc = kml_cost_ns[KML_COST_LOCK];
	env_test_fake_install();
	tap_is_str(kml_env_name(), "fake2", "contention: custom environment installed");
	tap_is(kml_ncpu(), 2, "contention: custom ncpu");
	kml_mutex_init(&m, "depot");

	/* CPU 0 holds the lock over [1000 + lc, 1300 + lc]. */
	fakeenv.fe_clock[0] = 1000;
	fakeenv.fe_clock[1] = 500;
	fakeenv.fe_cur = 0;
	kml_mutex_enter(&m);
	tap_is(kml_now(), 1000 + lc, "contention: cpu 0 uncontended enter");
	kml_delay(300);

	fakeenv.fe_cur = 1;
	tap_ok(!kml_mutex_owned(&m), "contention: not owned by cpu 1 while cpu 0 holds it");
	fakeenv.fe_cur = 0;
	fakeenv.fe_tid[0] = 102;
	tap_ok(!kml_mutex_owned(&m), "contention: not owned by another thread on cpu 0");
	fakeenv.fe_tid[0] = 100;
	tap_ok(kml_mutex_owned(&m), "contention: owned by cpu 0 thread 100");
	kml_mutex_exit(&m);
	tap_is(m.m_free_at, 1300 + lc, "contention: released at cpu 0's clock");

	/* CPU 1 at 500 wants it: waits 800 + lc. */
	fakeenv.fe_cur = 1;
	kml_mutex_enter(&m);
	tap_is(m.m_stat.ls_acquire, 2, "contention: two acquisitions");
	tap_is(m.m_stat.ls_contended, 1, "contention: cpu 1 contended");
	tap_is(m.m_stat.ls_wait_ns, 800 + lc, "contention: cpu 1 waited until the release");
	tap_is(m.m_stat.ls_max_wait_ns, 800 + lc, "contention: longest wait so far");
	tap_is(fakeenv.fe_clock[1], 1300 + 2 * lc,
	    "contention: cpu 1's clock advanced to the release plus the lock cost");
	tap_is(fakeenv.fe_clock[0], 1300 + lc, "contention: cpu 0's clock untouched");
	tap_is(m.m_owner_cpu, 1, "contention: cpu 1 owns it");
	tap_is(m.m_owner_tid, 101, "contention: thread 101 owns it");
	tap_is(m.m_acquired_at, 1300 + 2 * lc, "contention: acquired after the wait");
	kml_delay(10);
	kml_mutex_exit(&m);
	tap_is(m.m_stat.ls_hold_ns, 300 + 10, "contention: hold times of both CPUs");

	/* CPU 0, at 1300 + lc, wants it again: waits 10 + lc. */
	fakeenv.fe_cur = 0;
	kml_mutex_enter(&m);
	tap_is(m.m_stat.ls_contended, 2, "contention: cpu 0 contended");
	tap_is(m.m_stat.ls_wait_ns, 800 + lc + 10 + lc, "contention: waits add up");
	tap_is(m.m_stat.ls_max_wait_ns, 800 + lc, "contention: longest wait kept");
	tap_is(fakeenv.fe_clock[0], 1310 + 3 * lc, "contention: cpu 0 waited 10 + lc");
	kml_mutex_exit(&m);

	/* CPU 1 exactly at the release instant: no wait. */
	fakeenv.fe_cur = 1;
	fakeenv.fe_clock[1] = m.m_free_at;
	kml_mutex_enter(&m);
	tap_is(m.m_stat.ls_contended, 2, "contention: clock equal to the release: no wait");
	tap_is(fakeenv.fe_clock[1], m.m_free_at + lc, "contention: only the lock cost charged");
	kml_mutex_exit(&m);

	/* CPU 0 well after the release: no wait. */
	fakeenv.fe_cur = 0;
	fakeenv.fe_clock[0] = 100000;
	kml_mutex_enter(&m);
	tap_is(m.m_stat.ls_acquire, 5, "contention: five acquisitions");
	tap_is(m.m_stat.ls_contended, 2, "contention: later clock: no wait");
	tap_is(m.m_stat.ls_wait_ns, 810 + 2 * lc, "contention: wait total unchanged");
	tap_is(fakeenv.fe_clock[0], 100000 + lc, "contention: later clock: only the lock cost");
	kml_mutex_exit(&m);
	tap_is(m.m_free_at, 100000 + lc, "contention: release instant moves forward");

	/* CPU 1, back at an earlier time than that, waits the difference. */
	fakeenv.fe_cur = 1;
	fakeenv.fe_clock[1] = 99000;
	kml_mutex_enter(&m);
	tap_is(m.m_stat.ls_max_wait_ns, 1000 + lc, "contention: new longest wait");
	kml_mutex_exit(&m);
	kml_mutex_destroy(&m);

	kml_env_set(NULL, NULL);
	tap_is_str(kml_env_name(), "uniprocessor", "contention: kml_env_set(NULL) restores uni");
	tap_is(kml_ncpu(), 1, "contention: back to one CPU");
}

/* env_test_wchan: sleep and wakeup in the uniprocessor and fake environments. */
static void
env_test_wchan(void)
{
	struct kml_wchan wc;
	struct kml_mutex lk;
	int error;

	env_test_reset();
	kml_wchan_init(&wc, "vmem_alloc");
	tap_is_str(wc.wc_name, "vmem_alloc", "wchan: name kept");
	tap_is(wc.wc_nwaiters + wc.wc_sleeps + wc.wc_wakeups + wc.wc_sleep_ns +
	    wc.wc_deadlocks, 0, "wchan: counters start at zero");
	tap_is_str(kml_last_deadlock(), "", "wchan: no deadlock explanation yet");

	kml_mutex_init(&lk, "arena lock");
	kml_mutex_enter(&lk);
	error = kml_sleep(&wc, &lk);
	tap_is(error, KML_EDEADLK, "wchan uni: kml_sleep returns KML_EDEADLK");
	tap_is(wc.wc_sleeps, 1, "wchan uni: one sleep counted");
	tap_is(wc.wc_deadlocks, 1, "wchan uni: one deadlock counted");
	tap_is(wc.wc_nwaiters, 0, "wchan uni: no waiter left");
	tap_is(wc.wc_wakeups, 0, "wchan uni: no wakeup");
	tap_is(wc.wc_sleep_ns, 0, "wchan uni: no time slept");
	tap_ok(kml_mutex_owned(&lk), "wchan uni: interlock held on return");
	tap_is(lk.m_stat.ls_acquire, 2, "wchan uni: interlock released and taken again");
	tap_contains(kml_last_deadlock(), "deadlock", "wchan uni: explanation says deadlock");
	tap_contains(kml_last_deadlock(), "\"vmem_alloc\"",
	    "wchan uni: explanation names the channel");
	kml_mutex_exit(&lk);

	error = kml_sleep(&wc, NULL);
	tap_is(error, KML_EDEADLK, "wchan uni: sleep without interlock: KML_EDEADLK");
	tap_is(wc.wc_sleeps, 2, "wchan uni: two sleeps");
	tap_is(wc.wc_deadlocks, 2, "wchan uni: two deadlocks");

	kml_wakeup(&wc);
	tap_is(wc.wc_wakeups, 0, "wchan uni: wakeup with no sleepers counts nothing");
	tap_is(wc.wc_sleeps, 2, "wchan uni: wakeup leaves sleeps alone");
	tap_is(wc.wc_deadlocks, 2, "wchan uni: wakeup leaves deadlocks alone");
	tap_is(wc.wc_nwaiters, 0, "wchan uni: wakeup leaves no waiter");

	/* A fake environment that wakes the sleeper: kml_sleep returns 0. */
	env_test_reset();
	env_test_fake_install();
	kml_wchan_init(&wc, "memwait");
	kml_mutex_init(&lk, "pool lock");
	kml_wakeup(&wc);
	tap_is(fakeenv.fe_nwakeup, 0, "wchan fake: wakeup with no sleepers skips the environment");
	tap_is(wc.wc_wakeups, 0, "wchan fake: and counts nothing");

	fakeenv.fe_clock[0] = 1000;
	fake.sleep_result = 0;
	fake.sleep_ns = 700;
	fake.interlock = &lk;
	fake.wake_while_asleep = true;
	kml_mutex_enter(&lk);
	error = kml_sleep(&wc, &lk);
	tap_is(error, 0, "wchan fake: kml_sleep returns 0 after a wakeup");
	tap_is(fakeenv.fe_nsleep, 1, "wchan fake: environment's sleep called once");
	tap_ok(!fake.interlock_owned && fake.interlock_free,
	    "wchan fake: interlock released while asleep");
	tap_is(fake.nwaiters_seen, 1, "wchan fake: one waiter while asleep");
	tap_is(fakeenv.fe_nwakeup, 1, "wchan fake: wakeup with a sleeper reaches the environment");
	tap_ok(fakeenv.fe_wakechan == &wc, "wchan fake: the right channel woken");
	tap_is(wc.wc_wakeups, 1, "wchan fake: one wakeup counted");
	tap_is(wc.wc_sleeps, 1, "wchan fake: one sleep counted");
	tap_is(wc.wc_deadlocks, 0, "wchan fake: no deadlock");
	tap_is(wc.wc_nwaiters, 0, "wchan fake: no waiter left");
	tap_is(wc.wc_sleep_ns, 700, "wchan fake: slept time counted exactly");
	tap_ok(kml_mutex_owned(&lk), "wchan fake: interlock held on return");
	tap_is(lk.m_stat.ls_acquire, 2, "wchan fake: interlock taken twice");
	tap_is(lk.m_stat.ls_contended, 0, "wchan fake: retaking after the sleep does not wait");
	kml_mutex_exit(&lk);

	/* A fake environment that reports its own deadlock. */
	fake.sleep_result = KML_EDEADLK;
	fake.sleep_ns = 0;
	fake.wake_while_asleep = false;
	fake.sleep_why = "deadlock: every thread of the fake is asleep";
	kml_mutex_enter(&lk);
	error = kml_sleep(&wc, &lk);
	tap_is(error, KML_EDEADLK, "wchan fake: environment's KML_EDEADLK passed on");
	tap_is(wc.wc_deadlocks, 1, "wchan fake: deadlock counted");
	tap_is(wc.wc_sleeps, 2, "wchan fake: two sleeps");
	tap_is_str(kml_last_deadlock(), "deadlock: every thread of the fake is asleep",
	    "wchan fake: kml_last_deadlock is the environment's explanation");
	tap_ok(kml_mutex_owned(&lk), "wchan fake: interlock held after a deadlock");
	kml_mutex_exit(&lk);
	env_test_reset();
}

/* env_test_panic_cases: assertions and misuse panic with precise messages. */
static void
env_test_panic_cases(void)
{
	char want[1024];
	struct kml_mutex m;
	struct kml_wchan wc;
	struct kml_env_ops bad;
	volatile int nsegs = 41;
	int line;

	env_test_reset();
	tap_ok(kml_set_panic_handler(fakeenv_panic) == fakeenv_panic,
	    "panic: kml_set_panic_handler returns the old handler");
	fakeenv_npanics = 0;

	FAKEENV_TRY(KML_ASSERT(nsegs == 41));
	tap_ok(!fakeenv_caught, "panic: a true KML_ASSERT is quiet");
	tap_is(fakeenv_npanics, 0, "panic: no panic so far");

	line = __LINE__ + 1;
	FAKEENV_TRY(KML_ASSERT(nsegs == 42));
	tap_ok(fakeenv_caught, "panic: KML_ASSERT(false) panics");
	snprintf(want, sizeof(want), "assertion \"nsegs == 42\" failed: %s:%d: %s",
	    __FILE__, line, __func__);
	tap_is_str(fakeenv_panicmsg, want, "panic: KML_ASSERT message");
	tap_contains(fakeenv_panicmsg, "\"nsegs == 42\"", "panic: KML_ASSERT names the condition");
	tap_contains(fakeenv_panicmsg, "env_test.c:", "panic: KML_ASSERT names the file");

	line = __LINE__ + 1;
	FAKEENV_TRY(KML_ASSERTMSG(nsegs > 50, "arena \"%s\" has %d free segments",
	    "kmem_va", (int)nsegs));
	tap_ok(fakeenv_caught, "panic: KML_ASSERTMSG(false) panics");
	snprintf(want, sizeof(want), "assertion \"nsegs > 50\" failed: %s:%d: %s: "
	    "arena \"kmem_va\" has 41 free segments", __FILE__, line, __func__);
	tap_is_str(fakeenv_panicmsg, want, "panic: KML_ASSERTMSG message");
	tap_contains(fakeenv_panicmsg, "\"nsegs > 50\"", "panic: KML_ASSERTMSG names the condition");
	tap_contains(fakeenv_panicmsg, "env_test.c:", "panic: KML_ASSERTMSG names the file");
	tap_contains(fakeenv_panicmsg, "arena \"kmem_va\" has 41 free segments",
	    "panic: KML_ASSERTMSG formats the description");
	tap_is(fakeenv_npanics, 2, "panic: two panics caught");

	FAKEENV_TRY(kml_panic("out of %s: %d", "tags", 7));
	tap_ok(fakeenv_caught, "panic: kml_panic panics");
	tap_is_str(fakeenv_panicmsg, "out of tags: 7", "panic: kml_panic message is the format");

	/* Locking against myself. */
	kml_mutex_init(&m, "vmem0");
	kml_mutex_enter(&m);
	FAKEENV_TRY(kml_mutex_enter(&m));
	tap_ok(fakeenv_caught, "panic: kml_mutex_enter twice panics");
	tap_contains(fakeenv_panicmsg, "mutex \"vmem0\": locking against myself",
	    "panic: message says locking against myself and names the lock");
	tap_is(m.m_stat.ls_acquire, 1, "panic: the second enter counted nothing");
	tap_ok(kml_mutex_owned(&m), "panic: the lock is still held");

	FAKEENV_TRY(kml_mutex_destroy(&m));
	tap_ok(fakeenv_caught, "panic: destroy of a held lock panics");
	tap_contains(fakeenv_panicmsg, "mutex \"vmem0\" destroyed while held by cpu 0",
	    "panic: destroy message names the lock and the holder");
	kml_mutex_exit(&m);

	/* Releasing a lock nobody holds. */
	FAKEENV_TRY(kml_mutex_exit(&m));
	tap_ok(fakeenv_caught, "panic: kml_mutex_exit of an unheld lock panics");
	tap_contains(fakeenv_panicmsg,
	    "mutex \"vmem0\" released by a thread that does not hold it",
	    "panic: unheld exit message names the lock");
	tap_is(m.m_stat.ls_hold_ns, 0, "panic: the bad exit counted nothing");

	/* Held by another CPU: released by the wrong CPU, taken across a switch. */
	env_test_fake_install();
	kml_mutex_init(&m, "depot");
	kml_mutex_enter(&m);
	fakeenv.fe_cur = 1;
	FAKEENV_TRY(kml_mutex_exit(&m));
	tap_ok(fakeenv_caught, "panic: exit by another CPU panics");
	tap_contains(fakeenv_panicmsg, "mutex \"depot\" released by a thread that does not hold it",
	    "panic: exit by another CPU message");
	FAKEENV_TRY(kml_mutex_enter(&m));
	tap_ok(fakeenv_caught, "panic: enter of a lock held by another CPU panics");
	tap_contains(fakeenv_panicmsg,
	    "mutex \"depot\" held by cpu 0 thread 100 across a context switch",
	    "panic: held-across-switch message names the holder");
	fakeenv.fe_cur = 0;
	kml_mutex_exit(&m);
	env_test_reset();

	/* Sleeping in interrupt context. */
	kml_wchan_init(&wc, "pagedaemon");
	kml_env_uni_set_context(KML_CTX_HARDIRQ);
	FAKEENV_TRY(kml_sleep(&wc, NULL));
	tap_ok(fakeenv_caught, "panic: kml_sleep in hardirq context panics");
	tap_contains(fakeenv_panicmsg, "sleep on \"pagedaemon\" in interrupt context",
	    "panic: interrupt sleep message names the channel");
	tap_is(wc.wc_sleeps, 0, "panic: the refused sleep counted nothing");
	kml_env_uni_set_context(KML_CTX_SOFTIRQ);
	FAKEENV_TRY(kml_sleep(&wc, NULL));
	tap_ok(fakeenv_caught, "panic: kml_sleep in softirq context panics");
	kml_env_uni_set_context(KML_CTX_THREAD);

	/* Sleeping with an interlock the thread does not hold. */
	kml_mutex_init(&m, "not mine");
	FAKEENV_TRY(kml_sleep(&wc, &m));
	tap_ok(fakeenv_caught, "panic: sleep with an unheld interlock panics");
	tap_contains(fakeenv_panicmsg, "kml_mutex_owned(interlock)",
	    "panic: unheld interlock message names the condition");

	/* An incomplete operations table is refused; the environment stays. */
	bad = fakeenv_ops;
	bad.eo_wakeup = NULL;
	FAKEENV_TRY(kml_env_set(&bad, NULL));
	tap_ok(fakeenv_caught, "panic: kml_env_set of an incomplete table panics");
	tap_contains(fakeenv_panicmsg, "eo_wakeup", "panic: incomplete table message names the members");
	tap_is_str(kml_env_name(), "uniprocessor", "panic: environment unchanged");

	tap_ok(kml_set_panic_handler(NULL) == fakeenv_panic,
	    "panic: restoring the default returns the test's handler");
	env_test_reset();
}

int
main(void)
{
	env_test_uni();
	env_test_clock();
	env_test_mutex();
	env_test_contention();
	env_test_wchan();
	env_test_panic_cases();
	env_test_reset();
	return tap_done();
}
