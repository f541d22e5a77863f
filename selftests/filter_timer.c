// SPDX-License-Identifier: GPL-2.0
/*
 * filter_timer: EVFILT_TIMER, per uapi/linux/kqueue.h ("FILTERS") and
 * FreeBSD kqueue(2).
 *
 * Checks the units (milliseconds by default, NOTE_SECONDS/MSECONDS/
 * USECONDS/NSECONDS), the EINVAL cases (several units, data < 0, unknown
 * fflags), that a periodic timer reports the number of expirations since
 * the last report, EV_ONESHOT, NOTE_ABSTIME (fires once, never early),
 * that re-adding restarts the timer with the new period, that EV_DELETE
 * stops it, that many timers all fire, and that a periodic timer nobody
 * collects stops interrupting (parks) yet reports every period.
 *
 * This runs under slow emulation (TCG): timing checks are lower bounds
 * ("not before") plus generous upper bounds (seconds) only.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <stdint.h>

KQ_WATCHDOG(180);

#define SLACK (10000 * MS)	/* upper-bound slack for emulation */

static long long realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int timer_exists(int kq, unsigned long ident)
{
	int r = kq_change(kq, ident, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);

	/* Probing deletes it: only use where that is intended. */
	return r == 0 ? 1 : errno == ENOENT ? 0 : -1;
}

/*
 * Add a one-shot timer and check that its event arrives no earlier than
 * want_ns after the add and no later than want_ns + SLACK.
 */
static void check_oneshot(int kq, unsigned long ident, unsigned int fflags,
			  long long data, long long want_ns)
{
	struct kevent ev[2];
	long long t0, dt;
	int n;

	t0 = kq_now_ns();
	if (kq_change(kq, ident, EVFILT_TIMER, EV_ADD | EV_ONESHOT, fflags, data,
		      UDATA(ident)) != 0) {
		printf("# add timer fflags %#x data %lld: %s\n", fflags, data,
		       strerror(errno));
		kq_current_failed = 1;
		return;
	}
	n = kq_wait(kq, ev, 2, (want_ns + SLACK) / MS);
	dt = kq_now_ns() - t0;
	if (n != 1) {
		printf("# timer fflags %#x data %lld: %d events after %lld ms\n",
		       fflags, data, n, dt / MS);
		kq_current_failed = 1;
		return;
	}
	EXPECT_EQ(ev[0].ident, ident);
	EXPECT_EQ(ev[0].filter, EVFILT_TIMER);
	EXPECT_EQ((uintptr_t)ev[0].udata, ident);
	EXPECT_EQ(ev[0].data, 1);
	EXPECT(ev[0].flags & EV_ONESHOT);
	EXPECT_EQ(ev[0].flags & EV_ERROR, 0);
	if (dt < want_ns) {
		printf("# timer fflags %#x data %lld fired after %lld ns < %lld ns\n",
		       fflags, data, dt, want_ns);
		kq_current_failed = 1;
	}
}

KQ_TEST(default_unit_is_ms)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	check_oneshot(kq, 1, 0, 200, 200 * MS);
	close(kq);
}

KQ_TEST(units)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	check_oneshot(kq, 1, NOTE_MSECONDS, 150, 150 * MS);
	check_oneshot(kq, 2, NOTE_USECONDS, 150000, 150 * MS);
	check_oneshot(kq, 3, NOTE_NSECONDS, 150000000, 150 * MS);
	check_oneshot(kq, 4, NOTE_SECONDS, 1, 1000 * MS);
	close(kq);
}

