// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: EVFILT_PROC under the race of seed 001 (FreeBSD, 2016): a forker
 * makes short-lived children, a reaper reaps them, a watcher tracks each
 * one on a kqueue with NOTE_EXIT|NOTE_EXEC|NOTE_FORK|NOTE_TRACK, while a
 * churner adds, deletes, disables and re-enables knotes and closes and
 * reopens a second kqueue that watches the same children. Bounded time
 * (KQ_STRESS_SECONDS, default 8), at most MAX_ALIVE children at a time.
 *
 *   forker ---- fork() ----> child: exec self --helper exit|fork|kill, or _exit
 *     |  (table lock held     |         "fork": one grandchild, reaped by
 *     |   across fork)        |         the child, exits gcode(its pid)
 *     | child index           |  exit status = code(pid) or SIGKILL
 *     v                       v
 *   watcher                 reaper
 *     EV_ADD pid on kq        waitid(WNOWAIT) -> t_reap -> [1 in 4: sleep
 *     (udata = index; 1 in    1-5 ms, a zombie meanwhile] -> waitpid(pid),
 *     4 put off 1-15 ms)      records the status
 *     drains kq: events logged
 *          ^
 *          |  EV_DELETE / EV_DISABLE+EV_ENABLE (same fflags, EV_KEEPUDATA)
 *          |  of random live children; EV_ADD/EV_DELETE NOTE_FORK on self
 *   churner
 *     kq2: EV_ADD/EV_DELETE random live children (NOTE_TRACK too), drain,
 *          close(kq2) + kqueue() (tracked forks racing the close)
 *
 * At the end (all threads joined, kq drained until quiet):
 *  - no unexpected errno: ESRCH for an add (the child was reaped: checked
 *    against the reaper's timestamp taken before its waitpid), ENOENT for a
 *    delete/disable/enable racing an exit;
 *  - NO LOST NOTE_EXIT: every child the watcher added on kq (never closed)
 *    got exactly one NOTE_EXIT with data = the status the reaper got (none
 *    or one if the churner's EV_DELETE succeeded); every grandchild that got
 *    a NOTE_CHILD got exactly one NOTE_EXIT with data = its known status;
 *  - no NOTE_TRACKERR, no EV_ERROR, no event nobody asked for.
 * The churner never EV_ADDs a child on kq: a knote re-created after the
 * watcher's NOTE_EXIT would rightly report the exit again (the child is a
 * zombie). Whether a NOTE_EXIT already dequeued by a running scan may still
 * be returned when a concurrent EV_DELETE succeeds is not specified: the
 * count of such cases is printed.
 * The kernel must stay silent (the VM harness checks splats and kmemleak).
 */
#define KQ_TEST_MAIN
#include "kq_proc_test.h"

#include <pthread.h>
#include <stdatomic.h>

KQ_WATCHDOG(300);

#define MAX_ALIVE 16
#define MAXKIDS (1 << 16)
#define WATCH_FFLAGS (NOTE_EXIT | NOTE_EXEC | NOTE_FORK | NOTE_TRACK)
#define SELF_UDATA UDATA(0x5e1f)

/* Exit codes derived from a pid: a child's, a grandchild's (never 255). */
static int code_of(pid_t pid)
{
	return 1 + pid % 200;
}

static int gcode_of(pid_t pid)
{
	return 1 + pid % 250;
}

enum mode { PLAIN, EXEC_EXIT, EXEC_FORK, EXEC_KILL, NMODES };
static const char *const mode_arg[NMODES] = { NULL, "exit", "fork", "kill" };

/*
 * Exec helper: `stress_proc --helper exit|fork|kill`. "fork" forks one
 * grandchild that exits gcode_of(its pid); a wrong wait status for it makes
 * the child exit 255, which the final check reports.
 */
__attribute__((constructor)) static void helper(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "--helper") != 0)
		return;
	if (strcmp(argv[2], "fork") == 0) {
		pid_t g = fork();
		int st;

		if (g < 0)
			_exit(254);
		if (g == 0)
			_exit(gcode_of(getpid()));
		if (waitpid(g, &st, 0) != g || st != gcode_of(g) << 8)
			_exit(255);
	} else if (strcmp(argv[2], "kill") == 0) {
		kill(getpid(), SIGKILL);
	}
	_exit(code_of(getpid()));
}

