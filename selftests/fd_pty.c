// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_READ / EVFILT_WRITE on pseudo-terminals.
 *
 * Terminal programs (ssh, tmux, expect) wait on a pty master with kqueue.
 * Checks: the master is readable after the slave writes and the slave after
 * the master writes (raw mode, so no line discipline buffering); both sides
 * are writable; data is 0 ("other files": readiness only, per
 * uapi/linux/kqueue.h). Hang-up: after the slave is closed Linux's tty poll
 * reports POLLHUP (and no POLLIN) on the master, and after the master is
 * closed the slave is hung up; both are "hang-up", so READ must report
 * EV_EOF. Also READ+WRITE on one fd, EV_DISPATCH / EV_ONESHOT / EV_DELETE.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>

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

/* A pty pair, slave in raw mode; O_NOCTTY so it never becomes our tty. */
static int open_pty(int *master, int *slave)
{
	struct termios t;
	char *name;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (*master < 0 || grantpt(*master) != 0 || unlockpt(*master) != 0 ||
	    !(name = ptsname(*master))) {
		printf("# posix_openpt: %s\n", strerror(errno));
		return -1;
	}
	*slave = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (*slave < 0) {
		printf("# open %s: %s\n", name, strerror(errno));
		return -1;
	}
	if (tcgetattr(*slave, &t) != 0)
		return -1;
	cfmakeraw(&t);
	if (tcsetattr(*slave, TCSANOW, &t) != 0)
		return -1;
	return 0;
}

static void put(int fd, const char *s)
{
	ASSERT_EQ(write(fd, s, strlen(s)), strlen(s));
}

/* Read exactly n bytes from a non-blocking fd, waiting up to 5 s. */
static int get_n(int fd, size_t n)
{
	char buf[256];
	size_t got = 0;
	long long end = kq_now_ns() + 5000000000LL;

	while (got < n && kq_now_ns() < end) {
		ssize_t r = read(fd, buf, n - got < sizeof(buf) ? n - got : sizeof(buf));

		if (r > 0)
			got += r;
		else
			usleep(5000);
	}
	return got == n;
}

FD_TEST(master_readable_after_slave_writes)
{
	struct kevent ev;
	int m, s, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(open_pty(&m, &s), 0);
	ASSERT_EQ(kq_change(kq, m, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	put(s, "hello");
	EXPECT_EVENT(kq, m, EVFILT_READ, 5000, &ev);
	EXPECT_EQ(ev.data, 0);
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	EXPECT_EVENT(kq, m, EVFILT_READ, 2000, &ev);	/* level-triggered */
	EXPECT(get_n(m, 5));
	EXPECT_NO_EVENT(kq);
	close(s);
	close(m);
	close(kq);
}

FD_TEST(slave_readable_after_master_writes)
{
	struct kevent ev;
	int m, s, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(open_pty(&m, &s), 0);
	ASSERT_EQ(kq_change(kq, s, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	put(m, "abc");
	EXPECT_EVENT(kq, s, EVFILT_READ, 5000, &ev);
	EXPECT_EQ(ev.data, 0);
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	EXPECT(get_n(s, 3));
	EXPECT_NO_EVENT(kq);
	close(s);
	close(m);
	close(kq);
}

FD_TEST(both_sides_writable)
{
	struct kevent ev;
	int m, s, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(open_pty(&m, &s), 0);
	ASSERT_EQ(kq_change(kq, m, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, s, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, m, EVFILT_WRITE, 2000, &ev);
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	EXPECT_EVENT(kq, s, EVFILT_WRITE, 2000, &ev);
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	close(s);
	close(m);
	close(kq);
}

FD_TEST(master_eof_when_slave_closes)
{
	struct pollfd pfd;
	struct kevent ev;
	int m, s, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(open_pty(&m, &s), 0);
	ASSERT_EQ(kq_change(kq, m, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	close(s);

	/* What Linux reports: POLLHUP on the master. */
	pfd.fd = m;
	pfd.events = POLLIN;
	pfd.revents = 0;
	EXPECT_EQ(poll(&pfd, 1, 5000), 1);
	EXPECT(pfd.revents & POLLHUP);

	/* The knote added before the close was woken, with EV_EOF. */
	EXPECT_EVENT(kq, m, EVFILT_READ, 5000, &ev);
	EXPECT(ev.flags & EV_EOF);
	/* A knote added after the close sees it too (level). */
	ASSERT_EQ(kq_change(kq, m, EVFILT_READ, EV_DELETE, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, m, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, m, EVFILT_READ, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EVENT(kq, m, EVFILT_READ, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	close(m);
	close(kq);
}

FD_TEST(master_data_then_eof)
{
	/* Output left by the slave is still readable along with the hang-up. */
	struct kevent ev;
	int m, s, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(open_pty(&m, &s), 0);
	ASSERT_EQ(kq_change(kq, m, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	put(s, "bye");
	EXPECT_EVENT(kq, m, EVFILT_READ, 5000, &ev);
	close(s);
	for (long long end = kq_now_ns() + 5000000000LL;
	     !(ev.flags & EV_EOF) && kq_now_ns() < end; usleep(10000))
		wait_for(kq, m, EVFILT_READ, 100, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT(get_n(m, 3));
	EXPECT_EVENT(kq, m, EVFILT_READ, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	close(m);
	close(kq);
}

FD_TEST(slave_eof_when_master_closes)
{
	struct pollfd pfd;
	struct kevent ev;
	int m, s, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(open_pty(&m, &s), 0);
	ASSERT_EQ(kq_change(kq, s, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	close(m);		/* hangs up the slave */

	pfd.fd = s;
	pfd.events = POLLIN;
	pfd.revents = 0;
	EXPECT_EQ(poll(&pfd, 1, 5000), 1);
	EXPECT(pfd.revents & POLLHUP);

	EXPECT_EVENT(kq, s, EVFILT_READ, 5000, &ev);
	EXPECT(ev.flags & EV_EOF);
	ASSERT_EQ(kq_change(kq, s, EVFILT_READ, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	close(s);
	close(kq);
}

static void slave_says_hi(void *arg)
{
	put(*(int *)arg, "hi");
}

FD_TEST(read_and_write_knotes_coexist)
{
	int m, s;

	ASSERT_EQ(open_pty(&m, &s), 0);
	check_read_write_coexist(m, slave_says_hi, &s);
	close(s);
	close(m);
}

FD_TEST(knote_flags)
{
	int m, s;

	ASSERT_EQ(open_pty(&m, &s), 0);
	check_fd_knote_flags(m, EVFILT_WRITE);
	check_fd_knote_flags(s, EVFILT_WRITE);
	put(s, "x");
	put(m, "y");
	usleep(100000);
	check_fd_knote_flags(m, EVFILT_READ);
	check_fd_knote_flags(s, EVFILT_READ);
	close(s);
	close(m);
}

FD_TEST(blocked_kevent_woken_by_slave_output)
{
	int m, s, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(open_pty(&m, &s), 0);
	ASSERT_EQ(kq_change(kq, m, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	check_blocked_wakeup(kq, m, EVFILT_READ, slave_says_hi, &s);
	close(s);
	close(m);
	close(kq);
}
