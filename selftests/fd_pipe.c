// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_READ / EVFILT_WRITE on pipes.
 *
 * Checks the pipe rules of uapi/linux/kqueue.h against FreeBSD kqueue(2):
 * READ data = bytes in the pipe, WRITE data = free bytes (the capacity,
 * F_GETPIPE_SZ, when empty), level-triggered by default and edge-triggered
 * with EV_CLEAR, EV_EOF when the last writer (reader) goes away, NOTE_LOWAT
 * on both sides (and modifying it in place with EV_ADD), EBADF for a bad
 * descriptor, EV_DELETE / EV_DISPATCH / EV_ONESHOT on an fd knote, udata,
 * and a kevent() blocked without a timeout that is woken by a write. Pipes
 * are the simplest pollable file, so every generic fd-knote rule is tested
 * here first.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"
#include "kq_fd_test.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>

static int pipe_capacity(int fd)
{
	return fcntl(fd, F_GETPIPE_SZ);
}

FD_TEST(read_not_ready_when_empty)
{
	int p[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(read_data_is_bytes_in_pipe)
{
	struct kevent ev;
	int p[2], kq = kqueue();
	char buf[64];

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	write_n(p[1], 1);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 1);
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	EXPECT_EQ(ev.fflags, 0);
	write_n(p[1], 100);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 101);
	/* data follows a partial read too */
	ASSERT_EQ(read(p[0], buf, 50), 50);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 51);
	EXPECT_EQ(drain(p[0]), 51);
	EXPECT_NO_EVENT(kq);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(read_level_triggered)
{
	struct kevent ev;
	int p[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	write_n(p[1], 10);
	for (int i = 0; i < 3; i++) {
		EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
		EXPECT_EQ(ev.data, 10);
	}
	EXPECT_EQ(drain(p[0]), 10);
	EXPECT_NO_EVENT(kq);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(read_ev_clear_once_per_write)
{
	struct kevent ev;
	int p[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	write_n(p[1], 5);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 5);
	EXPECT(ev.flags & EV_CLEAR);
	EXPECT_NO_EVENT(kq);		/* still 5 bytes, but already reported */
	write_n(p[1], 5);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 10);
	EXPECT_NO_EVENT(kq);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(read_eof_when_last_writer_closes)
{
	struct kevent ev;
	int p[2], w2, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	w2 = dup(p[1]);
	ASSERT(w2 >= 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	write_n(p[1], 7);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.flags & EV_EOF, 0);

	close(p[1]);			/* a writer is left: no EOF yet */
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.flags & EV_EOF, 0);
	EXPECT_EQ(ev.data, 7);

	close(w2);			/* the last writer */
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EQ(ev.data, 7);

	EXPECT_EQ(drain(p[0]), 7);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EQ(ev.data, 0);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);	/* EOF is level-triggered */
	EXPECT(ev.flags & EV_EOF);
	close(p[0]);
	close(kq);
}

