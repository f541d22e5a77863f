// SPDX-License-Identifier: GPL-2.0
/* The test hooks of kq_kunit_hooks.h (KUnit kernels only). */
#include "filter.hpp"
#include "kq_kunit_hooks.h"
#include "kqueue.hpp"

struct kqtest_ref {
	EpochRefcount ref;
};

extern "C" struct kqtest_ref *kqtest_ref_create(unsigned int count)
{
	auto *r = static_cast<kqtest_ref *>(kqsys_zalloc(sizeof(kqtest_ref),
							 KQSYS_MAY_SLEEP));
	if (r)
		r->ref.init(count);
	return r;
}

extern "C" void kqtest_ref_destroy(struct kqtest_ref *r) { kqsys_free(r); }
extern "C" void kqtest_ref_get(struct kqtest_ref *r) { r->ref.get(); }
extern "C" unsigned long long kqtest_ref_put(struct kqtest_ref *r) { return r->ref.put(); }

extern "C" int kqtest_ref_reached_zero(unsigned long long seen)
{
	return EpochRefcount::reached_zero(seen);
}

extern "C" int kqtest_ref_zero_is_current(struct kqtest_ref *r,
					  unsigned long long seen)
{
	return r->ref.zero_is_current(seen);
}

extern "C" unsigned int kqtest_ref_count(struct kqtest_ref *r) { return r->ref.count(); }

struct KqueueTestAccess {
	static Knote *find(Kqueue *kq, u64 ident, s16 filter)
	{
		kqsys_mutex_lock(kq->sys_);
		Knote *kn = kq->table_.find(ident, filter);
		if (kn)
			kq->get_knote(kn);
		kqsys_mutex_unlock(kq->sys_);
		return kn;
	}
	static void finish_detach(Knote *kn)
	{
		Kqueue *kq = kn->kq;
		kqsys_mutex_lock(kq->sys_);
		kq->finish_detach(kn);
		kqsys_mutex_unlock(kq->sys_);
	}
	static bool closing(Kqueue *kq)
	{
		const unsigned long flags = kqsys_lock(kq->sys_);
		const bool closing = kq->closing_;
		kqsys_unlock(kq->sys_, flags);
		return closing;
	}
	static int add(Kqueue *kq, const FilterOps *ops, const struct kevent &change)
	{
		Knote *kn;
		kqsys_mutex_lock(kq->sys_);
		const int err = kq->add_knote(ops, change, &kn);
		if (!err)
			kq->reevaluate(kn);
		kqsys_mutex_unlock(kq->sys_);
		return err;
	}
};

extern "C" struct kqcore_knote *kqtest_find(struct kqcore *kq,
					    unsigned long long ident, short filter)
{
	Knote *kn = KqueueTestAccess::find(Kqueue::from(kq), ident, filter);
	return kn ? kn->handle() : nullptr;
}

extern "C" void kqtest_put(struct kqcore_knote *h)
{
	Knote *kn = Knote::from(h);
	kn->kq->put_knote(kn);
}

extern "C" int kqtest_enter_flux(struct kqcore_knote *h)
{
	Knote *kn = Knote::from(h);
	const unsigned long flags = kqsys_lock(kn->kq->sys());
	const bool ok = kn->kq->enter_flux_locked(kn);
	kqsys_unlock(kn->kq->sys(), flags);
	return ok;
}

extern "C" void kqtest_leave_flux(struct kqcore_knote *h)
{
	Knote *kn = Knote::from(h);
	kn->kq->leave_flux(kn);
}

extern "C" int kqtest_claim_detach(struct kqcore_knote *h)
{
	Knote *kn = Knote::from(h);
	return kn->kq->claim_detach(kn);
}

extern "C" void kqtest_finish_detach(struct kqcore_knote *h)
{
	KqueueTestAccess::finish_detach(Knote::from(h));
}

static u32 status_of(Knote *kn)
{
	const unsigned long flags = kqsys_lock(kn->kq->sys());
	const u32 status = kn->status;
	kqsys_unlock(kn->kq->sys(), flags);
	return status;
}

extern "C" int kqtest_is_queued(struct kqcore_knote *h)
{
	return (status_of(Knote::from(h)) & Knote::QUEUED) != 0;
}

extern "C" int kqtest_will_detach(struct kqcore_knote *h)
{
	return (status_of(Knote::from(h)) & Knote::WILL_DETACH) != 0;
}

extern "C" void kqtest_neuter(struct kqcore_knote *h)
{
	Knote *kn = Knote::from(h);
	kn->kq->neuter(kn);
}

namespace {

void (*hooked_ready_hook)(void *);
void *hooked_ready_arg;

int hooked_attach(Knote *) { return 0; }
void hooked_detach(Knote *) {}
int hooked_modify(Knote *, const struct kevent &) { return 0; }
bool hooked_ready(Knote *)
{
	if (hooked_ready_hook)
		hooked_ready_hook(hooked_ready_arg);
	return true;
}
void hooked_deliver(Knote *, struct kevent &) {}

const FilterOps hooked_filter_ops = {
	.attach = hooked_attach,
	.detach = hooked_detach,
	.modify = hooked_modify,
	.ready = hooked_ready,
	.deliver = hooked_deliver,
	.wake_mask = 0,
	.ident_is_fd = false,
};

} // namespace

extern "C" int kqtest_add_hooked_knote(struct kqcore *kq, unsigned long long ident,
				       void (*hook)(void *), void *arg)
{
	struct kevent change = {};
	change.ident = ident;
	change.filter = KQTEST_HOOKED_FILTER;
	change.flags = EV_ADD;
	/* Queued by the add's own evaluation; the hook runs from the next scan. */
	hooked_ready_hook = nullptr;
	const int err = KqueueTestAccess::add(Kqueue::from(kq), &hooked_filter_ops,
					      change);
	hooked_ready_arg = arg;
	hooked_ready_hook = hook;
	return err;
}

extern "C" int kqtest_track_child(struct kqcore_knote *h, struct task_struct *child)
{
	Knote *kn = Knote::from(h);
	const unsigned long flags = kqsys_lock(kn->kq->sys());
	const u32 sfflags = kn->sfflags;	/* as kqcore_proc_fork reads it */
	kqsys_unlock(kn->kq->sys(), flags);
	bool wake = false;
	const int err = proc_track_child(
		kn, sfflags, reinterpret_cast<const struct kqsys_task *>(child), &wake);
	if (wake)
		kqsys_wake(kn->kq->sys());
	return err;
}

extern "C" int kqtest_is_closing(struct kqcore *kq)
{
	return KqueueTestAccess::closing(Kqueue::from(kq));
}
