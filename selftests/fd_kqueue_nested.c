// SPDX-License-Identifier: GPL-2.0
/*
 * A kqueue watching another kqueue (EVFILT_READ on a kqueue descriptor).
 *
 * uapi/linux/kqueue.h: a kqueue is readable while it has pending events,
 * with data = number of pending knotes; a kqueue may not watch itself nor
 * form a cycle (ELOOP), nor nest deeper than KQUEUE_MAX_NESTING (ELOOP); a
 * knote holds a reference to the watched file. Checks readiness and data,
 * clearing after the inner events are consumed, wake-up of a waiter on the
 * outer kqueue, the ELOOP rules (self, 2- and 3-cycles, depth from either
 * end, and that a diamond, which is no cycle, is accepted), and that
 * closing a watched kqueue's descriptor breaks nothing.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"
#include "kq_fd_test.h"

static int watch(int outer, int inner)
{
	return kq_change(outer, inner, EVFILT_READ, EV_ADD, 0, 0, NULL);
}

FD_TEST(not_ready_while_inner_idle)
{
	int a = kqueue(), b = kqueue();

	ASSERT(a >= 0 && b >= 0);
	ASSERT_EQ(user_add(b, 1, EV_CLEAR), 0);
	ASSERT_EQ(watch(a, b), 0);
	EXPECT_NO_EVENT(a);
	close(a);
	close(b);
}

FD_TEST(data_is_pending_count)
{
	struct kevent ev, evs[4];
	int a = kqueue(), b = kqueue();

	ASSERT(a >= 0 && b >= 0);
	ASSERT_EQ(user_add(b, 1, EV_CLEAR), 0);
	ASSERT_EQ(user_add(b, 2, EV_CLEAR), 0);
	ASSERT_EQ(user_add(b, 3, EV_CLEAR), 0);
	ASSERT_EQ(kq_change(a, b, EVFILT_READ, EV_ADD, 0, 0, (void *)0xb), 0);
	ASSERT_EQ(user_trigger(b, 1), 0);
	EXPECT_EVENT(a, b, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 1);
	EXPECT(ev.udata == (void *)0xb);
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	ASSERT_EQ(user_trigger(b, 2), 0);
	EXPECT_EVENT(a, b, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 2);
	EXPECT_EVENT(a, b, EVFILT_READ, 2000, &ev);	/* level-triggered */
	EXPECT_EQ(ev.data, 2);

	/* Consuming B's events clears A's knote. */
	EXPECT_EQ(kq_wait(b, evs, 4, 0), 2);
	EXPECT_NO_EVENT(a);
	EXPECT_NO_EVENT(b);
	/* And it comes back with the next event in B. */
	ASSERT_EQ(user_trigger(b, 3), 0);
	EXPECT_EVENT(a, b, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 1);
	close(a);
	close(b);
}

