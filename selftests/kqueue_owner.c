// SPDX-License-Identifier: GPL-2.0
/*
 * A kqueue belongs to the process that opened it (uapi: THE DEVICE). In any
 * other process, a child after fork() or one that received the descriptor
 * over a unix socket (also another user's), kevent() fails with EBADF,
 * poll() reports POLLERR and EVFILT_READ on it is EBADF; the owner keeps
 * using it unaffected. The owner's threads share it, and the owner may pass
 * it to itself.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>

KQ_WATCHDOG(60);

/* A kqueue with USER knote 1 triggered: one pending event. */
static int kqueue_with_event(void)
{
	int kq = kqueue();

	if (kq < 0)
		return -1;
	if (kq_change(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, UDATA(1))) {
		close(kq);
		return -1;
	}
	return kq;
}

/* Run fn(kq) in a forked child; its exit status is the count of failures. */
static int in_child(int (*fn)(int), int kq)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(fn(kq));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int fails(int cond, const char *what)
{
	if (!cond)
		printf("# in pid %d: not %s (errno %d)\n", (int)getpid(), what, errno);
	return !cond;
}

/* The owner still has exactly its one pending event, nothing the child did. */
static void expect_owner_unaffected(int kq)
{
	struct kevent ev[2];

	EXPECT_EQ(kq_wait(kq, ev, 2, 0), 1);
	EXPECT_EQ(ev[0].ident, 1);
	EXPECT_EQ(ev[0].filter, EVFILT_USER);
	EXPECT_EQ(kq_change(kq, 2, EVFILT_USER, EV_DELETE, 0, 0, NULL), -1);
	EXPECT_EQ(errno, ENOENT);
}

static int child_uses_kqueue(int kq)
{
	struct kevent ev;
	int bad = 0;

	errno = 0;
	bad += fails(kq_wait(kq, &ev, 1, 0) == -1 && errno == EBADF,
		     "EBADF collecting events");
	errno = 0;
	bad += fails(kq_change(kq, 2, EVFILT_USER, EV_ADD, 0, 0, NULL) == -1 &&
		     errno == EBADF, "EBADF adding a knote");
	errno = 0;
	bad += fails(kevent(kq, NULL, 0, NULL, 0, NULL) == -1 && errno == EBADF,
		     "EBADF for an empty call");
	return bad;
}

KQ_TEST(a_forked_child_cannot_use_the_parents_kqueue)
{
	int kq = kqueue_with_event();

	ASSERT(kq >= 0);
	EXPECT_EQ(in_child(child_uses_kqueue, kq), 0);
	expect_owner_unaffected(kq);
	close(kq);
}

static int child_polls_kqueue(int kq)
{
	struct pollfd p = { .fd = kq, .events = POLLIN };

	return fails(poll(&p, 1, 0) == 1 && p.revents == POLLERR,
		     "POLLERR alone from poll");
}

KQ_TEST(a_forked_child_polling_the_parents_kqueue_gets_pollerr)
{
	int kq = kqueue_with_event();
	struct pollfd p;

	ASSERT(kq >= 0);
	EXPECT_EQ(in_child(child_polls_kqueue, kq), 0);
	p = (struct pollfd){ .fd = kq, .events = POLLIN };
	EXPECT_EQ(poll(&p, 1, 0), 1);
	EXPECT_EQ(p.revents, POLLIN);
	close(kq);
}

/* The child's own kqueue works, but cannot watch the parent's. */
static int child_watches_kqueue(int kq)
{
	struct kevent change, reply;
	int own = kqueue(), bad = 0;

	if (fails(own >= 0, "a kqueue of its own"))
		return 1;
	EV_SET(&change, kq, EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0, NULL);
	bad += fails(kevent(own, &change, 1, &reply, 1, NULL) == 1 &&
		     (reply.flags & EV_ERROR) && reply.data == EBADF,
		     "EBADF watching the parent's kqueue");
	bad += fails(kq_change(own, 5, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL) == 0 &&
		     kq_wait(own, &reply, 1, 0) == 1 && reply.ident == 5,
		     "an event from its own kqueue");
	close(own);
	return bad;
}

