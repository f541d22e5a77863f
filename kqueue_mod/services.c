// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel services for the C++ core: memory, the kqueue's locks and wake-ups,
 * high-resolution timers. See kq_services.h for the contract of each.
 */
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/rcupdate_trace.h>
#include <linux/sched.h>
#include <linux/task_work.h>
#include <linux/workqueue.h>

#include "kq_compat.h"
#include "kq_glue.h"

void *kqsys_zalloc(unsigned long size, enum kqsys_alloc_mode mode)
{
	if (mode == KQSYS_NO_WAIT)
		return kzalloc(size, GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN);
	return kvzalloc(size, GFP_KERNEL_ACCOUNT);
}

void kqsys_free(void *ptr)
{
	kvfree(ptr);
}

/*
 * Exact sizes (no cache-line rounding: a knote is touched by one CPU at a
 * time under kq->lock), charged to the caller's memory cgroup.
 */
static struct kmem_cache *kq_knote_caches[KQSYS_KNOTE_KINDS];

static int kq_knote_caches_init(void)
{
	static const char *const names[KQSYS_KNOTE_KINDS] = {
		[KQSYS_KNOTE_BARE] = "kqueue_knote",
		[KQSYS_KNOTE_FD] = "kqueue_fd_knote",
	};
	const unsigned long sizes[KQSYS_KNOTE_KINDS] = {
		[KQSYS_KNOTE_BARE] = kqcore_knote_size,
		[KQSYS_KNOTE_FD] = kqcore_knote_size + kq_fd_source_size,
	};
	int kind;

	/* kqsys_fd starts right behind the core's part. */
	if (WARN_ON(!IS_ALIGNED(kqcore_knote_size, __alignof__(u64))))
		return -EINVAL;
	for (kind = 0; kind < KQSYS_KNOTE_KINDS; kind++) {
		kq_knote_caches[kind] = kmem_cache_create(names[kind], sizes[kind],
							  __alignof__(u64),
							  SLAB_ACCOUNT, NULL);
		if (!kq_knote_caches[kind])
			return -ENOMEM;
	}
	return 0;
}

static void kq_knote_caches_exit(void)
{
	int kind;

	for (kind = 0; kind < KQSYS_KNOTE_KINDS; kind++)
		kmem_cache_destroy(kq_knote_caches[kind]);
}

void *kqsys_knote_alloc(enum kqsys_knote_kind kind, enum kqsys_alloc_mode mode)
{
	return kmem_cache_zalloc(kq_knote_caches[kind], mode == KQSYS_NO_WAIT ?
				 GFP_NOWAIT | __GFP_NOWARN : GFP_KERNEL);
}

/*
 * kfree() finds a cache object's cache itself (SLUB, the only allocator
 * of every supported kernel), so the core need not say which kind it was.
 */
void kqsys_knote_free(void *knote)
{
	kfree(knote);
}

unsigned long kqsys_lock(struct kqsys *sys)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&sys->lock, flags);
	return flags;
}

void kqsys_unlock(struct kqsys *sys, unsigned long flags)
{
	raw_spin_unlock_irqrestore(&sys->lock, flags);
}

#ifdef KQ_LOCKDEP
void kqsys_assert_locked(struct kqsys *sys)
{
	lockdep_assert_held(&sys->lock);
}
#endif

void kqsys_mutex_lock(struct kqsys *sys)
{
	mutex_lock(&sys->mutex);
}

void kqsys_mutex_unlock(struct kqsys *sys)
{
	mutex_unlock(&sys->mutex);
}

#ifdef KQ_LOCKDEP
void kqsys_assert_mutex_held(struct kqsys *sys)
{
	lockdep_assert_held(&sys->mutex);
}
#endif

/*
 * A kqueue watched by another kqueue wakes it from inside its own
 * pollers.lock, and that one may be watched in turn: the pollers locks of a
 * chain nest (at most KQUEUE_MAX_NESTING deep, enforced at attach). Each
 * level takes its lock with its own lockdep subclass, as epoll does.
 */
