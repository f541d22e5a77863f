// SPDX-License-Identifier: GPL-2.0
/*
 * bench_proc: the cost of a process's life (fork + exec + exit + wait), to
 * measure what kqueue.ko's EVFILT_PROC probes (sched_process_fork/exec/exit
 * tracepoints) add to every process on the system. Prints figures, asserts
 * nothing. Driven by overhead.sh (loaded vs unloaded module).
 *
 *   bench_proc SECONDS   for SECONDS, fork a child that execs this static
 *                        binary with --exit (which exits 0 at once), wait
 *                        for it; print "fork+exec+exit: N/s"
 *   bench_proc --tracked SECONDS
 *                        the same lives, of children this process tracks
 *                        (it watches itself with NOTE_TRACK|NOTE_EXIT);
 *                        after each, exactly the child's NOTE_CHILD and
 *                        NOTE_EXIT must be queued. Prints "tracked
 *                        fork+exec+exit: N/s". The fork probe's NOTE_TRACK
 *                        path: a kit from the reserve, both refills.
 *   bench_proc --watch [N]
 *                        start N (default 1) children that sleep, watch
 *                        them on a kqueue (NOTE_EXIT|NOTE_FORK|NOTE_EXEC|
 *                        NOTE_TRACK), print "watching N", then wait for
 *                        SIGTERM/SIGINT: kill the sleepers, check that each
 *                        one's NOTE_EXIT arrives, exit 0. Keeps unrelated
 *                        watches registered while the benchmark runs, so
 *                        the probes find a non-empty table (suite.sh:
 *                        N = 10000, past the 1 GB VM's default threads-max,
 *                        which it raises).
 *   bench_proc --hold [N]
 *                        the same N sleepers, watched by nothing (prints
 *                        "holding N"): the comparator for --watch with
 *                        the module not loaded.
 *   bench_proc --exit    exit 0 (the exec target).
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
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One fork + exec + exit + wait; 0 on success. */
static int one_life(void)
{
	char *args[] = { "bench_proc", "--exit", NULL };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv("/proc/self/exe", args);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || status != 0)
		return -1;
	return 0;
}

static int bench(double seconds)
{
	long n = 0;
	double t0, t;

	for (int i = 0; i < 20; i++)	/* warm up: page cache, allocator */
		if (one_life())
			goto fail;
	t0 = now_s();
	do {
		if (one_life())
			goto fail;
		n++;
		t = now_s();
	} while (t - t0 < seconds);
	printf("fork+exec+exit: %.1f/s (%ld in %.2f s)\n", n / (t - t0), n, t - t0);
	return 0;
fail:
	fprintf(stderr, "bench_proc: fork/exec/wait failed: %s\n", strerror(errno));
	return 1;
}

/* After a tracked life: its NOTE_CHILD and NOTE_EXIT, nothing else. */
static int tracked_events_ok(int kq)
{
	static const struct timespec zero;
	struct kevent ev[4];
	int n = kevent(kq, NULL, 0, ev, 4, &zero), child = 0, exited = 0;

	for (int i = 0; i < n; i++) {
		child += ev[i].fflags == NOTE_CHILD && ev[i].data == getpid();
		exited += (ev[i].fflags & NOTE_EXIT) && ev[i].data == 0;
	}
	return n == 2 && child == 1 && exited == 1;
}

