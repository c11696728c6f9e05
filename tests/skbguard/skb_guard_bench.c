// SPDX-License-Identifier: GPL-2.0-only
/*
 * skb_guard_bench: the KUnit suite nopanic_skb_guard_bench as a plain
 * module, for production kernels (Debian's have no KUnit). Loading it runs
 * the loops of kunit/skb_guard_bench.h once: for every kind of put, the
 * best of @runs loops of @iters puts of SGB_LEN bytes (@runs passes over
 * every kind, the order reversed every other pass); then @refusals
 * refused puts without a device, and as many with skb->dev set. It
 * prints one line per figure, tagged with @round, for
 * tests/skbguard/plan-bench.sh:
 *
 *	skb_guard_bench: round=R put kind=K len=64 n=N ns=T ns_per_op=X
 *	skb_guard_bench: round=R refusal dev=0|1 n=N ns=T ns_per_op=X
 *
 * and stays loaded (rmmod it before the next round). @reverse starts
 * with the kinds in the opposite order, so that rounds favour no kind.
 * The load fails (EIO) when a fitting put was refused or a refusal was
 * not, counted or left the skb changed; nothing is asserted on time.
 */

#define pr_fmt(fmt) "skb_guard_bench: " fmt

#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>

#include "skb_guard_bench.h"

static unsigned int round;
module_param(round, uint, 0444);
MODULE_PARM_DESC(round, "Tag of every line printed (the bench round)");

static bool reverse;
module_param(reverse, bool, 0444);
MODULE_PARM_DESC(reverse, "Start with the kinds of put in reverse order");

static unsigned int iters = SGB_ITERS;
module_param(iters, uint, 0444);
MODULE_PARM_DESC(iters, "Puts per loop");

static unsigned int runs = SGB_RUNS;
module_param(runs, uint, 0444);
MODULE_PARM_DESC(runs, "Passes over every kind of put; the best loop counts");

static unsigned int refusals = SGB_REFUSALS;
module_param(refusals, uint, 0444);
MODULE_PARM_DESC(refusals, "Refused puts per measure");

static const struct net_device_ops sgb_netdev_ops;

static void sgb_print(const char *what, u64 ns, unsigned int n)
{
	char a[24];

	sgb_fmt(a, sizeof(a), ns, n);
	pr_info("round=%u %s n=%u ns=%llu ns_per_op=%s\n", round, what, n,
		ns, a);
}

static int sgb_fitting(void)
{
	struct sk_buff *skb = alloc_skb(SGB_SKB_SIZE, GFP_KERNEL);
	u64 best[SGB_NR];
	char what[48];
	u8 src[SGB_LEN];
	int k, rc = 0;

	if (!skb)
		return -ENOMEM;
	memset(src, 0x2d, sizeof(src));
	sgb_measure(best, skb, src, iters, runs, reverse);
	for (k = 0; k < SGB_NR; k++) {
		if (!best[k] || skb->len) {
			pr_err("round=%u %s: a fitting put was refused\n",
			       round, sgb_names[k]);
			rc = -EIO;
			continue;
		}
		/* "loop+reset only" as one word */
		snprintf(what, sizeof(what), "put kind=%s len=%u",
			 k == SGB_RESET ? "loop+reset" : sgb_names[k], SGB_LEN);
		sgb_print(what, best[k], iters);
	}
	kfree_skb(skb);
	return rc;
}

/* @refusals refusals on @skb, checked; 0 or -EIO. */
static int sgb_refusal(struct sk_buff *skb, const char *what)
{
	long before = skb_guard_reason_count(SKB_GUARD_TAILROOM);
	unsigned int refused;
	u64 t;

	t = sgb_refuse(skb, refusals, &refused);
	if (refused != refusals || skb->len ||
	    skb_guard_reason_count(SKB_GUARD_TAILROOM) - before != (long)refusals) {
		pr_err("round=%u %s: %u of %u puts refused, %ld counted, len %u\n",
		       round, what, refused, refusals,
		       skb_guard_reason_count(SKB_GUARD_TAILROOM) - before,
		       skb->len);
		return -EIO;
	}
	sgb_print(what, t, refusals);
	return 0;
}

/*
 * Without a device (module counters only) and with skb->dev set (plus
 * rx_errors and rx_length_errors), as a receive path has it.
 */
static int sgb_refusals(void)
{
	struct sk_buff *skb = alloc_skb(SGB_SKB_SIZE, GFP_KERNEL);
	struct net_device *dev = alloc_etherdev(0);
	struct rtnl_link_stats64 st;
	int rc = -ENOMEM;

	if (!skb || !dev)
		goto out;
	dev->netdev_ops = &sgb_netdev_ops;	/* for dev_get_stats() */
	rc = sgb_refusal(skb, "refusal dev=0");
	skb->dev = dev;
	rc = sgb_refusal(skb, "refusal dev=1") ?: rc;
	if (dev_get_stats(dev, &st)->rx_length_errors != refusals) {
		pr_err("round=%u refusal dev=1: rx_length_errors %llu, not %u\n",
		       round, st.rx_length_errors, refusals);
		rc = -EIO;
	}
out:
	kfree_skb(skb);
	if (dev)
		free_netdev(dev);
	return rc;
}

static int __init sgb_init(void)
{
	int rc;

	if (!iters || !runs || !refusals)
		return -EINVAL;
	rc = sgb_fitting();
	return sgb_refusals() ?: rc;
}

static void __exit sgb_exit(void)
{
}

module_init(sgb_init);
module_exit(sgb_exit);

MODULE_DESCRIPTION("What the skb guard costs, as the nopanic_skb_guard_bench KUnit suite measures it, for kernels without KUnit");
MODULE_LICENSE("GPL");
