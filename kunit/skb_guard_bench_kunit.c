// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite nopanic_skb_guard_bench: what the checked put costs. Prints
 * (kunit_info, lines starting "skb_guard bench:", which scripts/kunit.sh
 * repeats) ns per put for fitting frames, guarded against plain __skb_put()
 * and skb_put(), and ns per refusal. Asserts nothing about time, only that
 * the loops ran.
 *
 * Each loop puts SGB_LEN bytes and resets skb->len and skb->tail, SGB_ITERS
 * times; the figure is the best of SGB_RUNS runs, with the cost of the loop
 * and the reset alone printed too. Under UML with KASAN and UBSAN, on
 * shared cores, the figures are indicative: compare them with each other.
 *
 * A refusal takes the out-of-line path (an atomic per reason, the per-site
 * table under a spinlock, the device counters) and a log line that is
 * ratelimited (printk's default, 10 lines per 5 s): nearly all refusals
 * measured here skip the printk.
 */

#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/string.h>

#include <nopanic/skb_guard.h>

#define SGB_ITERS	1000000U
#define SGB_REFUSALS	100000U
#define SGB_RUNS	3
#define SGB_LEN		64U

static unsigned long sgb_sink;
static const struct net_device_ops sgb_netdev_ops;

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

/*
 * One loop per kind, each its own function, so that the put under test is
 * the only difference: @n puts, the ns they took, 0 if a put failed.
 */
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

/* "12.34": @ns over @n, two decimals (ns per op, or a ratio) */
static void sgb_fmt(char *buf, size_t size, u64 ns, u64 n)
{
	u64 centi = div64_u64(ns * 100, n);

	snprintf(buf, size, "%llu.%02llu", div_u64(centi, 100),
		 centi - div_u64(centi, 100) * 100);
}

static void sgb_fitting(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(256, GFP_KERNEL);
	u64 best[SGB_NR], t;
	u8 src[SGB_LEN];
	char a[24], b[24];
	int k, r;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	memset(src, 0x2d, sizeof(src));
	for (k = 0; k < SGB_NR; k++) {
		best[k] = U64_MAX;
		for (r = 0; r < SGB_RUNS; r++) {
			t = sgb_loops[k](skb, src, SGB_ITERS);
			KUNIT_EXPECT_NE_MSG(test, t, 0ULL, "%s refused",
					    sgb_names[k]);
			if (t && t < best[k])
				best[k] = t;
		}
		KUNIT_EXPECT_EQ(test, skb->len, 0U);
	}
	kfree_skb(skb);
	if (best[SGB_GUARD] == U64_MAX || best[SGB_SKB_PUT] == U64_MAX)
		return;

	for (k = 0; k < SGB_NR; k++) {
		sgb_fmt(a, sizeof(a), best[k], SGB_ITERS);
		kunit_info(test, "skb_guard bench: %-18s %s ns/put (%u x %u bytes, best of %d)\n",
			   sgb_names[k], a, SGB_ITERS, SGB_LEN, SGB_RUNS);
	}
	sgb_fmt(a, sizeof(a), best[SGB_GUARD], best[SGB_SKB_PUT]);
	sgb_fmt(b, sizeof(b), best[SGB_GUARD], best[SGB_PLAIN]);
	kunit_info(test, "skb_guard bench: ratio skb_guard_put/skb_put %sx, skb_guard_put/__skb_put %sx\n",
		   a, b);
	sgb_fmt(a, sizeof(a), best[SGB_GUARD_DATA], best[SGB_PUT_DATA]);
	kunit_info(test, "skb_guard bench: ratio skb_guard_put_data/skb_put_data %sx\n",
		   a);
}

/* @n refusals of one byte too many on @skb; the ns they took. */
static u64 sgb_refuse(struct kunit *test, struct sk_buff *skb, unsigned int n)
{
	unsigned int i, room = skb_tailroom(skb), refused = 0;
	long before = skb_guard_reason_count(SKB_GUARD_TAILROOM);
	u64 t;

	t = ktime_get_ns();
	for (i = 0; i < n; i++)
		refused += !skb_guard_put(skb, room + 1);
	t = ktime_get_ns() - t;
	KUNIT_EXPECT_EQ(test, refused, n);
	KUNIT_EXPECT_EQ(test, skb_guard_reason_count(SKB_GUARD_TAILROOM) - before,
			(long)n);
	KUNIT_EXPECT_EQ(test, skb->len, 0U);
	return t;
}

/*
 * Refusals without a device (module counters only) and with skb->dev set
 * (plus rx_errors and rx_length_errors), as a receive path has it.
 */
static void sgb_refusal(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(256, GFP_KERNEL);
	struct net_device *dev = alloc_etherdev(0);
	struct rtnl_link_stats64 st;
	char a[24];
	u64 t;

	if (!skb || !dev) {
		kfree_skb(skb);
		if (dev)
			free_netdev(dev);
		KUNIT_ASSERT_FAILURE(test, "out of memory");
	}
	dev->netdev_ops = &sgb_netdev_ops;	/* for dev_get_stats() */
	t = sgb_refuse(test, skb, SGB_REFUSALS);
	sgb_fmt(a, sizeof(a), t, SGB_REFUSALS);
	kunit_info(test, "skb_guard bench: %-18s %s ns/refusal (%u refusals, no device; log line ratelimited, 10 per 5 s, the rest suppressed)\n",
		   "refused put", a, SGB_REFUSALS);

	skb->dev = dev;
	t = sgb_refuse(test, skb, SGB_REFUSALS);
	KUNIT_EXPECT_EQ(test, dev_get_stats(dev, &st)->rx_length_errors,
			(u64)SGB_REFUSALS);
	kfree_skb(skb);
	free_netdev(dev);
	sgb_fmt(a, sizeof(a), t, SGB_REFUSALS);
	kunit_info(test, "skb_guard bench: %-18s %s ns/refusal (%u refusals, skb->dev set)\n",
		   "refused put", a, SGB_REFUSALS);
}

static struct kunit_case sgb_cases[] = {
	KUNIT_CASE(sgb_fitting),
	KUNIT_CASE(sgb_refusal),
	{}
};

static struct kunit_suite sgb_suite = {
	.name = "nopanic_skb_guard_bench",
	.test_cases = sgb_cases,
};

kunit_test_suites(&sgb_suite);

MODULE_LICENSE("GPL");