static int bench_tracked(double seconds)
{
	struct kevent kev;
	int kq = kqueue();
	long n = 0;
	double t0, t;

	EV_SET(&kev, getpid(), EVFILT_PROC, EV_ADD, NOTE_TRACK | NOTE_EXIT, 0, NULL);
	if (kq < 0 || kevent(kq, &kev, 1, NULL, 0, NULL))
		goto fail;
	for (int i = 0; i < 20; i++)
		if (one_life() || !tracked_events_ok(kq))
			goto fail;
	t0 = now_s();
	do {
		if (one_life() || !tracked_events_ok(kq))
			goto fail;
		n++;
		t = now_s();
	} while (t - t0 < seconds);
	printf("tracked fork+exec+exit: %.1f/s (%ld in %.2f s)\n", n / (t - t0), n, t - t0);
	return 0;
fail:
	fprintf(stderr, "bench_proc: a tracked life failed or its events were wrong (%s)\n",
		strerror(errno));
	return 1;
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int sleep_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

/*
 * The sleepers share this process's memory and descriptor table
 * (CLONE_VM | CLONE_FILES, but each its own process, which is what
 * EVFILT_PROC watches): 10000 forked copies would need page tables and
 * descriptor tables of their own, over half of the VM's 1 GB. A sleeper
 * only ever sits in pause(): a small stack of its own is enough.
 */
#define SLEEPER_STACK 2048

static int keep_sleepers(int n, int watch)
{
	static const struct timespec ten = { 10, 0 };
	struct sigaction sa;
	struct kevent kev, ev[256];
	pid_t *pid = calloc(n, sizeof(*pid));
	char *stacks = mmap(NULL, (size_t)n * SLEEPER_STACK, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int kq, status, got, sig, bad = 0, started = 0;
	sigset_t stop;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: kevent() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Holding: blocked from the start and taken with sigwait(). */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	if (!watch)
		sigprocmask(SIG_BLOCK, &stop, NULL);
	if (!pid || stacks == MAP_FAILED) {
		perror("bench_proc: memory");
		return 1;
	}
	kq = watch ? kqueue() : 0;
	if (kq < 0) {
		perror("bench_proc: kqueue");
		return 1;
	}
	for (; started < n; started++) {
		pid[started] = clone(sleep_forever, stacks + (size_t)(started + 1) * SLEEPER_STACK,
				     CLONE_VM | CLONE_FS | CLONE_FILES | SIGCHLD, NULL);
		if (pid[started] < 0) {
			perror("bench_proc: clone (threads-max?)");
			bad = 1;
			break;
		}
		EV_SET(&kev, pid[started], EVFILT_PROC, EV_ADD,
		       NOTE_EXIT | NOTE_FORK | NOTE_EXEC | NOTE_TRACK, 0, NULL);
		if (watch && kevent(kq, &kev, 1, NULL, 0, NULL) != 0) {
			perror("bench_proc: EV_ADD EVFILT_PROC");
			started++;
			bad = 1;
			break;
		}
	}
	if (!bad) {
		printf("%s %d\n", watch ? "watching" : "holding", n);
		fflush(stdout);
	}
	if (!bad && !watch)
		sigwait(&stop, &sig);
	while (!bad && watch && !stop_requested) {
		got = kevent(kq, NULL, 0, ev, 1, NULL);
		if (got < 0 && errno != EINTR) {
			perror("bench_proc: kevent");
			bad = 1;
		}
		if (got > 0) {
			fprintf(stderr, "bench_proc: unexpected event fflags %#x\n", ev[0].fflags);
			bad = 1;
		}
	}
	for (int i = 0; i < started; i++)
		kill(pid[i], SIGKILL);
	for (int i = 0; i < started; i++) {
		if (waitpid(pid[i], &status, 0) != pid[i] || !WIFSIGNALED(status)) {
			fprintf(stderr, "bench_proc: sleeper %d: status %#x\n", pid[i], status);
			bad = 1;
		}
	}
	/* Every sleeper's exit must have been seen, with its status. */
	for (int seen = 0; !bad && watch && seen < n; seen += got) {
		got = kevent(kq, NULL, 0, ev, 256, &ten);
		if (got < 1) {
			fprintf(stderr, "bench_proc: %d of %d NOTE_EXITs, then none\n", seen, n);
			bad = 1;
		}
		for (int i = 0; i < got; i++)
			if (ev[i].fflags != NOTE_EXIT || !WIFSIGNALED(ev[i].data) ||
			    WTERMSIG(ev[i].data) != SIGKILL) {
				fprintf(stderr, "bench_proc: bad NOTE_EXIT (fflags %#x data %#lx)\n",
					ev[i].fflags, (long)ev[i].data);
				bad = 1;
			}
	}
	if (watch)
		close(kq);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--exit") == 0)
		_exit(0);
	int keep = argc >= 2 && (strcmp(argv[1], "--watch") == 0 ||
				 strcmp(argv[1], "--hold") == 0);

	if (keep && argc == 2)
		return keep_sleepers(1, argv[1][2] == 'w');
	if (keep && argc == 3 && atoi(argv[2]) > 0)
		return keep_sleepers(atoi(argv[2]), argv[1][2] == 'w');
	if (argc == 2 && atof(argv[1]) > 0)
		return bench(atof(argv[1]));
	if (argc == 3 && strcmp(argv[1], "--tracked") == 0 && atof(argv[2]) > 0)
		return bench_tracked(atof(argv[2]));
	fprintf(stderr, "usage: bench_proc SECONDS | --tracked SECONDS | --watch [N] | --hold [N] | --exit\n");
	return 2;
}
