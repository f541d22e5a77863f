// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_PROC: fork, exec and exit of a process, posted by the glue's
 * sched_process_* tracepoint probes (proc_source.c).
 *
 * The probes run in the watched process's own context, possibly with
 * preemption disabled (always on PREEMPT_RT's terms: raw locks only, no
 * allocation or freeing, wake-ups deferred to an irq_work), and reach a
 * knote through its watch, inside a tasks-trace read section: the knote's
 * and kqueue's memory stay valid until they leave it. They touch a knote
 * only under kq->lock and ignore it once WILL_DETACH (its detacher then
 * unhashes the watch) or GONE (the process already exited) is set, so an
 * event never lands on a knote being detached.
 *
 * NOTE_TRACK (seed 000): the fork probe pins the parent's knote in flux,
 * takes a kit (the child's knote, a NOTE_CHILD knote and a blank watch,
 * made beforehand in process context) from the knote's reserve, drops
 * kq->lock, hashes the child's watch (the child has not run yet: nothing
 * it does can be missed), and then, under kq->lock again, hands both
 * knotes to the kqueue's adoption list unless the kqueue is closing. Any
 * failure turns into NOTE_TRACKERR on the parent's knote. The NOTE_CHILD
 * knote is hidden from lookups and GONE from birth: reported once, never
 * merged with the child's own NOTE_EXIT.
 *
 * THE RESERVE. A thread takes at most one kit per fork, and gets it back
 * before fork() returns to user space: the fork probe queues the kit's own
 * refill (task work, kqsys_task_work_add) on the forking thread, which
 * runs it in process context on its way out of the kernel. So each thread
 * has at most one kit out at a time, and a reserve holding one complete
 * kit per thread of its process (`target`, up to track_target_max) never
 * runs dry, however many threads fork at the same moment:
 *
 *   thread T:  fork() --probe: kit K taken, K's refill queued on T--
 *              [still in the kernel: vfork() waits here for the child]
 *              return to user space: K back, reserve filled -- next fork()
 *   child C:   created, watched, its knote has an empty reserve and the
 *              reserve's fill queued on C -- first return to user space:
 *              fill -- C's first instruction, its first fork()
 *   thread N:  created by T: target + 1 at once, a spare shell (a kit
 *              without parts, kept one per thread for this) carries a
 *              refill queued on N -- N's first return to user space:
 *              reserve filled for one more thread -- N's first fork()
 *
 * The target follows the thread count: raised by the creation probe, set
 * from the count by every fill (which frees what a smaller target leaves
 * over). NOTE_TRACKERR therefore means memory was short when the reserve
 * was filled, the per-user knote limit (charged when a kit is used), or
 * more than track_target_max threads of one process forking at once.
 *
 * Ownership of a reserve: its knote's until the knote is detached; if
 * work is queued on tasks then (works_queued: the reserve's fill_work and
 * kits out with their refill, kq->lock), the last of it frees the reserve.
 * Detach and that work run under kq->mutex, so work that sees WILL_DETACH
 * knows the detach is over. Queued work holds a knote reference and the
 * kqueue's file.
 */
#include "filter.hpp"
#include "kqueue.hpp"

using namespace kq_errno;

/* What one tracked fork uses up (the reserve, see THE RESERVE above). */
struct TrackKit {
	ListNode link;		/* kq->lock: TrackReserve::kits or ::shells; off both while out */
	TrackReserve *reserve;	/* the reserve it belongs to */
	Knote *tracker;		/* the child's knote */
	Knote *note;		/* its NOTE_CHILD event */
	struct kqsys_proc *watch;	/* blank */
	TrackReserve *tracker_reserve;	/* the child's knote's, empty */
	struct kqsys_task_work refill;	/* its way back, queued on the thread that took it */
};

struct TrackReserve {
	Knote *owner;
	ListNode kits;		/* kq->lock: complete kits */
	ListNode shells;	/* kq->lock: kits used up, incomplete, or spare */
	u32 count;		/* kq->lock: complete kits */
	u32 nshells;		/* kq->lock */
	u32 target;		/* kq->lock: kits (and spare shells) wanted */
	u32 works_queued;	/* kq->lock: refills and fill_work queued on tasks */
	bool fill_queued;	/* kq->lock: fill_work waits in some task */
	struct kqsys_task_work fill_work;
};

