// SPDX-License-Identifier: GPL-2.0
/*
 * proc_exit: EVFILT_PROC NOTE_EXIT, per uapi/linux/kqueue.h ("EVFILT_PROC").
 *
 * NOTE_EXIT is reported when the whole process is gone (its last thread),
 * once, with data = the status waitpid() returns for it (exit code << 8, or
 * the signal number, with 0x80 for a core dump), flags EV_EOF | EV_ONESHOT,
 * and the knote is gone afterwards. Every case compares data with the
 * status waitpid() returned for the same process. Also: a zombie reports at
 * once, a grandchild (not the watcher's child) can be watched, threads'
 * own exits are not reported, a knote without NOTE_EXIT disappears quietly,
 * and the ESRCH/EINVAL errors of EV_ADD.
 *
 * Timing: NOTE_EXIT is posted from the exit tracepoint, before the parent
 * is notified, so after waitpid() the event is pending; the tests still
 * wait up to 2 s for it (a slow VM is not a failure), and 150 ms where
 * nothing may arrive.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"
#include "kq_proc_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

KQ_WATCHDOG(120);

#define ARRIVE_MS 2000	/* an event that must come */
#define QUIET_MS 150	/* how long "nothing (else) comes" is watched */

/*
 * Exactly one event within ARRIVE_MS, and nothing else within QUIET_MS;
 * anything else fails the test. Returns 0 when *ev is that one event.
 */
static int one_event(int kq, struct kevent *ev)
{
	struct kevent evs[4];
	int n = kq_wait(kq, evs, 4, ARRIVE_MS);

	if (n != 1) {
		printf("# expected one event, got %d (errno %d)\n", n, errno);
		for (int i = 0; i < n; i++)
			dump_proc_ev(&evs[i]);
		kq_current_failed = 1;
		return -1;
	}
	*ev = evs[0];
	n = kq_wait(kq, evs, 4, QUIET_MS);
	if (n != 0) {
		printf("# expected nothing more, got %d\n", n);
		dump_proc_ev(ev);
		for (int i = 0; i < n; i++)
			dump_proc_ev(&evs[i]);
		kq_current_failed = 1;
		return -1;
	}
	return 0;
}

/* No event within QUIET_MS. */
static int no_event(int kq)
{
	struct kevent evs[4];
	int n = kq_wait(kq, evs, 4, QUIET_MS);

	for (int i = 0; i < n; i++)
		dump_proc_ev(&evs[i]);
	return n;
}

/*
 * The NOTE_EXIT event of pid: fflags exactly NOTE_EXIT, data the wait
 * status, flags EV_EOF | EV_ONESHOT (EV_CLEAR, which the filter implies, may
 * be shown too; nothing else), the knote's udata.
 */
#define EXPECT_EXIT_EVENT(ev, pid_, status_, udata_) do {		\
	EXPECT_EQ((ev).ident, (pid_));					\
	EXPECT_EQ((ev).filter, EVFILT_PROC);				\
	EXPECT_EQ((ev).flags & ~EV_CLEAR, EV_EOF | EV_ONESHOT);	\
	EXPECT_EQ((ev).fflags, NOTE_EXIT);				\
	EXPECT_EQ((ev).data, (status_));				\
	EXPECT_EQ((uintptr_t)(ev).udata, (uintptr_t)(udata_));		\
} while (0)

/* EV_DELETE of (pid, EVFILT_PROC) fails with ENOENT: the knote is gone. */
#define EXPECT_KNOTE_GONE(kq, pid)					\
	EXPECT_ERRNO(kq_change((kq), (unsigned long)(pid), EVFILT_PROC,	\
			       EV_DELETE, 0, 0, NULL), ENOENT)

static int return_code(void *arg)
{
	return (int)(intptr_t)arg;
}

/* Watch a held child for NOTE_EXIT, let it run fn (returning code), check. */
static void exit_code_case(int code)
{
	struct held_child c = held_spawn(return_code, (void *)(intptr_t)code);
	struct kevent ev;
	int status, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(c.pid > 0);
	EXPECT_EQ(proc_watch(kq, c.pid, NOTE_EXIT, UDATA(0x1000 + code)), 0);
	EXPECT_EQ(no_event(kq), 0);
	held_release(&c);
	status = wait_status_of(c.pid);
	EXPECT_EQ(status, code << 8);
	if (one_event(kq, &ev) == 0)
		EXPECT_EXIT_EVENT(ev, c.pid, status, UDATA(0x1000 + code));
	EXPECT_KNOTE_GONE(kq, c.pid);
	close(kq);
}

