// SPDX-License-Identifier: GPL-2.0
/*
 * bench_register: what registering and removing N watched pipes costs,
 * kqueue EVFILT_READ beside epoll_ctl().
 *
 *   bench_register N    N pipes, made once. A kqueue cycle, on a fresh
 *                       kqueue: EV_ADD all N in one kevent() call, EV_DELETE
 *                       them in one call, then the same one change per
 *                       kevent() call. An epoll cycle, on a fresh epoll:
 *                       N EPOLL_CTL_ADD, N EPOLL_CTL_DEL (epoll has no
 *                       batch, so both kqueue forms face the same figures).
 *                       Cycles repeat for about T seconds per side and
 *                       round; the queues' creation and close are not timed.
 *
 * The pipes are empty: registering an idle descriptor is the case to
 * optimise (a ready one also queues an event, on both sides).
 * Checked, untimed: a delete succeeds only for a registered descriptor
 * (so each delete proves its add), and after the deletes nothing is left
 * (every descriptor's delete fails with ENOENT).
 * Cost: ns per registration (or removal).
 */
#include "bench.h"

#include <sys/epoll.h>
#include <sys/event.h>

static int n;
static int *rfd;
static struct kevent *chg, *evl;

enum { BATCH_ADD, BATCH_DEL, ONE_ADD, ONE_DEL, EP_ADD, EP_DEL, NPHASES };

static void fill(int flags)
{
	for (int i = 0; i < n; i++)
		EV_SET(&chg[i], rfd[i], EVFILT_READ, flags, 0, 0, NULL);
}

/* Untimed: every descriptor's EV_DELETE must fail with ENOENT. */
static void kq_check_empty(int kq)
{
	int got;

	fill(EV_DELETE);
	got = kevent(kq, chg, n, evl, n, NULL);
	if (got != n)
		bench_die("after the deletes: %d of %d descriptors reported", got, n);
	for (int i = 0; i < n; i++)
		if (!(evl[i].flags & EV_ERROR) || evl[i].data != ENOENT)
			bench_die("fd %d still registered after its EV_DELETE", (int)evl[i].ident);
}

static void kq_cycle(double *t)
{
	int kq = kqueue();
	double t0, t1, t2;

	if (kq < 0)
		bench_die("kqueue");
	fill(EV_ADD);
	t0 = now_ns();
	if (kevent(kq, chg, n, NULL, 0, NULL))
		bench_die("one kevent() of %d EV_ADDs", n);
	t1 = now_ns();
	fill(EV_DELETE);
	t2 = now_ns();
	if (kevent(kq, chg, n, NULL, 0, NULL))
		bench_die("one kevent() of %d EV_DELETEs (an add was lost)", n);
	t[BATCH_ADD] += t1 - t0;
	t[BATCH_DEL] += now_ns() - t2;
	kq_check_empty(kq);

	fill(EV_ADD);
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		if (kevent(kq, &chg[i], 1, NULL, 0, NULL))
			bench_die("EV_ADD fd %d", rfd[i]);
	t1 = now_ns();
	fill(EV_DELETE);
	t2 = now_ns();
	for (int i = 0; i < n; i++)
		if (kevent(kq, &chg[i], 1, NULL, 0, NULL))
			bench_die("EV_DELETE fd %d (its add was lost)", rfd[i]);
	t[ONE_ADD] += t1 - t0;
	t[ONE_DEL] += now_ns() - t2;
	kq_check_empty(kq);
	close(kq);
}

static void ep_cycle(double *t)
{
	int ep = epoll_create1(0);
	double t0, t1;

	if (ep < 0)
		bench_die("epoll_create1");
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = rfd[i] };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, rfd[i], &ev))
			bench_die("EPOLL_CTL_ADD fd %d", rfd[i]);
	}
	t1 = now_ns();
	t[EP_ADD] += t1 - t0;
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		if (epoll_ctl(ep, EPOLL_CTL_DEL, rfd[i], NULL))
			bench_die("EPOLL_CTL_DEL fd %d (its add was lost)", rfd[i]);
	t[EP_DEL] += now_ns() - t0;
	for (int i = 0; i < n; i++)
		if (epoll_ctl(ep, EPOLL_CTL_DEL, rfd[i], NULL) != -1 || errno != ENOENT)
			bench_die("fd %d still in the epoll after its EPOLL_CTL_DEL", rfd[i]);
	errno = 0;
	close(ep);
}

/* ns per operation of each phase, cycles for about T seconds. */
static void run(int kq, double seconds, double *cost)
{
	double t[NPHASES] = { 0 }, t0 = now_ns();
	long cycles = 0;

	do {
		if (kq)
			kq_cycle(t);
		else
			ep_cycle(t);
		cycles++;
	} while (now_ns() - t0 < seconds * 1e9);
	for (int p = 0; p < NPHASES; p++)
		cost[p] = t[p] / ((double)cycles * n);
}

int main(int argc, char **argv)
{
	static double c[NPHASES][BENCH_MAX_ROUNDS];
	int rounds = bench_rounds();
	double seconds = bench_seconds(), cost[NPHASES];
	char name[128];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2 || atoi(argv[1]) < 1) {
		fprintf(stderr, "usage: bench_register N\n");
		return 2;
	}
	n = atoi(argv[1]);
	bench_nofile(2L * n + 16);
	rfd = calloc(n, sizeof(*rfd));
	chg = calloc(n, sizeof(*chg));
	evl = calloc(n, sizeof(*evl));
	if (!rfd || !chg || !evl)
		bench_die("calloc");
	for (int i = 0; i < n; i++) {
		int p[2];

		if (pipe(p))
			bench_die("pipe");
		rfd[i] = p[0];	/* the write end stays open: idle, not at EOF */
	}
	run(1, seconds / 10, cost);	/* warm up: slab caches, both sides */
	run(0, seconds / 10, cost);
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < 2; k++) {
			int kq = kq_first(r) ? k == 0 : k == 1;

			run(kq, seconds, cost);
			for (int p = kq ? BATCH_ADD : EP_ADD; p <= (kq ? ONE_DEL : EP_DEL); p++)
				c[p][r] = cost[p];
		}
		printf("# register %d round %d: kqueue add %.0f/%.0f del %.0f/%.0f (batch/one), epoll add %.0f del %.0f ns\n",
		       n, r, c[BATCH_ADD][r], c[ONE_ADD][r], c[BATCH_DEL][r], c[ONE_DEL][r],
		       c[EP_ADD][r], c[EP_DEL][r]);
	}
	snprintf(name, sizeof(name), "add %d pipes, one kevent() of %d changes vs epoll_ctl(), ns/fd", n, n);
	bench_row(name, "ns", c[BATCH_ADD], c[EP_ADD], rounds, 0.80, NULL);
	snprintf(name, sizeof(name), "delete %d pipes, one kevent() vs epoll_ctl(), ns/fd", n);
	bench_row(name, "ns", c[BATCH_DEL], c[EP_DEL], rounds, 0.60, NULL);
	snprintf(name, sizeof(name), "add %d pipes, one change per kevent() vs epoll_ctl(), ns/fd", n);
	bench_row(name, "ns", c[ONE_ADD], c[EP_ADD], rounds, 1.00, NULL);
	snprintf(name, sizeof(name), "delete %d pipes, one change per kevent() vs epoll_ctl(), ns/fd", n);
	bench_row(name, "ns", c[ONE_DEL], c[EP_DEL], rounds, 1.00, NULL);
	return 0;
}
