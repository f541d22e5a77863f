// SPDX-License-Identifier: GPL-2.0
/*
 * kevent_flags: the EV_* flags of a change and the error reporting of a
 * kevent call, per uapi/linux/kqueue.h ("FLAG SEMANTICS", "KQUEUE_IOC_KEVENT")
 * and FreeBSD kqueue(2).
 *
 * Uses EVFILT_USER (and EVFILT_TIMER) so that no file machinery is
 * involved: udata/ident round trips, modify-in-place on re-add,
 * EV_KEEPUDATA, ENOENT/EINVAL cases, skipped filter 0, ignored EV_SYSFLAGS,
 * EV_ERROR entries (contents, interleaving with good changes, running out
 * of room, nevents == 0), EV_RECEIPT, EV_DISABLE/EV_ENABLE, EV_DISPATCH,
 * EV_ONESHOT, the flags and ext[] of returned events, and tearing down a
 * kqueue with many knotes. These are what every kqueue user relies on.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <limits.h>
#include <stdint.h>

KQ_WATCHDOG(120);

static int poll_events(int kq, struct kevent *ev, int n)
{
	return kq_wait(kq, ev, n, 0);
}

/* Expect an EV_ERROR entry for (ident, filter, udata) with errno err. */
#define EXPECT_ERROR_ENTRY(e, id, filt, ud, err) do {			\
	EXPECT_EQ((e).ident, (id));					\
	EXPECT_EQ((e).filter, (filt));					\
	EXPECT_EQ((e).flags, EV_ERROR);					\
	EXPECT_EQ((e).data, (err));					\
	EXPECT_EQ((uintptr_t)(e).udata, (uintptr_t)(ud));		\
	for (int __i = 0; __i < 4; __i++)				\
		EXPECT_EQ((e).ext[__i], 0);				\
} while (0)

KQ_TEST(udata_roundtrip)
{
	static const uintptr_t vals[] = {
		0, 1, 0xdeadbeef, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		0xffffffffffffffffULL, 0xffff800012345678ULL, 0x00007fffabcdef01ULL,
	};
	enum { N = sizeof(vals) / sizeof(vals[0]) };
	struct kevent chg[N], ev[N + 2];
	int seen[N] = { 0 };
	int kq = kqueue(), n;

	ASSERT(kq >= 0);
	for (int i = 0; i < N; i++)
		EV_SET(&chg[i], 1000 + i, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0,
		       UDATA(vals[i]));
	ASSERT_EQ(kevent(kq, chg, N, NULL, 0, NULL), 0);
	n = poll_events(kq, ev, N + 2);
	ASSERT_EQ(n, N);
	for (int i = 0; i < n; i++) {
		long idx = (long)ev[i].ident - 1000;

		ASSERT(idx >= 0 && idx < N);
		seen[idx]++;
		EXPECT_EQ(ev[i].filter, EVFILT_USER);
		EXPECT_EQ((uintptr_t)ev[i].udata, vals[idx]);
	}
	for (int i = 0; i < N; i++)
		EXPECT_EQ(seen[i], 1);
	close(kq);
}

KQ_TEST(ident_roundtrip_and_filter_namespace)
{
	static const uint64_t ids[] = {
		0, 1, 0xffffffffULL, 0x100000000ULL, 0x8000000000000000ULL,
		0xffffffffffffffffULL,
	};
	enum { N = sizeof(ids) / sizeof(ids[0]) };
	struct kevent ev[N + 2];
	int seen[N] = { 0 };
	int kq = kqueue(), n;

	ASSERT(kq >= 0);
	for (int i = 0; i < N; i++)
		ASSERT_EQ(kq_change(kq, ids[i], EVFILT_USER, EV_ADD, NOTE_TRIGGER,
				    0, UDATA(i)), 0);
	n = poll_events(kq, ev, N + 2);
	ASSERT_EQ(n, N);
	for (int i = 0; i < n; i++) {
		uintptr_t idx = (uintptr_t)ev[i].udata;

		ASSERT(idx < N);
		seen[idx]++;
		EXPECT_EQ(ev[i].ident, ids[idx]);
	}
	for (int i = 0; i < N; i++)
		EXPECT_EQ(seen[i], 1);

	/* (ident, filter) names a knote: a timer with the same ident is a
	 * different knote. */
	EXPECT_ERRNO(kq_change(kq, 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), ENOENT);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_TIMER, EV_ADD, 0, 100000, NULL), 0);
	EXPECT_EQ(kq_change(kq, 1, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_TIMER), 1);
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_USER), 0);
	close(kq);
}