KQ_TEST(exit_0_reports_status_0)
{
	exit_code_case(0);
}

KQ_TEST(exit_42_reports_42_shifted_like_waitpid)
{
	exit_code_case(42);
	exit_code_case(255);
}

static int block_forever(void *arg)
{
	for (;;)
		pause();
	return 0;
}

KQ_TEST(a_process_killed_by_a_signal_reports_the_raw_signal_status)
{
	static const int sigs[] = { SIGTERM, SIGKILL };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct held_child c = held_spawn(block_forever, NULL);
		struct kevent ev;
		int status, kq = kqueue();

		ASSERT(kq >= 0);
		ASSERT(c.pid > 0);
		EXPECT_EQ(proc_watch(kq, c.pid, NOTE_EXIT, UDATA(sigs[i])), 0);
		held_release(&c);
		EXPECT_EQ(no_event(kq), 0);
		EXPECT_EQ(kill(c.pid, sigs[i]), 0);
		status = wait_status_of(c.pid);
		EXPECT(WIFSIGNALED(status));
		EXPECT_EQ(WTERMSIG(status), sigs[i]);
		EXPECT_EQ(status, sigs[i]);
		if (one_event(kq, &ev) == 0)
			EXPECT_EXIT_EVENT(ev, c.pid, status, UDATA(sigs[i]));
		EXPECT_KNOTE_GONE(kq, c.pid);
		close(kq);
	}
}

static int dump_core(void *arg)
{
	int sig = (int)(intptr_t)arg;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	if (setrlimit(RLIMIT_CORE, &rl))
		return 99;
	signal(sig, SIG_DFL);
	raise(sig);
	return 98;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t len = strlen(text);

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

KQ_TEST(a_core_dump_reports_the_signal_with_0x80)
{
	static const int sigs[] = { SIGABRT, SIGSEGV };
	static const char pattern_path[] = "/proc/sys/kernel/core_pattern";
	char old_pattern[256] = "";
	int fd = open(pattern_path, O_RDONLY);
	ssize_t len;

	/* The core must land somewhere writable, or there is no 0x80. */
	ASSERT(fd >= 0);
	len = read(fd, old_pattern, sizeof(old_pattern) - 1);
	close(fd);
	ASSERT(len >= 0);
	old_pattern[len] = '\0';
	ASSERT_EQ(write_file(pattern_path, "/tmp/kq_core.%p"), 0);

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct held_child c = held_spawn(dump_core, (void *)(intptr_t)sigs[i]);
		struct kevent ev;
		char core[64];
		int status, kq = kqueue();

		if (kq < 0 || c.pid <= 0) {
			EXPECT(kq >= 0);
			EXPECT(c.pid > 0);
			break;
		}
		EXPECT_EQ(proc_watch(kq, c.pid, NOTE_EXIT, UDATA(0xc0 + i)), 0);
		held_release(&c);
		status = wait_status_of(c.pid);
		EXPECT(WIFSIGNALED(status));
		EXPECT_EQ(WTERMSIG(status), sigs[i]);
		EXPECT(WCOREDUMP(status));
		EXPECT_EQ(status, sigs[i] | 0x80);
		if (one_event(kq, &ev) == 0) {
			EXPECT_EXIT_EVENT(ev, c.pid, status, UDATA(0xc0 + i));
			EXPECT(WCOREDUMP((int)ev.data));
		}
		EXPECT_KNOTE_GONE(kq, c.pid);
		close(kq);
		snprintf(core, sizeof(core), "/tmp/kq_core.%d", (int)c.pid);
		EXPECT_EQ(unlink(core), 0);	/* the dump did happen */
	}
	if (old_pattern[0])
		EXPECT_EQ(write_file(pattern_path, old_pattern), 0);
}

/* Wait (up to 2 s) until pid is a zombie (exited, not reaped). */
static int wait_zombie(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) != 0 || si.si_pid != pid)
		return -1;
	return 0;
}

