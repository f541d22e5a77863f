/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel-side definitions shared by the C glue files (never seen by C++). */
#ifndef KQ_GLUE_H
#define KQ_GLUE_H

#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "kq_services.h"

/* The kernel half of one kqueue; file->private_data of a /dev/kqueue file. */
struct kqsys {
	/*
	 * kq->lock, see kqueue.cpp LOCKING. Raw: the close and process probes
	 * take it with preemption off, where PREEMPT_RT allows no sleeping lock.
	 */
	raw_spinlock_t lock;
	struct mutex mutex;		/* kq->mutex */
	wait_queue_head_t waiters;	/* threads sleeping in kevent() */
	wait_queue_head_t pollers;	/* poll/select/epoll and watching kqueues */
	wait_queue_head_t flux_waiters;	/* detachers waiting for a knote's flux */
	struct kqcore *core;
	/*
	 * The process (thread group) that opened the kqueue: as on the BSDs a
	 * kqueue is not usable from another process (a forked child, one that
	 * received the descriptor over a unix socket).
	 */
	struct pid *owner;
	struct kq_user *user;		/* limits.c: the opener's counters */
	/*
	 * Bumped by every close() of a descriptor of this kqueue; a running
	 * kevent() that sees it move checks its own descriptor table.
	 */
	atomic_t close_generation;
	/*
	 * Lockdep subclass of pollers.lock while this kqueue wakes its pollers;
	 * a watching kqueue's callback runs then and nests one level deeper.
	 * Stable while pollers.lock is held.
	 */
	u8 wake_nesting;
	/* Nesting graph (kq_nesting_mutex): edges are struct kq_fd_edge. */
	struct list_head watches;	/* kqueues this one watches */
	struct list_head watchers;	/* kqueues watching this one */
	u64 visit_stamp;		/* graph walks, kq_nesting_mutex */
	int visit_depth;
	/* Detaches knotes whose descriptor was closed (fd_close.c). */
	struct work_struct reap_work;
	/*
	 * The /dev/kqueue file (NULL for KUnit's kqueues): work queued to run
	 * in a task (kqsys_task_work_add) holds it, and with it this module.
	 */
	struct file *file;
	/* Wake-ups asked for by probes (services.c), done by wake_work. */
	unsigned long deferred;
	struct irq_work wake_work;
	/* Freed after a tasks-trace grace period: probes may still hold it. */
	struct rcu_head rcu;
	struct work_struct free_work;
};

extern const struct file_operations kqueue_fops;

/* Allocate and initialise the kernel half of a kqueue and its core. */
struct kqsys *kqsys_create(void);
void kqsys_destroy(struct kqsys *sys);
/* sizeof(struct kqsys_fd): a file knote's room behind the core's part. */
extern const unsigned long kq_fd_source_size;
/* At module load and unload (the knote caches, the workqueue that frees kqueues). */
int kqsys_init(void);
void kqsys_exit(void);

/* Wake kevent() sleepers and pollers; nesting is the pollers.lock subclass. */
void kqsys_wake_nested(struct kqsys *sys, u8 nesting);

/*
 * A reference to the kqueue's file, or NULL if it is being closed: work
 * that a task runs later on the kqueue's behalf holds it, and with it sys
 * and this module. Any context, no allocation.
 */
struct file *kq_kqueue_file_get(struct kqsys *sys);

/* Per-user limits (limits.c). */
struct kq_user;
struct kq_user *kq_user_get(void);	/* the current real uid's; NULL: ENOMEM */
void kq_user_put(struct kq_user *user);	/* any context */
void kq_limits_init(void);

/* EVFILT_PROC's tracepoint probes (proc_source.c): attach at load, detach at unload. */
int kq_proc_init(void);
void kq_proc_exit(void);

/*
 * Close detection (fd_close.c): a knote's (descriptor table, number, file),
 * in the close table keyed by file. state is guarded by the file's stripe
 * lock; hashed belongs to the binder (bind and unbind, kq->mutex).
 */
enum kq_binding_state {
	KQ_BINDING_BINDING,	/* hashed, knote not published yet */
	KQ_BINDING_BOUND,	/* a close hides the knote and queues reap_work */
	KQ_BINDING_CLOSED,	/* for good; leaves the table at the latest when unbound */
};

struct kq_fd_binding {
	struct rhlist_head node;	/* in the close table */
	struct kq_fd_binding *release_next;	/* the close probe's own list */
	struct file *file;		/* the key */
	struct files_struct *files;	/* identity only, never dereferenced */
	int fd;
	bool hashed;
	u8 state;			/* enum kq_binding_state */
};

int kq_fd_close_init(void);
void kq_fd_close_exit(void);
/*
 * Watch fd (which maps to file in the current table) for closes. -EBADF if
 * it was closed meanwhile (b is then unhashed), -ENOMEM. kq->mutex held;
 * may sleep.
 */
int kq_fd_bind(struct kq_fd_binding *b, int fd, struct file *file);
/* kq_fd_bind's two steps, apart for KUnit: hash (BINDING; or -ENOMEM), then recheck. */
int kq_fd_bind_hash(struct kq_fd_binding *b, int fd, struct file *file);
int kq_fd_bind_confirm(struct kq_fd_binding *b);
/* No probe touches b or its knote after this; free b after RCU. */
void kq_fd_unbind(struct kq_fd_binding *b);
void kq_fd_reap_work(struct work_struct *work);
/*
 * fd_source.c, for the probe, whose closing task is to release the file
 * of a knote it found CLOSED and idle before close() returns to user
 * space. prepare (stripe lock held): false if it cannot (a kernel thread,
 * a kqueue closing, a kqueue file, whose graph edge needs the reap work);
 * the knote is then left to the reap work, which the caller must queue.
 * queue (after the stripe lock, any context: before 6.12 task_work_add()
 * may allocate for KASAN, so never under the raw lock): hands the release
 * to the closing task, which then leaves the knote to the reap work
 * itself.
 */
bool kq_fd_prepare_release(struct kq_fd_binding *b);
void kq_fd_queue_release(struct kq_fd_binding *b);
/* A binding lives in a file knote's source: its kqueue and knote. */
struct kqsys *kq_fd_binding_sys(const struct kq_fd_binding *b);
struct kqcore_knote *kq_fd_binding_knote(const struct kq_fd_binding *b);
/* KUnit: a binding in zeroed file-source memory watched by sys, and its end. */
struct kq_fd_binding *kq_fd_binding_alloc(struct kqsys *sys);
void kq_fd_binding_free(struct kq_fd_binding *b);

static inline bool kq_owned_by_current(const struct kqsys *sys)
{
	return sys->owner == task_tgid(current);
}

static inline bool kq_is_kqueue_file(const struct file *file)
{
	return file->f_op == &kqueue_fops;
}

#endif /* KQ_GLUE_H */
