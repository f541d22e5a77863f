// SPDX-License-Identifier: GPL-2.0
/*
 * proc_fork_exec: EVFILT_PROC NOTE_FORK and NOTE_EXEC, per
 * uapi/linux/kqueue.h ("EVFILT_PROC").
 *
 * NOTE_FORK: the process forked (vfork too; pthread_create does not count),
 * data = the newest child's pid. NOTE_EXEC: once per successful execve(2),
 * from any thread (a failed one reports nothing). EV_CLEAR is implied: what
 * happens is OR-ed into fflags until reported; when NOTE_FORK is among the
 * reported events data is the newest child, otherwise 0 (NOTE_EXIT: the
 * status). EV_DISABLE/EV_ENABLE keep events pending, a re-add replaces the
 * fflags, and events pending when a process exits without NOTE_EXIT being
 * asked for are still reported (EV_EOF | EV_ONESHOT).
 *
 * The watched process is a scripted target: it reads one-byte commands from
 * a pipe and answers on another, so the test knows each fork/exec has
 * happened before it looks at the kqueue. An exec runs this program again
 * (/proc/self/exe --kq-target CMDFD REPFD), which goes on with the same
 * loop from a constructor, before the test framework starts.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"
#include "kq_proc_test.h"

#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>

KQ_WATCHDOG(120);

#define ARRIVE_MS 2000	/* an event that must come */
#define QUIET_MS 150	/* how long "nothing (else) comes" is watched */
#define REPLY_MS 5000	/* the target answers a command */
#define NO_REPLY (-0x7fffffff)

#define TARGET_ARG "--kq-target"
#define NO_SUCH_PROGRAM "/nonexistent/kq_no_such_program"

/* --- the target ---------------------------------------------------------- */

struct reply {
	int tag;	/* the command, or 'E' from a freshly exec'd image */
	int val;	/* a pid, or an errno */
};

static int target_cmd = -1, target_rep = -1;

static void reply(int tag, int val)
{
	struct reply r = { tag, val };

	if (write(target_rep, &r, sizeof(r)) != sizeof(r))
		_exit(120);
}

static void exec_self(void)
{
	char cmd[16], rep[16];

	snprintf(cmd, sizeof(cmd), "%d", target_cmd);
	snprintf(rep, sizeof(rep), "%d", target_rep);
	execl("/proc/self/exe", "proc_fork_exec", TARGET_ARG, cmd, rep, (char *)NULL);
}

static void *thread_returns(void *arg)
{
	return arg;
}

