// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_PROC's event source: the sched_process_fork/exec/exit tracepoints,
 * a hash of watched processes, and who may watch whom.
 *
 * The tracepoints are not exported as symbols; they are found by name with
 * for_each_kernel_tracepoint() at load and detached at unload, where
 * tracepoint_synchronize_unregister() waits for running probes.
 *
 * A watch (struct kqsys_proc) ties one knote to one process, named by the
 * struct pid of its thread group: never a task_struct, which a module may
 * not hold across sleeps. Watches hang in kq_proc_table, hashed by that
 * struct pid.
 *
 * PROBES run in the task concerned (the parent for fork), with preemption
 * disabled up to 6.12 (the tracepoint's own protection; 7.x calls them
 * preemptible). So that the same code is valid on PREEMPT_RT, where
 * spinlock_t and wait-queue locks sleep and nothing may be allocated or
 * freed with preemption off, they take raw spinlocks only, allocate
 * nothing (NOTE_TRACK children come from a reserve made in process
 * context, filter_proc.cpp), free only through call_rcu_tasks_trace(), and
 * leave wake-ups to an irq_work (kqsys_wake_deferred). A process nobody
 * watches costs one lockless look at its bucket's head. Otherwise the
 * probe walks the bucket inside rcu_read_lock_trace(): watches, knotes and
 * kqueues are all freed after a tasks-trace grace period, so whatever the
 * walk finds stays valid until it leaves the section.
 *
 * LOCKING: a bucket's lock (raw) guards its list and whether a watch is
 * hashed. It is a leaf and never held with kq->lock (or any other lock of
 * ours); readers use RCU list primitives only.
 *
 * EXIT: do_exit() decrements signal->live before the exit probe, so the
 * probe of the last thread sees 0 (a thread exiting at the same moment may
 * see it too: the core reports one NOTE_EXIT per knote, GONE dedups). A
 * watch added meanwhile hashes itself, then (full barrier) reads live: it
 * either sees 0 and reports the exit itself, or the last thread's probe,
 * which reads the bucket after its own fully ordered decrement, finds it.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hash.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rculist.h>
#include <linux/rcupdate_trace.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tracepoint.h>
#include <linux/user_namespace.h>
#include <trace/events/sched.h>

#include "kq_compat.h"
#include "kq_glue.h"

static bool force_trackerr;
module_param(force_trackerr, bool, 0644);
MODULE_PARM_DESC(force_trackerr,
		 "Testing aid: fail every NOTE_TRACK child attachment (NOTE_TRACKERR)");

/*
 * What a watcher may watch, fixed when it adds the knote (the uapi header
 * has the rule): its uids, and the user namespace in which it has
 * CAP_SYS_PTRACE (which covers the descendants of that namespace), if any.
 * Kept so that a fork probe, running in the watched process, can decide
 * for a NOTE_TRACK child.
 */
struct kq_watch_rights {
	kuid_t uid;
	kuid_t euid;
	struct user_namespace *ptrace_ns;	/* counted reference, or NULL */
};

struct kqsys_proc {
	struct hlist_node node;		/* bucket; unhashed at exit or detach */
	struct pid *pid;		/* the watched thread group */
	struct kqcore_knote *knote;
	struct pid_namespace *pid_ns;	/* idents and data are pids in it */
	struct kq_watch_rights rights;
	struct rcu_head rcu;
};

#define KQ_PROC_HASH_BITS 8

struct kq_proc_bucket {
	raw_spinlock_t lock;
	struct hlist_head head;
};

static struct kq_proc_bucket kq_proc_table[1 << KQ_PROC_HASH_BITS];

static struct kq_proc_bucket *kq_proc_bucket_of(const struct pid *pid)
{
	return &kq_proc_table[hash_ptr(pid, KQ_PROC_HASH_BITS)];
}

static void kq_proc_hash(struct kqsys_proc *watch)
{
	struct kq_proc_bucket *b = kq_proc_bucket_of(watch->pid);

	raw_spin_lock(&b->lock);
	hlist_add_head_rcu(&watch->node, &b->head);
	raw_spin_unlock(&b->lock);
}

/* Idempotent: the exit probe and the detacher may both unhash a watch. */
static void kq_proc_unhash(struct kqsys_proc *watch)
{
	struct kq_proc_bucket *b = kq_proc_bucket_of(watch->pid);

	raw_spin_lock(&b->lock);
	if (!hlist_unhashed(&watch->node))
		hlist_del_init_rcu(&watch->node);
	raw_spin_unlock(&b->lock);
}