KQ_TEST(readd_modifies_in_place)
{
	struct kevent ev[8];
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 5, EVFILT_USER, EV_ADD, NOTE_FFCOPY | 0x11, 1,
			    UDATA(0xa)), 0);
	ASSERT_EQ(kq_change(kq, 5, EVFILT_USER, EV_ADD,
			    NOTE_TRIGGER | NOTE_FFCOPY | 0x22, 2, UDATA(0xb)), 0);
	/* One knote, carrying the new udata, fflags and data. */
	ASSERT_EQ(poll_events(kq, ev, 8), 1);
	EXPECT_EQ(ev[0].ident, 5);
	EXPECT_EQ((uintptr_t)ev[0].udata, 0xb);
	EXPECT_EQ(ev[0].fflags, 0x22);
	EXPECT_EQ(ev[0].data, 2);
	EXPECT_EQ(kq_change(kq, 5, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_ERRNO(kq_change(kq, 5, EVFILT_USER, EV_DELETE, 0, 0, NULL), ENOENT);

	/* EV_ONESHOT is fixed at creation: re-adding with it does not make
	 * the knote one-shot. */
	ASSERT_EQ(kq_change(kq, 6, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, 6, EVFILT_USER, EV_ADD | EV_ONESHOT,
			    NOTE_TRIGGER, 0, NULL), 0);
	ASSERT_EQ(poll_events(kq, ev, 8), 1);
	EXPECT_EQ(ev[0].ident, 6);
	EXPECT_EQ(ev[0].flags & EV_ONESHOT, 0);
	EXPECT_EQ(knote_exists(kq, 6, EVFILT_USER), 1);

	/* Many re-adds still make one knote. */
	for (int i = 0; i < 100; i++)
		ASSERT_EQ(kq_change(kq, 7, EVFILT_USER, EV_ADD, NOTE_TRIGGER, i,
				    UDATA(i)), 0);
	ASSERT_EQ(kq_change(kq, 6, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	ASSERT_EQ(poll_events(kq, ev, 8), 1);
	EXPECT_EQ(ev[0].ident, 7);
	EXPECT_EQ(ev[0].data, 99);
	EXPECT_EQ((uintptr_t)ev[0].udata, 99);
	close(kq);
}

KQ_TEST(keepudata)
{
	struct kevent ev[4];
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, 0, 0, UDATA(0xaaaa)), 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD | EV_KEEPUDATA,
			    NOTE_TRIGGER, 0, UDATA(0xbbbb)), 0);
	ASSERT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ((uintptr_t)ev[0].udata, 0xaaaa);
	/* Without EV_KEEPUDATA a re-add replaces it (still triggered). */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, 0, 0, UDATA(0xcccc)), 0);
	ASSERT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ((uintptr_t)ev[0].udata, 0xcccc);
	/* A new knote stores its udata even with EV_KEEPUDATA. */
	ASSERT_EQ(kq_change(kq, 2, EVFILT_USER, EV_ADD | EV_KEEPUDATA,
			    NOTE_TRIGGER, 0, UDATA(0xdddd)), 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	ASSERT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ(ev[0].ident, 2);
	EXPECT_EQ((uintptr_t)ev[0].udata, 0xdddd);
	close(kq);
}