void kqsys_wake_nested(struct kqsys *sys, u8 nesting)
{
	unsigned long flags;

	/*
	 * The caller queued the event (or closed the kqueue) before this.
	 * Pairs with the full barrier between a sleeper's queueing and its
	 * look at the kqueue: set_current_state() in prepare_to_wait()
	 * (kq_wait_for_events), smp_mb() in kq_poll(). Either the sleeper
	 * sees the event or we see the sleeper; with none, as in a busy
	 * server's loop, no wait-queue lock is taken (as epoll's callback).
	 */
	smp_mb();
	if (waitqueue_active(&sys->waiters))
		wake_up(&sys->waiters);
	if (!waitqueue_active(&sys->pollers))
		return;

	spin_lock_irqsave_nested(&sys->pollers.lock, flags, nesting);
	sys->wake_nesting = nesting + 1;
	wake_up_locked_poll(&sys->pollers, EPOLLIN | EPOLLRDNORM);
	sys->wake_nesting = 0;
	spin_unlock_irqrestore(&sys->pollers.lock, flags);
}

void kqsys_wake(struct kqsys *sys)
{
	kqsys_wake_nested(sys, 0);
}

/*
 * Wake-ups asked for by the process probes, which may run with preemption
 * off: on PREEMPT_RT a wait queue's lock sleeps, so they are done by an
 * irq_work (hard interrupt on other kernels, the irq_work thread on RT).
 */
enum { KQ_DEFER_WAKE, KQ_DEFER_FLUX_WAKE };

static void kq_run_deferred_wakes(struct irq_work *work)
{
	struct kqsys *sys = container_of(work, struct kqsys, wake_work);

	if (test_and_clear_bit(KQ_DEFER_FLUX_WAKE, &sys->deferred))
		wake_up_all(&sys->flux_waiters);
	if (test_and_clear_bit(KQ_DEFER_WAKE, &sys->deferred))
		kqsys_wake(sys);
}

/* A set bit means the irq_work is queued and has not yet taken it. */
static void kq_defer(struct kqsys *sys, int what)
{
	if (!test_and_set_bit(what, &sys->deferred))
		irq_work_queue(&sys->wake_work);
}

void kqsys_wake_deferred(struct kqsys *sys)
{
	kq_defer(sys, KQ_DEFER_WAKE);
}

void kqsys_flux_wake_deferred(struct kqsys *sys)
{
	kq_defer(sys, KQ_DEFER_FLUX_WAKE);
}

/* ---- work in a task before it returns to user space ------------------------ */

struct kqsys_task_work_impl {
	struct callback_head head;
	void (*fn)(struct kqsys_task_work *work);
	struct file *kqueue_file;
};
static_assert(sizeof(struct kqsys_task_work_impl) == sizeof(struct kqsys_task_work));

static void kq_task_work_run(struct callback_head *head)
{
	struct kqsys_task_work_impl *w =
		container_of(head, struct kqsys_task_work_impl, head);
	struct file *kqueue_file = w->kqueue_file;

	w->fn((struct kqsys_task_work *)w);	/* may free w */
	/*
	 * The kqueue's file holds this module: dropped last, and from task
	 * context the final fput runs later, in the kernel's own code.
	 */
	fput(kqueue_file);
}

struct file *kq_kqueue_file_get(struct kqsys *sys)
{
	struct file *kqueue_file = NULL;

	rcu_read_lock();
	if (sys->file)
		kqueue_file = kq_get_file_in_slot(&sys->file);
	rcu_read_unlock();
	return kqueue_file;
}

static int kq_task_work_prepare(struct kqsys *sys, struct task_struct *task,
			 struct kqsys_task_work *work,
			 void (*fn)(struct kqsys_task_work *work))
{
	struct kqsys_task_work_impl *w = (struct kqsys_task_work_impl *)work;
	struct file *kqueue_file;

	/* A kernel thread never returns to user space to run it. */
	if (task->flags & PF_KTHREAD)
		return -ESRCH;
	kqueue_file = kq_kqueue_file_get(sys);
	if (!kqueue_file)
		return -EBADF;	/* the kqueue is being closed */
	w->fn = fn;
	w->kqueue_file = kqueue_file;
	init_task_work(&w->head, kq_task_work_run);
	return 0;
}

