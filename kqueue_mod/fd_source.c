// SPDX-License-Identifier: GPL-2.0
/*
 * Files as event sources for EVFILT_READ/EVFILT_WRITE.
 *
 * A knote registers on the file's wait queues through vfs_poll() with its
 * own poll_table, as epoll does; the wake-up callback hands the poll key to
 * the core. Readiness and data are read afresh at scan time.
 *
 * Kqueues watching kqueues form a graph that must stay acyclic (a cycle
 * would pin files forever and recurse in wake-ups) and shallow (wake-ups
 * nest one pollers lock per level): kq_nesting_mutex guards it.
 */
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/pipe_fs_i.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/af_unix.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <uapi/linux/kqueue.h>

#include "kq_compat.h"
#include "kq_glue.h"

struct kqsys_fd_wait {
	wait_queue_entry_t entry;	/* private: the struct kqsys_fd */
	/* NULL once the queue announced POLLFREE (it is freed after RCU). */
	wait_queue_head_t *head;
	struct kqsys_fd_wait *next;	/* the file's further wait queues */
};

/* A kqueue watching a kqueue: an edge of the nesting graph. */
struct kq_fd_edge {
	struct kqsys_fd *src;
	struct kqsys *watched;
	struct list_head watches_link;	/* in src->sys->watches */
	struct list_head watchers_link;	/* in watched->watchers */
};

/*
 * Lives in the knote's own memory, right behind the core's part
 * (KQSYS_KNOTE_FD), and goes with it: after a tasks-trace and an RCU grace
 * period, so the close probe's RCU walk may still meet the binding after
 * kq_fd_unbind().
 */
struct kqsys_fd {
	/*
	 * NULL once the closing task released it (kq_fd_close_work); users
	 * outside the detach path take their own reference (kq_fd_get_file).
	 */
	struct file *file;
	struct kqsys *sys;		/* the watching kqueue */
	struct kq_fd_edge *edge;	/* when file is a kqueue */
	/* The first wait queue: most files (pipes, sockets) have only one. */
	struct kqsys_fd_wait wait;
	bool wait_alloc_failed;
	/*
	 * What the registering poll returned, for the first evaluation
	 * (kq->mutex): anything since then is a wake-up that queues the knote.
	 */
	bool fresh;
	__poll_t attach_revents;
	/* Found by the close probe under RCU (fd_close.c). */
	struct kq_fd_binding binding;
	/* The closing task's release of file (kq_fd_prepare_release). */
	struct callback_head close_work;
};

const unsigned long kq_fd_source_size = sizeof(struct kqsys_fd);

/* The knote whose memory src lives in, right behind the core's part. */
static struct kqcore_knote *kq_fd_knote(const struct kqsys_fd *src)
{
	return (struct kqcore_knote *)((char *)src - kqcore_knote_size);
}

struct kqsys *kq_fd_binding_sys(const struct kq_fd_binding *b)
{
	return container_of(b, struct kqsys_fd, binding)->sys;
}

struct kqcore_knote *kq_fd_binding_knote(const struct kq_fd_binding *b)
{
	return kq_fd_knote(container_of(b, struct kqsys_fd, binding));
}

#if IS_ENABLED(CONFIG_KUNIT)
struct kq_fd_binding *kq_fd_binding_alloc(struct kqsys *sys)
{
	struct kqsys_fd *src = kzalloc(sizeof(*src), GFP_KERNEL);

	if (!src)
		return NULL;
	src->sys = sys;
	return &src->binding;
}

/* After RCU: the close probe may still walk past it. */
void kq_fd_binding_free(struct kq_fd_binding *b)
{
	synchronize_rcu();
	kfree(container_of(b, struct kqsys_fd, binding));
}
#endif

/* The registering poll's table: it exists only during vfs_poll(). */
struct kq_fd_ptable {
	poll_table pt;
	struct kqsys_fd *src;
};

/* ---- the nesting graph of kqueues ----------------------------------------- */

static DEFINE_MUTEX(kq_nesting_mutex);
static u64 kq_visit_stamp;

/* Longest chain of watched kqueues below sys (memoised per walk). */
static int kq_depth_below(struct kqsys *sys)
{
	struct kq_fd_edge *edge;
	int depth = 0;

	if (sys->visit_stamp == kq_visit_stamp)
		return sys->visit_depth;
	list_for_each_entry(edge, &sys->watches, watches_link)
		depth = max(depth, 1 + kq_depth_below(edge->watched));
	sys->visit_stamp = kq_visit_stamp;
	sys->visit_depth = depth;
	return depth;
}

static int kq_depth_above(struct kqsys *sys)
{
	struct kq_fd_edge *edge;
	int depth = 0;

	if (sys->visit_stamp == kq_visit_stamp)
		return sys->visit_depth;
	list_for_each_entry(edge, &sys->watchers, watchers_link)
		depth = max(depth, 1 + kq_depth_above(edge->src->sys));
	sys->visit_stamp = kq_visit_stamp;
	sys->visit_depth = depth;
	return depth;
}

