// SPDX-License-Identifier: GPL-2.0
/*
 * Closed descriptors: BSD per-descriptor semantics for EVFILT_READ/WRITE.
 *
 * On the BSDs closing a descriptor removes every knote registered on that
 * descriptor number in the process's kqueues, and a kqueue never keeps a
 * closed file open. Linux tells nobody when a descriptor leaves a table
 * (fsnotify only sees the last close of the file), so the module watches
 * the one exported function every descriptor-closing path calls:
 * locks_remove_posix(file, table).
 *
 * WHY A CLOSE CANNOT BE MISSED
 *
 *   POSIX requires that closing any descriptor of a file releases the
 *   process's record locks on it, so every path that takes a descriptor out
 *   of a table must end in locks_remove_posix(file, table), after the
 *   descriptor is gone. On every supported kernel that call is made by
 *   filp_flush() (6.12+) or filp_close() (6.1) for every file not opened
 *   O_PATH (which fget() refuses, so it never has a knote): close(2) (6.1:
 *   close_fd + filp_close; from 6.12 file_close_fd + filp_flush and a
 *   synchronous final fput, no filp_close), close_range(2), dup2/dup3 over an
 *   open descriptor and replace_fd(), close-on-exec, exit and the last
 *   reference of a shared table (close_files), io_uring's IORING_OP_CLOSE
 *   and binder. It is exported, so no compiler inlines it into its callers,
 *   and it is the same probe point on every kernel. Its other callers are
 *   fcntl_setlk() finding its descriptor closed under it (the probe then
 *   sees a close that already happened) and locks_remove_file() at the last
 *   fput, whose owner is the file itself (ignored: not a table).
 *   Not covered: a module that takes a descriptor out with
 *   file_close_fd()/close_fd_get_file() and drops it with fput() alone
 *   (none in the tree). The hook is an ftrace_ops marked permanent, so
 *   function tracing cannot be switched off under it (sysctl
 *   kernel.ftrace_enabled=0 fails with EBUSY while the module is loaded).
 *   The fd_close selftests guard it per kernel.
 *
 *   The descriptor is gone when the probe runs, with one exception: up to
 *   6.x close_files() clears each slot before closing it, but 7.x leaves
 *   the slots of a dying table in place. A table whose count is zero is
 *   being dismantled: all of its descriptors count as closed.
 *
 * WHAT THE PROBE DOES
 *
 *   A binding ties a knote to (descriptor table, descriptor number, file).
 *   locks_remove_posix(file, table) looks file up in the close table (an
 *   rhltable keyed by the file pointer: one lookup whatever the number of
 *   bindings, where a fixed hash made every close() in the system walk
 *   longer chains as kqueues watched more descriptors). A binding of that
 *   file is closed if the table is the one it was made in, or the closer
 *   is the kqueue's owner process (an owner that unshared its table), and
 *   the descriptor number no longer maps to the file in the closing table.
 *   So a dup of the file keeps its own knotes, and a forked child closing
 *   its copy of the table changes nothing. A closed binding is marked
 *   CLOSED and its knote hidden from lookups and scans at once
 *   (kqcore_fd_closed); it leaves the close table when it is unbound (the
 *   rhltable's writers take bottom-half or irq-disabling bucket locks,
 *   which PREEMPT_RT does not allow in the probe). The probe acts under a
 *   raw lock, with preemption off, where PREEMPT_RT allows no wait-queue
 *   lock and no final fput, so the rest waits for a sleepable context: if no scan
 *   holds the knote, task work queued on the closing task leaves the
 *   file's wait queues and drops the file before close() returns to user
 *   space (the file is released when the user's last descriptor goes, as
 *   if unwatched), then queues the kqueue's reap work, which detaches the
 *   knote (kq->mutex, may sleep) and unbinds it; otherwise (a scan
 *   evaluating it, a kernel thread closing, a kqueue file) the reap work
 *   does both.
 *
 * RACE WITH EV_ADD
 *
 *     EV_ADD (kq->mutex)                 close(fd)
 *     fget(fd) -> file                   remove fd from the table
 *     insert the binding (BINDING)       smp_mb()
 *     smp_mb()                           table empty? lookup (lockless)
 *     fd still maps to file?             stripe lock: binding of file whose
 *       (stripe lock) else EBADF           fd is gone -> CLOSED
 *
 *   With a full barrier on both sides either the attach sees the descriptor
 *   gone or the probe sees the binding; a probe that closes a binding still
 *   BINDING leaves the knote alone (not published yet) and the attach fails
 *   with EBADF when it finds the binding CLOSED.
 *
 * LOCKING: a binding's state is guarded by the stripe lock of its file
 * (raw: the probe may not sleep; it may run from any close path), a leaf except for kq->lock,
 * taken under it by kqcore_fd_closed(); nothing takes a stripe lock under
 * kq->lock. The close table has its own bucket locks, taken only by
 * insert and remove in process context, with none of ours held. Task work
 * is queued after the stripe lock is dropped (before 6.12 task_work_add
 * may allocate for KASAN). Lookups run under rcu_read_lock(); a binding is
 * freed with its file knote, after a tasks-trace and an RCU grace period
 * (kqsys_free_after_trace_gp).
 *
 * COST for a process using no kqueue: one full barrier and one load of
 * the table's element count per close while no kqueue watches a
 * descriptor; a hash and a bucket load otherwise, however many are watched.
 */
