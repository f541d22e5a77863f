// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_PROC with NOTE_TRACK: following a process's forks.
 *
 * A NOTE_TRACK knote gives each child of its process a knote of its own in
 * the same kqueue (same fflags, flags and udata), attached before the child
 * runs, plus a separate NOTE_CHILD event (ident = child, data = parent) that
 * is never merged with the child's own events and cannot be deleted. When
 * the child cannot be tracked the parent's knote says NOTE_TRACKERR (the
 * module parameter force_trackerr makes every attachment fail).
 *
 *   test                     C (watched, NOTE_TRACK)        G
 *   EV_ADD C ---------------> fork() -------------------->  (knote G attached
 *                             |  NOTE_FORK on C (data G)     before G runs)
 *                             |  NOTE_CHILD ident G data C
 *                             waitpid(G) <------------------ _exit(): NOTE_EXIT G
 *   waitpid(C) <------------- _exit(): NOTE_EXIT C
 *   drain: FORK/EXIT of C (merged or split), CHILD of G, EXIT of G
 *
 * Every check is exact: every event is accounted for, every NOTE_EXIT
 * carries the status waitpid() returned to the parent. Whether a PROC event
 * shows the implied EV_CLEAR in its flags is not specified: flags are
 * compared without it.
 *
 * (NOTE_TRACKERR for a child the watcher may not watch: proc_permission.c.)
 */
#define KQ_TEST_MAIN
#include "kq_proc_test.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>

KQ_WATCHDOG(150);

#define TRACK_ALL (NOTE_TRACK | NOTE_FORK | NOTE_EXIT)
#define MAXEV 1024
/* Nothing more arrives for this long: the queue is taken as drained. */
#define QUIET_MS 300
#define TRACKERR_PARAM "/sys/module/kqueue/parameters/force_trackerr"

/*
 * Exec helper: `proc_track --exit-with N` exits with N at once (run by a
 * tracked process to produce NOTE_EXEC). Constructors get argc/argv from
 * glibc, also in a static binary.
 */
__attribute__((constructor)) static void exec_helper(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--exit-with") == 0)
		_exit(atoi(argv[2]));
}

/* A process the test learns about through a pipe: its pid, parent, status. */
struct report {
	pid_t pid;
	pid_t parent;
	int status;
};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("# FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	kq_current_failed = 1;
}

/* An event's flags without the implied EV_CLEAR. */
static unsigned int oflags(const struct kevent *ev)
{
	return ev->flags & ~EV_CLEAR;
}

static int drain(int kq, struct kevent *evs)
{
	return proc_collect(kq, evs, MAXEV, QUIET_MS);
}

static void dump_all(const struct kevent *evs, int n)
{
	printf("# %d events:\n", n);
	for (int i = 0; i < n; i++)
		dump_proc_ev(&evs[i]);
}

/*
 * What one process must have produced in the kqueue:
 *   parent        NOTE_CHILD data (0: the process is not a tracked child, no
 *                 NOTE_CHILD expected)
 *   events        the union of the fflags of its own events (NOTE_FORK,
 *                 NOTE_EXEC, NOTE_EXIT, NOTE_TRACKERR); they may come in one
 *                 event or several (each bit once), NOTE_EXIT last
 *   newest_child  data of an event with NOTE_FORK but not NOTE_EXIT
 *   status        data of the NOTE_EXIT event
 */
struct want {
	pid_t pid;
	pid_t parent;
	unsigned int events;
	pid_t newest_child;
	long long status;
	void *udata;
};

/* Checks every event of w->pid (the test fails on any mismatch); returns their number. */
static int check_proc(const struct kevent *evs, int n, const struct want *w)
{
	int total = 0, nchild = 0, exit_seen = 0;
	unsigned int seen = 0;

	for (int i = 0; i < n; i++) {
		const struct kevent *ev = &evs[i];

		if (ev->ident != (uintptr_t)w->pid || ev->filter != EVFILT_PROC)
			continue;
		total++;
		if (ev->udata != w->udata)
			fail("pid %d: udata %p, want %p", w->pid, ev->udata, w->udata);
		if (ev->fflags & NOTE_CHILD) {
			nchild++;
			if (ev->fflags != NOTE_CHILD || ev->data != w->parent ||
			    oflags(ev) != 0)
				fail("pid %d: NOTE_CHILD event fflags %#x data %lld flags %#x, want fflags NOTE_CHILD data %d flags 0",
				     w->pid, ev->fflags, (long long)ev->data, ev->flags,
				     w->parent);
			continue;
		}
		if (exit_seen)
			fail("pid %d: event %#x after its NOTE_EXIT", w->pid, ev->fflags);
		if (ev->fflags & seen)
			fail("pid %d: %#x reported again (already had %#x)", w->pid,
			     ev->fflags, seen);
		if (ev->fflags & ~w->events)
			fail("pid %d: unexpected fflags %#x (want only %#x)", w->pid,
			     ev->fflags, w->events);
		seen |= ev->fflags;
		if (ev->fflags & NOTE_EXIT) {
			exit_seen = 1;
			if (ev->data != w->status)
				fail("pid %d: NOTE_EXIT data %#llx, want the wait status %#llx",
				     w->pid, (long long)ev->data, w->status);
			if (oflags(ev) != (EV_EOF | EV_ONESHOT))
				fail("pid %d: NOTE_EXIT flags %#x, want EV_EOF|EV_ONESHOT",
				     w->pid, ev->flags);
		} else {
			if (oflags(ev) != 0)
				fail("pid %d: flags %#x on an event without NOTE_EXIT",
				     w->pid, ev->flags);
			if ((ev->fflags & NOTE_FORK) && ev->data != w->newest_child)
				fail("pid %d: NOTE_FORK data %lld, want the newest child %d",
				     w->pid, (long long)ev->data, w->newest_child);
			if (!(ev->fflags & NOTE_FORK) && ev->data != 0)
				fail("pid %d: data %lld on fflags %#x, want 0", w->pid,
				     (long long)ev->data, ev->fflags);
		}
	}
	if (nchild != (w->parent ? 1 : 0))
		fail("pid %d: %d NOTE_CHILD events, want %d", w->pid, nchild,
		     w->parent ? 1 : 0);
	if (seen != w->events)
		fail("pid %d: events %#x, want %#x", w->pid, seen, w->events);
	return total;
}