KQ_TEST(a_zombie_reports_exit_at_once)
{
	struct kevent evs[4];
	int n, status, kq = kqueue();
	pid_t pid;

	ASSERT(kq >= 0);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0)
		_exit(7);
	ASSERT_EQ(wait_zombie(pid), 0);
	EXPECT_EQ(proc_watch(kq, pid, NOTE_EXIT, UDATA(0x2007)), 0);
	/* "At once": pending when EV_ADD returns, a poll finds it. */
	n = kq_wait(kq, evs, 4, 0);
	EXPECT_EQ(n, 1);
	status = wait_status_of(pid);
	EXPECT_EQ(status, 7 << 8);
	if (n == 1)
		EXPECT_EXIT_EVENT(evs[0], pid, status, UDATA(0x2007));
	EXPECT_EQ(no_event(kq), 0);
	EXPECT_KNOTE_GONE(kq, pid);

	/* A zombie killed by a signal: the signal status, at once too. */
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	EXPECT_EQ(kill(pid, SIGKILL), 0);
	ASSERT_EQ(wait_zombie(pid), 0);
	EXPECT_EQ(proc_watch(kq, pid, NOTE_EXIT, UDATA(0x2009)), 0);
	n = kq_wait(kq, evs, 4, 0);
	EXPECT_EQ(n, 1);
	status = wait_status_of(pid);
	EXPECT_EQ(status, SIGKILL);
	if (n == 1)
		EXPECT_EXIT_EVENT(evs[0], pid, status, UDATA(0x2009));
	EXPECT_KNOTE_GONE(kq, pid);
	close(kq);
}

/*
 *   top                      middle (child)            grandchild
 *                            fork ------------------>  (blocks on go pipe)
 *   read gpid <------------- write gpid
 *   EV_ADD gpid NOTE_EXIT
 *   write go ------------------------------------------> _exit(33)
 *                            waitpid(gpid) -> 33<<8
 *                            _exit(WEXITSTATUS)
 *   waitpid(middle) == 33<<8
 *   NOTE_EXIT gpid, data 33<<8
 */
KQ_TEST(a_grandchild_can_be_watched_and_reports_its_exit)
{
	int idp[2], gop[2];
	struct kevent ev;
	pid_t middle, gpid = 0;
	int status, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(idp), 0);
	ASSERT_EQ(pipe(gop), 0);
	middle = fork();
	ASSERT(middle >= 0);
	if (middle == 0) {
		pid_t g;
		char b;
		int st;

		close(idp[0]);
		close(gop[1]);
		g = fork();
		if (g < 0)
			_exit(101);
		if (g == 0) {
			if (read(gop[0], &b, 1) != 1)
				_exit(102);
			_exit(33);
		}
		close(gop[0]);
		if (write(idp[1], &g, sizeof(g)) != sizeof(g))
			_exit(103);
		if (waitpid(g, &st, 0) != g)
			_exit(104);
		/* The grandchild's status as its parent saw it. */
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 105);
	}
	close(idp[1]);
	close(gop[0]);
	EXPECT_EQ(read(idp[0], &gpid, sizeof(gpid)), (ssize_t)sizeof(gpid));
	close(idp[0]);
	EXPECT(gpid > 0 && gpid != middle);
	EXPECT_EQ(proc_watch(kq, gpid, NOTE_EXIT, UDATA(0x3333)), 0);
	EXPECT_EQ(write(gop[1], "g", 1), 1);
	close(gop[1]);
	status = wait_status_of(middle);
	EXPECT_EQ(status, 33 << 8);
	if (one_event(kq, &ev) == 0)
		EXPECT_EXIT_EVENT(ev, gpid, 33 << 8, UDATA(0x3333));
	EXPECT_KNOTE_GONE(kq, gpid);
	close(kq);
}

static void *thread_calls_exit(void *arg)
{
	exit((int)(intptr_t)arg);
}

/* A non-leader thread calls exit(N) (exit_group) while the leader waits. */
static int exit_from_a_thread(void *arg)
{
	pthread_t t;

	if (pthread_create(&t, NULL, thread_calls_exit, arg))
		return 99;
	pthread_join(t, NULL);
	return 98;
}

