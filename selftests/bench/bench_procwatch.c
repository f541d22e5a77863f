// SPDX-License-Identifier: GPL-2.0
/*
 * bench_procwatch: watching processes for their exit, EVFILT_PROC
 * NOTE_EXIT beside pidfd_open() + epoll.
 *
 *   bench_procwatch N   per round and side: fork N children that block
 *                       reading a pipe (untimed); register a watch on
 *                       each, one kevent() EV_ADD, or one pidfd_open() and
 *                       one EPOLL_CTL_ADD (timed: the registration row);
 *                       close the pipe, so that all N exit, and collect
 *                       their N exits (timed: the exit row; on the epoll
 *                       side each ready pidfd is closed, as a program
 *                       would, or it would be reported again); reap them
 *                       (untimed). Each side watches its own children, so
 *                       no exit pays for both.
 *
 * The exit row includes the children's own exits (the same work on both
 * sides): it is what a supervisor of N processes sees. Its clock starts
 * before the close that releases them: the close wakes all N, and they may
 * run (and exit) before the closing process gets the CPU back.
 * Checked: every child's exit was seen exactly once, with its status
 * (NOTE_EXIT's data) 0.
 * Cost: ns per watch registered, ns per exit collected.
 */
#include "bench.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/event.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int n;
static pid_t *kids;
static char *seen;

static int pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

/* N children blocked in read() until the returned write end is closed.
 * Each says it is ready first, so that none is still starting up while a
 * side's registrations or exits are timed. */
static int spawn(void)
{
	int p[2], ready[2];
	char c;

	if (pipe(p) || pipe(ready))
		bench_die("pipe");
	for (int i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			bench_die("fork %d", i);
		if (kids[i] == 0) {
			close(p[1]);
			if (write(ready[1], "r", 1) != 1)
				_exit(2);
			_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
		}
	}
	close(p[0]);
	close(ready[1]);
	for (int i = 0; i < n; i++)
		if (read(ready[0], &c, 1) != 1)
			bench_die("child %d of %d never started", i, n);
	close(ready[0]);
	memset(seen, 0, n);
	return p[1];
}

static int kid_index(pid_t pid)
{
	/* Children's pids ascend unless pid_max wraps: bisect, then scan. */
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (kids[mid] == pid)
			return mid;
		if (kids[mid] < pid)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	for (int i = 0; i < n; i++)
		if (kids[i] == pid)
			return i;
	return -1;
}

static void mark(pid_t pid)
{
	int i = kid_index(pid);

	if (i < 0 || seen[i])
		bench_die("exit of pid %d: %s", pid, i < 0 ? "not a child" : "seen twice");
	seen[i] = 1;
}

static void reap(void)
{
	for (int i = 0; i < n; i++) {
		int status;

		if (waitpid(kids[i], &status, 0) != kids[i] || status != 0)
			bench_die("child %d: status %#x", kids[i], status);
	}
}

static void kq_run(double *reg, double *ex)
{
	static struct kevent ev[256];
	int kq = kqueue(), w = spawn(), got = 0;
	double t0, t1;

	if (kq < 0)
		bench_die("kqueue");
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		struct kevent kev;

		EV_SET(&kev, kids[i], EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, NULL);
		if (kevent(kq, &kev, 1, NULL, 0, NULL))
			bench_die("EV_ADD EVFILT_PROC pid %d", kids[i]);
	}
	t1 = now_ns();
	*reg = (t1 - t0) / n;
	t0 = now_ns();
	close(w);
	while (got < n) {
		int k = kevent(kq, NULL, 0, ev, 256, NULL);

		if (k < 1)
			bench_die("kevent wait");
		for (int j = 0; j < k; j++) {
			if (ev[j].filter != EVFILT_PROC || !(ev[j].fflags & NOTE_EXIT) || ev[j].data != 0)
				bench_die("bad NOTE_EXIT event (fflags %#x data %ld)", ev[j].fflags,
					  (long)ev[j].data);
			mark(ev[j].ident);
		}
		got += k;
	}
	*ex = (now_ns() - t0) / n;
	close(kq);
	reap();
}

static void ep_run(double *reg, double *ex, int *pfd)
{
	static struct epoll_event ev[256];
	int ep = epoll_create1(0), w = spawn(), got = 0;
	double t0, t1;

	if (ep < 0)
		bench_die("epoll_create1");
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };

		pfd[i] = pidfd_open(kids[i]);
		if (pfd[i] < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, pfd[i], &e))
			bench_die("pidfd_open + EPOLL_CTL_ADD pid %d", kids[i]);
	}
	t1 = now_ns();
	*reg = (t1 - t0) / n;
	t0 = now_ns();
	close(w);
	while (got < n) {
		int k = epoll_wait(ep, ev, 256, -1);

		if (k < 1)
			bench_die("epoll_wait");
		for (int j = 0; j < k; j++) {
			int i = ev[j].data.u32;

			mark(kids[i]);
			close(pfd[i]);
		}
		got += k;
	}
	*ex = (now_ns() - t0) / n;
	close(ep);
	reap();
}

int main(int argc, char **argv)
{
	static double kr[BENCH_MAX_ROUNDS], er[BENCH_MAX_ROUNDS];
	static double kx[BENCH_MAX_ROUNDS], ex[BENCH_MAX_ROUNDS];
	int rounds = bench_rounds(), *pfd;
	char name[128];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2 || atoi(argv[1]) < 1) {
		fprintf(stderr, "usage: bench_procwatch N\n");
		return 2;
	}
	n = atoi(argv[1]);
	bench_nofile(n + 16);
	kids = calloc(n, sizeof(*kids));
	seen = calloc(n, 1);
	pfd = calloc(n, sizeof(*pfd));
	if (!kids || !seen || !pfd)
		bench_die("calloc");
	signal(SIGPIPE, SIG_IGN);
	for (int r = 0; r < rounds; r++) {
		if (kq_first(r)) {
			kq_run(&kr[r], &kx[r]);
			ep_run(&er[r], &ex[r], pfd);
		} else {
			ep_run(&er[r], &ex[r], pfd);
			kq_run(&kr[r], &kx[r]);
		}
		printf("# procwatch %d round %d: register kqueue %.0f pidfd+epoll %.0f, exit kqueue %.0f pidfd+epoll %.0f ns\n",
		       n, r, kr[r], er[r], kx[r], ex[r]);
	}
	snprintf(name, sizeof(name), "register a process watch (%d), NOTE_EXIT vs pidfd_open+epoll_ctl, ns", n);
	bench_row(name, "ns", kr, er, rounds, 0, "report (no regression)");
	snprintf(name, sizeof(name), "exits of %d children seen, NOTE_EXIT vs pidfd+epoll, ns/exit", n);
	bench_row(name, "ns", kx, ex, rounds, 0, "report (no regression)");
	return 0;
}