static void *thread_pauses(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static void *thread_execs(void *arg)
{
	exec_self();
	reply('e', -errno);
	return NULL;
}

/* The command loop; never returns. */
static void __attribute__((noreturn)) target_loop(void)
{
	unsigned char c, code;
	pthread_t t;
	pid_t pid;
	int st;

	for (;;) {
		if (read(target_cmd, &c, 1) != 1)
			_exit(0);
		switch (c) {
		case 'f':	/* fork a child that exits at once; reap it */
		case 'v':	/* the same with vfork */
			pid = c == 'f' ? fork() : vfork();
			if (pid == 0)
				_exit(0);
			if (pid > 0 && waitpid(pid, &st, 0) != pid)
				pid = -1;
			reply(c, pid);
			break;
		case 't':	/* a thread that returns at once, joined */
			if (pthread_create(&t, NULL, thread_returns, NULL)) {
				reply(c, -1);
				break;
			}
			pthread_join(t, NULL);
			reply(c, 0);
			break;
		case 'p':	/* a thread that stays (until an exec or exit) */
			reply(c, pthread_create(&t, NULL, thread_pauses, NULL) ? -1 : 0);
			break;
		case 'e':	/* exec this program again */
			exec_self();
			reply(c, -errno);
			break;
		case 'T':	/* the same from a non-leader thread */
			if (pthread_create(&t, NULL, thread_execs, NULL)) {
				reply(c, -1);
				break;
			}
			pthread_join(t, NULL);	/* only if the exec failed */
			break;
		case 'x':	/* an execve that fails */
			execl(NO_SUCH_PROGRAM, NO_SUCH_PROGRAM, (char *)NULL);
			reply(c, errno);
			break;
		case 's':	/* become /bin/sh -c 'exit 3' */
			execl("/bin/sh", "sh", "-c", "exit 3", (char *)NULL);
			reply(c, -errno);
			break;
		case 'q':	/* exit with the code in the next byte */
			if (read(target_cmd, &code, 1) != 1)
				code = 121;
			_exit(code);
		default:
			_exit(122);
		}
	}
}

/* An exec'd target image: say so (with the pid it has), go on. */
__attribute__((constructor(101))) static void target_main(int argc, char **argv)
{
	if (argc != 4 || strcmp(argv[1], TARGET_ARG) != 0)
		return;
	target_cmd = atoi(argv[2]);
	target_rep = atoi(argv[3]);
	reply('E', getpid());
	target_loop();
}

/* --- the test side ------------------------------------------------------- */

struct target {
	pid_t pid;
	int cmd;	/* write end */
	int rep;	/* read end */
};

static struct target spawn_target(void)
{
	struct target t = { -1, -1, -1 };
	int cmd[2], rep[2];

	if (pipe(cmd))
		return t;
	if (pipe(rep)) {
		close(cmd[0]);
		close(cmd[1]);
		return t;
	}
	t.pid = fork();
	if (t.pid == 0) {
		close(cmd[1]);
		close(rep[0]);
		target_cmd = cmd[0];
		target_rep = rep[1];
		target_loop();
	}
	close(cmd[0]);
	close(rep[1]);
	t.cmd = cmd[1];
	t.rep = rep[0];
	return t;
}

/* Send a command (and its argument byte, if arg >= 0). */
static int send_cmd(struct target *t, char c, int arg)
{
	char buf[2] = { c, (char)arg };
	ssize_t len = arg >= 0 ? 2 : 1;

	return write(t->cmd, buf, len) == len ? 0 : -1;
}

/* Read one reply; returns its val, or NO_REPLY (with a diagnostic). */
static int get_reply(struct target *t, int want_tag)
{
	struct pollfd pfd = { t->rep, POLLIN, 0 };
	struct reply r;

	if (poll(&pfd, 1, REPLY_MS) != 1 ||
	    read(t->rep, &r, sizeof(r)) != sizeof(r)) {
		printf("# target %d: no reply (want '%c')\n", (int)t->pid, want_tag);
		return NO_REPLY;
	}
	if (r.tag != want_tag) {
		printf("# target %d: reply '%c' %d, want '%c'\n", (int)t->pid,
		       r.tag, r.val, want_tag);
		return NO_REPLY;
	}
	return r.val;
}

/* Command + reply in one; returns the reply's val. */
static int do_cmd(struct target *t, char c, int want_tag)
{
	if (send_cmd(t, c, -1))
		return NO_REPLY;
	return get_reply(t, want_tag);
}

/* Let the target exit with code; returns its wait status. */
static int finish_target(struct target *t, int code)
{
	int status;

	send_cmd(t, 'q', code);
	close(t->cmd);
	close(t->rep);
	status = wait_status_of(t->pid);
	if (status != code << 8)
		printf("# target %d: status %#x, want %#x\n", (int)t->pid, status,
		       code << 8);
	return status;
}

/*
 * Exactly one event within ARRIVE_MS and nothing else within QUIET_MS; it
 * must be (pid, EVFILT_PROC) with these fflags, data, udata, and flags
 * (EV_CLEAR aside: the filter implies it, it may show).
 */
static void expect_one_event(int line, int kq, pid_t pid, unsigned int fflags,
			     long long data, unsigned short flags, void *udata)
{
	struct kevent evs[4];
	int n = kq_wait(kq, evs, 4, ARRIVE_MS);

	if (n == 1)
		n += kq_wait(kq, evs + 1, 3, QUIET_MS);
	if (n != 1 || evs[0].ident != (uintptr_t)pid ||
	    evs[0].filter != EVFILT_PROC || evs[0].fflags != fflags ||
	    evs[0].data != data || (evs[0].flags & ~EV_CLEAR) != flags ||
	    evs[0].udata != udata) {
		printf("# line %d: want one event ident=%d fflags=%#x data=%lld "
		       "flags=%#x udata=%p, got %d:\n", line, (int)pid, fflags,
		       data, flags, udata, n);
		for (int i = 0; i < n; i++)
			dump_proc_ev(&evs[i]);
		kq_current_failed = 1;
	}
}
#define EXPECT_ONE_EVENT(kq, pid, fflags, data, flags, udata) \
	expect_one_event(__LINE__, kq, pid, fflags, data, flags, udata)

/* Nothing within QUIET_MS. */
static void expect_no_event(int line, int kq)
{
	struct kevent evs[4];
	int n = kq_wait(kq, evs, 4, QUIET_MS);

	if (n != 0) {
		printf("# line %d: want no event, got %d:\n", line, n);
		for (int i = 0; i < n; i++)
			dump_proc_ev(&evs[i]);
		kq_current_failed = 1;
	}
}
#define EXPECT_NO_EVENT(kq) expect_no_event(__LINE__, kq)

#define EXPECT_KNOTE_GONE(kq, pid)					\
	EXPECT_ERRNO(kq_change((kq), (unsigned long)(pid), EVFILT_PROC,	\
			       EV_DELETE, 0, 0, NULL), ENOENT)

/* --- tests --------------------------------------------------------------- */

KQ_TEST(fork_reports_note_fork_with_the_child_pid)
{
	struct target t = spawn_target();
	int child, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(t.pid > 0);
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_FORK, UDATA(0xf1)), 0);
	EXPECT_NO_EVENT(kq);
	child = do_cmd(&t, 'f', 'f');
	EXPECT(child > 0);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK, child, 0, UDATA(0xf1));
	/* The knote stays (EV_CLEAR, not oneshot): the next fork reports. */
	child = do_cmd(&t, 'f', 'f');
	EXPECT(child > 0);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK, child, 0, UDATA(0xf1));
	EXPECT_EQ(finish_target(&t, 0), 0);
	/* Nothing pending at the exit, NOTE_EXIT not asked for: no event. */
	EXPECT_NO_EVENT(kq);
	EXPECT_KNOTE_GONE(kq, t.pid);
	close(kq);
}

