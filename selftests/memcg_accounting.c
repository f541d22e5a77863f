// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel memory of kqueues and knotes is charged to the memory cgroup of
 * the process that creates them (uapi "LIMITS"; the module allocates with
 * GFP_KERNEL_ACCOUNT / __GFP_ACCOUNT): so a container's memory limit also
 * bounds what its processes make the module allocate, whatever the
 * per-user knote limits say.
 *
 * Needs the memory controller. The VM's init mounts no cgroup file system:
 * the program mounts what it needs itself, and FAILS (skips only case 1, on
 * a kernel without the cgroup-v1 memory controller) if
 * cgroup2, its memory controller or /proc/slabinfo is missing.
 *
 * 1. The limit (cgroup v1, first). On cgroup v2 a charge over memory.max
 * that reclaim cannot satisfy runs the memcg OOM killer: it kills the child
 * instead of failing its allocation and prints a stack dump, which the VM
 * harness rightly counts as a kernel splat (tried: SIGKILL after ~9800
 * knotes, memory.events oom_kill 1). Cgroup v1's memory.oom_control
 * (oom_kill_disable) makes the same memcg charge fail quietly instead, so
 * EV_ADD fails with ENOMEM. The program mounts the v1 memory hierarchy on
 * /tmp/kq_memcg_v1; a child whose cgroup may grow 2 MB past its usage adds
 * EVFILT_USER knotes until EV_ADD fails: ENOMEM, thousands of knotes in,
 * nowhere near the per-user knote limit (raised out of the way meanwhile),
 * with the cgroup's failcnt up and no OOM kill; this process, outside that
 * cgroup, still adds knotes and gets events; raising the limit lets the
 * child add knotes again. The child's knote table is grown beforehand
 * (tables never shrink) so that what meets the limit is a knote, not a
 * best-effort table growth. v1 goes first: objects charged under v1 and
 * freed under v2 are harmless, but the other order makes the kernel
 * uncharge v1-only counters that v2 never charged ("page_counter
 * underflow" warnings). The v1 hierarchy is unmounted only once its
 * removed cgroup is really gone, or the controller would stay bound to it.
 *
 * 2. The charges (cgroup v2, mounted on /sys/fs/cgroup if nothing is). Two
 * forked workers in sibling cgroups; this process stays in the root:
 *
 *   /sys/fs/cgroup (root, +memory)   this program
 *   |- kq_memcg_child                the child: opens kqueues, adds knotes
 *   '- kq_memcg_sibling              the sibling: idle, then adds knotes
 *
 * Each step (kqueues; EVFILT_USER, EVFILT_TIMER, EVFILT_READ knotes) makes
 * a few MB of kernel objects. Its cost is measured twice: the growth of the
 * worker's cgroup (memory.stat "kernel", exact to a page per cpu, and
 * memory.current, which also holds up to 64 pre-charged pages per cpu),
 * and the growth of every slab cache the module's objects can be in,
 * charged or not (the kmalloc caches and filp in /proc/slabinfo, plus
 * vmalloc). The step passes if the worker's cgroup grew by at least 80% of
 * that (it is ~100% when everything is charged: a kqueue whose struct kqsys
 * is not charged makes ~72%, one whose module objects are not charged
 * ~30%, the kernel charging only its struct file; an uncharged knote ~0%)
 * and the other worker's cgroup by less than an eighth of it. Then the
 * child closes its kqueues: most of the charge goes away (the module frees
 * after an RCU-tasks-trace grace period, so the drop is waited for).
 * Workers touch all their memory (mlockall) before they are moved, so that
 * their cgroups see little but what the module allocates.
 */
#define KQ_TEST_MAIN
#include "kq_test.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

KQ_WATCHDOG(180);

#define CG2_ROOT "/sys/fs/cgroup"
#define CG_CHILD CG2_ROOT "/kq_memcg_child"
#define CG_SIBLING CG2_ROOT "/kq_memcg_sibling"
#define V1_ROOT "/tmp/kq_memcg_v1"
#define V1_CHILD V1_ROOT "/kq_limit"
#define KNOTES_PARAM "/sys/module/kqueue/parameters/max_knotes_per_user"
#define TIMERS_PARAM "/sys/module/kqueue/parameters/max_timers_per_user"

#define N_KQUEUES 3000
#define N_USER 12000
#define N_TIMER 8000
#define N_READ 5000
#define N_SIBLING 12000