FD_TEST(read_eof_on_empty_pipe_wakes_waiter)
{
	struct kevent ev;
	int p[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	close(p[1]);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EQ(ev.data, 0);
	close(p[0]);
	close(kq);
}

FD_TEST(write_data_is_free_space)
{
	struct kevent ev;
	int p[2], cap, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	cap = pipe_capacity(p[1]);
	ASSERT(cap > 0);
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, p[1], EVFILT_WRITE, 2000, &ev);
	EXPECT_EQ(ev.data, cap);
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);

	write_n(p[1], 1000);
	EXPECT_EVENT(kq, p[1], EVFILT_WRITE, 2000, &ev);
	EXPECT(ev.data > 0);
	EXPECT(ev.data <= cap - 1000);

	EXPECT_EQ(drain(p[0]), 1000);
	EXPECT_EVENT(kq, p[1], EVFILT_WRITE, 2000, &ev);
	EXPECT_EQ(ev.data, cap);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(write_not_ready_when_full)
{
	struct kevent ev;
	int p[2], cap, kq = kqueue();
	char buf[4096];
	ssize_t r;
	size_t filled = 0;

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe2(p, O_NONBLOCK), 0);
	cap = pipe_capacity(p[1]);
	memset(buf, 'f', sizeof(buf));
	while ((r = write(p[1], buf, sizeof(buf))) > 0)
		filled += r;
	ASSERT_EQ(errno, EAGAIN);
	EXPECT_EQ(filled, cap);

	ASSERT_EQ(kq_change(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, cap);

	/* Reading makes room; the writer's knote fires without a new EV_ADD. */
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_EQ(drain(p[0]), filled);
	EXPECT_EVENT(kq, p[1], EVFILT_WRITE, 2000, &ev);
	EXPECT_EQ(ev.data, cap);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(write_eof_when_reader_closes)
{
	struct kevent ev;
	int p[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, p[1], EVFILT_WRITE, 2000, &ev);
	EXPECT_EQ(ev.flags & EV_EOF, 0);
	close(p[0]);
	EXPECT_EVENT(kq, p[1], EVFILT_WRITE, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EQ(ev.flags & EV_ERROR, 0);
	close(p[1]);
	close(kq);
}

FD_TEST(write_eof_wakes_full_writer)
{
	/* A full pipe's writer is not ready; losing the reader makes it EOF. */
	struct kevent ev;
	int p[2], kq = kqueue();
	char buf[4096];

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe2(p, O_NONBLOCK), 0);
	memset(buf, 'f', sizeof(buf));
	while (write(p[1], buf, sizeof(buf)) > 0)
		;
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	close(p[0]);
	EXPECT_EVENT(kq, p[1], EVFILT_WRITE, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	close(p[1]);
	close(kq);
}

FD_TEST(read_lowat)
{
	struct kevent ev;
	int p[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, NOTE_LOWAT, 50, NULL), 0);
	write_n(p[1], 30);
	EXPECT_NO_EVENT(kq);
	write_n(p[1], 19);
	EXPECT_NO_EVENT(kq);		/* 49 < 50 */
	write_n(p[1], 1);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 50);
	write_n(p[1], 10);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 60);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(read_lowat_modified_by_ev_add)
{
	struct kevent ev;
	int p[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, NOTE_LOWAT, 50, NULL), 0);
	write_n(p[1], 30);
	EXPECT_NO_EVENT(kq);
	/* Lower the mark in place: 30 >= 20 now. */
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, NOTE_LOWAT, 20, NULL), 0);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 30);
	/* Raise it again: 30 < 40. */
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, NOTE_LOWAT, 40, NULL), 0);
	EXPECT_NO_EVENT(kq);
	/* Without NOTE_LOWAT the mark is gone: any byte is enough. */
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 30);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(read_lowat_eof_fires_below_mark)
{
	struct kevent ev;
	int p[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, NOTE_LOWAT, 100, NULL), 0);
	write_n(p[1], 3);
	EXPECT_NO_EVENT(kq);
	close(p[1]);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT(ev.flags & EV_EOF);
	EXPECT_EQ(ev.data, 3);
	close(p[0]);
	close(kq);
}

