/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Knote: one (ident, filter) registration in one kqueue.
 *
 * STATE (status bits, guarded by kq->lock)
 *
 *   ACTIVE    the source reported something since the knote was last
 *             found not ready; set by wake-ups/timers (any context) and by
 *             registration, cleared by a scan that finds it not ready or
 *             delivers it with EV_CLEAR/EV_DISPATCH.
 *   QUEUED    on the kqueue's active queue; implies !DISABLED. Counted in
 *             Kqueue::pending_.
 *   DISABLED  EV_DISABLE or a delivered EV_DISPATCH; never queued while set.
 *
 *   Transitions (-> QUEUED happens only through Kqueue::enqueue_locked):
 *
 *     created (not in table) --attach ok--> attached (in table)
 *     attached: wake/timer/register  ACTIVE, and QUEUED unless DISABLED
 *     scan: QUEUED -> dequeued -> ready()? no: ACTIVE cleared (unless re-queued)
 *                                          yes: delivered, then
 *           EV_ONESHOT           -> dropped
 *           EV_CLEAR/DISPATCH    -> ACTIVE cleared (DISPATCH: DISABLED)
 *           level-triggered      -> QUEUED again, behind the scan marker
 *     EV_DISABLE: DISABLED, dequeued (ACTIVE kept); EV_ENABLE: re-evaluated
 *     EV_DELETE / oneshot / kqueue close: detach from source (no callback
 *     runs after it), dequeue, remove from table, free.
 *
 * LIFETIME (this revision): a knote is created, modified, scanned and
 * freed only under kq->mutex, so a scan that drops kq->lock to evaluate a
 * filter cannot race with its deletion. Source callbacks (wait-queue
 * wake-ups, hrtimers) touch a knote only under kq->lock and are
 * synchronously disconnected by detach (remove_wait_queue under the
 * wait-queue lock, hrtimer_cancel) before the knote is freed.
 */
#ifndef KQ_KNOTE_HPP
#define KQ_KNOTE_HPP

#include "kq_base.hpp"

class Kqueue;
struct FilterOps;

struct Knote {
	static constexpr u32 ACTIVE = 1u << 0;
	static constexpr u32 QUEUED = 1u << 1;
	static constexpr u32 DISABLED = 1u << 2;

	ListNode table_link;
	ListNode queue_link;
	Kqueue *kq;
	const FilterOps *ops;

	/* ident, filter, udata and the knote's EV_ONESHOT/EV_CLEAR/EV_DISPATCH. */
	u64 ident;
	s16 filter;
	u16 flags;
	u64 udata;

	u32 status;		/* kq->lock */
	u32 sfflags;		/* the user's fflags (kq->mutex) */
	s64 sdata;		/* the user's data (kq->mutex) */

	/* Filter state. */
	union {
		struct kqsys_fd *fd;
		struct kqsys_timer *timer;
	} source;
	u64 timer_expirations;	/* kq->lock */
	bool user_triggered;	/* kq->mutex */
	/* What the last ready() found, for deliver() (kq->mutex). */
	s64 ready_data;
	u32 ready_fflags;
	u16 ready_flags;

	void *operator new(size_t size) noexcept
	{
		return kqsys_zalloc(size, KQSYS_MAY_SLEEP);
	}
	void operator delete(void *p) noexcept { kqsys_free(p); }

	struct kqcore_knote *handle()
	{
		return reinterpret_cast<struct kqcore_knote *>(this);
	}
	static Knote *from(struct kqcore_knote *h)
	{
		return reinterpret_cast<Knote *>(h);
	}
};

#endif /* KQ_KNOTE_HPP */