KQ_TEST(several_forks_give_one_event_with_the_newest_child)
{
	struct target t = spawn_target();
	int c1, c2, c3, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(t.pid > 0);
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_FORK, UDATA(0xf3)), 0);
	c1 = do_cmd(&t, 'f', 'f');
	c2 = do_cmd(&t, 'f', 'f');
	c3 = do_cmd(&t, 'f', 'f');
	EXPECT(c1 > 0 && c2 > 0 && c3 > 0 && c1 != c3 && c2 != c3);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK, c3, 0, UDATA(0xf3));
	/* A vfork is a fork. */
	c1 = do_cmd(&t, 'v', 'v');
	EXPECT(c1 > 0);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK, c1, 0, UDATA(0xf3));
	c1 = do_cmd(&t, 'f', 'f');
	c2 = do_cmd(&t, 'v', 'v');
	EXPECT(c1 > 0 && c2 > 0);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK, c2, 0, UDATA(0xf3));
	EXPECT_EQ(finish_target(&t, 0), 0);
	close(kq);
}

KQ_TEST(pthread_create_gives_no_note_fork)
{
	struct target t = spawn_target();
	int child, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(t.pid > 0);
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_FORK | NOTE_EXEC | NOTE_EXIT,
			     UDATA(0x7)), 0);
	/* A thread created and ended, another created and left running:
	 * neither its creation nor its end is an event. */
	EXPECT_EQ(do_cmd(&t, 't', 't'), 0);
	EXPECT_EQ(do_cmd(&t, 'p', 'p'), 0);
	EXPECT_EQ(do_cmd(&t, 't', 't'), 0);
	EXPECT_NO_EVENT(kq);
	/* The knote works: a real fork reports. */
	child = do_cmd(&t, 'f', 'f');
	EXPECT(child > 0);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK, child, 0, UDATA(0x7));
	EXPECT_EQ(finish_target(&t, 0), 0);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXIT, 0, EV_EOF | EV_ONESHOT, UDATA(0x7));
	close(kq);
}

KQ_TEST(each_successful_execve_reports_note_exec)
{
	struct target t = spawn_target();
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(t.pid > 0);
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_EXEC, UDATA(0xe1)), 0);
	EXPECT_EQ(do_cmd(&t, 'e', 'E'), t.pid);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXEC, 0, 0, UDATA(0xe1));
	EXPECT_EQ(do_cmd(&t, 'e', 'E'), t.pid);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXEC, 0, 0, UDATA(0xe1));
	EXPECT_EQ(finish_target(&t, 0), 0);
	EXPECT_NO_EVENT(kq);
	EXPECT_KNOTE_GONE(kq, t.pid);
	close(kq);
}

KQ_TEST(a_failed_execve_gives_no_note_exec)
{
	struct target t = spawn_target();
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(t.pid > 0);
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_EXEC | NOTE_EXIT, UDATA(0xe2)), 0);
	EXPECT_EQ(do_cmd(&t, 'x', 'x'), ENOENT);
	EXPECT_NO_EVENT(kq);
	/* The knote works: a real exec reports. */
	EXPECT_EQ(do_cmd(&t, 'e', 'E'), t.pid);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXEC, 0, 0, UDATA(0xe2));
	EXPECT_EQ(finish_target(&t, 5), 5 << 8);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXIT, 5 << 8, EV_EOF | EV_ONESHOT,
			 UDATA(0xe2));
	close(kq);
}