KQ_TEST(a_non_leader_thread_calling_exit_reports_one_note_exit)
{
	struct held_child c = held_spawn(exit_from_a_thread, (void *)(intptr_t)17);
	struct kevent ev;
	int status, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(c.pid > 0);
	EXPECT_EQ(proc_watch(kq, c.pid, NOTE_EXIT, UDATA(0x1717)), 0);
	held_release(&c);
	status = wait_status_of(c.pid);
	EXPECT_EQ(status, 17 << 8);
	/* one_event(): exactly one, though two threads went through do_exit. */
	if (one_event(kq, &ev) == 0)
		EXPECT_EXIT_EVENT(ev, c.pid, status, UDATA(0x1717));
	EXPECT_KNOTE_GONE(kq, c.pid);
	close(kq);
}

/* Threads of pid in /proc (zombie threads included), or -1. */
static int thread_count(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/* Wait up to 2 s until pid has want threads in /proc. */
static int wait_thread_count(pid_t pid, int want)
{
	for (int i = 0; i < 200; i++) {
		if (thread_count(pid) == want)
			return 0;
		sleep_ms(10);
	}
	printf("# pid %d: %d threads, want %d\n", (int)pid, thread_count(pid), want);
	return -1;
}

/* The state letter of /proc/<pid>/stat (the thread-group leader's), or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static int thread_go[2];	/* the threads below read it, then SYS_exit */
static int leader_go[2];	/* the leader reads it (EOF: exit) */

static void *thread_sys_exit(void *arg)
{
	char b;

	if (read(thread_go[0], &b, 1) != 1)
		syscall(SYS_exit, 97);
	syscall(SYS_exit, (int)(intptr_t)arg);
	return NULL;
}

/* Three threads that each SYS_exit(0) when given a byte; leader stays. */
static int three_threads_then_leader(void *arg)
{
	pthread_t t;
	char b;

	close(thread_go[1]);
	close(leader_go[1]);
	for (int i = 0; i < 3; i++)
		if (pthread_create(&t, NULL, thread_sys_exit, NULL))
			return 99;
	/* The leader exits (exit_group) when leader_go is closed. */
	while (read(leader_go[0], &b, 1) == 1)
		;
	return 0;
}

/*
 *   top                           target: leader + 3 threads
 *   EV_ADD NOTE_EXIT
 *   write 1 byte to thread_go -->  one thread SYS_exit(0)
 *   wait for 3 threads in /proc
 *   no event (150 ms)
 *   (twice more: 2, then 1 thread; no event)
 *   close(leader_go) ---------->  leader read() == 0, _exit(0)
 *   waitpid == 0; one NOTE_EXIT
 */
KQ_TEST(threads_exiting_one_by_one_report_nothing_until_the_process_exits)
{
	struct held_child c;
	struct kevent ev;
	int status, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(thread_go), 0);
	ASSERT_EQ(pipe(leader_go), 0);
	c = held_spawn(three_threads_then_leader, NULL);
	ASSERT(c.pid > 0);
	close(thread_go[0]);
	close(leader_go[0]);
	EXPECT_EQ(proc_watch(kq, c.pid, NOTE_EXIT, UDATA(0x3)), 0);
	held_release(&c);
	EXPECT_EQ(wait_thread_count(c.pid, 4), 0);
	for (int left = 3; left > 0; left--) {
		EXPECT_EQ(write(thread_go[1], "x", 1), 1);
		EXPECT_EQ(wait_thread_count(c.pid, left), 0);
		EXPECT_EQ(no_event(kq), 0);
	}
	close(thread_go[1]);
	close(leader_go[1]);
	status = wait_status_of(c.pid);
	EXPECT_EQ(status, 0);
	if (one_event(kq, &ev) == 0)
		EXPECT_EXIT_EVENT(ev, c.pid, status, UDATA(0x3));
	EXPECT_KNOTE_GONE(kq, c.pid);
	close(kq);
}

/* One thread that SYS_exit(5)s when given a byte; the leader SYS_exit(3)s. */
static int leader_exits_first(void *arg)
{
	pthread_t t;

	close(thread_go[1]);
	if (pthread_create(&t, NULL, thread_sys_exit, (void *)(intptr_t)5))
		return 99;
	syscall(SYS_exit, 3);
	return 98;
}

