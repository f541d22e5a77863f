// SPDX-License-Identifier: GPL-2.0
/*
 * proc_permission: who may watch whom with EVFILT_PROC, per
 * uapi/linux/kqueue.h ("EVFILT_PROC", "Who may watch whom").
 *
 * The program runs as root and drops to uid/gid 1000 in forked children.
 * As uid 1000: EV_ADD on a root process, on init, on a set-uid-root process
 * (real uid 1000, effective 0) and on an undumpable uid-1000 process is
 * EPERM; its own process and an ordinary uid-1000 sibling are fine (and
 * NOTE_EXIT arrives). Root (CAP_SYS_PTRACE) may watch all of them. A knote
 * keeps working when its process changes credentials later.
 *
 * A process that drops from root to uid 1000 becomes undumpable (the kernel
 * sets suid_dumpable on a uid change), so drop_to_user() makes it dumpable
 * again: an "ordinary" uid-1000 process is dumpable.
 *
 * The set-uid-root program is this one, copied to /tmp/kq_setuid_helper
 * (root:root, 04755); run with --kq-block READYFD BLOCKFD CODE it writes a
 * byte to READYFD, waits for one on BLOCKFD and exits with CODE, from a
 * constructor, before the test framework starts.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"
#include "kq_proc_test.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>

KQ_WATCHDOG(120);

#define ARRIVE_MS 2000	/* an event that must come */
#define QUIET_MS 150	/* how long "nothing (else) comes" is watched */
#define USER_ID 1000

#define BLOCK_ARG "--kq-block"
#define SETUID_HELPER "/tmp/kq_setuid_helper"

/* --- the blocking helper (also the set-uid program) ---------------------- */

__attribute__((constructor(101))) static void block_helper(int argc, char **argv)
{
	char b;

	if (argc != 5 || strcmp(argv[1], BLOCK_ARG) != 0)
		return;
	if (write(atoi(argv[2]), "r", 1) != 1)
		_exit(120);
	if (read(atoi(argv[3]), &b, 1) != 1)
		_exit(121);
	_exit(atoi(argv[4]));
}

/* Copy /proc/self/exe to SETUID_HELPER, root:root, mode 04755. */
static int install_setuid_helper(void)
{
	char buf[65536];
	struct stat st;
	ssize_t n;
	int in, out;

	unlink(SETUID_HELPER);
	in = open("/proc/self/exe", O_RDONLY);
	if (in < 0)
		return -1;
	out = open(SETUID_HELPER, O_WRONLY | O_CREAT | O_EXCL, 0700);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	close(in);
	if (close(out) || n < 0 || chown(SETUID_HELPER, 0, 0) ||
	    chmod(SETUID_HELPER, 04755) || stat(SETUID_HELPER, &st))
		return -1;
	if (st.st_uid != 0 || (st.st_mode & 07777) != 04755) {
		printf("# %s: uid %d mode %o\n", SETUID_HELPER, (int)st.st_uid,
		       (unsigned int)st.st_mode);
		return -1;
	}
	return 0;
}

/* --- processes ----------------------------------------------------------- */

/*
 * setgroups/setgid/setuid to USER_ID, dumpable again; checks each step.
 * A process that is USER_ID already only has the result checked.
 */
