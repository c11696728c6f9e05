// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite nopanic_skb_guard_bench: what the checked put costs. Prints
 * (kunit_info, lines starting "skb_guard bench:", which scripts/tiers/kunit.sh
 * repeats) ns per put for fitting frames, guarded against plain __skb_put()
 * and skb_put(), and ns per refusal. Asserts nothing about time, only that
 * the loops ran.
 *
 * The loops are skb_guard_bench.h's, shared with the plain module that
 * measures the same on a production kernel (tests/skbguard/
 * skb_guard_bench.c, run by make bench). Each figure is the best of
 * SGB_RUNS passes (every kind in each, the order reversed every other
 * pass) of SGB_ITERS puts of SGB_LEN bytes, with the cost of the
 * loop and the reset alone printed too. Under UML with KASAN and UBSAN, on
 * shared cores, the figures are indicative: compare them with each other.
 */

#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/netdevice.h>

#include "skb_guard_bench.h"

static const struct net_device_ops sgb_netdev_ops;

static void sgb_fitting(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(SGB_SKB_SIZE, GFP_KERNEL);
	u64 best[SGB_NR];
	u8 src[SGB_LEN];
	char a[24], b[24];
	int k;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	memset(src, 0x2d, sizeof(src));
	sgb_measure(best, skb, src, SGB_ITERS, SGB_RUNS, false);
	for (k = 0; k < SGB_NR; k++)
		KUNIT_EXPECT_NE_MSG(test, best[k], 0ULL, "%s refused",
				    sgb_names[k]);
	KUNIT_EXPECT_EQ(test, skb->len, 0U);
	kfree_skb(skb);
	if (!best[SGB_GUARD] || !best[SGB_SKB_PUT] || !best[SGB_PLAIN] ||
	    !best[SGB_PUT_DATA])
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

/* sgb_refuse(), with its checks. */
static u64 sgb_refuse_checked(struct kunit *test, struct sk_buff *skb,
			      unsigned int n)
{
	long before = skb_guard_reason_count(SKB_GUARD_TAILROOM);
	unsigned int refused;
	u64 t;

	t = sgb_refuse(skb, n, &refused);
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
	struct sk_buff *skb = alloc_skb(SGB_SKB_SIZE, GFP_KERNEL);
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
	t = sgb_refuse_checked(test, skb, SGB_REFUSALS);
	sgb_fmt(a, sizeof(a), t, SGB_REFUSALS);
	kunit_info(test, "skb_guard bench: %-18s %s ns/refusal (%u refusals, no device; log line ratelimited, 10 per 5 s, the rest suppressed)\n",
		   "refused put", a, SGB_REFUSALS);

	skb->dev = dev;
	t = sgb_refuse_checked(test, skb, SGB_REFUSALS);
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