KQ_TEST(missing_knote_enoent)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	EXPECT_ERRNO(kq_change(kq, 1, EVFILT_USER, EV_DELETE, 0, 0, NULL), ENOENT);
	EXPECT_ERRNO(kq_change(kq, 1, EVFILT_USER, EV_ENABLE, 0, 0, NULL), ENOENT);
	EXPECT_ERRNO(kq_change(kq, 1, EVFILT_USER, EV_DISABLE, 0, 0, NULL), ENOENT);
	EXPECT_ERRNO(kq_change(kq, 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), ENOENT);
	EXPECT_ERRNO(kq_change(kq, 1, EVFILT_TIMER, EV_ENABLE, 0, 0, NULL), ENOENT);
	EXPECT_ERRNO(kq_change(kq, 1, EVFILT_TIMER, EV_DISABLE, 0, 0, NULL), ENOENT);
	/* None of these created anything. */
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_USER), 0);
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_TIMER), 0);
	/* Deleted twice. */
	ASSERT_EQ(kq_change(kq, 2, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EQ(kq_change(kq, 2, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_ERRNO(kq_change(kq, 2, EVFILT_USER, EV_DELETE, 0, 0, NULL), ENOENT);
	EXPECT_ERRNO(kq_change(kq, 2, EVFILT_USER, EV_ENABLE, 0, 0, NULL), ENOENT);
	close(kq);
}

KQ_TEST(delete_removes_pending_event)
{
	struct kevent ev[4];
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, 2, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_TRIGGER, 0,
			    NULL), 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, 2, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, 4), 0);
	/* Re-added, it starts untriggered. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, 4), 0);
	close(kq);
}

KQ_TEST(unknown_filter_einval)
{
	static const short filters[] = {
		7, 1, 100, SHRT_MAX, -14, -100, SHRT_MIN, EVFILT_AIO,
	};
	int kq = kqueue();

	ASSERT(kq >= 0);
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		EXPECT_ERRNO(kq_change(kq, 1, filters[i], EV_ADD, 0, 0, NULL), EINVAL);
		EXPECT_ERRNO(kq_change(kq, 1, filters[i], EV_ADD | EV_ENABLE, 0, 1, NULL),
			     EINVAL);
	}
	close(kq);
}

KQ_TEST(unknown_flag_bits_einval)
{
	static const unsigned short bad[] = {
		0x0400, 0x0800, 0x0c00, EV_FORCEONESHOT,
	};
	struct kevent ev[2];
	int kq = kqueue();

	ASSERT(kq >= 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_ERRNO(kq_change(kq, 1, EVFILT_USER, EV_ADD | bad[i],
				       NOTE_TRIGGER, 0, NULL), EINVAL);
		EXPECT_ERRNO(kq_change(kq, 1, EVFILT_TIMER, EV_ADD | bad[i], 0, 10,
				       NULL), EINVAL);
	}
	/* Nothing was created. */
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_USER), 0);
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_TIMER), 0);
	EXPECT_EQ(poll_events(kq, ev, 2), 0);
	/* On an existing knote: rejected, the knote stays as it was. */
	ASSERT_EQ(kq_change(kq, 2, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	EXPECT_ERRNO(kq_change(kq, 2, EVFILT_USER, EV_DELETE | 0x0400, 0, 0, NULL),
		     EINVAL);
	EXPECT_ERRNO(kq_change(kq, 2, EVFILT_USER, EV_DISABLE | 0x0800, 0, 0, NULL),
		     EINVAL);
	EXPECT_EQ(knote_exists(kq, 2, EVFILT_USER), 1);
	EXPECT_EQ(kq_change(kq, 2, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, 2), 1);
	close(kq);
}

KQ_TEST(conflicting_actions_einval)
{
	struct kevent ev[2];
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* On a missing knote: nothing is created. */
	EXPECT_ERRNO(kq_change(kq, 1, EVFILT_USER, EV_ADD | EV_DELETE, 0, 0, NULL),
		     EINVAL);
	EXPECT_ERRNO(kq_change(kq, 1, EVFILT_USER, EV_ADD | EV_ENABLE | EV_DISABLE,
			       NOTE_TRIGGER, 0, NULL), EINVAL);
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_USER), 0);

	/* On an existing, triggered knote: it is neither deleted nor
	 * disabled. */
	ASSERT_EQ(kq_change(kq, 2, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_ERRNO(kq_change(kq, 2, EVFILT_USER, EV_ADD | EV_DELETE, 0, 0, NULL),
		     EINVAL);
	EXPECT_ERRNO(kq_change(kq, 2, EVFILT_USER, EV_ENABLE | EV_DISABLE, 0, 0, NULL),
		     EINVAL);
	EXPECT_ERRNO(kq_change(kq, 2, EVFILT_USER, EV_DELETE | EV_ENABLE | EV_DISABLE,
			       0, 0, NULL), EINVAL);
	EXPECT_EQ(poll_events(kq, ev, 2), 1);
	EXPECT_EQ(kq_change(kq, 2, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	close(kq);
}

KQ_TEST(filter_zero_skipped)
{
	struct kevent chg[4], ev[8];
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	EV_SET(&chg[0], 1, 0, EV_DELETE, 0, 0, NULL);
	EV_SET(&chg[1], 2, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, UDATA(2));
	EV_SET(&chg[2], 3, 0, 0xffff, 0xffffffff, -1, UDATA(3));
	EV_SET(&chg[3], 4, 0, EV_ADD | EV_RECEIPT, 0, 0, UDATA(4));
	/* No error entry, no receipt: the events are collected as usual. */
	ASSERT_EQ(kevent(kq, chg, 4, ev, 8, &zero), 1);
	EXPECT_EQ(ev[0].ident, 2);
	EXPECT_EQ(ev[0].filter, EVFILT_USER);
	EXPECT_EQ(ev[0].flags & EV_ERROR, 0);
	/* With nevents == 0 they do not fail the call either. */
	EXPECT_EQ(kevent(kq, chg, 4, NULL, 0, NULL), 0);
	close(kq);
}

KQ_TEST(sysflags_ignored_in_changes)
{
	static const unsigned short sys[] = {
		EV_EOF, EV_ERROR, EV_DROP, EV_FLAG1, EV_FLAG2, EV_SYSFLAGS,
	};
	enum { N = sizeof(sys) / sizeof(sys[0]) };
	struct kevent ev[N + 2];
	int kq = kqueue(), n;

	ASSERT(kq >= 0);
	for (int i = 0; i < N; i++)
		EXPECT_EQ(kq_change(kq, i, EVFILT_USER, EV_ADD | sys[i],
				    NOTE_TRIGGER, 0, NULL), 0);
	n = poll_events(kq, ev, N + 2);
	EXPECT_EQ(n, N);
	for (int i = 0; i < n; i++)
		EXPECT_EQ(ev[i].flags & EV_SYSFLAGS, 0);
	/* And EV_DELETE with them still deletes. */
	for (int i = 0; i < N; i++)
		EXPECT_EQ(kq_change(kq, i, EVFILT_USER, EV_DELETE | sys[i], 0, 0,
				    NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, N + 2), 0);
	close(kq);
}

KQ_TEST(error_entry_contents)
{
	struct kevent chg[2], ev[4];
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* A pending event, which the erroring call must not collect. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	EV_SET(&chg[0], 77, EVFILT_USER, EV_DELETE, 0x123, 55,
	       UDATA(0xfeedface12345678ULL));
	/* ext[] is ignored on input and returned as zero, here too. */
	chg[0].ext[0] = ~0ULL;
	chg[0].ext[3] = 0x1234;
	memset(ev, 0xa5, sizeof(ev));
	ASSERT_EQ(kevent(kq, chg, 1, ev, 4, &zero), 1);
	EXPECT_ERROR_ENTRY(ev[0], 77, EVFILT_USER, 0xfeedface12345678ULL, ENOENT);
	EXPECT_EQ(ev[0].fflags, 0x123);	/* the rest is a copy of the change */

	EV_SET(&chg[0], 0xffffffffffffffffULL, 7, EV_ADD, 0, 0, UDATA(78));
	ASSERT_EQ(kevent(kq, chg, 1, ev, 4, &zero), 1);
	EXPECT_ERROR_ENTRY(ev[0], 0xffffffffffffffffULL, 7, 78, EINVAL);
	/* The pending event is still there. */
	ASSERT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ(ev[0].ident, 1);
	EXPECT_EQ(ev[0].flags & EV_ERROR, 0);
	close(kq);
}

KQ_TEST(errors_interleaved_with_good_changes)
{
	struct kevent chg[6], ev[8];
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	EV_SET(&chg[0], 1, EVFILT_USER, EV_ADD, 0, 0, UDATA(0x10));
	EV_SET(&chg[1], 2, EVFILT_USER, EV_DELETE, 0, 0, UDATA(0x20));	/* ENOENT */
	EV_SET(&chg[2], 3, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, UDATA(0x30));
	EV_SET(&chg[3], 4, 7, EV_ADD, 0, 0, UDATA(0x40));		/* EINVAL */
	EV_SET(&chg[4], 5, EVFILT_USER, EV_ADD | 0x0800, 0, 0, UDATA(0x50)); /* EINVAL */
	EV_SET(&chg[5], 6, EVFILT_USER, EV_ADD, 0, 0, UDATA(0x60));
	memset(ev, 0, sizeof(ev));
	/* Returns the number of error entries; ident 3's event is not
	 * collected in this call. */
	ASSERT_EQ(kevent(kq, chg, 6, ev, 8, &zero), 3);
	EXPECT_ERROR_ENTRY(ev[0], 2, EVFILT_USER, 0x20, ENOENT);
	EXPECT_ERROR_ENTRY(ev[1], 4, 7, 0x40, EINVAL);
	EXPECT_ERROR_ENTRY(ev[2], 5, EVFILT_USER, 0x50, EINVAL);
	/* The good ones were applied, the bad ones not. */
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_USER), 1);
	EXPECT_EQ(knote_exists(kq, 3, EVFILT_USER), 1);
	EXPECT_EQ(knote_exists(kq, 6, EVFILT_USER), 1);
	EXPECT_EQ(knote_exists(kq, 2, EVFILT_USER), 0);
	EXPECT_EQ(knote_exists(kq, 5, EVFILT_USER), 0);
	ASSERT_EQ(poll_events(kq, ev, 8), 1);
	EXPECT_EQ(ev[0].ident, 3);
	EXPECT_EQ((uintptr_t)ev[0].udata, 0x30);
	close(kq);
}

KQ_TEST(many_error_entries)
{
	enum { N = 1000 };
	struct kevent *chg = calloc(N, sizeof(*chg)), *ev = calloc(N, sizeof(*ev));
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(chg && ev && kq >= 0);
	for (int i = 0; i < N; i++)
		EV_SET(&chg[i], i, EVFILT_USER, EV_DELETE, 0, 0, UDATA(i));
	ASSERT_EQ(kevent(kq, chg, N, ev, N, &zero), N);
	for (int i = 0; i < N; i++) {
		if (ev[i].ident != (uintptr_t)i || ev[i].flags != EV_ERROR ||
		    ev[i].data != ENOENT || ev[i].udata != UDATA(i)) {
			printf("# entry %d: ident %lu flags %#x data %lld\n", i,
			       (unsigned long)ev[i].ident, ev[i].flags,
			       (long long)ev[i].data);
			kq_current_failed = 1;
			break;
		}
	}
	free(chg);
	free(ev);
	close(kq);
}

KQ_TEST(error_without_room_fails_the_call)
{
	struct kevent chg[3];
	int kq = kqueue();

	ASSERT(kq >= 0);
	EV_SET(&chg[0], 1, EVFILT_USER, EV_ADD, 0, 0, NULL);
	EV_SET(&chg[1], 2, EVFILT_USER, EV_DELETE, 0, 0, NULL);	/* ENOENT */
	EV_SET(&chg[2], 3, EVFILT_USER, EV_ADD, 0, 0, NULL);
	EXPECT_ERRNO(kevent(kq, chg, 3, NULL, 0, NULL), ENOENT);
	/* Changes before the failing one stay applied, later ones are not. */
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_USER), 1);
	EXPECT_EQ(knote_exists(kq, 3, EVFILT_USER), 0);

	EV_SET(&chg[1], 2, -100, EV_ADD, 0, 0, NULL);			/* EINVAL */
	EV_SET(&chg[2], 4, EVFILT_USER, EV_ADD, 0, 0, NULL);
	EXPECT_ERRNO(kevent(kq, chg, 3, NULL, 0, NULL), EINVAL);
	EXPECT_EQ(knote_exists(kq, 4, EVFILT_USER), 0);
	close(kq);
}

