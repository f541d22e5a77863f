// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_READ / EVFILT_WRITE on AF_UNIX sockets.
 *
 * uapi/linux/kqueue.h: unix sockets report READ data = bytes readable
 * (SOCK_STREAM) or the size of the first datagram (SOCK_DGRAM), WRITE data =
 * send-buffer space, EV_EOF when the peer shuts down or closes, and a
 * listening socket reports READ with data = connections waiting in accept().
 * socketpair() makes all of this synchronous, so exact values are checked.
 * Also: NOTE_LOWAT on a stream, a full send buffer (WRITE not ready, then
 * ready when the peer reads), READ+WRITE knotes on one socket, and
 * EV_DISPATCH / EV_ONESHOT / EV_DELETE on socket knotes.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

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

static void send_n(int fd, size_t n)
{
	char buf[512];

	memset(buf, 'u', sizeof(buf));
	ASSERT(n <= sizeof(buf));
	ASSERT_EQ(send(fd, buf, n, MSG_NOSIGNAL), n);
}

static int sndbuf_of(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len) != 0)
		return -1;
	return v;
}

static const char *type_name(int type)
{
	return type == SOCK_STREAM ? "SOCK_STREAM" :
	       type == SOCK_DGRAM ? "SOCK_DGRAM" : "SOCK_SEQPACKET";
}