namespace {

constexpr u32 proc_requests = NOTE_EXIT | NOTE_FORK | NOTE_EXEC | NOTE_TRACK;
constexpr u32 proc_outputs = NOTE_CHILD | NOTE_TRACKERR;

int check_fflags(u32 fflags)
{
	return (fflags & ~(proc_requests | proc_outputs)) ? -EINVAL : 0;
}

/* kq->lock held. True if kn was newly queued (the caller wakes the kqueue). */
bool record_locked(Knote *kn, u32 event)
{
	if (!(kn->sfflags & event))
		return false;
	store_relaxed(kn->proc_pending, kn->proc_pending | event);
	return kn->kq->activate_locked(kn);
}

/*
 * kq->lock held. The process is gone: whatever is pending is its last
 * report, and the scan drops the knote (silently if nothing is pending).
 */
bool record_exit_locked(Knote *kn, int status)
{
	kn->status |= Knote::GONE;
	kn->proc_status = status;
	if (kn->sfflags & NOTE_EXIT)
		store_relaxed(kn->proc_pending, kn->proc_pending | NOTE_EXIT);
	return kn->kq->activate_locked(kn);
}

/* A probe may post to kn: it is neither being detached nor finished. */
bool accepts_events(const Knote *kn)
{
	return !(kn->status & (Knote::WILL_DETACH | Knote::GONE));
}

int proc_attach(Knote *kn)
{
	int err = check_fflags(kn->sfflags);
	if (err)
		return err;
	kn->sfflags &= proc_requests;
	kn->flags |= EV_CLEAR;
	if (kn->sfflags & NOTE_TRACK) {
		err = track_reserve_attach(kn, kqsys_pid_threads(kn->ident));
		if (err)
			return err;
	}
	int status = 0;
	err = kqsys_proc_attach(kn->handle(), kn->ident, &kn->source.proc, &status);
	if (err < 0) {
		track_reserve_detach(kn);
		return err;
	}
	/* Threads created before the watch was hashed were not counted. */
	if (err == 0 && (kn->sfflags & NOTE_TRACK))
		track_reserve_attach(kn, kqsys_proc_threads(kn->source.proc));
	if (err == 1) {
		bool queued;
		{
			LockGuard guard(kn->kq->sys());
			queued = record_exit_locked(kn, status);
		}
		if (queued)
			kqsys_wake(kn->kq->sys());
	}
	return 0;
}

/*
 * source.proc stays set: a probe reads it under kq->lock only after seeing
 * no WILL_DETACH, and the watch itself lives until a grace period passes.
 */
void proc_detach(Knote *kn)
{
	kqsys_proc_detach(kn->source.proc);
	track_reserve_detach(kn);
}

/* As FreeBSD for filters without f_touch: the new fflags replace the old. */
int proc_modify(Knote *kn, const struct kevent &change)
{
	int err = check_fflags(change.fflags);
	if (err)
		return err;
	if (change.fflags & NOTE_TRACK) {
		err = track_reserve_attach(kn, kqsys_proc_threads(kn->source.proc));
		if (err)
			return err;
	}
	LockGuard guard(kn->kq->sys());
	kn->sfflags = change.fflags & proc_requests;
	return 0;
}

bool proc_ready(Knote *kn)
{
	return load_relaxed(kn->proc_pending) != 0;
}

void proc_deliver(Knote *kn, struct kevent &ev)
{
	LockGuard guard(kn->kq->sys());
	const u32 events = kn->proc_pending;
	ev.fflags = events;
	if (events & NOTE_EXIT)
		ev.data = kn->proc_status;
	else if (events & NOTE_FORK)
		ev.data = kn->proc_data;
	if (kn->status & Knote::GONE)
		ev.flags |= EV_EOF | EV_ONESHOT;
	store_relaxed(kn->proc_pending, 0u);
}

/* The NOTE_CHILD event of a tracked fork: a knote with nothing behind it. */
int child_note_attach(Knote *) { return -EINVAL; }
void child_note_detach(Knote *) {}
int child_note_modify(Knote *, const struct kevent &) { return 0; }
bool child_note_ready(Knote *) { return true; }
void child_note_deliver(Knote *kn, struct kevent &ev)
{
	ev.fflags = NOTE_CHILD;
	ev.data = kn->proc_data;
}

const FilterOps child_note_ops = {
	.attach = child_note_attach,
	.detach = child_note_detach,
	.modify = child_note_modify,
	.ready = child_note_ready,
	.deliver = child_note_deliver,
	.wake_mask = 0,
	.ident_is_fd = false,
};

/* kit memory made into a knote of parent's kqueue for ident, as parent's would be. */
Knote *child_knote(Knote *mem, const Knote *parent, const FilterOps *ops,
		   u64 ident, u32 sfflags)
{
	Knote *kn = new (mem) Knote();
	kn->kq = parent->kq;
	kn->ops = ops;
	kn->ident = ident;
	kn->filter = EVFILT_PROC;
	kn->flags = parent->flags;
	kn->udata = load_relaxed(parent->udata);
	kn->sfflags = sfflags;
	kn->ref.init(1);	/* the table's, once adopted */
	return kn;
}

/* ---- the NOTE_TRACK reserve -------------------------------------------- */

/*
 * A reserve wants a complete kit and a spare shell per thread of its
 * process, up to this many (see THE RESERVE).
 */
constexpr u32 track_target_max = 1024;

u32 target_for(u32 threads)
{
	return kq_min(kq_max(threads, 1u), track_target_max);
}

TrackReserve *new_reserve(Knote *owner, u32 target)
{
	auto *r = static_cast<TrackReserve *>(
		kqsys_zalloc(sizeof(TrackReserve), KQSYS_MAY_SLEEP));
	if (!r)
		return nullptr;
	r = new (r) TrackReserve();
	r->owner = owner;
	r->target = target;
	return r;
}

void free_reserve(TrackReserve *r);

/* A kit's parts, as far as they exist; the shell stays. May sleep. */
void empty_kit(TrackKit *kit)
{
	if (kit->tracker)
		Knote::discard(kit->tracker);
	if (kit->note)
		Knote::discard(kit->note);
	if (kit->watch)
		kqsys_proc_free(kit->watch);
	if (kit->tracker_reserve)
		free_reserve(kit->tracker_reserve);
	kit->tracker = kit->note = nullptr;
	kit->watch = nullptr;
	kit->tracker_reserve = nullptr;
}

bool kit_complete(const TrackKit *kit)
{
	return kit->tracker && kit->note && kit->watch && kit->tracker_reserve;
}

/* Complete a kit; false if memory is short (it keeps what it got). May sleep. */
bool fill_kit(TrackKit *kit)
{
	if (!kit->tracker)
		kit->tracker = Knote::create(KQSYS_KNOTE_BARE, KQSYS_MAY_SLEEP);
	if (!kit->note)
		kit->note = Knote::create(KQSYS_KNOTE_BARE, KQSYS_MAY_SLEEP);
	if (!kit->watch)
		kit->watch = kqsys_proc_alloc();
	if (!kit->tracker_reserve && kit->tracker)
		kit->tracker_reserve = new_reserve(kit->tracker, target_for(1));
	return kit_complete(kit);
}

TrackKit *new_shell(TrackReserve *r)
{
	auto *kit = static_cast<TrackKit *>(
		kqsys_zalloc(sizeof(TrackKit), KQSYS_MAY_SLEEP));
	if (!kit)
		return nullptr;
	kit = new (kit) TrackKit();
	kit->reserve = r;
	return kit;
}

void free_kit(TrackKit *kit)
{
	empty_kit(kit);
	kqsys_free(kit);
}

void free_kits(ListNode *list)
{
	while (!list->empty()) {
		TrackKit *kit = KQ_CONTAINER_OF(list->next, TrackKit, link);
		kit->link.unlink();
		free_kit(kit);
	}
}

/* Nobody else can reach r any more. May sleep. */
void free_reserve(TrackReserve *r)
{
	free_kits(&r->kits);
	free_kits(&r->shells);
	kqsys_free(r);
}

/* kq->lock held: back into the reserve, complete or not. */
void return_kit_locked(TrackReserve *r, TrackKit *kit)
{
	if (kit_complete(kit)) {
		kit->link.insert_before(&r->kits);
		r->count++;
	} else {
		kit->link.insert_before(&r->shells);
		r->nshells++;
	}
}

/* kq->lock held: the first of list (which holds *n), unlinked, or nullptr. */
TrackKit *pop_kit_locked(ListNode *list, u32 *n)
{
	if (list->empty())
		return nullptr;
	TrackKit *kit = KQ_CONTAINER_OF(list->next, TrackKit, link);
	kit->link.unlink();
	(*n)--;
	return kit;
}

/*
 * Bring kn's reserve to a complete kit and a spare shell per thread of
 * its process (threads; 0: unknown, keep the target), making shells into
 * kits first and freeing what a shrunken target no longer needs. kq->mutex
 * held, kn attached. Stops early if memory is short: the forks that then
 * find no kit report NOTE_TRACKERR. May sleep.
 */
void fill_reserve(Knote *kn, u32 threads)
{
	kqsys_assert_mutex_held(kn->kq->sys());
	TrackReserve *r = kn->track;
	for (;;) {
		TrackKit *kit = nullptr, *surplus = nullptr;
		bool want_kit = false;
		{
			LockGuard guard(kn->kq->sys());
			if (threads)
				r->target = target_for(threads);
			if (r->count > r->target) {
				surplus = pop_kit_locked(&r->kits, &r->count);
			} else if (r->count < r->target) {
				want_kit = true;
				if (r->nshells > r->target)
					kit = pop_kit_locked(&r->shells, &r->nshells);
			} else if (r->nshells > r->target) {
				surplus = pop_kit_locked(&r->shells, &r->nshells);
			} else if (r->nshells == r->target) {
				return;
			}
		}
		if (surplus) {
			free_kit(surplus);
			continue;
		}
		if (!kit && !(kit = new_shell(r)))
			return;
		const bool complete = want_kit && fill_kit(kit);
		LockGuard guard(kn->kq->sys());
		return_kit_locked(r, kit);
		if (want_kit && !complete)
			return;
	}
}

/*
 * Work queued on a task for r has finished: kq->mutex held. If r's knote
 * was detached meanwhile, the last such work frees r (see Ownership).
 */
void finish_reserve_work(Knote *kn, TrackReserve *r)
{
	bool last;
	{
		LockGuard guard(kn->kq->sys());
		r->works_queued--;
		last = (kn->status & Knote::WILL_DETACH) && r->works_queued == 0;
	}
	if (last)
		free_reserve(r);
}

/* kq->lock held: r's knote is attached (not WILL_DETACH). */
bool reserve_in_use_locked(const Knote *kn)
{
	return !(kn->status & Knote::WILL_DETACH);
}

/*
 * Work queued on a task for r, in that task (see THE RESERVE): kit, the
 * one it carried back (nullptr: the reserve's own fill_work), returns as
 * it is and the reserve is filled again, unless its knote was detached.
 */
void run_reserve_work(TrackReserve *r, TrackKit *kit)
{
	Knote *kn = r->owner;
	Kqueue *kq = kn->kq;
	{
		MutexGuard guard(kq->sys());
		bool attached;
		{
			LockGuard lock(kq->sys());
			attached = reserve_in_use_locked(kn);
			if (kit)
				return_kit_locked(r, kit);
			else
				r->fill_queued = false;
		}
		if (attached)
			fill_reserve(kn, kqsys_proc_threads(kn->source.proc));
		finish_reserve_work(kn, r);
	}
	kq->put_knote(kn);
}

/* The reserve's own fill, queued when no kit was at hand to carry one. */
void run_fill(struct kqsys_task_work *work)
{
	run_reserve_work(KQ_CONTAINER_OF(work, TrackReserve, fill_work), nullptr);
}

/* A kit's way back, in the thread that took it. */
void run_refill(struct kqsys_task_work *work)
{
	TrackKit *kit = KQ_CONTAINER_OF(work, TrackKit, refill);
	run_reserve_work(kit->reserve, kit);
}

/*
 * kq->lock held, kn not being detached (accepts_events, or not yet
 * published): should the reserve's own fill be queued? If so it is marked
 * queued and holds a reference; the caller calls queue_fill() after the
 * lock.
 */
bool want_fill_locked(Knote *kn)
{
	TrackReserve *r = kn->track;
	if (r->fill_queued || r->count >= r->target)
		return false;
	r->fill_queued = true;
	r->works_queued++;
	kn->kq->get_knote(kn);
	return true;
}

/*
 * Queue the fill want_fill_locked() asked for on task (nullptr: current);
 * false if there is no task to run it (exiting, a kernel thread) or the
 * kqueue is closing: the reserve then stays as it is. Any context; kn must
 * not be detached meanwhile (the caller holds it in flux, or it is not
 * published yet).
 */
bool queue_fill(Knote *kn, const struct kqsys_task *task)
{
	TrackReserve *r = kn->track;
	if (!kqsys_task_work_add(kn->kq->sys(), task, &r->fill_work, run_fill))
		return true;
	{
		LockGuard guard(kn->kq->sys());
		r->fill_queued = false;
		r->works_queued--;
	}
	kn->kq->put_knote(kn);
	return false;
}

/*
 * Have task (nullptr: current) refill the reserve through kit, taken from
 * it, before it next returns to user space; if it cannot, kit goes back
 * as it is. Any context; kn held in flux by the caller.
 */
void queue_refill(Knote *kn, TrackKit *kit, const struct kqsys_task *task)
{
	TrackReserve *r = kit->reserve;
	{
		LockGuard guard(kn->kq->sys());
		r->works_queued++;
		kn->kq->get_knote(kn);
	}
	if (!kqsys_task_work_add(kn->kq->sys(), task, &kit->refill, run_refill))
		return;
	{
		LockGuard guard(kn->kq->sys());
		r->works_queued--;
		return_kit_locked(r, kit);
	}
	kn->kq->put_knote(kn);
}

} // namespace