/*
 *   top                           target
 *   EV_ADD NOTE_EXIT (kq1)
 *   release ------------------->  leader SYS_exit(3): a zombie leader,
 *                                 the other thread still runs
 *   wait until /proc/<pid>/stat says Z
 *   no event; EV_ADD (kq2) works, and reports nothing either (the process
 *   is not a zombie yet, only its leader thread is)
 *   write 1 byte -------------->  thread SYS_exit(5): the process is gone
 *   waitpid: the last thread's code (6.1's synchronize_group_exit()
 *   records the code of the thread that exits last): 5<<8
 *   one NOTE_EXIT in each kqueue, data = that status
 */
KQ_TEST(a_leader_that_exits_first_is_not_the_process_exit)
{
	struct held_child c;
	struct kevent ev;
	int status, kq1 = kqueue(), kq2 = kqueue();

	ASSERT(kq1 >= 0 && kq2 >= 0);
	ASSERT_EQ(pipe(thread_go), 0);
	c = held_spawn(leader_exits_first, NULL);
	ASSERT(c.pid > 0);
	close(thread_go[0]);
	EXPECT_EQ(proc_watch(kq1, c.pid, NOTE_EXIT, UDATA(0x51)), 0);
	held_release(&c);
	for (int i = 0; i < 200 && proc_state(c.pid) != 'Z'; i++)
		sleep_ms(10);
	EXPECT_EQ(proc_state(c.pid), 'Z');
	EXPECT_EQ(thread_count(c.pid), 2);
	EXPECT_EQ(no_event(kq1), 0);
	EXPECT_EQ(proc_watch(kq2, c.pid, NOTE_EXIT, UDATA(0x52)), 0);
	EXPECT_EQ(no_event(kq2), 0);
	EXPECT_EQ(write(thread_go[1], "x", 1), 1);
	close(thread_go[1]);
	status = wait_status_of(c.pid);
	EXPECT_EQ(status, 5 << 8);
	if (one_event(kq1, &ev) == 0)
		EXPECT_EXIT_EVENT(ev, c.pid, status, UDATA(0x51));
	if (one_event(kq2, &ev) == 0)
		EXPECT_EXIT_EVENT(ev, c.pid, status, UDATA(0x52));
	EXPECT_KNOTE_GONE(kq1, c.pid);
	EXPECT_KNOTE_GONE(kq2, c.pid);
	close(kq1);
	close(kq2);
}

KQ_TEST(esrch_for_a_pid_that_does_not_exist_or_above_int_max)
{
	int kq = kqueue();
	pid_t pid;

	ASSERT(kq >= 0);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(wait_status_of(pid), 0);
	/* Reaped: the pid names no process (pid_max is far away, no reuse). */
	EXPECT_ERRNO(proc_watch(kq, pid, NOTE_EXIT, NULL), ESRCH);
	EXPECT_ERRNO(kq_change(kq, (unsigned long)INT_MAX + 1, EVFILT_PROC,
			       EV_ADD, NOTE_EXIT, 0, NULL), ESRCH);
	/* Not truncated to 32 bits: this would be our own pid. */
	EXPECT_ERRNO(kq_change(kq, (1UL << 32) | (unsigned long)getpid(),
			       EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, NULL), ESRCH);
	EXPECT_ERRNO(kq_change(kq, ~0UL, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0,
			       NULL), ESRCH);
	EXPECT_ERRNO(kq_change(kq, (unsigned long)-(long)getpid(), EVFILT_PROC,
			       EV_ADD, NOTE_EXIT, 0, NULL), ESRCH);
	/* 0 is no process on Linux (not "self", not the idle task). */
	EXPECT_ERRNO(proc_watch(kq, 0, NOTE_EXIT, NULL), ESRCH);
	/* None of them left a knote. */
	EXPECT_EQ(knote_exists(kq, pid, EVFILT_PROC), 0);
	EXPECT_EQ(knote_exists(kq, getpid(), EVFILT_PROC), 0);
	close(kq);
}

struct tid_thread {
	pid_t tid;
	int ready[2];	/* thread -> test: its tid is set */
	int go[2];	/* test -> thread: return */
};

static void *report_tid_and_wait(void *arg)
{
	struct tid_thread *t = arg;
	char b;

	t->tid = gettid();
	if (write(t->ready[1], "r", 1) != 1)
		return NULL;
	if (read(t->go[0], &b, 1) != 1)
		return NULL;
	return NULL;
}

