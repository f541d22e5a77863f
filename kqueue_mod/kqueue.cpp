// SPDX-License-Identifier: GPL-2.0
/*
 * The kqueue: registration of changes, the queue of pending knotes, scans.
 *
 * LOCKING
 *
 * Lock order, outermost first:
 *
 *   1) kq->mutex (struct mutex, per kqueue)
 *      Serialises everything that creates, modifies, evaluates or frees the
 *      knotes of one kqueue: kevent() changes, scans, close. Held across
 *      filter calls that sleep (vfs_poll, allocation, hrtimer_cancel),
 *      across the copy of events to user memory, and across a chunk of
 *      up to 8 changes with their EV_ERROR/EV_RECEIPT entries (main.c). Never held while a
 *      kevent() caller sleeps waiting for events, so other threads' changes
 *      are never blocked by a waiter.
 *
 *   2) kqueue nesting mutex (global, glue: fd_source.c)
 *      Taken under a watcher's kq->mutex when a knote on a kqueue file is
 *      attached or detached, to keep the graph of kqueues watching kqueues
 *      acyclic and shallow.
 *
 *   3) a watched file's wait-queue lock (wait_queue_head_t.lock)
 *      Held by the file's wake_up() while our wake-up callback runs, in any
 *      context, possibly hard-irq.
 *
 *   (kq->flux_waiters) a detacher sleeps there, with kq->mutex held and
 *      kq->lock not held, until a knote's flux count (lowered under
 *      kq->lock) is zero: an in-flux holder therefore never takes
 *      kq->mutex, and its flux is bounded (it neither sleeps nor allocates).
 *
 *   (fd close stripe lock, raw, glue: fd_close.c) taken by the close hook
 *      (ftrace on locks_remove_posix, any close path) and by attach/detach
 *      of fd knotes; the hook marks a knote CLOSED under it, so kq->lock
 *      nests inside it. Nothing takes it under kq->lock. (The close
 *      table's own bucket locks are taken by attach/detach only, with
 *      none of ours held.)
 *
 *   4) kq->lock (raw spinlock, irq-safe, per kqueue)
 *      Guards Knote::status, the active queue and pending_, the adoption
 *      list and closing_, the closed list, NOTE_TRACK reserves, and filter
 *      state written by event sources (timer expirations, process events).
 *      Taken by callbacks under 3), hence irq-safe, and by the close hook
 *      (under its raw stripe lock) and the process probes with preemption
 *      off, hence raw: on PREEMPT_RT a
 *      spinlock_t sleeps. A leaf: nothing is acquired under it, and what
 *      would sleep on RT (wait-queue locks, allocation, freeing) never
 *      happens under it. Wake-ups of the kqueue's own waiters happen after
 *      it is released (kqsys_wake; from the process probes deferred to an
 *      irq_work, kqsys_wake_deferred), so a kqueue watching a kqueue nests
 *      wait-queue locks, never kq->lock (the glue gives those a lockdep
 *      subclass).
 *
 *   (proc hash bucket lock, raw, glue: proc_source.c) a leaf of its own,
 *      never held together with kq->lock: the probes release kq->lock
 *      before they hash or unhash a watch.
 *
 *   Probes take no lock to find a knote: they walk the proc hash inside a
 *   tasks-trace RCU read section, which keeps the knote and its kqueue
 *   (freed only after a tasks-trace grace period, see kqsys_destroy)
 *   valid; under kq->lock they ignore a knote marked WILL_DETACH or GONE.
 *   The fork probe holds the parent's knote in flux while it builds a
 *   NOTE_TRACK child without kq->lock (bounded: the knotes come from the
 *   reserve, filter_proc.cpp) and adopts it under kq->lock unless closing_
 *   is set: destroy() sets closing_ under kq->lock before it drains, so a
 *   closing kqueue never gains a knote (seed 000).
 *
 *   Work the probes may not do waits in a task (kqsys_task_work_add): the
 *   closing task releases a closed knote's file, a forking thread refills
 *   its knote's reserve, a tracked child fills its own, each before it
 *   returns to user space, holding the kqueue's file meanwhile.
 *
 * Knote lifetime and the state machine: see knote.hpp.
 */
#include "kqueue.hpp"
#include "filter.hpp"

using namespace kq_errno;