KQ_TEST(invalid_arguments)
{
	static const unsigned int bad_fflags[] = {
		NOTE_SECONDS | NOTE_MSECONDS,
		NOTE_USECONDS | NOTE_NSECONDS,
		NOTE_SECONDS | NOTE_NSECONDS,
		NOTE_MSECONDS | NOTE_USECONDS | NOTE_ABSTIME,
		NOTE_SECONDS | NOTE_MSECONDS | NOTE_USECONDS | NOTE_NSECONDS,
		0x20, 0x40, 0x100, NOTE_TRIGGER, 0x80000000, 0xffffffff,
		NOTE_MSECONDS | 0x20,
	};
	static const long long bad_data[] = { -1, -1000, INT64_MIN };
	int kq = kqueue();

	ASSERT(kq >= 0);
	for (size_t i = 0; i < sizeof(bad_fflags) / sizeof(bad_fflags[0]); i++) {
		errno = 0;
		if (kq_change(kq, 1, EVFILT_TIMER, EV_ADD, bad_fflags[i], 100, NULL) != -1 ||
		    errno != EINVAL) {
			printf("# fflags %#x accepted or wrong errno (%s)\n",
			       bad_fflags[i], strerror(errno));
			kq_current_failed = 1;
		}
	}
	for (size_t i = 0; i < sizeof(bad_data) / sizeof(bad_data[0]); i++) {
		EXPECT_ERRNO(kq_change(kq, 1, EVFILT_TIMER, EV_ADD, 0, bad_data[i], NULL),
			     EINVAL);
		EXPECT_ERRNO(kq_change(kq, 1, EVFILT_TIMER, EV_ADD | EV_ONESHOT,
				       NOTE_USECONDS, bad_data[i], NULL), EINVAL);
	}
	/* None of them created a timer. */
	EXPECT_EQ(timer_exists(kq, 1), 0);

	/* Rejected on an existing timer too, which stays. */
	ASSERT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_ADD, 0, 100000, NULL), 0);
	EXPECT_ERRNO(kq_change(kq, 2, EVFILT_TIMER, EV_ADD, 0, -1, NULL), EINVAL);
	EXPECT_ERRNO(kq_change(kq, 2, EVFILT_TIMER, EV_ADD,
			       NOTE_SECONDS | NOTE_USECONDS, 1, NULL), EINVAL);
	EXPECT_EQ(timer_exists(kq, 2), 1);
	close(kq);
}

KQ_TEST(periodic_counts_expirations)
{
	struct kevent ev[2];
	long long t0, t1, elapsed;
	int kq = kqueue();

	ASSERT(kq >= 0);
	t0 = kq_now_ns();
	ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_ADD, 0, 50, (void *)0x77), 0);
	sleep_ms(300);	/* 6 periods */
	ASSERT_EQ(kq_wait(kq, ev, 2, 0), 1);
	t1 = kq_now_ns();
	elapsed = t1 - t0;
	EXPECT_EQ(ev[0].ident, 1);
	EXPECT_EQ(ev[0].filter, EVFILT_TIMER);
	EXPECT_EQ((uintptr_t)ev[0].udata, 0x77);
	/* At least 3 of the 6 expirations, and not more than can have
	 * happened in the time elapsed. */
	EXPECT(ev[0].data >= 3);
	EXPECT(ev[0].data <= elapsed / (50 * MS) + 1);
	printf("# %lld expirations in %lld ms\n", (long long)ev[0].data, elapsed / MS);
	/* Reported: the count starts again (nothing pending right now,
	 * unless another period has passed). */
	sleep_ms(250);	/* 5 periods */
	ASSERT_EQ(kq_wait(kq, ev, 2, 0), 1);
	elapsed = kq_now_ns() - t1;
	EXPECT(ev[0].data >= 2);
	EXPECT(ev[0].data <= elapsed / (50 * MS) + 1);
	printf("# %lld expirations in %lld ms\n", (long long)ev[0].data, elapsed / MS);
	/* It keeps firing. */
	ASSERT_EQ(kq_wait(kq, ev, 2, SLACK / MS), 1);
	EXPECT(ev[0].data >= 1);
	EXPECT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
	close(kq);
}

KQ_TEST(oneshot_fires_once_then_gone)
{
	struct kevent ev[2];
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 5, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 50, NULL), 0);
	ASSERT_EQ(kq_wait(kq, ev, 2, SLACK / MS), 1);
	EXPECT_EQ(ev[0].ident, 5);
	EXPECT_EQ(ev[0].data, 1);
	EXPECT(ev[0].flags & EV_ONESHOT);
	EXPECT_EQ(kq_wait(kq, ev, 2, 300), 0);
	EXPECT_ERRNO(kq_change(kq, 5, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), ENOENT);
	close(kq);
}

/* NOTE_ABSTIME at realtime target (in the given unit); check fired once,
 * not before the target. */