static int kq_task_work_queue(struct task_struct *task, struct kqsys_task_work *work)
{
	return kq_task_work_add(task, &((struct kqsys_task_work_impl *)work)->head);
}

static void kq_task_work_abandon(struct kqsys_task_work *work)
{
	fput(((struct kqsys_task_work_impl *)work)->kqueue_file);
}

int kqsys_task_work_add(struct kqsys *sys, const struct kqsys_task *task,
			struct kqsys_task_work *work,
			void (*fn)(struct kqsys_task_work *work))
{
	struct task_struct *target = task ? (struct task_struct *)task : current;
	int err = kq_task_work_prepare(sys, target, work, fn);

	if (err)
		return err;
	err = kq_task_work_queue(target, work);
	if (err)
		kq_task_work_abandon(work);
	return err;
}

struct kqsys *kqsys_create(void)
{
	struct kqsys *sys = kzalloc(sizeof(*sys), GFP_KERNEL_ACCOUNT);

	if (!sys)
		return NULL;
	sys->user = kq_user_get();
	if (!sys->user) {
		kfree(sys);
		return NULL;
	}
	raw_spin_lock_init(&sys->lock);
	mutex_init(&sys->mutex);
	init_irq_work(&sys->wake_work, kq_run_deferred_wakes);
	init_waitqueue_head(&sys->waiters);
	init_waitqueue_head(&sys->pollers);
	init_waitqueue_head(&sys->flux_waiters);
	INIT_LIST_HEAD(&sys->watches);
	INIT_LIST_HEAD(&sys->watchers);
	INIT_WORK(&sys->reap_work, kq_fd_reap_work);
	sys->core = kqcore_create(sys);
	if (!sys->core) {
		kq_user_put(sys->user);
		kfree(sys);
		return NULL;
	}
	sys->owner = get_pid(task_tgid(current));
	return sys;
}

/* Frees kqueues: their last step waits for an irq_work, which may sleep. */
static struct workqueue_struct *kq_free_wq;

static void kqsys_free_work(struct work_struct *work)
{
	struct kqsys *sys = container_of(work, struct kqsys, free_work);

	irq_work_sync(&sys->wake_work);
	kqcore_free(sys->core);
	put_pid(sys->owner);
	kq_user_put(sys->user);
	kfree(sys);
}

static void kqsys_free_rcu(struct rcu_head *rcu)
{
	struct kqsys *sys = container_of(rcu, struct kqsys, rcu);

	INIT_WORK(&sys->free_work, kqsys_free_work);
	queue_work(kq_free_wq, &sys->free_work);
}

int kqsys_init(void)
{
	int err = kq_knote_caches_init();

	if (err)
		goto out;
	kq_free_wq = alloc_workqueue("kqueue_free", WQ_UNBOUND, 0);
	if (kq_free_wq)
		return 0;
	err = -ENOMEM;
out:
	kq_knote_caches_exit();
	return err;
}

/*
 * After rcu_barrier_tasks_trace(): every kqueue's free is queued, and
 * every knote's is done or waits for the RCU grace period it chained.
 */
void kqsys_exit(void)
{
	destroy_workqueue(kq_free_wq);
	rcu_barrier();
	kq_knote_caches_exit();
}

/*
 * A process probe that found one of this kqueue's knotes before it was
 * detached may still take kq->lock and queue the deferred wake-ups until
 * its tasks-trace read section ends: free after a grace period, and after
 * the irq_work it may have queued.
 */
void kqsys_destroy(struct kqsys *sys)
{
	kqcore_destroy(sys->core);
	/* Every binding is gone with its knote: nothing queues it again. */
	cancel_work_sync(&sys->reap_work);
	call_rcu_tasks_trace(&sys->rcu, kqsys_free_rcu);
}

/* ---- in-flux waits ------------------------------------------------------- */

/*
 * kq->lock is raw and the wait queue's lock is not (it sleeps on
 * PREEMPT_RT), so the waiter cannot queue itself under kq->lock: it waits
 * for the count it read there to reach zero, which wait_event() re-checks
 * after queueing, and every holder lowers it under kq->lock before waking.
 */