#define MIN_SHARE 0.80		/* a cgroup's growth / the system's, at least */
#define MAX_OTHER_SHARE 8	/* the other cgroup grows by less than / this */

#define LIMIT_HEADROOM (2L << 20)	/* the v1 child may grow this much */
#define PREGROW 16385	/* knotes: the table then has 16384 buckets ... */
#define LIMIT_CAP 30000	/* ... and does not grow again below 32768 */

/* ---- small file helpers ---------------------------------------------------- */

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static int write_long(const char *path, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", v);
	return write_str(path, buf);
}

static int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while (got < (ssize_t)size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return 0;
}

static long read_long(const char *path)
{
	char buf[64];

	if (read_text(path, buf, sizeof(buf)))
		return -1;
	return atol(buf);
}

/* "key value" line of a file such as memory.stat; -1 if missing. */
static long read_key(const char *path, const char *key)
{
	static char buf[16384];
	size_t len = strlen(key);
	char *line;

	if (read_text(path, buf, sizeof(buf)))
		return -1;
	for (line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, key, len) && line[len] == ' ')
			return atol(line + len + 1);
	return -1;
}

/* "Key:   N kB" of /proc/meminfo, in bytes. */
static long meminfo(const char *key)
{
	static char buf[8192];
	size_t len = strlen(key);
	char *p;

	if (read_text("/proc/meminfo", buf, sizeof(buf)))
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, len) && p[len] == ':')
			return atol(p + len + 1) * 1024;
	return -1;
}

/*
 * The memory of every slab cache the module's objects can live in, charged
 * or not: the kmalloc caches (kmalloc-N, kmalloc-cg-N, ...; a cache merged
 * into one of them counts too) and filp (a kqueue's struct file), from
 * /proc/slabinfo, plus all of vmalloc (kvzalloc's fallback). Debug kernels
 * add slab memory that nobody is charged for (kmemleak's and
 * debug_objects' metadata, KASAN's quarantine of freed objects, e.g. of
 * getname()'s names_cache): the whole of /proc/meminfo's Slab would count
 * that too, these caches mostly do not.
 */
static long system_kernel_bytes(void)
{
	char line[512], name[64];
	long act, num, osz, per, pps, as, ns, total = 0;
	FILE *f = fopen("/proc/slabinfo", "r");
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld %ld %ld %ld %ld : tunables %*d %*d %*d :"
			   " slabdata %ld %ld", name, &act, &num, &osz, &per, &pps,
			   &as, &ns) != 8)
			continue;
		if (!strncmp(name, "kmalloc", 7) || !strcmp(name, "filp")) {
			total += ns * pps * getpagesize();
			found++;
		}
	}
	fclose(f);
	return found ? total + meminfo("VmallocUsed") : -1;
}

/*
 * Wait until the system's kernel memory stops moving (frees of earlier
 * steps wait for grace periods): two readings 100 ms apart within 64 KB.
 */
static void settle(void)
{
	long long end = kq_now_ns() + 5000 * MS;
	long prev = system_kernel_bytes(), now;

	while (kq_now_ns() < end) {
		sleep_ms(100);
		now = system_kernel_bytes();
		if (labs(now - prev) < 65536)
			return;
		prev = now;
	}
	printf("# settle: still moving after 5 s\n");
}

static long saved_knotes = -1, saved_timers = -1;

static void restore_params(void)
{
	if (saved_knotes > 0)
		write_long(KNOTES_PARAM, saved_knotes);
	if (saved_timers > 0)
		write_long(TIMERS_PARAM, saved_timers);
}

/* ---- the workers, driven through shared memory --------------------------------- */

enum cmd {
	CMD_NONE, CMD_KQUEUES, CMD_USER, CMD_TIMER, CMD_READ, CMD_CLOSE,
	CMD_FILL, CMD_MORE, CMD_EXIT,
};

struct shared {
	volatile int cmd;	/* parent -> worker: next step */
	volatile int done;	/* worker -> parent: last step finished */
	volatile int ready;	/* worker prepared (touched its memory) */
	volatile long result;	/* count of objects made */
	volatile long err;	/* errno after a failure */
};

struct worker {
	pid_t pid;
	struct shared *sh;
};

/* The child (in C) and the sibling (in P); sh points into a shared page. */
static struct worker child = { -1, NULL }, sibling = { -1, NULL };

static void wait_cmd(struct shared *sh, int cmd)
{
	while (sh->cmd != cmd && sh->cmd != CMD_EXIT)
		usleep(1000);
}

