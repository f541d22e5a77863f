// SPDX-License-Identifier: GPL-2.0
/*
 * kevent_args: the errors of the KQUEUE_IOC_KEVENT call itself, and its
 * timeout handling.
 *
 * Checks EFAULT for bad args/changelist/eventlist/timeout pointers, EINVAL
 * for out-of-range nchanges/nevents, reserved != 0 and malformed timeouts,
 * that nevents == 0 never waits, that a zero timeout polls and a real one
 * waits at least that long, and that a rejected call leaves the kqueue as it
 * was. A kernel that got any of this wrong would either crash on hostile
 * input, hang callers, or silently drop state (uapi/linux/kqueue.h, "Errors
 * of the call itself" and "Waiting").
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <limits.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

KQ_WATCHDOG(90);

/* The raw ioctl, so that every field of the args can be chosen. */
static int raw_kevent(int kq, const void *chg, int nchg, void *ev, int nev,
		      const void *ts, __u64 reserved)
{
	struct kqueue_kevent_args a;

	memset(&a, 0, sizeof(a));
	a.changelist = (__u64)(uintptr_t)chg;
	a.eventlist = (__u64)(uintptr_t)ev;
	a.timeout = (__u64)(uintptr_t)ts;
	a.nchanges = nchg;
	a.nevents = nev;
	a.reserved = reserved;
	return ioctl(kq, KQUEUE_IOC_KEVENT, &a);
}

/* Count pending events (without consuming level-triggered ones). */
static int pending(int kq)
{
	struct kevent ev[16];

	return kq_wait(kq, ev, 16, 0);
}

static void *const bad_ptrs[] = {
	(void *)1,
	(void *)0xffff800000000000ULL,	/* kernel half */
	(void *)0xdead000000000000ULL,	/* non-canonical */
};

KQ_TEST(bad_args_pointer)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_ERRNO(ioctl(kq, KQUEUE_IOC_KEVENT, NULL), EFAULT);
	EXPECT_ERRNO(ioctl(kq, KQUEUE_IOC_KEVENT, unmapped_addr()), EFAULT);
	for (size_t i = 0; i < sizeof(bad_ptrs) / sizeof(bad_ptrs[0]); i++)
		EXPECT_ERRNO(ioctl(kq, KQUEUE_IOC_KEVENT, bad_ptrs[i]), EFAULT);
	/* The knote and its event are still there. */
	EXPECT_EQ(pending(kq), 1);
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_USER), 1);
	close(kq);
}

KQ_TEST(bad_changelist_pointer)
{
	struct kevent ev[2];
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	EXPECT_ERRNO(kevent(kq, NULL, 1, NULL, 0, NULL), EFAULT);
	EXPECT_ERRNO(kevent(kq, unmapped_addr(), 1, NULL, 0, NULL), EFAULT);
	EXPECT_ERRNO(kevent(kq, unmapped_addr(), 1, ev, 2, NULL), EFAULT);
	for (size_t i = 0; i < sizeof(bad_ptrs) / sizeof(bad_ptrs[0]); i++)
		EXPECT_ERRNO(kevent(kq, bad_ptrs[i], 1, NULL, 0, NULL), EFAULT);
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_USER), 1);
	EXPECT_EQ(pending(kq), 0);
	close(kq);
}

KQ_TEST(changelist_running_into_unmapped_page)
{
	struct kevent *chg;
	char *map;
	int kq = kqueue();

	ASSERT(kq >= 0);
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT(map != MAP_FAILED);
	ASSERT_EQ(munmap(map + 4096, 4096), 0);
	/* One valid change at the end of the page, the second one unmapped. */
	chg = (struct kevent *)(map + 4096) - 1;
	EV_SET(chg, 3, EVFILT_USER, EV_ADD, 0, 0, NULL);
	EXPECT_ERRNO(kevent(kq, chg, 2, NULL, 0, NULL), EFAULT);
	/* The mapped part alone is fine. */
	EXPECT_EQ(kevent(kq, chg, 1, NULL, 0, NULL), 0);
	EXPECT_EQ(knote_exists(kq, 3, EVFILT_USER), 1);
	munmap(map, 4096);
	close(kq);
}

KQ_TEST(bad_eventlist_pointer_with_pending_event)
{
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* Level-triggered (no EV_CLEAR): stays pending however it is read. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_ERRNO(kevent(kq, NULL, 0, NULL, 1, &zero), EFAULT);
	EXPECT_ERRNO(kevent(kq, NULL, 0, unmapped_addr(), 1, &zero), EFAULT);
	EXPECT_ERRNO(kevent(kq, NULL, 0, unmapped_addr(), 1, NULL), EFAULT);
	for (size_t i = 0; i < sizeof(bad_ptrs) / sizeof(bad_ptrs[0]); i++)
		EXPECT_ERRNO(kevent(kq, NULL, 0, bad_ptrs[i], 1, &zero), EFAULT);
	EXPECT_EQ(pending(kq), 1);
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_USER), 1);
	close(kq);
}

