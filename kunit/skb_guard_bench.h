/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The skb guard's cost, measured the same way in two places: the KUnit
 * suite nopanic_skb_guard_bench (skb_guard_bench_kunit.c, under UML) and
 * the plain module skb_guard_bench.ko (tests/skbguard/skb_guard_bench.c,
 * for production kernels, which have no KUnit). Included by exactly one
 * file of each: the loops below are that file's own functions.
 *
 * Each put loop puts SGB_LEN bytes and resets skb->len and skb->tail, @n
 * times, and returns the ns it took; one loop per kind, each its own
 * function, so that the put under test is the only difference. A
 * refusal takes the out-of-line path (an atomic per reason, the per-site
 * table under a spinlock, the device counters) and a log line that is
 * ratelimited (printk's default, 10 lines per 5 s): nearly all refusals
 * measured skip the printk.
 */
#ifndef NOPANIC_SKB_GUARD_BENCH_H
#define NOPANIC_SKB_GUARD_BENCH_H

#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/skbuff.h>
#include <linux/string.h>

#include <nopanic/skb_guard.h>

#define SGB_ITERS	1000000U
#define SGB_REFUSALS	100000U
#define SGB_RUNS	3
#define SGB_LEN		64U
/* What sgb_new_skb() allocates: room for SGB_LEN, not for SGB_LEN * 4. */
#define SGB_SKB_SIZE	256U

static unsigned long sgb_sink;

enum sgb_kind {
	SGB_RESET,		/* the loop and the reset only */
	SGB_PLAIN,		/* __skb_put(): no check */
	SGB_SKB_PUT,		/* skb_put(): the kernel's check, panics */
	SGB_GUARD,		/* skb_guard_put() */
	SGB_PUT_DATA,		/* skb_put_data() */
	SGB_GUARD_DATA,		/* skb_guard_put_data() */
	SGB_NR,
};

static const char *const sgb_names[SGB_NR] = {
	[SGB_RESET]	 = "loop+reset only",
	[SGB_PLAIN]	 = "__skb_put",
	[SGB_SKB_PUT]	 = "skb_put",
	[SGB_GUARD]	 = "skb_guard_put",
	[SGB_PUT_DATA]	 = "skb_put_data",
	[SGB_GUARD_DATA] = "skb_guard_put_data",
};

/* @n puts, the ns they took (at least 1), 0 if a put failed. */
#define SGB_LOOP(name, put)						\
static noinline u64 sgb_##name(struct sk_buff *skb, const u8 *src,	\
			 unsigned int n)				\
{									\
	unsigned long acc = 0;						\
	unsigned int i;							\
	void *p;							\
	u64 t0;								\
									\
	t0 = ktime_get_ns();						\
	for (i = 0; i < n; i++) {					\
		p = (put);						\
		if (unlikely(!p))					\
			return 0;					\
		acc += (unsigned long)p;				\
		__skb_trim(skb, 0);					\
	}								\
	t0 = ktime_get_ns() - t0;					\
	WRITE_ONCE(sgb_sink, acc);					\
	return t0 ?: 1;							\
}

SGB_LOOP(reset, skb_tail_pointer(skb))
SGB_LOOP(plain, __skb_put(skb, SGB_LEN))
SGB_LOOP(skb_put, skb_put(skb, SGB_LEN))
SGB_LOOP(guard, skb_guard_put(skb, SGB_LEN))
SGB_LOOP(put_data, skb_put_data(skb, src, SGB_LEN))
SGB_LOOP(guard_data, skb_guard_put_data(skb, src, SGB_LEN))

static u64 (*const sgb_loops[SGB_NR])(struct sk_buff *, const u8 *,
				      unsigned int) = {
	[SGB_RESET]	 = sgb_reset,
	[SGB_PLAIN]	 = sgb_plain,
	[SGB_SKB_PUT]	 = sgb_skb_put,
	[SGB_GUARD]	 = sgb_guard,
	[SGB_PUT_DATA]	 = sgb_put_data,
	[SGB_GUARD_DATA] = sgb_guard_data,
};

/*
 * @runs passes over every kind, @n puts per loop, on @skb (empty,
 * SGB_SKB_SIZE bytes), the order of the kinds reversed every other pass
 * (and on the first with @reverse), so that drift favours no kind:
 * @best[k] is the best (lowest) ns of kind k, 0 if one of its puts failed.
 */
static void sgb_measure(u64 best[SGB_NR], struct sk_buff *skb,
			const u8 *src, unsigned int n, int runs, bool reverse)
{
	int i, k, r;
	u64 t;

	for (k = 0; k < SGB_NR; k++)
		best[k] = U64_MAX;
	for (r = 0; r < runs; r++) {
		for (i = 0; i < SGB_NR; i++) {
			k = ((r % 2) ^ reverse) ? SGB_NR - 1 - i : i;
			if (!best[k])
				continue;
			t = sgb_loops[k](skb, src, n);
			best[k] = t ? min(best[k], t) : 0;
		}
	}
}

/* @n refusals of one byte too many on @skb; the ns they took. */
static noinline u64 sgb_refuse(struct sk_buff *skb, unsigned int n,
			       unsigned int *refused)
{
	unsigned int i, room = skb_tailroom(skb), no = 0;
	u64 t;

	t = ktime_get_ns();
	for (i = 0; i < n; i++)
		no += !skb_guard_put(skb, room + 1);
	t = ktime_get_ns() - t;
	*refused = no;
	return t;
}

/* "12.34": @ns over @n, two decimals (ns per op, or a ratio) */
static void sgb_fmt(char *buf, size_t size, u64 ns, u64 n)
{
	u64 centi = div64_u64(ns * 100, n);

	snprintf(buf, size, "%llu.%02llu", div_u64(centi, 100),
		 centi - div_u64(centi, 100) * 100);
}

#endif /* NOPANIC_SKB_GUARD_BENCH_H */
