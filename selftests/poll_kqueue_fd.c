// SPDX-License-Identifier: GPL-2.0
/*
 * The kqueue descriptor itself is pollable.
 *
 * uapi/linux/kqueue.h: poll(2), select(2) and epoll(7) report a kqueue
 * readable (POLLIN) while at least one event is pending. Event loops that
 * embed a kqueue in a poll/epoll loop (or the reverse) depend on it. Checks
 * all three interfaces with nothing pending, with a triggered EVFILT_USER
 * knote and with a readable pipe, that the readiness goes away once the
 * events are consumed (a kevent() scan), that a poll/select/epoll_wait
 * blocked in another thread is woken by a new event, and that an
 * edge-triggered epoll registration reports each new event once.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>

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

/* poll(2) for POLLIN on fd with a timeout; returns revents or -1. */
static int poll_in(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r = poll(&pfd, 1, ms);

	if (r < 0)
		return -1;
	return r == 0 ? 0 : pfd.revents;
}

/* select(2) for reading; 1 readable, 0 not, -1 error. */
static int select_in(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	fd_set rd;
	int r;

	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	r = select(fd + 1, &rd, NULL, NULL, &tv);
	if (r < 0)
		return -1;
	return r > 0 && FD_ISSET(fd, &rd);
}

/* epoll_wait on ep; returns the number of events (the kqueue is the only fd). */
static int epoll_in(int ep, int ms, unsigned int *events)
{
	struct epoll_event e[2];
	int r = epoll_wait(ep, e, 2, ms);

	if (r > 0 && events)
		*events = e[0].events;
	return r;
}

static int user_add(int kq, unsigned long id, unsigned short flags)
{
	return kq_change(kq, id, EVFILT_USER, EV_ADD | flags, 0, 0, NULL);
}

static int user_trigger(int kq, unsigned long id)
{
	return kq_change(kq, id, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
}

FD_TEST(not_readable_when_empty)
{
	int ep, kq = kqueue();

	ASSERT(kq >= 0);
	EXPECT_EQ(poll_in(kq, 0), 0);
	EXPECT_EQ(select_in(kq, 0), 0);
	ep = epoll_create1(0);
	ASSERT(ep >= 0);
	struct epoll_event e = { .events = EPOLLIN, .data.fd = kq };
	ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, kq, &e), 0);
	EXPECT_EQ(epoll_in(ep, 0, NULL), 0);
	/* Knotes that have not fired do not count. */
	ASSERT_EQ(user_add(kq, 1, 0), 0);
	EXPECT_EQ(poll_in(kq, 0), 0);
	EXPECT_EQ(select_in(kq, 0), 0);
	EXPECT_EQ(epoll_in(ep, 0, NULL), 0);
	close(ep);
	close(kq);
}