struct kid {
	pid_t pid;
	enum mode mode;
	/* reaper */
	int reaped;
	int status;
	long long t_reap;	/* before the reaping waitpid: a zombie until then */
	long long t_reaped;	/* after it: gone (its pid may be reused) */
	/* watcher */
	int add;		/* 0 not tried, 1 added, -errno */
	long long t_add0, t_add1;
	/* churner: its EV_DELETE on kq succeeded */
	int deleted;
	/* analysis: events with udata = this kid */
	int nexit;
	long long exit_data;
	unsigned int exit_flags;
	unsigned int own;	/* union of its own fflags */
	int dup;		/* a bit reported twice */
	int bad_fork;		/* NOTE_FORK data not its grandchild */
	pid_t fork_data;
	pid_t gc;		/* tracked grandchild (NOTE_CHILD), 0: none */
	int gc_nchild;
	int gc_nexit;
	long long gc_exit_data;
	unsigned int gc_exit_flags;
	int gc_other;		/* events for a second, unknown ident */
};

static struct kid kids[MAXKIDS];
static int nkids, watch_next;
static int alive[MAX_ALIVE], nalive;
static int forker_done, reaper_done, churner_done;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

static atomic_int stop, churn_stop;
static atomic_long unexpected, forks, reaps, adds, add_esrch, churn_ops,
	churn_deletes, kq2_closes, kq2_events;
static int kq;		/* the watcher's kqueue, never closed while running */
static pid_t self;

/* The watcher's log of every event it read. */
struct logged {
	pid_t ident;
	short filter;
	unsigned short flags;
	unsigned int fflags;
	long long data;
	uintptr_t udata;
};
static struct logged *evlog;
static size_t nlog, caplog;

static void note_unexpected(int err, const char *what)
{
	if (atomic_fetch_add(&unexpected, 1) < 5)
		printf("# unexpected errno %d (%s) from %s\n", err, strerror(err), what);
}

static unsigned int next_random(unsigned int *state)
{
	*state = *state * 1103515245u + 12345u;
	return *state >> 8;
}

/* After fork() in a threaded process: async-signal-safe calls only. */
static void child_main(enum mode mode)
{
	char *args[] = { "stress_proc", "--helper", (char *)mode_arg[mode], NULL };

	if (mode == PLAIN)
		_exit(code_of(getpid()));
	execv("/proc/self/exe", args);
	_exit(253);
}

static void *forker(void *arg)
{
	unsigned int rnd = 12345;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		while (nalive >= MAX_ALIVE && !atomic_load(&stop))
			pthread_cond_wait(&cond, &lock);
		if (atomic_load(&stop) || nkids == MAXKIDS) {
			forker_done = 1;
			pthread_cond_broadcast(&cond);
			pthread_mutex_unlock(&lock);
			return NULL;
		}
		/* 1 in 8 plain, 3 in 8 exec+exit, 3 in 8 exec+fork, 1 in 8 killed */
		unsigned int r = next_random(&rnd) % 8;
		enum mode mode = r == 0 ? PLAIN : r <= 3 ? EXEC_EXIT : r <= 6 ? EXEC_FORK : EXEC_KILL;
		/*
		 * The lock is held across fork(): the reaper cannot look the pid
		 * up before it is in the table.
		 */
		pid_t pid = fork();

		if (pid == 0)
			child_main(mode);
		if (pid < 0) {
			note_unexpected(errno, "fork");
			pthread_mutex_unlock(&lock);
			sleep_ms(10);
			continue;
		}
		kids[nkids].pid = pid;
		kids[nkids].mode = mode;
		alive[nalive++] = nkids;
		nkids++;
		atomic_fetch_add(&forks, 1);
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
}

static void *reaper(void *arg)
{
	unsigned int rnd = 4242;

	(void)arg;
	for (;;) {
		siginfo_t si;
		int status;

		pthread_mutex_lock(&lock);
		while (nalive == 0 && !forker_done)
			pthread_cond_wait(&cond, &lock);
		if (nalive == 0 && forker_done) {
			reaper_done = 1;
			pthread_cond_broadcast(&cond);
			pthread_mutex_unlock(&lock);
			return NULL;
		}
		pthread_mutex_unlock(&lock);

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) < 0) {
			note_unexpected(errno, "waitid");
			sleep_ms(10);
			continue;
		}
		long long t = kq_now_ns();

		/* 1 in 4: leave it a zombie for a while (adds then find zombies). */
		if (next_random(&rnd) % 4 == 0)
			usleep(1000 + next_random(&rnd) % 4000);

		if (waitpid(si.si_pid, &status, 0) != si.si_pid) {
			note_unexpected(errno, "waitpid");
			continue;
		}
		long long t1 = kq_now_ns();

		pthread_mutex_lock(&lock);
		int found = 0;

		for (int i = 0; i < nalive; i++) {
			struct kid *k = &kids[alive[i]];

			if (k->pid != si.si_pid)
				continue;
			k->reaped = 1;
			k->status = status;
			k->t_reap = t;
			k->t_reaped = t1;
			alive[i] = alive[--nalive];
			found = 1;
			break;
		}
		if (!found)
			printf("# reaped pid %d that is not in the table\n", si.si_pid);
		atomic_fetch_add(&reaps, 1);
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
}

