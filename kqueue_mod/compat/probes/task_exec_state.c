// SPDX-License-Identifier: GPL-2.0
/* 7.x: dumpability and its user namespace moved from the mm to task->exec_state. */
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/exec_state.h>

bool kq_probe(struct task_struct *t);
bool kq_probe(struct task_struct *t)
{
	struct task_exec_state *es = rcu_dereference_raw(t->exec_state);

	return READ_ONCE(es->dumpable) == TASK_DUMPABLE_OWNER && es->user_ns;
}