/* Run step cmd in w and wait (bounded) for it to finish; 0 if it did. */
static int run_step(struct worker *w, int cmd, long ms)
{
	long long end = kq_now_ns() + ms * MS;

	w->sh->cmd = cmd;
	while (w->sh->done != cmd) {
		if (kq_now_ns() > end || kill(w->pid, 0)) {
			printf("# worker %d did not finish step %d\n", (int)w->pid, cmd);
			return -1;
		}
		usleep(1000);
	}
	return 0;
}

/*
 * Break copy-on-write of every page the worker may write, and grow its
 * stack, while it is still in the parent's cgroup: afterwards its own
 * cgroup sees (almost) nothing but what the module allocates.
 */
static void worker_prefault(void)
{
	volatile char stack[256 << 10];

	memset((char *)stack, 1, sizeof(stack));
	if (mlockall(MCL_CURRENT))
		_exit(90);
}

/* The v2 child: one step per command, every object kept until CMD_CLOSE. */
static void child_v2(struct shared *sh)
{
	static int kqs[N_KQUEUES];
	static int fds[N_READ];
	struct kevent *ch = calloc(N_USER, sizeof(*ch));
	struct rlimit rl = { N_KQUEUES + N_READ + 64, N_KQUEUES + N_READ + 64 };
	int p[2], i, r;

	if (!ch || setrlimit(RLIMIT_NOFILE, &rl) || pipe(p))
		_exit(91);
	/* READ knotes watch N_READ descriptors of one pipe: make them now. */
	for (i = 0; i < N_READ; i++)
		if ((fds[i] = dup(p[0])) < 0)
			_exit(92);
	/* Grow the descriptor table to its final size now, too. */
	if (dup2(p[0], N_KQUEUES + N_READ + 32) < 0)
		_exit(93);
	close(N_KQUEUES + N_READ + 32);
	worker_prefault();
	sh->ready = 1;

	wait_cmd(sh, CMD_KQUEUES);
	for (i = 0; i < N_KQUEUES && (kqs[i] = kqueue()) >= 0; i++)
		;
	sh->result = i;
	sh->err = errno;
	sh->done = CMD_KQUEUES;

	wait_cmd(sh, CMD_USER);
	for (i = 0; i < N_USER; i++)
		EV_SET(&ch[i], i, EVFILT_USER, EV_ADD, 0, 0, NULL);
	r = kevent(kqs[0], ch, N_USER, NULL, 0, NULL);
	sh->result = r == 0 ? N_USER : -1;
	sh->err = errno;
	sh->done = CMD_USER;

	wait_cmd(sh, CMD_TIMER);
	for (i = 0; i < N_TIMER; i++)
		EV_SET(&ch[i], i, EVFILT_TIMER, EV_ADD, NOTE_SECONDS, 3600, NULL);
	r = kevent(kqs[1], ch, N_TIMER, NULL, 0, NULL);
	sh->result = r == 0 ? N_TIMER : -1;
	sh->err = errno;
	sh->done = CMD_TIMER;

	wait_cmd(sh, CMD_READ);
	for (i = 0; i < N_READ; i++)
		EV_SET(&ch[i], fds[i], EVFILT_READ, EV_ADD, 0, 0, NULL);
	r = kevent(kqs[2], ch, N_READ, NULL, 0, NULL);
	sh->result = r == 0 ? N_READ : -1;
	sh->err = errno;
	sh->done = CMD_READ;

	wait_cmd(sh, CMD_CLOSE);
	for (i = 0; i < N_KQUEUES; i++)
		close(kqs[i]);
	sh->done = CMD_CLOSE;

	wait_cmd(sh, CMD_EXIT);
	_exit(0);
}

/* The v2 sibling: idle, then (CMD_USER) knotes of its own. */
static void sibling_v2(struct shared *sh)
{
	struct kevent *ch = calloc(N_SIBLING, sizeof(*ch));
	int kq = kqueue(), i;

	if (!ch || kq < 0)
		_exit(91);
	for (i = 0; i < N_SIBLING; i++)
		EV_SET(&ch[i], i, EVFILT_USER, EV_ADD, 0, 0, NULL);
	worker_prefault();
	sh->ready = 1;

	wait_cmd(sh, CMD_USER);
	sh->result = kevent(kq, ch, N_SIBLING, NULL, 0, NULL) == 0 ? N_SIBLING : -1;
	sh->err = errno;
	sh->done = CMD_USER;

	wait_cmd(sh, CMD_EXIT);
	_exit(0);
}

