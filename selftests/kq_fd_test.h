/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the fd-filter selftests (fd_*.c, poll_kqueue_fd.c).
 *
 * One copy, so that a fix lands once. Include it after kq_test.h (it
 * includes kq_test.h itself; define KQ_TEST_MAIN before the first include
 * as usual). It provides:
 *
 *  - a per-test watchdog: FD_TEST(name) registers a KQ_TEST whose body runs
 *    under alarm(WATCHDOG_SECS), so a hang in the module becomes a failure
 *    naming the test; a constructor installs the SIGALRM handler, a no-op
 *    SIGUSR1 handler without SA_RESTART (to interrupt a kevent() that never
 *    returns) and ignores SIGPIPE;
 *  - dump_ev(), wait_for(), wait_data() and the EXPECT_EVENT(kq, ident,
 *    filter, ms, ev) / EXPECT_NO_EVENT(kq) macros;
 *  - the generic fd-knote checks every file type must pass:
 *    check_fd_knote_flags() (EV_DISPATCH, EV_ONESHOT, EV_DISABLE/EV_ENABLE,
 *    EV_DELETE then EV_ADD), check_read_write_coexist() (EVFILT_READ and
 *    EVFILT_WRITE are two knotes) and check_blocked_wakeup() (a thread
 *    blocked in kevent() without a timeout is woken by an event);
 *  - small I/O helpers used by more than one file: write_n() / drain() for
 *    pipes and FIFOs, send_n() / sndbuf_of() for sockets, user_add() /
 *    user_trigger() for EVFILT_USER knotes.
 *
 * Everything is static (and marked unused where a file may not call it), so
 * each test program gets its own copy without warnings.
 */
#ifndef KQ_FD_TEST_H
#define KQ_FD_TEST_H

#include "kq_test.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

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


/* ---- I/O helpers shared by several files --------------------------------- */

/* Write n bytes ('x') to fd; a short or failed write fails the test. */
static __attribute__((unused)) void write_n(int fd, size_t n)
{
	char buf[4096];
	size_t done = 0;

	memset(buf, 'x', sizeof(buf));
	while (done < n) {
		size_t chunk = n - done < sizeof(buf) ? n - done : sizeof(buf);
		ssize_t r = write(fd, buf, chunk);

		if (r <= 0) {
			printf("# write_n: write failed: %s\n", strerror(errno));
			kq_current_failed = 1;
			return;
		}
		done += r;
	}
}

/* Read everything fd holds now (without blocking); returns the byte count. */
static __attribute__((unused)) size_t drain(int fd)
{
	char buf[4096];
	size_t total = 0;
	int fl = fcntl(fd, F_GETFL);
	ssize_t r;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		total += r;
	fcntl(fd, F_SETFL, fl);
	return total;
}

/* Send n (at most 512) bytes on a socket in one send(). */
static __attribute__((unused)) void send_n(int fd, size_t n)
{
	char buf[512];

	memset(buf, 's', sizeof(buf));
	ASSERT(n <= sizeof(buf));
	ASSERT_EQ(send(fd, buf, n, MSG_NOSIGNAL), n);
}

/* SO_SNDBUF of a socket, or -1. */
static __attribute__((unused)) int sndbuf_of(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len) != 0)
		return -1;
	return v;
}

/* Add an EVFILT_USER knote id (with extra flags) to kq. */
static __attribute__((unused)) int user_add(int kq, unsigned long id, unsigned short flags)
{
	return kq_change(kq, id, EVFILT_USER, EV_ADD | flags, 0, 0, NULL);
}

/* Trigger EVFILT_USER knote id on kq. */
static __attribute__((unused)) int user_trigger(int kq, unsigned long id)
{
	return kq_change(kq, id, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
}

#endif /* KQ_FD_TEST_H */
