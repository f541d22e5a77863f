// SPDX-License-Identifier: GPL-2.0
/*
 * bench_timers: the CPU N periodic timers cost, EVFILT_TIMER beside
 * timerfds in an epoll (their memory: bench_memory's timer row).
 *
 *   bench_timers N PERIOD_MS   per round and side: N timers of PERIOD_MS,
 *                              armed together; for T seconds collect their
 *                              expiries (kevent(): EVFILT_TIMER's data;
 *                              epoll_wait() + read() of each ready timerfd:
 *                              its count), up to 1024 per wait.
 *
 * Cost: CPU ns per expiry, the whole system's (hrtimer interrupts, the
 * queueing, wake-ups and this process's collecting). It is what a
 * SCHED_IDLE spinner, which runs whenever nothing else wants the one vCPU,
 * loses over the window: busy = elapsed - spins / (spins per ns with no
 * timers, measured first). /proc/stat's idle time cannot say it: USER_HZ
 * ticks, and under icount an idle guest skips to the next timer, so short
 * busy stretches vanish in it.
 * Checked: every timer expired as often as its period says (an overrun is
 * counted, not lost, on both sides: kqueue's data and the timerfd's count).
 */
#include "bench.h"

#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/event.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#define BATCH 1024

static int n;
static long period_ms;

static volatile unsigned long *spins;
static double spin_rate;	/* spins per ns, nothing else running */
static pid_t spinner;

static void spinner_start(void)
{
	struct sched_param sp = { 0 };

	spins = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (spins == MAP_FAILED)
		bench_die("mmap");
	spinner = fork();
	if (spinner < 0)
		bench_die("fork");
	if (spinner == 0) {
		if (sched_setscheduler(0, SCHED_IDLE, &sp))
			_exit(1);
		for (;;)
			(*spins)++;
	}
	usleep(100000);	/* let it start and settle */
}

static void spinner_stop(void)
{
	int status;

	kill(spinner, SIGKILL);
	if (waitpid(spinner, &status, 0) != spinner || !WIFSIGNALED(status))
		bench_die("the spinner died early (SCHED_IDLE refused?)");
}

static void spin_calibrate(void)
{
	unsigned long s0 = *spins;
	double t0 = now_ns(), t;

	usleep(200000);
	t = now_ns();
	spin_rate = (*spins - s0) / (t - t0);
	if (spin_rate <= 0)
		bench_die("the spinner does not spin");
}

/* The CPU time everything but the spinner took since (t0, s0). */
static double busy_since(double t0, unsigned long s0)
{
	return (now_ns() - t0) - (*spins - s0) / spin_rate;
}

/* Expiries each timer should have had between t_arm and t_end: arming
 * takes a while (a timer armed late is one behind) and the last expiry
 * may be in flight, not yet collected (one more behind). */
static void check_count(const char *side, long *count, double t_arm, double t_end)
{
	long due = (long)((t_end - t_arm) / (period_ms * 1e6));

	for (int i = 0; i < n; i++)
		if (count[i] < due - 2 || count[i] > due + 1)
			bench_die("%s: timer %d expired %ld times in %.3f s, %ld due",
				  side, i, count[i], (t_end - t_arm) / 1e9, due);
}

static double kq_run(double seconds, long *count)
{
	static struct kevent chg[BATCH], ev[BATCH];
	double t_arm, t0, t, busy;
	unsigned long s0;
	long expiries = 0;
	int kq = kqueue();

	if (kq < 0)
		bench_die("kqueue");
	memset(count, 0, n * sizeof(*count));
	t_arm = now_ns();
	for (int i = 0; i < n; i += BATCH) {
		int k = n - i < BATCH ? n - i : BATCH;

		for (int j = 0; j < k; j++)
			EV_SET(&chg[j], i + j, EVFILT_TIMER, EV_ADD, NOTE_MSECONDS, period_ms, NULL);
		if (kevent(kq, chg, k, NULL, 0, NULL))
			bench_die("EV_ADD EVFILT_TIMER (max_timers_per_user?)");
	}
	t0 = now_ns();
	s0 = *spins;
	do {
		int got = kevent(kq, NULL, 0, ev, BATCH, NULL);

		if (got < 1)
			bench_die("kevent wait");
		for (int j = 0; j < got; j++) {
			if (ev[j].filter != EVFILT_TIMER || ev[j].ident >= (uintptr_t)n || ev[j].data < 1)
				bench_die("kevent: bad timer event");
			count[ev[j].ident] += ev[j].data;
			expiries += ev[j].data;
		}
		t = now_ns();
	} while (t - t0 < seconds * 1e9);
	busy = busy_since(t0, s0);
	close(kq);
	check_count("EVFILT_TIMER", count, t_arm, t);
	return busy / expiries;
}