#include <linux/fdtable.h>
#include <linux/hash.h>
#include <linux/ftrace.h>
#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/workqueue.h>

#include "kq_compat.h"
#include "kq_glue.h"

#ifndef CONFIG_DYNAMIC_FTRACE
#error "kqueue needs CONFIG_DYNAMIC_FTRACE: close() detection hooks locks_remove_posix()"
#endif
#ifndef CONFIG_FILE_LOCKING
#error "kqueue needs CONFIG_FILE_LOCKING: close() detection probes locks_remove_posix()"
#endif

/*
 * The key is a pointer: hashed by multiplication and compared as one word
 * (rhashtable's defaults, jhash2 and memcmp, cost every close() more).
 */
static u32 kq_close_hash(const void *key, u32 len, u32 seed)
{
	return hash_long(*(const unsigned long *)key ^ seed, 32);
}

static int kq_close_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct kq_fd_binding *b = obj;

	return b->file != *(struct file *const *)arg->key;
}

static const struct rhashtable_params kq_close_params = {
	.key_len = sizeof(struct file *),
	.key_offset = offsetof(struct kq_fd_binding, file),
	.head_offset = offsetof(struct kq_fd_binding, node),
	/*
	 * Grows, never shrinks: a kqueue that adds and deletes 10,000
	 * descriptors would otherwise pay two rehashes of the whole table per
	 * cycle (+400 ns per change under icount). It keeps its largest size
	 * (8 bytes a bucket, at most 2.7 buckets per binding at that moment)
	 * until the module is unloaded.
	 */
	.automatic_shrinking = false,
	.hashfn = kq_close_hash,
	.obj_cmpfn = kq_close_cmp,
};

static struct rhltable kq_close_table;

#define KQ_CLOSE_STRIPE_BITS 8

/* Each raw: taken by the probe, which may not sleep. */
static raw_spinlock_t kq_close_stripes[1 << KQ_CLOSE_STRIPE_BITS];

static raw_spinlock_t *kq_close_stripe_of(const struct file *file)
{
	return &kq_close_stripes[hash_ptr(file, KQ_CLOSE_STRIPE_BITS)];
}

static bool kq_fd_maps_to(struct files_struct *files, int fd, struct file *file)
{
	bool maps;

	/* Identity only: the caller holds a reference to file, so it is not reused. */
	rcu_read_lock();
	maps = files_lookup_fd_raw(files, fd) == file;
	rcu_read_unlock();
	return maps;
}

/* Stripe lock held: has this close of file from files closed b? */
static bool kq_binding_closed_by(const struct kq_fd_binding *b,
				 struct files_struct *files)
{
	if (b->files != files && task_tgid(current) != kq_fd_binding_sys(b)->owner)
		return false;
	/* A dying table (close_files) closes every descriptor it has. */
	if (atomic_read(&files->count) == 0)
		return true;
	return !kq_fd_maps_to(files, b->fd, b->file);
}

/*
 * Hide the knote at once. If no one is using it, the closing task drops
 * the file before close() returns to user space (the final release then
 * happens as if no kqueue had watched it): true, b goes on the caller's
 * list for kq_fd_queue_release(). Else the reap work drops it when the
 * knote is detached.
 */
static bool kq_close_knote(struct kq_fd_binding *b)
{
	switch (kqcore_fd_closed(kq_fd_binding_knote(b))) {
	case KQCORE_FD_CLOSED_IDLE:
		if (kq_fd_prepare_release(b))
			return true;
		fallthrough;
	case KQCORE_FD_CLOSED_BUSY:
		schedule_work(&kq_fd_binding_sys(b)->reap_work);
		break;
	default:
		break;	/* already closed, or its detacher drops the file */
	}
	return false;
}

/* rcu_read_lock() held; list: the bindings of file. */
static void kq_close_bindings(struct rhlist_head *list, struct file *file,
			      struct files_struct *files)
{
	raw_spinlock_t *stripe = kq_close_stripe_of(file);
	struct kq_fd_binding *b, *release = NULL;
	struct rhlist_head *pos;

	raw_spin_lock(stripe);
	rhl_for_each_entry_rcu(b, pos, list, node) {
		if (b->state == KQ_BINDING_CLOSED || !kq_binding_closed_by(b, files))
			continue;
		if (b->state == KQ_BINDING_BOUND && kq_close_knote(b)) {
			b->release_next = release;
			release = b;
		}
		b->state = KQ_BINDING_CLOSED;
	}
	raw_spin_unlock(stripe);
	/* Queued outside the lock: before 6.12 task_work_add() may allocate. */
	while (release) {
		b = release;
		release = b->release_next;
		kq_fd_queue_release(b);
	}
}

