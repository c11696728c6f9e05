// SPDX-License-Identifier: GPL-2.0-only
/*
 * np_kbinder - a kernel user of an event channel, for the e2e tests only.
 *
 * It binds a fresh port of dom0's own as a kernel driver does (allocate
 * an unbound port in Xen, then map it to an interrupt handler with the
 * events core), counts the events it receives and acknowledges each (late
 * EOI). Xen hands out the lowest free port, so the port it gets is the
 * one a /dev/xen/evtchn file released last: if the driver had left that
 * number mapped in the kernel, this binding would inherit the mapping
 * (its irq, chip and EOI state) and could miss events.
 *
 *   /sys/module/np_kbinder/parameters/bind    write 1: bind, 0: unbind
 *   /sys/module/np_kbinder/parameters/port    the bound port (0: none)
 *   /sys/module/np_kbinder/parameters/events  events received since bind
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>

#include <xen/xen.h>
#include <xen/events.h>
#include <xen/interface/event_channel.h>
#include <asm/xen/hypercall.h>

static DEFINE_MUTEX(npk_lock);
static unsigned int port;
static int irq = -1;
static atomic_t events = ATOMIC_INIT(0);

static irqreturn_t npk_interrupt(int irq_nr, void *data)
{
	atomic_inc(&events);
	xen_irq_lateeoi(irq_nr, 0);
	return IRQ_HANDLED;
}

static int npk_bind(void)
	__must_hold(&npk_lock)
{
	struct evtchn_alloc_unbound op = {
		.dom = DOMID_SELF,
		.remote_dom = DOMID_SELF,
	};
	struct evtchn_close close = { };
	int rc;

	if (irq >= 0)
		return -EBUSY;
	rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
	if (rc)
		return rc;
	rc = bind_evtchn_to_irqhandler_lateeoi(op.port, npk_interrupt, 0,
					       "np_kbinder", NULL);
	if (rc < 0) {
		close.port = op.port;
		if (HYPERVISOR_event_channel_op(EVTCHNOP_close, &close))
			pr_warn("closing port %u failed\n", op.port);
		return rc;
	}
	irq = rc;
	port = op.port;
	atomic_set(&events, 0);
	pr_info("port %u bound to irq %d\n", port, irq);
	return 0;
}

static void npk_unbind(void)
	__must_hold(&npk_lock)
{
	if (irq < 0)
		return;
	unbind_from_irqhandler(irq, NULL);	/* closes the port */
	irq = -1;
	port = 0;
}

static int npk_set_bind(const char *val, const struct kernel_param *kp)
{
	bool on;
	int rc = kstrtobool(val, &on);

	if (rc)
		return rc;
	mutex_lock(&npk_lock);
	if (on)
		rc = npk_bind();
	else
		npk_unbind();
	mutex_unlock(&npk_lock);
	return rc;
}

static int npk_get_bind(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", irq >= 0);
}

static const struct kernel_param_ops npk_bind_ops = {
	.set = npk_set_bind,
	.get = npk_get_bind,
};
module_param_cb(bind, &npk_bind_ops, NULL, 0644);
MODULE_PARM_DESC(bind, "1: bind a fresh port, 0: unbind it");

static int npk_get_events(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&events));
}

static const struct kernel_param_ops npk_events_ops = {
	.get = npk_get_events,
};
module_param_cb(events, &npk_events_ops, NULL, 0444);
MODULE_PARM_DESC(events, "Events received since the bind");

module_param(port, uint, 0444);
MODULE_PARM_DESC(port, "The bound port (0: none)");

static int __init npk_init(void)
{
	return xen_domain() ? 0 : -ENODEV;
}

static void __exit npk_exit(void)
{
	mutex_lock(&npk_lock);
	npk_unbind();
	mutex_unlock(&npk_lock);
}

module_init(npk_init);
module_exit(npk_exit);
MODULE_DESCRIPTION("nopanic test: a kernel user of an event channel");
MODULE_LICENSE("GPL");
