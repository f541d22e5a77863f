// SPDX-License-Identifier: GPL-2.0
/*
 * EVFILT_READ and EVFILT_WRITE on any pollable file. The glue registers on
 * the file's wait queues (as epoll does); a wake-up only queues the knote,
 * and readiness and data are computed at scan time with a fresh poll, so
 * level-triggered knotes are exact and spurious wake-ups cost one poll.
 */
#include "filter.hpp"
#include "kqueue.hpp"

namespace {

constexpr u32 read_bits = KQSYS_POLLIN | KQSYS_POLLRDNORM | KQSYS_POLLPRI;
constexpr u32 write_bits = KQSYS_POLLOUT | KQSYS_POLLWRNORM;
/* What wakes each filter, and makes its knote ready or EOF: only then does data matter. */
constexpr u32 read_wake_bits = read_bits | KQSYS_POLLERR | KQSYS_POLLHUP | KQSYS_POLLRDHUP;
constexpr u32 write_wake_bits = write_bits | KQSYS_POLLERR | KQSYS_POLLHUP;

int fd_attach(Knote *kn)
{
	return kqsys_fd_attach(kn->kq->sys(), kn->handle(),
			       static_cast<int>(kn->ident), kn->source_storage(),
			       &kn->source.fd);
}

void fd_detach(Knote *kn)
{
	kqsys_fd_detach(kn->source.fd);
	kn->source.fd = nullptr;
}

int fd_modify(Knote *kn, const struct kevent &change)
{
	kn->sfflags = change.fflags;
	kn->sdata = change.data;
	return 0;
}

/* The low-water mark the user asked for with NOTE_LOWAT, or 0. */
s64 low_water_mark(const Knote *kn)
{
	return (kn->sfflags & NOTE_LOWAT) ? kq_max<s64>(kn->sdata, 1) : 0;
}

/*
 * Only scans hold an fd knote in flux, under kq->mutex as every filter
 * call is: influx set here means the caller is that scan, so the file
 * cannot be released under the poll (kqsys_fd_poll).
 */
void poll_source(Knote *kn, struct kqsys_fd_state *st, u32 wake_bits)
{
	kqsys_fd_poll(kn->source.fd, st, load_relaxed(kn->influx) != 0, wake_bits);
}

bool record(Knote *kn, bool ready, bool eof, long long amount, int sock_error)
{
	kn->ready_data = amount >= 0 ? amount : 0;
	kn->ready_flags = eof ? EV_EOF : 0;
	kn->ready_fflags = eof ? static_cast<u32>(sock_error) : 0;
	return ready || eof;
}

bool read_ready(Knote *kn)
{
	struct kqsys_fd_state st;
	poll_source(kn, &st, read_wake_bits);

	const bool eof = st.revents & (KQSYS_POLLHUP | KQSYS_POLLRDHUP);
	bool ready = st.revents & (read_bits | KQSYS_POLLERR);
	const s64 lowat = low_water_mark(kn);
	if (lowat && st.readable >= 0)
		ready = ready && st.readable >= lowat;
	return record(kn, ready, eof, st.readable, st.sock_error);
}

bool write_ready(Knote *kn)
{
	struct kqsys_fd_state st;
	poll_source(kn, &st, write_wake_bits);

	const bool eof = st.revents & (KQSYS_POLLHUP | KQSYS_POLLERR);
	bool ready = st.revents & write_bits;
	const s64 lowat = low_water_mark(kn);
	if (lowat && st.writable >= 0)
		ready = ready && st.writable >= lowat;
	return record(kn, ready, eof, st.writable, st.sock_error);
}

void fd_deliver(Knote *kn, struct kevent &ev)
{
	ev.data = kn->ready_data;
	ev.fflags = kn->ready_fflags;
	ev.flags |= kn->ready_flags;
}

} // namespace

const FilterOps read_filter_ops = {
	.attach = fd_attach,
	.detach = fd_detach,
	.modify = fd_modify,
	.ready = read_ready,
	.deliver = fd_deliver,
	.wake_mask = read_wake_bits,
	.ident_is_fd = true,
	.knote_kind = KQSYS_KNOTE_FD,
};

const FilterOps write_filter_ops = {
	.attach = fd_attach,
	.detach = fd_detach,
	.modify = fd_modify,
	.ready = write_ready,
	.deliver = fd_deliver,
	.wake_mask = write_wake_bits,
	.ident_is_fd = true,
	.knote_kind = KQSYS_KNOTE_FD,
};

extern "C" int kqcore_fd_wakeup(struct kqcore_knote *handle, unsigned int mask)
{
	Knote *kn = Knote::from(handle);

	if (mask && !(mask & kn->load_ops()->wake_mask))
		return 0;
	return kn->kq->activate(kn);
}

extern "C" enum kqcore_fd_closed_result kqcore_fd_closed(struct kqcore_knote *handle)
{
	Knote *kn = Knote::from(handle);
	return kn->kq->mark_closed(kn);
}

extern "C" void kqcore_fd_closed_reap(struct kqcore_knote *handle)
{
	Knote *kn = Knote::from(handle);
	kn->kq->queue_closed(kn);
}
