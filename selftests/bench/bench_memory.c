// SPDX-License-Identifier: GPL-2.0
/*
 * bench_memory: kernel bytes per registration, kqueue beside epoll.
 *
 *   bench_memory CGROUP N   moves itself into the cgroup-v2 directory
 *                           CGROUP (memory controller on; suite.sh makes
 *                           it), then per round and side:
 *     read:  N pipes made beforehand; the growth of the cgroup's kernel
 *            memory over one kevent() of N EVFILT_READ EV_ADDs, against
 *            that over N EPOLL_CTL_ADDs.
 *     timer: the growth over N periodic EVFILT_TIMER knotes, against N
 *            timerfds armed periodic and added to one epoll (a timer a
 *            program can wait for among its other events).
 *
 * The measure is memory.stat's "kernel" (every charged kernel allocation,
 * exact to a page per CPU): the module charges all it allocates to the
 * caller's cgroup (GFP_KERNEL_ACCOUNT, see selftests/memcg_accounting.c),
 * and so does the kernel for epoll items, files and timerfds. What the
 * queue itself costs (kqueue(), epoll_create1()) is made before the first
 * reading, and so is the descriptor table's growth for the timerfds: the
 * figure is the marginal cost of one more watched thing.
 * Freeing is deferred (RCU) on both sides, so before each measurement the
 * previous side's memory must have gone back, or its late uncharge would
 * be counted against this side.
 * Checked: every registration succeeded, and each timerfd was armed.
 */
#include "bench.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/event.h>
#include <sys/mman.h>
#include <sys/timerfd.h>

static const char *cg;
static int n;
static int *rfd, *tfd;
static struct kevent *chg;

static long kernel_bytes(void)
{
	char path[512], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	f = fopen(path, "r");
	if (!f)
		bench_die("open %s", path);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "kernel %ld", &v) == 1)
			break;
	fclose(f);
	if (v < 0)
		bench_die("no \"kernel\" line in %s", path);
	return v;
}

/* Until the charge is back near BASE (deferred frees done), at most 10 s. */
static void settle(long base)
{
	for (int i = 0; i < 200; i++) {
		if (kernel_bytes() <= base + 64 * 1024)
			return;
		usleep(50000);
	}
	printf("# warning: kernel memory still %ld bytes above the start after 10 s\n",
	       kernel_bytes() - base);
}

/* Kernel bytes per knote for the n changes in chg, added in one call. */
static double kq_bytes_per_change(const char *what)
{
	int kq = kqueue();
	long k0, k1;

	if (kq < 0)
		bench_die("kqueue");
	k0 = kernel_bytes();
	if (kevent(kq, chg, n, NULL, 0, NULL))
		bench_die("kevent: %d %s EV_ADDs", n, what);
	k1 = kernel_bytes();
	close(kq);
	return (double)(k1 - k0) / n;
}

static double kq_read(void)
{
	for (int i = 0; i < n; i++)
		EV_SET(&chg[i], rfd[i], EVFILT_READ, EV_ADD, 0, 0, NULL);
	return kq_bytes_per_change("EVFILT_READ");
}

static double ep_read(void)
{
	int ep = epoll_create1(0);
	long k0, k1;

	if (ep < 0)
		bench_die("epoll_create1");
	k0 = kernel_bytes();
	for (int i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = rfd[i] };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, rfd[i], &ev))
			bench_die("EPOLL_CTL_ADD");
	}
	k1 = kernel_bytes();
	close(ep);
	return (double)(k1 - k0) / n;
}

static double kq_timer(void)
{
	/* An hour's period: nothing expires while it is measured. */
	for (int i = 0; i < n; i++)
		EV_SET(&chg[i], i + 1, EVFILT_TIMER, EV_ADD, NOTE_SECONDS, 3600, NULL);
	return kq_bytes_per_change("EVFILT_TIMER");
}

