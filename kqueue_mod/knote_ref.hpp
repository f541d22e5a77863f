/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EpochRefcount: a reference count that knows which of two "last" puts is
 * the real one (seed 003, the 2024 uprobes rework).
 *
 * One 64-bit atomic: the count in the low 32 bits, an epoch in the high 32
 * bits. Every get adds (1 << 32) | 1 and every put adds 0xffffffff (that is
 * count - 1 with a carry into the epoch), so both move the epoch. When a put
 * sees the count reach zero it has not yet won anything: between that put
 * and its taking the owner's lock, another CPU may revive the object from a
 * lookup (0 -> 1) and even drop it again (1 -> 0). Under the owner's lock,
 * only the CPU whose observed 64-bit value is still the current one may
 * destroy; the other backs off. Nothing irreversible happens before that
 * decision, and the memory stays valid meanwhile because the putter holds a
 * tasks-trace RCU read section and objects are freed after a tasks-trace
 * grace period.
 *
 * The epoch wraps after 2^32 operations; a put would mistake a revival for
 * no change only if exactly a multiple of 2^32 gets and puts happened
 * between its atomic add and its taking the lock.
 */
#ifndef KQ_KNOTE_REF_HPP
#define KQ_KNOTE_REF_HPP

#include "kq_base.hpp"

class EpochRefcount {
public:
	static constexpr u64 get_delta = (1ull << 32) | 1;
	static constexpr u64 put_delta = 0xffffffffull;

	void init(u32 count) { __atomic_store_n(&value_, u64{count}, __ATOMIC_RELAXED); }

	/* The caller holds a reference, or the owner's lock (a lookup). */
	void get() { __atomic_add_fetch(&value_, get_delta, __ATOMIC_RELAXED); }

	/*
	 * Drop a reference. Returns the value after the drop: if its count is
	 * zero the caller must ask zero_is_current() under the owner's lock.
	 */
	u64 put() { return __atomic_add_fetch(&value_, put_delta, __ATOMIC_ACQ_REL); }

	static bool reached_zero(u64 seen) { return static_cast<u32>(seen) == 0; }

	/* Under the owner's lock: nobody revived the object since seen. */
	bool zero_is_current(u64 seen) const
	{
		return reached_zero(seen) &&
		       __atomic_load_n(&value_, __ATOMIC_ACQUIRE) == seen;
	}

	u32 count() const
	{
		return static_cast<u32>(__atomic_load_n(&value_, __ATOMIC_RELAXED));
	}

private:
	u64 value_ = 0;
};

#endif /* KQ_KNOTE_REF_HPP */