KQ_TEST(a_forked_child_cannot_watch_the_parents_kqueue_but_has_its_own)
{
	int kq = kqueue_with_event();

	ASSERT(kq >= 0);
	EXPECT_EQ(in_child(child_watches_kqueue, kq), 0);
	expect_owner_unaffected(kq);
	close(kq);
}

/* Receives a kqueue on socket sock (not inherited: it was sent after fork). */
static int child_receives_kqueue(int sock)
{
	int kq = recv_fd(sock), bad;

	if (fails(kq >= 0, "a descriptor received"))
		return 1;
	bad = child_uses_kqueue(kq);
	close(kq);
	return bad;
}

KQ_TEST(a_kqueue_received_over_a_unix_socket_is_ebadf_in_another_process)
{
	int sv[2], kq;
	pid_t pid;
	int status;

	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(child_receives_kqueue(sv[1]));
	}
	ASSERT(pid > 0);
	close(sv[1]);
	/* Opened after the fork: the child can only have it from the socket. */
	kq = kqueue_with_event();
	EXPECT(kq >= 0);
	EXPECT_EQ(send_fd(sv[0], kq), 0);
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	expect_owner_unaffected(kq);
	close(sv[0]);
	close(kq);
}

/* As child_receives_kqueue, after becoming uid/gid 1000 (no privileges). */
static int other_user_receives_kqueue(int sock)
{
	if (fails(setgroups(0, NULL) == 0 && setgid(1000) == 0 && setuid(1000) == 0 &&
		  getuid() == 1000 && geteuid() == 1000, "uid 1000"))
		return 1;
	return child_receives_kqueue(sock);
}

/*
 * Another user's process holding a root kqueue's descriptor can neither
 * read its events nor add, change or delete its knotes.
 */
KQ_TEST(another_user_given_the_descriptor_can_neither_read_nor_change_it)
{
	int sv[2], kq;
	pid_t pid;
	int status;

	ASSERT_EQ(geteuid(), 0);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(other_user_receives_kqueue(sv[1]));
	}
	ASSERT(pid > 0);
	close(sv[1]);
	kq = kqueue_with_event();
	EXPECT(kq >= 0);
	EXPECT_EQ(send_fd(sv[0], kq), 0);
	EXPECT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	expect_owner_unaffected(kq);
	close(sv[0]);
	close(kq);
}

KQ_TEST(the_owner_may_pass_its_kqueue_to_itself)
{
	int sv[2], kq = kqueue_with_event(), copy;
	struct kevent ev;

	ASSERT(kq >= 0);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	EXPECT_EQ(send_fd(sv[0], kq), 0);
	copy = recv_fd(sv[1]);
	ASSERT(copy >= 0);
	EXPECT(copy != kq);
	EXPECT_EQ(kq_wait(copy, &ev, 1, 0), 1);
	EXPECT_EQ(ev.ident, 1);
	close(copy);
	close(sv[0]);
	close(sv[1]);
	close(kq);
}

static void *thread_reads(void *arg)
{
	struct kevent ev;
	int kq = *(int *)arg;

	return (void *)(intptr_t)(kq_wait(kq, &ev, 1, 1000) == 1 && ev.ident == 1);
}

KQ_TEST(the_owners_threads_share_the_kqueue)
{
	int kq = kqueue_with_event();
	pthread_t t;
	void *ok;

	ASSERT(kq >= 0);
	ASSERT_EQ(pthread_create(&t, NULL, thread_reads, &kq), 0);
	ASSERT_EQ(pthread_join(t, &ok), 0);
	EXPECT(ok == (void *)1);
	close(kq);
}

KQ_TEST(the_shim_opens_kqueues_close_on_exec)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	EXPECT(fcntl(kq, F_GETFD) & FD_CLOEXEC);
	close(kq);
}