/* The v1 child: a pre-grown table, then USER knotes until EV_ADD fails. */
static void child_v1(struct shared *sh)
{
	struct kevent *ch = calloc(PREGROW, sizeof(*ch));
	int kq = kqueue(), i, n;

	if (!ch || kq < 0)
		_exit(94);
	/*
	 * Grow the knote table (never shrinks) to 16384 buckets here, in
	 * the parent's cgroup: the knotes the limit stops are then the
	 * knotes' own allocations, not a best-effort table growth.
	 */
	for (i = 0; i < PREGROW; i++)
		EV_SET(&ch[i], i, EVFILT_USER, EV_ADD, 0, 0, NULL);
	if (kevent(kq, ch, PREGROW, NULL, 0, NULL))
		_exit(95);
	for (i = 0; i < PREGROW; i++)
		EV_SET(&ch[i], i, EVFILT_USER, EV_DELETE, 0, 0, NULL);
	if (kevent(kq, ch, PREGROW, NULL, 0, NULL))
		_exit(96);
	worker_prefault();
	sh->ready = 1;

	wait_cmd(sh, CMD_FILL);
	for (n = 0; n < LIMIT_CAP; n++)
		if (kq_change(kq, 1000000 + n, EVFILT_USER, EV_ADD, 0, 0, NULL))
			break;
	sh->err = n < LIMIT_CAP ? errno : 0;
	sh->result = n;
	sh->done = CMD_FILL;

	wait_cmd(sh, CMD_MORE);
	for (i = 0; i < 100; i++)
		if (kq_change(kq, 2000000 + i, EVFILT_USER, EV_ADD, 0, 0, NULL))
			break;
	sh->err = i < 100 ? errno : 0;
	sh->result = i;
	sh->done = CMD_MORE;

	wait_cmd(sh, CMD_EXIT);
	close(kq);
	_exit(0);
}

/* Fork fn into w and wait until it is ready; 0 on success. */
static int spawn(struct worker *w, void (*fn)(struct shared *))
{
	long long end = kq_now_ns() + 30000 * MS;

	memset((void *)w->sh, 0, sizeof(*w->sh));
	w->pid = fork();
	if (w->pid == 0) {
		fn(w->sh);
		_exit(0);
	}
	if (w->pid < 0)
		return -1;
	while (!w->sh->ready && kq_now_ns() < end && !kill(w->pid, 0))
		usleep(1000);
	if (w->sh->ready)
		return 0;
	printf("# worker not ready\n");
	kill(w->pid, SIGKILL);
	waitpid(w->pid, NULL, 0);
	w->pid = -1;
	return -1;
}

/* Tell the worker to stop and reap it; returns its wait status. */
static int finish(struct worker *w)
{
	int status = -1;

	if (w->pid <= 0)
		return -1;
	w->sh->cmd = CMD_EXIT;
	if (waitpid(w->pid, &status, 0) != w->pid)
		status = -1;
	w->pid = -1;
	return status;
}

static void kill_worker(struct worker *w)
{
	if (w->pid > 0) {
		kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
		w->pid = -1;
	}
}

/* ---- cgroup v1: the limit ------------------------------------------------------- */

static int v1_mounted;

static long v1_read(const char *file)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", V1_CHILD, file);
	return read_long(path);
}

static long v1_key(const char *file, const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", V1_CHILD, file);
	return read_key(path, key);
}

static int v1_write(const char *file, long v)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", V1_CHILD, file);
	return write_long(path, v);
}

/* The memory controller's count of cgroups in /proc/cgroups (dying ones too). */
static int memory_cgroups(void)
{
	char line[256], name[64];
	int hier, num = -1, enabled;
	FILE *f = fopen("/proc/cgroups", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %d %d %d", name, &hier, &num, &enabled) == 4 &&
		    !strcmp(name, "memory"))
			break;
	fclose(f);
	return num;
}

/*
 * Does the kernel have the v1 memory controller? The kernel lists the v1
 * file systems it can mount in /proc/filesystems ("cgroup") and the
 * controllers in /proc/cgroups, but a kernel built without MEMCG_V1 still
 * lists "memory" there (for v2): only the mount can tell, and it fails with
 * EINVAL or ENOENT for a controller that v1 does not offer.
 */
