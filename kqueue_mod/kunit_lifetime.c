// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the knote lifetime protocol, driven through the interleavings of
 * the seeds one step at a time (threads are parked on completions, never
 * raced for luck). Built as kqueue_test.ko on kernels with KUnit; 6.1 runs
 * the suite at insmod, after kqueue.ko is loaded.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <uapi/linux/kqueue.h>

#include "kq_compat.h"
#include "kq_glue.h"
#include "kq_kunit_hooks.h"

#define PARKED_MS 100			/* long enough to show "still waiting" */
#define DONE_TIMEOUT (5 * HZ)

static int apply(struct kqsys *sys, unsigned long long ident, short filter,
		 unsigned short flags, unsigned int fflags)
{
	struct kevent change = {
		.ident = ident, .filter = filter, .flags = flags, .fflags = fflags,
	};

	return kqcore_apply_change(sys->core, &change);
}

static int scan(struct kqsys *sys, struct kevent *out, int max)
{
	int n;

	kqcore_scan_begin(sys->core);
	n = kqcore_scan_next(sys->core, out, max, 1);
	kqcore_scan_end(sys->core);
	return n;
}

/* A kthread that runs fn(arg) once and records its result. */
struct step {
	int (*fn)(void *arg);
	void *arg;
	int result;
	struct completion done;
};

static int step_thread(void *data)
{
	struct step *s = data;

	s->result = s->fn(s->arg);
	complete(&s->done);
	return 0;
}

static void step_start(struct kunit *test, struct step *s, int (*fn)(void *),
		       void *arg)
{
	struct task_struct *t;

	s->fn = fn;
	s->arg = arg;
	init_completion(&s->done);
	t = kthread_run(step_thread, s, "kqtest-step");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
}

/*
 * Double zero (seed 003):
 *
 *   CPU0                          CPU1
 *   put: 1 -> 0, sees v0
 *                                 get (a lookup): 0 -> 1
 *                                 put: 1 -> 0, sees v1
 *   lock: v0 still current? no -> backs off
 *                                 lock: v1 still current? yes -> destroys
 */
static void refcount_double_zero(struct kunit *test)
{
	struct kqtest_ref *ref = kqtest_ref_create(1);
	unsigned long long v0, v1;

	KUNIT_ASSERT_NOT_NULL(test, ref);
	v0 = kqtest_ref_put(ref);
	KUNIT_EXPECT_TRUE(test, kqtest_ref_reached_zero(v0));
	kqtest_ref_get(ref);
	v1 = kqtest_ref_put(ref);
	KUNIT_EXPECT_TRUE(test, kqtest_ref_reached_zero(v1));
	KUNIT_EXPECT_FALSE(test, kqtest_ref_zero_is_current(ref, v0));
	KUNIT_EXPECT_TRUE(test, kqtest_ref_zero_is_current(ref, v1));
	kqtest_ref_destroy(ref);
}

/*
 * Resurrection between put and lock:
 *
 *   CPU0                          CPU1
 *   put: 1 -> 0, sees v0
 *                                 get (a lookup): 0 -> 1, keeps it
 *   lock: v0 still current? no -> backs off; the object lives on (count 1)
 */
static void refcount_resurrection(struct kunit *test)
{
	struct kqtest_ref *ref = kqtest_ref_create(1);
	unsigned long long v0, v1;

	KUNIT_ASSERT_NOT_NULL(test, ref);
	v0 = kqtest_ref_put(ref);
	kqtest_ref_get(ref);
	KUNIT_EXPECT_FALSE(test, kqtest_ref_zero_is_current(ref, v0));
	KUNIT_EXPECT_EQ(test, kqtest_ref_count(ref), 1u);
	v1 = kqtest_ref_put(ref);
	KUNIT_EXPECT_TRUE(test, kqtest_ref_zero_is_current(ref, v1));
	kqtest_ref_destroy(ref);
}

