// SPDX-License-Identifier: GPL-2.0-only
/*
 * np_vnic: a pair of virtual Ethernet devices, npv0 and npv1, each frame
 * sent on one received on the other. It is the skb guard's real caller:
 * the receive side copies each frame into a buffer sized from the
 * receiving device's own MTU, as copy-break NIC drivers fill their RX
 * buffers, while the sending side accepts frames up to its own MTU. A
 * jumbo-capable sender (MTU 9000) facing a receiver sized for 1500 is the
 * 8000-byte ping of seed 000: the frame length comes from outside the
 * receiver, and a plain skb_put() of it ends in skb_over_panic().
 */

#define pr_fmt(fmt) "np_vnic: " fmt

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include <nopanic/skb_guard.h>

/* The largest the receive buffer can be: MTU + VLAN_ETH_HLEN <= 64 KiB. */
#define NPV_MAX_MTU	(65535 - VLAN_ETH_HLEN)

static bool guard = true;
module_param(guard, bool, 0444);
MODULE_PARM_DESC(guard,
		 "Guarded RX copy (default). Test only: 0 uses skb_put() and an oversized frame crashes the kernel");

struct npv_priv {
	struct net_device *peer;
};

static struct net_device *npv_devs[2];

/* Copy @frame into a buffer sized for @dev's MTU and pass it up. */
static void npv_rx(struct net_device *dev, const struct sk_buff *frame)
{
	unsigned int len = frame->len;
	struct sk_buff *skb;
	void *p;

	skb = netdev_alloc_skb_ip_align(dev, dev->mtu + VLAN_ETH_HLEN);
	if (!skb) {
		dev->stats.rx_dropped++;
		return;
	}

	if (guard) {
		p = skb_guard_put(skb, len);
		if (!p) {
			skb_guard_drop(skb);
			return;
		}
	} else {
		p = skb_put(skb, len);
	}
	if (skb_copy_bits(frame, 0, p, len)) {
		dev->stats.rx_errors++;
		kfree_skb(skb);
		return;
	}

	skb->protocol = eth_type_trans(skb, dev);
	dev->stats.rx_packets++;
	dev->stats.rx_bytes += len;
	netif_rx(skb);
}

static netdev_tx_t npv_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct npv_priv *priv = netdev_priv(dev);
	struct net_device *peer = priv->peer;

	dev->stats.tx_packets++;
	dev->stats.tx_bytes += skb->len;
	if (netif_running(peer) && netif_carrier_ok(peer))
		npv_rx(peer, skb);
	else
		dev->stats.tx_dropped++;
	dev_kfree_skb(skb);
	return NETDEV_TX_OK;
}

static int npv_open(struct net_device *dev)
{
	netif_carrier_on(dev);
	netif_start_queue(dev);
	return 0;
}

static int npv_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	netif_carrier_off(dev);
	return 0;
}

static const struct net_device_ops npv_ops = {
	.ndo_open		= npv_open,
	.ndo_stop		= npv_stop,
	.ndo_start_xmit		= npv_xmit,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

static struct net_device *npv_create(int i)
{
	struct net_device *dev = alloc_etherdev(sizeof(struct npv_priv));

	if (!dev)
		return NULL;
	snprintf(dev->name, IFNAMSIZ, "npv%d", i);
	dev->netdev_ops = &npv_ops;
	dev->max_mtu = NPV_MAX_MTU;
	eth_hw_addr_random(dev);
	return dev;
}

static void npv_free(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (npv_devs[i])
			free_netdev(npv_devs[i]);
		npv_devs[i] = NULL;
	}
}

static int __init npv_init(void)
{
	struct npv_priv *priv;
	int i, rc = -ENOMEM;

	for (i = 0; i < 2; i++) {
		npv_devs[i] = npv_create(i);
		if (!npv_devs[i])
			goto free;
	}
	for (i = 0; i < 2; i++) {
		priv = netdev_priv(npv_devs[i]);
		priv->peer = npv_devs[!i];
	}

	rc = register_netdev(npv_devs[0]);
	if (rc)
		goto free;
	rc = register_netdev(npv_devs[1]);
	if (rc) {
		unregister_netdev(npv_devs[0]);
		goto free;
	}
	pr_info("npv0 <-> npv1, receive copy %s\n",
		guard ? "guarded" : "UNGUARDED (test only)");
	return 0;

free:
	npv_free();
	return rc;
}

static void __exit npv_exit(void)
{
	unregister_netdev(npv_devs[1]);
	unregister_netdev(npv_devs[0]);
	npv_free();
}

module_init(npv_init);
module_exit(npv_exit);

MODULE_DESCRIPTION("Virtual Ethernet pair whose receive path uses the skb guard");
MODULE_LICENSE("GPL");
MODULE_VERSION("0.1.0");
