// SPDX-License-Identifier: GPL-2.0
/*
 * Closing a kqueue under its users: a thread sleeping in kevent() when
 * another thread closes the kqueue's last descriptor wakes with EBADF (as on
 * the BSDs); another descriptor of the same kqueue, or a forked child
 * closing its own copy, changes nothing; and the module cannot be unloaded
 * while any kqueue exists.
 *
 *   sleeper                          main
 *   kevent(kq, NULL timeout) ...
 *                                    close(kq)   (last descriptor)
 *   ... returns -1, EBADF
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>

KQ_WATCHDOG(60);

struct sleeper {
	int kq;
	int ret;
	int err;
	struct kevent ev;
	volatile int done;
};

static void *sleep_in_kevent(void *arg)
{
	struct sleeper *s = arg;

	s->ret = kevent(s->kq, NULL, 0, &s->ev, 1, NULL);
	s->err = errno;
	s->done = 1;
	return NULL;
}

/* Wait up to ms for the sleeper to return. */
static int returned_within(struct sleeper *s, long ms)
{
	for (long t = 0; t < ms && !s->done; t += 10)
		sleep_ms(10);
	return s->done;
}

KQ_TEST(sleeper_wakes_with_ebadf_when_last_descriptor_closes)
{
	struct sleeper s = { .kq = kqueue() };
	pthread_t thread;

	ASSERT(s.kq >= 0);
	ASSERT_EQ(pthread_create(&thread, NULL, sleep_in_kevent, &s), 0);
	sleep_ms(200);
	EXPECT(!s.done);
	EXPECT_EQ(close(s.kq), 0);
	EXPECT(returned_within(&s, 5000));
	if (s.done) {
		EXPECT_EQ(s.ret, -1);
		EXPECT_EQ(s.err, EBADF);
		pthread_join(thread, NULL);
	}
}

KQ_TEST(another_descriptor_keeps_the_kqueue_open)
{
	struct sleeper s = { .kq = kqueue() };
	pthread_t thread;
	int other;

	ASSERT(s.kq >= 0);
	other = dup(s.kq);
	ASSERT(other >= 0);
	ASSERT_EQ(pthread_create(&thread, NULL, sleep_in_kevent, &s), 0);
	sleep_ms(200);
	EXPECT_EQ(close(s.kq), 0);
	sleep_ms(300);
	EXPECT(!s.done);
	/* Still a working kqueue: an event through the other descriptor wakes it. */
	EXPECT_EQ(kq_change(other, 5, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT(returned_within(&s, 5000));
	if (s.done) {
		EXPECT_EQ(s.ret, 1);
		EXPECT_EQ(s.ev.ident, 5);
		pthread_join(thread, NULL);
	}
	close(other);
}

/*
 *   parent (single-threaded)          child (fork)
 *   kevent(kq, 1 s timeout) ...
 *                                     close(kq)   (its own copy)
 *   ... times out: 0, not EBADF; kq still works
 */
KQ_TEST(a_forked_child_closing_its_copy_leaves_the_parent_alone)
{
	struct kevent ev;
	int status, kq = kqueue();
	pid_t child;

	ASSERT(kq >= 0);
	child = fork();
	ASSERT(child >= 0);
	if (child == 0) {
		sleep_ms(200);
		close(kq);
		_exit(0);
	}
	EXPECT_EQ(kq_wait(kq, &ev, 1, 1000), 0);
	ASSERT_EQ(waitpid(child, &status, 0), child);
	EXPECT_EQ(kq_change(kq, 3, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_EQ(kq_wait(kq, &ev, 1, 0), 1);
	close(kq);
}

KQ_TEST(closing_with_pending_events_and_timers_is_clean)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	for (int i = 0; i < 64; i++) {
		ASSERT_EQ(kq_change(kq, i, EVFILT_TIMER, EV_ADD, NOTE_USECONDS, 100, NULL), 0);
		ASSERT_EQ(kq_change(kq, i, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	}
	sleep_ms(20);	/* timers firing into the queue while it is closed */
	EXPECT_EQ(close(kq), 0);
}

KQ_TEST(module_unload_refused_while_a_kqueue_exists)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	/* O_NONBLOCK: fail at once instead of waiting for the last user. */
	EXPECT_ERRNO(syscall(SYS_delete_module, "kqueue", O_NONBLOCK), EWOULDBLOCK);
	EXPECT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	close(kq);
}