KQ_TEST(esrch_for_a_thread_id_that_is_not_a_process)
{
	struct tid_thread t = { 0 };
	pthread_t th;
	char b;
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(t.ready), 0);
	ASSERT_EQ(pipe(t.go), 0);
	ASSERT_EQ(pthread_create(&th, NULL, report_tid_and_wait, &t), 0);
	EXPECT_EQ(read(t.ready[0], &b, 1), 1);
	EXPECT(t.tid > 0 && t.tid != getpid());
	EXPECT_ERRNO(proc_watch(kq, t.tid, NOTE_EXIT | NOTE_FORK | NOTE_EXEC, NULL),
		     ESRCH);
	EXPECT_EQ(knote_exists(kq, t.tid, EVFILT_PROC), 0);
	/* The thread group id is fine (our own process). */
	EXPECT_EQ(proc_watch(kq, getpid(), NOTE_FORK, NULL), 0);
	EXPECT_EQ(kq_change(kq, getpid(), EVFILT_PROC, EV_DELETE, 0, 0, NULL), 0);
	EXPECT_EQ(write(t.go[1], "q", 1), 1);
	pthread_join(th, NULL);
	close(t.ready[0]);
	close(t.ready[1]);
	close(t.go[0]);
	close(t.go[1]);
	close(kq);
}

KQ_TEST(einval_for_unknown_fflags_and_input_only_bits_are_ignored)
{
	struct held_child c = held_spawn(return_code, (void *)(intptr_t)4);
	struct kevent ev;
	int status, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(c.pid > 0);
	EXPECT_ERRNO(proc_watch(kq, c.pid, 0x00100000, NULL), EINVAL);
	EXPECT_ERRNO(proc_watch(kq, c.pid, NOTE_EXIT | 0x00100000, NULL), EINVAL);
	EXPECT_ERRNO(proc_watch(kq, c.pid, NOTE_EXIT | 0x10000000, NULL), EINVAL);
	EXPECT_ERRNO(proc_watch(kq, c.pid, NOTE_EXIT | 0x8, NULL), EINVAL);
	EXPECT_EQ(knote_exists(kq, c.pid, EVFILT_PROC), 0);
	/* NOTE_CHILD and NOTE_TRACKERR are output bits, ignored on input. */
	EXPECT_EQ(proc_watch(kq, c.pid, NOTE_EXIT | NOTE_CHILD | NOTE_TRACKERR,
			     UDATA(0x44)), 0);
	/* A change of an existing knote with a bad fflags fails too. */
	EXPECT_ERRNO(proc_watch(kq, c.pid, NOTE_EXIT | 0x00100000, UDATA(0x45)),
		     EINVAL);
	held_release(&c);
	status = wait_status_of(c.pid);
	EXPECT_EQ(status, 4 << 8);
	if (one_event(kq, &ev) == 0)
		EXPECT_EXIT_EVENT(ev, c.pid, status, UDATA(0x44));
	EXPECT_KNOTE_GONE(kq, c.pid);
	close(kq);
}

KQ_TEST(a_knote_without_note_exit_disappears_silently_at_exit)
{
	static const unsigned int fflags[] = { NOTE_FORK | NOTE_EXEC, NOTE_FORK, 0 };

	for (size_t i = 0; i < sizeof(fflags) / sizeof(fflags[0]); i++) {
		struct held_child c = held_spawn(return_code, (void *)(intptr_t)6);
		int kq = kqueue();

		ASSERT(kq >= 0);
		ASSERT(c.pid > 0);
		EXPECT_EQ(proc_watch(kq, c.pid, fflags[i], NULL), 0);
		held_release(&c);
		EXPECT_EQ(wait_status_of(c.pid), 6 << 8);
		EXPECT_EQ(no_event(kq), 0);
		EXPECT_KNOTE_GONE(kq, c.pid);
		close(kq);
	}
}

KQ_TEST(ev_delete_before_the_exit_means_no_event)
{
	struct held_child c = held_spawn(return_code, (void *)(intptr_t)8);
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(c.pid > 0);
	EXPECT_EQ(proc_watch(kq, c.pid, NOTE_EXIT, NULL), 0);
	EXPECT_EQ(kq_change(kq, c.pid, EVFILT_PROC, EV_DELETE, 0, 0, NULL), 0);
	held_release(&c);
	EXPECT_EQ(wait_status_of(c.pid), 8 << 8);
	EXPECT_EQ(no_event(kq), 0);
	EXPECT_KNOTE_GONE(kq, c.pid);
	close(kq);
}

