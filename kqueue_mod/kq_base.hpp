/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Freestanding basics for the C++ core: fixed-width types, errno values,
 * placement new, an intrusive doubly linked list, atomics through the
 * compiler's builtins. No kernel header and no C++ library is reachable
 * from here (-nostdinc): the core sees the kernel only through
 * kq_services.h.
 */
#ifndef KQ_BASE_HPP
#define KQ_BASE_HPP

using u8 = unsigned char;
using u16 = unsigned short;
using u32 = unsigned int;
using u64 = unsigned long long;
using s16 = short;
using s32 = int;
using s64 = long long;
using size_t = decltype(sizeof(0));

/* What the uapi header needs in freestanding mode. */
using __u16 = u16;
using __u32 = u32;
using __u64 = u64;
using __s16 = s16;
using __s32 = s32;
using __s64 = s64;
#define KQUEUE_UAPI_FREESTANDING 1
#include "../uapi/linux/kqueue.h"
#include "kq_services.h"

/* errno values are ABI (asm-generic/errno*.h); the glue asserts they match. */
namespace kq_errno {
constexpr int EPERM = 1;
constexpr int ENOENT = 2;
constexpr int ESRCH = 3;
constexpr int EBADF = 9;
constexpr int ENOMEM = 12;
constexpr int EINVAL = 22;
constexpr int ELOOP = 40;
} // namespace kq_errno

inline void *operator new(size_t, void *where) noexcept { return where; }

template <typename T> constexpr T kq_min(T a, T b) { return a < b ? a : b; }
template <typename T> constexpr T kq_max(T a, T b) { return a > b ? a : b; }

template <typename T> inline T load_relaxed(const T &v)
{
	return __atomic_load_n(&v, __ATOMIC_RELAXED);
}
template <typename T> inline void store_relaxed(T &v, T x)
{
	__atomic_store_n(&v, x, __ATOMIC_RELAXED);
}

/* Circular intrusive list; an unlinked node points to itself. */
struct ListNode {
	ListNode *next = this;
	ListNode *prev = this;

	bool linked() const { return next != this; }
	bool empty() const { return next == this; }

	void insert_before(ListNode *pos)
	{
		next = pos;
		prev = pos->prev;
		pos->prev->next = this;
		pos->prev = this;
	}
	void unlink()
	{
		prev->next = next;
		next->prev = prev;
		next = prev = this;
	}
};

/* The object of type Type whose member Member is *node. */
#define KQ_CONTAINER_OF(node, Type, Member)				\
	reinterpret_cast<Type *>(reinterpret_cast<char *>(node) -	\
				 __builtin_offsetof(Type, Member))

#endif /* KQ_BASE_HPP */
