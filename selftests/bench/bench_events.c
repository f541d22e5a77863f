// SPDX-License-Identifier: GPL-2.0
/*
 * bench_events: the event path, kqueue EVFILT_READ beside epoll, one event
 * per wait (the common server loop: wait, handle one descriptor, wait).
 *
 *   bench_events ring N...    a token (one byte) passed round-robin over N
 *                             pipes: wait for the one readable pipe, read
 *                             the byte, write it into the next pipe. Every
 *                             wait must name the pipe the token was put in.
 *   bench_events idle N...    one active pipe among N idle registered ones:
 *                             write a byte, wait, read it back. The idle set
 *                             grows from size to size, registered in both
 *                             the kqueue and the epoll (idle pipes are never
 *                             written, so neither side pays for the other);
 *                             each side has its own active pipe. Then a row
 *                             for kqueue's flatness: the largest N against
 *                             the smallest.
 *
 * Cost: ns per event (one write, one wait, one read). R rounds of T seconds
 * per side (bench.h).
 */
#include "bench.h"

#include <sys/epoll.h>
#include <sys/event.h>

struct side {
	int kq;		/* 1: a kqueue, 0: an epoll */
	int fd;
};

static void side_open(struct side *s, int kq)
{
	s->kq = kq;
	s->fd = kq ? kqueue() : epoll_create1(0);
	if (s->fd < 0)
		bench_die("%s", kq ? "kqueue" : "epoll_create1");
}

static void side_add(struct side *s, int fd)
{
	if (s->kq) {
		struct kevent kev;

		EV_SET(&kev, fd, EVFILT_READ, EV_ADD, 0, 0, NULL);
		if (kevent(s->fd, &kev, 1, NULL, 0, NULL))
			bench_die("EV_ADD EVFILT_READ fd %d", fd);
	} else {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

		if (epoll_ctl(s->fd, EPOLL_CTL_ADD, fd, &ev))
			bench_die("EPOLL_CTL_ADD fd %d", fd);
	}
}

/* One event; the descriptor it names. */
static int side_wait(struct side *s)
{
	if (s->kq) {
		struct kevent ev;

		if (kevent(s->fd, NULL, 0, &ev, 1, NULL) != 1 || ev.filter != EVFILT_READ)
			bench_die("kevent wait");
		return ev.ident;
	} else {
		struct epoll_event ev;

		if (epoll_wait(s->fd, &ev, 1, -1) != 1 || !(ev.events & EPOLLIN))
			bench_die("epoll_wait");
		return ev.data.fd;
	}
}

static void make_pipe(int p[2])
{
	if (pipe(p))
		bench_die("pipe");
}

static void put(int fd)
{
	if (write(fd, "t", 1) != 1)
		bench_die("write");
}

static void take(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1 || c != 't')
		bench_die("read: no token in fd %d", fd);
}

/* ---- ring ---- */

struct ring {
	struct side s;
	int n;
	int (*p)[2];
};

static void ring_open(struct ring *r, int kq, int n)
{
	side_open(&r->s, kq);
	r->n = n;
	r->p = calloc(n, sizeof(*r->p));
	if (!r->p)
		bench_die("calloc");
	for (int i = 0; i < n; i++) {
		make_pipe(r->p[i]);
		side_add(&r->s, r->p[i][0]);
	}
}

static void ring_close(struct ring *r)
{
	for (int i = 0; i < r->n; i++) {
		close(r->p[i][0]);
		close(r->p[i][1]);
	}
	free(r->p);
	close(r->s.fd);
}

/* ns per token pass, over about T seconds; the token starts and ends in
 * pipe 0's neighbourhood, and every wait must find it where it was put. */
static double ring_run(struct ring *r, double seconds)
{
	long passes = 0;
	int at = 0;
	double t0, t;

	put(r->p[0][1]);
	t0 = now_ns();
	do {
		for (int i = 0; i < 64; i++) {
			int fd = side_wait(&r->s);

			if (fd != r->p[at][0])
				bench_die("ring of %d (%s): token expected in fd %d, event for fd %d",
					  r->n, r->s.kq ? "kqueue" : "epoll", r->p[at][0], fd);
			take(fd);
			at = (at + 1) % r->n;
			put(r->p[at][1]);
		}
		passes += 64;
		t = now_ns();
	} while (t - t0 < seconds * 1e9);
	take(r->p[at][0]);
	return (t - t0) / passes;
}

