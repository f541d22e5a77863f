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
#include "kq_fd_test.h"

#include <fcntl.h>
#include <sys/stat.h>

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