static int drop_to_user(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	if (geteuid() == 0 &&
	    (setgroups(0, NULL) || setgid(USER_ID) || setuid(USER_ID))) {
		printf("# dropping privileges: %s\n", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return -1;
	if (getresuid(&r, &e, &s) || getresgid(&gr, &ge, &gs) ||
	    r != USER_ID || e != USER_ID || s != USER_ID ||
	    gr != USER_ID || ge != USER_ID || gs != USER_ID ||
	    getgroups(0, NULL) != 0 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1) {
		printf("# after dropping: uids %d %d %d gids %d %d %d\n", (int)r,
		       (int)e, (int)s, (int)gr, (int)ge, (int)gs);
		return -1;
	}
	return 0;
}

/*
 * Run fn as uid USER_ID in a child; returns the child's wait status, which
 * is 0 when nothing in fn failed (its EXPECT() messages go to stdout).
 */
static int run_as_user(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (drop_to_user())
			_exit(100);
		kq_current_failed = 0;
		fn();
		_exit(kq_current_failed ? 1 : 0);
	}
	return wait_status_of(pid);
}

struct blocker {
	pid_t pid;
	int go;		/* write a byte (or close) to let it exit */
};

enum { AS_ROOT, AS_USER, AS_USER_UNDUMPABLE, AS_USER_SETUID,
       AS_USER_RAISED_EUID, AS_USER_RAISED_EGID, AS_USER_FORKING_UNDUMPABLE };

#define CHILD_CODE 7	/* exit code of an AS_USER_FORKING_UNDUMPABLE's child */

/*
 * Root turns itself into a USER_ID process that kept one raised id: real
 * and saved USER_ID, effective 0 (uid or gid), dumpable. The saved id
 * matches the watcher, so only the effective id makes it "set-id".
 */
static int raise_one_id(int how)
{
	if (setgroups(0, NULL))
		return -1;
	if (how == AS_USER_RAISED_EUID &&
	    (setresgid(USER_ID, USER_ID, USER_ID) || setresuid(USER_ID, 0, USER_ID)))
		return -1;
	if (how == AS_USER_RAISED_EGID &&
	    (setresgid(USER_ID, 0, USER_ID) || setresuid(USER_ID, USER_ID, USER_ID)))
		return -1;
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/*
 * A child that waits for a byte on a pipe, then exits with code: as root,
 * as an ordinary USER_ID process, as an undumpable one, or running the
 * set-uid-root helper (real uid USER_ID, effective 0). Returns once it is
 * ready (dropped, exec'd), pid -1 on failure.
 */
static struct blocker spawn_blocker(int how, int code)
{
	struct blocker b = { -1, -1 };
	int ready[2], go[2];
	char c;

	if (pipe(ready))
		return b;
	if (pipe(go)) {
		close(ready[0]);
		close(ready[1]);
		return b;
	}
	b.pid = fork();
	if (b.pid == 0) {
		close(ready[0]);
		close(go[1]);
		if ((how == AS_USER_RAISED_EUID || how == AS_USER_RAISED_EGID) &&
		    raise_one_id(how))
			_exit(104);
		else if (how != AS_ROOT && how != AS_USER_RAISED_EUID &&
			 how != AS_USER_RAISED_EGID && drop_to_user())
			_exit(100);
		if (how == AS_USER_UNDUMPABLE && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
			_exit(101);
		if (how == AS_USER_SETUID) {
			char r[16], g[16], x[16];

			snprintf(r, sizeof(r), "%d", ready[1]);
			snprintf(g, sizeof(g), "%d", go[0]);
			snprintf(x, sizeof(x), "%d", code);
			execl(SETUID_HELPER, SETUID_HELPER, BLOCK_ARG, r, g, x,
			      (char *)NULL);
			_exit(102);
		}
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(103);
		if (how == AS_USER_FORKING_UNDUMPABLE) {
			/* Watched while dumpable; its child is born undumpable. */
			pid_t child;

			if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
				_exit(105);
			child = fork();
			if (child == 0)
				_exit(CHILD_CODE);
			if (child < 0 || wait_status_of(child) != CHILD_CODE << 8)
				_exit(106);
		}
		_exit(code);
	}
	close(ready[1]);
	close(go[0]);
	b.go = go[1];
	if (b.pid < 0 || read(ready[0], &c, 1) != 1) {
		printf("# blocker (%d) did not get ready\n", how);
		close(go[1]);
		if (b.pid > 0)
			wait_status_of(b.pid);
		b.pid = -1;
	}
	close(ready[0]);
	return b;
}

/* Let it exit; returns its wait status (only for the blocker's parent). */
static int release_blocker(struct blocker *b)
{
	if (write(b->go, "g", 1) != 1)
		printf("# release: %s\n", strerror(errno));
	close(b->go);
	return wait_status_of(b->pid);
}

/* "Uid:" or "Gid:" of /proc/<pid>/status: real, effective, saved, fs. */
static int status_ids(pid_t pid, const char *key, int ids[4])
{
	char path[64], line[256];
	FILE *f;
	int found = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0 &&
		    sscanf(line + strlen(key), "%d %d %d %d", &ids[0], &ids[1],
			   &ids[2], &ids[3]) == 4) {
			found = 0;
			break;
		}
	fclose(f);
	return found;
}

/* pid runs set-uid root on behalf of USER_ID: uids 1000 0 0 0. */
static int is_setuid_root_of_user(pid_t pid)
{
	int ids[4];

	if (status_ids(pid, "Uid:", ids))
		return 0;
	if (ids[0] != USER_ID || ids[1] != 0 || ids[2] != 0) {
		printf("# pid %d: Uid %d %d %d %d\n", (int)pid, ids[0], ids[1],
		       ids[2], ids[3]);
		return 0;
	}
	return 1;
}

/* The one NOTE_EXIT event of pid with this status, then nothing. */
static void expect_exit_event(int line, int kq, pid_t pid, int status)
{
	struct kevent evs[4];
	int n = kq_wait(kq, evs, 4, ARRIVE_MS);

	if (n == 1)
		n += kq_wait(kq, evs + 1, 3, QUIET_MS);
	if (n != 1 || evs[0].ident != (uintptr_t)pid ||
	    evs[0].filter != EVFILT_PROC || evs[0].fflags != NOTE_EXIT ||
	    evs[0].data != status ||
	    (evs[0].flags & ~EV_CLEAR) != (EV_EOF | EV_ONESHOT)) {
		printf("# line %d (pid %d): want NOTE_EXIT of %d, data %#x; got %d:\n",
		       line, (int)getpid(), (int)pid, status, n);
		for (int i = 0; i < n; i++)
			dump_proc_ev(&evs[i]);
		kq_current_failed = 1;
	}
}
#define EXPECT_EXIT_EVENT(kq, pid, status) \
	expect_exit_event(__LINE__, kq, pid, status)

/* EV_ADD fails with EPERM for every fflags, and leaves no knote. */
#define EXPECT_EPERM(kq, pid) do {					\
	EXPECT_ERRNO(proc_watch((kq), (pid), NOTE_EXIT, NULL), EPERM);	\
	EXPECT_ERRNO(proc_watch((kq), (pid), NOTE_FORK | NOTE_EXEC, NULL), EPERM); \
	EXPECT_ERRNO(proc_watch((kq), (pid), 0, NULL), EPERM);		\
	EXPECT_EQ(knote_exists((kq), (pid), EVFILT_PROC), 0);		\
} while (0)

/* --- tests --------------------------------------------------------------- */

static pid_t other_pid;	/* the process the uid-1000 code is to watch */
static int other_go = -1;	/* and its release pipe */

static void user_watches_root_process(void)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	EXPECT_EQ(getuid(), USER_ID);
	EXPECT_EPERM(kq, other_pid);
	close(kq);
}

