// SPDX-License-Identifier: GPL-2.0
/*
 * proc_pidns: EVFILT_PROC across pid namespaces, per uapi/linux/kqueue.h
 * ("EVFILT_PROC": ident is a pid as the caller's pid namespace sees it;
 * NOTE_FORK data is in the knote's pid namespace).
 *
 * A middle process unshare(CLONE_NEWPID)s and forks the new namespace's
 * init (pid 1), which forks the processes watched. Inside, idents and
 * NOTE_FORK data are the namespace's small pids; from outside the same
 * processes are watched by their global pids. A pid that exists only
 * outside is ESRCH inside. The processes learn their global pids from
 * /proc/self/status (NSpid: the guest's /proc belongs to the initial
 * namespace, so its first field is the global pid, the last the pid in the
 * process's own namespace).
 *
 * Code that runs inside the namespace uses EXPECT() like a test (the
 * messages reach the same stdout) and ends with its failure count as exit
 * status, which the middle process passes on.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"
#include "kq_proc_test.h"

#include <poll.h>
#include <sched.h>

KQ_WATCHDOG(120);

#define ARRIVE_MS 2000	/* an event that must come */
#define QUIET_MS 150	/* how long "nothing (else) comes" is watched */
#define MSG_MS 5000	/* a message from another process */

struct msg {
	int tag;
	int global;	/* pid in the initial namespace */
	int local;	/* pid in the sender's own namespace */
};

/* Our pid in the initial namespace and in our own, from NSpid. */
static int nspids(int *global, int *local)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	int ok = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;
		long v;

		if (strncmp(line, "NSpid:", 6) != 0)
			continue;
		p = line + 6;
		*global = (int)strtol(p, &end, 10);
		if (end == p)
			break;
		*local = *global;
		for (p = end; (v = strtol(p, &end, 10)), end != p; p = end)
			*local = (int)v;
		ok = 0;
		break;
	}
	fclose(f);
	return ok;
}

static int send_msg(int fd, int tag)
{
	struct msg m = { tag, 0, 0 };

	if (nspids(&m.global, &m.local))
		m.global = m.local = -1;
	return write(fd, &m, sizeof(m)) == sizeof(m) ? 0 : -1;
}

/* Read one message with the given tag; 0, or -1 and the test fails. */
static int recv_msg(int fd, int tag, struct msg *m)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	if (poll(&pfd, 1, MSG_MS) != 1 || read(fd, m, sizeof(*m)) != sizeof(*m)) {
		printf("# no message '%c'\n", tag);
		kq_current_failed = 1;
		return -1;
	}
	if (m->tag != tag) {
		printf("# message '%c', want '%c'\n", m->tag, tag);
		kq_current_failed = 1;
		return -1;
	}
	return 0;
}

/* Block until a byte (1) or EOF (0) arrives on fd. */
static int wait_byte(int fd)
{
	char b;

	return read(fd, &b, 1) == 1;
}

/* Exactly one event within ARRIVE_MS, then nothing within QUIET_MS. */
static void expect_one_event(int line, int kq, unsigned long ident,
			     unsigned int fflags, long long data,
			     unsigned short flags)
{
	struct kevent evs[4];
	int n = kq_wait(kq, evs, 4, ARRIVE_MS);

	if (n == 1)
		n += kq_wait(kq, evs + 1, 3, QUIET_MS);
	if (n != 1 || evs[0].ident != ident || evs[0].filter != EVFILT_PROC ||
	    evs[0].fflags != fflags || evs[0].data != data ||
	    (evs[0].flags & ~EV_CLEAR) != flags) {
		printf("# line %d (pid %d): want one event ident=%lu fflags=%#x "
		       "data=%lld flags=%#x, got %d:\n", line, (int)getpid(),
		       ident, fflags, data, flags, n);
		for (int i = 0; i < n; i++)
			dump_proc_ev(&evs[i]);
		kq_current_failed = 1;
	}
}
#define EXPECT_ONE_EVENT(kq, ident, fflags, data, flags) \
	expect_one_event(__LINE__, kq, ident, fflags, data, flags)

