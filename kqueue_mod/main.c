// SPDX-License-Identifier: GPL-2.0
/*
 * kqueue.ko: the /dev/kqueue device. Each open() is a kqueue; the
 * KQUEUE_IOC_KEVENT ioctl is kevent(2). This file owns every copy from and
 * to user memory; the C++ core (kqueue.cpp) never sees a user pointer.
 */
#include <linux/errno.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rcupdate_trace.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/time64.h>
#include <linux/uaccess.h>
#include <uapi/linux/kqueue.h>

#include "kq_glue.h"

/* The core's freestanding copies of ABI constants must match the kernel's. */
static_assert(KQSYS_POLLIN == (__force unsigned int)EPOLLIN);
static_assert(KQSYS_POLLPRI == (__force unsigned int)EPOLLPRI);
static_assert(KQSYS_POLLOUT == (__force unsigned int)EPOLLOUT);
static_assert(KQSYS_POLLERR == (__force unsigned int)EPOLLERR);
static_assert(KQSYS_POLLHUP == (__force unsigned int)EPOLLHUP);
static_assert(KQSYS_POLLRDNORM == (__force unsigned int)EPOLLRDNORM);
static_assert(KQSYS_POLLWRNORM == (__force unsigned int)EPOLLWRNORM);
static_assert(KQSYS_POLLRDHUP == (__force unsigned int)EPOLLRDHUP);
static_assert(EPERM == 1 && ENOENT == 2 && ESRCH == 3 && EBADF == 9 &&
	      ENOMEM == 12 && EINVAL == 22 && ELOOP == 40,
	      "kq_base.hpp errno values");

/* Changes and events move between user and kernel memory in chunks. */
#define KQ_CHUNK 8

/*
 * The ABI's structures are whole 64-bit words (the uapi header asserts
 * their sizes), and they move a word at a time: for 40 or 64 bytes a
 * string copy (rep movsb) costs more than the words, and the destination
 * is always a kernel buffer of the right type, so the hardened-usercopy
 * object check has nothing to add.
 */
static_assert(sizeof(struct kevent) == 8 * sizeof(u64));
static_assert(sizeof(struct kqueue_kevent_args) == 5 * sizeof(u64));

static int kq_words_from_user(void *to, const void __user *from, size_t bytes)
{
	const u64 __user *src = from;
	u64 *dst = to;
	size_t i;

	if (!user_read_access_begin(from, bytes))
		return -EFAULT;
	for (i = 0; i < bytes / sizeof(u64); i++)
		unsafe_get_user(dst[i], &src[i], fault);
	user_read_access_end();
	return 0;
fault:
	user_read_access_end();
	return -EFAULT;
}

static int kq_words_to_user(void __user *to, const void *from, size_t bytes)
{
	u64 __user *dst = to;
	const u64 *src = from;
	size_t i;

	if (!user_write_access_begin(to, bytes))
		return -EFAULT;
	for (i = 0; i < bytes / sizeof(u64); i++)
		unsafe_put_user(src[i], &dst[i], fault);
	user_write_access_end();
	return 0;
fault:
	user_write_access_end();
	return -EFAULT;
}

static int kq_open(struct inode *inode, struct file *file)
{
	struct kqsys *sys = kqsys_create();

	if (!sys)
		return -ENOMEM;
	file->private_data = sys;
	sys->file = file;
	return nonseekable_open(inode, file);
}

static int kq_release(struct inode *inode, struct file *file)
{
	kqsys_destroy(file->private_data);
	return 0;
}

/*
 * Every close() of a descriptor of this kqueue comes here. A kevent() call
 * in progress holds the file (release cannot run under it), so closing the
 * kqueue for it is the call's own business: wake the sleepers, and each
 * running call checks whether its process still has a descriptor for the
 * file (kq_closed_under_call). Another process's close (a forked child
 * closing its copy) or a dup left open therefore changes nothing.
 */
static int kq_flush(struct file *file, fl_owner_t id)
{
	struct kqsys *sys = file->private_data;

	atomic_inc(&sys->close_generation);
	wake_up_all(&sys->waiters);
	return 0;
}

/* One running kevent() call on a kqueue. */
struct kq_call {
	struct kqsys *sys;
	struct file *file;
	int close_generation;	/* the last one checked */
};

static int kq_is_file(const void *file, struct file *candidate, unsigned int fd)
{
	return candidate == file;
}

/*
 * The calling process closed its last descriptor of the kqueue while this
 * call ran (as on the BSDs: the call fails with EBADF, no knote is added).
 */
