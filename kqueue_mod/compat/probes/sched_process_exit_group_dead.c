// SPDX-License-Identifier: GPL-2.0
/* 7.x: sched_process_exit(p, group_dead). The kernel's own type check decides. */
#include <linux/mm.h>
#include <linux/sched.h>
#include <trace/events/sched.h>

static void kq_probe_exit(void *data, struct task_struct *p, bool group_dead)
{
}

void kq_probe(void);
void kq_probe(void)
{
	check_trace_callback_type_sched_process_exit(kq_probe_exit);
}