KQ_TEST(error_entries_run_out_of_room)
{
	struct kevent chg[5], ev[2];
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	EV_SET(&chg[0], 10, EVFILT_USER, EV_DELETE, 0, 0, UDATA(10));	/* ENOENT */
	EV_SET(&chg[1], 11, EVFILT_USER, EV_ADD, 0, 0, UDATA(11));
	EV_SET(&chg[2], 12, EVFILT_USER, EV_DISABLE, 0, 0, UDATA(12));	/* ENOENT */
	EV_SET(&chg[3], 13, 7, EV_ADD, 0, 0, UDATA(13));		/* EINVAL, no room */
	EV_SET(&chg[4], 14, EVFILT_USER, EV_ADD, 0, 0, UDATA(14));
	memset(ev, 0, sizeof(ev));
	EXPECT_ERRNO(kevent(kq, chg, 5, ev, 2, &zero), EINVAL);
	/* The entries that fitted were reported. */
	EXPECT_ERROR_ENTRY(ev[0], 10, EVFILT_USER, 10, ENOENT);
	EXPECT_ERROR_ENTRY(ev[1], 12, EVFILT_USER, 12, ENOENT);
	EXPECT_EQ(knote_exists(kq, 11, EVFILT_USER), 1);
	EXPECT_EQ(knote_exists(kq, 14, EVFILT_USER), 0);
	close(kq);
}

