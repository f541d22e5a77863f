// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberate data race in module code, for the kcsan lane's control
 * (selftests/vm/kcsan-control.sh): two kthreads write one plain int on
 * different CPUs. KCSAN must report it and the VM harness must fail the
 * run, however it filters core-kernel races. (Its name must not contain
 * "csan_" or "tsan_": KCSAN drops stack frames whose "%ps" text does, so a
 * module called kq_kcsan_control had its racing frame dropped from the
 * report, which then looked like a core-kernel race.)
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>

static int kq_control_shared;
static struct task_struct *kq_control_threads[2];

static int kq_control_racer(void *arg)
{
	while (!kthread_should_stop()) {
		kq_control_shared++;	/* the race: plain read-modify-write */
		cpu_relax();
	}
	return 0;
}

static int __init kq_control_init(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		kq_control_threads[i] = kthread_create(kq_control_racer, NULL, "kq_race/%d", i);
		if (IS_ERR(kq_control_threads[i]))
			return PTR_ERR(kq_control_threads[i]);
		kthread_bind(kq_control_threads[i], i % num_online_cpus());
		wake_up_process(kq_control_threads[i]);
	}
	msleep(2000);
	for (i = 0; i < 2; i++)
		kthread_stop(kq_control_threads[i]);
	return 0;
}

static void __exit kq_control_exit(void)
{
}

module_init(kq_control_init);
module_exit(kq_control_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kqueue VM harness control: a deliberate data race");