KQ_TEST(bad_eventlist_pointer_for_error_entry)
{
	struct kevent chg;
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* A failing change must be reported in the eventlist: it is bad. */
	EV_SET(&chg, 99, EVFILT_USER, EV_DELETE, 0, 0, NULL);
	EXPECT_ERRNO(kevent(kq, &chg, 1, unmapped_addr(), 1, &zero), EFAULT);
	close(kq);
}

KQ_TEST(bad_timeout_pointer)
{
	struct kevent ev[2];
	long long t0;
	int kq = kqueue();

	ASSERT(kq >= 0);
	t0 = kq_now_ns();
	/* Nothing pending: a kernel that ignored the pointer would wait. */
	EXPECT_ERRNO(kevent(kq, NULL, 0, ev, 2, unmapped_addr()), EFAULT);
	for (size_t i = 0; i < sizeof(bad_ptrs) / sizeof(bad_ptrs[0]); i++)
		EXPECT_ERRNO(kevent(kq, NULL, 0, ev, 2, bad_ptrs[i]), EFAULT);
	EXPECT(kq_now_ns() - t0 < 10000000000LL);
	close(kq);
}

KQ_TEST(negative_counts)
{
	struct kevent chg, ev[2];
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	EV_SET(&chg, 1, EVFILT_USER, EV_ADD, 0, 0, NULL);
	EXPECT_ERRNO(kevent(kq, &chg, -1, NULL, 0, NULL), EINVAL);
	EXPECT_ERRNO(kevent(kq, &chg, INT_MIN, NULL, 0, NULL), EINVAL);
	EXPECT_ERRNO(kevent(kq, NULL, 0, ev, -1, &zero), EINVAL);
	EXPECT_ERRNO(kevent(kq, NULL, 0, ev, INT_MIN, &zero), EINVAL);
	EXPECT_ERRNO(kevent(kq, &chg, 1, ev, -1, &zero), EINVAL);
	close(kq);
}

KQ_TEST(counts_above_max)
{
	struct kevent chg, ev[2];
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	EV_SET(&chg, 1, EVFILT_USER, EV_ADD, 0, 0, NULL);
	/* The pointers are valid for one entry: a kernel that did not check
	 * the count first would read or write past them (EFAULT at best). */
	EXPECT_ERRNO(kevent(kq, &chg, KQUEUE_MAX_KEVENTS + 1, NULL, 0, NULL), EINVAL);
	EXPECT_ERRNO(kevent(kq, &chg, INT_MAX, NULL, 0, NULL), EINVAL);
	EXPECT_ERRNO(kevent(kq, NULL, 0, ev, KQUEUE_MAX_KEVENTS + 1, &zero), EINVAL);
	EXPECT_ERRNO(kevent(kq, NULL, 0, ev, INT_MAX, &zero), EINVAL);
	close(kq);
}

KQ_TEST(nevents_max_is_accepted)
{
	struct kevent ev[1];
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* Exactly one event is pending, so one entry is written whatever
	 * nevents says; KQUEUE_MAX_KEVENTS itself is a valid count. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	memset(ev, 0, sizeof(ev));
	EXPECT_EQ(kevent(kq, NULL, 0, ev, KQUEUE_MAX_KEVENTS, &zero), 1);
	EXPECT_EQ(ev[0].ident, 1);
	close(kq);
}

KQ_TEST(reserved_must_be_zero)
{
	struct kevent chg, ev[2];
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	EV_SET(&chg, 1, EVFILT_USER, EV_DELETE, 0, 0, NULL);
	EXPECT_ERRNO(raw_kevent(kq, &chg, 1, ev, 2, &zero, 1), EINVAL);
	EXPECT_ERRNO(raw_kevent(kq, NULL, 0, ev, 2, &zero, 1ULL << 63), EINVAL);
	EXPECT_ERRNO(raw_kevent(kq, NULL, 0, NULL, 0, NULL, ~0ULL), EINVAL);
	/* The delete was not applied, the event is still pending. */
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_USER), 1);
	EXPECT_EQ(pending(kq), 1);
	/* The same call with reserved == 0 works. */
	EXPECT_EQ(raw_kevent(kq, &chg, 1, ev, 2, &zero, 0), 0);
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_USER), 0);
	close(kq);
}

KQ_TEST(malformed_timeouts)
{
	static const struct timespec bad[] = {
		{ 0, -1 },
		{ 0, 1000000000 },
		{ 0, LONG_MAX },
		{ 0, LONG_MIN },
		{ -1, 0 },
		{ -1, 500 },
		{ LONG_MIN, 0 },
		{ 1, 1000000000 },
	};
	struct kevent ev[2];
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* Nothing pending: an unchecked timeout would make these wait. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_ERRNO(kevent(kq, NULL, 0, ev, 2, &bad[i]), EINVAL);
		if (kq_current_failed) {
			printf("# timeout {%ld, %ld}\n", (long)bad[i].tv_sec,
			       (long)bad[i].tv_nsec);
			break;
		}
	}
	/* An edge-triggered pending event is not consumed by a rejected call. */
	ASSERT_EQ(kq_change(kq, 2, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_TRIGGER, 0, NULL), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERRNO(kevent(kq, NULL, 0, ev, 2, &bad[i]), EINVAL);
	EXPECT_EQ(kq_wait(kq, ev, 2, 0), 1);
	EXPECT_EQ(ev[0].ident, 2);
	close(kq);
}