static void kq_proc_free_rcu(struct rcu_head *rcu)
{
	struct kqsys_proc *watch = container_of(rcu, struct kqsys_proc, rcu);

	put_pid(watch->pid);
	put_pid_ns(watch->pid_ns);
	if (watch->rights.ptrace_ns)
		put_user_ns(watch->rights.ptrace_ns);
	kfree(watch);
}

void kqsys_proc_detach(struct kqsys_proc *watch)
{
	kq_proc_unhash(watch);
	call_rcu_tasks_trace(&watch->rcu, kq_proc_free_rcu);
}

/* ---- who may watch whom ------------------------------------------------ */

static bool kq_user_ns_within(const struct user_namespace *ns,
			      const struct user_namespace *ancestor)
{
	for (; ns; ns = ns->parent)
		if (ns == ancestor)
			return true;
	return false;
}

/*
 * The credential half of ptrace_may_access(PTRACE_MODE_READ_REALCREDS)
 * without its LSM hook: the watcher's real or effective uid is the
 * target's uid, and the target does not run set-id.
 */
static bool kq_creds_match(const struct kq_watch_rights *rights,
			   const struct cred *tcred)
{
	return (uid_eq(rights->uid, tcred->uid) ||
		uid_eq(rights->euid, tcred->uid)) &&
	       uid_eq(tcred->uid, tcred->euid) &&
	       uid_eq(tcred->uid, tcred->suid) &&
	       gid_eq(tcred->gid, tcred->egid) &&
	       gid_eq(tcred->gid, tcred->sgid);
}

static bool kq_rights_cover(const struct kq_watch_rights *rights,
			    const struct user_namespace *ns)
{
	return rights->ptrace_ns && kq_user_ns_within(ns, rights->ptrace_ns);
}

/*
 * May rights watch target? unstarted: target is a child that has not run
 * yet (the fork probe: any context, no sleeping lock); else process context.
 */
static bool kq_rights_allow(const struct kq_watch_rights *rights,
			    struct task_struct *target, bool unstarted)
{
	const struct cred *tcred;
	struct user_namespace *ns;
	bool allowed;

	rcu_read_lock();
	tcred = __task_cred(target);
	allowed = kq_creds_match(rights, tcred) ||
		  kq_rights_cover(rights, tcred->user_ns);
	rcu_read_unlock();
	if (!allowed)
		return false;

	if (!(unstarted ? kq_unstarted_task_dumpable(target, &ns) :
			  kq_task_dumpable(target, &ns)))
		allowed = kq_rights_cover(rights, ns);
	if (ns)
		put_user_ns(ns);
	return allowed;
}

static struct user_namespace *kq_task_cred_ns(struct task_struct *task)
{
	struct user_namespace *ns;

	rcu_read_lock();
	ns = get_user_ns(__task_cred(task)->user_ns);
	rcu_read_unlock();
	return ns;
}

/* The namespace that gates an undumpable task (its mm's, or exec_state's on 7.x). */
static struct user_namespace *kq_task_dumpable_ns(struct task_struct *task)
{
	struct user_namespace *ns;

	kq_task_dumpable(task, &ns);
	return ns;
}

/* Keep ns (a counted reference) as rights' CAP_SYS_PTRACE namespace if the caller has it there. */
static void kq_rights_try_ns(struct kq_watch_rights *rights,
			     struct user_namespace *ns)
{
	if (ns && !rights->ptrace_ns && ns_capable_noaudit(ns, CAP_SYS_PTRACE)) {
		rights->ptrace_ns = ns;
		return;
	}
	if (ns)
		put_user_ns(ns);
}

/*
 * The current task wants to watch target: fill rights and decide. The
 * capability is looked for only when the plain rule says no (so an ordinary
 * watch neither needs nor uses one): first in the target's credential
 * namespace, then in its memory's, for an undumpable target whose mm
 * belongs to an ancestor namespace.
 */
static int kq_rights_init(struct kq_watch_rights *rights,
			  struct task_struct *target)
{
	rights->uid = current_uid();
	rights->euid = current_euid();
	rights->ptrace_ns = NULL;
	if (same_thread_group(target, current) || kq_rights_allow(rights, target, false))
		return 0;

	kq_rights_try_ns(rights, kq_task_cred_ns(target));
	if (kq_rights_allow(rights, target, false))
		return 0;
	if (rights->ptrace_ns) {
		put_user_ns(rights->ptrace_ns);
		rights->ptrace_ns = NULL;
	}
	kq_rights_try_ns(rights, kq_task_dumpable_ns(target));
	if (kq_rights_allow(rights, target, false))
		return 0;
	if (rights->ptrace_ns) {
		put_user_ns(rights->ptrace_ns);
		rights->ptrace_ns = NULL;
	}
	return -EPERM;
}