/* Exactly the wanted events, nothing else (dumps the events on failure). */
static void check_all(const struct kevent *evs, int n, const struct want *w, int nw)
{
	int accounted = 0;

	for (int i = 0; i < nw; i++)
		accounted += check_proc(evs, n, &w[i]);
	if (accounted != n)
		fail("%d events, %d of them expected", n, accounted);
	if (kq_current_failed)
		dump_all(evs, n);
}

/* Reads exactly one struct report (0 on success). */
static int read_report(int fd, struct report *r)
{
	return read(fd, r, sizeof(*r)) == (ssize_t)sizeof(*r) ? 0 : -1;
}

static int write_report(int fd, pid_t pid, pid_t parent, int status)
{
	struct report r = { pid, parent, status };

	return write(fd, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : -1;
}

/* A held child that never got released: let it go (it exits 127) and reap it. */
static void reap_held(struct held_child *c)
{
	if (c->go_fd >= 0) {
		close(c->go_fd);
		c->go_fd = -1;
	}
	if (c->pid > 0)
		waitpid(c->pid, NULL, 0);
}

/* ---- force_trackerr ------------------------------------------------------ */

static int read_param(char *buf, size_t len)
{
	int fd = open(TRACKERR_PARAM, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r <= 0)
		return -1;
	buf[r] = 0;
	return 0;
}

static int write_param(const char *v)
{
	int fd = open(TRACKERR_PARAM, O_WRONLY);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = write(fd, v, strlen(v));
	close(fd);
	return r == (ssize_t)strlen(v) ? 0 : -1;
}

static int param_is_off(void)
{
	char buf[16];

	return read_param(buf, sizeof(buf)) == 0 &&
	       (strcmp(buf, "N\n") == 0 || strcmp(buf, "0\n") == 0);
}

/* Whatever happens to a test, the parameter ends up off. */
static void restore_param(void)
{
	if (write_param("0") != 0)
		printf("# could not restore %s: %s\n", TRACKERR_PARAM, strerror(errno));
}

/* First test: nothing of this program has touched the parameter yet. */
KQ_TEST(force_trackerr_is_off_by_default)
{
	char buf[16];

	ASSERT_EQ(read_param(buf, sizeof(buf)), 0);
	if (strcmp(buf, "N\n") != 0 && strcmp(buf, "0\n") != 0)
		fail("%s reads \"%s\", want N or 0", TRACKERR_PARAM, buf);
}

/* ---- one child, one grandchild ------------------------------------------- */

#define G_CODE 17
#define C_CODE 23

/* C: fork G (which exits G_CODE at once), reap it, report it, exit C_CODE. */
static int fork_one_grandchild(void *arg)
{
	int rep = *(int *)arg;
	pid_t g = fork();

	if (g < 0)
		return 100;
	if (g == 0)
		_exit(G_CODE);
	if (write_report(rep, g, getpid(), wait_status_of(g)))
		return 101;
	return C_CODE;
}

KQ_TEST(a_tracked_child_forking_a_grandchild_gives_fork_child_and_both_exits)
{
	struct kevent evs[MAXEV];
	struct report g;
	int kq = kqueue(), rep[2], n;
	void *udata = UDATA(0xc0ffee);

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(rep), 0);
	struct held_child c = held_spawn(fork_one_grandchild, &rep[1]);
	ASSERT(c.pid > 0);
	EXPECT_EQ(proc_watch(kq, c.pid, TRACK_ALL, udata), 0);
	held_release(&c);
	int cstatus = wait_status_of(c.pid);
	close(rep[1]);
	ASSERT_EQ(read_report(rep[0], &g), 0);
	close(rep[0]);
	EXPECT_EQ(cstatus, C_CODE << 8);
	EXPECT_EQ(g.status, G_CODE << 8);

	n = drain(kq, evs);
	struct want w[] = {
		{ c.pid, 0, NOTE_FORK | NOTE_EXIT, g.pid, cstatus, udata },
		{ g.pid, c.pid, NOTE_EXIT, 0, g.status, udata },
	};
	check_all(evs, n, w, 2);
	/* NOTE_EXIT was one-shot: neither knote is left. */
	EXPECT_EQ(knote_exists(kq, c.pid, EVFILT_PROC), 0);
	EXPECT_EQ(knote_exists(kq, g.pid, EVFILT_PROC), 0);
	close(kq);
}