/*
 * Fork the middle process: it unshare(CLONE_NEWPID)s, runs middle_fn (if
 * any), forks the namespace's init to run init_fn and exits with init's
 * exit code (init_fn's own _exit, or its failure count), or 100 + x when
 * something failed on the way. Returns the middle's pid.
 */
static pid_t spawn_namespace(void (*middle_fn)(void), int (*init_fn)(void))
{
	pid_t m = fork();
	pid_t init;
	int st;

	if (m != 0)
		return m;
	if (unshare(CLONE_NEWPID)) {
		printf("# unshare(CLONE_NEWPID): %s\n", strerror(errno));
		_exit(101);
	}
	if (middle_fn) {
		middle_fn();
		if (kq_current_failed)
			_exit(102);
	}
	init = fork();
	if (init < 0)
		_exit(103);
	if (init == 0) {
		kq_current_failed = 0;
		_exit(init_fn());
	}
	if (waitpid(init, &st, 0) != init)
		_exit(104);
	if (!WIFEXITED(st)) {
		printf("# namespace init: status %#x\n", st);
		_exit(105);
	}
	_exit(WEXITSTATUS(st));
}

/* Pipes shared by a test and the processes of its namespace. */
static int to_top[2];	/* init -> top */
static int from_g[2];	/* G and its child -> top */
static int go_g[2];	/* top -> G */

/*
 * G, the watched process inside: says who it is, waits for a byte, forks
 * a child (which says who it is and exits), reaps it, waits for another
 * byte and exits with 21.
 */
static void __attribute__((noreturn)) run_g(void)
{
	pid_t c;
	int st;

	close(to_top[0]);
	close(to_top[1]);
	close(from_g[0]);
	close(go_g[1]);
	if (send_msg(from_g[1], 'G'))
		_exit(110);
	if (!wait_byte(go_g[0]))
		_exit(111);
	c = fork();
	if (c < 0)
		_exit(112);
	if (c == 0)
		_exit(send_msg(from_g[1], 'C') ? 113 : 0);
	if (waitpid(c, &st, 0) != c || st != 0)
		_exit(114);
	if (!wait_byte(go_g[0]))
		_exit(115);
	_exit(21);
}

/*
 *   top (outside)                init (ns pid 1)               G (ns pid 2)
 *                                fork G ---------------------> 'G' {glob, 2}
 *                                EV_ADD 2 FORK|EXIT
 *                <-------------- 'I'
 *   read 'G', 'I'
 *   EV_ADD glob FORK|EXIT
 *   byte ------------------------------------------------------> fork C (ns 3)
 *                                                   C: 'C' {cglob, 3}
 *   read 'C'
 *   NOTE_FORK glob, data cglob   NOTE_FORK 2, data 3
 *                <-------------- 'i' (seen it)
 *   read 'i'
 *   byte ------------------------------------------------------> _exit(21)
 *                                waitpid(2): 21<<8
 *                                NOTE_EXIT 2, data 21<<8
 *   waitpid(middle) (init's failures: 0)
 *   NOTE_EXIT glob, data 21<<8
 * Both watchers read their NOTE_FORK before G may exit, so neither event
 * is merged with NOTE_EXIT.
 */
static int init_watches_g(void)
{
	int status, kq = kqueue();
	pid_t g;

	close(to_top[0]);
	close(from_g[0]);
	if (kq < 0) {
		printf("# kqueue in the namespace: %s\n", strerror(errno));
		return 1;
	}
	EXPECT_EQ(getpid(), 1);
	g = fork();
	if (g < 0)
		return 1;
	if (g == 0)
		run_g();
	close(go_g[0]);
	close(go_g[1]);
	close(from_g[1]);
	EXPECT_EQ(g, 2);
	EXPECT_EQ(proc_watch(kq, g, NOTE_FORK | NOTE_EXIT, NULL), 0);
	/* Its own pid in the namespace: 1. */
	EXPECT_EQ(proc_watch(kq, 1, NOTE_FORK, NULL), 0);
	EXPECT_EQ(kq_change(kq, 1, EVFILT_PROC, EV_DELETE, 0, 0, NULL), 0);
	send_msg(to_top[1], 'I');
	EXPECT_ONE_EVENT(kq, g, NOTE_FORK, 3, 0);
	send_msg(to_top[1], 'i');
	status = wait_status_of(g);
	EXPECT_EQ(status, 21 << 8);
	EXPECT_ONE_EVENT(kq, g, NOTE_EXIT, status, EV_EOF | EV_ONESHOT);
	EXPECT_ERRNO(kq_change(kq, g, EVFILT_PROC, EV_DELETE, 0, 0, NULL), ENOENT);
	close(kq);
	return kq_current_failed;
}

