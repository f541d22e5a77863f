/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - what the side-by-side benchmarks (bench_events, bench_register,
 * bench_memory, bench_timers, bench_procwatch; run by suite.sh) share:
 * the clock, the round parameters, medians, the paired ratio and the one
 * output format the suite collects into its table.
 *
 * Every figure is a cost (ns per operation, bytes per object) so that one
 * convention holds for the whole table: ratio = kqueue cost / comparator
 * cost, below 1 means kqueue.ko is cheaper. A rate is turned into its cost
 * (1e9 / rate) before it gets here.
 *
 * The rounds alternate which side goes first (kqueue then the comparator,
 * then the comparator then kqueue, ...) so that drift inside a run (slab
 * caches warming, the page cache) lands on both sides equally; the ratio is
 * the median of each round's own ratio, which cancels drift between rounds
 * as well.
 */
#ifndef BENCH_H
#define BENCH_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#define BENCH_MAX_ROUNDS 99

/* Under the suite's icount VM this clock counts guest instructions. */
static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The work was not done, or a call failed: the figures would lie, so the
 * whole suite must fail, loudly. */
static inline void __attribute__((noreturn, format(printf, 1, 2))) bench_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "BENCH FAILED: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (errno)
		fprintf(stderr, " (errno: %s)", strerror(errno));
	fprintf(stderr, "\n");
	exit(1);
}

/* Rounds (R) and seconds per measurement (T) come from the environment,
 * like overhead.sh's, so one suite.sh sets them for every program. */
static inline int bench_rounds(void)
{
	int r = getenv("R") ? atoi(getenv("R")) : 7;

	if (r < 1 || r > BENCH_MAX_ROUNDS)
		bench_die("R=%d: 1..%d rounds", r, BENCH_MAX_ROUNDS);
	return r;
}

static inline double bench_seconds(void)
{
	double t = getenv("T") ? atof(getenv("T")) : 1.0;

	if (t <= 0)
		bench_die("T must be positive");
	return t;
}

/* Round r runs kqueue first when r is even, the comparator first when odd. */
static inline int kq_first(int round)
{
	return round % 2 == 0;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static inline double median(const double *v, int n)
{
	double s[BENCH_MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* The median of the per-round ratios a[i] / b[i]. */
static inline double paired_ratio(const double *a, const double *b, int n)
{
	double r[BENCH_MAX_ROUNDS];

	for (int i = 0; i < n; i++)
		r[i] = a[i] / b[i];
	return median(r, n);
}

/*
 * One line of the table, tab-separated after "ROW", which suite.sh turns
 * into markdown. target <= 0: nothing to meet, the figure is reported
 * ("no regression" targets are judged against an earlier run, by a human).
 */
static inline void bench_row_text(const char *name, const char *kq, const char *cmp,
				  double ratio, double target, const char *target_text)
{
	char t[64];

	if (target > 0)
		snprintf(t, sizeof(t), "<= %.2f", target);
	else
		snprintf(t, sizeof(t), "%s", target_text ? target_text : "report");
	printf("ROW\t%s\t%s\t%s\t%.3f\t%s\t%s\n", name, kq, cmp, ratio, t,
	       target > 0 ? (ratio <= target ? "yes" : "**no**") : "-");
	fflush(stdout);
}

/* A row of two medians in UNIT ("ns", "B", ...) and their paired ratio. */
static inline void bench_row(const char *name, const char *unit, const double *kq,
			     const double *cmp, int n, double target, const char *target_text)
{
	char a[64], b[64];

	snprintf(a, sizeof(a), "%.0f %s", median(kq, n), unit);
	snprintf(b, sizeof(b), "%.0f %s", median(cmp, n), unit);
	bench_row_text(name, a, b, paired_ratio(kq, cmp, n), target, target_text);
}

/* Room for N descriptors more than the usual few: root may raise both
 * limits up to fs.nr_open. Said on stdout, as the suite promises. */
static inline void bench_nofile(long n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		bench_die("getrlimit");
	if ((long)rl.rlim_cur >= n + 64)
		return;
	rl.rlim_cur = rl.rlim_max = n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		bench_die("setrlimit(RLIMIT_NOFILE, %ld)", n + 64);
	printf("# RLIMIT_NOFILE raised to %ld\n", n + 64);
}

#endif
