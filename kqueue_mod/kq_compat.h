/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel versions differ (C glue only; the C++ core and
 * kq_services.h never change per kernel). Each difference is decided by a
 * compile-time feature test (compat/probes/<name>.c, run by
 * compat/configure into generated/kq_config.h), never by a version number:
 * distribution kernels backport.
 *
 *   probe                           kernels with it   what changes
 *   get_file_active                 6.7+              files are SLAB_TYPESAFE_BY_RCU
 *   hrtimer_setup                   6.13+             hrtimer_init() is gone in 7.x
 *   sched_process_exit_group_dead   7.x               exit tracepoint passes group_dead
 *   task_exec_state                 7.x               dumpability left the mm
 *   unix_inq_len_declared           up to 6.x         prototype left <net/af_unix.h>
 *   export_ns_identifier            up to 6.12        symbol namespaces became strings
 *   task_work_no_alloc              6.12+             TWAF_NO_ALLOC: no KASAN stack allocation
 *   ftrace_regs_get_argument        6.2+              ftrace_regs became opaque (accessors)
 *   rcu_trace_implies_rcu_gp        6.1 to 6.x        tasks-trace RCU moved onto SRCU in 7.x
 */
#ifndef KQ_COMPAT_H
#define KQ_COMPAT_H

#include <linux/fs.h>
#include <linux/ftrace.h>
#include <linux/hrtimer.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/task_work.h>
#include <linux/user_namespace.h>
#include <net/af_unix.h>

#include "generated/kq_config.h"

#ifdef KQ_HAVE_TASK_EXEC_STATE
#include <linux/sched/exec_state.h>
#endif

/*
 * A counted reference to the file in *slot, or NULL once the slot was
 * cleared or the file is on its way out. RCU read lock held. From 6.7 a
 * struct file may be reused while RCU readers still look at it, so the
 * slot is re-read after the reference is taken (get_file_active()); before,
 * files were freed after a grace period and the pointer alone was enough.
 */
static inline struct file *kq_get_file_in_slot(struct file **slot)
{
#ifdef KQ_HAVE_GET_FILE_ACTIVE
	return get_file_active(slot);
#else
	struct file *file = READ_ONCE(*slot);

	return file && get_file_rcu(file) ? file : NULL;
#endif
}