KQ_TEST(a_user_may_not_watch_a_root_process)
{
	struct blocker r;

	ASSERT_EQ(geteuid(), 0);
	r = spawn_blocker(AS_ROOT, 0);
	ASSERT(r.pid > 0);
	other_pid = r.pid;
	EXPECT_EQ(run_as_user(user_watches_root_process), 0);
	EXPECT_EQ(release_blocker(&r), 0);
}

static void user_watches_init(void)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	EXPECT_EPERM(kq, 1);
	close(kq);
}

KQ_TEST(a_user_may_not_watch_init)
{
	ASSERT_EQ(geteuid(), 0);
	EXPECT_EQ(run_as_user(user_watches_init), 0);
}

static void user_watches_setuid_child(void)
{
	struct blocker s = spawn_blocker(AS_USER_SETUID, 0);
	int kq = kqueue();

	ASSERT(kq >= 0);
	ASSERT(s.pid > 0);
	/* The premise: real uid 1000, effective and saved 0. */
	EXPECT(is_setuid_root_of_user(s.pid));
	EXPECT_EPERM(kq, s.pid);
	EXPECT_EQ(release_blocker(&s), 0);
	close(kq);
}

KQ_TEST(a_user_may_not_watch_a_setuid_root_process)
{
	ASSERT_EQ(geteuid(), 0);
	ASSERT_EQ(install_setuid_helper(), 0);
	EXPECT_EQ(run_as_user(user_watches_setuid_child), 0);
	unlink(SETUID_HELPER);
}

/*
 *   user                                   D (its child, uid 1000)
 *   fork --------------------------------> dumpable; 'r'
 *   EV_ADD kq1: OK (the control)
 *   'u' ---------------------------------> PR_SET_DUMPABLE 0; 'u'
 *   EV_ADD kq2: EPERM
 *   'g' ---------------------------------> _exit(3)
 *   kq1 still reports NOTE_EXIT (checked when added, not after)
 */