/*
 * kq->mutex held (attach or modify): NOTE_TRACK wants a reserve, sized for
 * threads (0: unknown). May sleep.
 */
int track_reserve_attach(Knote *kn, u32 threads)
{
	if (!kn->track) {
		TrackReserve *r = new_reserve(kn, target_for(threads));
		if (!r)
			return -ENOMEM;
		LockGuard guard(kn->kq->sys());
		kn->track = r;
	}
	fill_reserve(kn, threads);
	return 0;
}

/* kq->mutex held, kn detached from its source (no probe reaches it). */
void track_reserve_detach(Knote *kn)
{
	TrackReserve *r = kn->track;
	if (!r)
		return;
	bool queued;
	{
		LockGuard guard(kn->kq->sys());
		queued = r->works_queued != 0;
		kn->track = nullptr;
	}
	if (!queued)
		free_reserve(r);
}

namespace {

/*
 * Track child with kit (parent in flux, kq->lock not held). Allocates and
 * frees nothing. On success (0) the kit's parts belong to the kqueue (an
 * empty shell is left) and *wake says whether it must be woken; on
 * failure the kit keeps whatever it can still give.
 */
int track_with_kit(Knote *parent, u32 sfflags, const struct kqsys_task *child,
		   TrackKit *kit, bool *wake)
{
	Kqueue *kq = parent->kq;
	struct kqsys *sys = kq->sys();
	const s64 ident = kqsys_proc_pid_of(parent->source.proc, child);
	if (ident <= 0)
		return -ESRCH;
	if (kqsys_charge(sys, KQSYS_CHARGE_KNOTE))
		return -ENOMEM;
	if (kqsys_charge(sys, KQSYS_CHARGE_KNOTE)) {
		kqsys_uncharge(sys, KQSYS_CHARGE_KNOTE);
		return -ENOMEM;
	}
	Knote *tracker = child_knote(kit->tracker, parent, &proc_filter_ops,
				     ident, sfflags);
	Knote *note = child_knote(kit->note, parent, &child_note_ops, ident, 0);
	note->hidden = true;
	note->proc_data = static_cast<s64>(parent->ident);
	note->status = Knote::GONE;
	tracker->track = kit->tracker_reserve;

	const int err = kqsys_proc_attach_child(parent->source.proc, child,
						tracker->handle(), kit->watch);
	if (err) {
		kqsys_uncharge(sys, KQSYS_CHARGE_KNOTE);
		kqsys_uncharge(sys, KQSYS_CHARGE_KNOTE);
		return err;
	}
	tracker->source.proc = kit->watch;

	/* The child fills its reserve before it runs: queued before anyone can detach tracker. */
	bool fill;
	{
		LockGuard guard(sys);
		fill = want_fill_locked(tracker);
	}
	if (fill)
		fill = queue_fill(tracker, child);
	bool adopted;
	{
		LockGuard guard(sys);
		adopted = kq->adopt_locked(tracker);
		if (adopted) {
			kq->adopt_locked(note);
			*wake = kq->activate_locked(note);
		}
	}
	if (!adopted) {
		/* The child's probes cannot have seen tracker: it has not run. */
		kqsys_proc_detach(kit->watch);
		kit->watch = nullptr;
		kqsys_uncharge(sys, KQSYS_CHARGE_KNOTE);
		if (fill) {
			/* Its queued fill holds tracker; WILL_DETACH: it frees the reserve. */
			{
				LockGuard guard(sys);
				tracker->status |= Knote::WILL_DETACH;
			}
			kit->tracker = nullptr;
			kit->tracker_reserve = nullptr;
			kq->put_knote(tracker);
		} else {
			kqsys_uncharge(sys, KQSYS_CHARGE_KNOTE);
		}
		return -EBADF;
	}
	kit->tracker = kit->note = nullptr;
	kit->watch = nullptr;
	kit->tracker_reserve = nullptr;
	return 0;
}

} // namespace

