// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_kevent: a bounded-time fuzzer of the KQUEUE_IOC_KEVENT interface.
 *
 * Two groups run at once, each a process of NTHREADS threads, one as root,
 * one as uid/gid 1000. A group's threads share NSLOTS descriptors at fixed
 * numbers SLOT(0..) (kqueues, pipes, socket pairs, eventfds, a /tmp file,
 * /dev/null) and loop over random operations:
 *
 *   group process: main thread = monitor (progress) + SIGUSR1 sender (EINTR)
 *     worker x NTHREADS, each op at random:
 *       kevent(): random changes (every filter incl. random shorts, bit-soup
 *         and valid flags, NOTE_* and random fflags, idents = fds / huge /
 *         pids: own, children, 1, other group, threads, none), random data,
 *         udata, ext, timeouts (none, zero, short, huge, invalid), aliasing
 *       a valid changelist mutated (bit flips, duplicated, swapped,
 *         truncated, zeroed entries)
 *       raw ioctl: bad pointers (NULL, unmapped, kernel, non-canonical,
 *         misaligned, PROT_NONE, read-only, straddling a PROT_NONE page),
 *         bad counts, reserved != 0, bad timeouts
 *       close / close_range / dup2 over / re-create descriptors others use or
 *         wait in; fd traffic and hang-ups; USER triggers
 *       fork: the child gets EBADF/POLLERR from each inherited kqueue, then
 *         execs, forks (maybe undumpable) or uses a kqueue of its own; the
 *         parent watches it, with NOTE_TRACK or not
 * The root group's monitor also lowers and restores the per-user limits and
 * toggles force_trackerr (ENOMEM and NOTE_TRACKERR paths) now and then.
 * Timers stay sane (the machine must stay responsive): a timer EV_ADD with
 * a period under 20 ms is made EV_ONESHOT at ident >= 4; only idents 0..3
 * may hold periodic timers.
 *
 * Oracle: the VM harness fails the run on any kernel splat or kmemleak
 * report. This program fails on a kevent() result outside [-1, nevents], an
 * errno outside the ABI's set, a returned entry with ext[] != 0 or flags,
 * filter, fflags or data its filter cannot report, an EV_ERROR entry with a
 * bad errno or matching no change in order, errors mixed with events,
 * entries reported past a PROT_NONE page or into unwritable memory, a child
 * that can use an inherited kqueue, a worker without progress for STUCK_S s;
 * and afterwards, a fresh kqueue that does not work or a per-user knote or
 * timer budget that did not come back whole (a leaked count).
 *
 * KQ_FUZZ_SECONDS (default 6): duration. KQ_FUZZ_SEED: the seed (printed;
 * the random streams replay, the thread interleaving does not).
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define NTHREADS 4
#define NSLOTS 16
#define NKQ 6			/* slots 0..NKQ-1 mostly hold kqueues */
#define SLOT(s) (200 + (s))
#define NCHG 16
#define STUCK_S 30
#define CHILD_FAIL 99		/* exit code of a child that saw a violation */
#define MAXERR 134
#define PG 4096
#define NS 1000000000LL

struct group_stats {
	atomic_long calls, raw, ok, events, err_entries, forks, execs, closes,
		signals, violations, max_call_ns, elapsed_ns;
	atomic_long err[MAXERR + 1], eerr[MAXERR + 1];	/* errnos: of calls, of EV_ERROR entries */
	atomic_long by_filter[12], child, trackerr;	/* events: [-filter] */
};

static struct shared {			/* MAP_SHARED: [0] root, [1] uid 1000 */
	struct group_stats g[2];
	_Atomic pid_t gpid[2];
} *sh;

static struct group_stats *gs;		/* this group's */
static const char *gname;
static unsigned long long seed;
static pid_t test_pid;
static int self_group;
static atomic_int stop, nstopped;
static atomic_llong progress[NTHREADS];
static _Atomic pid_t worker_tid[NTHREADS], recent_pids[8];
static pthread_t workers[NTHREADS];
static char *guard[NTHREADS];		/* per thread: RW page, PROT_NONE page, RO page */
static char *exec_argv[] = { "fuzz_kevent-exec", NULL };
static char *exec_envp[] = { "KQ_FUZZ_EXEC_CHILD=1", NULL };
static __thread uint64_t rs;
static __thread pid_t kids[4];

/* A forked child that execs this program leaves at once. */
__attribute__((constructor)) static void exec_child(void)
{
	if (getenv("KQ_FUZZ_EXEC_CHILD"))
		_exit(0);
}

static uint64_t rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 2685821657736338717ULL;
}

static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }
static int chance(int pct) { return (int)below(100) < pct; }
#define PICK(a) ((a)[below(sizeof(a) / sizeof((a)[0]))])

static void violation(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (atomic_fetch_add(&gs->violations, 1) < 10)
		printf("# VIOLATION (%s group, seed %llu): %s\n", gname, seed, buf);
}

/* Errnos the ABI allows: of the call itself (call), or in an EV_ERROR entry. */
static int errno_ok(long long e, int call)
{
	return e == EBADF || e == EINVAL || e == ENOENT || e == ENOMEM || e == ELOOP ||
	       e == ESRCH || e == EPERM || (call ? e == EFAULT || e == EINTR || e == ENOTTY : !e);
}