/*
 *   test                                target
 *   EV_ADD NOTE_EXEC|NOTE_EXIT
 *   's' --------------------------->   execve /bin/sh -c 'exit 3'  (NOTE_EXEC)
 *                                      exit(3)                     (NOTE_EXIT)
 *   waitpid == 3<<8
 *   only now kevent(): both OR-ed into one event, data = the status
 */
KQ_TEST(exec_of_another_program_then_exit_is_one_merged_event)
{
	struct target t;
	int status, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT_EQ(access("/bin/sh", X_OK), 0);
	t = spawn_target();
	ASSERT(t.pid > 0);
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_EXEC | NOTE_EXIT, UDATA(0x5)), 0);
	EXPECT_EQ(send_cmd(&t, 's', -1), 0);
	status = wait_status_of(t.pid);
	EXPECT_EQ(status, 3 << 8);
	close(t.cmd);
	close(t.rep);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXEC | NOTE_EXIT, status,
			 EV_EOF | EV_ONESHOT, UDATA(0x5));
	EXPECT_KNOTE_GONE(kq, t.pid);
	close(kq);
}

/*
 * A non-leader thread execs while the leader waits in pthread_join() and a
 * third thread sleeps: de_thread() ends the other two (the old leader goes
 * through do_exit) and the exec'ing thread takes over the pid. One
 * NOTE_EXEC for that pid, no NOTE_EXIT (the process lives on), and the new
 * image's exit later reports NOTE_EXIT with its status.
 */
KQ_TEST(exec_from_a_non_leader_thread_keeps_the_pid)
{
	struct target t = spawn_target();
	int child, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(t.pid > 0);
	EXPECT_EQ(do_cmd(&t, 'p', 'p'), 0);
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_EXEC | NOTE_EXIT | NOTE_FORK,
			     UDATA(0x7e)), 0);
	/* The new image answers with its getpid(): the same pid. */
	EXPECT_EQ(do_cmd(&t, 'T', 'E'), t.pid);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXEC, 0, 0, UDATA(0x7e));
	/* The new image works as a process: it forks and exits. */
	child = do_cmd(&t, 'f', 'f');
	EXPECT(child > 0);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK, child, 0, UDATA(0x7e));
	EXPECT_EQ(finish_target(&t, 9), 9 << 8);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXIT, 9 << 8, EV_EOF | EV_ONESHOT,
			 UDATA(0x7e));
	EXPECT_KNOTE_GONE(kq, t.pid);
	close(kq);
}

KQ_TEST(fflags_are_ored_until_retrieved)
{
	struct target t = spawn_target();
	int child, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(t.pid > 0);
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_FORK | NOTE_EXEC, UDATA(0x0f)), 0);
	child = do_cmd(&t, 'f', 'f');
	EXPECT(child > 0);
	EXPECT_EQ(do_cmd(&t, 'e', 'E'), t.pid);
	/* NOTE_FORK is among them: data is the child. */
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK | NOTE_EXEC, child, 0, UDATA(0x0f));
	/* Reported, so reset: the next exec alone, data 0. */
	EXPECT_EQ(do_cmd(&t, 'e', 'E'), t.pid);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXEC, 0, 0, UDATA(0x0f));
	/* Exec, then fork in the new image: the same union. */
	EXPECT_EQ(do_cmd(&t, 'e', 'E'), t.pid);
	child = do_cmd(&t, 'v', 'v');
	EXPECT(child > 0);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK | NOTE_EXEC, child, 0, UDATA(0x0f));
	EXPECT_EQ(finish_target(&t, 0), 0);
	EXPECT_NO_EVENT(kq);
	close(kq);
}

KQ_TEST(a_note_exec_only_knote_gets_nothing_on_fork)
{
	struct target t = spawn_target();
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(t.pid > 0);
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_EXEC, UDATA(0xe0)), 0);
	EXPECT(do_cmd(&t, 'f', 'f') > 0);
	EXPECT(do_cmd(&t, 'v', 'v') > 0);
	EXPECT_NO_EVENT(kq);
	/* The exec reports with data 0: the forks were never events here. */
	EXPECT_EQ(do_cmd(&t, 'e', 'E'), t.pid);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXEC, 0, 0, UDATA(0xe0));
	EXPECT_EQ(finish_target(&t, 0), 0);
	close(kq);
}