static double ep_run(double seconds, long *count, int *tfd)
{
	struct itimerspec its = {
		.it_interval = { period_ms / 1000, period_ms % 1000 * 1000000 },
		.it_value = { period_ms / 1000, period_ms % 1000 * 1000000 },
	};
	static struct epoll_event ev[BATCH];
	double t_arm, t0, t, busy;
	unsigned long s0;
	long expiries = 0;
	int ep = epoll_create1(0);

	if (ep < 0)
		bench_die("epoll_create1");
	memset(count, 0, n * sizeof(*count));
	t_arm = now_ns();
	for (int i = 0; i < n; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };

		tfd[i] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (tfd[i] < 0 || timerfd_settime(tfd[i], 0, &its, NULL) ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, tfd[i], &e))
			bench_die("timerfd %d", i);
	}
	t0 = now_ns();
	s0 = *spins;
	do {
		int got = epoll_wait(ep, ev, BATCH, -1);

		if (got < 1)
			bench_die("epoll_wait");
		for (int j = 0; j < got; j++) {
			uint64_t c;
			int i = ev[j].data.u32;

			if (read(tfd[i], &c, sizeof(c)) != sizeof(c) || c < 1)
				bench_die("read timerfd %d", i);
			count[i] += c;
			expiries += c;
		}
		t = now_ns();
	} while (t - t0 < seconds * 1e9);
	busy = busy_since(t0, s0);
	for (int i = 0; i < n; i++)
		close(tfd[i]);
	close(ep);
	check_count("timerfd", count, t_arm, t);
	return busy / expiries;
}

int main(int argc, char **argv)
{
	static double kq[BENCH_MAX_ROUNDS], ep[BENCH_MAX_ROUNDS];
	int rounds = bench_rounds();
	double seconds = bench_seconds();
	char name[128];
	long *count;
	int *tfd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3 || atoi(argv[1]) < 1 || atol(argv[2]) < 1) {
		fprintf(stderr, "usage: bench_timers N PERIOD_MS\n");
		return 2;
	}
	n = atoi(argv[1]);
	period_ms = atol(argv[2]);
	if (seconds * 1000 < 3 * period_ms)
		bench_die("T=%g s is too short for %ld ms periods", seconds, period_ms);
	bench_nofile(n + 16);
	count = calloc(n, sizeof(*count));
	tfd = calloc(n, sizeof(*tfd));
	if (!count || !tfd)
		bench_die("calloc");
	spinner_start();
	spin_calibrate();
	for (int r = 0; r < rounds; r++) {
		if (kq_first(r)) {
			kq[r] = kq_run(seconds, count);
			ep[r] = ep_run(seconds, count, tfd);
		} else {
			ep[r] = ep_run(seconds, count, tfd);
			kq[r] = kq_run(seconds, count);
		}
		printf("# timers %d x %ld ms round %d: kqueue %.0f, timerfd+epoll %.0f CPU ns per expiry\n",
		       n, period_ms, r, kq[r], ep[r]);
	}
	spinner_stop();
	snprintf(name, sizeof(name), "%d periodic timers (%ld ms), CPU ns/expiry, EVFILT_TIMER vs timerfd+epoll",
		 n, period_ms);
	bench_row(name, "ns", kq, ep, rounds, 0, "report (no regression)");
	return 0;
}