static int v1_available(void)
{
	int ok;

	mkdir(V1_ROOT, 0755);
	if (!mount("kq_memcg_v1", V1_ROOT, "cgroup", 0, "memory")) {
		umount(V1_ROOT);
		rmdir(V1_ROOT);
		return 1;
	}
	/* EBUSY: v1 exists, v1_setup() waits for it. 6.12+: EINVAL, then ENOENT. */
	ok = errno != ENOENT && errno != EINVAL;
	printf("# cgroup v1 memory controller: mount says %s\n", strerror(errno));
	rmdir(V1_ROOT);
	return ok;
}

/* Mount the v1 memory hierarchy; the v2 side must have let go of it. */
static int v1_setup(void)
{
	long long start = kq_now_ns(), end = start + 20000 * MS;

	mkdir(V1_ROOT, 0755);
	while (mount("kq_memcg_v1", V1_ROOT, "cgroup", 0, "memory")) {
		if (errno != EBUSY || kq_now_ns() > end) {
			char stat[256] = "";

			read_text(CG2_ROOT "/cgroup.stat", stat, sizeof(stat));
			printf("# FAIL: cannot mount the cgroup v1 memory controller: %s\n",
			       strerror(errno));
			printf("# cgroup2 root's cgroup.stat: %s\n", stat);
			return -1;
		}
		sleep_ms(50);	/* another hierarchy (dying cgroups) still holds it */
	}
	printf("# cgroup v1 memory mounted after %lld ms\n", (kq_now_ns() - start) / MS);
	v1_mounted = 1;
	rmdir(V1_CHILD);
	return mkdir(V1_CHILD, 0755);
}

static void v1_teardown(void)
{
	long long end = kq_now_ns() + 10000 * MS;

	kill_worker(&child);
	if (!v1_mounted)
		return;
	while (rmdir(V1_CHILD) && errno == EBUSY && kq_now_ns() < end)
		sleep_ms(50);
	/*
	 * Unmount only once the removed cgroup is gone for good: a v1
	 * hierarchy unmounted with a dying child stays alive, holding the
	 * memory controller away from cgroup2 until the next mount.
	 */
	while (memory_cgroups() > 1 && kq_now_ns() < end)
		sleep_ms(20);
	printf("# /proc/cgroups memory: %d cgroups before unmounting\n", memory_cgroups());
	umount(V1_ROOT);
	rmdir(V1_ROOT);
	v1_mounted = 0;
}