FD_TEST(inner_pipe_event)
{
	struct kevent ev;
	int p[2], a = kqueue(), b = kqueue();

	ASSERT(a >= 0 && b >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(b, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	ASSERT_EQ(watch(a, b), 0);
	EXPECT_NO_EVENT(a);
	ASSERT_EQ(write(p[1], "z", 1), 1);
	EXPECT_EVENT(a, b, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 1);
	/* B's knote is level-triggered: B stays readable until the pipe is. */
	EXPECT_EVENT(b, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EVENT(a, b, EVFILT_READ, 2000, &ev);
	ASSERT_EQ(read(p[0], &ev, 1), 1);
	EXPECT_NO_EVENT(b);
	EXPECT_NO_EVENT(a);
	close(p[0]);
	close(p[1]);
	close(a);
	close(b);
}

FD_TEST(ev_clear_on_outer_knote)
{
	struct kevent ev;
	int a = kqueue(), b = kqueue();

	ASSERT(a >= 0 && b >= 0);
	ASSERT_EQ(user_add(b, 1, 0), 0);
	ASSERT_EQ(user_add(b, 2, 0), 0);
	ASSERT_EQ(kq_change(a, b, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	ASSERT_EQ(user_trigger(b, 1), 0);
	EXPECT_EVENT(a, b, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 1);
	EXPECT_NO_EVENT(a);
	ASSERT_EQ(user_trigger(b, 2), 0);
	EXPECT_EVENT(a, b, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 2);
	EXPECT_NO_EVENT(a);
	close(a);
	close(b);
}

struct trig_arg {
	int kq;
	unsigned long id;
};

static void trigger_fn(void *p)
{
	struct trig_arg *t = p;

	user_trigger(t->kq, t->id);
}

FD_TEST(outer_waiter_woken_by_inner_event)
{
	struct trig_arg t;
	int a = kqueue(), b = kqueue();

	ASSERT(a >= 0 && b >= 0);
	ASSERT_EQ(user_add(b, 9, EV_CLEAR), 0);
	ASSERT_EQ(watch(a, b), 0);
	t.kq = b;
	t.id = 9;
	check_blocked_wakeup(a, b, EVFILT_READ, trigger_fn, &t);
	close(a);
	close(b);
}

FD_TEST(two_levels_of_nesting)
{
	/* C watches B watches A: an event in A is seen from C. */
	struct kevent ev;
	int a = kqueue(), b = kqueue(), c = kqueue();

	ASSERT(a >= 0 && b >= 0 && c >= 0);
	ASSERT_EQ(user_add(a, 1, EV_CLEAR), 0);
	ASSERT_EQ(watch(b, a), 0);
	ASSERT_EQ(watch(c, b), 0);
	EXPECT_NO_EVENT(c);
	ASSERT_EQ(user_trigger(a, 1), 0);
	EXPECT_EVENT(c, b, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 1);
	EXPECT_EQ(kq_wait(a, &ev, 1, 0), 1);
	/*
	 * B's knote on A stays pending until a scan of B sees A is empty (as
	 * on FreeBSD, where "pending" is the count of queued knotes); after
	 * that scan nothing is left anywhere.
	 */
	EXPECT_NO_EVENT(b);
	EXPECT_NO_EVENT(c);
	close(a);
	close(b);
	close(c);
}

FD_TEST(self_watch_is_eloop)
{
	struct kevent ch, ev;
	int a = kqueue();

	ASSERT(a >= 0);
	EXPECT_ERRNO(watch(a, a), ELOOP);
	/* As an EV_ERROR entry when there is room. */
	EV_SET(&ch, a, EVFILT_READ, EV_ADD, 0, 0, NULL);
	EXPECT_EQ(kevent(a, &ch, 1, &ev, 1, NULL), 1);
	EXPECT(ev.flags & EV_ERROR);
	EXPECT_EQ(ev.data, ELOOP);
	/* Nothing was added. */
	EXPECT_ERRNO(kq_change(a, a, EVFILT_READ, EV_DELETE, 0, 0, NULL), ENOENT);
	EXPECT_NO_EVENT(a);
	close(a);
}

FD_TEST(two_cycle_is_eloop)
{
	struct kevent ev;
	int a = kqueue(), b = kqueue();

	ASSERT(a >= 0 && b >= 0);
	ASSERT_EQ(watch(a, b), 0);
	EXPECT_ERRNO(watch(b, a), ELOOP);
	EXPECT_ERRNO(kq_change(b, a, EVFILT_READ, EV_DELETE, 0, 0, NULL), ENOENT);
	/* A still watches B normally. */
	ASSERT_EQ(user_add(b, 1, EV_CLEAR), 0);
	ASSERT_EQ(user_trigger(b, 1), 0);
	EXPECT_EVENT(a, b, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 1);
	close(a);
	close(b);
}

FD_TEST(three_cycle_is_eloop)
{
	int a = kqueue(), b = kqueue(), c = kqueue();

	ASSERT(a >= 0 && b >= 0 && c >= 0);
	ASSERT_EQ(watch(a, b), 0);
	ASSERT_EQ(watch(b, c), 0);
	EXPECT_ERRNO(watch(c, a), ELOOP);
	EXPECT_ERRNO(watch(c, b), ELOOP);
	/* Not a cycle: A may watch C directly as well. */
	EXPECT_EQ(watch(a, c), 0);
	close(a);
	close(b);
	close(c);
}

FD_TEST(diamond_is_not_a_cycle)
{
	struct kevent ev;
	int a = kqueue(), b = kqueue(), c = kqueue(), d = kqueue();

	ASSERT(a >= 0 && b >= 0 && c >= 0 && d >= 0);
	ASSERT_EQ(watch(a, b), 0);
	ASSERT_EQ(watch(a, c), 0);
	ASSERT_EQ(watch(b, d), 0);
	ASSERT_EQ(watch(c, d), 0);
	ASSERT_EQ(user_add(d, 1, 0), 0);
	ASSERT_EQ(user_trigger(d, 1), 0);
	EXPECT_EVENT(a, b, EVFILT_READ, 2000, &ev);
	EXPECT_EVENT(a, c, EVFILT_READ, 2000, &ev);
	close(a);
	close(b);
	close(c);
	close(d);
}

/*
 * kq[i + 1] watches kq[i]. The header allows chains up to
 * KQUEUE_MAX_NESTING deep; whether that counts kqueues or watch links is
 * not spelled out, so a chain of KQUEUE_MAX_NESTING - 1 links must be
 * accepted, KQUEUE_MAX_NESTING links may be, and one link more must fail
 * with ELOOP, whichever end of the chain it is added at.
 */
FD_TEST(nesting_too_deep_is_eloop)
{
	int kq[KQUEUE_MAX_NESTING + 3], links = 0, x, y;

	for (int i = 0; i < KQUEUE_MAX_NESTING + 3; i++) {
		kq[i] = kqueue();
		ASSERT(kq[i] >= 0);
	}
	for (int i = 0; i < KQUEUE_MAX_NESTING + 1; i++) {
		errno = 0;
		if (watch(kq[i + 1], kq[i]) != 0) {
			EXPECT_EQ(errno, ELOOP);
			break;
		}
		links++;
	}
	printf("# a chain of %d links was accepted (KQUEUE_MAX_NESTING %d)\n",
	       links, KQUEUE_MAX_NESTING);
	EXPECT(links >= KQUEUE_MAX_NESTING - 1);
	EXPECT(links <= KQUEUE_MAX_NESTING);

	/* The chain kq[0] <- ... <- kq[links] is as deep as allowed. */
	x = kqueue();
	y = kqueue();
	ASSERT(x >= 0 && y >= 0);
	EXPECT_ERRNO(watch(x, kq[links]), ELOOP);	/* on top */
	EXPECT_ERRNO(watch(kq[0], y), ELOOP);		/* below the bottom */
	close(x);
	close(y);
	for (int i = 0; i < KQUEUE_MAX_NESTING + 3; i++)
		close(kq[i]);
}

FD_TEST(join_two_chains_too_deep_is_eloop)
{
	/*
	 * Two chains of 2 links each (3 kqueues each); linking the top of
	 * one to the bottom of the other makes 5 links, deeper than
	 * KQUEUE_MAX_NESTING (4) under either way of counting.
	 */
	int p[3], q[3];

	for (int i = 0; i < 3; i++) {
		p[i] = kqueue();
		q[i] = kqueue();
		ASSERT(p[i] >= 0 && q[i] >= 0);
	}
	ASSERT_EQ(watch(p[1], p[0]), 0);
	ASSERT_EQ(watch(p[2], p[1]), 0);
	ASSERT_EQ(watch(q[1], q[0]), 0);
	ASSERT_EQ(watch(q[2], q[1]), 0);
	EXPECT_ERRNO(watch(q[0], p[2]), ELOOP);
	for (int i = 0; i < 3; i++) {
		close(p[i]);
		close(q[i]);
	}
}

FD_TEST(close_watched_kqueue_does_not_crash)
{
	/*
	 * A's knote keeps B's file alive (documented); what close(2) does to
	 * knotes is not settled yet, so only check that nothing breaks.
	 */
	struct kevent ev[4];
	int p[2], a = kqueue(), b = kqueue();

	ASSERT(a >= 0 && b >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(b, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	ASSERT_EQ(watch(a, b), 0);
	EXPECT_EQ(close(b), 0);
	EXPECT(kq_wait(a, ev, 4, 0) >= 0);
	ASSERT_EQ(write(p[1], "q", 1), 1);
	EXPECT(kq_wait(a, ev, 4, 100) >= 0);
	EXPECT(kq_wait(a, ev, 4, 0) >= 0);
	close(p[0]);
	close(p[1]);
	EXPECT(kq_wait(a, ev, 4, 0) >= 0);
	EXPECT_EQ(close(a), 0);
	/* The system still works. */
	a = kqueue();
	ASSERT(a >= 0);
	ASSERT_EQ(user_add(a, 1, EV_CLEAR), 0);
	ASSERT_EQ(user_trigger(a, 1), 0);
	EXPECT_EVENT(a, 1, EVFILT_USER, 2000, &ev[0]);
	close(a);
}

FD_TEST(close_outer_then_inner)
{
	/* Closing the watcher first, with the inner kqueue busy, is fine. */
	struct kevent ev;
	int a = kqueue(), b = kqueue();

	ASSERT(a >= 0 && b >= 0);
	ASSERT_EQ(user_add(b, 1, 0), 0);
	ASSERT_EQ(user_trigger(b, 1), 0);
	ASSERT_EQ(watch(a, b), 0);
	EXPECT_EVENT(a, b, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(close(a), 0);
	EXPECT_EVENT(b, 1, EVFILT_USER, 2000, &ev);
	EXPECT_EQ(close(b), 0);
}

FD_TEST(knote_flags)
{
	int b = kqueue();

	ASSERT(b >= 0);
	ASSERT_EQ(user_add(b, 1, 0), 0);
	ASSERT_EQ(user_trigger(b, 1), 0);	/* B stays readable */
	check_fd_knote_flags(b, EVFILT_READ);
	close(b);
}