/*
 * The NetBSD bug of seed 000: the child's knote carried NOTE_CHILD and
 * its exit clobbered it. Here G exits (and is reaped by C) long before
 * anything is read, and the events are read one at a time.
 */
KQ_TEST(note_child_is_not_merged_with_the_exit_of_a_child_that_is_gone_before_reading)
{
	struct kevent evs[MAXEV];
	struct report g;
	int kq = kqueue(), rep[2], n = 0;
	void *udata = UDATA(0xbeef);

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(rep), 0);
	struct held_child c = held_spawn(fork_one_grandchild, &rep[1]);
	ASSERT(c.pid > 0);
	EXPECT_EQ(proc_watch(kq, c.pid, NOTE_TRACK | NOTE_EXIT, udata), 0);
	held_release(&c);
	int cstatus = wait_status_of(c.pid);
	close(rep[1]);
	ASSERT_EQ(read_report(rep[0], &g), 0);
	close(rep[0]);
	sleep_ms(100);

	while (n < MAXEV && kq_wait(kq, &evs[n], 1, QUIET_MS) == 1)
		n++;
	struct want w[] = {
		{ c.pid, 0, NOTE_EXIT, 0, cstatus, udata },
		{ g.pid, c.pid, NOTE_EXIT, 0, g.status, udata },
	};
	EXPECT_EQ(n, 3);
	check_all(evs, n, w, 2);
	close(kq);
}

/* ---- a tree of 10 children with 10 grandchildren each, tracked from self -- */

#define TREE_CHILDREN 10
#define TREE_GRANDCHILDREN 10

/* Distinct exit codes: grandchild (i, j) exits 1 + 10 i + j (one is killed
 * by SIGKILL instead, for a signal status), child i exits 101 + i. */
static int grandchild_code(int i, int j)
{
	return 1 + TREE_GRANDCHILDREN * i + j;
}

static void tree_child(int i, int rep)
{
	struct report r[TREE_GRANDCHILDREN];

	for (int j = 0; j < TREE_GRANDCHILDREN; j++) {
		pid_t g = fork();

		if (g < 0)
			_exit(200);
		if (g == 0) {
			if (i == 3 && j == 5)
				raise(SIGKILL);
			_exit(grandchild_code(i, j));
		}
		r[j].pid = g;
		r[j].parent = getpid();
	}
	/* Reap them after all forks: all ten run concurrently. */
	for (int j = 0; j < TREE_GRANDCHILDREN; j++)
		r[j].status = wait_status_of(r[j].pid);
	/* One write under PIPE_BUF: atomic among the ten children. */
	if (write(rep, r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(201);
	_exit(101 + i);
}

KQ_TEST(tracking_self_across_ten_children_with_ten_grandchildren_each)
{
	static struct kevent evs[MAXEV];
	static struct report gr[TREE_CHILDREN * TREE_GRANDCHILDREN];
	struct want w[1 + TREE_CHILDREN + TREE_CHILDREN * TREE_GRANDCHILDREN];
	pid_t kids[TREE_CHILDREN];
	int status[TREE_CHILDREN];
	int kq = kqueue(), rep[2], n, nw = 0, ngr = 0;
	pid_t self = getpid();
	void *udata = UDATA(0x7eee);

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(rep), 0);
	ASSERT_EQ(proc_watch(kq, self, TRACK_ALL, udata), 0);
	for (int i = 0; i < TREE_CHILDREN; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			close(rep[0]);
			tree_child(i, rep[1]);
		}
		if (kids[i] < 0) {
			fail("fork: %s", strerror(errno));
			for (int k = 0; k < i; k++)
				waitpid(kids[k], NULL, 0);
			close(kq);
			return;
		}
	}
	close(rep[1]);
	for (int i = 0; i < TREE_CHILDREN; i++) {
		status[i] = wait_status_of(kids[i]);
		EXPECT_EQ(status[i], (101 + i) << 8);
	}
	/* The pipe holds everything now (1.2 KB): all writers are gone. */
	while (ngr < TREE_CHILDREN * TREE_GRANDCHILDREN &&
	       read_report(rep[0], &gr[ngr]) == 0)
		ngr++;
	close(rep[0]);
	ASSERT_EQ(ngr, TREE_CHILDREN * TREE_GRANDCHILDREN);

	n = drain(kq, evs);
	w[nw++] = (struct want){ self, 0, NOTE_FORK, kids[TREE_CHILDREN - 1], 0, udata };
	for (int i = 0; i < TREE_CHILDREN; i++) {
		/* Each child's newest fork: the last report it wrote. */
		pid_t newest = 0;

		for (int k = 0; k < ngr; k++)
			if (gr[k].parent == kids[i])
				newest = gr[k].pid;
		w[nw++] = (struct want){ kids[i], self, NOTE_FORK | NOTE_EXIT, newest,
					 status[i], udata };
	}
	for (int k = 0; k < ngr; k++)
		w[nw++] = (struct want){ gr[k].pid, gr[k].parent, NOTE_EXIT, 0,
					 gr[k].status, udata };

	int nchild = 0, nexit = 0;

	for (int i = 0; i < n; i++) {
		nchild += (evs[i].fflags & NOTE_CHILD) != 0;
		nexit += (evs[i].fflags & NOTE_EXIT) != 0;
	}
	printf("# %d events: %d NOTE_CHILD, %d NOTE_EXIT\n", n, nchild, nexit);
	EXPECT_EQ(nchild, TREE_CHILDREN + TREE_CHILDREN * TREE_GRANDCHILDREN);
	EXPECT_EQ(nexit, TREE_CHILDREN + TREE_CHILDREN * TREE_GRANDCHILDREN);
	check_all(evs, n, w, nw);
	/* Our own knote stays (we are alive); the 110 others are gone. */
	EXPECT_EQ(knote_exists(kq, self, EVFILT_PROC), 1);
	for (int i = 0; i < TREE_CHILDREN; i++)
		EXPECT_EQ(knote_exists(kq, kids[i], EVFILT_PROC), 0);
	EXPECT_EQ(kq_change(kq, self, EVFILT_PROC, EV_DELETE, 0, 0, NULL), 0);
	close(kq);
}

