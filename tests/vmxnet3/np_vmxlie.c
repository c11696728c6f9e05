// SPDX-License-Identifier: GPL-2.0-only
/*
 * np_vmxlie - a lying vmxnet3 device, for the vmxnet3 tests only.
 *
 * QEMU's emulated vmxnet3 writes honest receive completions: the length
 * it reports is never more than the buffer the driver posted. A real
 * host may not be so careful (a bug, or a hostile host under a
 * confidential guest). This module makes the device lie: a kprobe on the
 * entry of vmxnet3_rq_rx_complete() rewrites the next completion waiting
 * in the queue's ring, after the device wrote it and before the driver
 * reads it, exactly as a device that wrote those values would have.
 *
 *   /sys/module/np_vmxlie/parameters/over  the next completions' length
 *                                          becomes the posted buffer's
 *                                          length plus this (capped at the
 *                                          field's 14 bits)
 *   /sys/module/np_vmxlie/parameters/rqid  if not 0: their queue id
 *                                          becomes this instead
 *   /sys/module/np_vmxlie/parameters/arm   how many completions to rewrite
 *                                          (written by the test, counts
 *                                          down)
 *   /sys/module/np_vmxlie/parameters/lied  completions rewritten so far
 *   /sys/module/np_vmxlie/parameters/posted the posted buffer's length of
 *                                          the last one
 *
 * It reads the driver's private structures (vmxnet3_int.h of the very
 * source the driver was built from), so it is built per kernel line,
 * beside the driver, and never leaves the test guest.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/spinlock.h>

#include "vmxnet3_int.h"

static int arm;
module_param(arm, int, 0644);
static unsigned int over;
module_param(over, uint, 0644);
static unsigned int rqid;
module_param(rqid, uint, 0644);
static unsigned int lied;
module_param(lied, uint, 0444);
static unsigned int posted;
module_param(posted, uint, 0444);

/* Each rx queue has its own NAPI context: two may run at once. */
static DEFINE_SPINLOCK(npv_lock);

/* The completion length field's width (struct Vmxnet3_RxCompDesc). */
#define NPV_RCD_LEN_MAX	((1U << 14) - 1)

/* npv_rewrite - lie in @rq's next completion, if one is waiting. */
static void npv_rewrite(struct vmxnet3_rx_queue *rq)
{
	struct Vmxnet3_RxCompDesc *rcd;
	struct vmxnet3_rx_buf_info *rbi;
	unsigned int len;

	rcd = &rq->comp_ring.base[rq->comp_ring.next2proc].rcd;
	/* Only a completion the device has handed over, and only the first
	 * buffer of a frame in ring 0: its length is the one skb_put() takes.
	 */
	if (rcd->gen != rq->comp_ring.gen || !rcd->sop)
		return;
	dma_rmb();
	if (rcd->rqID != rq->qid || rcd->rxdIdx >= rq->rx_ring[0].size)
		return;
	rbi = rq->buf_info[0] + rcd->rxdIdx;
	len = min_t(unsigned int, rbi->len + over, NPV_RCD_LEN_MAX);

	pr_info("rxq %u completion %u (buffer %u, %u bytes posted): length %u -> %u%s\n",
		rq->qid, rq->comp_ring.next2proc, rcd->rxdIdx, rbi->len,
		rcd->len, over ? len : rcd->len, rqid ? ", queue id lied" : "");
	if (over)
		rcd->len = len;
	if (rqid)
		rcd->rqID = rqid;
	WRITE_ONCE(posted, rbi->len);
	WRITE_ONCE(lied, lied + 1);
	WRITE_ONCE(arm, arm - 1);
}

static int npv_pre(struct kprobe *kp, struct pt_regs *regs)
{
	unsigned long flags;

	if (READ_ONCE(arm) <= 0)
		return 0;
	spin_lock_irqsave(&npv_lock, flags);
	if (arm > 0)
		npv_rewrite((struct vmxnet3_rx_queue *)
			    regs_get_kernel_argument(regs, 0));
	spin_unlock_irqrestore(&npv_lock, flags);
	return 0;
}

static struct kprobe npv_kp = {
	.symbol_name	= "vmxnet3_rq_rx_complete",
	.pre_handler	= npv_pre,
};

static int __init npv_init(void)
{
	int ret = register_kprobe(&npv_kp);

	if (ret)
		pr_err("cannot probe %s (is vmxnet3 loaded?): %d\n",
		       npv_kp.symbol_name, ret);
	return ret;
}

static void __exit npv_exit(void)
{
	unregister_kprobe(&npv_kp);
}

module_init(npv_init);
module_exit(npv_exit);
MODULE_DESCRIPTION("nopanic test: rewrites vmxnet3 receive completions");
MODULE_LICENSE("GPL");
