// SPDX-License-Identifier: GPL-2.0
/*
 * kevent_wait: blocking semantics of kevent(), per uapi/linux/kqueue.h
 * ("Waiting").
 *
 * Checks that a thread blocked in kevent() is woken by another thread's
 * change, that the waiter holds no lock (other threads' changes complete
 * while it sleeps), that a signal ends the wait with EINTR, that several
 * waiters on one kqueue are all eventually served (one per edge-triggered
 * trigger; all of them for a level-triggered event), that a timed wait ends
 * early on an event and otherwise lasts at least its timeout. Event loops
 * with worker threads depend on exactly this.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

KQ_WATCHDOG(150);

/* A thread blocked in one kevent() call. Heap-allocated: if it never
 * returns (a bug), it is leaked rather than freed under the thread. */
struct waiter {
	pthread_t thread;
	int kq;
	int nevents;
	long timeout_ms;	/* -1: NULL timeout */
	atomic_int started;
	atomic_int done;
	int ret;
	int err;
	long long t_start, t_end;
	struct kevent ev[4];
};

static void *waiter_fn(void *p)
{
	struct waiter *w = p;

	w->t_start = kq_now_ns();
	atomic_store(&w->started, 1);
	w->ret = kq_wait(w->kq, w->ev, w->nevents, w->timeout_ms);
	w->err = errno;
	w->t_end = kq_now_ns();
	atomic_store(&w->done, 1);
	return NULL;
}

static struct waiter *start_waiter(int kq, int nevents, long timeout_ms)
{
	struct waiter *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->kq = kq;
	w->nevents = nevents;
	w->timeout_ms = timeout_ms;
	if (pthread_create(&w->thread, NULL, waiter_fn, w) != 0) {
		free(w);
		return NULL;
	}
	while (!atomic_load(&w->started))
		sleep_ms(1);
	return w;
}

/* Wait up to ms for the waiter to return; join and return 0 if it did. */
static int finish_waiter(struct waiter *w, long ms)
{
	long long end = kq_now_ns() + ms * MS;

	while (!atomic_load(&w->done) && kq_now_ns() < end)
		sleep_ms(5);
	if (!atomic_load(&w->done)) {
		printf("# waiter still blocked after %ld ms\n", ms);
		pthread_detach(w->thread);
		return -1;	/* leaked on purpose */
	}
	pthread_join(w->thread, NULL);
	return 0;
}