void kqsys_flux_wait(struct kqsys *sys, const unsigned int *influx)
{
	lockdep_assert_not_held(&sys->lock);
	wait_event(sys->flux_waiters, READ_ONCE(*influx) == 0);
}

void kqsys_flux_wake(struct kqsys *sys)
{
	wake_up_all(&sys->flux_waiters);
}

/* ---- tasks-trace RCU ----------------------------------------------------- */

static_assert(sizeof(struct rcu_head) == sizeof(struct kqsys_rcu));

/* head is the first member of the object to free. */
static void kq_free_after_gp(struct rcu_head *head)
{
	kvfree(head);
}

static void kq_free_after_trace_gp(struct rcu_head *head)
{
	if (kq_trace_gp_implies_rcu_gp())
		kq_free_after_gp(head);
	else
		call_rcu(head, kq_free_after_gp);
}

void kqsys_free_after_trace_gp(struct kqsys_rcu *rcu)
{
	call_rcu_tasks_trace((struct rcu_head *)rcu, kq_free_after_trace_gp);
}

void kqsys_read_lock_trace(void)
{
	rcu_read_lock_trace();
}

void kqsys_read_unlock_trace(void)
{
	rcu_read_unlock_trace();
}

void kqsys_synchronize_trace(void)
{
	synchronize_rcu_tasks_trace();
}

/* ---- timers ------------------------------------------------------------ */

/*
 * Shortest period a periodic timer may have: shorter ones would let one
 * user keep a CPU in the timer interrupt. Rounded up, documented in uapi.
 */
#define KQ_TIMER_MIN_PERIOD_NS	(50 * NSEC_PER_USEC)

struct kqsys_timer {
	struct hrtimer timer;
	struct kqsys *sys;
	struct kqcore_knote *kn;
	ktime_t period;
};

static enum hrtimer_restart kq_timer_expired(struct hrtimer *hrtimer)
{
	struct kqsys_timer *t = container_of(hrtimer, struct kqsys_timer, timer);
	enum hrtimer_restart restart = HRTIMER_NORESTART;
	u64 expirations = 1;
	int what;

	if (t->period) {
		expirations = hrtimer_forward_now(hrtimer, t->period);
		restart = HRTIMER_RESTART;
	}
	what = kqcore_timer_expired(t->kn, expirations, t->period != 0);
	if (what & KQCORE_TIMER_WAKE)
		kqsys_wake(t->sys);
	if (what & KQCORE_TIMER_PARK)
		restart = HRTIMER_NORESTART;
	return restart;
}

struct kqsys_timer *kqsys_timer_create(struct kqsys *sys, struct kqcore_knote *kn)
{
	struct kqsys_timer *t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);

	if (!t)
		return NULL;
	t->sys = sys;
	t->kn = kn;
	kq_hrtimer_setup(&t->timer, kq_timer_expired, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	return t;
}

void kqsys_timer_start(struct kqsys_timer *t, long long first_ns,
		       long long period_ns, int absolute_realtime)
{
	const enum hrtimer_mode mode =
		absolute_realtime ? HRTIMER_MODE_ABS : HRTIMER_MODE_REL;

	hrtimer_cancel(&t->timer);
	kq_hrtimer_setup(&t->timer, kq_timer_expired,
			 absolute_realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, mode);
	t->period = period_ns > 0 ?
		ns_to_ktime(max_t(long long, period_ns, KQ_TIMER_MIN_PERIOD_NS)) : 0;
	hrtimer_start(&t->timer, ns_to_ktime(first_ns), mode);
}

void kqsys_timer_stop(struct kqsys_timer *t)
{
	hrtimer_cancel(&t->timer);
}

unsigned long long kqsys_timer_resume(struct kqsys_timer *t)
{
	/* The parking expiry already moved the expiry past its own time. */
	u64 missed = hrtimer_forward_now(&t->timer, t->period);

	hrtimer_start_expires(&t->timer, HRTIMER_MODE_ABS);
	return missed;
}

void kqsys_timer_destroy(struct kqsys_timer *t)
{
	hrtimer_cancel(&t->timer);
	kfree(t);
}