namespace {

constexpr u16 change_actions = EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE;
constexpr u16 change_flags_known = change_actions | EV_ONESHOT | EV_CLEAR |
				   EV_RECEIPT | EV_DISPATCH | EV_KEEPUDATA;
/* Flags a knote keeps from the change that created it. */
constexpr u16 knote_kept_flags = EV_ONESHOT | EV_CLEAR | EV_DISPATCH;

int validate_change_flags(u16 flags)
{
	if (flags & ~change_flags_known)
		return -EINVAL;
	if ((flags & (EV_ADD | EV_DELETE)) == (EV_ADD | EV_DELETE))
		return -EINVAL;
	if ((flags & (EV_ENABLE | EV_DISABLE)) == (EV_ENABLE | EV_DISABLE))
		return -EINVAL;
	return 0;
}

} // namespace

Kqueue *Kqueue::create(struct kqsys *sys)
{
	auto *kq = new Kqueue(sys);
	if (!kq)
		return nullptr;
	if (!kq->table_.init()) {
		delete kq;
		return nullptr;
	}
	return kq;
}

void Kqueue::destroy()
{
	{
		MutexGuard guard(sys_);
		{
			LockGuard lock(sys_);
			closing_ = true;
		}
		absorb_adopted();
		u32 cursor = 0;
		while (Knote *kn = table_.next_from(&cursor))
			drop_knote(kn);
	}
	table_.release();
}

bool Kqueue::adopt_locked(Knote *kn)
{
	kqsys_assert_locked(sys_);
	if (closing_)
		return false;
	kn->table_link.insert_before(&adopted_);
	store_relaxed(adopted_pending_, true);
	return true;
}

void Kqueue::take_adopted_locked(ListNode *into)
{
	kqsys_assert_locked(sys_);
	while (!adopted_.empty()) {
		ListNode *n = adopted_.next;
		n->unlink();
		n->insert_before(into);
	}
	store_relaxed(adopted_pending_, false);
}

/*
 * An adopted knote's ident is a new process's pid; a visible knote with the
 * same ident can only watch an earlier process that had that pid (gone, its
 * last event pending): it stays until reported, but lookups now find the
 * new one.
 */
void Kqueue::insert_adopted(ListNode *list)
{
	kqsys_assert_mutex_held(sys_);
	while (!list->empty()) {
		Knote *kn = KQ_CONTAINER_OF(list->next, Knote, table_link);
		kn->table_link.unlink();
		if (!kn->hidden) {
			if (Knote *old = table_.find(kn->ident, kn->filter))
				old->hidden = true;
		}
		table_.insert(kn);
	}
}

/*
 * Every change calls this: the lockless hint spares it kq->lock when, as
 * almost always, nothing waits. An adoption the hint misses raced with this
 * call and is taken by the next holder of kq->mutex, exactly as if it had
 * come just after the lock. destroy() reads the hint after its own
 * kq->lock section that set closing_, so it sees every adoption.
 */
void Kqueue::absorb_adopted()
{
	if (!load_relaxed(adopted_pending_))
		return;
	ListNode taken;
	{
		LockGuard guard(sys_);
		take_adopted_locked(&taken);
	}
	insert_adopted(&taken);
}

bool Kqueue::enqueue_locked(Knote *kn)
{
	kqsys_assert_locked(sys_);
	if (kn->status & (Knote::QUEUED | Knote::DISABLED | Knote::CLOSED |
			  Knote::WILL_DETACH))
		return false;
	kn->queue_link.insert_before(&queue_);
	kn->status |= Knote::QUEUED;
	store_relaxed(pending_, pending_ + 1);
	return true;
}

void Kqueue::dequeue_locked(Knote *kn)
{
	kqsys_assert_locked(sys_);
	if (!(kn->status & Knote::QUEUED))
		return;
	kn->queue_link.unlink();
	kn->status &= ~Knote::QUEUED;
	store_relaxed(pending_, pending_ - 1);
}

bool Kqueue::activate_locked(Knote *kn)
{
	kn->status |= Knote::ACTIVE;
	return enqueue_locked(kn);
}

bool Kqueue::activate(Knote *kn)
{
	LockGuard guard(sys_);
	return activate_locked(kn);
}

/* Evaluate an enabled knote after a change, as FreeBSD does at register. */
void Kqueue::reevaluate(Knote *kn)
{
	const bool ready = FilterCall(kn)->ready(kn);
	bool queued;
	{
		LockGuard guard(sys_);
		if (kn->status & Knote::DISABLED)
			return;
		if (ready)
			kn->status |= Knote::ACTIVE;
		queued = (kn->status & Knote::ACTIVE) && enqueue_locked(kn);
	}
	if (queued)
		kqsys_wake(sys_);
}

