// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_READ / EVFILT_WRITE on regular files.
 *
 * Regular files cannot be polled for real on Linux, yet BSD programs add
 * them to kqueues. uapi/linux/kqueue.h: READ data = bytes from the file
 * offset to EOF, WRITE data = 0 and always ready. As on FreeBSD
 * (filt_vfsread: ready while data != 0), READ at EOF reports nothing; a
 * READ knote follows the offset (lseek) and the size (writes through
 * another descriptor). Also READ+WRITE on one fd, EV_DISPATCH / EV_ONESHOT /
 * EV_DELETE, and udata.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

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

/* A new file in /tmp with size bytes, opened O_RDWR, already unlinked. */
static int tmp_file(size_t size)
{
	char path[] = "/tmp/kq_fd_regular.XXXXXX";
	char buf[1024];
	int fd = mkstemp(path);

	if (fd < 0) {
		printf("# mkstemp: %s\n", strerror(errno));
		return -1;
	}
	unlink(path);
	memset(buf, 'r', sizeof(buf));
	while (size > 0) {
		size_t n = size < sizeof(buf) ? size : sizeof(buf);

		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		size -= n;
	}
	return fd;
}

FD_TEST(read_data_is_size_minus_offset)
{
	struct kevent ev;
	int fd, kq = kqueue();

	ASSERT(kq >= 0);
	fd = tmp_file(1000);
	ASSERT(fd >= 0);
	ASSERT_EQ(lseek(fd, 100, SEEK_SET), 100);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 900);
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);	/* level-triggered */
	EXPECT_EQ(ev.data, 900);

	/* data follows the offset ... */
	ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 1000);
	ASSERT_EQ(lseek(fd, 999, SEEK_SET), 999);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 1);
	close(fd);
	close(kq);
}

FD_TEST(read_data_follows_size)
{
	struct kevent ev;
	int fd, fd2, kq = kqueue();
	char path[64], buf[500];

	ASSERT(kq >= 0);
	snprintf(path, sizeof(path), "/tmp/kq_fd_regular_size.%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT(fd >= 0);
	fd2 = open(path, O_RDWR);
	ASSERT(fd2 >= 0);
	unlink(path);
	memset(buf, 's', sizeof(buf));
	ASSERT_EQ(write(fd2, buf, 300), 300);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 300);
	/* The file grows through another descriptor. */
	ASSERT_EQ(write(fd2, buf, 200), 200);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 500);
	/* Our own reads move our offset. */
	ASSERT_EQ(read(fd, buf, 120), 120);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 380);
	/* Truncation shrinks it. */
	ASSERT_EQ(ftruncate(fd2, 200), 0);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 80);
	close(fd);
	close(fd2);
	close(kq);
}

FD_TEST(read_not_ready_at_eof)
{
	struct kevent ev;
	int fd, empty, kq = kqueue();

	ASSERT(kq >= 0);
	fd = tmp_file(1000);
	ASSERT(fd >= 0);
	/* The offset is at EOF after writing. */
	ASSERT_EQ(lseek(fd, 0, SEEK_CUR), 1000);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	/* Beyond EOF: not ready either (and data is never negative). */
	ASSERT_EQ(lseek(fd, 5000, SEEK_SET), 5000);
	EXPECT_NO_EVENT(kq);

	empty = tmp_file(0);
	ASSERT(empty >= 0);
	ASSERT_EQ(kq_change(kq, empty, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);

	/* A knote added away from EOF reports; at EOF it does not. */
	ASSERT_EQ(kq_change(kq, empty, EVFILT_READ, EV_DELETE, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_DELETE, 0, 0, NULL), 0);
	ASSERT_EQ(lseek(fd, 400, SEEK_SET), 400);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 600);
	ASSERT_EQ(lseek(fd, 0, SEEK_END), 1000);
	EXPECT_NO_EVENT(kq);
	close(fd);
	close(empty);
	close(kq);
}

FD_TEST(read_reevaluated_by_a_change_after_file_grows)
{
	/*
	 * Linux has no wake-up for a regular file growing (uapi header): a
	 * knote that found EOF is re-evaluated when a change touches it. After
	 * another descriptor appends, EV_ENABLE reports data = the new bytes.
	 */
	struct kevent ev;
	int fd, fd2, kq = kqueue();
	char path[64];

	ASSERT(kq >= 0);
	snprintf(path, sizeof(path), "/tmp/kq_fd_regular_grow.%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT(fd >= 0);
	fd2 = open(path, O_WRONLY | O_APPEND);
	ASSERT(fd2 >= 0);
	unlink(path);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	ASSERT_EQ(write(fd2, "appended", 8), 8);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ENABLE, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 8);
	close(fd);
	close(fd2);
	close(kq);
}