static void refcount_not_last(struct kunit *test)
{
	struct kqtest_ref *ref = kqtest_ref_create(2);

	KUNIT_ASSERT_NOT_NULL(test, ref);
	KUNIT_EXPECT_FALSE(test, kqtest_ref_reached_zero(kqtest_ref_put(ref)));
	KUNIT_EXPECT_TRUE(test, kqtest_ref_zero_is_current(ref, kqtest_ref_put(ref)));
	kqtest_ref_destroy(ref);
}

static int delete_user_knote_1(void *arg)
{
	return apply(arg, 1, EVFILT_USER, EV_DELETE, 0);
}

/*
 * Detach while in flux (seed 000):
 *
 *   test                          deleter
 *   enter_flux(kn)
 *                                 EV_DELETE: claims the detach, waits
 *   100 ms: deleter still waiting; kn WILL_DETACH; no new flux allowed
 *   leave_flux(kn)
 *                                 detaches and drops the table's reference
 *   put(kn): last reference, freed after a grace period
 */
static void detach_waits_for_flux(struct kunit *test)
{
	struct kqsys *sys = kqsys_create();
	struct kqcore_knote *kn;
	struct step deleter;

	KUNIT_ASSERT_NOT_NULL(test, sys);
	KUNIT_ASSERT_EQ(test, apply(sys, 1, EVFILT_USER, EV_ADD, 0), 0);
	kn = kqtest_find(sys->core, 1, EVFILT_USER);
	KUNIT_ASSERT_NOT_NULL(test, kn);
	KUNIT_ASSERT_TRUE(test, kqtest_enter_flux(kn));

	step_start(test, &deleter, delete_user_knote_1, sys);
	msleep(PARKED_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&deleter.done));
	KUNIT_EXPECT_TRUE(test, kqtest_will_detach(kn));
	KUNIT_EXPECT_FALSE(test, kqtest_enter_flux(kn));

	kqtest_leave_flux(kn);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&deleter.done, DONE_TIMEOUT), 0ul);
	KUNIT_EXPECT_EQ(test, deleter.result, 0);
	KUNIT_EXPECT_EQ(test, apply(sys, 1, EVFILT_USER, EV_DELETE, 0), -ENOENT);
	kqtest_put(kn);
	kqsys_destroy(sys);
}

static int claim(void *kn)
{
	return kqtest_claim_detach(kn);
}

/*
 * Concurrent detachers elect exactly one (seed 000):
 *
 *   test              detacher A               detacher B
 *   enter_flux(kn)
 *                     claim: wins, waits
 *                                              claim: loses at once
 *   leave_flux(kn)
 *                     returns: it detaches
 */
static void concurrent_detachers_elect_one(struct kunit *test)
{
	struct kqsys *sys = kqsys_create();
	struct kqcore_knote *kn, *ref_a, *ref_b;
	struct step a, b;

	KUNIT_ASSERT_NOT_NULL(test, sys);
	KUNIT_ASSERT_EQ(test, apply(sys, 1, EVFILT_USER, EV_ADD, 0), 0);
	kn = kqtest_find(sys->core, 1, EVFILT_USER);
	ref_a = kqtest_find(sys->core, 1, EVFILT_USER);
	ref_b = kqtest_find(sys->core, 1, EVFILT_USER);
	KUNIT_ASSERT_NOT_NULL(test, kn);
	KUNIT_ASSERT_TRUE(test, kqtest_enter_flux(kn));

	step_start(test, &a, claim, ref_a);
	while (!kqtest_will_detach(kn))
		msleep(1);
	step_start(test, &b, claim, ref_b);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&b.done, DONE_TIMEOUT), 0ul);
	KUNIT_EXPECT_EQ(test, b.result, 0);
	msleep(PARKED_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&a.done));

	kqtest_leave_flux(kn);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&a.done, DONE_TIMEOUT), 0ul);
	KUNIT_EXPECT_EQ(test, a.result, 1);
	kqtest_finish_detach(kn);
	KUNIT_EXPECT_EQ(test, apply(sys, 1, EVFILT_USER, EV_DELETE, 0), -ENOENT);
	kqtest_put(ref_b);
	kqtest_put(ref_a);
	kqtest_put(kn);
	kqsys_destroy(sys);
}

