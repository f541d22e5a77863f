// SPDX-License-Identifier: GPL-2.0
/*
 * filter_user: EVFILT_USER, per uapi/linux/kqueue.h ("FILTERS") and
 * FreeBSD kqueue(2).
 *
 * Checks NOTE_TRIGGER, the NOTE_FFNOP/FFAND/FFOR/FFCOPY combination of the
 * low 24 bits (control bits and NOTE_TRIGGER never show in the returned
 * fflags), that the data of a change is stored and returned, that a
 * triggered knote without EV_CLEAR is reported by every call and with
 * EV_CLEAR once per trigger, and that triggering a missing knote fails with
 * ENOENT and is not remembered. EVFILT_USER is how threads wake a kqueue
 * loop, so each of these is relied upon by real programs.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <stdint.h>

KQ_WATCHDOG(60);

/* Poll for exactly one event of knote ident; returns it in *ev. */
static int one_event(int kq, unsigned long ident, struct kevent *ev)
{
	struct kevent evs[4];
	int n = kq_wait(kq, evs, 4, 0);

	if (n != 1) {
		printf("# expected one event for %lu, got %d\n", ident, n);
		return -1;
	}
	*ev = evs[0];
	if (ev->ident != ident || ev->filter != EVFILT_USER ||
	    (ev->flags & EV_ERROR)) {
		printf("# unexpected event: ident %lu filter %d flags %#x\n",
		       (unsigned long)ev->ident, ev->filter, ev->flags);
		return -1;
	}
	if (ev->fflags & ~NOTE_FFLAGSMASK) {
		printf("# fflags %#x has bits outside NOTE_FFLAGSMASK\n", ev->fflags);
		return -1;
	}
	return 0;
}

static int trigger(int kq, unsigned long ident, unsigned int fflags, long long data)
{
	return kq_change(kq, ident, EVFILT_USER, 0, NOTE_TRIGGER | fflags, data, NULL);
}

KQ_TEST(trigger_basic)
{
	struct kevent ev[2];
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0,
			    (void *)0x1234), 0);
	EXPECT_EQ(kq_wait(kq, ev, 2, 0), 0);
	/* A change without NOTE_TRIGGER does not trigger. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, 0, NOTE_FFCOPY | 5, 0, (void *)0x1234), 0);
	EXPECT_EQ(kq_wait(kq, ev, 2, 0), 0);
	/* (Any change of an existing knote stores its udata, as on FreeBSD
	 * unless EV_KEEPUDATA: pass the same one.) */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, (void *)0x1234), 0);
	ASSERT_EQ(one_event(kq, 1, &ev[0]), 0);
	EXPECT_EQ(ev[0].flags, EV_CLEAR);
	EXPECT_EQ(ev[0].fflags, 5);
	EXPECT_EQ(ev[0].data, 0);
	EXPECT_EQ((uintptr_t)ev[0].udata, 0x1234);

	/* Triggering one knote does not trigger another. */
	ASSERT_EQ(kq_change(kq, 2, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	ASSERT_EQ(trigger(kq, 2, 0, 0), 0);
	ASSERT_EQ(one_event(kq, 2, &ev[0]), 0);
	EXPECT_EQ(kq_wait(kq, ev, 2, 0), 0);
	close(kq);
}

KQ_TEST(fflags_control_ops)
{
	static const struct {
		unsigned int fflags;	/* of the change (NOTE_TRIGGER added) */
		unsigned int want;	/* the knote's fflags afterwards */
	} steps[] = {
		{ NOTE_FFNOP | 0xffffff, 0x00f0f0 },
		{ NOTE_FFOR | 0x000f00, 0x00fff0 },
		{ NOTE_FFAND | 0x0f0ff0, 0x000ff0 },
		{ NOTE_FFCOPY | 0xabcdef, 0xabcdef },
		{ NOTE_FFNOP, 0xabcdef },
		{ NOTE_FFAND | 0x00000f, 0x00000f },
		{ NOTE_FFOR | 0xfff000, 0xfff00f },
		{ NOTE_FFAND, 0 },
		{ NOTE_FFOR | 0xffffff, 0xffffff },
		/* Bits above the mask are not stored. */
		{ NOTE_FFCOPY | 0x3e000001, 0x000001 },
		{ NOTE_FFOR | 0x3e800000, 0x800001 },
	};
	struct kevent ev;
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR,
			    NOTE_FFCOPY | 0x00f0f0, 0, NULL), 0);
	ASSERT_EQ(trigger(kq, 1, NOTE_FFNOP, 0), 0);
	ASSERT_EQ(one_event(kq, 1, &ev), 0);
	EXPECT_EQ(ev.fflags, 0x00f0f0);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ASSERT_EQ(trigger(kq, 1, steps[i].fflags, 0), 0);
		ASSERT_EQ(one_event(kq, 1, &ev), 0);
		if (ev.fflags != steps[i].want) {
			printf("# step %zu: change %#x: fflags %#x, want %#x\n", i,
			       steps[i].fflags, ev.fflags, steps[i].want);
			kq_current_failed = 1;
		}
	}

	/* The combination also happens without NOTE_TRIGGER, and on a
	 * re-add (EV_ADD of the existing knote). */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, 0, NOTE_FFCOPY | 0x100, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, 0, NOTE_FFOR | 0x001, 0, NULL), 0);
	EXPECT_EQ(kq_wait(kq, &ev, 1, 0), 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_FFNOP | 0x999, 0, NULL), 0);
	ASSERT_EQ(trigger(kq, 1, NOTE_FFNOP, 0), 0);
	ASSERT_EQ(one_event(kq, 1, &ev), 0);
	EXPECT_EQ(ev.fflags, 0x101);

	/* The knote's fflags are state: reporting does not reset them. */
	ASSERT_EQ(trigger(kq, 1, NOTE_FFNOP, 0), 0);
	ASSERT_EQ(one_event(kq, 1, &ev), 0);
	EXPECT_EQ(ev.fflags, 0x101);
	close(kq);
}