KQ_TEST(one_process_seen_from_inside_and_outside_the_namespace)
{
	struct msg g = { 0 }, c, m;
	pid_t middle;
	int status, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(to_top), 0);
	ASSERT_EQ(pipe(from_g), 0);
	ASSERT_EQ(pipe(go_g), 0);
	middle = spawn_namespace(NULL, init_watches_g);
	ASSERT(middle > 0);
	close(to_top[1]);
	close(from_g[1]);
	close(go_g[0]);

	if (recv_msg(from_g[0], 'G', &g) == 0 && recv_msg(to_top[0], 'I', &m) == 0) {
		EXPECT_EQ(g.local, 2);
		EXPECT(g.global > 0 && g.global != g.local);
		EXPECT_EQ(m.local, 1);
		EXPECT_EQ(proc_watch(kq, g.global, NOTE_FORK | NOTE_EXIT,
				     UDATA(0x9)), 0);
		EXPECT_EQ(write(go_g[1], "f", 1), 1);
		if (recv_msg(from_g[0], 'C', &c) == 0) {
			EXPECT_EQ(c.local, 3);
			EXPECT_ONE_EVENT(kq, g.global, NOTE_FORK, c.global, 0);
		}
		EXPECT_EQ(recv_msg(to_top[0], 'i', &m), 0);
		EXPECT_EQ(write(go_g[1], "x", 1), 1);
	}
	close(go_g[1]);
	status = wait_status_of(middle);
	EXPECT_EQ(status, 0);	/* no failure inside */
	EXPECT_ONE_EVENT(kq, g.global, NOTE_EXIT, 21 << 8, EV_EOF | EV_ONESHOT);
	close(to_top[0]);
	close(from_g[0]);
	close(kq);
}

static pid_t top_pid, middle_pid;

/*
 * The middle process, after unshare(CLONE_NEWPID) but before forking: its
 * own pid namespace has not changed (only its children's has), so it still
 * watches by global pids: the top, and pid 1 = the guest's init (root may).
 */
static void middle_still_uses_global_pids(void)
{
	int kq = kqueue();

	if (kq < 0) {
		kq_current_failed = 1;
		return;
	}
	middle_pid = getpid();
	EXPECT_EQ(proc_watch(kq, top_pid, NOTE_EXIT, NULL), 0);
	EXPECT_EQ(proc_watch(kq, 1, NOTE_EXIT, NULL), 0);
	close(kq);
}

static int init_cannot_see_outside(void)
{
	int self_global, self_local, kq = kqueue();
	const pid_t outside[] = { top_pid, middle_pid, 0 };

	if (kq < 0)
		return 1;
	if (nspids(&self_global, &self_local)) {
		printf("# no NSpid in /proc/self/status\n");
		return 1;
	}
	EXPECT_EQ(self_local, 1);
	EXPECT(self_global > 1);
	for (int i = 0; i < 3; i++) {
		pid_t p = outside[i] ? outside[i] : self_global;

		/* The premise: that number is no pid in here. */
		EXPECT_ERRNO(kill(p, 0), ESRCH);
		EXPECT_ERRNO(proc_watch(kq, p, NOTE_EXIT, NULL), ESRCH);
		EXPECT_ERRNO(kq_change(kq, p, EVFILT_PROC, EV_DELETE, 0, 0, NULL),
			     ENOENT);
	}
	/* While its own namespace pid works. */
	EXPECT_EQ(proc_watch(kq, 1, NOTE_EXIT, NULL), 0);
	close(kq);
	return kq_current_failed;
}