/*
 * A scan meets a knote in another's flux (seed 000): like another
 * thread's marker, it is passed over, stays queued, and is reported by the
 * first scan after the flux ends.
 */
static void scan_passes_over_knote_in_flux(struct kunit *test)
{
	struct kqsys *sys = kqsys_create();
	struct kqcore_knote *kn;
	struct kevent ev[2];

	KUNIT_ASSERT_NOT_NULL(test, sys);
	KUNIT_ASSERT_EQ(test, apply(sys, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER), 0);
	kn = kqtest_find(sys->core, 1, EVFILT_USER);
	KUNIT_ASSERT_NOT_NULL(test, kn);
	KUNIT_ASSERT_TRUE(test, kqtest_enter_flux(kn));

	KUNIT_EXPECT_EQ(test, scan(sys, ev, 2), 0);
	KUNIT_EXPECT_TRUE(test, kqtest_is_queued(kn));
	KUNIT_EXPECT_EQ(test, kqcore_pending(sys->core), 1L);

	kqtest_leave_flux(kn);
	KUNIT_EXPECT_EQ(test, scan(sys, ev, 2), 1);
	KUNIT_EXPECT_EQ(test, ev[0].ident, 1ull);
	kqtest_put(kn);
	kqsys_destroy(sys);
}

struct neuter_race {
	struct kqsys *sys;
	struct completion in_call;
	struct completion release;
};

/* Inside the filter call: tell the test, then sleep until released. */
static void sleeping_filter_call(void *arg)
{
	struct neuter_race *r = arg;

	complete(&r->in_call);
	wait_for_completion(&r->release);
}

static int scan_one(void *arg)
{
	struct neuter_race *r = arg;
	struct kevent ev;

	return scan(r->sys, &ev, 1);
}

static int synchronize(void *arg)
{
	kqsys_synchronize_trace();
	return 0;
}

/*
 * Neutering while a filter call sleeps (seed 002):
 *
 *   scanner                 test                     source teardown
 *   ready(): in the call,
 *   sleeps
 *                           neuter(kn)
 *                                                    synchronize_trace(): waits
 *                           100 ms: still waiting
 *                           release the scanner
 *   returns
 *                                                    returns: the source may
 *                                                    now free its memory
 *   later scans: the knote reported EV_EOF once, then it is gone
 */
static void neuter_waits_for_running_filter_call(struct kunit *test)
{
	struct neuter_race r;
	struct kqcore_knote *kn;
	struct step scanner, teardown;
	struct kevent ev;

	r.sys = kqsys_create();
	KUNIT_ASSERT_NOT_NULL(test, r.sys);
	init_completion(&r.in_call);
	init_completion(&r.release);
	KUNIT_ASSERT_EQ(test, kqtest_add_hooked_knote(r.sys->core, 7,
						      sleeping_filter_call, &r), 0);
	kn = kqtest_find(r.sys->core, 7, KQTEST_HOOKED_FILTER);
	KUNIT_ASSERT_NOT_NULL(test, kn);

	step_start(test, &scanner, scan_one, &r);
	KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&r.in_call, DONE_TIMEOUT), 0ul);
	kqtest_neuter(kn);
	step_start(test, &teardown, synchronize, NULL);
	msleep(PARKED_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&teardown.done));

	complete(&r.release);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&teardown.done, DONE_TIMEOUT), 0ul);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&scanner.done, DONE_TIMEOUT), 0ul);
	/* The scanner saw the event with the inert deliver: EV_EOF, then dropped. */
	KUNIT_EXPECT_EQ(test, scanner.result, 1);
	KUNIT_EXPECT_EQ(test, scan(r.sys, &ev, 1), 0);
	KUNIT_EXPECT_NULL(test, kqtest_find(r.sys->core, 7, KQTEST_HOOKED_FILTER));
	kqtest_put(kn);
	kqsys_destroy(r.sys);
}