/* ---- the child's knote is a copy of the parent's ------------------------- */

#define GG_CODE 5
#define G_EXEC_CODE 9
#define C2_CODE 8

/*
 * C forks G; G forks GG (exits GG_CODE), reaps and reports it, then execs
 * the helper that exits G_EXEC_CODE; C reaps and reports G, exits C2_CODE.
 */
static int fork_exec_tree(void *arg)
{
	int rep = *(int *)arg;
	pid_t g = fork();

	if (g < 0)
		return 100;
	if (g == 0) {
		pid_t gg = fork();
		char code[16];
		char *args[] = { "proc_track", "--exit-with", code, NULL };

		if (gg < 0)
			_exit(102);
		if (gg == 0)
			_exit(GG_CODE);
		if (write_report(rep, gg, getpid(), wait_status_of(gg)))
			_exit(103);
		snprintf(code, sizeof(code), "%d", G_EXEC_CODE);
		execv("/proc/self/exe", args);
		_exit(104);
	}
	if (write_report(rep, g, getpid(), wait_status_of(g)))
		return 101;
	return C2_CODE;
}

KQ_TEST(a_tracked_childs_knote_has_the_parents_udata_and_fflags)
{
	struct kevent evs[MAXEV];
	struct report r[2], *gg = NULL, *g = NULL;
	int kq = kqueue(), rep[2], n;
	void *udata = UDATA(0xfeed5eed);

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(rep), 0);
	struct held_child c = held_spawn(fork_exec_tree, &rep[1]);
	ASSERT(c.pid > 0);
	/* No NOTE_FORK: none of the three may report one. */
	EXPECT_EQ(proc_watch(kq, c.pid, NOTE_TRACK | NOTE_EXEC | NOTE_EXIT, udata), 0);
	held_release(&c);
	int cstatus = wait_status_of(c.pid);
	close(rep[1]);
	ASSERT_EQ(read_report(rep[0], &r[0]), 0);
	ASSERT_EQ(read_report(rep[0], &r[1]), 0);
	close(rep[0]);
	for (int i = 0; i < 2; i++) {
		if (r[i].parent == c.pid)
			g = &r[i];
		else
			gg = &r[i];
	}
	ASSERT(g && gg && gg->parent == g->pid);
	EXPECT_EQ(cstatus, C2_CODE << 8);
	EXPECT_EQ(g->status, G_EXEC_CODE << 8);
	EXPECT_EQ(gg->status, GG_CODE << 8);

	n = drain(kq, evs);
	struct want w[] = {
		{ c.pid, 0, NOTE_EXIT, 0, cstatus, udata },
		{ g->pid, c.pid, NOTE_EXEC | NOTE_EXIT, 0, g->status, udata },
		{ gg->pid, g->pid, NOTE_EXIT, 0, gg->status, udata },
	};
	check_all(evs, n, w, 3);
	close(kq);
}

/* ---- EV_DELETE of a tracked child's ident -------------------------------- */

/* Arguments of a C whose G waits for the test before exiting. */
struct held_tree {
	int rep;	/* C writes G's pid (parent = C, status -1), then G's report */
	int gate;	/* G exits G_CODE when this pipe is written or closed */
	int gate_w;	/* the test's end of it, closed in C */
};

static int fork_held_grandchild(void *arg)
{
	struct held_tree *t = arg;
	pid_t g;
	char b;

	close(t->gate_w);
	g = fork();
	if (g < 0)
		return 100;
	if (g == 0) {
		if (read(t->gate, &b, 1) < 0)
			_exit(126);
		_exit(G_CODE);
	}
	close(t->gate);
	if (write_report(t->rep, g, getpid(), -1))
		return 101;
	if (write_report(t->rep, g, getpid(), wait_status_of(g)))
		return 102;
	return C_CODE;
}