KQ_TEST(a_pid_that_exists_only_outside_is_esrch_inside)
{
	pid_t middle;

	top_pid = getpid();
	middle = spawn_namespace(middle_still_uses_global_pids, init_cannot_see_outside);
	ASSERT(middle > 0);
	EXPECT_EQ(wait_status_of(middle), 0);
}

/*
 * init forks G (blocks forever), says who both are, and exits with 0x33 when
 * the top writes a byte; the kernel then SIGKILLs G (the namespace dies with
 * its init) and init's exit reaps it. The top watches both by global pid:
 * init's NOTE_EXIT has 0x33<<8, G's has SIGKILL.
 */
static int init_exits_with_a_child(void)
{
	pid_t g;

	close(to_top[0]);
	close(go_g[1]);
	g = fork();
	if (g < 0)
		return 1;
	if (g == 0) {
		send_msg(from_g[1], 'G');
		for (;;)
			pause();
	}
	close(from_g[1]);
	send_msg(to_top[1], 'I');
	wait_byte(go_g[0]);
	return 0x33;
}

KQ_TEST(when_the_namespace_init_exits_everyone_in_it_reports_note_exit)
{
	struct kevent evs[8], *e;
	struct msg g = { 0 }, i = { 0 };
	pid_t middle;
	int n, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(to_top), 0);
	ASSERT_EQ(pipe(from_g), 0);
	ASSERT_EQ(pipe(go_g), 0);
	middle = spawn_namespace(NULL, init_exits_with_a_child);
	ASSERT(middle > 0);
	close(to_top[1]);
	close(from_g[1]);
	close(go_g[0]);
	EXPECT_EQ(recv_msg(to_top[0], 'I', &i), 0);
	EXPECT_EQ(recv_msg(from_g[0], 'G', &g), 0);
	EXPECT_EQ(i.local, 1);
	EXPECT_EQ(g.local, 2);
	EXPECT_EQ(proc_watch(kq, i.global, NOTE_EXIT, UDATA(1)), 0);
	EXPECT_EQ(proc_watch(kq, g.global, NOTE_EXIT, UDATA(2)), 0);
	EXPECT_EQ(write(go_g[1], "x", 1), 1);
	close(go_g[1]);
	EXPECT_EQ(wait_status_of(middle), 0x33 << 8);
	/* Both are pending by now; wait for them, then for nothing more. */
	n = 0;
	for (int k = 0; k < 2 && n < 2; k++) {
		int got = kq_wait(kq, evs + n, 8 - n, ARRIVE_MS);

		n += got > 0 ? got : 0;
	}
	n += proc_collect(kq, evs + n, 8 - n, QUIET_MS);
	EXPECT_EQ(n, 2);
	e = proc_find(evs, n, i.global, NOTE_EXIT);
	EXPECT(e != NULL);
	if (e) {
		EXPECT_EQ(e->data, 0x33 << 8);
		EXPECT_EQ(e->fflags, NOTE_EXIT);
		EXPECT_EQ(e->flags & ~EV_CLEAR, EV_EOF | EV_ONESHOT);
		EXPECT_EQ((uintptr_t)e->udata, 1);
	}
	e = proc_find(evs, n, g.global, NOTE_EXIT);
	EXPECT(e != NULL);
	if (e) {
		EXPECT_EQ(e->data, SIGKILL);
		EXPECT_EQ(e->fflags, NOTE_EXIT);
		EXPECT_EQ(e->flags & ~EV_CLEAR, EV_EOF | EV_ONESHOT);
		EXPECT_EQ((uintptr_t)e->udata, 2);
	}
	if (n != 2)
		for (int k = 0; k < n; k++)
			dump_proc_ev(&evs[k]);
	close(to_top[0]);
	close(from_g[0]);
	close(kq);
}
