// SPDX-License-Identifier: GPL-2.0
#include "knote_table.hpp"

namespace {
constexpr u32 initial_buckets = 16;
constexpr u32 max_buckets = 1u << 22;
} // namespace

bool KnoteTable::init()
{
	buckets_ = static_cast<ListNode *>(
		kqsys_zalloc(sizeof(ListNode) * initial_buckets, KQSYS_MAY_SLEEP));
	if (!buckets_)
		return false;
	nbuckets_ = initial_buckets;
	for (u32 i = 0; i < nbuckets_; i++)
		new (&buckets_[i]) ListNode();
	return true;
}

void KnoteTable::release()
{
	kqsys_free(buckets_);
	buckets_ = nullptr;
	nbuckets_ = 0;
}

u32 KnoteTable::bucket_of(u64 ident, s16 filter) const
{
	u64 h = (ident ^ (static_cast<u64>(static_cast<u16>(filter)) << 48)) *
		0x9e3779b97f4a7c15ull;
	return static_cast<u32>(h >> 32) & (nbuckets_ - 1);
}

Knote *KnoteTable::find(u64 ident, s16 filter) const
{
	const ListNode *head = &buckets_[bucket_of(ident, filter)];

	for (ListNode *n = head->next; n != head; n = n->next) {
		Knote *kn = KQ_CONTAINER_OF(n, Knote, table_link);
		if (kn->ident == ident && kn->filter == filter && !kn->hidden &&
		    !load_relaxed(kn->closed))
			return kn;
	}
	return nullptr;
}

void KnoteTable::insert(Knote *kn)
{
	if (count_ >= 2 * nbuckets_ && nbuckets_ < max_buckets)
		grow();
	kn->table_link.insert_before(&buckets_[bucket_of(kn->ident, kn->filter)]);
	count_++;
}

void KnoteTable::remove(Knote *kn)
{
	kn->table_link.unlink();
	count_--;
}

Knote *KnoteTable::next_from(u32 *cursor) const
{
	for (; *cursor < nbuckets_; ++*cursor)
		if (!buckets_[*cursor].empty())
			return KQ_CONTAINER_OF(buckets_[*cursor].next, Knote, table_link);
	return nullptr;
}

/* Best effort: a failed allocation leaves longer chains, never an error. */
void KnoteTable::grow()
{
	const u32 new_n = nbuckets_ * 2;
	auto *fresh = static_cast<ListNode *>(
		kqsys_zalloc(sizeof(ListNode) * new_n, KQSYS_MAY_SLEEP));
	if (!fresh)
		return;
	for (u32 i = 0; i < new_n; i++)
		new (&fresh[i]) ListNode();

	ListNode *old = buckets_;
	const u32 old_n = nbuckets_;
	buckets_ = fresh;
	nbuckets_ = new_n;
	for (u32 i = 0; i < old_n; i++) {
		while (!old[i].empty()) {
			Knote *kn = KQ_CONTAINER_OF(old[i].next, Knote, table_link);
			kn->table_link.unlink();
			kn->table_link.insert_before(
				&buckets_[bucket_of(kn->ident, kn->filter)]);
		}
	}
	kqsys_free(old);
}
