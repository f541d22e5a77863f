// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_READ / EVFILT_WRITE on TCP and UDP sockets over loopback.
 *
 * uapi/linux/kqueue.h: a listening socket's READ data = connections waiting
 * in accept(); a TCP socket's READ data = bytes readable and WRITE data =
 * send-buffer space; EV_EOF when the peer shuts down or on an error, with
 * the pending socket error in fflags (ECONNREFUSED for a refused
 * non-blocking connect, ECONNRESET after an RST); UDP READ data = size of
 * the first datagram. Reporting the error must not consume it: the usual
 * non-blocking connect idiom reads it with getsockopt(SO_ERROR) afterwards.
 * Loopback delivery is asynchronous, so values are awaited with a timeout.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"
#include "kq_fd_test.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define LONG_MS 5000	/* generous upper bound for loopback delivery (TCG) */

static int tcp_listener(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0)
		return -1;
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)addr, sizeof(*addr)) != 0 ||
	    listen(l, 16) != 0 ||
	    getsockname(l, (struct sockaddr *)addr, &len) != 0) {
		printf("# tcp listener: %s\n", strerror(errno));
		close(l);
		return -1;
	}
	return l;
}

/* A connected TCP pair over 127.0.0.1: *a is the client, *b the server side. */
static int tcp_pair(int *a, int *b)
{
	struct sockaddr_in addr;
	int one = 1, l = tcp_listener(&addr);

	if (l < 0)
		return -1;
	*a = socket(AF_INET, SOCK_STREAM, 0);
	if (*a < 0 || connect(*a, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		printf("# connect: %s\n", strerror(errno));
		close(l);
		return -1;
	}
	*b = accept(l, NULL, NULL);
	close(l);
	if (*b < 0)
		return -1;
	setsockopt(*a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(*b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

/* Wait until FIONREAD on fd reports n bytes (the data has arrived). */
static int wait_inq(int fd, int n)
{
	long long deadline = kq_now_ns() + LONG_MS * 1000000LL;
	int v = -1;

	while (kq_now_ns() < deadline) {
		if (ioctl(fd, FIONREAD, &v) == 0 && v == n)
			return 1;
		usleep(5000);
	}
	printf("# FIONREAD is %d, expected %d\n", v, n);
	return 0;
}

static int so_error(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) != 0)
		return -1;
	return v;
}

FD_TEST(tcp_listen_read_data_is_pending_connections)
{
	struct sockaddr_in addr;
	struct kevent ev;
	int c[3], l, a, kq = kqueue();

	ASSERT(kq >= 0);
	l = tcp_listener(&addr);
	ASSERT(l >= 0);
	ASSERT_EQ(kq_change(kq, l, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	for (int i = 0; i < 3; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		ASSERT(c[i] >= 0);
		ASSERT_EQ(connect(c[i], (struct sockaddr *)&addr, sizeof(addr)), 0);
	}
	if (!wait_data(kq, l, EVFILT_READ, 3, LONG_MS, &ev)) {
		printf("# listener READ data %lld, expected 3\n", (long long)ev.data);
		kq_current_failed = 1;
	}
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
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

FD_TEST(tcp_read_data_is_bytes_readable)
{
	struct kevent ev;
	int a, b, kq = kqueue();
	char buf[256];

	ASSERT(kq >= 0);
	ASSERT_EQ(tcp_pair(&a, &b), 0);
	ASSERT_EQ(kq_change(kq, a, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	send_n(b, 100);
	if (!wait_data(kq, a, EVFILT_READ, 100, LONG_MS, &ev)) {
		printf("# READ data %lld, expected 100\n", (long long)ev.data);
		kq_current_failed = 1;
	}
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	EXPECT_EQ(ev.fflags, 0);
	send_n(b, 50);
	if (!wait_data(kq, a, EVFILT_READ, 150, LONG_MS, &ev)) {
		printf("# READ data %lld, expected 150\n", (long long)ev.data);
		kq_current_failed = 1;
	}
	ASSERT_EQ(recv(a, buf, 120, MSG_WAITALL), 120);
	EXPECT_EVENT(kq, a, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 30);
	ASSERT_EQ(recv(a, buf, 30, MSG_WAITALL), 30);
	EXPECT_NO_EVENT(kq);
	close(a);
	close(b);
	close(kq);
}

FD_TEST(tcp_write_data_is_send_space)
{
	struct kevent ev;
	int a, b, sndbuf, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(tcp_pair(&a, &b), 0);
	sndbuf = sndbuf_of(a);
	ASSERT(sndbuf > 0);
	ASSERT_EQ(kq_change(kq, a, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, a, EVFILT_WRITE, 2000, &ev);
	EXPECT(ev.data > 0);
	EXPECT(ev.data <= sndbuf);
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	close(a);
	close(b);
	close(kq);
}

FD_TEST(tcp_write_not_ready_when_full)
{
	struct kevent ev;
	int a, b, kq = kqueue();
	static char buf[65536];
	long long deadline;

	ASSERT(kq >= 0);
	ASSERT_EQ(tcp_pair(&a, &b), 0);
	fcntl(a, F_SETFL, O_NONBLOCK);
	fcntl(b, F_SETFL, O_NONBLOCK);
	/* Fill until the send buffer stays full (the receiver never reads). */
	deadline = kq_now_ns() + LONG_MS * 1000000LL;
	for (int idle = 0; idle < 20 && kq_now_ns() < deadline;) {
		if (send(a, buf, sizeof(buf), MSG_NOSIGNAL) > 0) {
			idle = 0;
			continue;
		}
		ASSERT_EQ(errno, EAGAIN);
		idle++;
		usleep(10000);
	}
	ASSERT_EQ(kq_change(kq, a, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	/* The receiver reads everything: space comes back. */
	deadline = kq_now_ns() + LONG_MS * 1000000LL;
	while (kq_now_ns() < deadline) {
		while (recv(b, buf, sizeof(buf), 0) > 0)
			;
		if (wait_for(kq, a, EVFILT_WRITE, 50, &ev) == 1)
			break;
	}
	EXPECT_EQ(ev.ident, a);
	EXPECT_EQ(ev.filter, EVFILT_WRITE);
	EXPECT(ev.data > 0);
	close(a);
	close(b);
	close(kq);
}

FD_TEST(tcp_eof_on_peer_shutdown)
{
	struct kevent ev;
	int a, b, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(tcp_pair(&a, &b), 0);
	ASSERT_EQ(kq_change(kq, a, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	send_n(b, 7);
	ASSERT_EQ(shutdown(b, SHUT_WR), 0);
	EXPECT_EVENT(kq, a, EVFILT_READ, LONG_MS, &ev);
	/* The FIN follows the data, so wait for it. */
	for (long long end = kq_now_ns() + LONG_MS * 1000000LL;
	     !(ev.flags & EV_EOF) && kq_now_ns() < end; usleep(10000))
		wait_for(kq, a, EVFILT_READ, 100, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EQ(ev.data, 7);
	EXPECT_EQ(ev.fflags, 0);
	/* a can still send: its WRITE is not at EOF. */
	ASSERT_EQ(kq_change(kq, a, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, a, EVFILT_WRITE, 2000, &ev);
	EXPECT_EQ(ev.flags & EV_EOF, 0);
	close(a);
	close(b);
	close(kq);
}

FD_TEST(tcp_eof_on_peer_close)
{
	struct kevent ev;
	int a, b, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(tcp_pair(&a, &b), 0);
	ASSERT_EQ(kq_change(kq, a, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	close(b);
	EXPECT_EVENT(kq, a, EVFILT_READ, LONG_MS, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EQ(ev.data, 0);
	EXPECT_EQ(ev.fflags, 0);
	close(a);
	close(kq);
}

/* A port on 127.0.0.1 where nothing listens. */
static int closed_port(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)addr, sizeof(*addr)) != 0 ||
	    getsockname(s, (struct sockaddr *)addr, &len) != 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	close(s);	/* bound, never listened: connecting gets an RST */
	return 0;
}

FD_TEST(tcp_connect_refused_error_in_fflags)
{
	struct sockaddr_in addr;
	struct kevent ev[4], *rd = NULL, *wr = NULL;
	int s, n, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(closed_port(&addr), 0);
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT(s >= 0);
	errno = 0;
	ASSERT_EQ(connect(s, (struct sockaddr *)&addr, sizeof(addr)), -1);
	ASSERT_EQ(errno, EINPROGRESS);

	ASSERT_EQ(kq_change(kq, s, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, s, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	/* Wait until both have fired, then take both in one call. */
	EXPECT_EVENT(kq, s, EVFILT_WRITE, LONG_MS, &ev[0]);
	n = kq_wait(kq, ev, 4, 0);
	EXPECT_EQ(n, 2);
	for (int i = 0; i < n; i++) {
		if (ev[i].filter == EVFILT_WRITE)
			wr = &ev[i];
		else if (ev[i].filter == EVFILT_READ)
			rd = &ev[i];
	}
	ASSERT(wr != NULL);
	EXPECT(wr->flags & EV_EOF);
	EXPECT_EQ(wr->fflags, ECONNREFUSED);
	ASSERT(rd != NULL);
	EXPECT(rd->flags & EV_EOF);
	EXPECT_EQ(rd->fflags, ECONNREFUSED);

	/* Reporting it did not consume it: getsockopt(SO_ERROR) still sees it. */
	EXPECT_EQ(so_error(s), ECONNREFUSED);
	/* Now it is consumed: still EOF, no error left. */
	EXPECT_EVENT(kq, s, EVFILT_WRITE, 2000, &ev[0]);
	EXPECT(ev[0].flags & EV_EOF);
	EXPECT_EQ(ev[0].fflags, 0);
	close(s);
	close(kq);
}

FD_TEST(tcp_reset_error_in_fflags)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct kevent ev;
	int a, b, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(tcp_pair(&a, &b), 0);
	ASSERT_EQ(kq_change(kq, a, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	ASSERT_EQ(setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(b);			/* abortive close: RST */
	EXPECT_EVENT(kq, a, EVFILT_READ, LONG_MS, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EQ(ev.fflags, ECONNRESET);
	EXPECT_EQ(so_error(a), ECONNRESET);
	close(a);
	close(kq);
}

static int udp_socket(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)addr, sizeof(*addr)) != 0 ||
	    getsockname(s, (struct sockaddr *)addr, &len) != 0) {
		printf("# udp socket: %s\n", strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

FD_TEST(udp_read_data_is_first_datagram)
{
	struct sockaddr_in a1, a2;
	struct kevent ev;
	char buf[64];
	int u1, u2, kq = kqueue();

	ASSERT(kq >= 0);
	u1 = udp_socket(&a1);
	u2 = udp_socket(&a2);
	ASSERT(u1 >= 0 && u2 >= 0);
	ASSERT_EQ(kq_change(kq, u2, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	memset(buf, 'd', sizeof(buf));
	ASSERT_EQ(sendto(u1, buf, 10, 0, (struct sockaddr *)&a2, sizeof(a2)), 10);
	ASSERT_EQ(sendto(u1, buf, 20, 0, (struct sockaddr *)&a2, sizeof(a2)), 20);
	EXPECT_EVENT(kq, u2, EVFILT_READ, LONG_MS, &ev);
	EXPECT_EQ(ev.data, 10);
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	ASSERT_EQ(recv(u2, buf, sizeof(buf), 0), 10);
	if (!wait_data(kq, u2, EVFILT_READ, 20, LONG_MS, &ev)) {
		printf("# READ data %lld, expected 20\n", (long long)ev.data);
		kq_current_failed = 1;
	}
	ASSERT_EQ(recv(u2, buf, sizeof(buf), 0), 20);
	EXPECT_NO_EVENT(kq);

	ASSERT_EQ(kq_change(kq, u1, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, u1, EVFILT_WRITE, 2000, &ev);
	EXPECT(ev.data > 0);
	close(u1);
	close(u2);
	close(kq);
}

FD_TEST(tcp_read_lowat)
{
	struct kevent ev;
	int a, b, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(tcp_pair(&a, &b), 0);
	ASSERT_EQ(kq_change(kq, a, EVFILT_READ, EV_ADD, NOTE_LOWAT, 100, NULL), 0);
	send_n(b, 60);
	ASSERT(wait_inq(a, 60));
	EXPECT_NO_EVENT(kq);
	send_n(b, 60);
	if (!wait_data(kq, a, EVFILT_READ, 120, LONG_MS, &ev)) {
		printf("# READ data %lld, expected 120\n", (long long)ev.data);
		kq_current_failed = 1;
	}
	close(a);
	close(b);
	close(kq);
}

static void send_4(void *arg)
{
	send(*(int *)arg, "abcd", 4, MSG_NOSIGNAL);
}

FD_TEST(blocked_kevent_woken_by_tcp_data)
{
	int a, b, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(tcp_pair(&a, &b), 0);
	ASSERT_EQ(kq_change(kq, a, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	check_blocked_wakeup(kq, a, EVFILT_READ, send_4, &b);
	close(a);
	close(b);
	close(kq);
}

struct conn_arg {
	struct sockaddr_in addr;
	int fd;
};

static void connect_client(void *p)
{
	struct conn_arg *ca = p;

	ca->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (ca->fd < 0 || connect(ca->fd, (struct sockaddr *)&ca->addr, sizeof(ca->addr)) != 0)
		printf("# connect: %s\n", strerror(errno));
}

FD_TEST(blocked_kevent_woken_by_tcp_connect)
{
	struct conn_arg ca;
	int l, kq = kqueue();

	ASSERT(kq >= 0);
	l = tcp_listener(&ca.addr);
	ASSERT(l >= 0);
	ASSERT_EQ(kq_change(kq, l, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	check_blocked_wakeup(kq, l, EVFILT_READ, connect_client, &ca);
	close(ca.fd);
	close(l);
	close(kq);
}

FD_TEST(tcp_read_and_write_knotes_coexist)
{
	int a, b;

	ASSERT_EQ(tcp_pair(&a, &b), 0);
	check_read_write_coexist(a, send_4, &b);
	close(a);
	close(b);
}

struct dgram_arg {
	int fd;
	struct sockaddr_in to;
};

static void send_dgram(void *p)
{
	struct dgram_arg *d = p;

	sendto(d->fd, "dg", 2, 0, (struct sockaddr *)&d->to, sizeof(d->to));
}

FD_TEST(udp_read_and_write_knotes_coexist)
{
	struct dgram_arg d;
	struct sockaddr_in a2;
	int u2;

	d.fd = udp_socket(&d.to);	/* the sender; d.to is replaced below */
	u2 = udp_socket(&a2);
	ASSERT(d.fd >= 0 && u2 >= 0);
	d.to = a2;
	check_read_write_coexist(u2, send_dgram, &d);
	close(d.fd);
	close(u2);
}

FD_TEST(tcp_and_udp_knote_flags)
{
	struct sockaddr_in a1, a2;
	int a, b, u1, u2;

	ASSERT_EQ(tcp_pair(&a, &b), 0);
	check_fd_knote_flags(a, EVFILT_WRITE);
	send_n(b, 8);
	ASSERT(wait_inq(a, 8));
	check_fd_knote_flags(a, EVFILT_READ);
	close(a);
	close(b);

	u1 = udp_socket(&a1);
	u2 = udp_socket(&a2);
	ASSERT(u1 >= 0 && u2 >= 0);
	check_fd_knote_flags(u1, EVFILT_WRITE);
	ASSERT_EQ(sendto(u1, "x", 1, 0, (struct sockaddr *)&a2, sizeof(a2)), 1);
	ASSERT(wait_inq(u2, 1));
	check_fd_knote_flags(u2, EVFILT_READ);
	close(u1);
	close(u2);
}