KQ_TEST(woken_by_other_threads_change)
{
	struct waiter *w;
	long long t0;
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	w = start_waiter(kq, 4, -1);
	ASSERT(w);
	sleep_ms(300);
	/* Nothing pending: a NULL timeout does not return. */
	EXPECT(!atomic_load(&w->done));

	/* Changes that trigger nothing complete while it sleeps: it holds
	 * no lock that changes need. (If they blocked, nothing would ever
	 * wake it and the watchdog would end this program.) */
	t0 = kq_now_ns();
	for (int i = 0; i < 200; i++) {
		ASSERT_EQ(kq_change(kq, 100 + i, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
		ASSERT_EQ(kq_change(kq, 100 + i, EVFILT_USER, EV_DISABLE, 0, 0, NULL), 0);
		ASSERT_EQ(kq_change(kq, 100 + i, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	}
	ASSERT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_ADD, 0, 600000, NULL), 0);
	printf("# 601 changes took %lld ms while a thread waited\n",
	       (kq_now_ns() - t0) / MS);
	EXPECT(!atomic_load(&w->done));

	/* EV_ADD|NOTE_TRIGGER of a new knote from this thread wakes it. */
	ASSERT_EQ(kq_change(kq, 3, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_TRIGGER, 0,
			    (void *)0x33), 0);
	ASSERT_EQ(finish_waiter(w, 10000), 0);
	EXPECT_EQ(w->ret, 1);
	EXPECT_EQ(w->ev[0].ident, 3);
	EXPECT_EQ((uintptr_t)w->ev[0].udata, 0x33);
	free(w);

	/* So does triggering an existing knote. */
	w = start_waiter(kq, 4, -1);
	ASSERT(w);
	sleep_ms(200);
	ASSERT_EQ(kq_change(kq, 3, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	EXPECT(!atomic_load(&w->done));
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	ASSERT_EQ(finish_waiter(w, 10000), 0);
	EXPECT_EQ(w->ret, 1);
	EXPECT_EQ(w->ev[0].ident, 1);
	free(w);
	close(kq);
}

KQ_TEST(timed_wait_ends_early_on_event)
{
	struct waiter *w;
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	w = start_waiter(kq, 4, 60000);
	ASSERT(w);
	sleep_ms(200);
	EXPECT(!atomic_load(&w->done));
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	ASSERT_EQ(finish_waiter(w, 10000), 0);
	EXPECT_EQ(w->ret, 1);
	EXPECT(w->t_end - w->t_start >= 200 * MS);
	EXPECT(w->t_end - w->t_start < 30000 * MS);
	free(w);

	/* A timer firing during the wait ends it too, not before. */
	w = start_waiter(kq, 4, 60000);
	ASSERT(w);
	ASSERT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 300, NULL), 0);
	ASSERT_EQ(finish_waiter(w, 20000), 0);
	EXPECT_EQ(w->ret, 1);
	EXPECT_EQ(w->ev[0].ident, 2);
	EXPECT(w->t_end - w->t_start >= 300 * MS);
	free(w);
	close(kq);
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

/* Signal the waiter until it returns (the first signal may come before it
 * is asleep); returns 0 if it did. */
static int interrupt_waiter(struct waiter *w)
{
	long long end = kq_now_ns() + 10000 * MS;

	sleep_ms(200);
	EXPECT(!atomic_load(&w->done));
	while (!atomic_load(&w->done) && kq_now_ns() < end) {
		pthread_kill(w->thread, SIGUSR1);
		sleep_ms(200);
	}
	return finish_waiter(w, 1000);
}

KQ_TEST(signal_interrupts_wait)
{
	struct sigaction sa;
	struct kevent ev;
	struct waiter *w;
	int kq = kqueue();

	ASSERT(kq >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART */
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);

	/* Untimed wait. */
	got_usr1 = 0;
	w = start_waiter(kq, 4, -1);
	ASSERT(w);
	ASSERT_EQ(interrupt_waiter(w), 0);
	EXPECT_EQ(w->ret, -1);
	EXPECT_EQ(w->err, EINTR);
	EXPECT(got_usr1);
	free(w);

	/* Timed wait, with a knote that never fires. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	got_usr1 = 0;
	w = start_waiter(kq, 4, 60000);
	ASSERT(w);
	ASSERT_EQ(interrupt_waiter(w), 0);
	EXPECT_EQ(w->ret, -1);
	EXPECT_EQ(w->err, EINTR);
	EXPECT(got_usr1);
	EXPECT(w->t_end - w->t_start < 30000 * MS);
	free(w);

	/* The kqueue is fine afterwards. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_EQ(kq_wait(kq, &ev, 1, 0), 1);
	signal(SIGUSR1, SIG_DFL);
	close(kq);
}

static int count_done(struct waiter **w, int n)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += atomic_load(&w[i]->done);
	return c;
}

KQ_TEST(several_waiters_edge_triggered)
{
	enum { N = 4 };
	struct waiter *w[N];
	long long end;
	int kq = kqueue(), triggers = 0;

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	for (int i = 0; i < N; i++) {
		w[i] = start_waiter(kq, 1, -1);
		ASSERT(w[i]);
	}
	sleep_ms(300);
	EXPECT_EQ(count_done(w, N), 0);

	/* One trigger, one event: exactly one waiter gets it, and the others
	 * keep waiting (a NULL timeout never returns 0). */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	triggers++;
	end = kq_now_ns() + 10000 * MS;
	while (count_done(w, N) == 0 && kq_now_ns() < end)
		sleep_ms(5);
	EXPECT(count_done(w, N) >= 1);
	sleep_ms(500);
	EXPECT_EQ(count_done(w, N), 1);

	/* More triggers: eventually all of them return. */
	end = kq_now_ns() + 30000 * MS;
	while (count_done(w, N) < N && kq_now_ns() < end) {
		ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
		triggers++;
		sleep_ms(100);
	}
	printf("# %d triggers for %d waiters\n", triggers, N);
	for (int i = 0; i < N; i++) {
		if (finish_waiter(w[i], 1000) != 0) {
			kq_current_failed = 1;
			continue;
		}
		EXPECT_EQ(w[i]->ret, 1);
		EXPECT_EQ(w[i]->ev[0].ident, 1);
		free(w[i]);
	}
	close(kq);
}

/*
 * n threads block in kevent() on a level-triggered EVFILT_USER knote (none
 * returns within quiet_ms), then one trigger: the event stays pending, so
 * every waiter must return with it within ms. *missing: how many did not
 * (they are leaked, and so is the kqueue they use).
 */
static void one_level_trigger(int n, long quiet_ms, long ms, int *missing)
{
	struct waiter *w[8];
	int kq = kqueue();

	*missing = 0;
	ASSERT(kq >= 0 && n <= 8);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	for (int i = 0; i < n; i++) {
		w[i] = start_waiter(kq, 1, -1);
		ASSERT(w[i]);
	}
	sleep_ms(quiet_ms);
	EXPECT_EQ(count_done(w, n), 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	for (int i = 0; i < n; i++) {
		if (finish_waiter(w[i], ms) != 0) {
			++*missing;
			continue;
		}
		EXPECT_EQ(w[i]->ret, 1);
		EXPECT_EQ(w[i]->ev[0].ident, 1);
		free(w[i]);
	}
	if (!*missing)
		close(kq);
}

KQ_TEST(several_waiters_level_triggered)
{
	int missing;

	one_level_trigger(3, 300, 10000, &missing);
	EXPECT_EQ(missing, 0);
}

/*
 * The race behind the previous test, made frequent: every waiter is woken
 * by the trigger, and the first to scan holds the knote (off the queue)
 * while it evaluates it.
 *
 *   waiter A                          waiter B
 *   woken; scan: take the knote
 *   ready()? ...                      woken; is anything pending?
 *   put it back (level-triggered)       "no" -> sleeps for good
 *
 * The pending count must say yes while A holds the knote (B then scans
 * after A and finds it). Many rounds of 3 waiters; every one returns.
 */
KQ_TEST(level_triggered_event_reaches_waiters_that_lost_the_race)
{
	int missing = 0;

	for (int round = 0; round < 60 && !missing; round++) {
		one_level_trigger(3, 20, 3000, &missing);
		if (missing)
			printf("# round %d: %d waiters missed the pending event\n",
			       round, missing);
	}
	EXPECT_EQ(missing, 0);
}

KQ_TEST(timeout_lower_bound)
{
	static const long ms[] = { 50, 200, 1100 };
	struct kevent ev[2];
	long long t0, dt;
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* Pending-but-disabled and not-triggered knotes do not end it. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, 2, EVFILT_USER, EV_ADD | EV_DISABLE, NOTE_TRIGGER,
			    0, NULL), 0);
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		t0 = kq_now_ns();
		EXPECT_EQ(kq_wait(kq, ev, 2, ms[i]), 0);
		dt = kq_now_ns() - t0;
		if (dt < ms[i] * MS || dt > (ms[i] + 10000) * MS) {
			printf("# %ld ms timeout returned after %lld ns\n", ms[i], dt);
			kq_current_failed = 1;
		}
	}
	/* The same from several threads at once. */
	{
		enum { N = 3 };
		struct waiter *w[N];

		for (int i = 0; i < N; i++) {
			w[i] = start_waiter(kq, 2, 300);
			ASSERT(w[i]);
		}
		for (int i = 0; i < N; i++) {
			if (finish_waiter(w[i], 15000) != 0) {
				kq_current_failed = 1;
				continue;
			}
			EXPECT_EQ(w[i]->ret, 0);
			EXPECT(w[i]->t_end - w[i]->t_start >= 300 * MS);
			free(w[i]);
		}
	}
	close(kq);
}