static bool kq_closed_under_call(struct kq_call *call)
{
	int generation = atomic_read(&call->sys->close_generation);

	if (generation == call->close_generation)
		return false;
	call->close_generation = generation;
	return !iterate_fd(current->files, 0, kq_is_file, call->file);
}

static __poll_t kq_poll(struct file *file, poll_table *pt)
{
	struct kqsys *sys = file->private_data;

	/* Another process's kqueue is not readable here: an error, at once. */
	if (!kq_owned_by_current(sys))
		return EPOLLERR;
	poll_wait(file, &sys->pollers, pt);
	/* Our queueing before the look: pairs with kqsys_wake_nested(). */
	smp_mb();
	return kqcore_pending(sys->core) ? EPOLLIN | EPOLLRDNORM : 0;
}

/*
 * Sleep until an event is pending, the absolute CLOCK_MONOTONIC deadline
 * (NULL: none) passes (-ETIME), or a signal arrives (-EINTR).
 */
static int kq_wait_for_events(struct kq_call *call, ktime_t *deadline)
{
	struct kqsys *sys = call->sys;
	DEFINE_WAIT(wait);
	int ret = 0;

	for (;;) {
		prepare_to_wait(&sys->waiters, &wait, TASK_INTERRUPTIBLE);
		if (kq_closed_under_call(call)) {
			ret = -EBADF;
			break;
		}
		if (kqcore_pending(sys->core))
			break;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (!schedule_hrtimeout_range(deadline, current->timer_slack_ns,
					      HRTIMER_MODE_ABS)) {
			ret = -ETIME;
			break;
		}
	}
	finish_wait(&sys->waiters, &wait);
	return ret;
}

/* One pass over the pending knotes into the user's eventlist. */
static long kq_scan_to_user(struct kqsys *sys, struct kevent __user *out,
			    int nevents)
{
	/* Written before it is read: not zeroed on every call (INIT_STACK_ALL_ZERO). */
	struct kevent buf[KQ_CHUNK] __uninitialized;
	long total = 0;

	kqcore_scan_begin(sys->core);
	while (total < nevents) {
		int room = min_t(long, KQ_CHUNK, nevents - total);
		int n = kqcore_scan_next(sys->core, buf, room,
					 total + room == nevents);

		if (n && kq_words_to_user(out + total, buf, n * sizeof(*buf))) {
			total = -EFAULT;
			break;
		}
		total += n;
		if (n < room)
			break;	/* the scan reached its marker */
	}
	kqcore_scan_end(sys->core);
	return total;
}

/*
 * Nothing pending (a lockless look): no scan. Every knote a scan could
 * report or drop is queued, and pending_ counts the queue; one queued just
 * after the look is seen by kq_wait_for_events(), as if it had come after
 * a scan.
 */
static long kq_scan_if_pending(struct kqsys *sys, struct kevent __user *out,
			       int nevents)
{
	return kqcore_pending(sys->core) ? kq_scan_to_user(sys, out, nevents) : 0;
}

static long kq_collect(struct kq_call *call, struct kevent __user *out,
		       int nevents, const struct timespec64 *timeout)
{
	struct kqsys *sys = call->sys;
	ktime_t deadline = 0;
	long n;
	int err;

	for (;;) {
		n = kq_scan_if_pending(sys, out, nevents);
		if (n)
			return n;
		if (timeout && !deadline) {
			if (!timeout->tv_sec && !timeout->tv_nsec)
				return 0;
			/* Read the clock only for a call that waits. */
			deadline = ktime_add_safe(ktime_get(),
						  timespec64_to_ktime(*timeout));
		}
		err = kq_wait_for_events(call, timeout ? &deadline : NULL);
		if (err == -ETIME)
			return kq_scan_if_pending(sys, out, nevents);
		if (err)
			return err;
	}
}

/* Report change as an EV_ERROR entry (err 0: an EV_RECEIPT). */
static int kq_report_change(struct kevent *change, int err,
			    struct kevent __user *slot)
{
	change->flags = EV_ERROR;
	change->data = -err;
	memset(change->ext, 0, sizeof(change->ext));
	return kq_words_to_user(slot, change, sizeof(*change));
}

/* Where a kevent() call is in its changelist and eventlist. */
struct kq_changes {
	struct kevent __user *out;
	int nevents;
	int nerrors;
};

/*
 * Apply a chunk of changes under one hold of kq->mutex: taking it per
 * change cost a batched change more than its lookup. True if the call
 * ends here, with *result.
 */
static bool kq_apply_chunk(struct kq_call *call, struct kevent *buf, int n,
			   struct kq_changes *at, long *result)
{
	struct kqsys *sys = call->sys;
	bool stop = false;
	int j;