/* This process, outside the limited cgroup, adds knotes and gets an event. */
static void parent_is_unaffected(void)
{
	struct kevent *ch = calloc(2000, sizeof(*ch)), ev;
	int kq = kqueue();

	ASSERT(ch && kq >= 0);
	for (int i = 0; i < 2000; i++)
		EV_SET(&ch[i], i, EVFILT_USER, EV_ADD, 0, 0, NULL);
	EXPECT_EQ(kevent(kq, ch, 2000, NULL, 0, NULL), 0);
	EXPECT_EQ(kq_change(kq, 1999, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	EXPECT_EQ(kq_wait(kq, &ev, 1, 2000), 1);
	EXPECT_EQ(ev.ident, 1999);
	close(kq);
	free(ch);
}

KQ_TEST(a_memory_limit_stops_knote_creation_with_enomem)
{
	long usage, limit, after, failcnt, n, per;
	int status;

	ASSERT_EQ(geteuid(), 0);
	ASSERT(saved_knotes > 0);
	/* The per-user limit must not be what stops the child. */
	ASSERT_EQ(write_long(KNOTES_PARAM, 1L << 24), 0);
	ASSERT_EQ(read_long(KNOTES_PARAM), 1L << 24);
	if (!v1_available()) {
		/* 6.12+ Debian kernels: CONFIG_MEMCG_V1 is off. The charges are cases 2-9 (v2). */
		restore_params();
		KQ_SKIP("no cgroup-v1 memory controller in this kernel (CONFIG_MEMCG_V1 off); "
			"cgroup v2 has no oom_kill_disable, its limit OOM-kills instead");
		return;
	}
	if (v1_setup()) {
		v1_teardown();
		restore_params();
		ASSERT(0);
	}
	if (spawn(&child, child_v1)) {
		kq_current_failed = 1;
		goto out;
	}
	EXPECT_EQ(v1_write("cgroup.procs", child.pid), 0);
	EXPECT_EQ(v1_write("memory.oom_control", 1), 0);
	EXPECT_EQ(v1_key("memory.oom_control", "oom_kill_disable"), 1);
	settle();
	usage = v1_read("memory.usage_in_bytes");
	EXPECT(usage >= 0);
	EXPECT_EQ(v1_write("memory.limit_in_bytes", usage + LIMIT_HEADROOM), 0);
	limit = v1_read("memory.limit_in_bytes");

	if (run_step(&child, CMD_FILL, 60000)) {
		kq_current_failed = 1;
		goto out;
	}
	n = child.sh->result;
	after = v1_read("memory.usage_in_bytes");
	failcnt = v1_read("memory.failcnt");
	per = n > 0 ? (after - usage) / n : 0;
	printf("# limit %ld B (usage %ld + %ld): %ld knotes added, then errno %ld;"
	       " usage %ld B (%ld B a knote), failcnt %ld, under_oom %ld, oom_kill %ld\n",
	       limit, usage, LIMIT_HEADROOM, n, child.sh->err, after, per, failcnt,
	       v1_key("memory.oom_control", "under_oom"),
	       v1_key("memory.oom_control", "oom_kill"));
	EXPECT(n < LIMIT_CAP);			/* the limit did stop it */
	EXPECT_EQ(child.sh->err, ENOMEM);
	EXPECT(n >= LIMIT_HEADROOM / 4096);	/* not stopped at once */
	EXPECT(failcnt > 0);			/* the cgroup hit its limit */
	EXPECT(after >= usage + LIMIT_HEADROOM / 2);
	EXPECT_EQ(v1_key("memory.oom_control", "oom_kill"), 0);

	/* Meanwhile the rest of the system is fine. */
	parent_is_unaffected();
	EXPECT_EQ(kill(child.pid, 0), 0);

	/* More room: the same kqueue takes knotes again. */
	EXPECT_EQ(v1_write("memory.limit_in_bytes", limit + (1L << 20)), 0);
	if (run_step(&child, CMD_MORE, 30000)) {
		kq_current_failed = 1;
		goto out;
	}
	printf("# after raising the limit by 1 MB: %ld more knotes (errno %ld)\n",
	       child.sh->result, child.sh->err);
	EXPECT_EQ(child.sh->result, 100);
	status = finish(&child);
	printf("# child %s (status %#x)\n", WIFSIGNALED(status) ? "was killed" :
	       "exited", status);
	EXPECT_EQ(status, 0);
out:
	v1_teardown();
	restore_params();
}

/* ---- cgroup v2 setup ------------------------------------------------------------ */

static int v2_ready;		/* both cgroups exist, a worker in each */
static int v2_mounted_here, v2_memory_enabled_here;

static int mounted_as(const char *dir, const char *fstype)
{
	char line[512], dev[128], mnt[256], type[64];
	FILE *f = fopen("/proc/mounts", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %255s %63s", dev, mnt, type) == 3 &&
		    !strcmp(mnt, dir) && !strcmp(type, fstype))
			found = 1;
	fclose(f);
	return found;
}

static int word_in_file(const char *path, const char *word)
{
	char buf[512], *tok, *save;

	if (read_text(path, buf, sizeof(buf)))
		return 0;
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, word))
			return 1;
	return 0;
}

/* Retry a write that fails with EBUSY while dying cgroups go away (<= 10 s). */
static int write_str_retry(const char *path, const char *s)
{
	long long end = kq_now_ns() + 10000 * MS;

	while (write_str(path, s)) {
		if (errno != EBUSY || kq_now_ns() > end)
			return -1;
		sleep_ms(50);
	}
	return 0;
}

static int move_pid(const char *cg, pid_t pid)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	return write_long(path, pid);
}

static long cg_current(const char *cg)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/memory.current", cg);
	return read_long(path);
}

static long cg_stat(const char *cg, const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	return read_key(path, key);
}