static void user_watches_undumpable_child(void)
{
	int cmd[2], ack[2], kq1 = kqueue(), kq2 = kqueue();
	pid_t d;
	char c;
	int status;

	ASSERT(kq1 >= 0 && kq2 >= 0);
	ASSERT_EQ(pipe(cmd), 0);
	ASSERT_EQ(pipe(ack), 0);
	d = fork();
	ASSERT(d >= 0);
	if (d == 0) {
		close(cmd[1]);
		close(ack[0]);
		if (write(ack[1], "r", 1) != 1 || read(cmd[0], &c, 1) != 1)
			_exit(100);
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) || write(ack[1], "u", 1) != 1)
			_exit(101);
		if (read(cmd[0], &c, 1) != 1)
			_exit(102);
		_exit(3);
	}
	close(cmd[0]);
	close(ack[1]);
	EXPECT_EQ(read(ack[0], &c, 1), 1);
	EXPECT_EQ(proc_watch(kq1, d, NOTE_EXIT, NULL), 0);
	EXPECT_EQ(write(cmd[1], "u", 1), 1);
	EXPECT_EQ(read(ack[0], &c, 1), 1);
	EXPECT_EQ(c, 'u');
	EXPECT_EPERM(kq2, d);
	EXPECT_EQ(write(cmd[1], "g", 1), 1);
	status = wait_status_of(d);
	EXPECT_EQ(status, 3 << 8);
	EXPECT_EXIT_EVENT(kq1, d, status);
	close(cmd[1]);
	close(ack[0]);
	close(kq1);
	close(kq2);
}

KQ_TEST(a_user_may_not_watch_an_undumpable_process_of_its_own_uid)
{
	ASSERT_EQ(geteuid(), 0);
	EXPECT_EQ(run_as_user(user_watches_undumpable_child), 0);
}

static void user_watches_itself(void)
{
	struct kevent evs[4];
	pid_t child;
	int n, kq = kqueue();

	ASSERT(kq >= 0);
	/* Its own process, even undumpable. */
	ASSERT_EQ(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), 0);
	EXPECT_EQ(proc_watch(kq, getpid(), NOTE_FORK | NOTE_EXEC | NOTE_EXIT,
			     UDATA(0x5e1f)), 0);
	child = fork();
	ASSERT(child >= 0);
	if (child == 0)
		_exit(0);
	EXPECT_EQ(wait_status_of(child), 0);
	n = kq_wait(kq, evs, 4, ARRIVE_MS);
	EXPECT_EQ(n, 1);
	if (n == 1) {
		EXPECT_EQ(evs[0].ident, getpid());
		EXPECT_EQ(evs[0].fflags, NOTE_FORK);
		EXPECT_EQ(evs[0].flags & ~EV_CLEAR, 0);
		EXPECT_EQ(evs[0].data, child);
		EXPECT_EQ((uintptr_t)evs[0].udata, 0x5e1f);
	}
	close(kq);
}

KQ_TEST(a_user_may_watch_its_own_process)
{
	ASSERT_EQ(geteuid(), 0);
	EXPECT_EQ(run_as_user(user_watches_itself), 0);
}

static void user_watches_raised_id_process(void)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	EXPECT_EPERM(kq, other_pid);
	close(kq);
}

KQ_TEST(a_user_may_not_watch_its_uid_running_with_a_raised_effective_uid)
{
	struct blocker b;
	int ids[4];

	ASSERT_EQ(geteuid(), 0);
	b = spawn_blocker(AS_USER_RAISED_EUID, 0);
	ASSERT(b.pid > 0);
	EXPECT_EQ(status_ids(b.pid, "Uid:", ids), 0);
	EXPECT(ids[0] == USER_ID && ids[1] == 0 && ids[2] == USER_ID);
	other_pid = b.pid;
	EXPECT_EQ(run_as_user(user_watches_raised_id_process), 0);
	EXPECT_EQ(release_blocker(&b), 0);
}

KQ_TEST(a_user_may_not_watch_its_uid_running_with_a_raised_effective_gid)
{
	struct blocker b;
	int ids[4];

	ASSERT_EQ(geteuid(), 0);
	b = spawn_blocker(AS_USER_RAISED_EGID, 0);
	ASSERT(b.pid > 0);
	EXPECT_EQ(status_ids(b.pid, "Gid:", ids), 0);
	EXPECT(ids[0] == USER_ID && ids[1] == 0 && ids[2] == USER_ID);
	other_pid = b.pid;
	EXPECT_EQ(run_as_user(user_watches_raised_id_process), 0);
	EXPECT_EQ(release_blocker(&b), 0);
}

/*
 * other_pid, tracked, turns undumpable and forks: NOTE_TRACKERR if the
 * watcher's rights do not cover the child, a NOTE_CHILD if they do. Either
 * way NOTE_FORK names the child and other_pid's NOTE_EXIT comes last.
 */