/*
 * locks_remove_posix(file, owner)'s entry, through an ftrace_ops of our
 * own: the trampoline saves the argument registers and calls this
 * directly (no kprobe lookup, no full register frame), as close() is
 * every process's path. Without FTRACE_OPS_FL_RECURSION ftrace adds no
 * recursion guard: none is needed, as nothing below closes a file (the
 * file is dropped by task work or the reap work). It may be called
 * preemptible; the stripe lock makes the part that acts non-preemptible.
 * FTRACE_OPS_FL_PERMANENT: function tracing cannot be switched off
 * (kernel.ftrace_enabled) under it, or closes would go unseen.
 */
static void notrace kq_close_probe(unsigned long ip, unsigned long parent_ip,
				   struct ftrace_ops *ops, struct ftrace_regs *fregs)
{
	struct file *file = (struct file *)kq_ftrace_argument(fregs, 0);
	struct files_struct *files = (struct files_struct *)kq_ftrace_argument(fregs, 1);
	struct rhlist_head *list;

	/* No table: a file the kernel opened itself; the file: its last fput. */
	if (!files || (void *)files == (void *)file)
		return;
	/* The descriptor left its table before this call: see EV_ADD race. */
	smp_mb();
	if (!atomic_read(&kq_close_table.ht.nelems))
		return;
	rcu_read_lock();
	list = rhltable_lookup(&kq_close_table, &file, kq_close_params);
	if (list)
		kq_close_bindings(list, file, files);
	rcu_read_unlock();
}

static struct ftrace_ops kq_close_ops = {
	.func = kq_close_probe,
	.flags = FTRACE_OPS_FL_PERMANENT,
};

static const char kq_close_point[] = "locks_remove_posix";

int kq_fd_bind_hash(struct kq_fd_binding *b, int fd, struct file *file)
{
	int err;

	b->fd = fd;
	b->file = file;
	b->files = current->files;
	b->state = KQ_BINDING_BINDING;
	err = rhltable_insert(&kq_close_table, &b->node, kq_close_params);
	if (err) {
		b->state = KQ_BINDING_CLOSED;
		return err;
	}
	b->hashed = true;
	return 0;
}

static void kq_fd_unhash(struct kq_fd_binding *b)
{
	if (!b->hashed)
		return;
	WARN_ON_ONCE(rhltable_remove(&kq_close_table, &b->node, kq_close_params));
	b->hashed = false;
}

int kq_fd_bind_confirm(struct kq_fd_binding *b)
{
	raw_spinlock_t *stripe = kq_close_stripe_of(b->file);
	int err = 0;

	smp_mb();	/* the table entry before the table read: see EV_ADD race */

	raw_spin_lock(stripe);
	if (b->state == KQ_BINDING_CLOSED) {
		err = -EBADF;
	} else if (!kq_fd_maps_to(b->files, b->fd, b->file)) {
		b->state = KQ_BINDING_CLOSED;
		err = -EBADF;
	} else {
		b->state = KQ_BINDING_BOUND;
	}
	raw_spin_unlock(stripe);
	if (err)
		kq_fd_unhash(b);
	return err;
}

int kq_fd_bind(struct kq_fd_binding *b, int fd, struct file *file)
{
	int err = kq_fd_bind_hash(b, fd, file);

	return err ? err : kq_fd_bind_confirm(b);
}

void kq_fd_unbind(struct kq_fd_binding *b)
{
	if (b->file) {
		raw_spinlock_t *stripe = kq_close_stripe_of(b->file);

		raw_spin_lock(stripe);
		b->state = KQ_BINDING_CLOSED;
		raw_spin_unlock(stripe);
	}
	kq_fd_unhash(b);
}

void kq_fd_reap_work(struct work_struct *work)
{
	struct kqsys *sys = container_of(work, struct kqsys, reap_work);

	kqcore_reap_closed(sys->core);
}

int kq_fd_close_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(kq_close_stripes); i++)
		raw_spin_lock_init(&kq_close_stripes[i]);
	err = rhltable_init(&kq_close_table, &kq_close_params);
	if (err)
		return err;
	err = ftrace_set_filter(&kq_close_ops, (unsigned char *)kq_close_point,
				strlen(kq_close_point), 1);
	if (!err)
		err = register_ftrace_function(&kq_close_ops);
	if (err) {
		pr_err("kqueue: cannot hook %s() with ftrace (%d): close() would not remove knotes\n",
		       kq_close_point, err);
		ftrace_free_filter(&kq_close_ops);
		rhltable_destroy(&kq_close_table);
		return err;
	}
	pr_info("kqueue: close detection: ftrace hook on %s()\n", kq_close_point);
	return 0;
}

/* After the last kqueue is gone: no binding is left. */
void kq_fd_close_exit(void)
{
	/* Waits until no CPU can still be in kq_close_probe(). */
	unregister_ftrace_function(&kq_close_ops);
	ftrace_free_filter(&kq_close_ops);
	rhltable_destroy(&kq_close_table);
}
