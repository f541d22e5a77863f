// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_READ / EVFILT_WRITE on named FIFOs (mkfifo in /tmp).
 *
 * A FIFO is a pipe reached through the file system, so the pipe rules of
 * uapi/linux/kqueue.h apply: READ data = bytes in it, WRITE data = free
 * bytes, EV_EOF when the writers (readers) go away. FIFOs add what pipes
 * lack: one descriptor opened O_RDWR is both readable and writable (READ and
 * WRITE knotes on one fd), and writers can come back after EOF (FreeBSD
 * kqueue(2): "cleared by the filter when a new writer connects").
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

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

static char fifo_path[64];

/* A fresh FIFO; returns its path. */
static const char *make_fifo(void)
{
	static int seq;

	snprintf(fifo_path, sizeof(fifo_path), "/tmp/kq_fd_fifo.%d.%d", (int)getpid(), seq++);
	unlink(fifo_path);
	if (mkfifo(fifo_path, 0600) != 0) {
		printf("# mkfifo %s: %s\n", fifo_path, strerror(errno));
		return NULL;
	}
	return fifo_path;
}

static void write_n(int fd, size_t n)
{
	char buf[256];

	memset(buf, 'x', sizeof(buf));
	while (n > 0) {
		ssize_t r = write(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

		if (r <= 0) {
			printf("# write failed: %s\n", strerror(errno));
			kq_current_failed = 1;
			return;
		}
		n -= r;
	}
}

static size_t drain(int fd)
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

FD_TEST(rdwr_fifo_readiness_and_data)
{
	struct kevent ev;
	const char *path = make_fifo();
	int fd, cap, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(path != NULL);
	fd = open(path, O_RDWR | O_NONBLOCK);
	ASSERT(fd >= 0);
	cap = fcntl(fd, F_GETPIPE_SZ);
	ASSERT(cap > 0);

	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, EVFILT_WRITE, 2000, &ev);
	EXPECT_EQ(ev.data, cap);
	EXPECT_EQ(ev.flags & EV_EOF, 0);

	write_n(fd, 42);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 42);
	EXPECT_EQ(ev.flags & EV_EOF, 0);
	EXPECT_EVENT(kq, fd, EVFILT_WRITE, 2000, &ev);
	EXPECT(ev.data > 0 && ev.data <= cap - 42);

	EXPECT_EQ(drain(fd), 42);
	EXPECT_EVENT(kq, fd, EVFILT_WRITE, 2000, &ev);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_WRITE, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	close(fd);
	close(kq);
	unlink(path);
}

FD_TEST(reader_and_writer_eof_when_writer_closes)
{
	struct kevent ev;
	const char *path = make_fifo();
	int rfd, wfd, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(path != NULL);
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	ASSERT(rfd >= 0);
	wfd = open(path, O_WRONLY | O_NONBLOCK);
	ASSERT(wfd >= 0);

	ASSERT_EQ(kq_change(kq, rfd, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	write_n(wfd, 5);
	EXPECT_EVENT(kq, rfd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 5);
	EXPECT_EQ(ev.flags & EV_EOF, 0);

	close(wfd);
	EXPECT_EVENT(kq, rfd, EVFILT_READ, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EQ(ev.data, 5);
	EXPECT_EQ(drain(rfd), 5);
	EXPECT_EVENT(kq, rfd, EVFILT_READ, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EQ(ev.data, 0);

	/* A new writer clears the EOF: nothing to read, nothing reported. */
	wfd = open(path, O_WRONLY | O_NONBLOCK);
	ASSERT(wfd >= 0);
	EXPECT_NO_EVENT(kq);
	write_n(wfd, 3);
	EXPECT_EVENT(kq, rfd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 3);
	EXPECT_EQ(ev.flags & EV_EOF, 0);
	close(wfd);
	close(rfd);
	close(kq);
	unlink(path);
}

FD_TEST(eof_waits_for_last_writer)
{
	struct kevent ev;
	const char *path = make_fifo();
	int rfd, w1, w2, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(path != NULL);
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	ASSERT(rfd >= 0);
	w1 = open(path, O_WRONLY | O_NONBLOCK);
	w2 = open(path, O_WRONLY | O_NONBLOCK);
	ASSERT(w1 >= 0 && w2 >= 0);
	ASSERT_EQ(kq_change(kq, rfd, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	close(w1);
	EXPECT_NO_EVENT(kq);
	close(w2);
	EXPECT_EVENT(kq, rfd, EVFILT_READ, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EQ(ev.data, 0);
	close(rfd);
	close(kq);
	unlink(path);
}

FD_TEST(writer_eof_when_reader_closes)
{
	struct kevent ev;
	const char *path = make_fifo();
	int rfd, wfd, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(path != NULL);
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	ASSERT(rfd >= 0);
	wfd = open(path, O_WRONLY | O_NONBLOCK);
	ASSERT(wfd >= 0);
	ASSERT_EQ(kq_change(kq, wfd, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, wfd, EVFILT_WRITE, 2000, &ev);
	EXPECT(ev.data > 0);
	EXPECT_EQ(ev.flags & EV_EOF, 0);
	close(rfd);
	EXPECT_EVENT(kq, wfd, EVFILT_WRITE, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	close(wfd);
	close(kq);
	unlink(path);
}

FD_TEST(read_lowat_on_fifo)
{
	struct kevent ev;
	const char *path = make_fifo();
	int fd, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(path != NULL);
	fd = open(path, O_RDWR | O_NONBLOCK);
	ASSERT(fd >= 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, NOTE_LOWAT, 10, NULL), 0);
	write_n(fd, 9);
	EXPECT_NO_EVENT(kq);
	write_n(fd, 1);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 10);
	close(fd);
	close(kq);
	unlink(path);
}

static void write_7(void *arg)
{
	write_n(*(int *)arg, 7);
}

FD_TEST(read_and_write_knotes_coexist)
{
	const char *path = make_fifo();
	int fd;

	ASSERT(path != NULL);
	fd = open(path, O_RDWR | O_NONBLOCK);
	ASSERT(fd >= 0);
	check_read_write_coexist(fd, write_7, &fd);
	close(fd);
	unlink(path);
}

FD_TEST(knote_flags)
{
	const char *path = make_fifo();
	int fd;

	ASSERT(path != NULL);
	fd = open(path, O_RDWR | O_NONBLOCK);
	ASSERT(fd >= 0);
	check_fd_knote_flags(fd, EVFILT_WRITE);
	write_n(fd, 1);
	check_fd_knote_flags(fd, EVFILT_READ);
	close(fd);
	unlink(path);
}

FD_TEST(blocked_kevent_woken_by_writer)
{
	const char *path = make_fifo();
	int rfd, wfd, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(path != NULL);
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	ASSERT(rfd >= 0);
	wfd = open(path, O_WRONLY | O_NONBLOCK);
	ASSERT(wfd >= 0);
	ASSERT_EQ(kq_change(kq, rfd, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	check_blocked_wakeup(kq, rfd, EVFILT_READ, write_7, &wfd);
	close(wfd);
	close(rfd);
	close(kq);
	unlink(path);
}