KQ_TEST(receipt)
{
	struct kevent chg[3], ev[8];
	struct timespec zero = { 0, 0 };
	int kq = kqueue(), n, seen20 = 0, seen22 = 0;

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 20, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	EV_SET(&chg[0], 21, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, UDATA(21));
	EV_SET(&chg[1], 22, EVFILT_USER, EV_ADD | EV_RECEIPT, NOTE_TRIGGER, 0,
	       UDATA(22));
	EV_SET(&chg[2], 23, EVFILT_USER, EV_DELETE | EV_RECEIPT, 0, 0, UDATA(23));
	chg[1].ext[2] = 0xabcdef;
	memset(ev, 0, sizeof(ev));
	/* One entry per change, successes with data 0; events pending for
	 * 20 and 22 are not collected in this call. */
	ASSERT_EQ(kevent(kq, chg, 3, ev, 8, &zero), 3);
	EXPECT_ERROR_ENTRY(ev[0], 21, EVFILT_USER, 21, 0);
	EXPECT_ERROR_ENTRY(ev[1], 22, EVFILT_USER, 22, 0);
	EXPECT_ERROR_ENTRY(ev[2], 23, EVFILT_USER, 23, ENOENT);
	EXPECT_EQ(knote_exists(kq, 21, EVFILT_USER), 1);
	n = poll_events(kq, ev, 8);
	EXPECT_EQ(n, 2);
	for (int i = 0; i < n; i++) {
		EXPECT_EQ(ev[i].flags & EV_ERROR, 0);
		seen20 += ev[i].ident == 20;
		seen22 += ev[i].ident == 22;
	}
	EXPECT_EQ(seen20, 1);
	EXPECT_EQ(seen22, 1);
	close(kq);
}

