/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The knotes of one kqueue, found by (ident, filter). A chained hash table
 * of one-pointer buckets that doubles when it averages two knotes a bucket. Guarded by kq->mutex:
 * source callbacks never look knotes up, they hold their knote directly.
 */
#ifndef KQ_KNOTE_TABLE_HPP
#define KQ_KNOTE_TABLE_HPP

#include "knote.hpp"

class KnoteTable {
public:
	bool init();
	void release();

	Knote *find(u64 ident, s16 filter) const;
	void insert(Knote *kn);
	void remove(Knote *kn);
	u32 size() const { return count_; }

	/*
	 * A knote at or after bucket *cursor, or nullptr if there is none; for
	 * draining the table in one pass (the cursor only moves forward).
	 */
	Knote *next_from(u32 *cursor) const;

private:
	u32 bucket_of(u64 ident, s16 filter) const;
	static void push(ListNode **bucket, Knote *kn);
	void grow();

	ListNode **buckets_ = nullptr;
	u32 nbuckets_ = 0;
	u32 count_ = 0;
};

#endif /* KQ_KNOTE_TABLE_HPP */
