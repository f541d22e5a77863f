// SPDX-License-Identifier: GPL-2.0
/* 6.13+: hrtimer_setup() sets the callback with the clock; hrtimer_init() is gone in 7.x. */
#include <linux/hrtimer.h>

void kq_probe(struct hrtimer *t, enum hrtimer_restart (*fn)(struct hrtimer *));
void kq_probe(struct hrtimer *t, enum hrtimer_restart (*fn)(struct hrtimer *))
{
	hrtimer_setup(t, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
}