static void check_abstime(int kq, unsigned long ident, unsigned int unit,
			  long long unit_ns, long long target_ns)
{
	struct kevent ev[2];
	long long data = target_ns / unit_ns, now;
	int n;

	/* Round the target up to a whole unit. */
	if (data * unit_ns < target_ns)
		data++;
	target_ns = data * unit_ns;
	if (kq_change(kq, ident, EVFILT_TIMER, EV_ADD, NOTE_ABSTIME | unit, data,
		      NULL) != 0) {
		printf("# NOTE_ABSTIME|%#x %lld: %s\n", unit, data, strerror(errno));
		kq_current_failed = 1;
		return;
	}
	n = kq_wait(kq, ev, 2, (target_ns - realtime_ns() + SLACK) / MS);
	now = realtime_ns();
	if (n != 1) {
		printf("# NOTE_ABSTIME|%#x: %d events, %lld ms after the target\n",
		       unit, n, (now - target_ns) / MS);
		kq_current_failed = 1;
		return;
	}
	EXPECT_EQ(ev[0].ident, ident);
	EXPECT_EQ(ev[0].data, 1);
	if (now < target_ns) {
		printf("# NOTE_ABSTIME|%#x fired %lld ns early\n", unit, target_ns - now);
		kq_current_failed = 1;
	}
	/* Once only. */
	EXPECT_EQ(kq_wait(kq, ev, 2, 400), 0);
	kq_change(kq, ident, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);
}

KQ_TEST(abstime)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	check_abstime(kq, 1, 0, MS, realtime_ns() + 150 * MS);
	check_abstime(kq, 2, NOTE_MSECONDS, MS, realtime_ns() + 150 * MS);
	check_abstime(kq, 3, NOTE_USECONDS, 1000, realtime_ns() + 150 * MS);
	check_abstime(kq, 4, NOTE_NSECONDS, 1, realtime_ns() + 150 * MS);
	check_abstime(kq, 5, NOTE_SECONDS, 1000 * MS, realtime_ns() + 1000 * MS);
	close(kq);
}

KQ_TEST(abstime_in_the_past_fires_at_once)
{
	struct kevent ev[2];
	int kq = kqueue(), seen1 = 0, seen2 = 0;
	long long deadline;

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_ADD, NOTE_ABSTIME,
			    realtime_ns() / MS - 10000, NULL), 0);
	ASSERT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_ADD, NOTE_ABSTIME | NOTE_SECONDS,
			    1, NULL), 0);
	deadline = kq_now_ns() + SLACK;
	while (!(seen1 && seen2) && kq_now_ns() < deadline) {
		int n = kq_wait(kq, ev, 2, 1000);

		ASSERT(n >= 0);
		for (int i = 0; i < n; i++) {
			seen1 += ev[i].ident == 1;
			seen2 += ev[i].ident == 2;
		}
	}
	EXPECT_EQ(seen1, 1);
	EXPECT_EQ(seen2, 1);
	/* Once only. */
	EXPECT_EQ(kq_wait(kq, ev, 2, 300), 0);
	close(kq);
}

KQ_TEST(period_zero_means_one_unit)
{
	struct kevent ev[2];
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_ADD, 0, 0, NULL), 0);
	ASSERT_EQ(kq_wait(kq, ev, 2, SLACK / MS), 1);
	EXPECT_EQ(ev[0].ident, 1);
	EXPECT(ev[0].data >= 1);
	/* Periodic: it fires again. */
	ASSERT_EQ(kq_wait(kq, ev, 2, SLACK / MS), 1);
	EXPECT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
	/* One-shot with 0 fires too. */
	ASSERT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 0, NULL), 0);
	ASSERT_EQ(kq_wait(kq, ev, 2, SLACK / MS), 1);
	EXPECT_EQ(ev[0].ident, 2);
	close(kq);
}

KQ_TEST(tiny_periods_rounded_up)
{
	static const unsigned int units[] = { NOTE_NSECONDS, NOTE_USECONDS };
	struct kevent ev[2];
	long long t0, elapsed;
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* Periods below 50 us count as 50 us: at most elapsed / 50 us
	 * expirations (a 1 ns period would give millions). */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		t0 = kq_now_ns();
		ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_ADD, units[i], 1, NULL), 0);
		sleep_ms(200);
		ASSERT_EQ(kq_wait(kq, ev, 2, 0), 1);
		elapsed = kq_now_ns() - t0;
		ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
		printf("# period 1 (unit %#x): %lld expirations in %lld us\n",
		       units[i], (long long)ev[0].data, elapsed / 1000);
		EXPECT(ev[0].data >= 1);
		EXPECT(ev[0].data <= elapsed / 50000 + 1);
	}
	close(kq);
}