FD_TEST(readable_while_user_event_pending)
{
	struct kevent ev;
	unsigned int events = 0;
	int ep, kq = kqueue();

	ASSERT(kq >= 0);
	ep = epoll_create1(0);
	ASSERT(ep >= 0);
	struct epoll_event e = { .events = EPOLLIN, .data.fd = kq };
	ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, kq, &e), 0);

	ASSERT_EQ(user_add(kq, 1, 0), 0);	/* stays triggered */
	ASSERT_EQ(user_trigger(kq, 1), 0);
	EXPECT_EQ(poll_in(kq, 0), POLLIN);
	EXPECT_EQ(select_in(kq, 0), 1);
	EXPECT_EQ(epoll_in(ep, 0, &events), 1);
	EXPECT_EQ(events, EPOLLIN);
	/* Level: still pending after a report. */
	EXPECT_EVENT(kq, 1, EVFILT_USER, 2000, &ev);
	EXPECT_EQ(poll_in(kq, 0), POLLIN);
	EXPECT_EQ(select_in(kq, 0), 1);
	EXPECT_EQ(epoll_in(ep, 0, NULL), 1);
	/* Gone when the knote is deleted. */
	ASSERT_EQ(kq_change(kq, 1, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_EQ(poll_in(kq, 0), 0);
	EXPECT_EQ(select_in(kq, 0), 0);
	EXPECT_EQ(epoll_in(ep, 0, NULL), 0);
	close(ep);
	close(kq);
}

FD_TEST(not_readable_after_events_consumed)
{
	struct kevent ev[4];
	int ep, kq = kqueue();

	ASSERT(kq >= 0);
	ep = epoll_create1(0);
	ASSERT(ep >= 0);
	struct epoll_event e = { .events = EPOLLIN, .data.fd = kq };
	ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, kq, &e), 0);

	ASSERT_EQ(user_add(kq, 1, EV_CLEAR), 0);
	ASSERT_EQ(user_add(kq, 2, EV_ONESHOT), 0);
	ASSERT_EQ(user_trigger(kq, 1), 0);
	ASSERT_EQ(user_trigger(kq, 2), 0);
	EXPECT_EQ(poll_in(kq, 0), POLLIN);
	EXPECT_EQ(epoll_in(ep, 0, NULL), 1);
	EXPECT_EQ(kq_wait(kq, ev, 4, 0), 2);
	EXPECT_EQ(poll_in(kq, 0), 0);
	EXPECT_EQ(select_in(kq, 0), 0);
	EXPECT_EQ(epoll_in(ep, 0, NULL), 0);
	close(ep);
	close(kq);
}

FD_TEST(readable_while_pipe_readable)
{
	struct kevent ev;
	char c;
	int p[2], ep, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ep = epoll_create1(0);
	ASSERT(ep >= 0);
	struct epoll_event e = { .events = EPOLLIN, .data.fd = kq };
	ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, kq, &e), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EQ(poll_in(kq, 0), 0);
	EXPECT_EQ(epoll_in(ep, 0, NULL), 0);
	ASSERT_EQ(write(p[1], "k", 1), 1);
	EXPECT_EQ(poll_in(kq, 2000), POLLIN);
	EXPECT_EQ(select_in(kq, 2000), 1);
	EXPECT_EQ(epoll_in(ep, 2000, NULL), 1);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(poll_in(kq, 0), POLLIN);	/* level: still readable */
	/* Drained, and a scan has seen it: no longer readable. */
	ASSERT_EQ(read(p[0], &c, 1), 1);
	EXPECT_NO_EVENT(kq);
	EXPECT_EQ(poll_in(kq, 0), 0);
	EXPECT_EQ(select_in(kq, 0), 0);
	EXPECT_EQ(epoll_in(ep, 0, NULL), 0);
	close(p[0]);
	close(p[1]);
	close(ep);
	close(kq);
}

FD_TEST(epoll_edge_triggered)
{
	struct kevent ev[4];
	int ep, kq = kqueue();

	ASSERT(kq >= 0);
	ep = epoll_create1(0);
	ASSERT(ep >= 0);
	struct epoll_event e = { .events = EPOLLIN | EPOLLET, .data.fd = kq };
	ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, kq, &e), 0);
	ASSERT_EQ(user_add(kq, 1, EV_CLEAR), 0);
	EXPECT_EQ(epoll_in(ep, 0, NULL), 0);

	ASSERT_EQ(user_trigger(kq, 1), 0);
	EXPECT_EQ(epoll_in(ep, 2000, NULL), 1);
	EXPECT_EQ(epoll_in(ep, 0, NULL), 0);	/* reported once */
	EXPECT_EQ(kq_wait(kq, ev, 4, 0), 1);	/* consume */
	EXPECT_EQ(epoll_in(ep, 0, NULL), 0);

	/* A new event is a new edge. */
	ASSERT_EQ(user_trigger(kq, 1), 0);
	EXPECT_EQ(epoll_in(ep, 2000, NULL), 1);
	EXPECT_EQ(epoll_in(ep, 0, NULL), 0);
	EXPECT_EQ(kq_wait(kq, ev, 4, 0), 1);
	EXPECT_EQ(epoll_in(ep, 0, NULL), 0);
	close(ep);
	close(kq);
}

