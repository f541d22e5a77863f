// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user limits: how many knotes, and how many of them timers, the
 * kqueues of one user (the real uid that opened them) may hold at once, as
 * epoll's max_user_watches. Past a limit a new knote fails with ENOMEM
 * (FreeBSD's errno for its timer limit), and a NOTE_TRACK child gets
 * NOTE_TRACKERR: a user cannot make the kernel allocate without bound.
 * Memory is also charged to the caller's memory cgroup (services.c).
 *
 * A kqueue holds its user's counters from open to free; counting is one
 * atomic operation, usable in any context (the fork probe charges too).
 */
#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>

#include "kq_glue.h"

static unsigned long max_knotes_per_user;
module_param(max_knotes_per_user, ulong, 0644);
MODULE_PARM_DESC(max_knotes_per_user,
		 "Knotes all kqueues of one user may hold (default: 4% of RAM at 320 bytes each)");

static unsigned long max_timers_per_user;
module_param(max_timers_per_user, ulong, 0644);
MODULE_PARM_DESC(max_timers_per_user,
		 "EVFILT_TIMER knotes one user may hold (default: max_knotes_per_user / 16, at least 1024)");

struct kq_user {
	struct hlist_node node;
	kuid_t uid;
	refcount_t ref;
	atomic_long_t count[KQSYS_CHARGE_KINDS];
};

static DEFINE_HASHTABLE(kq_users, 6);
static DEFINE_SPINLOCK(kq_users_lock);	/* irq-safe: the last put runs in RCU callbacks */

static struct kq_user *kq_user_find(kuid_t uid)
{
	struct kq_user *user;

	hash_for_each_possible(kq_users, user, node, __kuid_val(uid))
		if (uid_eq(user->uid, uid) && refcount_inc_not_zero(&user->ref))
			return user;
	return NULL;
}

struct kq_user *kq_user_get(void)
{
	kuid_t uid = current_uid();
	struct kq_user *user, *fresh;
	unsigned long flags;

	spin_lock_irqsave(&kq_users_lock, flags);
	user = kq_user_find(uid);
	spin_unlock_irqrestore(&kq_users_lock, flags);
	if (user)
		return user;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return NULL;
	fresh->uid = uid;
	refcount_set(&fresh->ref, 1);
	spin_lock_irqsave(&kq_users_lock, flags);
	user = kq_user_find(uid);	/* someone else was quicker */
	if (!user) {
		hash_add(kq_users, &fresh->node, __kuid_val(uid));
		user = fresh;
		fresh = NULL;
	}
	spin_unlock_irqrestore(&kq_users_lock, flags);
	kfree(fresh);
	return user;
}

void kq_user_put(struct kq_user *user)
{
	unsigned long flags;

	if (!refcount_dec_and_lock_irqsave(&user->ref, &kq_users_lock, &flags))
		return;
	hash_del(&user->node);
	spin_unlock_irqrestore(&kq_users_lock, flags);
	WARN_ON_ONCE(atomic_long_read(&user->count[KQSYS_CHARGE_KNOTE]) ||
		     atomic_long_read(&user->count[KQSYS_CHARGE_TIMER]));
	kfree(user);
}

static unsigned long kq_limit(enum kqsys_charge what)
{
	return what == KQSYS_CHARGE_TIMER ? READ_ONCE(max_timers_per_user)
					  : READ_ONCE(max_knotes_per_user);
}

int kqsys_charge(struct kqsys *sys, enum kqsys_charge what)
{
	atomic_long_t *count = &sys->user->count[what];

	if ((unsigned long)atomic_long_inc_return(count) > kq_limit(what)) {
		atomic_long_dec(count);
		return -ENOMEM;
	}
	return 0;
}

void kqsys_uncharge(struct kqsys *sys, enum kqsys_charge what)
{
	atomic_long_dec(&sys->user->count[what]);
}

void kq_limits_init(void)
{
	/*
	 * As epoll's max_user_watches: 4% of RAM, divided by what one
	 * registration costs (an EVFILT_READ knote, table shares included,
	 * measured by bench_memory: 303 bytes).
	 */
	unsigned long knotes = ((totalram_pages() / 25) << PAGE_SHIFT) / 320;

	if (!max_knotes_per_user)
		max_knotes_per_user = max(knotes, 1024UL);
	if (!max_timers_per_user)
		max_timers_per_user = max(max_knotes_per_user / 16, 1024UL);
}