/* A task that stands for a fresh fork's child: it does nothing at all. */
static int idle_child(void *unused)
{
	return 0;
}

static struct task_struct *fresh_child(struct kunit *test)
{
	struct task_struct *child = kthread_create(idle_child, NULL, "kqtest-child");

	return IS_ERR(child) ? NULL : child;
}

/*
 * NOTE_TRACK (seed 000), the positive case: the fork probe's step, with the
 * parent's knote in flux, gives the child a knote of its own (found by
 * ident) and posts a separate NOTE_CHILD event (ident child, data parent).
 */
static void tracked_fork_adopts_child_and_posts_note_child(struct kunit *test)
{
	struct kqsys *sys = kqsys_create();
	pid_t self = task_tgid_nr(current), child_pid;
	struct task_struct *child = fresh_child(test);
	struct kqcore_knote *parent;
	struct kevent ev[4];

	KUNIT_ASSERT_NOT_NULL(test, sys);
	KUNIT_ASSERT_NOT_NULL(test, child);
	child_pid = task_tgid_nr(child);
	KUNIT_ASSERT_EQ(test, apply(sys, self, EVFILT_PROC, EV_ADD,
				    NOTE_TRACK | NOTE_EXIT), 0);
	parent = kqtest_find(sys->core, self, EVFILT_PROC);
	KUNIT_ASSERT_NOT_NULL(test, parent);
	KUNIT_ASSERT_TRUE(test, kqtest_enter_flux(parent));
	KUNIT_EXPECT_EQ(test, kqtest_track_child(parent, child), 0);
	kqtest_leave_flux(parent);

	KUNIT_EXPECT_EQ(test, scan(sys, ev, 4), 1);
	KUNIT_EXPECT_EQ(test, ev[0].ident, (__u64)child_pid);
	KUNIT_EXPECT_EQ(test, ev[0].fflags, (__u32)NOTE_CHILD);
	KUNIT_EXPECT_EQ(test, ev[0].data, (__s64)self);
	/* The child's own knote is in the table; NOTE_CHILD was reported once. */
	KUNIT_EXPECT_EQ(test, apply(sys, child_pid, EVFILT_PROC, EV_DELETE, 0), 0);
	KUNIT_EXPECT_EQ(test, apply(sys, child_pid, EVFILT_PROC, EV_DELETE, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, scan(sys, ev, 4), 0);
	kqtest_put(parent);
	kqsys_destroy(sys);
	kthread_stop(child);
}

/*
 * NOTE_TRACK's reserve: the fork probe allocates nothing, it takes kits
 * made beforehand, one per thread of the watched process (this test's
 * kernel thread: one). A kernel thread never returns to user space to
 * refill them, so the fork past the reserve finds it empty: NOTE_TRACKERR's
 * error, nothing allocated in the probe. A thread created meanwhile raises
 * the target, but only its own fill (it cannot run here either) makes the kit.
 */
static void tracked_forks_past_the_reserve_fail_without_allocating(struct kunit *test)
{
	struct kqsys *sys = kqsys_create();
	pid_t self = task_tgid_nr(current);
	struct task_struct *child[3];
	struct kqcore_knote *parent;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, sys);
	for (i = 0; i < 3; i++) {
		child[i] = fresh_child(test);
		KUNIT_ASSERT_NOT_NULL(test, child[i]);
	}
	KUNIT_ASSERT_EQ(test, apply(sys, self, EVFILT_PROC, EV_ADD, NOTE_TRACK), 0);
	parent = kqtest_find(sys->core, self, EVFILT_PROC);
	KUNIT_ASSERT_NOT_NULL(test, parent);
	KUNIT_ASSERT_TRUE(test, kqtest_enter_flux(parent));
	KUNIT_EXPECT_EQ(test, kqtest_track_child(parent, child[0]), 0);
	KUNIT_EXPECT_EQ(test, kqtest_track_child(parent, child[1]), -ENOMEM);
	kqcore_proc_thread(parent, (const struct kqsys_task *)child[2]);
	KUNIT_EXPECT_EQ(test, kqtest_track_child(parent, child[2]), -ENOMEM);
	kqtest_leave_flux(parent);
	kqtest_put(parent);
	kqsys_destroy(sys);
	for (i = 0; i < 3; i++)
		kthread_stop(child[i]);
}