/* ---- attaching ------------------------------------------------------------ */

/*
 * The wait status wait4() will report for a process whose signal->live the
 * caller saw at 0. Every exiting thread passes synchronize_group_exit()
 * before it decrements live, and the last of them sets SIGNAL_GROUP_EXIT
 * with its own code unless exit_group() or a fatal signal (with the core
 * flag) already did: so the group exit code is final by then. The leader's
 * exit code, which wait4() uses otherwise, is a fallback that 6.1 never
 * needs here.
 */
static int kq_exit_status(struct task_struct *task)
{
	struct signal_struct *sig = task->signal;

	smp_rmb();	/* live read as 0 before the flags and code */
	if (READ_ONCE(sig->flags) & SIGNAL_GROUP_EXIT)
		return READ_ONCE(sig->group_exit_code);
	return READ_ONCE(task->group_leader->exit_code);
}

int kqsys_proc_attach(struct kqcore_knote *kn, unsigned long long ident,
		      struct kqsys_proc **out, int *exit_status)
{
	struct kqsys_proc *watch;
	struct task_struct *task;
	struct pid *pid;
	int err;

	if (ident == 0 || ident > INT_MAX)
		return -ESRCH;
	pid = find_get_pid((int)ident);
	if (!pid)
		return -ESRCH;
	/* NULL unless pid names a thread group: a bare thread id is ESRCH. */
	task = get_pid_task(pid, PIDTYPE_TGID);
	if (!task) {
		put_pid(pid);
		return -ESRCH;
	}
	watch = kzalloc(sizeof(*watch), GFP_KERNEL_ACCOUNT);
	if (!watch) {
		err = -ENOMEM;
		goto out;
	}
	err = kq_rights_init(&watch->rights, task);
	if (err) {
		kfree(watch);
		goto out;
	}
	watch->pid = pid;
	pid = NULL;
	watch->pid_ns = get_pid_ns(task_active_pid_ns(current));
	watch->knote = kn;
	*out = watch;

	kq_proc_hash(watch);
	/* Pairs with do_exit()'s atomic_dec_and_test(&signal->live): see EXIT above. */
	smp_mb();
	if (atomic_read(&task->signal->live) == 0) {
		*exit_status = kq_exit_status(task);
		kq_proc_unhash(watch);
		err = 1;
	}
out:
	put_task_struct(task);
	put_pid(pid);
	return err;
}

long long kqsys_proc_pid_of(const struct kqsys_proc *watch,
			    const struct kqsys_task *child)
{
	struct task_struct *task = (struct task_struct *)child;

	return pid_nr_ns(task_tgid(task), watch->pid_ns);
}

static unsigned int kq_threads_of(struct pid *pid)
{
	struct task_struct *task;
	unsigned int threads = 0;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	if (task)
		threads = get_nr_threads(task);
	rcu_read_unlock();
	return threads;
}

unsigned int kqsys_proc_threads(const struct kqsys_proc *watch)
{
	return kq_threads_of(watch->pid);
}

unsigned int kqsys_pid_threads(unsigned long long ident)
{
	unsigned int threads = 0;
	struct pid *pid;

	if (ident == 0 || ident > INT_MAX)
		return 0;
	rcu_read_lock();
	pid = find_vpid((int)ident);
	if (pid)
		threads = kq_threads_of(pid);
	rcu_read_unlock();
	return threads;
}

struct kqsys_proc *kqsys_proc_alloc(void)
{
	return kzalloc(sizeof(struct kqsys_proc), GFP_KERNEL_ACCOUNT);
}

void kqsys_proc_free(struct kqsys_proc *blank)
{
	kfree(blank);
}

int kqsys_proc_attach_child(const struct kqsys_proc *parent,
			    const struct kqsys_task *child,
			    struct kqcore_knote *kn, struct kqsys_proc *watch)
{
	struct task_struct *task = (struct task_struct *)child;

	if (READ_ONCE(force_trackerr))
		return -ENOMEM;
	if (!kq_rights_allow(&parent->rights, task, true))
		return -EPERM;
	watch->pid = get_pid(task_tgid(task));
	watch->pid_ns = get_pid_ns(parent->pid_ns);
	watch->rights = parent->rights;
	if (watch->rights.ptrace_ns)
		get_user_ns(watch->rights.ptrace_ns);
	watch->knote = kn;
	kq_proc_hash(watch);
	return 0;
}

