/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only interface between the C glue (which alone includes kernel
 * headers) and the C++ core. Both sides include this file.
 *
 * kqsys_*   services the glue provides to the core: memory, the kqueue's
 *           locks and wait queues, event sources (files, timers).
 * kqcore_*  entry points the core provides to the glue.
 *
 * Every kernel object is behind an opaque pointer; the core never learns a
 * kernel type's size or layout. Sizes and plain integers only.
 *
 * Context rules are part of each declaration: "may sleep" functions need
 * process context without spinlocks; "any context" ones may be called from
 * hard interrupts with the source's wait-queue lock held.
 */
#ifndef KQ_SERVICES_H
#define KQ_SERVICES_H

#ifdef __cplusplus
extern "C" {
#endif

struct kevent;
struct kqsys;		/* per-kqueue kernel objects: lock, mutex, wait queues */
struct kqsys_fd;	/* a watched file: reference + poll wait entries */
struct kqsys_timer;	/* a high-resolution timer */
struct kqsys_proc;	/* a watch on one process (EVFILT_PROC) */
struct kqsys_task;	/* a task a probe is looking at (struct task_struct) */
struct kqcore;		/* C++ Kqueue */
struct kqcore_knote;	/* C++ Knote */

/* ---- memory (charged to the caller's memory cgroup) ---------------- */
enum kqsys_alloc_mode {
	KQSYS_MAY_SLEEP,	/* GFP_KERNEL_ACCOUNT, vmalloc fallback for big sizes */
	KQSYS_NO_WAIT,		/* GFP_NOWAIT | __GFP_ACCOUNT: any context */
};
void *kqsys_zalloc(unsigned long size, enum kqsys_alloc_mode mode);
void kqsys_free(void *ptr);
/*
 * Knotes come from caches of their exact size: kqcore_knote_size bytes for
 * the core's part, and for KQSYS_KNOTE_FD a struct kqsys_fd right behind
 * it (one allocation per EVFILT_READ/WRITE registration). Zeroed.
 */
enum kqsys_knote_kind {
	KQSYS_KNOTE_BARE,
	KQSYS_KNOTE_FD,
	KQSYS_KNOTE_KINDS,
};
extern const unsigned long kqcore_knote_size;
void *kqsys_knote_alloc(enum kqsys_knote_kind kind, enum kqsys_alloc_mode mode);
/* A knote that was never published; published ones go by kqsys_free_after_trace_gp. */
void kqsys_knote_free(void *knote);

/* ---- per-user limits (limits.c) ------------------------------------------ */
enum kqsys_charge {
	KQSYS_CHARGE_KNOTE,	/* every knote */
	KQSYS_CHARGE_TIMER,	/* EVFILT_TIMER knotes, on top */
	KQSYS_CHARGE_KINDS,
};
/*
 * Count one more what against the user who opened the kqueue: 0, or
 * -ENOMEM (nothing counted) past that user's limit. Any context.
 */
int kqsys_charge(struct kqsys *sys, enum kqsys_charge what);
void kqsys_uncharge(struct kqsys *sys, enum kqsys_charge what);

/* ---- the kqueue's locks (see the LOCKING block in kqueue.cpp) ---------- */
/*
 * kq->lock: irq-safe raw spinlock; returns the saved irq flags. Any
 * context. Held only for short bookkeeping: nothing that sleeps on
 * PREEMPT_RT (wait-queue locks, allocation, freeing) happens under it.
 */
unsigned long kqsys_lock(struct kqsys *sys);
void kqsys_unlock(struct kqsys *sys, unsigned long flags);
/* kq->mutex: serialises changes and scans of one kqueue. May sleep. */
void kqsys_mutex_lock(struct kqsys *sys);
void kqsys_mutex_unlock(struct kqsys *sys);
/*
 * Lockdep's check that the caller holds kq->lock / kq->mutex. Calls only
 * where the kernel has lockdep (Kbuild defines KQ_LOCKDEP): elsewhere the
 * check is empty, and a call per use would cost the event path for nothing.
 */
#ifdef KQ_LOCKDEP
void kqsys_assert_locked(struct kqsys *sys);
void kqsys_assert_mutex_held(struct kqsys *sys);
#else
static inline void kqsys_assert_locked(struct kqsys *sys) {}
static inline void kqsys_assert_mutex_held(struct kqsys *sys) {}
#endif

/*
 * Wake threads sleeping in kevent() on this kqueue and its pollers
 * (poll/select/epoll, other kqueues). Any context where a wait queue's lock
 * may be taken (on PREEMPT_RT not with preemption off), kq->lock NOT held.
 */
void kqsys_wake(struct kqsys *sys);
/*
 * The same, and kqsys_flux_wake(), for the process probes: done soon after
 * from an irq_work, so any context (preemption or interrupts off).
 */
void kqsys_wake_deferred(struct kqsys *sys);
void kqsys_flux_wake_deferred(struct kqsys *sys);

/* ---- work a task does before it returns to user space ------------------- */
struct kqsys_task_work {
	void *opaque[4];
};
/*
 * Have task (NULL: the current one) call fn(work) in process context
 * before it next returns to user space (or as it exits), keeping the
 * kqueue (its file, and this module) alive until fn returns. work is
 * caller's storage, untouched by the glue once fn runs (fn may free it).
 * Any context. -ESRCH: the task cannot run it (exiting, a kernel thread);
 * -EBADF: the kqueue is being closed.
 */
int kqsys_task_work_add(struct kqsys *sys, const struct kqsys_task *task,
			struct kqsys_task_work *work,
			void (*fn)(struct kqsys_task_work *work));

/* ---- in-flux knotes (see knote.hpp) -------------------------------------- */
/*
 * Sleep until *influx (a knote's flux count, lowered under kq->lock before
 * each kqsys_flux_wake) is zero. kq->lock NOT held. May sleep.
 */
void kqsys_flux_wait(struct kqsys *sys, const unsigned int *influx);
/* Wake every kqsys_flux_wait() sleeper of sys. Any context. */
void kqsys_flux_wake(struct kqsys *sys);

/* ---- tasks-trace RCU: knote memory and filter operations ------------------ */
/* Storage for a struct rcu_head (the glue checks the size). */
struct kqsys_rcu {
	void *opaque[2];
};
/*
 * Free the object (from kqsys_zalloc or kqsys_knote_alloc) that begins
 * with rcu, after a tasks-trace RCU grace period and an RCU grace period: readers in
 * kqsys_read_lock_trace() sections (probes, filter calls) and in RCU read
 * sections (the close probe's table walk over a file knote's binding) may
 * still use it until then. Any context.
 */
void kqsys_free_after_trace_gp(struct kqsys_rcu *rcu);
/* A read section that may sleep (rcu_read_lock_trace). Any context. */
void kqsys_read_lock_trace(void);
void kqsys_read_unlock_trace(void);
/* Wait until every read section that began before the call has ended. May sleep. */
void kqsys_synchronize_trace(void);

/* ---- files (EVFILT_READ / EVFILT_WRITE) -------------------------------- */
/* Poll bits, the stable uapi EPOLL* values (the glue checks they match). */
#define KQSYS_POLLIN	0x0001u
#define KQSYS_POLLPRI	0x0002u
#define KQSYS_POLLOUT	0x0004u
#define KQSYS_POLLERR	0x0008u
#define KQSYS_POLLHUP	0x0010u
#define KQSYS_POLLRDNORM 0x0040u
#define KQSYS_POLLWRNORM 0x0100u
#define KQSYS_POLLRDHUP	0x2000u

struct kqsys_fd_state {
	unsigned int revents;	/* KQSYS_POLL* readiness now */
	long long readable;	/* bytes (or connections, events) readable; -1 unknown */
	long long writable;	/* bytes writable; -1 unknown */
	int sock_error;		/* pending socket error (positive errno), 0 none */
};

/*
 * Take a reference to the file behind fd and register for its wake-ups: each
 * wake calls kqcore_fd_wakeup(kn, mask). storage is the zeroed room behind
 * the knote (KQSYS_KNOTE_FD), which becomes *out. Errors: -EBADF, -ENOMEM,
 * -ELOOP (a kqueue that would nest into a cycle or too deep). May sleep;
 * kq->mutex held.
 */
int kqsys_fd_attach(struct kqsys *sys, struct kqcore_knote *kn, int fd,
		    void *storage, struct kqsys_fd **out);
/*
 * Unregister and drop the reference; no wake-up runs after it returns. The
 * storage goes with the knote's memory.
 */
void kqsys_fd_detach(struct kqsys_fd *src);
/*
 * Readiness of the file now, and its amounts (readable, writable,
 * sock_error; else -1, -1, 0) if revents has any of the bits in
 * amounts_if: a knote that is not ready needs no amounts. May sleep;
 * kq->mutex held. in_flux: the caller holds the knote in flux, so a close
 * leaves the file to the reap work (which needs kq->mutex) and no
 * reference need be taken.
 */
void kqsys_fd_poll(struct kqsys_fd *src, struct kqsys_fd_state *state,
		   int in_flux, unsigned int amounts_if);

/* ---- timers (EVFILT_TIMER) ---------------------------------------------- */
/*
 * May sleep. The expiry calls kqcore_timer_expired(kn, n, periodic) in
 * hard-irq (the timer softirq thread on PREEMPT_RT).
 */
struct kqsys_timer *kqsys_timer_create(struct kqsys *sys,
				       struct kqcore_knote *kn);
/*
 * (Re)arm: first expiry at first_ns (relative to now on CLOCK_MONOTONIC, or
 * absolute CLOCK_REALTIME if absolute_realtime), then every period_ns if
 * period_ns > 0. Cancels a pending expiry first. May sleep.
 */
void kqsys_timer_start(struct kqsys_timer *timer, long long first_ns,
		       long long period_ns, int absolute_realtime);
/* Cancel; waits for a running expiry. May sleep. */
void kqsys_timer_stop(struct kqsys_timer *timer);
/*
 * Re-arm a periodic timer whose expiry parked it (kqcore_timer_expired()
 * said KQCORE_TIMER_PARK): it goes on at its old phase, and the periods
 * that passed while it was parked are returned. Process context, kq->lock
 * not held; the parking expiry may still be returning (hrtimer allows it).
 */
unsigned long long kqsys_timer_resume(struct kqsys_timer *timer);
/* Cancel and free; waits for a running expiry. May sleep. */
void kqsys_timer_destroy(struct kqsys_timer *timer);

/* ---- processes (EVFILT_PROC, glue: proc_source.c) ------------------------ */
/*
 * Watch the process whose pid, in the caller's pid namespace, is ident, if
 * the caller may (the rule in the uapi header): from the moment *out is set
 * the fork/exec/exit probes call kqcore_proc_*(kn). Returns 0; or 1 if the
 * process has already exited (a zombie, or its last thread is past its
 * exit probe), with *exit_status its wait status and no watch left hashed
 * (*out must still be detached); or -ESRCH, -EPERM, -ENOMEM. May sleep.
 */
int kqsys_proc_attach(struct kqcore_knote *kn, unsigned long long ident,
		      struct kqsys_proc **out, int *exit_status);
/* Stop watching; the watch's memory goes after a tasks-trace grace period. Any context. */
void kqsys_proc_detach(struct kqsys_proc *watch);
/* child's pid in watch's pid namespace, 0 if it has none there. Any context. */
long long kqsys_proc_pid_of(const struct kqsys_proc *watch,
			    const struct kqsys_task *child);
/* Threads of the watched process; 0 once it has exited. Any context. */
unsigned int kqsys_proc_threads(const struct kqsys_proc *watch);
/* Threads of the process ident names in the caller's pid namespace; 0: none. */
unsigned int kqsys_pid_threads(unsigned long long ident);
/*
 * A watch for a NOTE_TRACK child, made ahead of the fork (the probe may
 * not allocate): blank until kqsys_proc_attach_child() fills it. May sleep.
 */
struct kqsys_proc *kqsys_proc_alloc(void);
/* Free a blank watch (never attached). May sleep. */
void kqsys_proc_free(struct kqsys_proc *blank);
/*
 * From the fork probe (any context; nothing allocated, no sleeping lock):
 * make blank watch child for kn, with the rights and pid namespace of
 * parent. -EPERM if those rights do not cover the child, -ENOMEM when the
 * force_trackerr parameter is set; blank stays blank on failure.
 */
int kqsys_proc_attach_child(const struct kqsys_proc *parent,
			    const struct kqsys_task *child,
			    struct kqcore_knote *kn, struct kqsys_proc *blank);

/* ---- entry points of the core, called by the glue ------------------------ */
/* A new kqueue for sys, or NULL (ENOMEM). May sleep. */
struct kqcore *kqcore_create(struct kqsys *sys);
/* Detach and free every knote; adopt none from then on. May sleep. */
void kqcore_destroy(struct kqcore *kq);
/* Free the kqueue, a tasks-trace grace period after kqcore_destroy(). Any context. */
void kqcore_free(struct kqcore *kq);
/* Apply one change; 0 or a negative errno. May sleep. */
int kqcore_apply_change(struct kqcore *kq, const struct kevent *change);
/* The same, with kq->mutex held (kqsys_mutex_lock) for several changes. */
int kqcore_apply_change_locked(struct kqcore *kq, const struct kevent *change);
/*
 * Collect events: kqcore_scan_begin() takes kq->mutex; the first
 * kqcore_scan_next() puts the end marker in the active queue, and each
 * fills up to max events: fewer means nothing more before the marker,
 * which is then gone (later calls return 0). last: the caller will not ask
 * again once max are filled (the marker goes in the same kq->lock section).
 * kqcore_scan_end() removes the marker if still there and drops kq->mutex.
 * May sleep.
 */
void kqcore_scan_begin(struct kqcore *kq);
int kqcore_scan_next(struct kqcore *kq, struct kevent *out, int max, int last);
void kqcore_scan_end(struct kqcore *kq);
/* Number of knotes with a pending event (lockless snapshot). Any context. */
long kqcore_pending(const struct kqcore *kq);

/* A wake-up from a watched file: mask is the poll key (0 = unknown). Any
 * context; returns nonzero if the kqueue must be woken (kqsys_wake). */
int kqcore_fd_wakeup(struct kqcore_knote *kn, unsigned int mask);
/*
 * kn's descriptor was closed (close-detection probe, stripe lock held, no
 * sleeping): hide it from lookups and scans. NONE: kn was closed already,
 * or is being detached by someone who drops the file. BUSY: a scan is
 * evaluating kn; kn is on the closed list, the glue must queue the
 * kqueue's reap work, which calls kqcore_reap_closed(). IDLE: no one is
 * using kn and nothing can detach it yet: the glue releases the file, then
 * calls kqcore_fd_closed_reap() (any context) and queues the reap work.
 */
enum kqcore_fd_closed_result {
	KQCORE_FD_CLOSED_NONE,
	KQCORE_FD_CLOSED_IDLE,
	KQCORE_FD_CLOSED_BUSY,
};
enum kqcore_fd_closed_result kqcore_fd_closed(struct kqcore_knote *kn);
void kqcore_fd_closed_reap(struct kqcore_knote *kn);
/* Detach every knote kqcore_fd_closed() hid. Takes kq->mutex; may sleep. */
void kqcore_reap_closed(struct kqcore *kq);
/*
 * A timer expired n times (hard-irq; on PREEMPT_RT the timer softirq
 * thread). KQCORE_TIMER_WAKE: wake the kqueue. KQCORE_TIMER_PARK (periodic
 * timers only): do not restart; the knote's delivery resumes it.
 */
enum { KQCORE_TIMER_WAKE = 1, KQCORE_TIMER_PARK = 2 };
int kqcore_timer_expired(struct kqcore_knote *kn, unsigned long long n,
			 int periodic);

/*
 * The probes of a watched process, inside a tasks-trace read section,
 * possibly with preemption disabled: raw locks only, no allocation, and
 * deferred wake-ups. fork: the process forked child (NOTE_FORK,
 * NOTE_TRACK); child has not run yet. exec: it completed an execve; exit:
 * its last thread exits with the wait status.
 */
void kqcore_proc_fork(struct kqcore_knote *kn, const struct kqsys_task *child);
/* The process created thread, which has not run yet (NOTE_TRACK's reserve). */
void kqcore_proc_thread(struct kqcore_knote *kn, const struct kqsys_task *thread);
void kqcore_proc_exec(struct kqcore_knote *kn);
void kqcore_proc_exit(struct kqcore_knote *kn, int status);

#ifdef __cplusplus
}
#endif

#endif /* KQ_SERVICES_H */