FD_TEST(write_always_ready_data_zero)
{
	struct kevent ev;
	int fd, kq = kqueue();

	ASSERT(kq >= 0);
	fd = tmp_file(0);
	ASSERT(fd >= 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	for (int i = 0; i < 3; i++) {
		EXPECT_EVENT(kq, fd, EVFILT_WRITE, 2000, &ev);
		EXPECT_EQ(ev.data, 0);
		EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
		ASSERT_EQ(write(fd, "0123456789", 10), 10);
	}
	/* EV_CLEAR: reported once. */
	ASSERT_EQ(kq_change(kq, fd, EVFILT_WRITE, EV_DELETE, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, EVFILT_WRITE, 2000, &ev);
	EXPECT_NO_EVENT(kq);
	close(fd);
	close(kq);
}

FD_TEST(write_only_and_read_only_files)
{
	/* READ on an O_WRONLY file and WRITE on an O_RDONLY one are accepted. */
	struct kevent ev;
	int fd, ro, wo, kq = kqueue();
	char path[64];

	ASSERT(kq >= 0);
	snprintf(path, sizeof(path), "/tmp/kq_fd_regular_ro.%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT(fd >= 0);
	ASSERT_EQ(write(fd, "abcdef", 6), 6);
	ro = open(path, O_RDONLY);
	wo = open(path, O_WRONLY);
	unlink(path);
	ASSERT(ro >= 0 && wo >= 0);
	ASSERT_EQ(kq_change(kq, ro, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, ro, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 6);
	ASSERT_EQ(kq_change(kq, wo, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, wo, EVFILT_WRITE, 2000, &ev);
	EXPECT_EQ(ev.data, 0);
	close(fd);
	close(ro);
	close(wo);
	close(kq);
}

FD_TEST(read_and_write_knotes_coexist)
{
	struct kevent ev[8];
	int fd, n, nread = 0, nwrite = 0, kq = kqueue();

	ASSERT(kq >= 0);
	fd = tmp_file(50);
	ASSERT(fd >= 0);
	ASSERT_EQ(lseek(fd, 10, SEEK_SET), 10);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, 0, 0, (void *)1), 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_WRITE, EV_ADD, 0, 0, (void *)2), 0);
	n = kq_wait(kq, ev, 8, 2000);
	if (n == 1)
		n += kq_wait(kq, ev + 1, 7, 0);
	EXPECT_EQ(n, 2);
	for (int i = 0; i < n; i++) {
		EXPECT_EQ(ev[i].ident, fd);
		if (ev[i].filter == EVFILT_READ) {
			nread++;
			EXPECT_EQ(ev[i].data, 40);
			EXPECT(ev[i].udata == (void *)1);
		} else {
			nwrite++;
			EXPECT_EQ(ev[i].filter, EVFILT_WRITE);
			EXPECT(ev[i].udata == (void *)2);
		}
	}
	EXPECT_EQ(nread, 1);
	EXPECT_EQ(nwrite, 1);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_DELETE, 0, 0, NULL), 0);
	n = kq_wait(kq, ev, 8, 0);
	EXPECT_EQ(n, 1);
	if (n == 1)
		EXPECT_EQ(ev[0].filter, EVFILT_WRITE);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_WRITE, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	close(fd);
	close(kq);
}

FD_TEST(knote_flags)
{
	int fd = tmp_file(64);

	ASSERT(fd >= 0);
	ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
	check_fd_knote_flags(fd, EVFILT_READ);
	check_fd_knote_flags(fd, EVFILT_WRITE);
	close(fd);
}

FD_TEST(read_lowat_on_file)
{
	struct kevent ev;
	int fd, kq = kqueue();

	ASSERT(kq >= 0);
	fd = tmp_file(100);
	ASSERT(fd >= 0);
	ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, NOTE_LOWAT, 101, NULL), 0);
	EXPECT_NO_EVENT(kq);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, NOTE_LOWAT, 100, NULL), 0);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 100);
	close(fd);
	close(kq);
}

FD_TEST(udata_round_trip)
{
	struct kevent ev;
	void *u = (void *)0xfeedface12345678ul;
	int fd, kq = kqueue();

	ASSERT(kq >= 0);
	fd = tmp_file(0);
	ASSERT(fd >= 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_WRITE, EV_ADD, 0, 0, u), 0);
	EXPECT_EVENT(kq, fd, EVFILT_WRITE, 2000, &ev);
	EXPECT(ev.udata == u);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(ev.ext[i], 0);
	close(fd);
	close(kq);
}