KQ_TEST(ev_delete_of_a_tracked_childs_ident_drops_its_knote_not_its_note_child)
{
	struct kevent evs[MAXEV];
	struct report g, gdone;
	int kq = kqueue(), rep[2], gate[2], n;
	void *udata = UDATA(0xde1e7e);

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(rep), 0);
	ASSERT_EQ(pipe(gate), 0);
	struct held_tree t = { rep[1], gate[0], gate[1] };
	struct held_child c = held_spawn(fork_held_grandchild, &t);
	ASSERT(c.pid > 0);
	close(gate[0]);
	close(rep[1]);
	EXPECT_EQ(proc_watch(kq, c.pid, TRACK_ALL, udata), 0);
	held_release(&c);
	if (read_report(rep[0], &g) != 0) {
		fail("no report from C");
		close(gate[1]);
		waitpid(c.pid, NULL, 0);
		close(rep[0]);
		close(kq);
		return;
	}
	/* G is alive and blocked: its knote exists; delete it, once. */
	EXPECT_EQ(kq_change(kq, g.pid, EVFILT_PROC, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_ERRNO(kq_change(kq, g.pid, EVFILT_PROC, EV_DELETE, 0, 0, NULL), ENOENT);
	close(gate[1]);
	int cstatus = wait_status_of(c.pid);
	EXPECT_EQ(read_report(rep[0], &gdone), 0);
	close(rep[0]);
	EXPECT_EQ(gdone.status, G_CODE << 8);

	n = drain(kq, evs);
	/* G: its NOTE_CHILD and nothing else (no NOTE_EXIT: its knote is gone). */
	struct want w[] = {
		{ c.pid, 0, NOTE_FORK | NOTE_EXIT, g.pid, cstatus, udata },
		{ g.pid, c.pid, 0, 0, 0, udata },
	};
	check_all(evs, n, w, 2);
	close(kq);
}

/* ---- NOTE_TRACKERR (force_trackerr) ------------------------------------- */

/*
 * C forks G while force_trackerr is on: C's knote says NOTE_TRACKERR (with
 * NOTE_FORK if asked, data = G), there is no NOTE_CHILD and no knote for G
 * (checked while G is still alive), and G's exit reports nothing.
 */
static void trackerr_case(unsigned int fflags, unsigned long udata_v)
{
	struct kevent evs[MAXEV];
	struct report g, gdone;
	int kq = kqueue(), rep[2], gate[2], n;
	void *udata = UDATA(udata_v);

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(rep), 0);
	ASSERT_EQ(pipe(gate), 0);
	struct held_tree t = { rep[1], gate[0], gate[1] };
	struct held_child c = held_spawn(fork_held_grandchild, &t);
	ASSERT(c.pid > 0);
	close(gate[0]);
	close(rep[1]);
	EXPECT_EQ(proc_watch(kq, c.pid, fflags, udata), 0);
	if (write_param("1") != 0) {
		fail("cannot write 1 to %s: %s", TRACKERR_PARAM, strerror(errno));
		close(gate[1]);
		reap_held(&c);
		close(rep[0]);
		close(kq);
		return;
	}
	char buf[16];

	if (read_param(buf, sizeof(buf)) != 0 ||
	    (strcmp(buf, "Y\n") != 0 && strcmp(buf, "1\n") != 0))
		fail("%s does not read back as on after writing 1", TRACKERR_PARAM);
	held_release(&c);
	int got = read_report(rep[0], &g);

	/* G exists now: the fork is over, turn the failure injection off. */
	restore_param();
	EXPECT(param_is_off());
	if (got != 0) {
		fail("no report from C");
		close(gate[1]);
		waitpid(c.pid, NULL, 0);
		close(rep[0]);
		close(kq);
		return;
	}
	n = drain(kq, evs);
	struct want w1[] = {
		{ c.pid, 0, NOTE_TRACKERR | (fflags & NOTE_FORK), g.pid, 0, udata },
	};
	check_all(evs, n, w1, 1);
	EXPECT_EQ(knote_exists(kq, g.pid, EVFILT_PROC), 0);
	EXPECT_ERRNO(kq_change(kq, g.pid, EVFILT_PROC, EV_DELETE, 0, 0, NULL), ENOENT);

	close(gate[1]);
	int cstatus = wait_status_of(c.pid);
	EXPECT_EQ(read_report(rep[0], &gdone), 0);
	close(rep[0]);
	EXPECT_EQ(gdone.status, G_CODE << 8);
	n = drain(kq, evs);
	struct want w2[] = { { c.pid, 0, NOTE_EXIT, 0, cstatus, udata } };
	check_all(evs, n, w2, 1);
	close(kq);
}

KQ_TEST(forced_trackerr_reports_trackerr_and_fork_and_no_child_knote)
{
	atexit(restore_param);
	trackerr_case(TRACK_ALL, 0xe770);
	restore_param();
}

KQ_TEST(forced_trackerr_without_note_fork_reports_trackerr_alone_with_data_0)
{
	trackerr_case(NOTE_TRACK | NOTE_EXIT, 0xe771);
	restore_param();
	EXPECT(param_is_off());
}

/* ---- closing a kqueue while its tracked process forks --------------------- */

/*
 * F forks children (which exit at once) and reaps them until the stop pipe
 * is closed, then writes how many it forked; exits 0, or 1-3 on an error.
 */
struct fork_loop {
	int stop;	/* read end: EOF means stop */
	int stop_w;	/* the test's end of it, closed in F */
	int count;	/* write end: F writes its fork count here */
};

static int fork_in_a_loop(void *arg)
{
	struct fork_loop *fl = arg;
	long forks = 0;

	close(fl->stop_w);
	fcntl(fl->stop, F_SETFL, O_NONBLOCK);
	for (;;) {
		char b;
		pid_t p;

		if (read(fl->stop, &b, 1) == 0)
			break;
		p = fork();
		if (p < 0)
			return 1;
		if (p == 0)
			_exit(0);
		if (wait_status_of(p) != 0)
			return 2;
		forks++;
	}
	return write(fl->count, &forks, sizeof(forks)) == sizeof(forks) ? 0 : 3;
}