KQ_TEST(receipt_without_room)
{
	struct kevent chg[3], ev[2];
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* A successful EV_RECEIPT with a full eventlist stops the call (as on
	 * FreeBSD): it is applied, the changes after it are not, and the call
	 * returns the number of entries written. */
	EV_SET(&chg[0], 1, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, NULL);
	EV_SET(&chg[1], 2, EVFILT_USER, EV_ADD, 0, 0, NULL);
	EXPECT_EQ(kevent(kq, chg, 2, NULL, 0, NULL), 0);
	EXPECT_EQ(knote_exists(kq, 1, EVFILT_USER), 1);
	EXPECT_EQ(knote_exists(kq, 2, EVFILT_USER), 0);

	/* Room for one receipt of two: one entry, and the call returns 1
	 * (FreeBSD would return 0 here). */
	EV_SET(&chg[0], 3, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, UDATA(3));
	EV_SET(&chg[1], 4, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, UDATA(4));
	EV_SET(&chg[2], 5, EVFILT_USER, EV_ADD, 0, 0, UDATA(5));
	memset(ev, 0, sizeof(ev));
	EXPECT_EQ(kevent(kq, chg, 3, ev, 1, &zero), 1);
	EXPECT_ERROR_ENTRY(ev[0], 3, EVFILT_USER, 3, 0);
	EXPECT_EQ(knote_exists(kq, 3, EVFILT_USER), 1);
	EXPECT_EQ(knote_exists(kq, 4, EVFILT_USER), 1);
	EXPECT_EQ(knote_exists(kq, 5, EVFILT_USER), 0);

	/* An EV_RECEIPT that fails with no room fails the call. */
	EV_SET(&chg[0], 6, EVFILT_USER, EV_DELETE | EV_RECEIPT, 0, 0, NULL);
	EV_SET(&chg[1], 7, EVFILT_USER, EV_ADD, 0, 0, NULL);
	EXPECT_ERRNO(kevent(kq, chg, 2, NULL, 0, NULL), ENOENT);
	EXPECT_EQ(knote_exists(kq, 7, EVFILT_USER), 0);
	close(kq);
}