FD_TEST(stream_read_data_is_bytes)
{
	struct kevent ev;
	int s[2], kq = kqueue();
	char buf[64];

	ASSERT(kq >= 0);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	ASSERT_EQ(kq_change(kq, s[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	send_n(s[1], 10);
	EXPECT_EVENT(kq, s[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 10);
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	EXPECT_EQ(ev.fflags, 0);
	send_n(s[1], 20);
	EXPECT_EVENT(kq, s[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 30);
	ASSERT_EQ(recv(s[0], buf, 25, 0), 25);
	EXPECT_EVENT(kq, s[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 5);
	ASSERT_EQ(recv(s[0], buf, 5, 0), 5);
	EXPECT_NO_EVENT(kq);
	close(s[0]);
	close(s[1]);
	close(kq);
}

FD_TEST(dgram_read_data_is_first_datagram)
{
	struct kevent ev;
	int s[2], kq = kqueue();
	char buf[64];

	ASSERT(kq >= 0);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, s), 0);
	ASSERT_EQ(kq_change(kq, s[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	send_n(s[1], 10);
	send_n(s[1], 20);
	EXPECT_EVENT(kq, s[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 10);
	ASSERT_EQ(recv(s[0], buf, sizeof(buf), 0), 10);
	EXPECT_EVENT(kq, s[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 20);
	ASSERT_EQ(recv(s[0], buf, sizeof(buf), 0), 20);
	EXPECT_NO_EVENT(kq);
	close(s[0]);
	close(s[1]);
	close(kq);
}

FD_TEST(seqpacket_read_data_is_record_size)
{
	/*
	 * One record queued: "bytes readable" and "first record size" agree.
	 * (With several records queued the header does not say which one a
	 * SOCK_SEQPACKET socket reports, so that is not checked.)
	 */
	struct kevent ev;
	int s[2], kq = kqueue();
	char buf[64];

	ASSERT(kq >= 0);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s), 0);
	ASSERT_EQ(kq_change(kq, s[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	send_n(s[1], 10);
	EXPECT_EVENT(kq, s[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 10);
	ASSERT_EQ(recv(s[0], buf, sizeof(buf), 0), 10);
	EXPECT_NO_EVENT(kq);
	close(s[0]);
	close(s[1]);
	close(kq);
}

FD_TEST(write_data_is_send_space)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

	for (unsigned i = 0; i < 3; i++) {
		struct kevent ev;
		int s[2], sndbuf, kq = kqueue();

		ASSERT(kq >= 0);
		ASSERT_EQ(socketpair(AF_UNIX, types[i], 0, s), 0);
		sndbuf = sndbuf_of(s[0]);
		ASSERT(sndbuf > 0);
		ASSERT_EQ(kq_change(kq, s[0], EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
		if (wait_for(kq, s[0], EVFILT_WRITE, 2000, &ev) != 1) {
			printf("# %s: no WRITE event\n", type_name(types[i]));
			kq_current_failed = 1;
		} else if (ev.data <= 0 || ev.data > sndbuf || (ev.flags & EV_EOF)) {
			printf("# %s: WRITE data %lld (SO_SNDBUF %d) flags 0x%x\n",
			       type_name(types[i]), (long long)ev.data, sndbuf, ev.flags);
			kq_current_failed = 1;
		}
		close(s[0]);
		close(s[1]);
		close(kq);
	}
}

FD_TEST(stream_write_full_then_drained)
{
	struct kevent ev;
	int s[2], kq = kqueue();
	char buf[4096];
	size_t sent = 0, got = 0;
	ssize_t r;

	ASSERT(kq >= 0);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s), 0);
	memset(buf, 'f', sizeof(buf));
	while ((r = send(s[0], buf, sizeof(buf), MSG_NOSIGNAL)) > 0)
		sent += r;
	ASSERT_EQ(errno, EAGAIN);
	ASSERT_EQ(kq_change(kq, s[0], EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);

	while (got < sent && (r = recv(s[1], buf, sizeof(buf), 0)) > 0)
		got += r;
	EXPECT_EQ(got, sent);
	EXPECT_EVENT(kq, s[0], EVFILT_WRITE, 2000, &ev);
	EXPECT(ev.data > 0);
	close(s[0]);
	close(s[1]);
	close(kq);
}

FD_TEST(eof_when_peer_closes)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET };

	for (unsigned i = 0; i < 2; i++) {
		struct kevent ev;
		int s[2], kq = kqueue();

		ASSERT(kq >= 0);
		printf("# %s\n", type_name(types[i]));
		ASSERT_EQ(socketpair(AF_UNIX, types[i], 0, s), 0);
		ASSERT_EQ(kq_change(kq, s[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
		ASSERT_EQ(kq_change(kq, s[0], EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
		EXPECT_EVENT(kq, s[0], EVFILT_WRITE, 2000, &ev);
		EXPECT_EQ(ev.flags & EV_EOF, 0);
		send_n(s[1], 3);
		close(s[1]);
		EXPECT_EVENT(kq, s[0], EVFILT_READ, 2000, &ev);
		EXPECT(ev.flags & EV_EOF);
		EXPECT_EQ(ev.data, 3);
		EXPECT_EQ(ev.fflags, 0);
		EXPECT_EVENT(kq, s[0], EVFILT_WRITE, 2000, &ev);
		EXPECT(ev.flags & EV_EOF);
		close(s[0]);
		close(kq);
	}
}

FD_TEST(eof_when_peer_shuts_down_writing)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET };

	for (unsigned i = 0; i < 2; i++) {
		struct kevent ev;
		int s[2], kq = kqueue();

		ASSERT(kq >= 0);
		printf("# %s\n", type_name(types[i]));
		ASSERT_EQ(socketpair(AF_UNIX, types[i], 0, s), 0);
		ASSERT_EQ(kq_change(kq, s[0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
		EXPECT_NO_EVENT(kq);
		ASSERT_EQ(shutdown(s[1], SHUT_WR), 0);
		EXPECT_EVENT(kq, s[0], EVFILT_READ, 2000, &ev);
		EXPECT(ev.flags & EV_EOF);
		EXPECT_EQ(ev.data, 0);
		/* s[0] can still send to s[1]: its WRITE is not at EOF. */
		ASSERT_EQ(kq_change(kq, s[0], EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
		EXPECT_EVENT(kq, s[0], EVFILT_WRITE, 2000, &ev);
		EXPECT_EQ(ev.flags & EV_EOF, 0);
		EXPECT(ev.data > 0);
		close(s[0]);
		close(s[1]);
		close(kq);
	}
}

FD_TEST(stream_read_lowat)
{
	struct kevent ev;
	int s[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	ASSERT_EQ(kq_change(kq, s[0], EVFILT_READ, EV_ADD, NOTE_LOWAT, 100, NULL), 0);
	send_n(s[1], 50);
	EXPECT_NO_EVENT(kq);
	send_n(s[1], 49);
	EXPECT_NO_EVENT(kq);
	send_n(s[1], 11);
	EXPECT_EVENT(kq, s[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 110);
	/* EOF fires below the mark. */
	ASSERT_EQ(kq_change(kq, s[0], EVFILT_READ, EV_ADD, NOTE_LOWAT, 1000, NULL), 0);
	EXPECT_NO_EVENT(kq);
	close(s[1]);
	EXPECT_EVENT(kq, s[0], EVFILT_READ, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EQ(ev.data, 110);
	close(s[0]);
	close(kq);
}

static int unix_listener(struct sockaddr_un *addr, socklen_t *len)
{
	int l = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	/* Abstract address: nothing to clean up in the file system. */
	snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, "kq_fd_unix.%d", (int)getpid());
	*len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr->sun_path + 1);
	if (l < 0 || bind(l, (struct sockaddr *)addr, *len) != 0 || listen(l, 16) != 0) {
		printf("# listener: %s\n", strerror(errno));
		if (l >= 0)
			close(l);
		return -1;
	}
	return l;
}

FD_TEST(listen_read_data_is_pending_connections)
{
	struct sockaddr_un addr;
	socklen_t alen;
	struct kevent ev;
	int c[3], a, l, kq = kqueue();

	ASSERT(kq >= 0);
	l = unix_listener(&addr, &alen);
	ASSERT(l >= 0);
	ASSERT_EQ(kq_change(kq, l, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);

	for (int i = 0; i < 3; i++) {
		c[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		ASSERT(c[i] >= 0);
		ASSERT_EQ(connect(c[i], (struct sockaddr *)&addr, alen), 0);
		EXPECT_EVENT(kq, l, EVFILT_READ, 2000, &ev);
		EXPECT_EQ(ev.data, i + 1);
		EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	}
	a = accept(l, NULL, NULL);
	ASSERT(a >= 0);
	EXPECT_EVENT(kq, l, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 2);
	close(a);
	close(accept(l, NULL, NULL));
	close(accept(l, NULL, NULL));
	EXPECT_NO_EVENT(kq);
	for (int i = 0; i < 3; i++)
		close(c[i]);
	close(l);
	close(kq);
}

struct conn_arg {
	struct sockaddr_un addr;
	socklen_t alen;
	int fd;
};

static void connect_client(void *p)
{
	struct conn_arg *ca = p;

	ca->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ca->fd < 0 || connect(ca->fd, (struct sockaddr *)&ca->addr, ca->alen) != 0)
		printf("# connect: %s\n", strerror(errno));
}

FD_TEST(blocked_kevent_woken_by_connect)
{
	struct conn_arg ca;
	int l, kq = kqueue();

	ASSERT(kq >= 0);
	l = unix_listener(&ca.addr, &ca.alen);
	ASSERT(l >= 0);
	ASSERT_EQ(kq_change(kq, l, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	check_blocked_wakeup(kq, l, EVFILT_READ, connect_client, &ca);
	close(ca.fd);
	close(l);
	close(kq);
}

static void send_4(void *arg)
{
	send(*(int *)arg, "abcd", 4, MSG_NOSIGNAL);
}

FD_TEST(blocked_kevent_woken_by_send)
{
	int s[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	ASSERT_EQ(kq_change(kq, s[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	check_blocked_wakeup(kq, s[0], EVFILT_READ, send_4, &s[1]);
	close(s[0]);
	close(s[1]);
	close(kq);
}

FD_TEST(read_and_write_knotes_coexist)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

	for (unsigned i = 0; i < 3; i++) {
		int s[2];

		printf("# %s\n", type_name(types[i]));
		ASSERT_EQ(socketpair(AF_UNIX, types[i], 0, s), 0);
		check_read_write_coexist(s[0], send_4, &s[1]);
		close(s[0]);
		close(s[1]);
	}
}

FD_TEST(knote_flags)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

	for (unsigned i = 0; i < 3; i++) {
		int s[2];

		printf("# %s\n", type_name(types[i]));
		ASSERT_EQ(socketpair(AF_UNIX, types[i], 0, s), 0);
		check_fd_knote_flags(s[0], EVFILT_WRITE);
		send_n(s[1], 8);
		check_fd_knote_flags(s[0], EVFILT_READ);
		close(s[0]);
		close(s[1]);
	}
}