/* A returned event (not an error entry) must make sense for its filter. */
static void check_event(const struct kevent *e)
{
	unsigned int ff = e->fflags;
	int ok = !(e->flags & ~(EV_ONESHOT | EV_CLEAR | EV_DISPATCH | EV_EOF));

	switch (e->filter) {
	case EVFILT_READ: case EVFILT_WRITE: ok &= e->data >= 0; break;
	case EVFILT_TIMER: ok &= e->data >= 1; break;
	case EVFILT_USER: ok &= !(ff & ~NOTE_FFLAGSMASK); break;
	case EVFILT_PROC:
		ok &= ff && !(ff & ~(NOTE_EXIT | NOTE_FORK | NOTE_EXEC | NOTE_TRACKERR | NOTE_CHILD)) &&
		      (!(ff & NOTE_CHILD) || ff == NOTE_CHILD) &&
		      (!(ff & NOTE_EXIT) || (e->flags & (EV_EOF | EV_ONESHOT)) == (EV_EOF | EV_ONESHOT));
		break;
	default: ok = 0;
	}
	atomic_fetch_add(&gs->by_filter[ok ? -e->filter : 0], 1);
	atomic_fetch_add(&gs->child, e->filter == EVFILT_PROC && (ff & NOTE_CHILD));
	atomic_fetch_add(&gs->trackerr, e->filter == EVFILT_PROC && (ff & NOTE_TRACKERR));
	if (!ok)
		violation("bad event: ident %lu filter %d flags %#x fflags %#x data %lld",
			  (unsigned long)e->ident, e->filter, e->flags, ff, (long long)e->data);
}

/*
 * Judge one kevent() result. chg is NULL when the changelist is not stable
 * (aliased with the eventlist, or not the array that was passed).
 */
static void check_result(int r, int err, const struct kevent *chg, int nchg,
			 const struct kevent *ev, int nev, long long t0)
{
	long long dt = kq_now_ns() - t0, max = atomic_load(&gs->max_call_ns);
	int nerr = 0, cursor = 0;

	while (dt > max && !atomic_compare_exchange_weak(&gs->max_call_ns, &max, dt))
		;
	atomic_fetch_add(&gs->calls, 1);
	if (r < 0) {
		atomic_fetch_add(&gs->err[err >= 0 && err < MAXERR ? err : MAXERR], 1);
		if (r != -1 || !errno_ok(err, 1))
			violation("kevent returned %d, errno %d (%s)", r, err, strerror(err));
		return;
	}
	atomic_fetch_add(&gs->ok, 1);
	if (r > nev) {
		violation("kevent returned %d > nevents %d", r, nev);
		return;
	}
	for (int i = 0; i < r; i++) {
		const struct kevent *e = &ev[i];

		if (e->ext[0] || e->ext[1] || e->ext[2] || e->ext[3])
			violation("entry %d has ext[] != 0", i);
		if (!(e->flags & EV_ERROR)) {
			check_event(e);
			continue;
		}
		nerr++;
		atomic_fetch_add(&gs->eerr[e->data >= 0 && e->data < MAXERR ? e->data : MAXERR], 1);
		if (e->flags != EV_ERROR || !errno_ok(e->data, 0))
			violation("error entry flags %#x data %lld", e->flags, (long long)e->data);
		while (chg && cursor < nchg && (chg[cursor].ident != e->ident ||
						chg[cursor].filter != e->filter ||
						chg[cursor].udata != e->udata))
			cursor++;
		if (chg && cursor++ >= nchg)
			violation("error entry (%lu, %d) matches no change in order",
				  (unsigned long)e->ident, e->filter);
	}
	if (nerr && nerr != r)
		violation("%d error entries mixed with %d events", nerr, r - nerr);
	atomic_fetch_add(&gs->err_entries, nerr);
	atomic_fetch_add(&gs->events, r - nerr);
}

static void fuzz_kevent(int kq, const struct kevent *chg, int nchg,
			struct kevent *ev, int nev, const struct timespec *ts, int stable)
{
	long long t0 = kq_now_ns();
	int r = kevent(kq, chg, nchg, ev, nev, ts);

	check_result(r, errno, stable ? chg : NULL, nchg, ev, nev, t0);
}

static int pick_kq(void)
{
	static const int bad[] = { -1, -100, INT_MAX, 100000, SLOT(NSLOTS), 0, 1, 2 };

	if (chance(85))
		return SLOT(below(NKQ));
	return chance(50) ? SLOT((int)(NKQ + below(NSLOTS - NKQ))) : PICK(bad);
}

static uint64_t pick_pid(void)
{
	switch (below(9)) {
	case 0: case 1: return getpid();
	case 2: return recent_pids[below(8)];
	case 3: return 1;
	case 4: return test_pid;
	case 5: return sh->gpid[!self_group];
	case 6: return worker_tid[below(NTHREADS)];	/* a thread: ESRCH */
	case 7: return below(1 << 22);
	default: return rnd();
	}
}

