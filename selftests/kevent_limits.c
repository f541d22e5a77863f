// SPDX-License-Identifier: GPL-2.0
/*
 * Big arrays and what the kernel writes back (issue 5, "Limits"):
 *  - a kevent() call with 1,000,000 changes works: they are applied in
 *    order, in small chunks (no allocation proportional to the call);
 *  - every byte of a returned event is defined: ext[] is zero in events
 *    and in error entries (a change with flags = EV_ERROR, data = errno),
 *    and nothing past the returned count is written.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <fcntl.h>

KQ_WATCHDOG(600);

#define MILLION 1000000
#define POISON 0xa5

/*
 * One knote, a million changes: change i ORs bit i % 24 into EVFILT_USER
 * knote 7's fflags and sets data = i. All applied, in order: the last
 * data is MILLION - 1 and every one of the 24 bits is set.
 */
KQ_TEST(a_million_changes_in_one_call_are_all_applied_in_order)
{
	struct kevent *changes = calloc(MILLION, sizeof(*changes));
	struct kevent ev;
	long long t0;
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(changes != NULL);
	ASSERT_EQ(kq_change(kq, 7, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	for (int i = 0; i < MILLION; i++)
		EV_SET(&changes[i], 7, EVFILT_USER, 0, NOTE_FFOR | (1u << (i % 24)),
		       i, UDATA(i));
	changes[MILLION - 1].fflags |= NOTE_TRIGGER;
	t0 = kq_now_ns();
	EXPECT_EQ(kevent(kq, changes, MILLION, NULL, 0, NULL), 0);
	printf("# %d changes applied in %lld ms\n", MILLION,
	       (kq_now_ns() - t0) / MS);
	EXPECT_EQ(kq_wait(kq, &ev, 1, 0), 1);
	EXPECT_EQ(ev.ident, 7);
	EXPECT_EQ(ev.fflags, 0xffffff);
	EXPECT_EQ(ev.data, MILLION - 1);
	EXPECT(ev.udata == UDATA(MILLION - 1));
	free(changes);
	close(kq);
}

/* A million changes with filter 0 are skipped, and the call still collects. */
KQ_TEST(a_million_skipped_changes_then_events_are_collected)
{
	struct kevent *changes = calloc(MILLION, sizeof(*changes));
	struct kevent ev;
	struct timespec zero = { 0, 0 };
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(changes != NULL);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_EQ(kevent(kq, changes, MILLION, &ev, 1, &zero), 1);
	EXPECT_EQ(ev.ident, 1);
	free(changes);
	close(kq);
}

static int all_bytes(const void *p, size_t n, unsigned char b)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i] != b)
			return 0;
	return 1;
}

/* Events of three filters into a poisoned eventlist: defined bytes only. */
KQ_TEST(returned_events_have_zero_ext_and_nothing_past_the_count_is_written)
{
	struct kevent ev[8];
	struct timespec zero = { 0, 0 };
	int kq = kqueue(), p[2], n;

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(write(p[1], "x", 1), 1);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 5, UDATA(1)), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, UDATA(2)), 0);
	ASSERT_EQ(kq_change(kq, 3, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 1, UDATA(3)), 0);
	sleep_ms(20);
	memset(ev, POISON, sizeof(ev));
	n = kevent(kq, NULL, 0, ev, 8, &zero);
	EXPECT_EQ(n, 3);
	for (int i = 0; i < n && i < 8; i++) {
		EXPECT(all_bytes(ev[i].ext, sizeof(ev[i].ext), 0));
		EXPECT(ev[i].udata == UDATA(ev[i].ident == 1 ? 1 :
					    ev[i].ident == 3 ? 3 : 2));
		EXPECT_EQ(ev[i].flags & ~(EV_ONESHOT | EV_CLEAR), 0);
	}
	EXPECT(all_bytes(&ev[3], sizeof(ev) - 3 * sizeof(ev[0]), POISON));
	close(p[0]);
	close(p[1]);
	close(kq);
}

/*
 * An error entry (and a receipt) is the change with flags = EV_ERROR (as
 * FreeBSD) and data = errno; ext[] comes back zero, as in every event (the
 * uapi: "returned as zero"), even though the change's was not. Nothing more.
 */
KQ_TEST(error_entries_are_the_change_itself_with_ev_error)
{
	struct kevent chg[2], ev[4];
	int kq = kqueue(), n;

	ASSERT(kq >= 0);
	EV_SET(&chg[0], 9, EVFILT_USER, EV_DELETE, 0x12, 34, UDATA(0x56));
	EV_SET(&chg[1], 8, EVFILT_USER, EV_ADD | EV_RECEIPT, 0, 0, UDATA(0x78));
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 4; j++)
			chg[i].ext[j] = 0x1111111111111111ull * (unsigned)(i * 4 + j + 1);
	memset(ev, POISON, sizeof(ev));
	n = kevent(kq, chg, 2, ev, 4, NULL);
	EXPECT_EQ(n, 2);
	EXPECT_EQ(ev[0].ident, 9);
	EXPECT_EQ(ev[0].filter, EVFILT_USER);
	EXPECT_EQ(ev[0].flags, EV_ERROR);
	EXPECT_EQ(ev[0].fflags, 0x12);
	EXPECT_EQ(ev[0].data, ENOENT);
	EXPECT(ev[0].udata == UDATA(0x56));
	EXPECT(all_bytes(ev[0].ext, sizeof(ev[0].ext), 0));
	EXPECT_EQ(ev[1].ident, 8);
	EXPECT_EQ(ev[1].flags, EV_ERROR);
	EXPECT_EQ(ev[1].data, 0);
	EXPECT(ev[1].udata == UDATA(0x78));
	EXPECT(all_bytes(ev[1].ext, sizeof(ev[1].ext), 0));
	EXPECT(all_bytes(&ev[2], 2 * sizeof(ev[0]), POISON));
	close(kq);
}