/* A fresh kqueue still reports a child's exit. */
static void fresh_kqueue_works(void)
{
	struct kevent ev;
	int kq = kqueue();

	ASSERT(kq >= 0);
	struct held_child c = held_spawn(NULL, NULL);
	ASSERT(c.pid > 0);
	EXPECT_EQ(proc_watch(kq, c.pid, TRACK_ALL, UDATA(1)), 0);
	held_release(&c);
	int status = wait_status_of(c.pid);
	EXPECT_EQ(kq_wait(kq, &ev, 1, 5000), 1);
	EXPECT_EQ(ev.ident, c.pid);
	EXPECT_EQ(ev.fflags, NOTE_EXIT);
	EXPECT_EQ(ev.data, status);
	close(kq);
}

#define CLOSE_ROUNDS 100

KQ_TEST(closing_the_kqueue_while_a_tracked_child_forks_in_a_loop)
{
	int stop[2], count[2];
	long forks = -1;

	ASSERT_EQ(pipe(stop), 0);
	ASSERT_EQ(pipe(count), 0);
	struct fork_loop fl = { stop[0], stop[1], count[1] };
	struct held_child f = held_spawn(fork_in_a_loop, &fl);
	ASSERT(f.pid > 0);
	close(stop[0]);
	close(count[1]);
	held_release(&f);
	long long t0 = kq_now_ns();

	for (int round = 0; round < CLOSE_ROUNDS; round++) {
		int kq = kqueue();

		if (kq < 0) {
			fail("kqueue: %s", strerror(errno));
			break;
		}
		EXPECT_EQ(proc_watch(kq, f.pid, TRACK_ALL, UDATA(round)), 0);
		/* 0..19 ms of tracked forks, some events read, then close. */
		sleep_ms(round % 20);
		if (round & 1) {
			struct kevent evs[64];

			kq_wait(kq, evs, 64, 0);
		}
		EXPECT_EQ(close(kq), 0);
	}
	close(stop[1]);
	EXPECT_EQ(read(count[0], &forks, sizeof(forks)), sizeof(forks));
	close(count[0]);
	EXPECT_EQ(wait_status_of(f.pid), 0);
	printf("# %d kqueues closed in %lld ms under a child that forked %ld times\n",
	       CLOSE_ROUNDS, (kq_now_ns() - t0) / MS, forks);
	EXPECT(forks > 0);
	fresh_kqueue_works();
}

static atomic_int fork_thread_stop;
static atomic_long fork_thread_forks;

static void *fork_once(void *arg)
{
	pid_t p = fork();

	(void)arg;
	if (p < 0)
		return (void *)1;
	if (p == 0)
		_exit(0);
	if (wait_status_of(p) != 0)
		return (void *)2;
	atomic_fetch_add(&fork_thread_forks, 1);
	return NULL;
}

/*
 * Forks until told to stop; every other fork comes from a thread created
 * for it, so thread creation (which grows NOTE_TRACK's reserve) also races
 * with the closes.
 */
static void *fork_thread(void *arg)
{
	(void)arg;
	for (long i = 0; !atomic_load(&fork_thread_stop); i++) {
		pthread_t t;
		void *ret = NULL;

		if (i & 1) {
			ret = fork_once(NULL);
		} else if (pthread_create(&t, NULL, fork_once, NULL) ||
			   pthread_join(t, &ret)) {
			return (void *)3;
		}
		if (ret)
			return ret;
	}
	return NULL;
}

KQ_TEST(closing_the_kqueue_while_this_process_forks_tracked_in_another_thread)
{
	pthread_t thread;
	void *ret = (void *)-1;
	pid_t self = getpid();

	ASSERT_EQ(pthread_create(&thread, NULL, fork_thread, NULL), 0);
	long long t0 = kq_now_ns();

	for (int round = 0; round < CLOSE_ROUNDS; round++) {
		int kq = kqueue();

		if (kq < 0) {
			fail("kqueue: %s", strerror(errno));
			break;
		}
		EXPECT_EQ(proc_watch(kq, self, TRACK_ALL, UDATA(round)), 0);
		sleep_ms(round % 20);
		if (round & 1) {
			struct kevent evs[64];

			kq_wait(kq, evs, 64, 0);
		}
		EXPECT_EQ(close(kq), 0);
	}
	atomic_store(&fork_thread_stop, 1);
	pthread_join(thread, &ret);
	EXPECT(ret == NULL);
	printf("# %d kqueues closed in %lld ms under a thread that forked %ld times\n",
	       CLOSE_ROUNDS, (kq_now_ns() - t0) / MS, atomic_load(&fork_thread_forks));
	EXPECT(atomic_load(&fork_thread_forks) > 0);
	fresh_kqueue_works();
}

/* ---- the fork probe allocates nothing: children come from a reserve ---- */

/*
 * C forks BURST children in a tight loop (each exits at once with its
 * index), then reaps them all and reports them:
 *
 *   test            C (watched, NOTE_TRACK)             G0 .. G199
 *   EV_ADD C -----> fork() x 200, no wait between ----> _exit(i & 0x7f)
 *                   each fork takes a kit from C's reserve; C refills it
 *                   before fork() returns to user space, each Gi fills
 *                   its own before its first instruction
 *                   waitpid() all, report pid/status
 *   drain: NOTE_CHILD and NOTE_EXIT (right status) for every Gi, no
 *   NOTE_TRACKERR anywhere, C's FORK (newest child) and EXIT
 */
