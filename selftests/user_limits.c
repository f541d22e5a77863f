// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user limits (module parameters max_knotes_per_user and
 * max_timers_per_user, uapi "LIMITS"): past them a new knote fails with
 * ENOMEM, a NOTE_TRACK child gives NOTE_TRACKERR; the count covers all
 * kqueues of the user who opened them and goes down as knotes go away;
 * another user has a budget of its own. The program runs as root, lowers
 * the limits, runs the checks as uid 1000 in a child, and restores them.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"
#include "kq_params.h"
#include "kq_proc_test.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>

KQ_WATCHDOG(120);

/* Run fn as uid 1000 in a child: its exit status is kq_current_failed. */
static int as_user(void (*fn)(void))
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(1000) || setuid(1000) ||
		    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			_exit(100);
		fn();
		_exit(kq_current_failed);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Adds USER knotes first..first+n-1; returns how many were added. */
static int add_users(int kq, int first, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (kq_change(kq, first + i, EVFILT_USER, EV_ADD, 0, 0, NULL))
			break;
	return i;
}

KQ_TEST(the_limits_have_defaults)
{
	EXPECT(saved_knotes >= 1024);
	EXPECT(saved_timers >= 1024);
	EXPECT(saved_timers <= saved_knotes);
}

static void user_fills_the_knote_limit(void)
{
	int kq1 = kqueue(), kq2 = kqueue();

	ASSERT(kq1 >= 0 && kq2 >= 0);
	EXPECT_EQ(add_users(kq1, 0, 40), 40);
	EXPECT_EQ(add_users(kq2, 0, 24), 24);
	/* 64 held across both kqueues: the 65th fails, in either. */
	EXPECT_ERRNO(kq_change(kq1, 100, EVFILT_USER, EV_ADD, 0, 0, NULL), ENOMEM);
	EXPECT_ERRNO(kq_change(kq2, 100, EVFILT_USER, EV_ADD, 0, 0, NULL), ENOMEM);
	/* A deleted knote frees its place; a closed kqueue frees all of its. */
	EXPECT_EQ(kq_change(kq2, 0, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_EQ(kq_change(kq1, 100, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	EXPECT_ERRNO(kq_change(kq1, 101, EVFILT_USER, EV_ADD, 0, 0, NULL), ENOMEM);
	close(kq1);
	EXPECT_EQ(add_users(kq2, 200, 41), 41);
	EXPECT_ERRNO(kq_change(kq2, 300, EVFILT_USER, EV_ADD, 0, 0, NULL), ENOMEM);
	close(kq2);
}

KQ_TEST(the_knote_limit_counts_all_kqueues_of_a_user)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(write_param(KNOTES_PARAM, 64), 0);
	EXPECT_EQ(as_user(user_fills_the_knote_limit), 0);
	/* Root's budget is its own: 64 more, even with uid 1000 gone or not. */
	EXPECT_EQ(add_users(kq, 0, 64), 64);
	EXPECT_ERRNO(kq_change(kq, 64, EVFILT_USER, EV_ADD, 0, 0, NULL), ENOMEM);
	close(kq);
	restore_params();
}

static void user_fills_the_timer_limit(void)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(kq_change(kq, i, EVFILT_TIMER, EV_ADD, 0, 60000, NULL), 0);
	EXPECT_ERRNO(kq_change(kq, 4, EVFILT_TIMER, EV_ADD, 0, 60000, NULL), ENOMEM);
	/* Other knotes are still fine; a deleted timer frees a place. */
	EXPECT_EQ(kq_change(kq, 4, EVFILT_USER, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EQ(kq_change(kq, 0, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_EQ(kq_change(kq, 5, EVFILT_TIMER, EV_ADD, 0, 60000, NULL), 0);
	close(kq);
}

KQ_TEST(the_timer_limit_counts_timers_alone)
{
	ASSERT_EQ(write_param(TIMERS_PARAM, 4), 0);
	EXPECT_EQ(as_user(user_fills_the_timer_limit), 0);
	restore_params();
}

/*
 * Tracking itself with one knote and a limit of 2: a fork needs two more
 * (the child's knote and its NOTE_CHILD), so the fork gives NOTE_TRACKERR.
 */
static void user_tracks_past_the_limit(void)
{
	struct kevent ev[4];
	pid_t child;
	int kq = kqueue(), n;

	ASSERT(kq >= 0);
	ASSERT_EQ(proc_watch(kq, getpid(), NOTE_TRACK | NOTE_FORK, NULL), 0);
	child = fork();
	if (child == 0)
		_exit(0);
	ASSERT(child > 0);
	EXPECT_EQ(wait_status_of(child), 0);
	n = proc_collect(kq, ev, 4, 200);
	EXPECT_EQ(n, 1);
	EXPECT_EQ(ev[0].ident, getpid());
	EXPECT_EQ(ev[0].fflags, NOTE_FORK | NOTE_TRACKERR);
	EXPECT_EQ(ev[0].data, child);
	close(kq);
}

KQ_TEST(a_tracked_fork_past_the_limit_gives_trackerr)
{
	ASSERT_EQ(write_param(KNOTES_PARAM, 2), 0);
	EXPECT_EQ(as_user(user_tracks_past_the_limit), 0);
	restore_params();
}