void Kqueue::set_enabled(Knote *kn, bool enabled)
{
	LockGuard guard(sys_);
	if (enabled) {
		kn->status &= ~Knote::DISABLED;
	} else {
		kn->status |= Knote::DISABLED;
		dequeue_locked(kn);
	}
}

int Kqueue::add_knote(const FilterOps *ops, const struct kevent &change,
		      Knote **out)
{
	Knote *kn = new_knote(ops->knote_kind, KQSYS_MAY_SLEEP);
	if (!kn)
		return -ENOMEM;
	kn->kq = this;
	kn->ops = ops;
	kn->ident = change.ident;
	kn->filter = change.filter;
	kn->flags = change.flags & knote_kept_flags;
	kn->udata = change.udata;
	kn->sfflags = change.fflags;
	kn->sdata = change.data;
	kn->ref.init(1);	/* the table's */
	/* Before attach: a wake-up may arrive as soon as the source knows kn. */
	if (change.flags & EV_DISABLE)
		kn->status = Knote::DISABLED;

	const int err = ops->attach(kn);
	if (err) {
		{
			LockGuard guard(sys_);
			dequeue_locked(kn);
		}
		put_knote(kn);
		return err;
	}
	table_.insert(kn);
	*out = kn;
	return 0;
}

void Kqueue::drop_knote(Knote *kn)
{
	kqsys_assert_mutex_held(sys_);
	/* Every detacher holds kq->mutex today, so this one always wins. */
	if (claim_detach(kn))
		finish_detach(kn);
}

/* The elected detacher's work: kq->mutex held, kn WILL_DETACH, not in flux. */
void Kqueue::finish_detach(Knote *kn)
{
	kqsys_assert_mutex_held(sys_);
	/* Off every list of kq->lock since claim_detach(), and it stays so. */
	FilterCall(kn)->detach(kn);
	table_.remove(kn);
	put_knote(kn);
}

/* influx is written under kq->lock and read locklessly by a detacher waiting for 0. */
bool Kqueue::enter_flux_locked(Knote *kn)
{
	kqsys_assert_locked(sys_);
	if (kn->status & Knote::WILL_DETACH)
		return false;
	store_relaxed(kn->influx, kn->influx + 1);
	return true;
}

/* True if a detacher waits for this flux to end (kqsys_flux_wake it). */
bool Kqueue::leave_flux_locked(Knote *kn)
{
	kqsys_assert_locked(sys_);
	store_relaxed(kn->influx, kn->influx - 1);
	return kn->influx == 0 && (kn->status & Knote::WILL_DETACH);
}

void Kqueue::leave_flux(Knote *kn)
{
	bool wake;
	{
		LockGuard guard(sys_);
		wake = leave_flux_locked(kn);
	}
	if (wake)
		kqsys_flux_wake(sys_);
}

/*
 * The first caller marks kn WILL_DETACH (no new flux and no queueing from
 * then on: it leaves the active queue, or the closed list, here for good)
 * and waits for the holders to leave; it alone detaches. A later caller
 * gets false and must only drop its own reference.
 */
bool Kqueue::claim_detach(Knote *kn)
{
	bool in_flux;
	{
		LockGuard guard(sys_);
		if (kn->status & Knote::WILL_DETACH)
			return false;
		kn->status |= Knote::WILL_DETACH;
		dequeue_locked(kn);
		if (kn->status & Knote::CLOSED)
			kn->queue_link.unlink();	/* off the closed list */
		in_flux = kn->influx != 0;
	}
	/* No new flux can start: the count only goes down from here. */
	if (in_flux)
		kqsys_flux_wait(sys_, &kn->influx);
	return true;
}

Knote *Kqueue::new_knote(enum kqsys_knote_kind kind, enum kqsys_alloc_mode mode)
{
	if (kqsys_charge(sys_, KQSYS_CHARGE_KNOTE))
		return nullptr;
	Knote *kn = Knote::create(kind, mode);
	if (!kn)
		kqsys_uncharge(sys_, KQSYS_CHARGE_KNOTE);
	return kn;
}

void Kqueue::discard_knote(Knote *kn)
{
	Knote::discard(kn);
	kqsys_uncharge(sys_, KQSYS_CHARGE_KNOTE);
}