KQ_TEST(two_kqueues_watching_one_process_each_get_note_exit)
{
	struct held_child c = held_spawn(return_code, (void *)(intptr_t)9);
	struct kevent ev;
	int status, kq1 = kqueue(), kq2 = kqueue();

	ASSERT(kq1 >= 0 && kq2 >= 0);
	ASSERT(c.pid > 0);
	EXPECT_EQ(proc_watch(kq1, c.pid, NOTE_EXIT, UDATA(0xa1)), 0);
	EXPECT_EQ(proc_watch(kq2, c.pid, NOTE_EXIT | NOTE_FORK, UDATA(0xa2)), 0);
	held_release(&c);
	status = wait_status_of(c.pid);
	EXPECT_EQ(status, 9 << 8);
	if (one_event(kq1, &ev) == 0)
		EXPECT_EXIT_EVENT(ev, c.pid, status, UDATA(0xa1));
	if (one_event(kq2, &ev) == 0)
		EXPECT_EXIT_EVENT(ev, c.pid, status, UDATA(0xa2));
	EXPECT_KNOTE_GONE(kq1, c.pid);
	EXPECT_KNOTE_GONE(kq2, c.pid);
	close(kq1);
	close(kq2);
}

KQ_TEST(udata_round_trips_and_a_re_add_replaces_it)
{
	void *first = (void *)(uintptr_t)0x8000000000000001ULL;
	void *second = (void *)(uintptr_t)0xfedcba9876543210ULL;
	struct held_child c = held_spawn(return_code, (void *)(intptr_t)1);
	struct kevent ev;
	int status, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(c.pid > 0);
	EXPECT_EQ(proc_watch(kq, c.pid, NOTE_EXIT, first), 0);
	EXPECT_EQ(proc_watch(kq, c.pid, NOTE_EXIT, second), 0);
	held_release(&c);
	status = wait_status_of(c.pid);
	EXPECT_EQ(status, 1 << 8);
	if (one_event(kq, &ev) == 0)
		EXPECT_EXIT_EVENT(ev, c.pid, status, second);

	/* EV_KEEPUDATA keeps the stored one. */
	c = held_spawn(return_code, (void *)(intptr_t)2);
	ASSERT(c.pid > 0);
	EXPECT_EQ(proc_watch(kq, c.pid, NOTE_EXIT, first), 0);
	EXPECT_EQ(kq_change(kq, c.pid, EVFILT_PROC, EV_ADD | EV_KEEPUDATA,
			    NOTE_EXIT, 0, second), 0);
	held_release(&c);
	status = wait_status_of(c.pid);
	EXPECT_EQ(status, 2 << 8);
	if (one_event(kq, &ev) == 0)
		EXPECT_EXIT_EVENT(ev, c.pid, status, first);
	close(kq);
}

/* Knotes die with their kqueue: the processes' exits later touch nothing. */
KQ_TEST(closing_the_kqueue_before_the_exits_is_clean)
{
	struct held_child c[3];
	int kq = kqueue(), kq2 = kqueue();

	ASSERT(kq >= 0 && kq2 >= 0);
	for (int i = 0; i < 3; i++) {
		c[i] = held_spawn(return_code, (void *)(intptr_t)(10 + i));
		ASSERT(c[i].pid > 0);
		EXPECT_EQ(proc_watch(kq, c[i].pid, NOTE_EXIT | NOTE_FORK | NOTE_EXEC,
				     NULL), 0);
	}
	/* One of them also in a second kqueue, which stays. */
	EXPECT_EQ(proc_watch(kq2, c[1].pid, NOTE_EXIT, UDATA(0xb)), 0);
	EXPECT_EQ(close(kq), 0);
	for (int i = 0; i < 3; i++) {
		int status;

		held_release(&c[i]);
		status = wait_status_of(c[i].pid);
		EXPECT_EQ(status, (10 + i) << 8);
		if (i == 1) {
			struct kevent ev;

			if (one_event(kq2, &ev) == 0)
				EXPECT_EXIT_EVENT(ev, c[1].pid, status, UDATA(0xb));
		}
	}
	close(kq2);
}