static bool kq_reaches(struct kqsys *from, struct kqsys *to)
{
	struct kq_fd_edge *edge;

	if (from == to)
		return true;
	if (from->visit_stamp == kq_visit_stamp)
		return false;
	from->visit_stamp = kq_visit_stamp;
	list_for_each_entry(edge, &from->watches, watches_link)
		if (kq_reaches(edge->watched, to))
			return true;
	return false;
}

/* The graph is acyclic and no chain is longer than KQUEUE_MAX_NESTING. */
static int kq_nesting_link(struct kqsys_fd *src, struct kqsys *watched)
{
	struct kq_fd_edge *edge = kzalloc(sizeof(*edge), GFP_KERNEL_ACCOUNT);
	int above, below, err = 0;

	if (!edge)
		return -ENOMEM;
	mutex_lock(&kq_nesting_mutex);
	kq_visit_stamp++;
	if (kq_reaches(watched, src->sys)) {
		err = -ELOOP;
		goto out;
	}
	kq_visit_stamp++;
	above = kq_depth_above(src->sys);
	kq_visit_stamp++;
	below = kq_depth_below(watched);
	if (above + 1 + below > KQUEUE_MAX_NESTING) {
		err = -ELOOP;
		goto out;
	}
	edge->src = src;
	edge->watched = watched;
	list_add(&edge->watches_link, &src->sys->watches);
	list_add(&edge->watchers_link, &watched->watchers);
	src->edge = edge;
out:
	mutex_unlock(&kq_nesting_mutex);
	if (err)
		kfree(edge);
	return err;
}

static void kq_nesting_unlink(struct kqsys_fd *src)
{
	struct kq_fd_edge *edge = src->edge;

	mutex_lock(&kq_nesting_mutex);
	list_del(&edge->watches_link);
	list_del(&edge->watchers_link);
	mutex_unlock(&kq_nesting_mutex);
	/*
	 * Wake-ups and polls read src->edge without the mutex: the knote
	 * is off the file's wait queues and out of every scan by now.
	 */
	src->edge = NULL;
	kfree(edge);
}

/* ---- wait-queue registration ---------------------------------------------- */

static int kq_fd_wakeup(wait_queue_entry_t *entry, unsigned int mode, int sync,
			void *key)
{
	struct kqsys_fd_wait *wait = container_of(entry, struct kqsys_fd_wait, entry);
	struct kqsys_fd *src = entry->private;
	__poll_t mask = key_to_poll(key);

	if (mask & POLLFREE) {
		/*
		 * The queue is going away under its lock, which we hold: unhook
		 * for good. After the release store nothing may touch wait: the
		 * detach path may free it as soon as it sees NULL.
		 */
		list_del_init(&entry->entry);
		smp_store_release(&wait->head, NULL);
		return 0;
	}
	if (kqcore_fd_wakeup(kq_fd_knote(src), (__force unsigned int)mask))
		kqsys_wake_nested(src->sys,
				  src->edge ? src->edge->watched->wake_nesting : 1);
	return 0;
}

static bool kq_fd_wait_used(const struct kqsys_fd_wait *wait)
{
	return wait->entry.func;
}

static void kq_fd_queue_proc(struct file *file, wait_queue_head_t *head,
			     poll_table *pt)
{
	struct kqsys_fd *src = container_of(pt, struct kq_fd_ptable, pt)->src;
	struct kqsys_fd_wait *wait = &src->wait;

	if (kq_fd_wait_used(wait)) {
		wait = kzalloc(sizeof(*wait), GFP_KERNEL_ACCOUNT);
		if (!wait) {
			src->wait_alloc_failed = true;
			return;
		}
		wait->next = src->wait.next;
		src->wait.next = wait;
	}
	init_waitqueue_func_entry(&wait->entry, kq_fd_wakeup);
	wait->entry.private = src;
	wait->head = head;
	add_wait_queue(head, &wait->entry);
}

static void kq_fd_wait_remove(struct kqsys_fd_wait *wait)
{
	wait_queue_head_t *head;

	/* A POLLFREE'd queue is freed only after an RCU grace period. */
	rcu_read_lock();
	head = smp_load_acquire(&wait->head);
	if (head)
		remove_wait_queue(head, &wait->entry);
	rcu_read_unlock();
}

static void kq_fd_unregister(struct kqsys_fd *src)
{
	struct kqsys_fd_wait *wait, *next;

	if (!kq_fd_wait_used(&src->wait))
		return;
	for (wait = src->wait.next; wait; wait = next) {
		next = wait->next;
		kq_fd_wait_remove(wait);
		kfree(wait);
	}
	kq_fd_wait_remove(&src->wait);
	src->wait.next = NULL;
	src->wait.entry.func = NULL;
}