KQ_TEST(readd_restarts_with_new_period)
{
	struct kevent ev[2];
	long long t0, dt;
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* Long period, shortened: fires after the new period. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_ADD, 0, 60000, NULL), 0);
	sleep_ms(100);
	t0 = kq_now_ns();
	ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_ADD, 0, 100, (void *)0x42), 0);
	ASSERT_EQ(kq_wait(kq, ev, 2, SLACK / MS), 1);
	dt = kq_now_ns() - t0;
	EXPECT(dt >= 100 * MS);
	EXPECT_EQ(ev[0].ident, 1);
	EXPECT_EQ((uintptr_t)ev[0].udata, 0x42);
	EXPECT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);

	/* Short period with expirations pending, lengthened: the restart
	 * discards them (as FreeBSD) and nothing fires for the new period. */
	ASSERT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_ADD, 0, 20, NULL), 0);
	sleep_ms(150);
	t0 = kq_now_ns();
	ASSERT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_ADD, 0, 3000, NULL), 0);
	EXPECT_EQ(kq_wait(kq, ev, 2, 1000), 0);
	ASSERT_EQ(kq_wait(kq, ev, 2, 3000 + SLACK / MS), 1);
	dt = kq_now_ns() - t0;
	EXPECT(dt >= 3000 * MS);
	EXPECT(ev[0].data >= 1 && ev[0].data <= dt / (3000 * MS) + 1);
	close(kq);
}

KQ_TEST(disable_enable_keep_the_timer)
{
	struct kevent ev[2];
	long long t0;
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* EV_DISABLE/EV_ENABLE are not a re-add: the period stays (their
	 * data and fflags are not a new period). */
	t0 = kq_now_ns();
	ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_ADD, 0, 3000, NULL), 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_DISABLE, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_ENABLE, 0, 0, NULL), 0);
	EXPECT_EQ(kq_wait(kq, ev, 2, 500), 0);
	ASSERT_EQ(kq_wait(kq, ev, 2, 3000 + SLACK / MS), 1);
	EXPECT(kq_now_ns() - t0 >= 3000 * MS);
	EXPECT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);

	/* Expirations while disabled are counted and reported after
	 * EV_ENABLE ("data = number of expirations since the last report"). */
	ASSERT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_ADD, 0, 50, NULL), 0);
	ASSERT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_DISABLE, 0, 0, NULL), 0);
	sleep_ms(350);	/* 7 periods */
	EXPECT_EQ(kq_wait(kq, ev, 2, 0), 0);
	ASSERT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_ENABLE, 0, 0, NULL), 0);
	ASSERT_EQ(kq_wait(kq, ev, 2, 0), 1);
	EXPECT_EQ(ev[0].ident, 2);
	EXPECT(ev[0].data >= 3);
	printf("# %lld expirations reported after EV_ENABLE\n", (long long)ev[0].data);
	close(kq);
}

KQ_TEST(huge_periods_do_not_overflow)
{
	static const unsigned int units[] = {
		0, NOTE_SECONDS, NOTE_MSECONDS, NOTE_USECONDS, NOTE_NSECONDS,
	};
	struct kevent ev[8];
	int kq = kqueue();

	ASSERT(kq >= 0);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		EXPECT_EQ(kq_change(kq, i, EVFILT_TIMER, EV_ADD, units[i], INT64_MAX,
				    NULL), 0);
		EXPECT_EQ(kq_change(kq, 100 + i, EVFILT_TIMER, EV_ADD | EV_ONESHOT,
				    units[i], INT64_MAX / 1000 + 1, NULL), 0);
	}
	/* Centuries away: none of them fires now. */
	EXPECT_EQ(kq_wait(kq, ev, 8, 300), 0);
	close(kq);
}

KQ_TEST(delete_stops_it)
{
	struct kevent ev[2];
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_ADD, 0, 20, NULL), 0);
	ASSERT_EQ(kq_wait(kq, ev, 2, SLACK / MS), 1);
	sleep_ms(100);	/* expirations pending */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_EQ(kq_wait(kq, ev, 2, 300), 0);
	EXPECT_ERRNO(kq_change(kq, 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), ENOENT);

	/* One-shot deleted before it fires: never fires. */
	ASSERT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 200, NULL), 0);
	ASSERT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_EQ(kq_wait(kq, ev, 2, 500), 0);
	close(kq);
}

