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
 *   (none in the tree), and an administrator disarming all kprobes through
 *   debugfs (kprobes/enabled). The fd_close selftests guard it per kernel.
 *
 *   The descriptor is gone when the probe runs, with one exception: up to
 *   6.x close_files() clears each slot before closing it, but 7.x leaves
 *   the slots of a dying table in place. A table whose count is zero is
 *   being dismantled: all of its descriptors count as closed.
 *
 * WHAT THE PROBE DOES
 *
 *   A binding ties a knote to (descriptor table, descriptor number, file).
 *   locks_remove_posix(file, table) looks up file in a hash of bindings; a binding
 *   of that file is closed if the table is the one it was made in, or the
 *   closer is the kqueue's owner process (an owner that unshared its table),
 *   and the descriptor number no longer maps to the file in the closing
 *   table. So a dup of the file keeps its own knotes, and a forked child
 *   closing its copy of the table changes nothing. A closed binding leaves
 *   the hash and its knote is hidden from lookups and scans at once
 *   (kqcore_fd_closed). The probe runs with preemption off, where
 *   PREEMPT_RT allows no wait-queue lock and no final fput, so the rest
 *   waits for a sleepable context: if no scan holds the knote, task work
 *   queued on the closing task leaves the file's wait queues and drops the
 *   file before close() returns to user space (the file is released when
 *   the user's last descriptor goes, as if unwatched), then queues the
 *   kqueue's reap work, which detaches the knote (kq->mutex, may sleep);
 *   otherwise (a scan evaluating it, a kernel thread closing, a kqueue
 *   file) the reap work does both.
 *
 * RACE WITH EV_ADD
 *
 *     EV_ADD (kq->mutex)                 close(fd)
 *     fget(fd) -> file                   remove fd from the table
 *     hash the binding (BINDING)         smp_mb()
 *     smp_mb()                           hash empty?  (lockless)
 *     fd still maps to file?             bucket lock: binding of file whose
 *       (bucket lock) else EBADF           fd is gone -> CLOSED
 *
 *   With a full barrier on both sides either the attach sees the descriptor
 *   gone or the probe sees the binding; a probe that closes a binding still
 *   BINDING leaves the knote alone (not published yet) and the attach fails
 *   with EBADF when it finds the binding CLOSED.
 *
 * LOCKING: the bucket lock (raw: the probe runs with preemption off) is a
 * leaf except for kq->lock, taken under it by kqcore_fd_closed(); nothing
 * takes a bucket lock under kq->lock. Task work is queued after the bucket
 * lock is dropped (before 6.12 task_work_add may allocate for KASAN). Lookups
 * walk a bucket under rcu_read_lock(); bindings are freed after an RCU
 * grace period (kfree_rcu of their kqsys_fd).
 *
 * COST for a process using no kqueue: one full barrier and one load of a
 * bucket head per close (and a walk when another file shares the bucket).
 */
#include <linux/fdtable.h>
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/rculist.h>
#include <linux/workqueue.h>

#include "kq_glue.h"

#ifndef CONFIG_KPROBES
#error "kqueue needs CONFIG_KPROBES: close() detection probes locks_remove_posix()"
#endif
#ifndef CONFIG_FILE_LOCKING
#error "kqueue needs CONFIG_FILE_LOCKING: close() detection probes locks_remove_posix()"
#endif

#define KQ_CLOSE_HASH_BITS 10

struct kq_close_bucket {
	raw_spinlock_t lock;	/* raw: the probe runs with preemption off */
	struct hlist_head bindings;	/* writers hold lock; readers RCU */
};

static struct kq_close_bucket kq_close_hash[1 << KQ_CLOSE_HASH_BITS];

static struct kq_close_bucket *kq_close_bucket_of(const struct file *file)
{
	return &kq_close_hash[hash_ptr(file, KQ_CLOSE_HASH_BITS)];
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

/* Bucket lock held: has this close of file from files closed b? */
static bool kq_binding_closed_by(const struct kq_fd_binding *b,
				 struct files_struct *files)
{
	if (b->files != files && task_tgid(current) != b->sys->owner)
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
	switch (kqcore_fd_closed(b->kn)) {
	case KQCORE_FD_CLOSED_IDLE:
		if (kq_fd_prepare_release(b))
			return true;
		fallthrough;
	case KQCORE_FD_CLOSED_BUSY:
		schedule_work(&b->sys->reap_work);
		break;
	default:
		break;	/* already closed, or its detacher drops the file */
	}
	return false;
}

static void kq_close_bindings(struct kq_close_bucket *bucket,
			      struct file *file, struct files_struct *files)
{
	struct kq_fd_binding *b, *release = NULL;
	struct hlist_node *next;

	raw_spin_lock(&bucket->lock);
	hlist_for_each_entry_safe(b, next, &bucket->bindings, link) {
		if (b->file != file || !kq_binding_closed_by(b, files))
			continue;
		hlist_del_init_rcu(&b->link);
		if (b->state == KQ_BINDING_BOUND && kq_close_knote(b)) {
			b->release_next = release;
			release = b;
		}
		b->state = KQ_BINDING_CLOSED;
	}
	raw_spin_unlock(&bucket->lock);
	/* Queued outside the lock: before 6.12 task_work_add() may allocate. */
	while (release) {
		b = release;
		release = b->release_next;
		kq_fd_queue_release(b);
	}
}

static int kq_close_probe(struct kprobe *probe, struct pt_regs *regs)
{
	struct file *file = (struct file *)regs_get_kernel_argument(regs, 0);
	struct files_struct *files =
		(struct files_struct *)regs_get_kernel_argument(regs, 1);
	struct kq_close_bucket *bucket = kq_close_bucket_of(file);
	struct kq_fd_binding *b;
	bool watched = false;

	/* No table: a file the kernel opened itself; the file: its last fput. */
	if (!files || (void *)files == (void *)file)
		return 0;
	/* The descriptor left its table before this call: see EV_ADD race. */
	smp_mb();
	if (hlist_empty(&bucket->bindings))
		return 0;
	rcu_read_lock();
	hlist_for_each_entry_rcu(b, &bucket->bindings, link) {
		if (READ_ONCE(b->file) == file) {
			watched = true;
			break;
		}
	}
	rcu_read_unlock();
	if (watched)
		kq_close_bindings(bucket, file, files);
	return 0;
}

static struct kprobe kq_close_kprobe = {
	.symbol_name = "locks_remove_posix",
	.pre_handler = kq_close_probe,
};

void kq_fd_bind_hash(struct kq_fd_binding *b, struct kqsys *sys,
		     struct kqcore_knote *kn, int fd, struct file *file)
{
	struct kq_close_bucket *bucket = kq_close_bucket_of(file);

	b->sys = sys;
	b->kn = kn;
	b->fd = fd;
	b->file = file;
	b->files = current->files;
	b->state = KQ_BINDING_BINDING;
	raw_spin_lock(&bucket->lock);
	hlist_add_head_rcu(&b->link, &bucket->bindings);
	raw_spin_unlock(&bucket->lock);
}

int kq_fd_bind_confirm(struct kq_fd_binding *b)
{
	struct kq_close_bucket *bucket = kq_close_bucket_of(b->file);
	int err = 0;

	smp_mb();	/* the hash entry before the table read: see EV_ADD race */

	raw_spin_lock(&bucket->lock);
	if (b->state == KQ_BINDING_CLOSED) {
		err = -EBADF;
	} else if (!kq_fd_maps_to(b->files, b->fd, b->file)) {
		hlist_del_init_rcu(&b->link);
		b->state = KQ_BINDING_CLOSED;
		err = -EBADF;
	} else {
		b->state = KQ_BINDING_BOUND;
	}
	raw_spin_unlock(&bucket->lock);
	return err;
}

int kq_fd_bind(struct kq_fd_binding *b, struct kqsys *sys,
	       struct kqcore_knote *kn, int fd, struct file *file)
{
	kq_fd_bind_hash(b, sys, kn, fd, file);
	return kq_fd_bind_confirm(b);
}

void kq_fd_unbind(struct kq_fd_binding *b)
{
	struct kq_close_bucket *bucket = kq_close_bucket_of(b->file);

	raw_spin_lock(&bucket->lock);
	if (!hlist_unhashed(&b->link))
		hlist_del_init_rcu(&b->link);
	b->state = KQ_BINDING_CLOSED;
	raw_spin_unlock(&bucket->lock);
}

void kq_fd_reap_work(struct work_struct *work)
{
	struct kqsys *sys = container_of(work, struct kqsys, reap_work);

	kqcore_reap_closed(sys->core);
}

int kq_fd_close_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(kq_close_hash); i++) {
		raw_spin_lock_init(&kq_close_hash[i].lock);
		INIT_HLIST_HEAD(&kq_close_hash[i].bindings);
	}
	err = register_kprobe(&kq_close_kprobe);
	if (err) {
		pr_err("kqueue: cannot probe %s() (%d): close() would not remove knotes\n",
		       kq_close_kprobe.symbol_name, err);
		return err;
	}
	pr_info("kqueue: close detection: kprobe on %s()\n", kq_close_kprobe.symbol_name);
	return 0;
}

/* After the last kqueue is gone: no binding is left. */
void kq_fd_close_exit(void)
{
	unregister_kprobe(&kq_close_kprobe);
}