static void ring_case(int n, int rounds, double seconds)
{
	double kq[BENCH_MAX_ROUNDS], ep[BENCH_MAX_ROUNDS];
	struct ring rk, re;
	char name[96];

	bench_nofile(4L * n + 16);
	ring_open(&rk, 1, n);
	ring_open(&re, 0, n);
	ring_run(&rk, seconds / 10);	/* warm up both */
	ring_run(&re, seconds / 10);
	for (int i = 0; i < rounds; i++) {
		if (kq_first(i)) {
			kq[i] = ring_run(&rk, seconds);
			ep[i] = ring_run(&re, seconds);
		} else {
			ep[i] = ring_run(&re, seconds);
			kq[i] = ring_run(&rk, seconds);
		}
		printf("# ring %d round %d: kqueue %.0f ns, epoll %.0f ns per pass\n", n, i, kq[i], ep[i]);
	}
	ring_close(&rk);
	ring_close(&re);
	snprintf(name, sizeof(name), "token round-robin over %d pipe%s, ns/event (vs epoll)", n,
		 n == 1 ? "" : "s");
	bench_row(name, "ns", kq, ep, rounds, 1.00, NULL);
}

/* ---- one active among N idle ---- */

static double active_run(struct side *s, int p[2], double seconds)
{
	long n = 0;
	double t0, t;

	t0 = now_ns();
	do {
		for (int i = 0; i < 64; i++) {
			put(p[1]);
			if (side_wait(s) != p[0])
				bench_die("%s: the event was not for the active pipe",
					  s->kq ? "kqueue" : "epoll");
			take(p[0]);
		}
		n += 64;
		t = now_ns();
	} while (t - t0 < seconds * 1e9);
	return (t - t0) / n;
}

static void idle_cases(int argc, char **argv, int rounds, double seconds)
{
	double kq[BENCH_MAX_ROUNDS], ep[BENCH_MAX_ROUNDS], first_kq = 0, last_kq = 0;
	int maxn = 0, idle = 0, first_n = 0, last_n = 0;
	int ak[2], ae[2];
	struct side sk, se;
	char name[96];

	for (int a = 0; a < argc; a++)
		if (atoi(argv[a]) > maxn)
			maxn = atoi(argv[a]);
	bench_nofile(2L * maxn + 16);
	side_open(&sk, 1);
	side_open(&se, 0);
	make_pipe(ak);
	make_pipe(ae);
	side_add(&sk, ak[0]);
	side_add(&se, ae[0]);
	for (int a = 0; a < argc; a++) {
		int n = atoi(argv[a]);

		if (n < idle)
			bench_die("idle sizes must grow");
		for (; idle < n; idle++) {
			int p[2];

			make_pipe(p);	/* both ends stay open: idle, not at EOF */
			side_add(&sk, p[0]);
			side_add(&se, p[0]);
		}
		active_run(&sk, ak, seconds / 10);
		active_run(&se, ae, seconds / 10);
		for (int i = 0; i < rounds; i++) {
			if (kq_first(i)) {
				kq[i] = active_run(&sk, ak, seconds);
				ep[i] = active_run(&se, ae, seconds);
			} else {
				ep[i] = active_run(&se, ae, seconds);
				kq[i] = active_run(&sk, ak, seconds);
			}
			printf("# idle %d round %d: kqueue %.0f ns, epoll %.0f ns per event\n", n, i,
			       kq[i], ep[i]);
		}
		snprintf(name, sizeof(name), "1 active pipe among %d idle, ns/event (vs epoll)", n);
		bench_row(name, "ns", kq, ep, rounds, 1.00, NULL);
		if (a == 0) {
			first_kq = median(kq, rounds);
			first_n = n;
		}
		last_kq = median(kq, rounds);
		last_n = n;
	}
	if (last_n != first_n) {
		char x[64], y[64];

		snprintf(name, sizeof(name), "flatness: kqueue at %d idle vs at %d idle", last_n, first_n);
		snprintf(x, sizeof(x), "%.0f ns", last_kq);
		snprintf(y, sizeof(y), "%.0f ns (kqueue)", first_kq);
		bench_row_text(name, x, y, last_kq / first_kq, 1.05, NULL);
	}
	/* The idle pipes are closed at exit, with both queues. */
}

int main(int argc, char **argv)
{
	int rounds = bench_rounds();
	double seconds = bench_seconds();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && strcmp(argv[1], "ring") == 0) {
		for (int a = 2; a < argc; a++)
			ring_case(atoi(argv[a]), rounds, seconds);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "idle") == 0) {
		idle_cases(argc - 2, argv + 2, rounds, seconds);
		return 0;
	}
	fprintf(stderr, "usage: bench_events ring N... | idle N...\n");
	return 2;
}