static void log_events(const struct kevent *ev, int n)
{
	for (int i = 0; i < n; i++) {
		if (nlog == caplog) {
			caplog = caplog ? 2 * caplog : 4096;
			evlog = realloc(evlog, caplog * sizeof(*evlog));
			if (!evlog) {
				printf("Bail out! out of memory for the event log\n");
				exit(1);
			}
		}
		evlog[nlog++] = (struct logged){ (pid_t)ev[i].ident, ev[i].filter,
			ev[i].flags, ev[i].fflags, ev[i].data, (uintptr_t)ev[i].udata };
	}
}

static int drain_once(long ms)
{
	struct kevent ev[256];
	int n = kq_wait(kq, ev, 256, ms);

	if (n < 0) {
		note_unexpected(errno, "kevent scan");
		return 0;
	}
	log_events(ev, n);
	return n;
}

static void add_knote(int i)
{
	struct kid *k = &kids[i];
	int r;

	k->t_add0 = kq_now_ns();
	r = proc_watch(kq, k->pid, WATCH_FFLAGS, UDATA(i + 1));
	k->t_add1 = kq_now_ns();
	k->add = r == 0 ? 1 : -errno;
	if (r == 0)
		atomic_fetch_add(&adds, 1);
	else if (errno == ESRCH)
		atomic_fetch_add(&add_esrch, 1);
	else
		note_unexpected(errno, "watcher EV_ADD");
}

static void *watcher(void *arg)
{
	/* Children whose add is put off (1 in 4, by 1-15 ms): exits and reaps race it. */
	int late[4 * MAX_ALIVE], nlate = 0;
	long long due[4 * MAX_ALIVE];
	unsigned int rnd = 99;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		int from = watch_next, to = nkids;
		int done = forker_done && reaper_done && churner_done;

		watch_next = to;
		pthread_mutex_unlock(&lock);

		for (int i = from; i < to; i++) {
			if (nlate < 4 * MAX_ALIVE && next_random(&rnd) % 4 == 0) {
				late[nlate] = i;
				due[nlate++] = kq_now_ns() + (1 + next_random(&rnd) % 15) * MS;
			} else {
				add_knote(i);
			}
		}
		long long now = kq_now_ns();

		for (int j = 0; j < nlate;) {
			if (due[j] <= now || done) {
				add_knote(late[j]);
				late[j] = late[--nlate];
				due[j] = due[nlate];
			} else {
				j++;
			}
		}
		if (done && from == to && nlate == 0) {
			/* Everything has exited: drain until 1 s passes quietly. */
			while (drain_once(1000) > 0)
				;
			return NULL;
		}
		drain_once(2);
	}
}

/* A random live child's index, or -1. Call with the lock held. */
static int random_alive(unsigned int *rnd)
{
	return nalive ? alive[next_random(rnd) % nalive] : -1;
}