/* One change; wild: odd filters and bit soup too. */
static void gen_change(struct kevent *c, int wild)
{
	static const short filters[] = { EVFILT_READ, EVFILT_WRITE, EVFILT_PROC,
					 EVFILT_TIMER, EVFILT_USER };
	static const short odd[] = { EVFILT_AIO, EVFILT_VNODE, EVFILT_SIGNAL,
		EVFILT_PROCDESC, EVFILT_FS, EVFILT_LIO, EVFILT_SENDFILE, EVFILT_EMPTY,
		0, -14, 1, 7, SHRT_MIN, SHRT_MAX };
	static const unsigned short acts[] = { EV_ADD, EV_ADD, EV_ADD, EV_DELETE,
					       EV_ENABLE, EV_DISABLE, 0, EV_ADD | EV_DISABLE };
	static const unsigned short mods[] = { EV_ONESHOT, EV_CLEAR, EV_DISPATCH,
					       EV_RECEIPT, EV_KEEPUDATA };
	static const unsigned int units[] = { 0, NOTE_SECONDS, NOTE_MSECONDS,
		NOTE_USECONDS, NOTE_NSECONDS, NOTE_SECONDS | NOTE_NSECONDS };
	short f = wild && chance(20) ? PICK(odd) : PICK(filters);
	unsigned short flags = PICK(acts);
	unsigned int ff = 0;
	uint64_t ident = below(16);
	int64_t data = below(4) ? (int64_t)below(100) : (int64_t)rnd();

	for (int i = 0; i < 5; i++)
		flags |= chance(15) ? mods[i] : 0;
	if (wild && chance(30))
		flags = rnd();
	else if (wild && chance(20))
		flags |= 1u << below(16);
	switch (f) {
	case EVFILT_READ:
	case EVFILT_WRITE:
		ident = chance(50) ? (uint64_t)SLOT(below(NKQ)) : chance(70) ?
			(uint64_t)SLOT(below(NSLOTS)) : chance(50) ? below(SLOT(NSLOTS) + 4) : rnd();
		ff = chance(30) ? NOTE_LOWAT : chance(10) ? NOTE_FILE_POLL : 0;
		data = chance(80) ? (int64_t)below(8192) : data;
		break;
	case EVFILT_PROC:
		ident = pick_pid();
		ff = (chance(50) ? NOTE_EXIT : 0) | (chance(40) ? NOTE_FORK : 0) |
		     (chance(30) ? NOTE_EXEC : 0) | (chance(40) ? NOTE_TRACK : 0) |
		     (chance(5) ? NOTE_TRACKERR | NOTE_CHILD : 0);
		break;
	case EVFILT_TIMER:
		ff = PICK(units) | (chance(10) ? NOTE_ABSTIME : 0);
		if (ff & NOTE_ABSTIME)
			data = chance(50) ? time(NULL) * (ff & NOTE_SECONDS ? 1 : 1000) : data;
		else if (chance(10))
			data = chance(50) ? -1 - (int64_t)below(1000) : INT64_MAX;
		break;
	case EVFILT_USER:
		ff = (chance(50) ? NOTE_TRIGGER : 0) | (unsigned int)(below(4) << 30) |
		     (unsigned int)below(1 << 24);
		break;
	}
	if (f != EVFILT_PROC && chance(15))
		ident = chance(50) ? rnd() : ~0ULL - below(3);
	if (wild && chance(15))
		ff = rnd();
	EV_SET(c, ident, f, flags, ff, data, chance(50) ? (void *)(uintptr_t)rnd() : NULL);
	if (chance(10))
		c->ext[below(4)] = rnd();	/* ext[] is ignored on input */
}

/*
 * Keep the machine responsive: a periodic timer must have a period of at
 * least 20 ms and live at ident 0..3; every other timer EV_ADD is oneshot
 * at ident >= 4 (a knote keeps the EV_ONESHOT it was created with).
 */
static void sanitize(struct kevent *c, int n)
{
	static const long long unit_ns[16] = { 1000000, NS, 1000000, 0, 1000, 0, 0, 0, 1 };

	for (int i = 0; i < n; i++) {
		long long unit = unit_ns[c[i].fflags & 0xf];

		if (c[i].filter != EVFILT_TIMER || !(c[i].flags & EV_ADD))
			continue;
		if (c[i].ident < 4 && !(c[i].fflags & ~0xfu) && unit &&
		    c[i].data >= 20000000 / unit)
			continue;
		c[i].ident += c[i].ident < 4 ? 4 + below(100) : 0;
		c[i].flags |= EV_ONESHOT;
	}
}

static const struct timespec *gen_timeout(struct timespec *ts)
{
	static const struct timespec odd[] = { { -1, 0 }, { 0, -1 }, { 0, NS },
		{ INT64_MIN, 0 }, { INT64_MAX, NS - 1 }, { 1, 0 } };
	int k = below(100);

	if (k < 10)
		return NULL;	/* waits until an event, a signal or a close */
	*ts = k < 45 ? (struct timespec){ 0, 0 } : k < 90 ?
		(struct timespec){ 0, (long)below(20000000) } : PICK(odd);
	return ts;
}

/* Random changes, or a valid list structurally mutated; then kevent(). */
static void op_changes(int mutate)
{
	struct kevent chg[NCHG], ev[NCHG], tmp;
	struct timespec ts;
	int n = below(NCHG + 1), nev = below(NCHG + 1), alias = chance(10);

	for (int i = 0; i < n; i++)
		gen_change(&chg[i], !mutate);
	for (int k = mutate ? 1 + below(4) : 0; k > 0 && n > 0; k--) {
		int i = below(n), j = below(n);

		switch (below(6)) {
		case 0: ((unsigned char *)&chg[i])[below(32)] ^= 1 << below(8); break;
		case 1: chg[j] = chg[i]; break;
		case 2: n = below(n + 1); break;
		case 3: chg[i].filter = 0; break;
		case 4: tmp = chg[i]; chg[i] = chg[j]; chg[j] = tmp; break;
		case 5: chg[i].flags ^= chance(50) ? EV_DELETE : EV_ENABLE | EV_DISABLE; break;
		}
	}
	sanitize(chg, n);
	fuzz_kevent(pick_kq(), chg, n, alias ? chg : ev, nev, gen_timeout(&ts), !alias);
}

