/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel compatibility for the skb guard. Features are detected from what
 * the kernel's headers declare (macros here, Kbuild probes otherwise).
 */
#ifndef NOPANIC_SKB_GUARD_COMPAT_H
#define NOPANIC_SKB_GUARD_COMPAT_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include <nopanic/skb_guard.h>

/* A length error in the device's counters: atomic where the kernel has
 * DEV_STATS_INC, the plain increment drivers used before elsewhere.
 */
static inline void skb_guard_rx_length_error(struct net_device *dev)
{
#ifdef DEV_STATS_INC
	DEV_STATS_INC(dev, rx_errors);
	DEV_STATS_INC(dev, rx_length_errors);
#else
	dev->stats.rx_errors++;
	dev->stats.rx_length_errors++;
#endif
}

/* Core rx_dropped: counted whatever the driver's own statistics. */
#ifdef NOPANIC_HAVE_CORE_STATS
#define skb_guard_rx_dropped_inc(dev)	dev_core_stats_rx_dropped_inc(dev)
#else
#define skb_guard_rx_dropped_inc(dev)	atomic_long_inc(&(dev)->rx_dropped)
#endif

/* Free with the kernel's drop reason where it has one for this. */
#ifdef NOPANIC_HAVE_DROP_REASON_PKT_TOO_BIG
#define skb_guard_free_too_big(skb)	\
	kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_BIG)
#else
#define skb_guard_free_too_big(skb)	kfree_skb(skb)
#endif

#endif /* NOPANIC_SKB_GUARD_COMPAT_H */