FD_TEST(write_lowat)
{
	struct kevent ev;
	int p[2], cap, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	cap = pipe_capacity(p[1]);
	ASSERT(cap > 0);
	/* Free space never exceeds the capacity. */
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_WRITE, EV_ADD, NOTE_LOWAT, cap + 1, NULL), 0);
	EXPECT_NO_EVENT(kq);
	/* An empty pipe has exactly cap free bytes. */
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_WRITE, EV_ADD, NOTE_LOWAT, cap, NULL), 0);
	EXPECT_EVENT(kq, p[1], EVFILT_WRITE, 2000, &ev);
	EXPECT_EQ(ev.data, cap);
	/* One byte in the pipe: less than cap free. */
	write_n(p[1], 1);
	EXPECT_NO_EVENT(kq);
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_WRITE, EV_ADD, NOTE_LOWAT, 1, NULL), 0);
	EXPECT_EVENT(kq, p[1], EVFILT_WRITE, 2000, &ev);
	EXPECT(ev.data > 0 && ev.data < cap);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(write_lowat_fires_when_full_pipe_drains)
{
	/*
	 * Linux wakes a pipe's writers when a full pipe drains (uapi header:
	 * "WRITE with NOTE_LOWAT on a pipe fires on that transition"). A
	 * writer waiting for lowat free bytes is told once the reader has
	 * made that much room, with data = the free space.
	 */
	struct kevent ev;
	int p[2], cap, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	cap = pipe_capacity(p[1]);
	write_n(p[1], cap);
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_WRITE, EV_ADD, NOTE_LOWAT, cap, NULL), 0);
	EXPECT_NO_EVENT(kq);
	EXPECT_EQ(drain(p[0]), cap);
	EXPECT_EVENT(kq, p[1], EVFILT_WRITE, 2000, &ev);
	EXPECT_EQ(ev.data, cap);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(ev_delete_and_readd)
{
	struct kevent ev;
	int p[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	write_n(p[1], 4);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);		/* still readable, but no knote */
	EXPECT_ERRNO(kq_change(kq, p[0], EVFILT_READ, EV_DELETE, 0, 0, NULL), ENOENT);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 4);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(knote_flags_on_read_end)
{
	int p[2];

	ASSERT_EQ(pipe(p), 0);
	write_n(p[1], 9);		/* readable from now on */
	check_fd_knote_flags(p[0], EVFILT_READ);
	close(p[0]);
	close(p[1]);
}

FD_TEST(knote_flags_on_write_end)
{
	int p[2];

	ASSERT_EQ(pipe(p), 0);
	check_fd_knote_flags(p[1], EVFILT_WRITE);
	close(p[0]);
	close(p[1]);
}

FD_TEST(read_and_write_knotes_are_distinct)
{
	/*
	 * A pipe end is one-directional on Linux, so both filters are placed
	 * on each end: (fd, READ) and (fd, WRITE) are separate knotes, and
	 * each fires for its own end.
	 */
	struct kevent ev[8];
	int p[2], n, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, (void *)10), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_WRITE, EV_ADD | EV_DISABLE, 0, 0, (void *)11), 0);
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, (void *)20), 0);
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_READ, EV_ADD | EV_DISABLE, 0, 0, (void *)21), 0);
	write_n(p[1], 3);
	n = kq_wait(kq, ev, 8, 2000);
	if (n < 2)	/* both are ready now; allow one more call */
		n += kq_wait(kq, ev + n, 8 - n, 0);
	EXPECT_EQ(n, 2);
	for (int i = 0; i < n && i < 8; i++) {
		if (ev[i].ident == (unsigned long)p[0]) {
			EXPECT_EQ(ev[i].filter, EVFILT_READ);
			EXPECT(ev[i].udata == (void *)10);
			EXPECT_EQ(ev[i].data, 3);
		} else {
			EXPECT_EQ(ev[i].ident, p[1]);
			EXPECT_EQ(ev[i].filter, EVFILT_WRITE);
			EXPECT(ev[i].udata == (void *)20);
		}
	}
	/* Deleting one filter of an fd leaves the other. */
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_WRITE, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev[0]);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_ERRNO(kq_change(kq, p[0], EVFILT_WRITE, EV_DELETE, 0, 0, NULL), ENOENT);
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_READ, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, p[1], EVFILT_WRITE, 2000, &ev[0]);
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_WRITE, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	close(p[0]);
	close(p[1]);
	close(kq);
}

