// SPDX-License-Identifier: GPL-2.0
/* 6.12+: task_work_add() can be told not to allocate (KASAN's stack record). */
#include <linux/task_work.h>

int kq_probe(struct callback_head *work);
int kq_probe(struct callback_head *work)
{
	return task_work_add(current, work, TWA_RESUME | TWAF_NO_ALLOC);
}
