/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the EVFILT_PROC selftests (proc_*.c, stress_proc.c).
 * Include after defining KQ_TEST_MAIN, like kq_test.h. One copy of each
 * helper, so a fix lands once:
 *
 *  - held children: held_spawn(fn, arg) forks a child that waits on a pipe
 *    until held_release(), then runs fn(arg) and _exit()s with its return
 *    value. The child exists (and can be watched) before it does anything.
 *  - proc_watch(kq, pid, fflags, udata): EV_ADD an EVFILT_PROC knote.
 *  - proc_collect(kq, evs, max, quiet_ms): gather events until none arrives
 *    for quiet_ms; proc_find(evs, n, ident, fflag) finds one among them.
 *  - wait_status_of(pid): waitpid() and return the raw status.
 *  - dump_proc_ev(): print one event as a TAP comment.
 */
#ifndef KQ_PROC_TEST_H
#define KQ_PROC_TEST_H

#include "kq_test.h"

#include <sys/wait.h>

struct held_child {
	pid_t pid;
	int go_fd;	/* write end: one byte releases the child */
};

/* fn runs in the child after held_release(); its return is the exit code. */
static inline struct held_child held_spawn(int (*fn)(void *), void *arg)
{
	struct held_child c = { -1, -1 };
	int p[2];
	char b;

	if (pipe(p))
		return c;
	c.pid = fork();
	if (c.pid == 0) {
		close(p[1]);
		if (read(p[0], &b, 1) != 1)
			_exit(127);
		close(p[0]);
		_exit(fn ? fn(arg) : 0);
	}
	close(p[0]);
	c.go_fd = p[1];
	if (c.pid < 0) {
		close(p[1]);
		c.go_fd = -1;
	}
	return c;
}

static inline void held_release(struct held_child *c)
{
	if (c->go_fd >= 0) {
		if (write(c->go_fd, "g", 1) != 1)
			perror("held_release");
		close(c->go_fd);
		c->go_fd = -1;
	}
}

static inline int proc_watch(int kq, pid_t pid, unsigned int fflags, void *udata)
{
	return kq_change(kq, (unsigned long)pid, EVFILT_PROC, EV_ADD, fflags, 0,
			 udata);
}

/* Events until quiet_ms pass with none (at most max); returns the count. */
static inline int proc_collect(int kq, struct kevent *evs, int max, long quiet_ms)
{
	int n = 0;

	while (n < max) {
		int got = kq_wait(kq, evs + n, max - n, quiet_ms);

		if (got <= 0)
			break;
		n += got;
	}
	return n;
}

/* The first event for ident whose fflags include fflag (0: any), or NULL. */
static inline struct kevent *proc_find(struct kevent *evs, int n,
				       unsigned long ident, unsigned int fflag)
{
	for (int i = 0; i < n; i++)
		if (evs[i].ident == ident && evs[i].filter == EVFILT_PROC &&
		    (fflag == 0 || (evs[i].fflags & fflag)))
			return &evs[i];
	return NULL;
}

/* waitpid(pid) and its raw status, or -1. */
static inline int wait_status_of(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static inline void dump_proc_ev(const struct kevent *ev)
{
	printf("# event ident=%lu filter=%d flags=%#x fflags=%#x data=%lld udata=%p\n",
	       (unsigned long)ev->ident, ev->filter, ev->flags, ev->fflags,
	       (long long)ev->data, ev->udata);
}

#endif /* KQ_PROC_TEST_H */