static void *bad_ptr(char *g)
{
	static void *const bad[] = { NULL, (void *)1, (void *)0xffff888000000000ULL,
		(void *)0xffffffff81000000ULL, (void *)0xdead000000000000ULL,
		(void *)0x0000800000000000ULL, (void *)-64L };

	return chance(20) ? g + PG + below(PG) /* PROT_NONE */ : PICK(bad);
}

/*
 * The raw ioctl with something wrong. Arrays the kernel may write live in
 * the thread's guard page g, which ends at a PROT_NONE page: entries
 * reported past it, or into unwritable memory, are violations.
 */
static void op_raw(int t)
{
	static const int counts[] = { -1, INT_MIN, KQUEUE_MAX_KEVENTS + 1, INT_MAX,
				      KQUEUE_MAX_KEVENTS };
	char *g = guard[t];
	struct kqueue_kevent_args a = { 0 }, *ap = &a;
	struct timespec ts = { 0, (long)below(2000000) };
	int k = 1 + below(4), kq = pick_kq(), copy = 0, r, err;
	struct kevent *chg = (struct kevent *)(g + PG) - k;	/* k entries fit */
	char *out;
	long long t0;

	for (int i = 0; i < k; i++)
		gen_change(&chg[i], 1);
	sanitize(chg, k);
	a.changelist = (uintptr_t)chg;
	a.nchanges = chance(50) ? k : 0;
	a.eventlist = (uintptr_t)g;
	a.nevents = below(PG / sizeof(*chg) - k + 1);	/* stops before chg */
	a.timeout = chance(80) ? (uintptr_t)&ts : 0;
	switch (below(12)) {
	case 0: ap = bad_ptr(g); break;
	case 1: ap = (void *)(g + PG - below(sizeof(a))); break;	/* straddles */
	case 2: ap = (void *)(g + 1 + below(63)); memcpy(ap, &a, sizeof(a)); copy = 1; break;
	case 3: a.changelist = (uintptr_t)bad_ptr(g); a.nchanges = 1 + below(9); break;
	case 4: a.nchanges = k + 1 + below(8); break;		/* straddles */
	case 5: a.eventlist = (uintptr_t)bad_ptr(g); a.nevents = 1 + below(9); break;
	case 6: a.eventlist = (uintptr_t)(g + 2 * PG); a.nevents = 1 + below(9); break;	/* RO */
	case 7: a.eventlist = (uintptr_t)chg; a.nevents = k + 1 + below(64); break;	/* aliased */
	case 8: a.timeout = chance(50) ? (uintptr_t)bad_ptr(g) : (uintptr_t)(g + PG - below(16)); break;
	case 9:
		if (chance(50)) {
			a.nchanges = PICK(counts);
			break;
		}
		a.nevents = PICK(counts);
		a.eventlist = (uintptr_t)(g + PG) - sizeof(*chg) * (1 + below(8));
		a.changelist = (uintptr_t)(g + 2 * PG);	/* zeroes: skipped */
		break;
	case 10: a.reserved = rnd() | 1; break;
	case 11: a.changelist = (uintptr_t)(g + 2 * PG); a.nchanges = below(PG / 64 + 1); break;
	}
	t0 = kq_now_ns();
	errno = 0;
	r = ioctl(kq, KQUEUE_IOC_KEVENT, ap);
	err = errno;
	atomic_fetch_add(&gs->raw, 1);
	out = (char *)(uintptr_t)a.eventlist;
	if ((ap == &a || copy) && out >= g && out < g + PG && a.nevents >= 0) {
		long room = (g + PG - out) / (long)sizeof(*chg);
		int stable = a.changelist == (uintptr_t)chg &&
			     (r <= 0 || out + (long)r * sizeof(*chg) <= (char *)chg);

		if (r > room)
			violation("raw kevent returned %d entries, %ld fit before PROT_NONE", r, room);
		check_result(r, err, stable ? chg : NULL, a.nchanges < k ? a.nchanges : k,
			     (struct kevent *)out, r > room ? (int)room : a.nevents, t0);
	} else {
		if (r > 0)
			violation("raw kevent returned %d entries into unwritable memory", r);
		check_result(r > 0 ? 0 : r, err, NULL, 0, NULL, 0, t0);
	}
}

/* Move fd to slot s; what the slot held is closed (its knotes go). */
static void put_slot(int s, int fd)
{
	if (fd >= 0 && fd != SLOT(s)) {
		dup3(fd, SLOT(s), O_CLOEXEC);
		close(fd);
	}
}