static inline void kq_hrtimer_setup(struct hrtimer *timer,
				    enum hrtimer_restart (*fn)(struct hrtimer *),
				    clockid_t clock, enum hrtimer_mode mode)
{
#ifdef KQ_HAVE_HRTIMER_SETUP
	hrtimer_setup(timer, fn, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#endif
}

/*
 * sched_process_exit's probe prototype. KQ_EXIT_GROUP_DEAD(task) is true in
 * the probe of the thread that took signal->live to zero: the kernel says
 * so on 7.x; before, the probe runs after that decrement too (checked for
 * every supported kernel, DESIGN.md), so live == 0 tells the same, except
 * that a thread exiting at the same moment may also see 0 (the core
 * reports one NOTE_EXIT per knote either way).
 */
#ifdef KQ_HAVE_SCHED_PROCESS_EXIT_GROUP_DEAD
#define KQ_EXIT_PROBE_ARGS(task) struct task_struct *task, bool group_dead
#define KQ_EXIT_GROUP_DEAD(task) (group_dead)
#else
#define KQ_EXIT_PROBE_ARGS(task) struct task_struct *task
#define KQ_EXIT_GROUP_DEAD(task) (atomic_read(&(task)->signal->live) == 0)
#endif

/*
 * ptrace's dumpability rule for task: false if its owner may not dump it.
 * If ns is not NULL, *ns is a counted reference to the user namespace in
 * which CAP_SYS_PTRACE still allows watching it (the caller puts it), or
 * NULL: 6.x keeps both in the mm (a task without one counts as dumpable, as
 * in ptrace_may_access()), 7.x in task->exec_state. Process context:
 * task_lock (a sleeping lock on PREEMPT_RT) or RCU; locked false skips
 * task_lock, for a task whose mm cannot change under the caller.
 */
static inline bool kq_dumpable_from(struct task_struct *task, bool locked,
				    struct user_namespace **ns)
{
	bool dumpable = true;

	if (ns)
		*ns = NULL;
#ifdef KQ_HAVE_TASK_EXEC_STATE
	const struct task_exec_state *es;

	rcu_read_lock();
	es = rcu_dereference(task->exec_state);
	if (es) {
		dumpable = READ_ONCE(es->dumpable) == TASK_DUMPABLE_OWNER;
		if (ns)
			*ns = get_user_ns(es->user_ns);
	}
	rcu_read_unlock();
#else
	struct mm_struct *mm;

	if (locked)
		task_lock(task);
	mm = READ_ONCE(task->mm);
	if (mm) {
		dumpable = get_dumpable(mm) == SUID_DUMP_USER;
		if (ns)
			*ns = get_user_ns(mm->user_ns);
	}
	if (locked)
		task_unlock(task);
#endif
	return dumpable;
}

static inline bool kq_task_dumpable(struct task_struct *task,
				    struct user_namespace **ns)
{
	return kq_dumpable_from(task, true, ns);
}

/*
 * The same for a child that has not run yet (the fork probe), without
 * task_lock, a sleeping lock on PREEMPT_RT: until wake_up_new_task()
 * nothing can change the child's mm or exec state.
 */
static inline bool kq_unstarted_task_dumpable(struct task_struct *task,
					      struct user_namespace **ns)
{
	return kq_dumpable_from(task, false, ns);
}

/*
 * Queue work to run in task before it returns to user space, from any
 * context: where the kernel allows it, without letting KASAN allocate for
 * its stack record (on PREEMPT_RT nothing may allocate with preemption off;
 * the KASAN kernels before 6.12 here are not RT). 0, or -ESRCH if task is
 * exiting.
 */
static inline int kq_task_work_add(struct task_struct *task,
				   struct callback_head *work)
{
#ifdef KQ_HAVE_TASK_WORK_NO_ALLOC
	return task_work_add(task, work, TWA_RESUME | TWAF_NO_ALLOC);
#else
	return task_work_add(task, work, TWA_RESUME);
#endif
}

/* A symbol namespace for EXPORT_SYMBOL_NS_GPL() and MODULE_IMPORT_NS(). */
#ifdef KQ_HAVE_EXPORT_NS_IDENTIFIER
#define KQ_SYMBOL_NS(ns) ns
#else
#define KQ_SYMBOL_NS(ns) #ns
#endif

#ifndef KQ_HAVE_UNIX_INQ_LEN_DECLARED
/* Still exported (EXPORT_SYMBOL_GPL, net/unix/af_unix.c); same prototype. */
long unix_inq_len(struct sock *sk);
#endif

/*
 * Argument n (0-based) of the function an ftrace callback was called for.
 * Before the accessor, x86's ftrace_regs was a pt_regs whose argument
 * registers the trampoline always fills (DYNAMIC_FTRACE_WITH_ARGS).
 */
static __always_inline unsigned long kq_ftrace_argument(struct ftrace_regs *fregs,
							unsigned int n)
{
#ifdef KQ_HAVE_FTRACE_REGS_GET_ARGUMENT
	return ftrace_regs_get_argument(fregs, n);
#elif defined(CONFIG_X86_64) && defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
	return regs_get_kernel_argument(&fregs->regs, n);
#else
#error "kqueue: no way to read a traced function's arguments on this kernel"
#endif
}

/*
 * Does a tasks-trace RCU grace period also end every RCU read section
 * begun before it? It did while tasks-trace RCU waited for one itself; the
 * kernel stopped promising it when tasks-trace RCU moved onto SRCU.
 */
static inline bool kq_trace_gp_implies_rcu_gp(void)
{
#ifdef KQ_HAVE_RCU_TRACE_IMPLIES_RCU_GP
	return rcu_trace_implies_rcu_gp();
#else
	return false;
#endif
}

#endif /* KQ_COMPAT_H */
