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
#include "kq_fd_test.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>

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