int kqsys_fd_attach(struct kqsys *sys, struct kqcore_knote *kn, int fd,
		    void *storage, struct kqsys_fd **out)
{
	struct kqsys_fd *src = storage;
	struct kq_fd_ptable table = { .src = src };
	int err;

	lockdep_assert_held(&sys->mutex);
	if (WARN_ON_ONCE(kq_fd_knote(src) != kn))
		return -EINVAL;
	src->file = fget(fd);
	if (!src->file)
		return -EBADF;
	src->sys = sys;
	src->binding.file = src->file;
	if (kq_is_kqueue_file(src->file)) {
		/* Another process's kqueue is not a descriptor of ours to watch. */
		err = kq_owned_by_current(src->file->private_data) ?
			kq_nesting_link(src, src->file->private_data) : -EBADF;
		if (err) {
			fput(src->file);
			src->file = NULL;
			return err;
		}
	}

	init_poll_funcptr(&table.pt, kq_fd_queue_proc);
	src->attach_revents = vfs_poll(src->file, &table.pt);
	src->fresh = true;
	if (src->wait_alloc_failed) {
		err = -ENOMEM;
		goto detach;
	}
	/* Last: a close of fd from now on is seen; one before fails the add. */
	err = kq_fd_bind(&src->binding, fd, src->file);
	if (err)
		goto detach;
	*out = src;
	return 0;

detach:
	kqsys_fd_detach(src);
	return err;
}

void kqsys_fd_detach(struct kqsys_fd *src)
{
	/*
	 * A src that failed before binding has an unhashed binding too. After
	 * the unbind no close probe acts on src: what it released is NULL.
	 */
	kq_fd_unbind(&src->binding);
	kq_fd_unregister(src);
	if (src->edge)
		kq_nesting_unlink(src);
	if (src->file)
		fput(src->file);
	src->file = NULL;
}

/* The knote of an IDLE close may be detached from now on (after its release). */
static void kq_fd_reap_later(struct kqsys_fd *src)
{
	struct kqsys *sys = src->sys;

	kqcore_fd_closed_reap(kq_fd_knote(src));
	schedule_work(&sys->reap_work);	/* src may be gone once it runs */
}

/*
 * In the closing task before close() returns to user space (may sleep):
 * leave the file's wait queues and drop the file, whose final release then
 * runs before the return, as if no kqueue had watched it (a listening
 * socket's address is free again, a pipe's writer sees EPIPE). Nothing can
 * detach the knote meanwhile: it joins the closed list (what the reap work
 * detaches) only after this, and the kqueue's file is held (no close of
 * the kqueue).
 */
static void kq_fd_close_work(struct callback_head *head)
{
	struct kqsys_fd *src = container_of(head, struct kqsys_fd, close_work);
	struct kqsys *sys = src->sys;
	struct file *file = src->file;

	kq_fd_unregister(src);
	WRITE_ONCE(src->file, NULL);
	fput(file);
	kq_fd_reap_later(src);
	/*
	 * The kqueue's file, taken by kq_fd_prepare_release(), holds sys and
	 * this module: dropped last, and from task context its final fput
	 * runs later, in the kernel's own code.
	 */
	fput(sys->file);
}

/*
 * A kqueue file stays until the reap work detaches it: the nesting graph
 * needs kq_nesting_mutex, and a kqueue's address has no user to wait for.
 * A kernel thread never returns to user space to run task work; a kqueue
 * being closed drops its knotes itself.
 */
bool kq_fd_prepare_release(struct kq_fd_binding *binding)
{
	struct kqsys_fd *src = container_of(binding, struct kqsys_fd, binding);

	if (!src->edge && !(current->flags & PF_KTHREAD) &&
	    kq_kqueue_file_get(src->sys)) {
		init_task_work(&src->close_work, kq_fd_close_work);
		return true;
	}
	kqcore_fd_closed_reap(kq_fd_knote(src));
	return false;
}

void kq_fd_queue_release(struct kq_fd_binding *binding)
{
	struct kqsys_fd *src = container_of(binding, struct kqsys_fd, binding);
	struct kqsys *sys = src->sys;

	if (!kq_task_work_add(current, &src->close_work))
		return;
	/*
	 * Past its last task work: the reap work drops the file instead. The
	 * kqueue's file goes last (it keeps sys; src may be gone by then).
	 */
	kq_fd_reap_later(src);
	fput(sys->file);
}

/*
 * A reference to src's file for a poll outside the detach path (a change
 * that found the knote just before its close), or NULL once it is closed.
 * Files are freed after an RCU grace period, so the pointer read under RCU
 * is safe to try.
 */
static struct file *kq_fd_get_file(struct kqsys_fd *src)
{
	struct file *file;