static void track_forker_expecting(int tracked)
{
	struct kevent evs[8];
	unsigned int fflags = 0;
	pid_t child = 0;
	int kq = kqueue(), n, exits = 0, child_notes = 0, child_exits = 0;

	ASSERT(kq >= 0);
	ASSERT_EQ(proc_watch(kq, other_pid, NOTE_TRACK | NOTE_FORK | NOTE_EXIT,
			     UDATA(0x71)), 0);
	ASSERT_EQ(write(other_go, "g", 1), 1);
	n = proc_collect(kq, evs, 8, ARRIVE_MS);
	for (int i = 0; i < n; i++) {
		if (evs[i].ident == (uintptr_t)other_pid) {
			fflags |= evs[i].fflags;
			if (evs[i].fflags & NOTE_FORK && !(evs[i].fflags & NOTE_EXIT))
				child = evs[i].data;
			exits += !!(evs[i].fflags & NOTE_EXIT);
		} else if (evs[i].fflags == NOTE_CHILD &&
			   evs[i].data == other_pid) {
			child_notes++;
			child = evs[i].ident;
		} else if (evs[i].fflags == NOTE_EXIT &&
			   evs[i].data == CHILD_CODE << 8) {
			child_exits++;
		} else {
			printf("# unexpected event:\n");
			dump_proc_ev(&evs[i]);
			kq_current_failed = 1;
		}
	}
	EXPECT_EQ(exits, 1);
	EXPECT_EQ(fflags & ~NOTE_TRACKERR, NOTE_FORK | NOTE_EXIT);
	EXPECT_EQ(!!(fflags & NOTE_TRACKERR), !tracked);
	EXPECT_EQ(child_notes, tracked);
	EXPECT_EQ(child_exits, tracked);
	if (!tracked && child > 0)	/* a NOTE_FORK read before the exit */
		EXPECT_EQ(knote_exists(kq, child, EVFILT_PROC), 0);
	close(kq);
}

static void user_tracks_forker(void)
{
	track_forker_expecting(0);
}

static void root_tracks_forker(void)
{
	track_forker_expecting(1);
}

/*
 * A child the watcher may not watch: the tracked uid-1000 process makes
 * itself undumpable after the knote was added, and its child inherits
 * that. The uid-1000 watcher gets NOTE_TRACKERR (with NOTE_FORK); root,
 * whose CAP_SYS_PTRACE covers the child, gets a NOTE_CHILD instead.
 */
KQ_TEST(an_undumpable_child_gives_the_user_trackerr_and_root_note_child)
{
	struct blocker b;

	ASSERT_EQ(geteuid(), 0);
	b = spawn_blocker(AS_USER_FORKING_UNDUMPABLE, 9);
	ASSERT(b.pid > 0);
	other_pid = b.pid;
	other_go = b.go;
	EXPECT_EQ(run_as_user(user_tracks_forker), 0);
	close(b.go);
	EXPECT_EQ(wait_status_of(b.pid), 9 << 8);

	b = spawn_blocker(AS_USER_FORKING_UNDUMPABLE, 9);
	ASSERT(b.pid > 0);
	other_pid = b.pid;
	other_go = b.go;
	root_tracks_forker();
	close(b.go);
	EXPECT_EQ(wait_status_of(b.pid), 9 << 8);
	other_go = -1;
}

/* The sibling: add, release it through the inherited pipe, see it exit. */
static void user_watches_sibling(void)
{
	int kq = kqueue();

	ASSERT(kq >= 0);
	EXPECT_EQ(proc_watch(kq, other_pid, NOTE_EXIT, NULL), 0);
	EXPECT_EQ(write(other_go, "g", 1), 1);
	/* Not our child: the status the sibling's code 12 gives. */
	EXPECT_EXIT_EVENT(kq, other_pid, 12 << 8);
	close(kq);
}

KQ_TEST(a_user_may_watch_another_process_of_the_same_user)
{
	struct blocker t;
	int ids[4];

	ASSERT_EQ(geteuid(), 0);
	t = spawn_blocker(AS_USER, 12);
	ASSERT(t.pid > 0);
	EXPECT_EQ(status_ids(t.pid, "Uid:", ids), 0);
	EXPECT(ids[0] == USER_ID && ids[1] == USER_ID && ids[2] == USER_ID);
	other_pid = t.pid;
	other_go = t.go;
	EXPECT_EQ(run_as_user(user_watches_sibling), 0);
	/* The sibling released it; reap it (the parent's view agrees). */
	close(t.go);
	EXPECT_EQ(wait_status_of(t.pid), 12 << 8);
	other_go = -1;
}