/*
 * The fork probe's NOTE_TRACK step, with parent in flux (kq->lock not
 * held, so parent cannot be detached): a kit from the reserve, refilled
 * through that kit by the forking thread before fork() returns to user
 * space. Any context; allocates and frees nothing.
 */
int proc_track_child(Knote *parent, u32 sfflags, const struct kqsys_task *child,
		     bool *wake)
{
	TrackReserve *r = parent->track;
	if (!r)
		return -ENOMEM;
	TrackKit *kit;
	bool fill = false;
	{
		LockGuard guard(parent->kq->sys());
		kit = pop_kit_locked(&r->kits, &r->count);
		if (!kit)
			fill = want_fill_locked(parent);
	}
	if (!kit) {
		if (fill)
			queue_fill(parent, nullptr);
		return -ENOMEM;
	}
	const int err = track_with_kit(parent, sfflags, child, kit, wake);
	queue_refill(parent, kit, nullptr);
	return err;
}

const FilterOps proc_filter_ops = {
	.attach = proc_attach,
	.detach = proc_detach,
	.modify = proc_modify,
	.ready = proc_ready,
	.deliver = proc_deliver,
	.wake_mask = 0,
	.ident_is_fd = false,
};

extern "C" void kqcore_proc_fork(struct kqcore_knote *handle,
				 const struct kqsys_task *child)
{
	Knote *kn = Knote::from(handle);
	Kqueue *kq = kn->kq;
	bool wake = false, track = false;
	u32 sfflags = 0;
	{
		LockGuard guard(kq->sys());
		if (!accepts_events(kn))
			return;
		sfflags = kn->sfflags;
		if (sfflags & NOTE_FORK)
			kn->proc_data = kqsys_proc_pid_of(kn->source.proc, child);
		wake = record_locked(kn, NOTE_FORK);
		if (sfflags & NOTE_TRACK)
			track = kq->enter_flux_locked(kn);
	}
	if (track) {
		bool wake_detacher;
		const int err = proc_track_child(kn, sfflags, child, &wake);
		{
			LockGuard guard(kq->sys());
			if (err) {
				store_relaxed(kn->proc_pending,
					      kn->proc_pending | NOTE_TRACKERR);
				wake |= kq->activate_locked(kn);
			}
			wake_detacher = kq->leave_flux_locked(kn);
		}
		if (wake_detacher)
			kqsys_flux_wake_deferred(kq->sys());
	}
	if (wake)
		kqsys_wake_deferred(kq->sys());
}

