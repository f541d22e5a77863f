// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_PROC: fork, exec and exit of a process, posted by the glue's
 * sched_process_* tracepoint probes (proc_source.c).
 *
 * The probes run in the watched process's own context with preemption
 * disabled and reach a knote through its watch, inside a tasks-trace read
 * section: the knote's and kqueue's memory stay valid until they leave it.
 * They touch a knote only under kq->lock and ignore it once WILL_DETACH
 * (its detacher then unhashes the watch) or GONE (the process already
 * exited) is set, so an event never lands on a knote being detached.
 *
 * NOTE_TRACK (seed 000): the fork probe pins the parent's knote in flux,
 * drops kq->lock, allocates the child's knote and a separate NOTE_CHILD
 * knote without sleeping, hashes the child's watch (the child has not run
 * yet: nothing it does can be missed), and then, under kq->lock again,
 * hands both to the kqueue's adoption list unless the kqueue is closing.
 * Any failure turns into NOTE_TRACKERR on the parent's knote. The NOTE_CHILD
 * knote is hidden from lookups and GONE from birth: reported once, never
 * merged with the child's own NOTE_EXIT.
 */
#include "filter.hpp"
#include "kqueue.hpp"

using namespace kq_errno;

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
	int status = 0;
	err = kqsys_proc_attach(kn->handle(), kn->ident, &kn->source.proc, &status);
	if (err < 0)
		return err;
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
}

/* As FreeBSD for filters without f_touch: the new fflags replace the old. */
int proc_modify(Knote *kn, const struct kevent &change)
{
	int err = check_fflags(change.fflags);
	if (err)
		return err;
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

/* A knote of parent's kqueue for ident, as parent's knote would make it. */
Knote *child_knote(const Knote *parent, const FilterOps *ops, u64 ident,
		   u32 sfflags)
{
	Knote *kn = parent->kq->new_knote(KQSYS_NO_WAIT);
	if (!kn)
		return nullptr;
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

} // namespace

/*
 * The fork probe's NOTE_TRACK work, with parent in flux (kq->lock not
 * held, so parent cannot be detached). No sleeping: every allocation is
 * no-wait. On success (0) the two knotes belong to the kqueue, and *wake
 * says whether it must be woken; on failure nothing is left behind.
 */
int proc_track_child(Knote *parent, u32 sfflags, const struct kqsys_task *child,
		     bool *wake)
{
	Kqueue *kq = parent->kq;
	const s64 ident = kqsys_proc_pid_of(parent->source.proc, child);
	if (ident <= 0)
		return -ESRCH;
	Knote *tracker = child_knote(parent, &proc_filter_ops, ident, sfflags);
	Knote *note = child_knote(parent, &child_note_ops, ident, 0);
	if (!tracker || !note) {
		if (tracker)
			kq->discard_knote(tracker);
		if (note)
			kq->discard_knote(note);
		return -ENOMEM;
	}
	note->hidden = true;
	note->proc_data = static_cast<s64>(parent->ident);
	note->status = Knote::GONE;

	int err = kqsys_proc_attach_child(parent->source.proc, child,
					  tracker->handle(), &tracker->source.proc);
	if (err) {
		kq->discard_knote(tracker);
		kq->discard_knote(note);
		return err;
	}
	bool adopted;
	{
		LockGuard guard(kq->sys());
		adopted = kq->adopt_locked(tracker);
		if (adopted) {
			kq->adopt_locked(note);
			*wake = kq->activate_locked(note);
		}
	}
	if (!adopted) {
		/* The child's probes cannot have seen tracker: it has not run. */
		kqsys_proc_detach(tracker->source.proc);
		kq->put_knote(tracker);
		kq->discard_knote(note);
		return -EBADF;
	}
	return 0;
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
			kqsys_flux_wake(kq->sys());
	}
	if (wake)
		kqsys_wake(kq->sys());
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
		kqsys_wake(kn->kq->sys());
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
		kqsys_wake(kn->kq->sys());
}