/*
 * The read section keeps kn's memory valid while this put finds out whether
 * it is the last one: another CPU may revive and drop kn in between (seed
 * 003), and then that CPU's put, with the newer epoch, frees it.
 */
void Kqueue::put_knote(Knote *kn)
{
	kqsys_read_lock_trace();
	const u64 seen = kn->ref.put();
	if (EpochRefcount::reached_zero(seen)) {
		bool destroy;
		{
			LockGuard guard(sys_);
			destroy = kn->ref.zero_is_current(seen);
		}
		if (destroy) {
			kqsys_uncharge(sys_, KQSYS_CHARGE_KNOTE);
			kqsys_free_after_trace_gp(&kn->rcu);
			static_assert(__builtin_offsetof(Knote, rcu) == 0);
		}
	}
	kqsys_read_unlock_trace();
}

/*
 * The caller (the source's teardown) must kqsys_synchronize_trace() before
 * freeing what kn's old operations use; the knote stays in its kqueue and
 * reports EV_EOF once, then goes away (as FreeBSD's klist_invalidate).
 */
void Kqueue::neuter(Knote *kn)
{
	__atomic_store_n(&kn->ops, &inert_filter_ops, __ATOMIC_RELEASE);
	bool queued;
	{
		LockGuard guard(sys_);
		kn->status |= Knote::NEUTERED | Knote::ACTIVE;
		queued = enqueue_locked(kn);
	}
	if (queued)
		kqsys_wake(sys_);
}

/*
 * A knote being detached needs nothing: its detacher drops the file. An
 * in-flux one (a scan evaluating it) is only marked and put on the closed
 * list (BUSY); the scan sees CLOSED when it takes kq->lock again and drops
 * it. An idle one (IDLE) goes on the closed list only with queue_closed(),
 * after the glue released its file: until then no reap can detach it, so
 * the release has one owner. Once CLOSED a knote is never queued, so no
 * scan starts evaluating it; a change that found it just before may still
 * poll, through its own file reference (glue).
 */
enum kqcore_fd_closed_result Kqueue::mark_closed(Knote *kn)
{
	LockGuard guard(sys_);
	if (kn->status & (Knote::CLOSED | Knote::WILL_DETACH))
		return KQCORE_FD_CLOSED_NONE;
	dequeue_locked(kn);
	kn->status |= Knote::CLOSED;
	store_relaxed(kn->closed, true);
	if (!kn->influx)
		return KQCORE_FD_CLOSED_IDLE;
	kn->queue_link.insert_before(&closed_);
	return KQCORE_FD_CLOSED_BUSY;
}

void Kqueue::queue_closed(Knote *kn)
{
	LockGuard guard(sys_);
	kn->queue_link.insert_before(&closed_);
}

void Kqueue::reap_closed()
{
	MutexGuard guard(sys_);
	for (;;) {
		Knote *kn;
		{
			LockGuard lock(sys_);
			if (closed_.empty())
				return;
			kn = KQ_CONTAINER_OF(closed_.next, Knote, queue_link);
			kn->queue_link.unlink();
		}
		drop_knote(kn);
	}
}

int Kqueue::apply_change(const struct kevent &change)
{
	MutexGuard guard(sys_);
	return apply_change_locked(change);
}

int Kqueue::apply_change_locked(const struct kevent &change)
{
	const u16 flags = change.flags & ~EV_SYSFLAGS;
	int err = validate_change_flags(flags);
	if (err)
		return err;
	const FilterOps *ops = filter_ops_for(change.filter);
	if (!ops)
		return -EINVAL;
	/*
	 * A descriptor is resolved only to create a knote (attach: EBADF if
	 * it is not open): EV_DELETE of a closed descriptor's knote is ENOENT
	 * (the close removed it), as it is once the number is reused. A knote
	 * that lookups find has an open descriptor: a close hides it before
	 * close() returns.
	 */
	if (ops->ident_is_fd && (flags & EV_ADD) && change.ident > 0x7fffffffull)
		return -EBADF;

	kqsys_assert_mutex_held(sys_);
	absorb_adopted();
	Knote *kn = table_.find(change.ident, change.filter);
	if (!kn) {
		if (!(flags & EV_ADD))
			return -ENOENT;
		err = add_knote(ops, change, &kn);
		if (err)
			return err;
	} else if (flags & EV_DELETE) {
		drop_knote(kn);
		return 0;
	} else {
		/*
		 * As on FreeBSD, any change to an existing knote stores its udata
		 * (unless EV_KEEPUDATA) and hands fflags/data to the filter.
		 */
		err = FilterCall(kn)->modify(kn, change);
		if (err)
			return err;
		/* A fork probe copies udata to NOTE_TRACK children meanwhile. */
		if (!(flags & EV_KEEPUDATA))
			store_relaxed(kn->udata, change.udata);
	}

	if (flags & EV_DISABLE)
		set_enabled(kn, false);
	else if (flags & EV_ENABLE)
		set_enabled(kn, true);
	reevaluate(kn);
	return 0;
}

