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

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

/* ---- helpers (each fd_*.c / poll_*.c carries its own copy) -------------- */

#define WATCHDOG_SECS 60
static const char *kqt_current = "?";

static void kqt_watchdog_fired(int sig)
{
	static const char m1[] = "# watchdog: test ";
	static const char m2[] = " hung (a kevent/poll did not return); aborting\n";

	(void)sig;
	if (write(STDOUT_FILENO, m1, sizeof(m1) - 1) < 0 ||
	    write(STDOUT_FILENO, kqt_current, strlen(kqt_current)) < 0 ||
	    write(STDOUT_FILENO, m2, sizeof(m2) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void kqt_sig_noop(int sig)
{
	(void)sig;
}

__attribute__((constructor)) static void kqt_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kqt_watchdog_fired;
	sigaction(SIGALRM, &sa, NULL);
	/* No SA_RESTART: SIGUSR1 interrupts a kevent() that never returns. */
	sa.sa_handler = kqt_sig_noop;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* A test with a watchdog: a hang in the module becomes a failure. */
#define FD_TEST(name)							\
	static void name##_body(void);					\
	KQ_TEST(name)							\
	{								\
		kqt_current = #name;					\
		alarm(WATCHDOG_SECS);					\
		name##_body();						\
		alarm(0);						\
	}								\
	static void name##_body(void)

static __attribute__((unused)) void dump_ev(const char *what, const struct kevent *e)
{
	printf("#   %s: ident %lu filter %d flags 0x%x fflags 0x%x data %lld udata %p\n",
	       what, (unsigned long)e->ident, e->filter, e->flags, e->fflags,
	       (long long)e->data, e->udata);
}

/*
 * Wait up to ms for an event of knote (ident, filter); 1 and the event in
 * *out if one came, 0 if not, -1 if kevent() failed. Events of other knotes
 * that arrive meanwhile are dropped.
 */
static __attribute__((unused)) int wait_for(int kq, unsigned long ident, short filter,
					   long ms, struct kevent *out)
{
	long long deadline = kq_now_ns() + ms * 1000000LL;
	struct kevent ev[16];

	memset(out, 0, sizeof(*out));
	for (;;) {
		long long left = (deadline - kq_now_ns()) / 1000000;
		int n;

		if (left < 0)
			left = 0;
		n = kq_wait(kq, ev, 16, left);
		if (n < 0) {
			printf("#   kevent failed: %s\n", strerror(errno));
			return -1;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].ident == ident && ev[i].filter == filter) {
				*out = ev[i];
				return 1;
			}
		}
		if (left == 0)
			return 0;
		if (n == 0)
			continue;
		/* Only other knotes fired: do not spin on a level-triggered one. */
		usleep(10000);
	}
}

/*
 * Wait up to ms until knote (ident, filter) reports data == want (data that
 * arrives asynchronously, e.g. over loopback). 1 if seen; else 0 and the
 * last event seen (if any) in *out.
 */
static __attribute__((unused)) int wait_data(int kq, unsigned long ident, short filter,
					    long long want, long ms, struct kevent *out)
{
	long long deadline = kq_now_ns() + ms * 1000000LL;
	struct kevent ev;

	memset(out, 0, sizeof(*out));
	while (kq_now_ns() < deadline) {
		long left = (deadline - kq_now_ns()) / 1000000;

		if (wait_for(kq, ident, filter, left > 0 ? left : 0, &ev) == 1) {
			*out = ev;
			if (ev.data == want)
				return 1;
		}
		usleep(10000);
	}
	return 0;
}

/* Expect an event of (ident, filter) within ms; leaves it in *ev. */
#define EXPECT_EVENT(kq, ident, filter, ms, ev) do {			\
	int __r = wait_for((kq), (ident), (filter), (ms), (ev));	\
	if (__r != 1) {							\
		printf("# %s:%d: expected an event of ident %ld filter %s within %ld ms; got %s\n", \
		       __FILE__, __LINE__, (long)(ident), #filter, (long)(ms), \
		       __r == 0 ? "none" : "an error");			\
		kq_current_failed = 1;					\
	}								\
} while (0)

