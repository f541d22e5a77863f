// SPDX-License-Identifier: GPL-2.0
/* 6.1-6.x: a tasks-trace grace period is also an RCU one; gone when tasks-trace RCU moved onto SRCU. */
#include <linux/rcupdate.h>

bool kq_probe(void);
bool kq_probe(void)
{
	return rcu_trace_implies_rcu_gp();
}