static void *churner(void *arg)
{
	unsigned int rnd = 777;
	int kq2 = kqueue();
	int self_watched = 0;

	(void)arg;
	if (kq2 < 0)
		note_unexpected(errno, "kqueue");
	while (!atomic_load(&churn_stop)) {
		unsigned int op = next_random(&rnd) % 32;
		int idx;
		pid_t pid;

		pthread_mutex_lock(&lock);
		idx = random_alive(&rnd);
		pid = idx >= 0 ? kids[idx].pid : 0;
		if (op == 0 && idx >= 0) {
			/* Delete the watcher's knote (under the lock: the record is exact). */
			if (kq_change(kq, pid, EVFILT_PROC, EV_DELETE, 0, 0, NULL) == 0) {
				kids[idx].deleted = 1;
				atomic_fetch_add(&churn_deletes, 1);
			} else if (errno != ENOENT) {
				note_unexpected(errno, "churner EV_DELETE on kq");
			}
		}
		pthread_mutex_unlock(&lock);

		if (op >= 1 && op <= 4 && idx >= 0) {
			/* Disable, then re-enable, the watcher's knote. */
			unsigned short keep = EV_KEEPUDATA;

			if (kq_change(kq, pid, EVFILT_PROC, EV_DISABLE | keep,
				      WATCH_FFLAGS, 0, NULL) == 0) {
				usleep(next_random(&rnd) % 500);
				if (kq_change(kq, pid, EVFILT_PROC, EV_ENABLE | keep,
					      WATCH_FFLAGS, 0, NULL) != 0 && errno != ENOENT)
					note_unexpected(errno, "churner EV_ENABLE on kq");
			} else if (errno != ENOENT) {
				note_unexpected(errno, "churner EV_DISABLE on kq");
			}
		} else if (op == 5) {
			/* NOTE_FORK on ourselves: the forker's forks race it. */
			if (self_watched) {
				if (kq_change(kq, self, EVFILT_PROC, EV_DELETE, 0, 0, NULL))
					note_unexpected(errno, "churner EV_DELETE self");
			} else if (proc_watch(kq, self, NOTE_FORK, SELF_UDATA)) {
				note_unexpected(errno, "churner EV_ADD self");
			}
			self_watched = !self_watched;
		} else if (op >= 6 && op <= 15 && idx >= 0 && kq2 >= 0) {
			if (proc_watch(kq2, pid, WATCH_FFLAGS, UDATA(idx + 1)) && errno != ESRCH)
				note_unexpected(errno, "churner EV_ADD on kq2");
		} else if (op >= 16 && op <= 19 && idx >= 0 && kq2 >= 0) {
			if (kq_change(kq2, pid, EVFILT_PROC, EV_DELETE, 0, 0, NULL) &&
			    errno != ENOENT)
				note_unexpected(errno, "churner EV_DELETE on kq2");
		} else if (op >= 20 && op <= 27 && kq2 >= 0) {
			struct kevent ev[64];
			int n = kq_wait(kq2, ev, 64, 0);

			if (n < 0)
				note_unexpected(errno, "kq2 scan");
			else
				atomic_fetch_add(&kq2_events, n);
		} else if (op == 28) {
			/* Close kq2 with its knotes (tracked forks may be attaching). */
			if (kq2 >= 0 && close(kq2))
				note_unexpected(errno, "close kq2");
			kq2 = kqueue();
			if (kq2 < 0)
				note_unexpected(errno, "kqueue");
			atomic_fetch_add(&kq2_closes, 1);
		}
		atomic_fetch_add(&churn_ops, 1);
		usleep(50 + next_random(&rnd) % 200);
	}
	if (self_watched && kq_change(kq, self, EVFILT_PROC, EV_DELETE, 0, 0, NULL))
		note_unexpected(errno, "churner final EV_DELETE self");
	if (kq2 >= 0)
		close(kq2);
	pthread_mutex_lock(&lock);
	churner_done = 1;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int expected_status(const struct kid *k)
{
	return k->mode == EXEC_KILL ? SIGKILL : code_of(k->pid) << 8;
}

static long failures;

static void failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failure(const char *fmt, ...)
{
	va_list ap;

	if (failures++ < 20) {
		printf("# FAIL: ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	kq_current_failed = 1;
}

/* Sorts the log into the kids' accumulators; reports events nobody asked for. */
static void account_events(void)
{
	for (size_t i = 0; i < nlog; i++) {
		const struct logged *e = &evlog[i];

		if (e->filter != EVFILT_PROC || (e->flags & EV_ERROR)) {
			failure("event ident %d filter %d flags %#x data %lld", e->ident,
				e->filter, e->flags, e->data);
			continue;
		}
		if (e->fflags & NOTE_TRACKERR)
			failure("NOTE_TRACKERR on pid %d (fflags %#x)", e->ident, e->fflags);
		if (e->udata == (uintptr_t)SELF_UDATA) {
			if (e->ident != self || e->fflags != NOTE_FORK)
				failure("self knote: ident %d fflags %#x", e->ident, e->fflags);
			continue;
		}
		if (e->udata < 1 || e->udata > (uintptr_t)nkids) {
			failure("event with unknown udata %#lx: ident %d fflags %#x",
				(unsigned long)e->udata, e->ident, e->fflags);
			continue;
		}
		struct kid *k = &kids[e->udata - 1];

		if (e->ident == k->pid) {
			unsigned int own = e->fflags & ~NOTE_TRACKERR;

			if (own & NOTE_CHILD)
				failure("NOTE_CHILD for child %d (not tracked from anything)",
					k->pid);
			if (own & k->own)
				k->dup = 1;
			k->own |= own;
			if ((own & NOTE_FORK) && !(own & NOTE_EXIT))
				k->fork_data = (pid_t)e->data;
			if (own & NOTE_EXIT) {
				k->nexit++;
				k->exit_data = e->data;
				k->exit_flags = e->flags;
			}
			continue;
		}
		/* A grandchild of k (its knote and NOTE_CHILD carry k's udata). */
		if (k->gc && k->gc != e->ident) {
			k->gc_other++;
			continue;
		}
		k->gc = e->ident;
		if (e->fflags & NOTE_CHILD) {
			k->gc_nchild++;
			if (e->fflags != NOTE_CHILD || e->data != k->pid || (e->flags & EV_EOF))
				failure("NOTE_CHILD of %d: fflags %#x data %lld flags %#x, want parent %d",
					e->ident, e->fflags, e->data, e->flags, k->pid);
		} else if (e->fflags & NOTE_EXIT) {
			k->gc_nexit++;
			k->gc_exit_data = e->data;
			k->gc_exit_flags = e->flags;
			if (e->fflags != NOTE_EXIT)
				failure("grandchild %d: fflags %#x", e->ident, e->fflags);
		} else {
			failure("grandchild %d: unexpected fflags %#x", e->ident, e->fflags);
		}
	}
}

KQ_TEST(forker_reaper_watcher_and_churner_lose_no_note_exit)
{
	const char *env = getenv("KQ_STRESS_SECONDS");
	int seconds = env ? atoi(env) : 8;
	pthread_t tf, tr, tw, tc;
	long reused = 0, checked = 0, tracked_gc = 0, deleted_but_reported = 0,
		esrch_checked = 0, zombie_adds = 0;

	self = getpid();
	kq = kqueue();
	ASSERT(kq >= 0);
	alarm(seconds + 240);
	long long t0 = kq_now_ns();

	ASSERT_EQ(pthread_create(&tr, NULL, reaper, NULL), 0);
	ASSERT_EQ(pthread_create(&tw, NULL, watcher, NULL), 0);
	ASSERT_EQ(pthread_create(&tc, NULL, churner, NULL), 0);
	ASSERT_EQ(pthread_create(&tf, NULL, forker, NULL), 0);
	sleep(seconds);
	atomic_store(&stop, 1);
	pthread_mutex_lock(&lock);
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(tf, NULL);
	pthread_join(tr, NULL);
	double secs = (kq_now_ns() - t0) / 1e9;

	atomic_store(&churn_stop, 1);
	pthread_join(tc, NULL);
	pthread_join(tw, NULL);

	printf("# %.1f s: %ld forks (%.0f/s), %ld reaped, %ld knotes added (%.0f/s), %ld ESRCH\n",
	       secs, atomic_load(&forks), atomic_load(&forks) / secs,
	       atomic_load(&reaps), atomic_load(&adds), atomic_load(&adds) / secs,
	       atomic_load(&add_esrch));
	printf("# %zu events read (%.0f/s); churner: %ld ops (%.0f/s), %ld deletes on kq, %ld kq2 closes, %ld kq2 events\n",
	       nlog, nlog / secs, atomic_load(&churn_ops), atomic_load(&churn_ops) / secs,
	       atomic_load(&churn_deletes), atomic_load(&kq2_closes),
	       atomic_load(&kq2_events));

	account_events();
	for (int i = 0; i < nkids; i++) {
		struct kid *k = &kids[i];

		if (!k->reaped) {
			failure("child %d never reaped", k->pid);
			continue;
		}
		if (k->status != expected_status(k))
			failure("child %d (mode %d) exited with status %#x, want %#x",
				k->pid, k->mode, k->status, expected_status(k));
		if (k->add == -ESRCH) {
			/* ESRCH only once the child was reaped (not a zombie). */
			esrch_checked++;
			if (k->t_reap > k->t_add1)
				failure("EV_ADD of child %d failed with ESRCH %lld us before it was reaped",
					k->pid, (k->t_reap - k->t_add1) / 1000);
		}
		if (k->add != 1)
			continue;
		if (k->t_reaped < k->t_add0) {
			/* Reaped before the add started: its pid was reused. */
			reused++;
			continue;
		}
		checked++;
		/* Added after the reaper saw it exited: a zombie at the time. */
		zombie_adds += k->t_add0 > k->t_reap;
		if (k->deleted) {
			deleted_but_reported += k->nexit;
			if (k->nexit > 1)
				failure("child %d: %d NOTE_EXIT after its knote was deleted",
					k->pid, k->nexit);
		} else if (k->nexit != 1) {
			failure("child %d (mode %d): %d NOTE_EXIT events, want 1 (LOST NOTE_EXIT)",
				k->pid, k->mode, k->nexit);
		}
		if (k->nexit >= 1) {
			if (k->exit_data != k->status)
				failure("child %d: NOTE_EXIT data %#llx, reaper got %#x",
					k->pid, k->exit_data, k->status);
			if ((k->exit_flags & (EV_EOF | EV_ONESHOT)) != (EV_EOF | EV_ONESHOT))
				failure("child %d: NOTE_EXIT flags %#x", k->pid, k->exit_flags);
		}
		if (k->dup)
			failure("child %d: an event bit reported twice (%#x)", k->pid, k->own);
		if (k->own & ~(NOTE_EXIT | NOTE_EXEC | NOTE_FORK))
			failure("child %d: fflags %#x", k->pid, k->own);
		if (k->mode == PLAIN && (k->own & NOTE_EXEC))
			failure("child %d: NOTE_EXEC without exec", k->pid);
		if (k->mode != EXEC_FORK && (k->own & NOTE_FORK))
			failure("child %d: NOTE_FORK without fork", k->pid);
		if (k->fork_data && k->fork_data != k->gc && k->gc)
			failure("child %d: NOTE_FORK data %d, grandchild %d", k->pid,
				k->fork_data, k->gc);
		if (k->gc_other)
			failure("child %d: events for %d idents besides %d", k->pid,
				k->gc_other, k->gc);
		if (!k->gc)
			continue;
		/* NO LOST NOTE_EXIT for a tracked grandchild either. */
		tracked_gc++;
		if (k->gc_nchild != 1)
			failure("grandchild %d of %d: %d NOTE_CHILD events, want 1",
				k->gc, k->pid, k->gc_nchild);
		if (k->gc_nexit != 1)
			failure("grandchild %d of %d: %d NOTE_EXIT events, want 1 (LOST NOTE_EXIT)",
				k->gc, k->pid, k->gc_nexit);
		else if (k->gc_exit_data != gcode_of(k->gc) << 8 ||
			 (k->gc_exit_flags & (EV_EOF | EV_ONESHOT)) != (EV_EOF | EV_ONESHOT))
			failure("grandchild %d: NOTE_EXIT data %#llx flags %#x, want %#x",
				k->gc, k->gc_exit_data, k->gc_exit_flags,
				gcode_of(k->gc) << 8);
		if (k->mode != EXEC_FORK)
			failure("child %d (mode %d) has a tracked grandchild %d", k->pid,
				k->mode, k->gc);
	}
	printf("# checked %ld children (%ld added as zombies; %ld ESRCH adds, %ld pid reuses skipped), %ld tracked grandchildren; %ld NOTE_EXIT of deleted knotes still reported\n",
	       checked, zombie_adds, esrch_checked, reused, tracked_gc,
	       deleted_but_reported);
	if (failures > 20)
		printf("# ... %ld failures in all\n", failures);
	printf("# %ld unexpected errnos\n", atomic_load(&unexpected));
	EXPECT_EQ(atomic_load(&unexpected), 0);
	EXPECT(checked > 0);
	EXPECT(tracked_gc > 0);
	EXPECT_EQ(failures, 0);

	/* Nothing is left in kq; it still works. */
	struct kevent ev;

	EXPECT_EQ(kq_wait(kq, &ev, 1, 0), 0);
	EXPECT_EQ(close(kq), 0);
	kq = kqueue();
	ASSERT(kq >= 0);
	struct held_child c = held_spawn(NULL, NULL);

	ASSERT(c.pid > 0);
	EXPECT_EQ(proc_watch(kq, c.pid, NOTE_EXIT, NULL), 0);
	held_release(&c);
	int status = wait_status_of(c.pid);

	EXPECT_EQ(kq_wait(kq, &ev, 1, 5000), 1);
	EXPECT_EQ(ev.ident, c.pid);
	EXPECT_EQ(ev.data, status);
	close(kq);
	free(evlog);
}