KQ_TEST(extreme_valid_timeouts)
{
	struct timespec ts;
	struct kevent ev[2];
	long long t0;
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	t0 = kq_now_ns();
	/* Valid, if long: with an event pending they return at once. */
	ts.tv_sec = LONG_MAX;
	ts.tv_nsec = 999999999;
	EXPECT_EQ(kevent(kq, NULL, 0, ev, 2, &ts), 1);
	ts.tv_sec = INT_MAX;
	ts.tv_nsec = 0;
	EXPECT_EQ(kevent(kq, NULL, 0, ev, 2, &ts), 1);
	ts.tv_sec = 0;
	ts.tv_nsec = 999999999;
	EXPECT_EQ(kevent(kq, NULL, 0, ev, 2, &ts), 1);
	EXPECT(kq_now_ns() - t0 < 10000000000LL);
	close(kq);
}

KQ_TEST(nevents_zero_never_waits)
{
	struct kevent chg, ev[1];
	struct timespec ts = { 30, 0 };
	long long t0;
	int kq = kqueue();

	ASSERT(kq >= 0);
	t0 = kq_now_ns();
	/* NULL timeout means "forever" only when there is room for events. */
	EXPECT_EQ(kevent(kq, NULL, 0, NULL, 0, NULL), 0);
	EXPECT_EQ(kevent(kq, NULL, 0, ev, 0, NULL), 0);
	EXPECT_EQ(kevent(kq, NULL, 0, ev, 0, &ts), 0);
	EV_SET(&chg, 1, EVFILT_USER, EV_ADD, 0, 0, NULL);
	EXPECT_EQ(kevent(kq, &chg, 1, NULL, 0, NULL), 0);
	/* Even with an event pending nothing is written. */
	EV_SET(&chg, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
	ev[0].ident = 12345;
	EXPECT_EQ(kevent(kq, &chg, 1, ev, 0, NULL), 0);
	EXPECT_EQ(ev[0].ident, 12345);
	EXPECT(kq_now_ns() - t0 < 10000000000LL);
	EXPECT_EQ(pending(kq), 1);
	close(kq);
}

KQ_TEST(zero_timeout_polls)
{
	struct kevent ev[2];
	long long t0;
	int kq = kqueue();

	ASSERT(kq >= 0);
	t0 = kq_now_ns();
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(kq_wait(kq, ev, 2, 0), 0);
	EXPECT(kq_now_ns() - t0 < 10000000000LL);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, (void *)9), 0);
	EXPECT_EQ(kq_wait(kq, ev, 2, 0), 1);
	EXPECT_EQ(ev[0].ident, 1);
	EXPECT_EQ((uintptr_t)ev[0].udata, 9);
	close(kq);
}

KQ_TEST(eventlist_smaller_than_pending)
{
	enum { N = 5 };
	struct kevent ev[N + 1];
	int kq = kqueue(), seen[N] = { 0 }, total = 0, n;

	ASSERT(kq >= 0);
	for (int i = 0; i < N; i++)
		ASSERT_EQ(kq_change(kq, i, EVFILT_USER, EV_ADD | EV_CLEAR,
				    NOTE_TRIGGER, 0, NULL), 0);
	/* Two at a time: 2, 2, 1, then nothing; the rest stays pending. */
	for (int round = 0; round < 3; round++) {
		n = kq_wait(kq, ev, 2, 0);
		EXPECT_EQ(n, round < 2 ? 2 : 1);
		for (int i = 0; i < n; i++) {
			ASSERT(ev[i].ident < N);
			seen[ev[i].ident]++;
			total++;
		}
	}
	EXPECT_EQ(kq_wait(kq, ev, 2, 0), 0);
	EXPECT_EQ(total, N);
	for (int i = 0; i < N; i++)
		EXPECT_EQ(seen[i], 1);
	close(kq);
}

static void check_timeout(int kq, long sec, long nsec)
{
	struct timespec ts = { sec, nsec };
	struct kevent ev[2];
	long long t0, dt, want = sec * 1000000000LL + nsec;

	t0 = kq_now_ns();
	EXPECT_EQ(kevent(kq, NULL, 0, ev, 2, &ts), 0);
	dt = kq_now_ns() - t0;
	if (dt < want || dt > want + 10000000000LL) {
		printf("# timeout {%ld, %ld} returned after %lld ns\n", sec, nsec, dt);
		kq_current_failed = 1;
	}
}

KQ_TEST(timeout_waits_at_least)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* A knote that never fires: the wait can only end by timeout. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	check_timeout(kq, 0, 100000000);
	check_timeout(kq, 0, 1000);		/* 1 us: sub-tick */
	check_timeout(kq, 0, 250000000);
	check_timeout(kq, 1, 50000000);		/* tv_sec counts too */
	close(kq);
}