/* A thread blocked in poll/select/epoll_wait on the kqueue fd. */
enum waiter_kind { W_POLL, W_SELECT, W_EPOLL };

struct pwaiter {
	enum waiter_kind kind;
	int kq;
	int ep;
	int result;
	long long t_done;
	volatile int started;
};

static void *pwaiter_fn(void *p)
{
	struct pwaiter *w = p;

	w->started = 1;
	switch (w->kind) {
	case W_POLL:
		w->result = poll_in(w->kq, 15000) == POLLIN;
		break;
	case W_SELECT:
		w->result = select_in(w->kq, 15000) == 1;
		break;
	case W_EPOLL:
		w->result = epoll_in(w->ep, 15000, NULL) == 1;
		break;
	}
	w->t_done = kq_now_ns();
	return NULL;
}

static void check_waiter_woken(enum waiter_kind kind, const char *name)
{
	struct pwaiter w = { .kind = kind, .ep = -1 };
	long long t_trigger;
	pthread_t th;

	w.kq = kqueue();
	ASSERT(w.kq >= 0);
	ASSERT_EQ(user_add(w.kq, 5, EV_CLEAR), 0);
	if (kind == W_EPOLL) {
		struct epoll_event e = { .events = EPOLLIN, .data.fd = w.kq };

		w.ep = epoll_create1(0);
		ASSERT(w.ep >= 0);
		ASSERT_EQ(epoll_ctl(w.ep, EPOLL_CTL_ADD, w.kq, &e), 0);
	}
	ASSERT_EQ(pthread_create(&th, NULL, pwaiter_fn, &w), 0);
	while (!w.started)
		usleep(1000);
	usleep(300000);
	t_trigger = kq_now_ns();
	ASSERT_EQ(user_trigger(w.kq, 5), 0);
	pthread_join(th, NULL);	/* the waiter gives up after 15 s by itself */
	if (!w.result)
		printf("# %s: not woken (or timed out)\n", name);
	EXPECT_EQ(w.result, 1);
	EXPECT(w.t_done >= t_trigger);
	/* Woken promptly, not by its own 15 s timeout. */
	EXPECT(w.t_done - t_trigger < 10000000000LL);
	if (w.ep >= 0)
		close(w.ep);
	close(w.kq);
}

FD_TEST(blocked_poll_woken_by_event)
{
	check_waiter_woken(W_POLL, "poll");
}

FD_TEST(blocked_select_woken_by_event)
{
	check_waiter_woken(W_SELECT, "select");
}

FD_TEST(blocked_epoll_wait_woken_by_event)
{
	check_waiter_woken(W_EPOLL, "epoll_wait");
}

static void *write_later(void *arg)
{
	usleep(300000);
	if (write(*(int *)arg, "w", 1) != 1)
		printf("# write: %s\n", strerror(errno));
	return NULL;
}

FD_TEST(blocked_poll_woken_by_pipe_write)
{
	/* The wake-up travels pipe -> knote -> kqueue fd's pollers. */
	pthread_t th;
	long long t0;
	int p[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	ASSERT_EQ(pthread_create(&th, NULL, write_later, &p[1]), 0);
	t0 = kq_now_ns();
	EXPECT_EQ(poll_in(kq, 15000), POLLIN);
	EXPECT(kq_now_ns() - t0 >= 250000000LL);
	EXPECT(kq_now_ns() - t0 < 10000000000LL);
	pthread_join(th, NULL);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(pollin_without_error_bits)
{
	/* A pending event is POLLIN, not an error or a hang-up. */
	struct pollfd pfd;
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(user_add(kq, 1, 0), 0);
	ASSERT_EQ(user_trigger(kq, 1), 0);
	pfd.fd = kq;
	pfd.events = POLLIN | POLLOUT;
	pfd.revents = 0;
	EXPECT_EQ(poll(&pfd, 1, 0), 1);
	EXPECT(pfd.revents & POLLIN);
	EXPECT_EQ(pfd.revents & (POLLERR | POLLHUP | POLLNVAL), 0);
	close(kq);
}
