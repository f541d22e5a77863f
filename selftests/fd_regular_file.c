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
#include "kq_fd_test.h"

#include <fcntl.h>
#include <stdlib.h>

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