KQ_TEST(disable_enable)
{
	struct kevent ev[4];
	long long t0;
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* Level-triggered: disabled it reports nothing, enabled again it
	 * reports the same trigger. */
	ASSERT_EQ(kq_change(kq, 30, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	ASSERT_EQ(poll_events(kq, ev, 4), 1);
	ASSERT_EQ(kq_change(kq, 30, EVFILT_USER, EV_DISABLE, 0, 0, NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, 4), 0);
	/* A disabled knote does not end a wait either. */
	t0 = kq_now_ns();
	EXPECT_EQ(kq_wait(kq, ev, 4, 200), 0);
	EXPECT(kq_now_ns() - t0 >= 200000000LL);
	ASSERT_EQ(kq_change(kq, 30, EVFILT_USER, EV_ENABLE, 0, 0, NULL), 0);
	ASSERT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ(ev[0].ident, 30);
	ASSERT_EQ(kq_change(kq, 30, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);

	/* EV_ADD|EV_DISABLE adds a disabled knote. */
	ASSERT_EQ(kq_change(kq, 31, EVFILT_USER, EV_ADD | EV_DISABLE, NOTE_TRIGGER,
			    0, NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, 4), 0);
	ASSERT_EQ(kq_change(kq, 31, EVFILT_USER, EV_ENABLE, 0, 0, NULL), 0);
	ASSERT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ(ev[0].ident, 31);
	ASSERT_EQ(kq_change(kq, 31, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);

	/* Edge-triggered: a trigger while disabled is kept for EV_ENABLE. */
	ASSERT_EQ(kq_change(kq, 32, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, 32, EVFILT_USER, EV_DISABLE, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, 32, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, 4), 0);
	ASSERT_EQ(kq_change(kq, 32, EVFILT_USER, EV_ENABLE, 0, 0, NULL), 0);
	ASSERT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ(ev[0].ident, 32);
	EXPECT_EQ(poll_events(kq, ev, 4), 0);

	/* Disabling twice / enabling an enabled knote is fine. */
	EXPECT_EQ(kq_change(kq, 32, EVFILT_USER, EV_DISABLE, 0, 0, NULL), 0);
	EXPECT_EQ(kq_change(kq, 32, EVFILT_USER, EV_DISABLE, 0, 0, NULL), 0);
	EXPECT_EQ(kq_change(kq, 32, EVFILT_USER, EV_ENABLE, 0, 0, NULL), 0);
	EXPECT_EQ(kq_change(kq, 32, EVFILT_USER, EV_ENABLE, 0, 0, NULL), 0);
	close(kq);
}

KQ_TEST(dispatch)
{
	struct kevent ev[4];
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* Edge-triggered + dispatch. */
	ASSERT_EQ(kq_change(kq, 40, EVFILT_USER, EV_ADD | EV_DISPATCH | EV_CLEAR,
			    0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, 40, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	ASSERT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ(ev[0].ident, 40);
	EXPECT(ev[0].flags & EV_DISPATCH);
	/* Now disabled: a new trigger is not reported ... */
	ASSERT_EQ(kq_change(kq, 40, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, 4), 0);
	/* ... until EV_ENABLE, once. */
	ASSERT_EQ(kq_change(kq, 40, EVFILT_USER, EV_ENABLE, 0, 0, NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ(poll_events(kq, ev, 4), 0);
	/* It still exists (dispatch only disables). */
	EXPECT_EQ(kq_change(kq, 40, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);

	/* Level-triggered + dispatch: one report per EV_ENABLE. */
	ASSERT_EQ(kq_change(kq, 41, EVFILT_USER, EV_ADD | EV_DISPATCH,
			    NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ(poll_events(kq, ev, 4), 0);
	ASSERT_EQ(kq_change(kq, 41, EVFILT_USER, EV_ENABLE, 0, 0, NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ(poll_events(kq, ev, 4), 0);
	EXPECT_EQ(kq_change(kq, 41, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	close(kq);
}

KQ_TEST(oneshot)
{
	struct kevent ev[4];
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* Not triggered yet: it stays. */
	ASSERT_EQ(kq_change(kq, 50, EVFILT_USER, EV_ADD | EV_ONESHOT, 0, 0,
			    UDATA(50)), 0);
	EXPECT_EQ(poll_events(kq, ev, 4), 0);
	EXPECT_EQ(knote_exists(kq, 50, EVFILT_USER), 1);
	ASSERT_EQ(kq_change(kq, 50, EVFILT_USER, 0, NOTE_TRIGGER, 0, UDATA(50)), 0);
	ASSERT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ(ev[0].ident, 50);
	EXPECT(ev[0].flags & EV_ONESHOT);
	/* Delivered once, then gone. */
	EXPECT_EQ(poll_events(kq, ev, 4), 0);
	EXPECT_ERRNO(kq_change(kq, 50, EVFILT_USER, EV_DELETE, 0, 0, NULL), ENOENT);
	EXPECT_ERRNO(kq_change(kq, 50, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), ENOENT);
	/* The ident can be reused. */
	ASSERT_EQ(kq_change(kq, 50, EVFILT_USER, EV_ADD | EV_ONESHOT, NOTE_TRIGGER,
			    0, NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, 4), 1);
	EXPECT_EQ(poll_events(kq, ev, 4), 0);
	close(kq);
}

KQ_TEST(event_flags_are_the_knotes)
{
	static const unsigned short add[] = {
		0, EV_CLEAR, EV_ONESHOT, EV_DISPATCH, EV_ONESHOT | EV_CLEAR,
		EV_DISPATCH | EV_CLEAR, EV_KEEPUDATA, EV_RECEIPT,
	};
	static const unsigned short want[] = {
		0, EV_CLEAR, EV_ONESHOT, EV_DISPATCH, EV_ONESHOT | EV_CLEAR,
		EV_DISPATCH | EV_CLEAR, 0, 0,
	};
	enum { N = sizeof(add) / sizeof(add[0]) };
	struct kevent chg, ev[N + 2];
	struct timespec zero = { 0, 0 };
	int kq = kqueue(), n;

	ASSERT(kq >= 0);
	for (int i = 0; i < N; i++) {
		EV_SET(&chg, i, EVFILT_USER, EV_ADD | add[i], 0, 0, NULL);
		if (add[i] & EV_RECEIPT)
			ASSERT_EQ(kevent(kq, &chg, 1, ev, 1, &zero), 1);
		else
			ASSERT_EQ(kevent(kq, &chg, 1, NULL, 0, NULL), 0);
	}
	for (int i = 0; i < N; i++)
		ASSERT_EQ(kq_change(kq, i, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	/* Returned flags: the knote's EV_ONESHOT/EV_CLEAR/EV_DISPATCH only. */
	n = poll_events(kq, ev, N + 2);
	EXPECT_EQ(n, N);
	for (int i = 0; i < n; i++) {
		ASSERT(ev[i].ident < (uintptr_t)N);
		if (ev[i].flags != want[ev[i].ident]) {
			printf("# knote added with flags %#x: event flags %#x, want %#x\n",
			       EV_ADD | add[ev[i].ident], ev[i].flags,
			       want[ev[i].ident]);
			kq_current_failed = 1;
		}
	}
	close(kq);
}

KQ_TEST(ext_zero_on_return)
{
	struct kevent chg, ev[2];
	int kq = kqueue();

	ASSERT(kq >= 0);
	EV_SET(&chg, 1, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_TRIGGER, 0, NULL);
	chg.ext[0] = ~0ULL;
	chg.ext[1] = 0x1234567890abcdefULL;
	chg.ext[2] = 1;
	chg.ext[3] = 0x8000000000000000ULL;
	ASSERT_EQ(kevent(kq, &chg, 1, NULL, 0, NULL), 0);
	memset(ev, 0x5a, sizeof(ev));
	ASSERT_EQ(poll_events(kq, ev, 2), 1);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(ev[0].ext[i], 0);

	/* Same for a timer (1 ms, one-shot). */
	EV_SET(&chg, 2, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 1, NULL);
	chg.ext[0] = chg.ext[1] = chg.ext[2] = chg.ext[3] = 0xffffffffULL;
	ASSERT_EQ(kevent(kq, &chg, 1, NULL, 0, NULL), 0);
	memset(ev, 0x5a, sizeof(ev));
	ASSERT_EQ(kq_wait(kq, ev, 2, 10000), 1);
	EXPECT_EQ(ev[0].ident, 2);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(ev[0].ext[i], 0);
	close(kq);
}

KQ_TEST(close_with_many_knotes)
{
	enum { N = 10000, T = 500 };
	struct kevent *chg = calloc(N, sizeof(*chg)), *ev = calloc(N, sizeof(*ev));
	unsigned char *seen = calloc(N, 1);
	int kq, n;

	ASSERT(chg && ev && seen);
	for (int round = 0; round < 3; round++) {
		kq = kqueue();
		ASSERT(kq >= 0);
		for (int i = 0; i < N; i++)
			EV_SET(&chg[i], i, EVFILT_USER, EV_ADD,
			       (i % 2) ? 0 : NOTE_TRIGGER, 0, UDATA(i));
		ASSERT_EQ(kevent(kq, chg, N, NULL, 0, NULL), 0);
		/* Half of them are pending; all fit in one call. */
		n = poll_events(kq, ev, N);
		ASSERT_EQ(n, N / 2);
		memset(seen, 0, N);
		for (int i = 0; i < n; i++) {
			ASSERT(ev[i].ident < N && ev[i].ident % 2 == 0);
			ASSERT(!seen[ev[i].ident]);
			seen[ev[i].ident] = 1;
		}
		/* Plus running timers, then close with everything in it. */
		for (int i = 0; i < T; i++)
			EV_SET(&chg[i], i, EVFILT_TIMER, EV_ADD, 0, 5 + i % 20, NULL);
		ASSERT_EQ(kevent(kq, chg, T, NULL, 0, NULL), 0);
		ASSERT_EQ(close(kq), 0);
	}
	/* Deleting them all in one call also works. */
	kq = kqueue();
	ASSERT(kq >= 0);
	for (int i = 0; i < N; i++)
		EV_SET(&chg[i], i, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL);
	ASSERT_EQ(kevent(kq, chg, N, NULL, 0, NULL), 0);
	for (int i = 0; i < N; i++)
		EV_SET(&chg[i], i, EVFILT_USER, EV_DELETE, 0, 0, NULL);
	ASSERT_EQ(kevent(kq, chg, N, NULL, 0, NULL), 0);
	EXPECT_EQ(poll_events(kq, ev, N), 0);
	close(kq);
	free(chg);
	free(ev);
	free(seen);
}