	kqsys_mutex_lock(sys);
	for (j = 0; j < n && !stop; j++) {
		struct kevent *change = &buf[j];
		int err;

		if (!change->filter)
			continue;
		/* No knote is added to a kqueue being closed. */
		if (kq_closed_under_call(call)) {
			*result = -EBADF;
			stop = true;
			break;
		}
		err = kqcore_apply_change_locked(sys->core, change);
		if (!err && !(change->flags & EV_RECEIPT))
			continue;
		/*
		 * No room: as FreeBSD, stop here. A failure fails the call; a
		 * receipt returns the entries written so far.
		 */
		if (!at->nevents) {
			*result = err ? err : at->nerrors;
			stop = true;
		} else if (kq_report_change(change, err, at->out)) {
			*result = -EFAULT;
			stop = true;
		} else {
			at->out++;
			at->nevents--;
			at->nerrors++;
		}
	}
	kqsys_mutex_unlock(sys);
	return stop;
}

static long kq_ioctl_kevent(struct kq_call *call,
			    struct kqueue_kevent_args __user *uargs)
{
	/* Both filled from user memory before use. */
	struct kqueue_kevent_args args __uninitialized;
	struct timespec64 timeout __uninitialized;
	struct kevent __user *changes;
	/* Filled from user memory before use: not zeroed on every call. */
	struct kevent buf[KQ_CHUNK] __uninitialized;
	struct kq_changes at;
	long result;
	int i;

	if (kq_words_from_user(&args, uargs, sizeof(args)))
		return -EFAULT;
	if (args.reserved || args.nchanges < 0 || args.nevents < 0 ||
	    args.nchanges > KQUEUE_MAX_KEVENTS || args.nevents > KQUEUE_MAX_KEVENTS)
		return -EINVAL;
	if (args.timeout) {
		if (get_timespec64(&timeout, u64_to_user_ptr(args.timeout)))
			return -EFAULT;
		if (timeout.tv_sec < 0 || !timespec64_valid(&timeout))
			return -EINVAL;
	}
	changes = u64_to_user_ptr(args.changelist);
	at.out = u64_to_user_ptr(args.eventlist);
	at.nevents = args.nevents;
	at.nerrors = 0;

	for (i = 0; i < args.nchanges; i += KQ_CHUNK) {
		int n = min(KQ_CHUNK, args.nchanges - i);

		if (kq_words_from_user(buf, changes + i, n * sizeof(*buf)))
			return -EFAULT;
		if (kq_apply_chunk(call, buf, n, &at, &result))
			return result;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	if (at.nerrors)
		return at.nerrors;
	if (!at.nevents)
		return 0;
	return kq_collect(call, at.out, at.nevents, args.timeout ? &timeout : NULL);
}

static long kq_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kqsys *sys = file->private_data;
	struct kq_call call = {
		.sys = sys,
		.file = file,
		.close_generation = atomic_read(&sys->close_generation),
	};

	switch (cmd) {
	case KQUEUE_IOC_KEVENT:
		if (!kq_owned_by_current(sys))
			return -EBADF;
		return kq_ioctl_kevent(&call, (void __user *)arg);
	case KQUEUE_IOC_VERSION:
		return put_user((__u32)KQUEUE_ABI_VERSION, (__u32 __user *)arg);
	default:
		return -ENOTTY;
	}
}

const struct file_operations kqueue_fops = {
	.owner = THIS_MODULE,
	.open = kq_open,
	.flush = kq_flush,
	.release = kq_release,
	.poll = kq_poll,
	.unlocked_ioctl = kq_ioctl,
	/* No .llseek: kq_open's nonseekable_open() makes lseek() ESPIPE. */
};

static struct miscdevice kq_device = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kqueue",
	.fops = &kqueue_fops,
	.mode = 0666,
};

static int __init kq_init(void)
{
	int err;

	kq_limits_init();
	err = kqsys_init();
	if (err)
		return err;
	err = kq_fd_close_init();
	if (err)
		goto out_sys;
	err = kq_proc_init();
	if (err)
		goto out_close;
	err = misc_register(&kq_device);
	if (err)
		goto out_proc;
	return 0;

out_proc:
	kq_proc_exit();
out_close:
	kq_fd_close_exit();
out_sys:
	kqsys_exit();
	return err;
}

static void __exit kq_exit(void)
{
	misc_deregister(&kq_device);
	kq_proc_exit();
	kq_fd_close_exit();
	/* Knotes and kqueues are freed after a tasks-trace grace period. */
	rcu_barrier_tasks_trace();
	kqsys_exit();
}

module_init(kq_init);
module_exit(kq_exit);

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("BSD kqueue/kevent for Linux");
MODULE_VERSION("0.1");