KQ_TEST(cgroup2_with_the_memory_controller_is_available)
{
	long long end;

	ASSERT_EQ(geteuid(), 0);
	if (!mounted_as(CG2_ROOT, "cgroup2")) {
		if (mounted_as(CG2_ROOT, "tmpfs"))
			printf("# %s is a cgroup v1 tree (tmpfs)\n", CG2_ROOT);
		mkdir(CG2_ROOT, 0755);
		if (mount("cgroup2", CG2_ROOT, "cgroup2", 0, NULL)) {
			printf("# FAIL: cannot mount cgroup2 on %s: %s\n", CG2_ROOT,
			       strerror(errno));
			ASSERT(0);
		}
		v2_mounted_here = 1;
	}
	/* After the v1 test the controller comes back asynchronously. */
	end = kq_now_ns() + 10000 * MS;
	while (!word_in_file(CG2_ROOT "/cgroup.controllers", "memory")) {
		if (kq_now_ns() > end) {
			printf("# FAIL: no memory controller in %s/cgroup.controllers\n",
			       CG2_ROOT);
			ASSERT(0);
		}
		sleep_ms(50);
	}
	if (!word_in_file(CG2_ROOT "/cgroup.subtree_control", "memory")) {
		ASSERT_EQ(write_str_retry(CG2_ROOT "/cgroup.subtree_control", "+memory"), 0);
		v2_memory_enabled_here = 1;
	}
	rmdir(CG_CHILD);
	rmdir(CG_SIBLING);
	ASSERT_EQ(mkdir(CG_CHILD, 0755), 0);
	ASSERT_EQ(mkdir(CG_SIBLING, 0755), 0);
	ASSERT(cg_current(CG_CHILD) >= 0);
	ASSERT(cg_stat(CG_CHILD, "kernel") >= 0);
	if (system_kernel_bytes() < 0) {
		printf("# FAIL: no kmalloc caches in /proc/slabinfo\n");
		ASSERT(0);
	}
	/* Room for the steps' knotes under the per-user limits. */
	ASSERT(saved_knotes > 0 && saved_timers > 0);
	ASSERT_EQ(write_long(KNOTES_PARAM, 4 * (N_USER + N_TIMER + N_READ + N_SIBLING)), 0);
	ASSERT_EQ(write_long(TIMERS_PARAM, 2 * N_TIMER), 0);
	ASSERT_EQ(spawn(&child, child_v2), 0);
	ASSERT_EQ(spawn(&sibling, sibling_v2), 0);
	ASSERT_EQ(move_pid(CG_CHILD, child.pid), 0);
	ASSERT_EQ(move_pid(CG_SIBLING, sibling.pid), 0);
	v2_ready = 1;
}

/* ---- the measured steps ---------------------------------------------------------- */

/* One cgroup's page counter and kernel memory (memory.stat "kernel"). */
struct cg_snap {
	long current, kernel;
};

struct snap {
	struct cg_snap child, sibling;
	long sys;
};

static struct cg_snap cg_take(const char *cg)
{
	return (struct cg_snap){ cg_current(cg), cg_stat(cg, "kernel") };
}

static struct snap take(void)
{
	return (struct snap){ cg_take(CG_CHILD), cg_take(CG_SIBLING),
			      system_kernel_bytes() };
}

static long child_total_growth;	/* what the v2 steps added to C, for the close check */
static long child_baseline = -1;

/*
 * Run step cmd in worker w (n objects of what) and check who paid. The
 * share is judged on memory.stat "kernel", exact to a page per cpu;
 * memory.current, which also holds the per-cpu charge batches (up to 64
 * pages a cpu), must agree within those.
 */
static void measured_step(struct worker *w, int cmd, long n, const char *what)
{
	long slack = 64 * 4096L * sysconf(_SC_NPROCESSORS_ONLN);
	int in_child = w == &child;
	struct cg_snap mine_a, mine_b, other_a, other_b;
	struct snap a, b;
	long kmine, cmine, kother, cother, dsys;
	long long t;

	ASSERT(v2_ready && w->pid > 0);
	settle();
	a = take();
	if (child_baseline < 0)
		child_baseline = a.child.current;
	t = kq_now_ns();
	ASSERT_EQ(run_step(w, cmd, 60000), 0);
	t = kq_now_ns() - t;
	b = take();
	if (w->sh->result != n)
		printf("# worker made %ld of %ld %s (errno %ld)\n", w->sh->result,
		       n, what, w->sh->err);
	ASSERT_EQ(w->sh->result, n);
	mine_a = in_child ? a.child : a.sibling;
	mine_b = in_child ? b.child : b.sibling;
	other_a = in_child ? a.sibling : a.child;
	other_b = in_child ? b.sibling : b.child;
	kmine = mine_b.kernel - mine_a.kernel;
	cmine = mine_b.current - mine_a.current;
	kother = other_b.kernel - other_a.kernel;
	cother = other_b.current - other_a.current;
	dsys = b.sys - a.sys;
	if (in_child)
		child_total_growth += cmine;
	printf("# %ld %s by the %s (%lld ms): its cgroup's kernel memory +%ld B"
	       " (%ld B each), memory.current +%ld B; system +%ld B (%ld B each);"
	       " the %s's cgroup: kernel %+ld B, memory.current %+ld B\n",
	       n, what, in_child ? "child" : "sibling", t / MS, kmine, kmine / n,
	       cmine, dsys, dsys / n, in_child ? "sibling" : "child", kother, cother);
	/*
	 * The cgroup was charged for something real: 64 B an object at the
	 * very least (memcg charges objects by the byte; the system-wide slab
	 * growth can be far less when freed objects are reused).
	 */
	EXPECT(kmine >= 64 * n);
	EXPECT(kmine >= MIN_SHARE * dsys);
	EXPECT(cmine + slack >= MIN_SHARE * dsys);
	/* Nothing of it went to the other cgroup (a stock drain may shrink it). */
	EXPECT(kother < kmine / MAX_OTHER_SHARE);
	EXPECT(cother < kmine / MAX_OTHER_SHARE);
}