	rcu_read_lock();
	file = kq_get_file_in_slot(&src->file);
	rcu_read_unlock();
	return file;
}

/* ---- readiness and data ----------------------------------------------------- */

static struct pipe_inode_info *kq_file_pipe(struct file *file)
{
	struct inode *inode = file_inode(file);

	if (!S_ISFIFO(inode->i_mode) || !file->private_data ||
	    file->private_data != inode->i_pipe)
		return NULL;
	return file->private_data;
}

static void kq_pipe_amounts(struct pipe_inode_info *pipe,
			    struct kqsys_fd_state *state)
{
	unsigned int head, tail, mask;
	long long bytes = 0;

	pipe_lock(pipe);
	head = pipe->head;
	tail = pipe->tail;
	mask = pipe->ring_size - 1;
	for (; tail != head; tail++)
		bytes += pipe->bufs[tail & mask].len;
	state->readable = bytes;
	state->writable = pipe_full(head, pipe->tail, pipe->max_usage) ? 0 :
		max_t(long long, 0, (long long)pipe->max_usage * PAGE_SIZE - bytes);
	pipe_unlock(pipe);
}

/* Length of the first queued datagram, as FIONREAD reports it. */
static long long kq_first_datagram(struct sock *sk)
{
	struct sk_buff_head *queues[2] = { NULL, &sk->sk_receive_queue };
	long long len = 0;
	unsigned long flags;
	int i;

	if (sk->sk_protocol == IPPROTO_UDP && sk->sk_type == SOCK_DGRAM &&
	    (sk->sk_family == AF_INET || sk->sk_family == AF_INET6))
		queues[0] = &udp_sk(sk)->reader_queue;
	for (i = 0; i < 2; i++) {
		struct sk_buff *skb;

		if (!queues[i])
			continue;
		spin_lock_irqsave(&queues[i]->lock, flags);
		skb = skb_peek(queues[i]);
		if (skb)
			len = skb->len;
		spin_unlock_irqrestore(&queues[i]->lock, flags);
		if (skb)
			break;
	}
	return len;
}

static void kq_socket_amounts(struct socket *sock, struct kqsys_fd_state *state)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return;
	state->sock_error = READ_ONCE(sk->sk_err);
	state->writable = max_t(long long, 0,
				READ_ONCE(sk->sk_sndbuf) - sk_wmem_alloc_get(sk));
	if (READ_ONCE(sk->sk_state) == TCP_LISTEN &&
	    (sk->sk_type == SOCK_STREAM || sk->sk_type == SOCK_SEQPACKET)) {
		/* A unix listener queues its embryonic connections as skbs. */
		state->readable = sk->sk_family == AF_UNIX ?
			skb_queue_len_lockless(&sk->sk_receive_queue) :
			READ_ONCE(sk->sk_ack_backlog);
	} else if (sk->sk_family == AF_UNIX) {
		state->readable = unix_inq_len(sk);
	} else if (sk->sk_protocol == IPPROTO_TCP && sk->sk_type == SOCK_STREAM) {
		state->readable = max(0, tcp_inq(sk));
		state->writable = max_t(long long, 0, sk_stream_wspace(sk));
	} else {
		state->readable = kq_first_datagram(sk);
	}
}

void kqsys_fd_poll(struct kqsys_fd *src, struct kqsys_fd_state *state,
		   int in_flux, unsigned int amounts_if)
{
	struct file *file = in_flux ? READ_ONCE(src->file) : kq_fd_get_file(src);
	struct pipe_inode_info *pipe;
	struct socket *sock;
	struct inode *inode;

	state->revents = 0;
	state->readable = -1;
	state->writable = -1;
	state->sock_error = 0;
	if (!file)
		return;		/* closed: the knote reports nothing more */
	inode = file_inode(file);
	if (src->fresh) {
		/* The add's first evaluation: its registering poll just ran. */
		src->fresh = false;
		state->revents = (__force unsigned int)src->attach_revents;
	} else {
		state->revents = (__force unsigned int)vfs_poll(file, NULL);
	}
	if (!(state->revents & amounts_if))
		goto out;

	if (src->edge) {
		state->readable = kqcore_pending(src->edge->watched->core);
	} else if ((pipe = kq_file_pipe(file))) {
		kq_pipe_amounts(pipe, state);
	} else if ((sock = sock_from_file(file))) {
		kq_socket_amounts(sock, state);
	} else if (S_ISREG(inode->i_mode)) {
		/* Always "readable" to poll; FreeBSD reports bytes to EOF. */
		state->readable = max_t(long long, 0,
					i_size_read(inode) - READ_ONCE(file->f_pos));
		if (!state->readable)
			state->revents &= ~(__force unsigned int)(EPOLLIN | EPOLLRDNORM);
	}
out:
	if (!in_flux)
		fput(file);
}
