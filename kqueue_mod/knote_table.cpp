// SPDX-License-Identifier: GPL-2.0
#include "knote_table.hpp"

namespace {
constexpr u32 initial_buckets = 16;
constexpr u32 max_buckets = 1u << 22;
} // namespace

/*
 * Buckets are one pointer each, chained through table_link.next (prev is
 * unused while a knote is in the table): a bucket costs 8 bytes, and
 * removal walks a chain of two knotes on average.
 */
bool KnoteTable::init()
{
	buckets_ = static_cast<ListNode **>(
		kqsys_zalloc(sizeof(ListNode *) * initial_buckets, KQSYS_MAY_SLEEP));
	if (!buckets_)
		return false;
	nbuckets_ = initial_buckets;
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
	for (ListNode *n = buckets_[bucket_of(ident, filter)]; n; n = n->next) {
		Knote *kn = KQ_CONTAINER_OF(n, Knote, table_link);
		if (kn->ident == ident && kn->filter == filter && !kn->hidden &&
		    !load_relaxed(kn->closed))
			return kn;
	}
	return nullptr;
}

void KnoteTable::push(ListNode **bucket, Knote *kn)
{
	kn->table_link.next = *bucket;
	kn->table_link.prev = nullptr;
	*bucket = &kn->table_link;
}

void KnoteTable::insert(Knote *kn)
{
	if (count_ >= 2 * nbuckets_ && nbuckets_ < max_buckets)
		grow();
	push(&buckets_[bucket_of(kn->ident, kn->filter)], kn);
	count_++;
}

void KnoteTable::remove(Knote *kn)
{
	ListNode **link = &buckets_[bucket_of(kn->ident, kn->filter)];

	while (*link != &kn->table_link)
		link = &(*link)->next;
	*link = kn->table_link.next;
	kn->table_link.next = kn->table_link.prev = &kn->table_link;
	count_--;
}

Knote *KnoteTable::next_from(u32 *cursor) const
{
	for (; *cursor < nbuckets_; ++*cursor)
		if (buckets_[*cursor])
			return KQ_CONTAINER_OF(buckets_[*cursor], Knote, table_link);
	return nullptr;
}

/* Best effort: a failed allocation leaves longer chains, never an error. */
void KnoteTable::grow()
{
	const u32 new_n = nbuckets_ * 2;
	auto *fresh = static_cast<ListNode **>(
		kqsys_zalloc(sizeof(ListNode *) * new_n, KQSYS_MAY_SLEEP));
	if (!fresh)
		return;

	ListNode **old = buckets_;
	const u32 old_n = nbuckets_;
	buckets_ = fresh;
	nbuckets_ = new_n;
	for (u32 i = 0; i < old_n; i++) {
		while (ListNode *n = old[i]) {
			Knote *kn = KQ_CONTAINER_OF(n, Knote, table_link);
			old[i] = n->next;
			push(&buckets_[bucket_of(kn->ident, kn->filter)], kn);
		}
	}
	kqsys_free(old);
}