KQ_TEST(kqueues_are_charged_to_the_cgroup_of_their_opener)
{
	measured_step(&child, CMD_KQUEUES, N_KQUEUES, "kqueues");
}

KQ_TEST(user_knotes_are_charged_to_the_cgroup_of_the_caller)
{
	measured_step(&child, CMD_USER, N_USER, "EVFILT_USER knotes");
}

KQ_TEST(timer_knotes_are_charged_to_the_cgroup_of_the_caller)
{
	measured_step(&child, CMD_TIMER, N_TIMER, "EVFILT_TIMER knotes");
}

KQ_TEST(read_knotes_are_charged_to_the_cgroup_of_the_caller)
{
	measured_step(&child, CMD_READ, N_READ, "EVFILT_READ knotes");
}

/* The other way round: the sibling's knotes are its cgroup's, not C's. */
KQ_TEST(a_siblings_knotes_are_charged_to_its_own_cgroup)
{
	measured_step(&sibling, CMD_USER, N_SIBLING, "EVFILT_USER knotes");
}

/* Wait (at most ms) until C's memory.current is at most target. */
static long child_drops_to(long target, long ms, long long *took)
{
	long long start = kq_now_ns(), end = start + ms * MS;
	long now;

	while ((now = cg_current(CG_CHILD)) > target && kq_now_ns() < end)
		sleep_ms(20);
	*took = (kq_now_ns() - start) / MS;
	return now;
}

/*
 * The child closes its kqueues (the READ knotes' descriptors stay open):
 * within 10 s its cgroup gives back at least 75% of what the steps added
 * (the module frees knotes and kqueues after a grace period); once it has
 * exited, too.
 */
KQ_TEST(closing_the_kqueues_gives_the_charges_back)
{
	long target, now;
	long long took;

	ASSERT(v2_ready && child.pid > 0);
	ASSERT(child_total_growth > 0);
	ASSERT_EQ(run_step(&child, CMD_CLOSE, 60000), 0);
	target = child_baseline + child_total_growth / 4;
	now = child_drops_to(target, 10000, &took);
	printf("# after close: child cgroup %ld B after %lld ms (baseline %ld, steps +%ld)\n",
	       now, took, child_baseline, child_total_growth);
	EXPECT(now <= target);
	EXPECT_EQ(finish(&child), 0);
	now = child_drops_to(child_baseline + child_total_growth / 20, 5000, &took);
	printf("# after exit: child cgroup %ld B after %lld ms\n", now, took);
	EXPECT(now <= target);
}

static void v2_teardown(void)
{
	kill_worker(&child);
	kill_worker(&sibling);
	rmdir(CG_CHILD);
	rmdir(CG_SIBLING);
	if (v2_memory_enabled_here) {
		write_str_retry(CG2_ROOT "/cgroup.subtree_control", "-memory");
		v2_memory_enabled_here = 0;
	}
}

KQ_TEST(cgroup2_test_groups_are_removed)
{
	struct stat st;

	EXPECT_EQ(finish(&sibling), 0);
	v2_teardown();
	EXPECT(stat(CG_CHILD, &st) != 0);
	EXPECT(stat(CG_SIBLING, &st) != 0);
	restore_params();
}

__attribute__((constructor)) static void setup_shared(void)
{
	struct shared *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (sh == MAP_FAILED) {
		printf("Bail out! mmap\n");
		exit(1);
	}
	memset(sh, 0, 2 * sizeof(*sh));	/* faulted in here, charged to this process */
	child.sh = &sh[0];
	sibling.sh = &sh[1];
	saved_knotes = read_long(KNOTES_PARAM);
	saved_timers = read_long(TIMERS_PARAM);
}

__attribute__((destructor)) static void cleanup(void)
{
	restore_params();
	v1_teardown();
	v2_teardown();
	if (v2_mounted_here)
		umount(CG2_ROOT);
}
