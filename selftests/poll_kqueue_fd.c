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
#include "kq_fd_test.h"

#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>

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