/* A new object of a random kind in slot s (the peer of a pair in slot t). */
static void make_slot(int s, int t, int kind)
{
	int p[2], fd = -1;

	switch (kind) {
	case 0:
		fd = kqueue();
		if (fd < 0 && errno != EMFILE && errno != ENFILE && errno != ENOMEM)
			violation("kqueue(): errno %d (%s)", errno, strerror(errno));
		break;
	case 1:
	case 2:
		if (kind == 1 ? pipe2(p, O_NONBLOCK | O_CLOEXEC) :
		    socketpair(AF_UNIX, (chance(50) ? SOCK_STREAM : SOCK_DGRAM) |
			       SOCK_NONBLOCK | SOCK_CLOEXEC, 0, p))
			break;
		put_slot(t, p[1]);
		fd = p[0];
		break;
	case 3: fd = eventfd(below(2), EFD_NONBLOCK | EFD_CLOEXEC); break;
	case 4:
		fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd >= 0)
			(void)!write(fd, "0123456789", below(11));
		break;
	default: fd = open("/dev/null", O_RDWR | O_CLOEXEC); break;
	}
	put_slot(s, fd);
}

/* Close or replace descriptors of the pool, maybe while others use them. */
static void op_fds(void)
{
	int s = below(NSLOTS), t = chance(80) ? NKQ + below(NSLOTS - NKQ) : below(NSLOTS);

	atomic_fetch_add(&gs->closes, 1);
	switch (below(8)) {
	case 0: close(SLOT(s)); break;
	case 1: syscall(SYS_close_range, SLOT(s), SLOT(s + below(3)), 0); break;
	case 2: dup2(SLOT(t), SLOT(s)); break;	/* maybe the same open file */
	default: make_slot(s, t, s < NKQ && chance(80) ? 0 : below(6)); break;
	}
	if (s < NKQ && chance(50))
		make_slot(s, t, 0);	/* a new kqueue at the number just closed */
}

/* Make fds ready or hung up, trigger USER knotes. */
static void op_poke(void)
{
	int fd = SLOT(below(NSLOTS));
	char buf[4096] = { 0 };
	struct kevent kev;
	struct timespec zero = { 0, 0 };

	switch (below(6)) {
	case 0: case 1:
		(void)!write(fd, buf, chance(30) ? 8 : chance(90) ? 1 + below(64) : sizeof(buf));
		break;
	case 2: (void)!read(fd, buf, sizeof(buf)); break;
	case 3: lseek(fd, below(16), SEEK_SET); break;
	case 4: shutdown(fd, below(3)); break;
	case 5:
		EV_SET(&kev, below(16), EVFILT_USER, chance(30) ? EV_ADD : 0,
		       NOTE_TRIGGER | (unsigned int)below(4) << 30 | (unsigned int)below(256), 0, NULL);
		fuzz_kevent(pick_kq(), &kev, 1, NULL, 0, &zero, 1);
		break;
	}
}

/* Collect with a random timeout: other threads may close the kqueue meanwhile. */
static void op_wait(void)
{
	struct kevent ev[NCHG];
	struct timespec ts;

	fuzz_kevent(pick_kq(), NULL, 0, ev, 1 + below(NCHG), gen_timeout(&ts), 1);
}

/*
 * A forked child (async-signal-safe calls only): every inherited kqueue
 * must refuse it (EBADF, POLLERR); then it execs, forks a grandchild (maybe
 * undumpable first: NOTE_TRACKERR for watchers without CAP_SYS_PTRACE),
 * uses a kqueue of its own, or just exits.
 */
static void __attribute__((noreturn)) child_body(int what)
{
	struct kevent kev;
	struct timespec zero = { 0, 0 };
	int bad = 0, kq, r;
	pid_t g;
	__u32 v;

	for (int s = 0; s < NSLOTS; s++) {
		struct pollfd p = { SLOT(s), POLLIN, 0 };

		if (ioctl(SLOT(s), KQUEUE_IOC_VERSION, &v))
			continue;	/* not a kqueue */
		EV_SET(&kev, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL);
		errno = 0;
		bad |= kevent(SLOT(s), &kev, 1, &kev, 1, &zero) != -1 || errno != EBADF;
		bad |= poll(&p, 1, 0) != 1 || !(p.revents & POLLERR);
		if (chance(30))
			close(SLOT(s));	/* the owner's knotes stay */
	}
	switch (what) {
	case 0:
		execve("/proc/self/exe", exec_argv, exec_envp);
		break;
	case 1:
		if (chance(30))
			prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		g = fork();
		if (g == 0)
			_exit(0);
		while (g > 0 && waitpid(g, NULL, 0) < 0 && errno == EINTR)
			;
		break;
	case 2:
		kq = kqueue();
		EV_SET(&kev, 7, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL);
		r = kq < 0 ? 0 : kevent(kq, &kev, 1, &kev, 1, &zero);
		bad |= kq >= 0 && !(r == 1 && kev.ident == 7 && kev.filter == EVFILT_USER) &&
		       !(r == -1 && errno == ENOMEM);
		close(kq);
		break;
	}
	if (bad)
		_exit(CHILD_FAIL);
	if (chance(10))
		kill(getpid(), SIGKILL);
	_exit(below(8));
}

static void reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			violation("waitpid(%d): %s", pid, strerror(errno));
			return;
		}
	if (WIFEXITED(st) ? WEXITSTATUS(st) == CHILD_FAIL :
	    !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		violation("child %d: wait status %#x (%#x: an inherited kqueue worked, "
			  "or its own did not)", pid, st, CHILD_FAIL << 8);
}