KQ_TEST(control_bits_never_returned)
{
	static const unsigned int ctl[] = {
		NOTE_FFNOP, NOTE_FFAND, NOTE_FFOR, NOTE_FFCOPY,
	};
	struct kevent ev;
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* EV_ADD|NOTE_TRIGGER of new knotes with each control op. */
	for (size_t i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
		ASSERT_EQ(kq_change(kq, 10 + i, EVFILT_USER, EV_ADD | EV_CLEAR,
				    NOTE_TRIGGER | ctl[i] | 0x42, 0, NULL), 0);
		/* one_event() fails on any bit outside NOTE_FFLAGSMASK. */
		ASSERT_EQ(one_event(kq, 10 + i, &ev), 0);
		/* COPY and OR of 0x42 into a new knote give 0x42 whatever
		 * its initial fflags (0 or the change's low bits). */
		if (ctl[i] == NOTE_FFCOPY || ctl[i] == NOTE_FFOR)
			EXPECT_EQ(ev.fflags, 0x42);
		else
			EXPECT(ev.fflags == 0 || ev.fflags == 0x42);
	}
	close(kq);
}

KQ_TEST(data_stored_and_returned)
{
	struct kevent ev;
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	ASSERT_EQ(trigger(kq, 1, 0, 12345), 0);
	ASSERT_EQ(one_event(kq, 1, &ev), 0);
	EXPECT_EQ(ev.data, 12345);
	ASSERT_EQ(trigger(kq, 1, 0, -7), 0);
	ASSERT_EQ(one_event(kq, 1, &ev), 0);
	EXPECT_EQ(ev.data, -7);
	ASSERT_EQ(trigger(kq, 1, 0, INT64_MAX), 0);
	ASSERT_EQ(one_event(kq, 1, &ev), 0);
	EXPECT(ev.data == INT64_MAX);
	ASSERT_EQ(trigger(kq, 1, 0, INT64_MIN), 0);
	ASSERT_EQ(one_event(kq, 1, &ev), 0);
	EXPECT(ev.data == INT64_MIN);

	/* Given at EV_ADD time. */
	ASSERT_EQ(kq_change(kq, 2, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 77, NULL), 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	ASSERT_EQ(one_event(kq, 2, &ev), 0);
	EXPECT_EQ(ev.data, 77);
	/* Stored: a level-triggered knote reports it every time. */
	ASSERT_EQ(one_event(kq, 2, &ev), 0);
	EXPECT_EQ(ev.data, 77);
	close(kq);
}

KQ_TEST(level_triggered_without_clear)
{
	struct kevent ev;
	struct timespec ts = { 30, 0 };
	long long t0;
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	ASSERT_EQ(trigger(kq, 1, 0, 0), 0);
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(one_event(kq, 1, &ev), 0);
		EXPECT_EQ(ev.flags, 0);
	}
	/* A waiting call returns at once. */
	t0 = kq_now_ns();
	EXPECT_EQ(kevent(kq, NULL, 0, &ev, 1, &ts), 1);
	EXPECT_EQ(kevent(kq, NULL, 0, &ev, 1, NULL), 1);
	EXPECT(kq_now_ns() - t0 < 10000000000LL);
	/* Triggering again changes nothing: still one event. */
	ASSERT_EQ(trigger(kq, 1, 0, 0), 0);
	ASSERT_EQ(one_event(kq, 1, &ev), 0);
	close(kq);
}

KQ_TEST(clear_reports_once_per_trigger)
{
	struct kevent ev;
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(trigger(kq, 1, 0, i), 0);
		ASSERT_EQ(one_event(kq, 1, &ev), 0);
		EXPECT_EQ(ev.data, i);
		EXPECT_EQ(kq_wait(kq, &ev, 1, 0), 0);
		/* Reported means reset: changes that do not trigger (and
		 * re-evaluate the knote) do not bring it back. */
		ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ENABLE, NOTE_FFOR | 1, i,
				    NULL), 0);
		ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, 0, i, NULL), 0);
		EXPECT_EQ(kq_wait(kq, &ev, 1, 0), 0);
	}
	/* Triggers before a report coalesce into one event. */
	ASSERT_EQ(trigger(kq, 1, 0, 1), 0);
	ASSERT_EQ(trigger(kq, 1, 0, 2), 0);
	ASSERT_EQ(trigger(kq, 1, 0, 3), 0);
	ASSERT_EQ(one_event(kq, 1, &ev), 0);
	EXPECT_EQ(ev.data, 3);
	EXPECT_EQ(kq_wait(kq, &ev, 1, 0), 0);
	close(kq);
}

KQ_TEST(trigger_missing_and_add_with_trigger)
{
	struct kevent ev;
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* A trigger of a knote that does not exist fails ... */
	EXPECT_ERRNO(trigger(kq, 1, 0, 0), ENOENT);
	EXPECT_ERRNO(trigger(kq, 1, NOTE_FFCOPY | 3, 5), ENOENT);
	/* ... and is not remembered for a later EV_ADD. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EQ(kq_wait(kq, &ev, 1, 0), 0);
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	/* Once deleted, triggering fails again. */
	EXPECT_ERRNO(trigger(kq, 1, 0, 0), ENOENT);
	/* EV_ADD with NOTE_TRIGGER is pending at once. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 9, NULL), 0);
	ASSERT_EQ(one_event(kq, 1, &ev), 0);
	EXPECT_EQ(ev.data, 9);
	close(kq);
}