FD_TEST(bad_fd_is_ebadf)
{
	static const unsigned long bad[] = { 12345, (unsigned long)-1, 0x100000000ul };
	struct kevent ch, ev;
	int p[2], closed_fd, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(fcntl(12345, F_GETFD) == -1);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_ERRNO(kq_change(kq, bad[i], EVFILT_READ, EV_ADD, 0, 0, NULL), EBADF);
		EXPECT_ERRNO(kq_change(kq, bad[i], EVFILT_WRITE, EV_ADD, 0, 0, NULL), EBADF);
		/* No knote can exist for it: a change other than EV_ADD finds none. */
		EXPECT_ERRNO(kq_change(kq, bad[i], EVFILT_READ, EV_DELETE, 0, 0, NULL), ENOENT);
		EXPECT_ERRNO(kq_change(kq, bad[i], EVFILT_WRITE, EV_DELETE, 0, 0, NULL), ENOENT);
	}
	/* A descriptor number that was just closed. */
	ASSERT_EQ(pipe(p), 0);
	closed_fd = p[0];
	close(p[0]);
	close(p[1]);
	EXPECT_ERRNO(kq_change(kq, closed_fd, EVFILT_READ, EV_ADD, 0, 0, NULL), EBADF);

	/* With room in the eventlist the error comes back as an EV_ERROR entry. */
	EV_SET(&ch, 12345, EVFILT_READ, EV_ADD, 0, 0, (void *)0x77);
	memset(&ev, 0, sizeof(ev));
	EXPECT_EQ(kevent(kq, &ch, 1, &ev, 1, NULL), 1);
	EXPECT_EQ(ev.ident, 12345);
	EXPECT_EQ(ev.filter, EVFILT_READ);
	EXPECT(ev.flags & EV_ERROR);
	EXPECT_EQ(ev.data, EBADF);
	EXPECT(ev.udata == (void *)0x77);
	EXPECT_NO_EVENT(kq);
	close(kq);
}

FD_TEST(close_after_add_does_not_crash)
{
	/*
	 * What close(2) of a watched fd does to its knotes is not settled yet;
	 * only check that nothing breaks: kevent() keeps working on the kqueue
	 * and closing the kqueue afterwards is fine.
	 */
	struct kevent ev[8];
	int p[2], kq = kqueue(), n;

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	write_n(p[1], 5);
	close(p[1]);
	close(p[0]);
	n = kq_wait(kq, ev, 8, 100);
	EXPECT(n >= 0);
	n = kq_wait(kq, ev, 8, 0);
	EXPECT(n >= 0);
	/* The kqueue still works for new knotes. */
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, 777, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	ASSERT_EQ(kq_change(kq, 777, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_EVENT(kq, 777, EVFILT_USER, 2000, &ev[0]);
	EXPECT_EQ(close(kq), 0);
	close(p[0]);
	close(p[1]);
}

FD_TEST(udata_round_trip)
{
	struct kevent ev;
	int p[2], kq = kqueue();
	void *u1 = (void *)0xdeadbeefcafe0001ul, *u2 = (void *)0x0123456789abcdeful;

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, u1), 0);
	write_n(p[1], 1);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT(ev.udata == u1);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(ev.ext[i], 0);
	/* EV_ADD again replaces udata ... */
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, u2), 0);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT(ev.udata == u2);
	/* ... unless EV_KEEPUDATA. */
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD | EV_KEEPUDATA, 0, 0, u1), 0);
	EXPECT_EVENT(kq, p[0], EVFILT_READ, 2000, &ev);
	EXPECT(ev.udata == u2);
	close(p[0]);
	close(p[1]);
	close(kq);
}

static void write_one(void *arg)
{
	write_n(*(int *)arg, 1);
}

FD_TEST(blocked_kevent_woken_by_write)
{
	int p[2], kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(p), 0);
	ASSERT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	check_blocked_wakeup(kq, p[0], EVFILT_READ, write_one, &p[1]);
	close(p[0]);
	close(p[1]);
	close(kq);
}

static void drain_arg(void *arg)
{
	drain(*(int *)arg);
}

FD_TEST(blocked_kevent_woken_when_full_pipe_drains)
{
	int p[2], kq = kqueue();
	char buf[4096];

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe2(p, O_NONBLOCK), 0);
	memset(buf, 'f', sizeof(buf));
	while (write(p[1], buf, sizeof(buf)) > 0)
		;
	ASSERT_EQ(kq_change(kq, p[1], EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	check_blocked_wakeup(kq, p[1], EVFILT_WRITE, drain_arg, &p[0]);
	close(p[0]);
	close(p[1]);
	close(kq);
}