/*
 * A scan takes kq->lock twice per reported knote and no more: the first
 * section places the marker and takes the first knote, each later one
 * settles a knote and takes the next, and the last also removes the
 * marker when the caller's room is full or the marker is reached, so
 * scan_end() usually has nothing to lock for.
 */
void Kqueue::scan_begin()
{
	kqsys_mutex_lock(sys_);
	scan_done_ = false;
}

void Kqueue::scan_end()
{
	if (scan_marker_placed_) {
		LockGuard guard(sys_);
		scan_marker_.unlink();
	}
	scan_marker_placed_ = false;
	kqsys_mutex_unlock(sys_);
}

/*
 * The next knote in front of the marker, taken off the queue and in this
 * scan's flux, or nullptr when the marker is reached (then removed). A
 * knote in another's flux goes behind the marker. kq->lock held.
 *
 * pending_ still counts a taken knote until settle_locked(): a waiter that
 * looks meanwhile must not conclude that nothing is pending, or it would
 * sleep through a level-triggered knote that the scan puts back. It scans
 * instead, after this scan (kq->mutex), and finds it.
 */
Knote *Kqueue::take_next_locked()
{
	for (;;) {
		if (queue_.next == &scan_marker_) {
			scan_marker_.unlink();
			scan_marker_placed_ = false;
			scan_done_ = true;
			return nullptr;
		}
		Knote *kn = KQ_CONTAINER_OF(queue_.next, Knote, queue_link);
		if (kn->influx) {
			/*
			 * Behind the marker, still queued: moved without a
			 * dequeue, whose drop of pending_ a waiter could see.
			 */
			kn->queue_link.unlink();
			kn->queue_link.insert_before(&queue_);
			continue;
		}
		if (!enter_flux_locked(kn)) {
			dequeue_locked(kn);	/* its detacher is at work */
			continue;
		}
		/* Off the queue, still counted in pending_ (above). */
		kn->queue_link.unlink();
		kn->status &= ~Knote::QUEUED;
		return kn;
	}
}

/*
 * A knote this scan evaluated, under kq->lock again: what its delivery (or
 * its not being ready) means for its state. Returns whether the scan must
 * drop it; *wake_detacher: a detacher waits for the flux to end.
 */
bool Kqueue::settle_locked(Knote *kn, bool ready, const struct kevent &ev,
			   bool *reported, bool *wake_detacher)
{
	bool drop;

	*wake_detacher = leave_flux_locked(kn);
	if (!ready) {
		/* A wake-up since the dequeue re-queued it: keep it active. */
		if (!(kn->status & Knote::QUEUED))
			kn->status &= ~Knote::ACTIVE;
		/* Gone or closed: nothing to report, nothing to come. */
		drop = kn->status & (Knote::GONE | Knote::CLOSED);
	} else {
		/*
		 * Its source is gone: this was the last report if it said so
		 * (EV_EOF: a neutered knote's, a gone process's NOTE_EXIT). If
		 * the source went away after deliver() (a process exiting just
		 * after its NOTE_EXEC was read), the knote is queued again and
		 * the next scan makes the last report and drops it.
		 */
		bool finished = (kn->status & (Knote::NEUTERED | Knote::GONE)) &&
				(ev.flags & EV_EOF);
		if (kn->status & Knote::CLOSED) {
			/* Closed while evaluated: nothing after close(). */
			*reported = false;
			finished = true;
		} else if (kn->flags & EV_DISPATCH) {
			kn->status |= Knote::DISABLED;
			kn->status &= ~Knote::ACTIVE;
			dequeue_locked(kn);
		} else if (kn->flags & EV_CLEAR) {
			if (!(kn->status & Knote::QUEUED))
				kn->status &= ~Knote::ACTIVE;
		} else if (!(kn->flags & EV_ONESHOT) && !finished) {
			enqueue_locked(kn);
		}
		drop = (kn->flags & EV_ONESHOT) || finished;
	}
	/*
	 * Uncounted last: a re-queue above counted it again first, so a
	 * lockless reader never sees a dip to zero in between.
	 */
	store_relaxed(pending_, pending_ - 1);
	return drop;
}