#define BURST 200
#define BURST_C_CODE 9

static int fork_a_burst(void *arg)
{
	int rep = *(int *)arg;
	pid_t kids[BURST];

	for (int i = 0; i < BURST; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			return 100;
		if (kids[i] == 0)
			_exit(i & 0x7f);
	}
	for (int i = 0; i < BURST; i++)
		if (write_report(rep, kids[i], getpid(), wait_status_of(kids[i])))
			return 101;
	return BURST_C_CODE;
}

KQ_TEST(a_burst_of_200_forks_is_tracked_completely)
{
	static struct kevent evs[MAXEV];
	static struct want w[BURST + 1];
	struct report r;
	int kq = kqueue(), rep[2], n;
	void *udata = UDATA(0xb0257);

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(rep), 0);
	struct held_child c = held_spawn(fork_a_burst, &rep[1]);
	ASSERT(c.pid > 0);
	EXPECT_EQ(proc_watch(kq, c.pid, TRACK_ALL, udata), 0);
	held_release(&c);
	int cstatus = wait_status_of(c.pid);
	close(rep[1]);
	EXPECT_EQ(cstatus, BURST_C_CODE << 8);
	for (int i = 0; i < BURST; i++) {
		ASSERT_EQ(read_report(rep[0], &r), 0);
		EXPECT_EQ(r.status, (i & 0x7f) << 8);
		w[i + 1] = (struct want){ r.pid, c.pid, NOTE_EXIT, 0, r.status, udata };
	}
	close(rep[0]);
	w[0] = (struct want){ c.pid, 0, NOTE_FORK | NOTE_EXIT, w[BURST].pid, cstatus, udata };
	n = drain(kq, evs);
	check_all(evs, n, w, BURST + 1);
	printf("# %d events for %d tracked forks\n", n, BURST);
	close(kq);
}

/*
 * The child's knote is attached before the child runs, also now that its
 * reserve is filled on its way to user space: a child whose first act is
 * execve() reports NOTE_EXEC, every time.
 *
 *   C (watched, NOTE_TRACK|NOTE_EXEC|NOTE_EXIT)   G
 *   fork() ------------------------------------> execv(self --exit-with 5)
 *   waitpid(G), report; next round               NOTE_EXEC, NOTE_EXIT 5
 */
#define FIRST_EXEC_ROUNDS 20
#define FIRST_EXEC_CODE 5

static int fork_children_that_exec_at_once(void *arg)
{
	int rep = *(int *)arg;
	char *args[] = { "proc_track", "--exit-with", "5", NULL };

	for (int i = 0; i < FIRST_EXEC_ROUNDS; i++) {
		pid_t g = fork();

		if (g < 0)
			return 100;
		if (g == 0) {
			execv("/proc/self/exe", args);
			_exit(104);
		}
		if (write_report(rep, g, getpid(), wait_status_of(g)))
			return 101;
	}
	return 0;
}

KQ_TEST(a_tracked_childs_first_exec_is_reported)
{
	static struct kevent evs[MAXEV];
	struct want w[FIRST_EXEC_ROUNDS + 1];
	struct report r;
	int kq = kqueue(), rep[2], n;
	void *udata = UDATA(0xe8ec);

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(rep), 0);
	struct held_child c = held_spawn(fork_children_that_exec_at_once, &rep[1]);
	ASSERT(c.pid > 0);
	EXPECT_EQ(proc_watch(kq, c.pid, NOTE_TRACK | NOTE_EXEC | NOTE_EXIT, udata), 0);
	held_release(&c);
	int cstatus = wait_status_of(c.pid);
	close(rep[1]);
	EXPECT_EQ(cstatus, 0);
	w[0] = (struct want){ c.pid, 0, NOTE_EXIT, 0, cstatus, udata };
	for (int i = 0; i < FIRST_EXEC_ROUNDS; i++) {
		ASSERT_EQ(read_report(rep[0], &r), 0);
		EXPECT_EQ(r.status, FIRST_EXEC_CODE << 8);
		w[i + 1] = (struct want){ r.pid, c.pid, NOTE_EXEC | NOTE_EXIT, 0, r.status, udata };
	}
	close(rep[0]);
	n = drain(kq, evs);
	check_all(evs, n, w, FIRST_EXEC_ROUNDS + 1);
	close(kq);
}

/* ---- threads of one tracked process forking at the same moment --------- */

/*
 * A thread that forks refills the kit its fork took before fork() returns
 * to user space, and the reserve holds a kit for every thread of the
 * process, so threads forking at once never find it empty: NOTE_TRACKERR
 * is for memory that is really short, not for a burst. vfork() makes
 * "at once" certain: a thread stays in the kernel, between the fork probe
 * and its return to user space, until its child exits, so every thread's
 * fork is in flight together:
 *
 *   test              C (NOTE_TRACK|NOTE_EXIT)  T0..T7 (threads of C)   G0..G7
 *   [early: EV_ADD C after T0..T7 exist; late: before C creates them]
 *                     pthread_create x 8 -----> barrier
 *                                               vfork() ------------->  report pid
 *                                               (in the kernel, kit     read(hold)
 *                                               taken, not refilled)
 *   read 8 pids <-------------------------------------------------------+
 *   write 8 bytes to hold ------------------------------------------->  _exit(k)
 *                                               return, waitpid(Gk)
 *                     (twice: the second round uses the refilled kits)
 *   drain: NOTE_CHILD + NOTE_EXIT (its status) for all 16 Gs, C's NOTE_EXIT,
 *   NOTE_TRACKERR nowhere (the previous reserve of 2 kits gave 6 of them)
 */