/* Fork; watch the child (a zombie later: NOTE_EXIT at once); reap it later. */
static void op_fork(void)
{
	struct kevent kev, ev[2];
	struct timespec zero = { 0, 0 };
	int what = below(4), k = below(4);
	pid_t pid;

	if (kids[k])
		reap(kids[k]);
	kids[k] = 0;
	pid = fork();
	if (pid == 0)
		child_body(what);
	if (pid < 0)
		return;
	kids[k] = recent_pids[below(8)] = pid;
	atomic_fetch_add(&gs->forks, 1);
	atomic_fetch_add(&gs->execs, what == 0);
	EV_SET(&kev, pid, EVFILT_PROC, EV_ADD | (chance(30) ? EV_RECEIPT : 0),
	       NOTE_EXIT | (chance(50) ? NOTE_FORK | NOTE_TRACK : 0) |
	       (chance(50) ? NOTE_EXEC : 0), 0, NULL);
	fuzz_kevent(SLOT(below(NKQ)), &kev, 1, ev, 2, &zero, 1);
}

static void *worker(void *arg)
{
	int t = (int)(intptr_t)arg;

	rs = (seed + 1) * 0x9E3779B97F4A7C15ULL + self_group * 64 + t + 1;
	worker_tid[t] = gettid();
	while (!atomic_load(&stop)) {
		int op = below(100);

		if (op < 30) op_changes(0);
		else if (op < 45) op_changes(1);
		else if (op < 60) op_raw(t);
		else if (op < 71) op_fds();
		else if (op < 82) op_poke();
		else if (op < 84) op_fork();
		else op_wait();
		atomic_store(&progress[t], kq_now_ns());
	}
	for (int k = 0; k < 4; k++)
		if (kids[k])
			reap(kids[k]);
	atomic_fetch_add(&nstopped, 1);
	return NULL;
}

/* The module's parameters: the root group changes them during the fuzz. */
static const char *const params[3] = { "/sys/module/kqueue/parameters/max_knotes_per_user",
				       "/sys/module/kqueue/parameters/max_timers_per_user",
				       "/sys/module/kqueue/parameters/force_trackerr" };
static long saved_param[3] = { -1, -1, -1 };

static long param(int i, long value)	/* value < 0: read it */
{
	char buf[32] = { 0 };
	int fd = open(params[i], value < 0 ? O_RDONLY : O_WRONLY), len;
	long r = -1;

	if (fd >= 0 && value < 0)
		r = read(fd, buf, sizeof(buf) - 1) <= 0 ? -1 : *buf == 'Y' ? 1 : *buf == 'N' ? 0 : atol(buf);
	else if (fd >= 0)
		len = snprintf(buf, sizeof(buf), "%ld\n", value), r = write(fd, buf, len) == len ? 0 : -1;
	close(fd);
	return r;
}

static void restore_params(void)
{
	for (int i = 0; i < 3; i++)
		if (saved_param[i] >= 0)
			param(i, saved_param[i]);
}

static void on_signal(int sig) { (void)sig; }

/* One worker group, in its own process: returns its exit status. */
static int run_group(int g, int seconds)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART: EINTR */
	long long start, end;
	int stuck = 0;

	self_group = g;
	gs = &sh->g[g];
	gname = g ? "uid 1000" : "root";
	rs = seed * 31 + g + 1;
	if (g && (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
		  setresuid(1000, 1000, 1000) || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))) {
		violation("cannot become uid 1000: %s", strerror(errno));
		return 1;
	}
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (int s = 0; s < NSLOTS; s++)
		make_slot(s, s < NKQ ? s : NKQ + (s + 1 - NKQ) % (NSLOTS - NKQ), s < NKQ ? 0 : s % 6);
	for (int t = 0; t < NTHREADS; t++) {
		guard[t] = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (guard[t] == MAP_FAILED || mprotect(guard[t] + PG, PG, PROT_NONE) ||
		    mprotect(guard[t] + 2 * PG, PG, PROT_READ)) {
			violation("guard pages: %s", strerror(errno));
			return 1;
		}
	}
	start = kq_now_ns();
	for (int t = 0; t < NTHREADS; t++) {
		progress[t] = start;
		if (pthread_create(&workers[t], NULL, worker, (void *)(intptr_t)t)) {
			violation("pthread_create failed");
			return 1;
		}
	}
	/* Monitor: interrupt workers at random, watch their progress. */
	for (end = start + seconds * NS; kq_now_ns() < end && !stuck;) {
		sleep_ms(5);
		if (chance(50) && !pthread_kill(workers[below(NTHREADS)], SIGUSR1))
			atomic_fetch_add(&gs->signals, 1);
		if (!g && chance(6)) {	/* limits low and back (ENOMEM paths), NOTE_TRACKERR */
			int i = below(3);

			param(i, i == 2 ? (long)below(2) : chance(50) ? saved_param[i] : 8 + (long)below(100));
		}
		for (int t = 0; t < NTHREADS && !stuck; t++)
			if (kq_now_ns() - atomic_load(&progress[t]) > STUCK_S * NS) {
				violation("worker %d made no progress for %d s", t, STUCK_S);
				stuck = 1;
			}
	}
	atomic_store(&stop, 1);
	for (end = kq_now_ns() + STUCK_S * NS; !stuck && atomic_load(&nstopped) < NTHREADS;) {
		if (kq_now_ns() > end) {
			violation("workers did not stop within %d s", STUCK_S);
			stuck = 1;
		}
		for (int t = 0; t < NTHREADS; t++)
			pthread_kill(workers[t], SIGUSR1);	/* ends waits without timeout */
		sleep_ms(2);
	}
	gs->elapsed_ns = kq_now_ns() - start;
	if (!g)
		restore_params();
	if (stuck)
		return 1;
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(workers[t], NULL);
	syscall(SYS_close_range, SLOT(0), SLOT(NSLOTS - 1), 0);
	return atomic_load(&gs->violations) != 0;
}