/* Expect that nothing is pending now (a {0, 0} poll returns 0 events). */
#define EXPECT_NO_EVENT(kq) do {					\
	struct kevent __e[16];						\
	int __n = kq_wait((kq), __e, 16, 0);				\
	if (__n != 0) {							\
		printf("# %s:%d: expected no event, kevent returned %d\n", \
		       __FILE__, __LINE__, __n);			\
		for (int __i = 0; __i < __n; __i++)			\
			dump_ev("unexpected", &__e[__i]);		\
		kq_current_failed = 1;					\
	}								\
} while (0)

/*
 * fd must be ready for filter now and stay ready (level-triggered) while
 * the test does nothing with it. Checks, on an fd knote: EV_DISPATCH
 * (disabled after one event, EV_ENABLE re-arms), EV_ONESHOT (deleted after
 * one event), EV_ADD|EV_DISABLE then EV_ENABLE, and EV_DELETE followed by a
 * new EV_ADD.
 */
static __attribute__((unused)) void check_fd_knote_flags(int fd, short filter)
{
	struct kevent ev;
	int kq = kqueue();

	ASSERT(kq >= 0);

	/* EV_DISPATCH */
	ASSERT_EQ(kq_change(kq, fd, filter, EV_ADD | EV_DISPATCH, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, filter, 2000, &ev);
	EXPECT(ev.flags & EV_DISPATCH);
	EXPECT_NO_EVENT(kq);
	ASSERT_EQ(kq_change(kq, fd, filter, EV_ENABLE, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, filter, 2000, &ev);
	EXPECT_NO_EVENT(kq);
	ASSERT_EQ(kq_change(kq, fd, filter, EV_DELETE, 0, 0, NULL), 0);

	/* EV_ONESHOT */
	ASSERT_EQ(kq_change(kq, fd, filter, EV_ADD | EV_ONESHOT, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, filter, 2000, &ev);
	EXPECT(ev.flags & EV_ONESHOT);
	EXPECT_NO_EVENT(kq);
	EXPECT_ERRNO(kq_change(kq, fd, filter, EV_DELETE, 0, 0, NULL), ENOENT);

	/* EV_ADD|EV_DISABLE, EV_ENABLE, EV_DISABLE */
	ASSERT_EQ(kq_change(kq, fd, filter, EV_ADD | EV_DISABLE, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	ASSERT_EQ(kq_change(kq, fd, filter, EV_ENABLE, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, filter, 2000, &ev);
	ASSERT_EQ(kq_change(kq, fd, filter, EV_DISABLE, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);

	/* EV_DELETE, then a new EV_ADD */
	ASSERT_EQ(kq_change(kq, fd, filter, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	EXPECT_ERRNO(kq_change(kq, fd, filter, EV_DELETE, 0, 0, NULL), ENOENT);
	ASSERT_EQ(kq_change(kq, fd, filter, EV_ADD, 0, 0, (void *)0x5a5a), 0);
	EXPECT_EVENT(kq, fd, filter, 2000, &ev);
	EXPECT(ev.udata == (void *)0x5a5a);
	EXPECT_EVENT(kq, fd, filter, 2000, &ev);	/* level-triggered */
	ASSERT_EQ(kq_change(kq, fd, filter, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	close(kq);
}

/*
 * EVFILT_READ and EVFILT_WRITE on one fd are two knotes. fd must be
 * writable and not readable now; make_readable(arg) makes it readable
 * without making it unwritable.
 */
static __attribute__((unused)) void check_read_write_coexist(int fd,
		void (*make_readable)(void *), void *arg)
{
	struct kevent ev[8];
	int kq = kqueue(), n, nread = 0, nwrite = 0;

	ASSERT(kq >= 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, 0, 0, (void *)1), 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_WRITE, EV_ADD, 0, 0, (void *)2), 0);

	n = kq_wait(kq, ev, 8, 2000);
	EXPECT_EQ(n, 1);
	if (n >= 1) {
		EXPECT_EQ(ev[0].ident, fd);
		EXPECT_EQ(ev[0].filter, EVFILT_WRITE);
		EXPECT(ev[0].udata == (void *)2);
	}

	make_readable(arg);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 5000, &ev[0]);
	n = kq_wait(kq, ev, 8, 0);
	EXPECT_EQ(n, 2);
	for (int i = 0; i < n; i++) {
		EXPECT_EQ(ev[i].ident, fd);
		if (ev[i].filter == EVFILT_READ) {
			nread++;
			EXPECT(ev[i].udata == (void *)1);
		} else if (ev[i].filter == EVFILT_WRITE) {
			nwrite++;
			EXPECT(ev[i].udata == (void *)2);
		}
	}
	EXPECT_EQ(nread, 1);
	EXPECT_EQ(nwrite, 1);

	/* Deleting one leaves the other. */
	ASSERT_EQ(kq_change(kq, fd, EVFILT_WRITE, EV_DELETE, 0, 0, NULL), 0);
	n = kq_wait(kq, ev, 8, 0);
	EXPECT_EQ(n, 1);
	if (n >= 1)
		EXPECT_EQ(ev[0].filter, EVFILT_READ);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	EXPECT_ERRNO(kq_change(kq, fd, EVFILT_READ, EV_DELETE, 0, 0, NULL), ENOENT);
	EXPECT_ERRNO(kq_change(kq, fd, EVFILT_WRITE, EV_DELETE, 0, 0, NULL), ENOENT);
	close(kq);
}

/*
 * A thread blocked in kevent(kq, NULL timeout) must wake when trigger(arg)
 * makes knote (ident, filter) fire. A waiter that never wakes is
 * interrupted with SIGUSR1 after 10 s so the test fails instead of hanging.
 */
struct kqt_waiter {
	int kq;
	int n;
	int err;
	struct kevent ev;
	long long t_done;
	volatile int started;
};

static void *kqt_waiter_fn(void *p)
{
	struct kqt_waiter *w = p;

	w->started = 1;
	w->n = kevent(w->kq, NULL, 0, &w->ev, 1, NULL);
	w->err = errno;
	w->t_done = kq_now_ns();
	return NULL;
}

static __attribute__((unused)) void check_blocked_wakeup(int kq, unsigned long ident,
		short filter, void (*trigger)(void *), void *arg)
{
	struct kqt_waiter w = { .kq = kq };
	struct timespec until;
	long long t_trigger;
	pthread_t th;
	int r;

	ASSERT_EQ(pthread_create(&th, NULL, kqt_waiter_fn, &w), 0);
	while (!w.started)
		usleep(1000);
	usleep(300000);		/* let it block in kevent() */
	t_trigger = kq_now_ns();
	trigger(arg);

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	r = pthread_timedjoin_np(th, NULL, &until);
	if (r == ETIMEDOUT) {
		printf("# blocked kevent() not woken within 10 s\n");
		kq_current_failed = 1;
		pthread_kill(th, SIGUSR1);
		pthread_join(th, NULL);
		return;
	}
	ASSERT_EQ(r, 0);
	errno = w.err;
	ASSERT_EQ(w.n, 1);
	EXPECT_EQ(w.ev.ident, ident);
	EXPECT_EQ(w.ev.filter, filter);
	EXPECT(w.t_done >= t_trigger);
}

/* ---- end of helpers ------------------------------------------------------ */

static int user_add(int kq, unsigned long id, unsigned short flags)
{
	return kq_change(kq, id, EVFILT_USER, EV_ADD | flags, 0, 0, NULL);
}

static int user_trigger(int kq, unsigned long id)
{
	return kq_change(kq, id, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
}

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
