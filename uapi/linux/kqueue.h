/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * kqueue.ko user ABI: BSD kqueue/kevent for Linux.
 *
 * This header is the specification of the ABI between kqueue.ko and user
 * space. Everything not written here is not promised.
 *
 * THE DEVICE
 *   /dev/kqueue is a misc character device, mode 0666. Every open(2) of it
 *   creates a new, empty kqueue; the returned descriptor names it. close(2)
 *   of the last descriptor that refers to the open file destroys the kqueue
 *   and every knote in it. Open it with O_CLOEXEC (the shim does).
 *
 *   A kqueue belongs to the process (thread group) that opened it, as on
 *   the BSDs, where a forked child does not inherit kqueues: in any other
 *   process (a child after fork(), a process that received the descriptor
 *   over a unix socket) KQUEUE_IOC_KEVENT fails with EBADF, poll(2) reports
 *   POLLERR and EVFILT_READ on it is EBADF; the owner is not affected, and
 *   all its threads share the kqueue. KQUEUE_IOC_VERSION works anywhere.
 *
 *   The descriptor is pollable: poll(2)/select(2)/epoll(7) report it
 *   readable (POLLIN) while at least one event is pending, and another
 *   kqueue may watch it with EVFILT_READ (data = number of pending knotes).
 *   A kqueue may not watch itself, nor form a cycle of kqueues watching each
 *   other (ELOOP), nor nest deeper than KQUEUE_MAX_NESTING (ELOOP).
 *
 * THE IOCTLS
 *   KQUEUE_IOC_VERSION (_IOR, __u32): writes KQUEUE_ABI_VERSION. Errors:
 *     EFAULT bad pointer.
 *
 *   KQUEUE_IOC_KEVENT (_IOW, struct kqueue_kevent_args): kevent(2).
 *     First every change of changelist[0..nchanges) is applied in order, then,
 *     if no change produced an error entry, pending events are collected into
 *     eventlist[0..nevents). Returns the number of entries written to
 *     eventlist (>= 0), or -1 with errno.
 *
 *     A change whose filter is 0 is skipped. Flags EV_EOF, EV_ERROR and the
 *     other EV_SYSFLAGS bits are ignored in a change (as on FreeBSD).
 *
 *     A change that fails, or any change with EV_RECEIPT, is reported in the
 *     eventlist as a copy of the change with flags = EV_ERROR and data = the
 *     errno (0 for a successful EV_RECEIPT), while there is room; processing
 *     continues with the next change, and the call then returns the number of
 *     such entries without collecting events. If the eventlist is full when a
 *     change fails, the call stops and fails with that errno (changes before it
 *     stay applied); if it is full when an EV_RECEIPT change succeeds, the call
 *     stops there and returns the number of entries written (FreeBSD returns
 *     0 in that case; the changes after it are not applied either way).
 *
 *     Waiting: timeout == 0 (NULL) waits until an event is pending; a timeout
 *     of {0, 0} polls; otherwise waits at most that long (CLOCK_MONOTONIC,
 *     high resolution). nevents == 0 never waits. The wait is interruptible:
 *     a signal ends it with EINTR. A waiting thread holds no lock: other
 *     threads may apply changes to the same kqueue meanwhile.
 *
 *     Errors of the call itself:
 *       EFAULT  args, changelist, eventlist or timeout is a bad pointer;
 *       EINVAL  nchanges or nevents negative or above KQUEUE_MAX_KEVENTS,
 *               reserved != 0, timeout with tv_sec < 0 or tv_nsec outside
 *               [0, 999999999];
 *       EINTR   a signal arrived while waiting;
 *       EBADF   the calling process closed its last descriptor of the
 *               kqueue (from another thread) while the call was running:
 *               a sleeper wakes with it, and no later change of the call is
 *               applied; another process's close of its own copy does not
 *               count;
 *       EBADF   the calling process is not the one that opened the kqueue;
 *       EBADF   the descriptor is not a kqueue (ENOTTY from the ioctl layer);
 *       any per-change errno below, when the eventlist had no room for it.
 *
 *     Per-change errors (reported as EV_ERROR entries, see above):
 *       EINVAL  unknown filter; unknown flag bits; EV_ADD with EV_DELETE;
 *               EV_ENABLE with EV_DISABLE; EV_FORCEONESHOT (unsupported);
 *               a filter's own invalid arguments (listed per filter);
 *       ENOENT  EV_DELETE/EV_ENABLE/EV_DISABLE (without EV_ADD) of a knote
 *               that does not exist, also for fd filters when ident is not
 *               (or no longer) an open descriptor: a close removed the
 *               knote (FreeBSD checks the descriptor first and says EBADF);
 *       EBADF   fd filters: EV_ADD of an ident that is not an open
 *               descriptor, or that another thread closed during the call;
 *       ENOMEM  out of memory, or the user's knote or timer limit (LIMITS);
 *       ELOOP   EVFILT_READ on a kqueue that would create a cycle or nest
 *               too deep.
 *
 * LIMITS
 *   All kqueues opened by one user (real uid at open) together hold at most
 *   max_knotes_per_user knotes, of which at most max_timers_per_user
 *   EVFILT_TIMER knotes (module parameters, root may change them at run
 *   time under /sys/module/kqueue/parameters/; defaults: 4% of RAM at 320
 *   bytes a knote, and a sixteenth of that, at least 1024 each). Past a
 *   limit EV_ADD fails with ENOMEM (FreeBSD's errno for its timer limit)
 *   and a NOTE_TRACK child gives NOTE_TRACKERR. Knotes (NOTE_CHILD events
 *   too) count until they are deleted, delivered with EV_ONESHOT or their
 *   kqueue is closed. Kernel memory of kqueues and knotes is also charged to
 *   the caller's memory cgroup.
 *
 * STRUCT KEVENT (FreeBSD 12+ layout, 64 bytes, LP64 only)
 *   ident   what the knote watches: a file descriptor (READ, WRITE), a
 *           process id (PROC), a user-chosen number (TIMER, USER). (ident, filter) names a knote
 *           within a kqueue.
 *   filter  EVFILT_*.
 *   flags   in a change: EV_ADD, EV_DELETE, EV_ENABLE, EV_DISABLE, EV_ONESHOT,
 *           EV_CLEAR, EV_DISPATCH, EV_RECEIPT, EV_KEEPUDATA. In an event:
 *           the knote's EV_ONESHOT/EV_CLEAR/EV_DISPATCH plus EV_EOF, or
 *           EV_ERROR for an error entry.
 *   fflags  filter-specific flags (NOTE_*), in and out.
 *   data    filter-specific data, in and out.
 *   udata   opaque to the kernel; stored at EV_ADD (also when re-adding,
 *           unless EV_KEEPUDATA) and returned with every event.
 *   ext[4]  returned as zero; ignored on input.
 *
 * FLAG SEMANTICS (as FreeBSD kqueue(2))
 *   EV_ADD adds the knote (EV_ONESHOT/EV_CLEAR/EV_DISPATCH are fixed at
 *   creation). As on FreeBSD, every change to an existing knote other than
 *   EV_DELETE, with or without EV_ADD, modifies it in place: udata is
 *   replaced (unless EV_KEEPUDATA) and fflags/data go to the filter (READ/
 *   WRITE: new NOTE_LOWAT settings; TIMER: only with EV_ADD, a restart
 *   with the new period; USER: see below). A new knote is enabled unless
 *   EV_DISABLE is given. EV_DISABLE keeps the knote but reports nothing; EV_ENABLE re-arms it. EV_ONESHOT deletes the
 *   knote after its first event. EV_CLEAR resets the knote's state after each
 *   event (edge-triggered); without it READ/WRITE are level-triggered.
 *   EV_DISPATCH disables the knote after each event.
 *
 * FILTERS
 *   EVFILT_READ / EVFILT_WRITE, ident = fd of any pollable file (pipes,
 *   FIFOs, sockets, eventfd, ttys/ptys, another kqueue, ...) and regular
 *   files (READ: ready while the offset is before EOF; WRITE: always
 *   ready). data on return:
 *     pipes/FIFOs     READ: bytes in the pipe; WRITE: free bytes;
 *     TCP sockets     READ: bytes readable; WRITE: send-buffer space;
 *     unix sockets    READ: bytes (stream) or first datagram size;
 *                     WRITE: send-buffer space;
 *     other sockets   READ: size of the first queued datagram; WRITE: space;
 *     listening sock  READ: completed connections waiting in accept();
 *     kqueues         READ: number of pending knotes;
 *     regular files   READ: bytes from the file offset to EOF; WRITE: 0;
 *     other files     0 (readiness only).
 *   EV_EOF is set on hang-up (pipe: no writers/readers left; socket: peer
 *   shut down or error); for sockets fflags then carries the pending socket
 *   error (errno), if any. NOTE_LOWAT in fflags: data in the change is a
 *   low-water mark; the knote fires only when data >= it (or on EOF); it is
 *   ignored for files whose data is not known.
 *   A knote is re-evaluated when the file wakes its waiters and when a
 *   change touches the knote. Two consequences of what Linux wakes for:
 *   a regular file has no wake-up, so a READ knote that found EOF does not
 *   fire when the file grows until it is changed again (EV_ADD/EV_ENABLE
 *   re-evaluates it); a pipe wakes its writers only when a full pipe
 *   drains, so WRITE with NOTE_LOWAT on a pipe fires on that transition,
 *   not when a partly filled pipe drains below the mark.
 *   Descriptors, as on FreeBSD: a knote belongs to the descriptor number
 *   it was added with, in the kqueue owner's descriptor table. When the
 *   owner closes that descriptor by any means (close, close_range, dup2/
 *   dup3 onto it, close-on-exec, exit, io_uring), the knote is removed: no
 *   event for it is reported after close() returns, and a change to it
 *   finds nothing (ENOENT) or, with EV_ADD on a reused number, creates a
 *   new knote for the new file. Another descriptor of the same open file
 *   (dup) keeps its own knotes; a forked child closing its copy of the
 *   descriptor changes nothing. The knote holds a reference to the file
 *   only until then: the module never keeps a file open that its user has
 *   closed. This holds alike on every supported kernel (6.1 to 7.2).
 *   Exceptions (Linux has no close hook; the module probes
 *   locks_remove_posix(), see README "How close() is seen"): dup2() of a
 *   descriptor onto another one of the same open file keeps the target's
 *   knotes (FreeBSD removes them); an owner that shares its descriptor
 *   table with another process (clone CLONE_FILES without CLONE_THREAD)
 *   and then unshares it keeps knotes bound to the old table.
 *
 *   EVFILT_TIMER, ident = any number. data = period in the unit chosen by
 *   fflags: NOTE_SECONDS, NOTE_MSECONDS (default), NOTE_USECONDS,
 *   NOTE_NSECONDS (at most one). Periodic unless EV_ONESHOT. With
 *   NOTE_ABSTIME, data is an absolute CLOCK_REALTIME time in that unit and
 *   the timer fires once. A period of 0 means 1 unit (unless EV_ONESHOT);
 *   periods below 50 microseconds are rounded up to 50 microseconds, so
 *   that no user can keep a CPU in the timer interrupt. A periodic timer
 *   whose events nobody collects stops firing after its second uncollected
 *   expiry and is resumed, at its old phase, when its event is reported:
 *   data still counts every period that passed.
 *   On return data = number of expirations since the last report; the knote
 *   is always edge-triggered (EV_CLEAR is implied). Re-adding restarts it with
 *   the new period. EINVAL: data < 0, several unit flags, unknown fflags.
 *
 *   EVFILT_USER, ident = any number. A change with NOTE_TRIGGER in fflags
 *   triggers it. The low 24 bits (NOTE_FFLAGSMASK) of the knote's fflags are
 *   combined with those of a change as NOTE_FFCTRLMASK says: NOTE_FFNOP keep,
 *   NOTE_FFAND and, NOTE_FFOR or, NOTE_FFCOPY copy. data of a change is
 *   stored and returned. On return fflags = the knote's fflags. Without
 *   EV_CLEAR a triggered knote stays triggered; with EV_CLEAR reporting it
 *   resets the trigger.
 *
 *   EVFILT_PROC, ident = a process id as the caller's pid namespace sees
 *   it (the thread-group id; a thread id that is not a process is ESRCH).
 *   fflags: any of NOTE_EXIT, NOTE_FORK, NOTE_EXEC, NOTE_TRACK (NOTE_CHILD
 *   and NOTE_TRACKERR are ignored on input; other bits are EINVAL). data is
 *   ignored. EV_CLEAR is implied (and shown in the events' flags): the
 *   events below are OR-ed into fflags until reported, then reset. As for
 *   every filter without a NOTE_FFCTRL scheme (FreeBSD's rule), every change
 *   to an existing knote, EV_ENABLE and EV_DISABLE included, replaces its
 *   fflags with the change's: repeat them. Events that already happened
 *   stay pending.
 *     NOTE_EXIT   the whole process exited (its last thread; a thread's own
 *                 exit is not reported). data = the wait status wait4(2)
 *                 would return (exit code << 8, or the signal number, with
 *                 0x80 if a core was dumped); the event has EV_EOF and
 *                 EV_ONESHOT and the knote is gone after it. Adding a knote
 *                 for a process that has already exited but was not reaped
 *                 yet (a zombie) reports NOTE_EXIT at once.
 *     NOTE_FORK   the process forked (threads do not count). data = the pid
 *                 of its most recent child, in the knote's pid namespace.
 *     NOTE_EXEC   the process completed an execve(2) (from any thread).
 *     NOTE_TRACK  follow forks: each child of the process gets its own knote
 *                 in the same kqueue (ident = child pid, same fflags, flags
 *                 and udata), attached before the child runs, so nothing the
 *                 child does is missed; and a separate NOTE_CHILD event is
 *                 posted: ident = child pid, fflags = NOTE_CHILD, data = the
 *                 parent's pid, the flags and udata of the parent's knote.
 *                 NOTE_CHILD is never merged with the child's own events (a
 *                 child that exits before NOTE_CHILD is read still gives two
 *                 events); it is reported once and cannot be deleted (an
 *                 EV_DELETE of the child's ident deletes the child's knote).
 *     NOTE_TRACKERR  (output) a child of a NOTE_TRACK process could not be
 *                 tracked: no memory (the child's knote is made ahead, one
 *                 per thread of the process, as the fork path cannot sleep;
 *                 more than 1024 threads forking at one instant count as
 *                 that), the watcher may not watch the child (rule below),
 *                 or the kqueue is being closed. Reported on the parent's knote, with
 *                 NOTE_FORK if requested. Nothing is dropped silently.
 *   When several events are pending, data is the exit status if NOTE_EXIT
 *   is among them, else the newest child's pid if NOTE_FORK is, else 0. A
 *   knote whose process exits while it does not ask for NOTE_EXIT and has
 *   nothing else pending is removed silently by the next kevent() that
 *   collects events (FreeBSD's EV_DROP; a disabled knote stays until it is
 *   enabled or deleted); pending NOTE_FORK/NOTE_EXEC are still reported,
 *   with EV_EOF | EV_ONESHOT.
 *   The knote holds the process's struct pid, never the process itself: a
 *   reaped process's pid number may be reused, but a knote keeps watching
 *   the process it was added for.
 *   Who may watch whom: the caller may watch its own process; another
 *   process if (a) the caller's real or effective uid equals the target's
 *   real uid, the target's real, effective and saved uids are all equal and
 *   so are its real, effective and saved gids (it is not running set-id),
 *   and the target is dumpable (prctl PR_SET_DUMPABLE, not undumpable after
 *   a set-id exec); or (b) the caller has CAP_SYS_PTRACE in the target's
 *   user namespace (and, for an undumpable target, in the user namespace
 *   of its memory). This is ptrace_may_access()'s credential rule for
 *   PTRACE_MODE_READ | PTRACE_MODE_REALCREDS, without LSM hooks (Yama,
 *   SELinux, ...): modules cannot call it. The rule is checked when the
 *   knote is added; for NOTE_TRACK children it is checked again in the
 *   fork, with the credentials the watcher had when it added the tracking
 *   knote (children of a process that made itself undumpable or ran a
 *   set-id program give NOTE_TRACKERR). A knote keeps working after its
 *   process changes credentials, as on FreeBSD.
 *   Errors: ESRCH no such process (or ident > INT_MAX); EPERM the rule
 *   above says no; EINVAL unknown fflags.
 *   Where the BSDs differ, the choice made: NOTE_CHILD is a separate event
 *   as on NetBSD since 2021 (FreeBSD reports it on the child's own knote,
 *   where a quick NOTE_EXIT overwrites its data); a process the caller may
 *   not watch is EPERM (FreeBSD lets anyone watch any process it can see,
 *   NetBSD asks kauth and returns EACCES); NOTE_EXIT's data is the wait(2)
 *   status on both, and here.
 *   Testing aid: the module parameter force_trackerr (root, 0644, off by
 *   default) makes every NOTE_TRACK child attachment fail as if out of
 *   memory.
 *
 *   Other EVFILT_* values are defined for source compatibility and are
 *   rejected with EINVAL until implemented.
 */
#ifndef _UAPI_LINUX_KQUEUE_H
#define _UAPI_LINUX_KQUEUE_H

/*
 * KQUEUE_UAPI_FREESTANDING is defined only by kqueue.ko's C++ core, which
 * may not include kernel headers and brings its own __u64 & co.
 */
#ifndef KQUEUE_UAPI_FREESTANDING
#include <linux/types.h>
#include <linux/ioctl.h>
#endif

#define KQUEUE_ABI_VERSION	1
#define KQUEUE_DEVICE_PATH	"/dev/kqueue"

/* Filters. */
#define EVFILT_READ		(-1)
#define EVFILT_WRITE		(-2)
#define EVFILT_AIO		(-3)	/* not implemented */
#define EVFILT_VNODE		(-4)	/* not implemented */
#define EVFILT_PROC		(-5)
#define EVFILT_SIGNAL		(-6)	/* not implemented */
#define EVFILT_TIMER		(-7)
#define EVFILT_PROCDESC		(-8)	/* not implemented */
#define EVFILT_FS		(-9)	/* not implemented */
#define EVFILT_LIO		(-10)	/* not implemented */
#define EVFILT_USER		(-11)
#define EVFILT_SENDFILE		(-12)	/* not implemented */
#define EVFILT_EMPTY		(-13)	/* not implemented */
#define EVFILT_SYSCOUNT		13

/* Actions (in a change). */
#define EV_ADD			0x0001
#define EV_DELETE		0x0002
#define EV_ENABLE		0x0004
#define EV_DISABLE		0x0008
#define EV_FORCEONESHOT		0x0100	/* not supported: EINVAL */

/* Flags (in a change, kept by the knote). */
#define EV_ONESHOT		0x0010
#define EV_CLEAR		0x0020
#define EV_RECEIPT		0x0040
#define EV_DISPATCH		0x0080
#define EV_KEEPUDATA		0x0200

#define EV_SYSFLAGS		0xF000	/* reserved; ignored in a change */
#define EV_DROP			0x1000
#define EV_FLAG1		0x2000
#define EV_FLAG2		0x4000

/* Returned values. */
#define EV_EOF			0x8000
#define EV_ERROR		0x4000

/* EVFILT_USER. */
#define NOTE_FFNOP		0x00000000
#define NOTE_FFAND		0x40000000
#define NOTE_FFOR		0x80000000
#define NOTE_FFCOPY		0xc0000000
#define NOTE_FFCTRLMASK		0xc0000000
#define NOTE_FFLAGSMASK		0x00ffffff
#define NOTE_TRIGGER		0x01000000

/* EVFILT_READ, EVFILT_WRITE. */
#define NOTE_LOWAT		0x0001
#define NOTE_FILE_POLL		0x0002	/* not supported: ignored */

/* EVFILT_VNODE (defined for source compatibility). */
#define NOTE_DELETE		0x0001
#define NOTE_WRITE		0x0002
#define NOTE_EXTEND		0x0004
#define NOTE_ATTRIB		0x0008
#define NOTE_LINK		0x0010
#define NOTE_RENAME		0x0020
#define NOTE_REVOKE		0x0040
#define NOTE_OPEN		0x0080
#define NOTE_CLOSE		0x0100
#define NOTE_CLOSE_WRITE	0x0200
#define NOTE_READ		0x0400

/* EVFILT_PROC. */
#define NOTE_EXIT		0x80000000
#define NOTE_FORK		0x40000000
#define NOTE_EXEC		0x20000000
#define NOTE_PCTRLMASK		0xf0000000
#define NOTE_PDATAMASK		0x000fffff
#define NOTE_TRACK		0x00000001
#define NOTE_TRACKERR		0x00000002
#define NOTE_CHILD		0x00000004

/* EVFILT_TIMER. */
#define NOTE_SECONDS		0x00000001
#define NOTE_MSECONDS		0x00000002
#define NOTE_USECONDS		0x00000004
#define NOTE_NSECONDS		0x00000008
#define NOTE_ABSTIME		0x00000010

/* Largest nchanges or nevents accepted by one KQUEUE_IOC_KEVENT. */
#define KQUEUE_MAX_KEVENTS	(1 << 24)
/* Most links in a chain of kqueues watching kqueues (A->B->C->D->E: 4). */
#define KQUEUE_MAX_NESTING	4

#if defined(__KERNEL__) || defined(KQUEUE_UAPI_FREESTANDING)
struct kevent {
	__u64	ident;
	__s16	filter;
	__u16	flags;
	__u32	fflags;
	__s64	data;
	__u64	udata;
	__u64	ext[4];
};
#else
/* The BSD spelling: ident is a uintptr_t and udata a pointer. */
struct kevent {
	__UINTPTR_TYPE__ ident;
	short		filter;
	unsigned short	flags;
	unsigned int	fflags;
	__INT64_TYPE__	data;
	void		*udata;
	__UINT64_TYPE__	ext[4];
};

#define EV_SET(kevp, a, b, c, d, e, f) do {				\
	struct kevent *__kevp = (kevp);					\
	__kevp->ident = (a);						\
	__kevp->filter = (b);						\
	__kevp->flags = (c);						\
	__kevp->fflags = (d);						\
	__kevp->data = (e);						\
	__kevp->udata = (f);						\
	__kevp->ext[0] = 0;						\
	__kevp->ext[1] = 0;						\
	__kevp->ext[2] = 0;						\
	__kevp->ext[3] = 0;						\
} while (0)
#endif

/* Layout checks: the ABI is the 64-bit FreeBSD 12+ struct kevent. */
#ifdef __cplusplus
#define __KQUEUE_STATIC_ASSERT(e, m) static_assert(e, m)
#else
#define __KQUEUE_STATIC_ASSERT(e, m) _Static_assert(e, m)
#endif
__KQUEUE_STATIC_ASSERT(sizeof(struct kevent) == 64,
		       "struct kevent must be 64 bytes (LP64 only)");
__KQUEUE_STATIC_ASSERT(__builtin_offsetof(struct kevent, filter) == 8, "filter");
__KQUEUE_STATIC_ASSERT(__builtin_offsetof(struct kevent, flags) == 10, "flags");
__KQUEUE_STATIC_ASSERT(__builtin_offsetof(struct kevent, fflags) == 12, "fflags");
__KQUEUE_STATIC_ASSERT(__builtin_offsetof(struct kevent, data) == 16, "data");
__KQUEUE_STATIC_ASSERT(__builtin_offsetof(struct kevent, udata) == 24, "udata");
__KQUEUE_STATIC_ASSERT(__builtin_offsetof(struct kevent, ext) == 32, "ext");

/*
 * Argument of KQUEUE_IOC_KEVENT. Pointers are user addresses in __u64.
 * timeout points to a struct timespec of the 64-bit ABI
 * ({ __s64 tv_sec; __s64 tv_nsec; }) or is 0 to wait without limit.
 */
struct kqueue_kevent_args {
	__u64	changelist;	/* const struct kevent[nchanges] */
	__u64	eventlist;	/* struct kevent[nevents] */
	__u64	timeout;	/* const struct timespec *, or 0 */
	__s32	nchanges;
	__s32	nevents;
	__u64	reserved;	/* must be 0 */
};

__KQUEUE_STATIC_ASSERT(sizeof(struct kqueue_kevent_args) == 40,
		       "struct kqueue_kevent_args must be 40 bytes");

#ifndef KQUEUE_UAPI_FREESTANDING
#define KQUEUE_IOC_MAGIC	0xB5
#define KQUEUE_IOC_VERSION	_IOR(KQUEUE_IOC_MAGIC, 0, __u32)
#define KQUEUE_IOC_KEVENT	_IOW(KQUEUE_IOC_MAGIC, 1, struct kqueue_kevent_args)
#endif

#endif /* _UAPI_LINUX_KQUEUE_H */