/*
 * Under limits of 64 knotes and 16 timers, exactly 16 timers fit, then
 * exactly 48 more knotes: returns 0 if so. Retries for 5 s (frees may be
 * deferred to an RCU grace period).
 */
static int budget_is_whole(void)
{
	long long end = kq_now_ns() + 5 * NS;

	for (;;) {
		int kq = kqueue(), nt = 0, nu = 0, et, eu;

		if (kq < 0)
			return 1;
		while (nt <= 16 && !kq_change(kq, 100 + nt, EVFILT_TIMER, EV_ADD | EV_ONESHOT,
					      NOTE_SECONDS, 3600, NULL))
			nt++;
		et = errno;
		while (nt + nu <= 64 && !kq_change(kq, nu, EVFILT_USER, EV_ADD, 0, 0, NULL))
			nu++;
		eu = errno;
		close(kq);
		if (nt == 16 && et == ENOMEM && nt + nu == 64 && eu == ENOMEM)
			return 0;
		if (kq_now_ns() > end) {
			printf("# uid %d: %d of 16 timers (then errno %d), %d of 64 knotes "
			       "(then errno %d): a count leaked\n", (int)getuid(), nt, et, nt + nu, eu);
			return 1;
		}
		sleep_ms(50);
	}
}

/*
 * Kqueues that keep root's and uid 1000's counters alive across the fuzz
 * (the module frees a user's counters with its last kqueue, so a leaked
 * count would vanish with them); uid 1000's is held by a child that checks
 * its budget when told to, after the fuzz.
 */
static int anchor_kq = -1, budget_pipe[2] = { -1, -1 };
static pid_t budget_child = -1;

static void hold_counters(void)
{
	char c;

	anchor_kq = kqueue();
	if (pipe2(budget_pipe, O_CLOEXEC))
		return;
	budget_child = fork();
	if (budget_child == 0) {
		close(budget_pipe[1]);
		if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) ||
		    setresuid(1000, 1000, 1000) || kqueue() < 0)
			_exit(2);
		_exit(read(budget_pipe[0], &c, 1) == 1 ? budget_is_whole() : 3);
	}
	close(budget_pipe[0]);
}

static void print_figures(int seconds)
{
	static const char *const names[MAXERR] = { [EBADF] = "EBADF", [EINVAL] = "EINVAL",
		[ENOENT] = "ENOENT", [EFAULT] = "EFAULT", [ENOMEM] = "ENOMEM", [EINTR] = "EINTR",
		[ELOOP] = "ELOOP", [ESRCH] = "ESRCH", [EPERM] = "EPERM", [ENOTTY] = "ENOTTY",
		[0] = "0" };
	long calls = 0, forks = 0, closes = 0, viol = 0;

	for (int g = 0; g < 2; g++) {
		struct group_stats *s = &sh->g[g];

		printf("# fuzz %s: %.1f s, %ld kevent calls (%ld raw ioctl), %ld ok, %ld events, "
		       "%ld error entries, %ld forks (%ld exec), %ld fd closes/replacements, "
		       "%ld signals, longest call %.3f s, %ld violations\n# fuzz %s failed calls:",
		       g ? "uid 1000" : "root", s->elapsed_ns / 1e9, (long)s->calls,
		       (long)s->raw, (long)s->ok, (long)s->events, (long)s->err_entries,
		       (long)s->forks, (long)s->execs, (long)s->closes, (long)s->signals,
		       s->max_call_ns / 1e9, (long)s->violations, g ? "uid 1000" : "root");
		for (int h = 0; h < 2; h++) {
			atomic_long *n = h ? s->eerr : s->err;

			printf(h ? ";  EV_ERROR data:" : "");
			for (int e = 0; e <= MAXERR; e++)
				if (n[e] && e < MAXERR && names[e])
					printf(" %s %ld", names[e], (long)n[e]);
				else if (n[e])
					printf(" %d: %ld", e, (long)n[e]);
		}
		printf("\n# fuzz %s events: READ %ld WRITE %ld TIMER %ld USER %ld PROC %ld "
		       "(NOTE_CHILD %ld, NOTE_TRACKERR %ld)\n", g ? "uid 1000" : "root",
		       (long)s->by_filter[1], (long)s->by_filter[2], (long)s->by_filter[7],
		       (long)s->by_filter[11], (long)s->by_filter[5], (long)s->child, (long)s->trackerr);
		calls += s->calls;
		forks += s->forks;
		closes += s->closes;
		viol += s->violations;
	}
	printf("# fuzz: seed %llu, %d s, 2 users x %d threads, %ld kevent calls, %ld forks, "
	       "%ld closes, %ld violations\n", seed, seconds, NTHREADS, calls, forks, closes, viol);
}