KQ_TEST(pending_events_are_reported_at_an_exit_not_asked_for)
{
	struct target t = spawn_target();
	int child, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(t.pid > 0);
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_FORK | NOTE_EXEC, UDATA(0xd)), 0);
	EXPECT_EQ(do_cmd(&t, 'e', 'E'), t.pid);
	child = do_cmd(&t, 'f', 'f');
	EXPECT(child > 0);
	EXPECT_EQ(finish_target(&t, 6), 6 << 8);
	/* No NOTE_EXIT in fflags, but the end of the knote: EV_EOF|EV_ONESHOT. */
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK | NOTE_EXEC, child,
			 EV_EOF | EV_ONESHOT, UDATA(0xd));
	EXPECT_KNOTE_GONE(kq, t.pid);
	close(kq);
}

/*
 * Every change of an existing knote hands its fflags to the filter (see
 * "FLAG SEMANTICS"), so EV_DISABLE/EV_ENABLE carry the knote's fflags and
 * udata, as a FreeBSD program must.
 */
static int proc_toggle(int kq, pid_t pid, unsigned short action,
		       unsigned int fflags, void *udata)
{
	return kq_change(kq, pid, EVFILT_PROC, action, fflags, 0, udata);
}

KQ_TEST(ev_disable_and_ev_enable_keep_events_pending)
{
	const unsigned int ff = NOTE_FORK | NOTE_EXIT;
	struct target t = spawn_target();
	int c1, c2, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(t.pid > 0);
	EXPECT_EQ(proc_watch(kq, t.pid, ff, UDATA(0xdd)), 0);
	EXPECT_EQ(proc_toggle(kq, t.pid, EV_DISABLE, ff, UDATA(0xdd)), 0);
	c1 = do_cmd(&t, 'f', 'f');
	EXPECT(c1 > 0);
	EXPECT_NO_EVENT(kq);
	EXPECT_EQ(proc_toggle(kq, t.pid, EV_ENABLE, ff, UDATA(0xdd)), 0);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK, c1, 0, UDATA(0xdd));

	/* The exit of a disabled knote's process waits for EV_ENABLE too. */
	EXPECT_EQ(proc_toggle(kq, t.pid, EV_DISABLE, ff, UDATA(0xdd)), 0);
	c2 = do_cmd(&t, 'f', 'f');
	EXPECT(c2 > 0);
	EXPECT_EQ(finish_target(&t, 4), 4 << 8);
	EXPECT_NO_EVENT(kq);
	EXPECT_EQ(proc_toggle(kq, t.pid, EV_ENABLE, ff, UDATA(0xdd)), 0);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK | NOTE_EXIT, 4 << 8,
			 EV_EOF | EV_ONESHOT, UDATA(0xdd));
	EXPECT_KNOTE_GONE(kq, t.pid);
	close(kq);
}

KQ_TEST(re_adding_with_other_fflags_changes_what_is_reported)
{
	struct target t = spawn_target();
	int child, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(t.pid > 0);
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_FORK, UDATA(0x1)), 0);
	child = do_cmd(&t, 'f', 'f');
	EXPECT(child > 0);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK, child, 0, UDATA(0x1));

	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_EXEC, UDATA(0x2)), 0);
	EXPECT(do_cmd(&t, 'f', 'f') > 0);
	EXPECT_NO_EVENT(kq);
	EXPECT_EQ(do_cmd(&t, 'e', 'E'), t.pid);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXEC, 0, 0, UDATA(0x2));

	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_FORK | NOTE_EXIT, UDATA(0x3)), 0);
	EXPECT_EQ(do_cmd(&t, 'e', 'E'), t.pid);
	EXPECT_NO_EVENT(kq);
	EXPECT_EQ(finish_target(&t, 2), 2 << 8);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXIT, 2 << 8, EV_EOF | EV_ONESHOT,
			 UDATA(0x3));
	close(kq);
}

KQ_TEST(events_that_already_happened_stay_pending_across_a_re_add)
{
	struct target t = spawn_target();
	int child, kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(t.pid > 0);
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_FORK, UDATA(0x1)), 0);
	child = do_cmd(&t, 'f', 'f');
	EXPECT(child > 0);
	/* Not read yet; the re-add asks for NOTE_EXEC only. */
	EXPECT_EQ(proc_watch(kq, t.pid, NOTE_EXEC, UDATA(0x2)), 0);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_FORK, child, 0, UDATA(0x2));
	EXPECT(do_cmd(&t, 'f', 'f') > 0);
	EXPECT_NO_EVENT(kq);
	EXPECT_EQ(do_cmd(&t, 'e', 'E'), t.pid);
	EXPECT_ONE_EVENT(kq, t.pid, NOTE_EXEC, 0, 0, UDATA(0x2));
	EXPECT_EQ(finish_target(&t, 0), 0);
	close(kq);
}