/* ---- probes ------------------------------------------------------------- */

enum kq_proc_event { KQ_PROC_FORK, KQ_PROC_THREAD, KQ_PROC_EXEC, KQ_PROC_EXIT };

static void kq_proc_post(struct task_struct *task, enum kq_proc_event event,
			 struct task_struct *child)
{
	struct pid *pid = task_tgid(task);
	struct kq_proc_bucket *b = kq_proc_bucket_of(pid);
	struct kqsys_proc *watch;
	int status = 0;

	if (hlist_empty(&b->head))
		return;
	if (event == KQ_PROC_EXIT)
		status = kq_exit_status(task);
	rcu_read_lock_trace();
	hlist_for_each_entry_rcu(watch, &b->head, node,
				 rcu_read_lock_trace_held()) {
		if (watch->pid != pid)
			continue;
		switch (event) {
		case KQ_PROC_FORK:
			kqcore_proc_fork(watch->knote,
					 (const struct kqsys_task *)child);
			break;
		case KQ_PROC_THREAD:
			kqcore_proc_thread(watch->knote,
					   (const struct kqsys_task *)child);
			break;
		case KQ_PROC_EXEC:
			kqcore_proc_exec(watch->knote);
			break;
		case KQ_PROC_EXIT:
			kqcore_proc_exit(watch->knote, status);
			kq_proc_unhash(watch);
			break;
		}
	}
	rcu_read_unlock_trace();
}

static void kq_probe_fork(void *data, struct task_struct *parent,
			  struct task_struct *child)
{
	/* A new thread is not a fork of the process (NOTE_TRACK sizes for it). */
	kq_proc_post(parent, thread_group_leader(child) ? KQ_PROC_FORK : KQ_PROC_THREAD,
		     child);
}

static void kq_probe_exec(void *data, struct task_struct *task, pid_t old_pid,
			  struct linux_binprm *bprm)
{
	kq_proc_post(task, KQ_PROC_EXEC, NULL);
}

static void kq_probe_exit(void *data, KQ_EXIT_PROBE_ARGS(task))
{
	/* Only the process's last thread (see EXIT above). */
	if (!KQ_EXIT_GROUP_DEAD(task))
		return;
	kq_proc_post(task, KQ_PROC_EXIT, NULL);
}

/* The probes against the kernel's own prototypes (the tracepoint header's check). */
static void __maybe_unused kq_check_probe_prototypes(void)
{
	check_trace_callback_type_sched_process_fork(kq_probe_fork);
	check_trace_callback_type_sched_process_exec(kq_probe_exec);
	check_trace_callback_type_sched_process_exit(kq_probe_exit);
}

static struct kq_tracepoint {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool registered;
} kq_tracepoints[] = {
	{ "sched_process_fork", kq_probe_fork },
	{ "sched_process_exec", kq_probe_exec },
	{ "sched_process_exit", kq_probe_exit },
};

static void kq_find_tracepoint(struct tracepoint *tp, void *priv)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(kq_tracepoints); i++)
		if (!strcmp(tp->name, kq_tracepoints[i].name))
			kq_tracepoints[i].tp = tp;
}

void kq_proc_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(kq_tracepoints); i++) {
		struct kq_tracepoint *t = &kq_tracepoints[i];

		if (t->registered)
			WARN_ON(tracepoint_probe_unregister(t->tp, t->probe, NULL));
		t->registered = false;
	}
	/* No probe runs any more, nor still walks kq_proc_table. */
	tracepoint_synchronize_unregister();
}

int kq_proc_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(kq_proc_table); i++) {
		raw_spin_lock_init(&kq_proc_table[i].lock);
		INIT_HLIST_HEAD(&kq_proc_table[i].head);
	}
	for_each_kernel_tracepoint(kq_find_tracepoint, NULL);
	for (i = 0; i < ARRAY_SIZE(kq_tracepoints); i++) {
		struct kq_tracepoint *t = &kq_tracepoints[i];

		if (!t->tp) {
			pr_err("kqueue: tracepoint %s not found\n", t->name);
			err = -ENOENT;
			goto fail;
		}
		err = tracepoint_probe_register(t->tp, t->probe, NULL);
		if (err) {
			pr_err("kqueue: cannot attach to %s: %d\n", t->name, err);
			goto fail;
		}
		t->registered = true;
	}
	return 0;
fail:
	kq_proc_exit();
	return err;
}