static int destroy_kqueue(void *sys)
{
	kqsys_destroy(sys);
	return 0;
}

/*
 * A kqueue closed while a fork attaches a tracking knote to it never gets
 * the knote (seed 000):
 *
 *   fork probe (test)               close (closer)
 *   read_lock_trace; enter_flux(parent)
 *                                   destroy: closing = true (kq->lock),
 *                                   drains, waits for parent's flux
 *   track_child: builds the child's knote, adoption refused -> -EBADF,
 *                nothing left behind (kmemleak checks)
 *   100 ms: closer still waiting
 *   put, leave_flux(parent)
 *                                   detaches parent, frees after a grace period
 *   read_unlock_trace
 */
static void closing_kqueue_adopts_no_tracked_child(struct kunit *test)
{
	struct kqsys *sys = kqsys_create();
	pid_t self = task_tgid_nr(current);
	struct task_struct *child = fresh_child(test);
	struct kqcore_knote *parent;
	struct step closer;

	KUNIT_ASSERT_NOT_NULL(test, sys);
	KUNIT_ASSERT_NOT_NULL(test, child);
	KUNIT_ASSERT_EQ(test, apply(sys, self, EVFILT_PROC, EV_ADD, NOTE_TRACK), 0);
	parent = kqtest_find(sys->core, self, EVFILT_PROC);
	KUNIT_ASSERT_NOT_NULL(test, parent);
	KUNIT_ASSERT_TRUE(test, kqtest_enter_flux(parent));

	/* Like a probe: the kqueue's memory outlives this read section. */
	kqsys_read_lock_trace();
	step_start(test, &closer, destroy_kqueue, sys);
	while (!kqtest_is_closing(sys->core))
		msleep(1);
	KUNIT_EXPECT_EQ(test, kqtest_track_child(parent, child), -EBADF);
	msleep(PARKED_MS);
	KUNIT_EXPECT_FALSE(test, completion_done(&closer.done));
	kqtest_put(parent);
	kqtest_leave_flux(parent);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&closer.done, DONE_TIMEOUT), 0ul);
	kqsys_read_unlock_trace();
	kthread_stop(child);
}

static struct kunit_case kqueue_lifetime_cases[] = {
	KUNIT_CASE(refcount_double_zero),
	KUNIT_CASE(refcount_resurrection),
	KUNIT_CASE(refcount_not_last),
	KUNIT_CASE(detach_waits_for_flux),
	KUNIT_CASE(concurrent_detachers_elect_one),
	KUNIT_CASE(scan_passes_over_knote_in_flux),
	KUNIT_CASE(neuter_waits_for_running_filter_call),
	KUNIT_CASE(tracked_fork_adopts_child_and_posts_note_child),
	KUNIT_CASE(closing_kqueue_adopts_no_tracked_child),
	KUNIT_CASE(tracked_forks_past_the_reserve_fail_without_allocating),
	{}
};

static struct kunit_suite kqueue_lifetime_suite = {
	.name = "kqueue_lifetime",
	.test_cases = kqueue_lifetime_cases,
};

kunit_test_suite(kqueue_lifetime_suite);

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("KUnit tests of kqueue.ko's knote lifetime");
MODULE_IMPORT_NS(KQ_SYMBOL_NS(KQUEUE_KUNIT));