/*
 * A thread of the process was created: a NOTE_TRACK reserve wants a kit
 * more, and the thread fills it before its first instruction in user
 * space, so it cannot fork first (see THE RESERVE).
 */
extern "C" void kqcore_proc_thread(struct kqcore_knote *handle,
				   const struct kqsys_task *thread)
{
	Knote *kn = Knote::from(handle);
	Kqueue *kq = kn->kq;
	TrackKit *spare = nullptr;
	bool fill = false;
	{
		LockGuard guard(kq->sys());
		TrackReserve *r = kn->track;
		if (!r || !(kn->sfflags & NOTE_TRACK) || !accepts_events(kn) ||
		    !kq->enter_flux_locked(kn))
			return;
		r->target = kq_min(r->target + 1, track_target_max);
		spare = pop_kit_locked(&r->shells, &r->nshells);
		if (!spare)
			fill = want_fill_locked(kn);
	}
	if (spare)
		queue_refill(kn, spare, thread);
	else if (fill)
		queue_fill(kn, thread);
	bool wake_detacher;
	{
		LockGuard guard(kq->sys());
		wake_detacher = kq->leave_flux_locked(kn);
	}
	if (wake_detacher)
		kqsys_flux_wake_deferred(kq->sys());
}

extern "C" void kqcore_proc_exec(struct kqcore_knote *handle)
{
	Knote *kn = Knote::from(handle);
	bool wake;
	{
		LockGuard guard(kn->kq->sys());
		wake = accepts_events(kn) && record_locked(kn, NOTE_EXEC);
	}
	if (wake)
		kqsys_wake_deferred(kn->kq->sys());
}

extern "C" void kqcore_proc_exit(struct kqcore_knote *handle, int status)
{
	Knote *kn = Knote::from(handle);
	bool wake;
	{
		LockGuard guard(kn->kq->sys());
		wake = accepts_events(kn) && record_exit_locked(kn, status);
	}
	if (wake)
		kqsys_wake_deferred(kn->kq->sys());
}