KQ_TEST(many_timers_each_fire)
{
	enum { N = 200 };
	struct kevent chg[N], ev[N];
	int seen[N] = { 0 };
	int kq = kqueue(), total = 0;
	long long deadline;

	ASSERT(kq >= 0);
	for (int i = 0; i < N; i++)
		EV_SET(&chg[i], 1000 + i, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0,
		       20 + i % 50, UDATA(i));
	ASSERT_EQ(kevent(kq, chg, N, NULL, 0, NULL), 0);
	deadline = kq_now_ns() + 30000 * MS;
	while (total < N && kq_now_ns() < deadline) {
		int n = kq_wait(kq, ev, N, 1000);

		ASSERT(n >= 0);
		for (int i = 0; i < n; i++) {
			uintptr_t idx = (uintptr_t)ev[i].udata;

			ASSERT(idx < N);
			EXPECT_EQ(ev[i].ident, 1000 + idx);
			EXPECT_EQ(ev[i].data, 1);
			seen[idx]++;
			total++;
		}
	}
	EXPECT_EQ(total, N);
	for (int i = 0; i < N; i++) {
		if (seen[i] != 1) {
			printf("# timer %d fired %d times\n", 1000 + i, seen[i]);
			kq_current_failed = 1;
		}
	}
	/* One-shot: all gone. */
	EXPECT_EQ(kq_wait(kq, ev, N, 200), 0);
	close(kq);
}

KQ_TEST(many_periodic_timers)
{
	enum { N = 200 };
	struct kevent chg[N], ev[N];
	int seen[N] = { 0 };
	int kq = kqueue(), distinct = 0;
	long long deadline;

	ASSERT(kq >= 0);
	for (int i = 0; i < N; i++)
		EV_SET(&chg[i], i, EVFILT_TIMER, EV_ADD, NOTE_USECONDS,
		       30000 + 500 * (i % 40), NULL);
	ASSERT_EQ(kevent(kq, chg, N, NULL, 0, NULL), 0);
	deadline = kq_now_ns() + 30000 * MS;
	while (distinct < N && kq_now_ns() < deadline) {
		int n = kq_wait(kq, ev, N, 1000);

		ASSERT(n >= 0);
		for (int i = 0; i < n; i++) {
			ASSERT(ev[i].ident < N);
			EXPECT(ev[i].data >= 1);
			if (!seen[ev[i].ident]++)
				distinct++;
		}
	}
	EXPECT_EQ(distinct, N);
	/* Closing the kqueue with all of them running is fine. */
	close(kq);
}

/* Local timer interrupts on all CPUs so far (/proc/interrupts, "LOC:"). */
static long long timer_interrupts(void)
{
	char line[4096];
	long long sum = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		while (*p == ' ')
			p++;
		if (strncmp(p, "LOC:", 4))
			continue;
		sum = 0;
		for (p += 4;; p = end) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			sum += v;
		}
	}
	fclose(f);
	return sum;
}

/*
 * A periodic timer nobody collects parks after its second expiry instead
 * of interrupting every period, and still reports every period when it is
 * collected, then runs on:
 *
 *   idle second: LOC interrupts counted        (baseline)
 *   EV_ADD 50 us periodic, not collected for a second: LOC counted again
 *     free-running: ~20,000 more; parked: 2 more (plus noise)
 *   kevent(): data = every period of that second (>= half of 20,000)
 *   kevent() again, waiting: it fires again (resumed)
 */
KQ_TEST(an_uncollected_periodic_timer_stops_interrupting)
{
	struct kevent ev[2];
	long long t0, idle, busy, elapsed;
	int kq = kqueue();

	ASSERT(kq >= 0);
	t0 = timer_interrupts();
	ASSERT(t0 >= 0);
	sleep_ms(1000);
	idle = timer_interrupts() - t0;
	elapsed = kq_now_ns();	/* before the timer starts: an upper bound */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_ADD, NOTE_USECONDS, 50, NULL), 0);
	t0 = timer_interrupts();
	sleep_ms(1000);
	busy = timer_interrupts() - t0;
	ASSERT_EQ(kq_wait(kq, ev, 2, 0), 1);
	elapsed = kq_now_ns() - elapsed;
	printf("# timer interrupts in 1 s: %lld idle, %lld with the timer uncollected; "
	       "%lld expirations reported for %lld ms\n",
	       idle, busy, (long long)ev[0].data, elapsed / MS);
	EXPECT(busy - idle < 1000);
	EXPECT(ev[0].data >= 1000 * MS / (50 * 1000) / 2);
	EXPECT(ev[0].data <= elapsed / (50 * 1000) + 1);
	/* Collected: it runs again. */
	ASSERT_EQ(kq_wait(kq, ev, 2, SLACK / MS), 1);
	EXPECT(ev[0].data >= 1);
	close(kq);
}
