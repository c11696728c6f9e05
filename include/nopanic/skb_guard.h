/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checked skb_put(): a put that does not fit is refused, counted and
 * logged, and the skb is left exactly as it was, where skb_put() would
 * call skb_over_panic() and crash the kernel.
 *
 *	p = skb_guard_put(skb, len);		NULL if it does not fit
 *	p = skb_guard_put_data(skb, src, len);
 *	p = skb_guard_put_zero(skb, len);
 *	if (!p)
 *		skb_guard_drop(skb);		count the drop, free the skb
 *
 * or, for a receive path, both in one call:
 *
 *	if (!skb_guard_put_data_or_drop(skb, src, len))
 *		return;				refused, counted and freed
 *
 * A refusal counts in skb->dev's rx_errors and rx_length_errors, in the
 * module-wide counters per reason and per calling site (debugfs:
 * skb_guard/reasons and skb_guard/sites), and in a ratelimited log line.
 * The fitting path is one compare and branch, no atomics, no locks.
 */
#ifndef NOPANIC_SKB_GUARD_H
#define NOPANIC_SKB_GUARD_H

#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/skbuff.h>
#include <linux/string.h>
enum skb_guard_reason {
	SKB_GUARD_NONLINEAR,	/* paged data: the tail is not the end */
	SKB_GUARD_TAILROOM,	/* less room after the tail than asked */
	SKB_GUARD_NR_REASONS,
};

void skb_guard_refused(struct sk_buff *skb, unsigned int len,
		       unsigned long caller);
void skb_guard_drop(struct sk_buff *skb);
long skb_guard_reason_count(enum skb_guard_reason reason);
unsigned long skb_guard_site_count(unsigned long caller,
				   enum skb_guard_reason reason);

/*
 * Bytes a put may add: -1 for a non-linear skb, where not even an empty
 * put is allowed (skb_put() would crash on it too). Computed without a
 * branch, so that the check below is the only one on the fitting path;
 * 64-bit, so a length of UINT_MAX compares as what it is.
 */
static __always_inline s64 skb_guard_room(const struct sk_buff *skb)
{
	s64 room = skb_end_pointer(skb) - skb_tail_pointer(skb);

	return room | -(s64)!!skb->data_len;
}

/* The checked put; @caller is the site counted and logged on refusal. */
static __always_inline void *__skb_guard_put(struct sk_buff *skb,
					     unsigned int len,
					     unsigned long caller)
{
	void *tail;

	if (unlikely((s64)len > skb_guard_room(skb))) {
		skb_guard_refused(skb, len, caller);
		return NULL;
	}
	tail = skb_tail_pointer(skb);
	skb->tail += len;
	skb->len += len;
	return tail;
}

#define skb_guard_put(skb, len)	__skb_guard_put(skb, len, _THIS_IP_)

#define skb_guard_put_data(skb, src, len)				\
({									\
	unsigned int __len = (len);					\
	void *__p = __skb_guard_put(skb, __len, _THIS_IP_);		\
									\
	if (__p)							\
		memcpy(__p, src, __len);				\
	__p;								\
})

#define skb_guard_put_zero(skb, len)					\
({									\
	unsigned int __len = (len);					\
	void *__p = __skb_guard_put(skb, __len, _THIS_IP_);		\
									\
	if (__p)							\
		memset(__p, 0, __len);					\
	__p;								\
})

/* Put @len bytes of @src, or count the drop and free @skb: false then. */
#define skb_guard_put_data_or_drop(skb, src, len)			\
({									\
	struct sk_buff *__skb = (skb);					\
	void *__q = skb_guard_put_data(__skb, src, len);		\
									\
	if (!__q)							\
		skb_guard_drop(__skb);					\
	!!__q;								\
})

#endif /* NOPANIC_SKB_GUARD_H */
