// SPDX-License-Identifier: GPL-2.0-only
/*
 * The refusal path of the checked skb_put() family (include/nopanic/
 * skb_guard.h): count per device, per reason and per calling site, log
 * (ratelimited), and free on request. Only refusals come here.
 *
 * Counters, in debugfs:
 *   skb_guard/reasons   "<reason> <count>" per reason
 *   skb_guard/sites     "<count> <reason> <caller>" per calling site
 */

#define pr_fmt(fmt) "skb_guard: " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>

#include "skb_guard_compat.h"

/* Sites past this many share one slot (caller 0). */
#define SKB_GUARD_SITES	64

struct skb_guard_site {
	unsigned long caller;
	enum skb_guard_reason reason;
	unsigned long count;
};

static const char *const skb_guard_reason_names[SKB_GUARD_NR_REASONS] = {
	[SKB_GUARD_NONLINEAR]	= "nonlinear",
	[SKB_GUARD_TAILROOM]	= "tailroom",
};

static atomic_long_t skb_guard_reasons[SKB_GUARD_NR_REASONS];
static struct skb_guard_site skb_guard_sites[SKB_GUARD_SITES];
static DEFINE_SPINLOCK(skb_guard_sites_lock);
static struct dentry *skb_guard_dir;

static void skb_guard_count_site(unsigned long caller,
				 enum skb_guard_reason reason)
{
	struct skb_guard_site *s;
	unsigned long flags;
	int i;

	spin_lock_irqsave(&skb_guard_sites_lock, flags);
	for (i = 0; i < SKB_GUARD_SITES; i++) {
		s = &skb_guard_sites[i];
		if (!s->count || (s->caller == caller && s->reason == reason))
			break;
	}
	if (i == SKB_GUARD_SITES) {
		s = &skb_guard_sites[SKB_GUARD_SITES - 1];
		s->caller = 0;
	} else if (!s->count) {
		s->caller = caller;
		s->reason = reason;
	}
	s->count++;
	spin_unlock_irqrestore(&skb_guard_sites_lock, flags);
}

void skb_guard_refused(struct sk_buff *skb, unsigned int len,
		       unsigned long caller)
{
	enum skb_guard_reason reason = skb_is_nonlinear(skb) ?
		SKB_GUARD_NONLINEAR : SKB_GUARD_TAILROOM;
	struct net_device *dev = skb->dev;

	atomic_long_inc(&skb_guard_reasons[reason]);
	skb_guard_count_site(caller, reason);
	if (dev)
		skb_guard_rx_length_error(dev);
	pr_warn_ratelimited("%s: refused put of %u bytes, tailroom %u%s, from %pS\n",
			    dev ? netdev_name(dev) : "(no device)", len,
			    skb_tailroom(skb),
			    reason == SKB_GUARD_NONLINEAR ? " (non-linear)" : "",
			    (void *)caller);
}
EXPORT_SYMBOL_GPL(skb_guard_refused);

void skb_guard_drop(struct sk_buff *skb)
{
	if (skb->dev)
		skb_guard_rx_dropped_inc(skb->dev);
	skb_guard_free_too_big(skb);
}
EXPORT_SYMBOL_GPL(skb_guard_drop);

/* Refusals so far for @reason. */
long skb_guard_reason_count(enum skb_guard_reason reason)
{
	if (reason >= SKB_GUARD_NR_REASONS)
		return 0;
	return atomic_long_read(&skb_guard_reasons[reason]);
}
EXPORT_SYMBOL_GPL(skb_guard_reason_count);

/* Refusals so far at the site @caller for @reason. */
unsigned long skb_guard_site_count(unsigned long caller,
				   enum skb_guard_reason reason)
{
	unsigned long flags, count = 0;
	int i;

	spin_lock_irqsave(&skb_guard_sites_lock, flags);
	for (i = 0; i < SKB_GUARD_SITES && skb_guard_sites[i].count; i++) {
		if (skb_guard_sites[i].caller == caller &&
		    skb_guard_sites[i].reason == reason)
			count = skb_guard_sites[i].count;
	}
	spin_unlock_irqrestore(&skb_guard_sites_lock, flags);
	return count;
}
EXPORT_SYMBOL_GPL(skb_guard_site_count);

static int skb_guard_reasons_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < SKB_GUARD_NR_REASONS; i++)
		seq_printf(m, "%s %ld\n", skb_guard_reason_names[i],
			   atomic_long_read(&skb_guard_reasons[i]));
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(skb_guard_reasons);

static int skb_guard_sites_show(struct seq_file *m, void *v)
{
	struct skb_guard_site copy[SKB_GUARD_SITES];
	unsigned long flags;
	int i;

	spin_lock_irqsave(&skb_guard_sites_lock, flags);
	memcpy(copy, skb_guard_sites, sizeof(copy));
	spin_unlock_irqrestore(&skb_guard_sites_lock, flags);

	for (i = 0; i < SKB_GUARD_SITES && copy[i].count; i++)
		seq_printf(m, "%lu %s %pS\n", copy[i].count,
			   skb_guard_reason_names[copy[i].reason],
			   (void *)copy[i].caller);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(skb_guard_sites);

static int __init skb_guard_init(void)
{
	skb_guard_dir = debugfs_create_dir("skb_guard", NULL);
	debugfs_create_file("reasons", 0444, skb_guard_dir, NULL,
			    &skb_guard_reasons_fops);
	debugfs_create_file("sites", 0444, skb_guard_dir, NULL,
			    &skb_guard_sites_fops);
	return 0;
}

static void __exit skb_guard_exit(void)
{
	debugfs_remove_recursive(skb_guard_dir);
}

module_init(skb_guard_init);
module_exit(skb_guard_exit);

MODULE_DESCRIPTION("Checked skb_put(): refuse and count instead of skb_over_panic()");
MODULE_LICENSE("GPL");
MODULE_VERSION("0.1.0");
