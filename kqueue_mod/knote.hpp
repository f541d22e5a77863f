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
 *     EV_DELETE / oneshot / kqueue close: elect the detacher (WILL_DETACH:
 *     dequeued, never queued again), detach from source (no callback runs
 *     after it), remove from table, free.
 *
 *   WILL_DETACH  one thread has been elected to detach the knote; no one
 *                may put it in flux any more (seeds 000, 001), and it is
 *                never queued again (off the queue and the closed list).
 *   NEUTERED     its source went away; ops are the inert ones (seed 002).
 *   GONE         its source ended for good (a process exited) and will post
 *                nothing more: the next scan reports what is pending, if
 *                anything, and drops the knote (FreeBSD's EV_DROP when
 *                nothing is).
 *   CLOSED       its descriptor was closed (fd filters, set by the close
 *                probe, fd_close.c): never queued again, invisible to
 *                lookups (Knote::closed), reports nothing more. Its
 *                queue_link then sits on the kqueue's closed list until the
 *                reap work detaches it under kq->mutex; a scan that was
 *                evaluating it meanwhile takes back its event and drops it.
 *
 *   Knotes born outside kq->mutex (EVFILT_PROC's NOTE_TRACK, created in a
 *   fork probe) wait on the kqueue's adoption list (kq->lock) until the
 *   next holder of kq->mutex moves them into the table; a closing kqueue
 *   adopts nothing (seed 000). A hidden knote (a NOTE_CHILD event) sits in
 *   the table for the kqueue's bookkeeping but no (ident, filter) lookup
 *   finds it.
 *
 * LIFETIME
 *
 *   References (ref, an EpochRefcount, seed 003): the kqueue's table holds
 *   one while the knote is attached; anyone using a knote outside kq->mutex
 *   holds one. The last put decides under kq->lock, by epoch, whether it is
 *   really the last, and frees the memory only after a tasks-trace RCU grace
 *   period, so a losing putter never touches freed memory.
 *
 *   In flux (influx > 0, kq->lock): a path may pin a knote in flux, drop its
 *   locks and do bounded, non-sleeping-for-memory work. An in-flux knote is
 *   never detached: drop_knote() elects one detacher (WILL_DETACH), which
 *   waits until influx is 0; other detachers back off. A scan that meets a
 *   knote in another's flux treats it like another thread's marker (leaves
 *   it queued behind its own marker). In-flux holders never take kq->mutex.
 *
 *   Filter operations are called inside a tasks-trace RCU read section and
 *   loaded with acquire: neutering swaps them for inert ones, and the source
 *   frees its memory only after synchronize_rcu_tasks_trace(), so no call
 *   still running with the old operations can touch it.
 *
 *   Creation, modification, scanning and table removal happen under
 *   kq->mutex (NOTE_TRACK children are created in a fork probe and adopted,
 *   see above). Source callbacks (wait-queue wake-ups, hrtimers) touch a
 *   knote only under kq->lock and are disconnected synchronously by detach
 *   (remove_wait_queue under the wait-queue lock, hrtimer_cancel), or, for
 *   a CLOSED knote nobody holds in flux, by the closing task's task work
 *   before close() returns to user space. Process
 *   probes are not disconnected synchronously: they find knotes inside a
 *   tasks-trace read section, so knotes (and kqueues) are freed only after
 *   a tasks-trace grace period, and a probe ignores a knote once
 *   WILL_DETACH or GONE is set under kq->lock.
 */
#ifndef KQ_KNOTE_HPP
#define KQ_KNOTE_HPP

#include "kq_base.hpp"
#include "knote_ref.hpp"

class Kqueue;
struct FilterOps;
struct TrackReserve;

struct Knote {
	static constexpr u32 ACTIVE = 1u << 0;
	static constexpr u32 QUEUED = 1u << 1;
	static constexpr u32 DISABLED = 1u << 2;
	static constexpr u32 WILL_DETACH = 1u << 3;
	static constexpr u32 NEUTERED = 1u << 4;
	static constexpr u32 GONE = 1u << 5;
	static constexpr u32 CLOSED = 1u << 6;

	/*
	 * The grace period's storage reuses the table link: the knote has
	 * left the table before its last put. First, as kqsys_rcu must be.
	 */
	union {
		ListNode table_link{};
		struct kqsys_rcu rcu;
	};
	ListNode queue_link;
	Kqueue *kq;
	const FilterOps *ops;	/* load_ops(): neutering swaps it */
	EpochRefcount ref;
	u32 influx;		/* kq->lock */
	u32 status;		/* kq->lock */

	/* ident, filter, udata and the knote's EV_ONESHOT/EV_CLEAR/EV_DISPATCH. */
	u64 ident;
	u64 udata;
	s16 filter;
	u16 flags;
	bool hidden;		/* kq->mutex: skipped by table lookups */
	bool closed;		/* set with CLOSED; read locklessly by lookups */
	u32 sfflags;		/* the user's fflags (kq->mutex) */
	s64 sdata;		/* the user's data (kq->mutex) */

	/*
	 * Filter state. A knote's filter never changes, so each filter owns
	 * one member of the union (zeroed at creation) and no other code
	 * reads it.
	 */
	union {
		struct kqsys_fd *fd;	/* in the knote's own memory (source_storage) */
		struct kqsys_timer *timer;
		struct kqsys_proc *proc;
	} source;
	union {
		struct {	/* EVFILT_READ/WRITE: what ready() found, for deliver() */
			s64 ready_data;
			u32 ready_fflags;
			u16 ready_flags;
		};
		struct {	/* EVFILT_TIMER, kq->lock */
			u64 timer_expirations;
			bool timer_parked;	/* the expiry did not restart it */
		};
		struct {	/* EVFILT_PROC, kq->lock */
			u32 proc_pending;	/* NOTE_* seen since the last report */
			s32 proc_status;	/* wait status, with NOTE_EXIT */
			s64 proc_data;		/* newest child (NOTE_FORK), parent (NOTE_CHILD) */
			TrackReserve *track;	/* NOTE_TRACK's children (filter_proc.cpp) */
		};
		bool user_triggered;	/* EVFILT_USER, kq->mutex */
	};

	/*
	 * Freed only through Kqueue::put_knote(), after a grace period. A
	 * knote of kind KQSYS_KNOTE_FD has its file source's storage right
	 * behind it, in the same allocation (source_storage()).
	 */
	static Knote *create(enum kqsys_knote_kind kind, enum kqsys_alloc_mode mode)
	{
		void *mem = kqsys_knote_alloc(kind, mode);
		/* Default-initialised: the memory is zeroed already. */
		return mem ? new (mem) Knote : nullptr;
	}
	/* Never published (no source, no kqueue knows it): free at once. */
	static void discard(Knote *kn) { kqsys_knote_free(kn); }

	void *source_storage() { return this + 1; }

	const FilterOps *load_ops() const
	{
		return __atomic_load_n(&ops, __ATOMIC_ACQUIRE);
	}

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