KQ_TEST(root_may_watch_all_of_them)
{
	static const struct { int how; const char *what; } kinds[] = {
		{ AS_ROOT, "root" },
		{ AS_USER, "user" },
		{ AS_USER_UNDUMPABLE, "undumpable user" },
		{ AS_USER_SETUID, "set-uid root run by user" },
	};
	int kq = kqueue();

	ASSERT_EQ(geteuid(), 0);
	ASSERT(kq >= 0);
	ASSERT_EQ(install_setuid_helper(), 0);
	EXPECT_EQ(proc_watch(kq, 1, NOTE_EXIT | NOTE_FORK | NOTE_EXEC, NULL), 0);
	EXPECT_EQ(kq_change(kq, 1, EVFILT_PROC, EV_DELETE, 0, 0, NULL), 0);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct blocker b = spawn_blocker(kinds[i].how, 20 + i);
		int status;

		if (b.pid <= 0) {
			printf("# no %s process\n", kinds[i].what);
			kq_current_failed = 1;
			continue;
		}
		if (kinds[i].how == AS_USER_SETUID)
			EXPECT(is_setuid_root_of_user(b.pid));
		if (proc_watch(kq, b.pid, NOTE_EXIT, NULL) != 0) {
			printf("# root watching a %s process: %s\n", kinds[i].what,
			       strerror(errno));
			kq_current_failed = 1;
		}
		status = release_blocker(&b);
		EXPECT_EQ(status, (int)(20 + i) << 8);
		EXPECT_EXIT_EVENT(kq, b.pid, status);
	}
	unlink(SETUID_HELPER);
	close(kq);
}

/*
 *   user (uid 1000)                       X (its child, uid 1000)
 *   fork ---------------------------------> waits for a byte
 *   EV_ADD X NOTE_EXEC|NOTE_EXIT: OK
 *   byte ---------------------------------> execs the set-uid-root helper
 *                                           (now euid 0, undumpable): 'r'
 *   NOTE_EXEC: the knote still works
 *   byte ---------------------------------> _exit(14)
 *   NOTE_EXIT, data 14<<8
 */
static void user_knote_survives_setuid_exec(void)
{
	int go[2], ready[2], kq = kqueue();
	struct kevent evs[4];
	pid_t x;
	char c;
	int n, status;

	ASSERT(kq >= 0);
	ASSERT_EQ(pipe(go), 0);
	ASSERT_EQ(pipe(ready), 0);
	x = fork();
	ASSERT(x >= 0);
	if (x == 0) {
		char r[16], g[16];

		close(go[1]);
		close(ready[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(100);
		snprintf(r, sizeof(r), "%d", ready[1]);
		snprintf(g, sizeof(g), "%d", go[0]);
		execl(SETUID_HELPER, SETUID_HELPER, BLOCK_ARG, r, g, "14", (char *)NULL);
		_exit(101);
	}
	close(go[0]);
	close(ready[1]);
	EXPECT_EQ(proc_watch(kq, x, NOTE_EXEC | NOTE_EXIT, UDATA(0x14)), 0);
	EXPECT_EQ(write(go[1], "e", 1), 1);
	EXPECT_EQ(read(ready[0], &c, 1), 1);
	EXPECT(is_setuid_root_of_user(x));
	n = kq_wait(kq, evs, 4, ARRIVE_MS);
	EXPECT_EQ(n, 1);
	if (n == 1) {
		EXPECT_EQ(evs[0].ident, x);
		EXPECT_EQ(evs[0].fflags, NOTE_EXEC);
		EXPECT_EQ(evs[0].flags & ~EV_CLEAR, 0);
		EXPECT_EQ((uintptr_t)evs[0].udata, 0x14);
	}
	EXPECT_EQ(write(go[1], "g", 1), 1);
	status = wait_status_of(x);
	EXPECT_EQ(status, 14 << 8);
	EXPECT_EXIT_EVENT(kq, x, status);
	close(go[1]);
	close(ready[0]);
	close(kq);
}

KQ_TEST(a_knote_keeps_working_after_its_process_changes_credentials)
{
	ASSERT_EQ(geteuid(), 0);
	ASSERT_EQ(install_setuid_helper(), 0);
	EXPECT_EQ(run_as_user(user_knote_survives_setuid_exec), 0);
	unlink(SETUID_HELPER);
}