#define FORK_THREADS 8
#define VFORK_ROUNDS 2
#define THREAD_FORKS (FORK_THREADS * VFORK_ROUNDS)
#define THREAD_C_CODE 11

struct thread_burst {
	pthread_barrier_t start;
	int pids;		/* each G -> test: its pid, then it holds */
	int hold;		/* test -> Gs: one byte releases one */
	int rep;		/* each T -> test: its G's report */
	int ready;		/* C -> test: threads exist (early case) */
	int go;			/* test -> C: watched, start (early case) */
};

static struct thread_burst burst;
static atomic_int burst_next_index;

static void *vfork_from_a_thread(void *arg)
{
	(void)arg;
	for (int round = 0; round < VFORK_ROUNDS; round++) {
		int k = atomic_fetch_add(&burst_next_index, 1);
		pid_t g;
		char b;

		pthread_barrier_wait(&burst.start);
		g = vfork();
		if (g < 0)
			return (void *)1;
		if (g == 0) {
			pid_t self = getpid();

			if (write(burst.pids, &self, sizeof(self)) != sizeof(self) ||
			    read(burst.hold, &b, 1) != 1)
				_exit(126);
			_exit(k & 0x7f);
		}
		if (write_report(burst.rep, g, getpid(), wait_status_of(g)))
			return (void *)2;
	}
	return NULL;
}

static int vfork_from_threads_at_once(void *arg)
{
	pthread_t threads[FORK_THREADS];
	int early = *(int *)arg, code = THREAD_C_CODE;
	char b;

	if (pthread_barrier_init(&burst.start, NULL, FORK_THREADS + 1))
		return 100;
	for (int i = 0; i < FORK_THREADS; i++)
		if (pthread_create(&threads[i], NULL, vfork_from_a_thread, NULL))
			return 101;
	if (early && (write(burst.ready, "r", 1) != 1 || read(burst.go, &b, 1) != 1))
		return 102;
	for (int round = 0; round < VFORK_ROUNDS; round++)
		pthread_barrier_wait(&burst.start);
	for (int i = 0; i < FORK_THREADS; i++) {
		void *ret;

		if (pthread_join(threads[i], &ret) || ret)
			code = 103;
	}
	return code;
}

static void threads_vfork_at_once(int early)
{
	static struct kevent evs[MAXEV];
	static struct want w[THREAD_FORKS + 1];
	int kq = kqueue(), pids[2], hold[2], rep[2], ready[2], go[2], n;
	void *udata = UDATA(0x7423ad + early);
	struct report r;
	char b;

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(pids), 0);
	ASSERT_EQ(pipe(hold), 0);
	ASSERT_EQ(pipe(rep), 0);
	ASSERT_EQ(pipe(ready), 0);
	ASSERT_EQ(pipe(go), 0);
	burst = (struct thread_burst){ .pids = pids[1], .hold = hold[0],
				       .rep = rep[1], .ready = ready[1], .go = go[0] };
	struct held_child c = held_spawn(vfork_from_threads_at_once, &early);
	ASSERT(c.pid > 0);
	if (early) {
		held_release(&c);
		ASSERT_EQ(read(ready[0], &b, 1), 1);
		EXPECT_EQ(proc_watch(kq, c.pid, NOTE_TRACK | NOTE_EXIT, udata), 0);
		ASSERT_EQ(write(go[1], "g", 1), 1);
	} else {
		EXPECT_EQ(proc_watch(kq, c.pid, NOTE_TRACK | NOTE_EXIT, udata), 0);
		held_release(&c);
	}
	for (int round = 0; round < VFORK_ROUNDS; round++) {
		/* Every thread of C is inside vfork() now. */
		for (int i = 0; i < FORK_THREADS; i++) {
			pid_t g;

			ASSERT_EQ(read(pids[0], &g, sizeof(g)), sizeof(g));
		}
		for (int i = 0; i < FORK_THREADS; i++)
			ASSERT_EQ(write(hold[1], "x", 1), 1);
	}
	int cstatus = wait_status_of(c.pid);
	close(rep[1]);
	EXPECT_EQ(cstatus, THREAD_C_CODE << 8);
	w[0] = (struct want){ c.pid, 0, NOTE_EXIT, 0, cstatus, udata };
	for (int i = 0; i < THREAD_FORKS; i++) {
		ASSERT_EQ(read_report(rep[0], &r), 0);
		w[i + 1] = (struct want){ r.pid, c.pid, NOTE_EXIT, 0, r.status, udata };
	}
	n = drain(kq, evs);
	check_all(evs, n, w, THREAD_FORKS + 1);
	printf("# %d events for %d vforks, %d threads at once\n", n,
	       THREAD_FORKS, FORK_THREADS);
	int fds[] = { pids[0], pids[1], hold[0], hold[1], rep[0], ready[0],
		      ready[1], go[0], go[1], kq };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		close(fds[i]);
}

KQ_TEST(threads_that_exist_when_watched_vfork_at_once_and_are_tracked_completely)
{
	threads_vfork_at_once(1);
}

KQ_TEST(threads_created_after_the_watch_vfork_at_once_and_are_tracked_completely)
{
	threads_vfork_at_once(0);
}