static double ep_timer(void)
{
	struct itimerspec its = { .it_interval = { 3600, 0 }, .it_value = { 3600, 0 } };
	int ep = epoll_create1(0);
	long k0, k1;

	if (ep < 0)
		bench_die("epoll_create1");
	k0 = kernel_bytes();
	for (int i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN };

		tfd[i] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (tfd[i] < 0 || timerfd_settime(tfd[i], 0, &its, NULL))
			bench_die("timerfd %d", i);
		ev.data.fd = tfd[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd[i], &ev))
			bench_die("EPOLL_CTL_ADD timerfd");
	}
	k1 = kernel_bytes();
	for (int i = 0; i < n; i++) {
		struct itimerspec cur;

		if (timerfd_gettime(tfd[i], &cur) || cur.it_interval.tv_sec != 3600)
			bench_die("timerfd %d not armed", i);
		close(tfd[i]);
	}
	close(ep);
	return (double)(k1 - k0) / n;
}

int main(int argc, char **argv)
{
	static double kr[BENCH_MAX_ROUNDS], er[BENCH_MAX_ROUNDS];
	static double kt[BENCH_MAX_ROUNDS], et[BENCH_MAX_ROUNDS];
	int rounds = bench_rounds();
	char path[512], pid[32], name[128];
	long base;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3 || atoi(argv[2]) < 1) {
		fprintf(stderr, "usage: bench_memory CGROUP N\n");
		return 2;
	}
	cg = argv[1];
	n = atoi(argv[2]);
	bench_nofile(3L * n + 16);
	rfd = calloc(n, sizeof(*rfd));
	tfd = calloc(n, sizeof(*tfd));
	chg = calloc(n, sizeof(*chg));
	if (!rfd || !tfd || !chg)
		bench_die("calloc");
	for (int i = 0; i < n; i++) {
		int p[2];

		if (pipe(p))
			bench_die("pipe");
		rfd[i] = p[0];
	}
	/* Grow the descriptor table now, for the timerfds to come. */
	if (dup2(0, 3 * n + 8) < 0)
		bench_die("dup2");
	close(3 * n + 8);
	/* Our own pages (and page tables) are charged at fault time: fault
	 * everything in before we join the cgroup, and keep it. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		bench_die("mlockall");
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	fd = open(path, O_WRONLY);
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (fd < 0 || write(fd, pid, strlen(pid)) != (ssize_t)strlen(pid))
		bench_die("join %s", cg);
	close(fd);

	base = kernel_bytes();
	kq_read();	/* warm up: the module's caches and tables, both sides */
	settle(base);
	ep_read();
	settle(base);
	for (int r = 0; r < rounds; r++) {
		base = kernel_bytes();
		if (kq_first(r)) {
			kr[r] = kq_read(); settle(base);
			er[r] = ep_read(); settle(base);
			kt[r] = kq_timer(); settle(base);
			et[r] = ep_timer(); settle(base);
		} else {
			er[r] = ep_read(); settle(base);
			kr[r] = kq_read(); settle(base);
			et[r] = ep_timer(); settle(base);
			kt[r] = kq_timer(); settle(base);
		}
		printf("# memory %d round %d: read kqueue %.0f epoll %.0f, timer kqueue %.0f timerfd+epoll %.0f B\n",
		       n, r, kr[r], er[r], kt[r], et[r]);
		if (kr[r] <= 0 || er[r] <= 0 || kt[r] <= 0 || et[r] <= 0)
			bench_die("no kernel memory charged: is the memory controller on in %s?", cg);
	}
	snprintf(name, sizeof(name), "kernel bytes per EVFILT_READ vs per epoll registration (%d pipes)", n);
	bench_row(name, "B", kr, er, rounds, 1.00, NULL);
	snprintf(name, sizeof(name), "kernel bytes per EVFILT_TIMER vs timerfd in epoll (%d)", n);
	bench_row(name, "B", kt, et, rounds, 0, "report (no worse than before)");
	return 0;
}
