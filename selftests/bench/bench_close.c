// SPDX-License-Identifier: GPL-2.0
/*
 * bench_close: the cost of opening and closing a pipe, to measure what
 * kqueue.ko's close probe (a kprobe on locks_remove_posix, fd_close.c) adds to
 * every close() on the system, for processes that use no kqueue. Prints
 * figures, asserts nothing. Driven by overhead.sh (loaded vs unloaded).
 *
 *   bench_close SECONDS   for SECONDS: pipe(), close() both ends; print
 *                         "pipe open+close: N/s"
 *   bench_close --watched SECONDS
 *                         the closes are of watched descriptors: pipe(),
 *                         EV_ADD its read end, close both ends; print
 *                         "watched pipe open+add+close: N/s". Every close
 *                         must remove its knote (checked at the end). The
 *                         close probe's slow path: a knote hidden, its file
 *                         released by the closing task, the knote reaped.
 *   bench_close --watch [N]
 *                         watch N (default 1000) pipes' read ends
 *                         (EVFILT_READ) on a kqueue, print "watching N",
 *                         then wait for SIGTERM/SIGINT and check that
 *                         closing one of them removes its knote (ENOENT).
 *                         While it runs the probe's table is not empty:
 *                         every other close looks its file up there
 *                         (suite.sh: N = 100000, past the default
 *                         per-user knote limit, which it raises).
 *   bench_close --hold [N]
 *                         the same N pipes, open but watched by nothing
 *                         (prints "holding N"): the comparator for
 *                         --watch with the module not loaded, as 100000
 *                         open pipes alone slow every pipe()+close() by a
 *                         few per cent (3.7% under icount on 6.1), which
 *                         is the kernel's cost, not the module's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/event.h>
#include <sys/resource.h>

#define WATCHED 1000	/* overhead.sh's default */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int one_pipe(void)
{
	int p[2];

	if (pipe(p))
		return -1;
	close(p[0]);
	close(p[1]);
	return 0;
}

static int bench(double seconds)
{
	long n = 0;
	double t0, t;

	for (int i = 0; i < 1000; i++)	/* warm up: slab caches */
		if (one_pipe())
			goto fail;
	t0 = now_s();
	do {
		/* Read the clock every 64 pipes: it must not dominate. */
		for (int i = 0; i < 64; i++)
			if (one_pipe())
				goto fail;
		n += 64;
		t = now_s();
	} while (t - t0 < seconds);
	printf("pipe open+close: %.1f/s (%ld in %.2f s)\n", n / (t - t0), n, t - t0);
	return 0;
fail:
	fprintf(stderr, "bench_close: pipe failed: %s\n", strerror(errno));
	return 1;
}

static int one_watched_pipe(int kq, int *last_fd)
{
	struct kevent kev;
	int p[2];

	if (pipe(p))
		return -1;
	EV_SET(&kev, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
	if (kevent(kq, &kev, 1, NULL, 0, NULL))
		return -1;
	close(p[0]);
	close(p[1]);
	*last_fd = p[0];
	return 0;
}

static int bench_watched(double seconds)
{
	struct kevent kev;
	int kq = kqueue(), fd = -1;
	long n = 0;
	double t0, t;

	if (kq < 0)
		goto fail;
	for (int i = 0; i < 1000; i++)
		if (one_watched_pipe(kq, &fd))
			goto fail;
	t0 = now_s();
	do {
		for (int i = 0; i < 64; i++)
			if (one_watched_pipe(kq, &fd))
				goto fail;
		n += 64;
		t = now_s();
	} while (t - t0 < seconds);
	/* The work was done: the last close removed its knote too. */
	EV_SET(&kev, fd, EVFILT_READ, EV_DELETE, 0, 0, NULL);
	if (kevent(kq, &kev, 1, NULL, 0, NULL) != -1 || errno != ENOENT) {
		fprintf(stderr, "bench_close: a closed descriptor kept its knote\n");
		return 1;
	}
	printf("watched pipe open+add+close: %.1f/s (%ld in %.2f s)\n", n / (t - t0), n, t - t0);
	return 0;
fail:
	fprintf(stderr, "bench_close: %s\n", strerror(errno));
	return 1;
}

static int keep_pipes(int n, int watch)
{
	struct rlimit rl = { 2 * n + 64, 2 * n + 64 };
	int (*fds)[2] = calloc(n, sizeof(*fds));
	struct kevent kev;
	sigset_t stop;
	int kq, sig;

	/* Blocked from the start and taken with sigwait(): none can be missed. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	if (!fds) {
		perror("bench_close: calloc");
		return 1;
	}
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		perror("bench_close: setrlimit");
		return 1;
	}
	kq = watch ? kqueue() : 0;
	if (kq < 0) {
		perror("bench_close: kqueue");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (pipe(fds[i])) {
			perror("bench_close: pipe");
			return 1;
		}
		EV_SET(&kev, fds[i][0], EVFILT_READ, EV_ADD, 0, 0, NULL);
		if (watch && kevent(kq, &kev, 1, NULL, 0, NULL)) {
			perror("bench_close: EV_ADD");
			return 1;
		}
	}
	printf("%s %d\n", watch ? "watching" : "holding", n);
	fflush(stdout);
	sigwait(&stop, &sig);
	if (!watch)
		return 0;
	close(fds[0][0]);
	EV_SET(&kev, fds[0][0], EVFILT_READ, EV_DELETE, 0, 0, NULL);
	if (kevent(kq, &kev, 1, NULL, 0, NULL) != -1 || errno != ENOENT) {
		fprintf(stderr, "bench_close: a closed descriptor kept its knote\n");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int keep = argc >= 2 && (strcmp(argv[1], "--watch") == 0 ||
				 strcmp(argv[1], "--hold") == 0);

	if (keep && argc == 2)
		return keep_pipes(WATCHED, argv[1][2] == 'w');
	if (keep && argc == 3 && atoi(argv[2]) > 0)
		return keep_pipes(atoi(argv[2]), argv[1][2] == 'w');
	if (argc == 2 && atof(argv[1]) > 0)
		return bench(atof(argv[1]));
	if (argc == 3 && strcmp(argv[1], "--watched") == 0 && atof(argv[2]) > 0)
		return bench_watched(atof(argv[2]));
	fprintf(stderr, "usage: bench_close SECONDS | --watched SECONDS | --watch [N] | --hold [N]\n");
	return 2;
}