/*
 * Knotes queued before the scan's first call sit in front of the marker;
 * those that are re-queued (level-triggered), newly woken, or in another
 * thread's flux go behind it, so one kevent() call reports each knote at
 * most once and never waits for someone else's flux. Adopted knotes are
 * taken in the section that places the marker: every knote in front of it
 * is then in the table, so the scan may drop any of them.
 */
int Kqueue::scan_next(struct kevent *out, int max, bool last)
{
	kqsys_assert_mutex_held(sys_);
	if (scan_done_ || max <= 0)
		return 0;
	int n = 0;
	unsigned long flags = kqsys_lock(sys_);
	if (!scan_marker_placed_) {
		ListNode taken;
		take_adopted_locked(&taken);
		scan_marker_.insert_before(&queue_);
		scan_marker_placed_ = true;
		if (!taken.empty()) {
			kqsys_unlock(sys_, flags);
			insert_adopted(&taken);
			flags = kqsys_lock(sys_);
		}
	}
	while (Knote *kn = take_next_locked()) {
		kqsys_unlock(sys_, flags);

		struct kevent &ev = out[n];
		bool ready;
		{
			/*
			 * One read section for both calls (none spans a drop);
			 * deliver() with the operations of now: a source gone
			 * since ready() reports through the inert filter (EV_EOF).
			 */
			FilterCall call(kn);
			ready = call->ready(kn);
			if (ready) {
				ev = {};
				ev.ident = kn->ident;
				ev.filter = kn->filter;
				ev.flags = kn->flags;
				ev.udata = kn->udata;
				call.reload(kn);
				call->deliver(kn, ev);
			}
		}

		bool reported = ready, wake_detacher;
		flags = kqsys_lock(sys_);
		const bool drop = settle_locked(kn, ready, ev, &reported,
						&wake_detacher);
		n += reported;
		const bool full = n == max;
		if (full && last && scan_marker_placed_) {
			scan_marker_.unlink();
			scan_marker_placed_ = false;
			scan_done_ = true;
		}
		if (wake_detacher || drop) {
			kqsys_unlock(sys_, flags);
			if (wake_detacher)
				kqsys_flux_wake(sys_);
			if (drop)
				drop_knote(kn);
			if (full)
				return n;
			flags = kqsys_lock(sys_);
		}
		if (full)
			break;
	}
	kqsys_unlock(sys_, flags);
	return n;
}

/* ---- entry points for the glue ------------------------------------------ */

extern "C" const unsigned long kqcore_knote_size = sizeof(Knote);

extern "C" struct kqcore *kqcore_create(struct kqsys *sys)
{
	Kqueue *kq = Kqueue::create(sys);
	return kq ? kq->handle() : nullptr;
}

extern "C" void kqcore_destroy(struct kqcore *kq)
{
	Kqueue::from(kq)->destroy();
}

extern "C" void kqcore_free(struct kqcore *kq)
{
	Kqueue::from(kq)->free();
}

extern "C" int kqcore_apply_change(struct kqcore *kq, const struct kevent *change)
{
	return Kqueue::from(kq)->apply_change(*change);
}

extern "C" int kqcore_apply_change_locked(struct kqcore *kq, const struct kevent *change)
{
	return Kqueue::from(kq)->apply_change_locked(*change);
}

extern "C" void kqcore_scan_begin(struct kqcore *kq)
{
	Kqueue::from(kq)->scan_begin();
}

extern "C" int kqcore_scan_next(struct kqcore *kq, struct kevent *out, int max,
				int last)
{
	return Kqueue::from(kq)->scan_next(out, max, last);
}

extern "C" void kqcore_scan_end(struct kqcore *kq)
{
	Kqueue::from(kq)->scan_end();
}

extern "C" void kqcore_reap_closed(struct kqcore *kq)
{
	Kqueue::from(kq)->reap_closed();
}

extern "C" long kqcore_pending(const struct kqcore *kq)
{
	return Kqueue::from(kq)->pending();
}
