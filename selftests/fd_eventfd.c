// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_READ / EVFILT_WRITE on eventfd(2).
 *
 * eventfd is Linux's own pollable counter and a common way to wake an event
 * loop, so a kqueue port must handle it: READ is ready exactly while the
 * counter is non-zero, WRITE while another write of 1 would not block (the
 * counter is below 0xfffffffffffffffe). uapi/linux/kqueue.h lists eventfd
 * under "other files", whose data is 0 (readiness only). Also EV_CLEAR
 * (reported once per write), READ+WRITE on one eventfd, EV_DISPATCH /
 * EV_ONESHOT / EV_DELETE, and a blocked kevent() woken by a write.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"
#include "kq_fd_test.h"

#include <stdint.h>
#include <sys/eventfd.h>

static void efd_add(int fd, uint64_t v)
{
	ASSERT_EQ(write(fd, &v, sizeof(v)), sizeof(v));
}

static uint64_t efd_take(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

FD_TEST(read_ready_while_counter_nonzero)
{
	struct kevent ev;
	int fd, kq = kqueue();

	ASSERT(kq >= 0);
	fd = eventfd(0, EFD_NONBLOCK);
	ASSERT(fd >= 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	efd_add(fd, 3);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(ev.data, 0);		/* "other files": readiness only */
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	EXPECT_EQ(ev.fflags, 0);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);	/* level-triggered */
	EXPECT_EQ(efd_take(fd), 3);
	EXPECT_NO_EVENT(kq);
	efd_add(fd, 1);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	close(fd);
	close(kq);
}

FD_TEST(semaphore_eventfd)
{
	struct kevent ev;
	int fd, kq = kqueue();

	ASSERT(kq >= 0);
	fd = eventfd(2, EFD_NONBLOCK | EFD_SEMAPHORE);
	ASSERT(fd >= 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(efd_take(fd), 1);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_EQ(efd_take(fd), 1);
	EXPECT_NO_EVENT(kq);
	close(fd);
	close(kq);
}

FD_TEST(write_ready_until_counter_full)
{
	struct kevent ev;
	int fd, kq = kqueue();

	ASSERT(kq >= 0);
	fd = eventfd(0, EFD_NONBLOCK);
	ASSERT(fd >= 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, EVFILT_WRITE, 2000, &ev);
	EXPECT_EQ(ev.data, 0);
	EXPECT_EQ(ev.flags & (EV_EOF | EV_ERROR), 0);
	efd_add(fd, 5);
	EXPECT_EVENT(kq, fd, EVFILT_WRITE, 2000, &ev);
	/* Counter at its maximum: a write would block, WRITE is not ready. */
	efd_add(fd, UINT64_C(0xfffffffffffffffe) - 5);
	EXPECT_NO_EVENT(kq);
	EXPECT_EQ(efd_take(fd), UINT64_C(0xfffffffffffffffe));
	EXPECT_EVENT(kq, fd, EVFILT_WRITE, 2000, &ev);
	close(fd);
	close(kq);
}

FD_TEST(ev_clear_reports_once_per_write)
{
	struct kevent ev;
	int fd, kq = kqueue();

	ASSERT(kq >= 0);
	fd = eventfd(0, EFD_NONBLOCK);
	ASSERT(fd >= 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	EXPECT_NO_EVENT(kq);
	efd_add(fd, 1);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT(ev.flags & EV_CLEAR);
	EXPECT_NO_EVENT(kq);		/* counter still 1, already reported */
	efd_add(fd, 1);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_NO_EVENT(kq);
	EXPECT_EQ(efd_take(fd), 2);
	EXPECT_NO_EVENT(kq);
	efd_add(fd, 1);
	EXPECT_EVENT(kq, fd, EVFILT_READ, 2000, &ev);
	EXPECT_NO_EVENT(kq);
	close(fd);
	close(kq);
}

FD_TEST(ev_clear_write_reported_once)
{
	struct kevent ev;
	int fd, kq = kqueue();

	ASSERT(kq >= 0);
	fd = eventfd(0, EFD_NONBLOCK);
	ASSERT(fd >= 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	EXPECT_EVENT(kq, fd, EVFILT_WRITE, 2000, &ev);
	EXPECT_NO_EVENT(kq);
	/* A read wakes the eventfd's writers: reported again. */
	efd_add(fd, 1);
	efd_take(fd);
	EXPECT_EVENT(kq, fd, EVFILT_WRITE, 2000, &ev);
	EXPECT_NO_EVENT(kq);
	close(fd);
	close(kq);
}

static void add_one(void *arg)
{
	efd_add(*(int *)arg, 1);
}

FD_TEST(read_and_write_knotes_coexist)
{
	int fd = eventfd(0, EFD_NONBLOCK);

	ASSERT(fd >= 0);
	check_read_write_coexist(fd, add_one, &fd);
	close(fd);
}

FD_TEST(knote_flags)
{
	int fd = eventfd(0, EFD_NONBLOCK);

	ASSERT(fd >= 0);
	check_fd_knote_flags(fd, EVFILT_WRITE);
	efd_add(fd, 1);
	check_fd_knote_flags(fd, EVFILT_READ);
	close(fd);
}

FD_TEST(blocked_kevent_woken_by_eventfd_write)
{
	int fd, kq = kqueue();

	ASSERT(kq >= 0);
	fd = eventfd(0, EFD_NONBLOCK);
	ASSERT(fd >= 0);
	ASSERT_EQ(kq_change(kq, fd, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	check_blocked_wakeup(kq, fd, EVFILT_READ, add_one, &fd);
	close(fd);
	close(kq);
}