KQ_TEST(fuzz_as_root_and_user_for_bounded_time)
{
	const char *env = getenv("KQ_FUZZ_SECONDS"), *senv = getenv("KQ_FUZZ_SEED");
	int seconds = env && atoi(env) > 0 ? atoi(env) : 6, status[2] = { -1, -1 };
	long long deadline;

	seed = senv ? strtoull(senv, NULL, 0) : (unsigned long long)kq_now_ns() ^ getpid();
	test_pid = getpid();
	for (int i = 0; i < 3; i++)
		saved_param[i] = param(i, -1);
	ASSERT(saved_param[0] > 0 && saved_param[1] > 0 && saved_param[2] >= 0);
	atexit(restore_params);
	hold_counters();
	printf("# fuzz: seed %llu (KQ_FUZZ_SEED), %d s (KQ_FUZZ_SECONDS), %d threads as root "
	       "and %d as uid 1000\n", seed, seconds, NTHREADS, NTHREADS);
	kq_watchdog_arm(seconds + 4 * STUCK_S + 120);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT(sh != MAP_FAILED);
	fflush(stdout);
	for (int g = 0; g < 2; g++) {
		pid_t pid = fork();

		if (pid == 0) {
			int r = run_group(g, seconds);

			fflush(stdout);
			_exit(r);
		}
		ASSERT(pid > 0);
		sh->gpid[g] = pid;
	}
	deadline = kq_now_ns() + (seconds + 3 * STUCK_S) * NS;
	for (int g = 0; g < 2; g++)
		while (waitpid(sh->gpid[g], &status[g], WNOHANG) == 0) {
			if (kq_now_ns() > deadline) {
				printf("# %s group did not finish: killed\n", g ? "uid 1000" : "root");
				kill(sh->gpid[g], SIGKILL);
				waitpid(sh->gpid[g], &status[g], 0);
				break;
			}
			sleep_ms(20);
		}
	restore_params();
	print_figures(seconds);
	for (int g = 0; g < 2; g++) {
		struct group_stats *s = &sh->g[g];

		EXPECT_EQ(status[g], 0);
		EXPECT_EQ(s->violations, 0);
		/* The fuzzer reached the paths that matter, not only EBADF/EINVAL. */
		EXPECT(s->calls >= 200);
		EXPECT(s->ok * 5 >= s->calls);
		EXPECT(s->events > 0 && s->err_entries > 0 && s->forks > 0);
		EXPECT(s->err[EFAULT] > 0 && s->err[EBADF] > 0 && s->err[EINVAL] > 0);
	}
}

KQ_TEST(kqueue_works_after_fuzz)
{
	struct kevent ev[2];
	int kq = kqueue(), kq2 = kqueue(), kq3 = kqueue(), p[2], st;
	pid_t pid;

	ASSERT(kq >= 0 && kq2 >= 0 && kq3 >= 0 && pipe(p) == 0);
	EXPECT_EQ(kq_change(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_TRIGGER, 0, UDATA(42)), 0);
	EXPECT_EQ(kq_wait(kq, ev, 2, 1000), 1);
	EXPECT(ev[0].ident == 1 && ev[0].filter == EVFILT_USER && ev[0].udata == UDATA(42));
	EXPECT_EQ(kq_change(kq, 2, EVFILT_TIMER, EV_ADD | EV_ONESHOT, NOTE_MSECONDS, 5, NULL), 0);
	EXPECT_EQ(kq_wait(kq, ev, 2, 5000), 1);
	EXPECT(ev[0].ident == 2 && ev[0].filter == EVFILT_TIMER && ev[0].data == 1);
	/* kq2 watches kq, which watches a pipe. */
	EXPECT_EQ(kq_change(kq2, kq, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EQ(kq_change(kq, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	EXPECT_EQ(write(p[1], "x", 1), 1);
	EXPECT_EQ(kq_wait(kq2, ev, 2, 1000), 1);
	EXPECT(ev[0].ident == (uintptr_t)kq && ev[0].filter == EVFILT_READ && ev[0].data == 1);
	/* A fresh child's exit status. */
	pid = fork();
	if (pid == 0)
		_exit(3);
	ASSERT(pid > 0);
	EXPECT_EQ(kq_change(kq3, pid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, NULL), 0);
	EXPECT_EQ(kq_wait(kq3, ev, 2, 5000), 1);
	EXPECT(ev[0].ident == (uintptr_t)pid && ev[0].fflags == NOTE_EXIT && ev[0].data == 3 << 8);
	EXPECT_EQ(waitpid(pid, &st, 0), pid);
	close(kq);
	close(kq2);
	close(kq3);
	close(p[0]);
	close(p[1]);
}

KQ_TEST(knote_budgets_whole_again_after_fuzz)
{
	int st = -1;

	ASSERT(saved_param[0] > 0 && saved_param[1] > 0 && anchor_kq >= 0 && budget_child > 0);
	ASSERT(param(0, 64) == 0 && param(1, 16) == 0);
	EXPECT_EQ(budget_is_whole(), 0);	/* root */
	EXPECT_EQ(write(budget_pipe[1], "x", 1), 1);	/* uid 1000 */
	EXPECT_EQ(waitpid(budget_child, &st, 0), budget_child);
	EXPECT_EQ(st, 0);
	restore_params();
	close(anchor_kq);
}
