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
#include "kq_fd_test.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

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
