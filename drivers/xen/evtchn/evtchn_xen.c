// SPDX-License-Identifier: GPL-2.0-only
/*
 * Xen glue: the event-channel operations of the per-user core, done with
 * hypercalls and the kernel's event-channel interrupt layer.
 *
 * The kernel's own helpers hit a kernel BUG when Xen refuses to close a port
 * (xen_evtchn_close() in events_base.c). A port can be closed behind our
 * back by any root process holding /dev/xen/privcmd, so every path here
 * either closes the port itself and reports a refusal, or, where the
 * kernel insists on closing, first asks Xen whether the port is open.
 */

#define pr_fmt(fmt) "xen_evtchn: " fmt

#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/module.h>
#include <linux/xarray.h>

#include <xen/xen.h>
#include <xen/events.h>
#include <xen/xen-ops.h>
#include <xen/interface/event_channel.h>
#include <asm/xen/hypercall.h>

#include "evtchn_xen.h"

static_assert(NPEV_DOMID_FIRST_RESERVED == DOMID_FIRST_RESERVED);
static_assert(NPEV_UNRESTRICTED == (domid_t)-1);

static int npev_xen_bind_virq(u32 virq, u32 *port)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = xen_vcpu_nr(0) };
	int rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);

	if (!rc)
		*port = op.port;
	return rc;
}

static int npev_xen_bind_interdomain(u32 remote_dom, u32 remote_port,
				     u32 *port)
{
	struct evtchn_bind_interdomain op = {
		.remote_dom = remote_dom,
		.remote_port = remote_port,
	};
	int rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);

	if (!rc)
		*port = op.local_port;
	return rc;
}

static int npev_xen_alloc_unbound(u32 remote_dom, u32 *port)
{
	struct evtchn_alloc_unbound op = {
		.dom = DOMID_SELF,
		.remote_dom = remote_dom,
	};
	int rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);

	if (!rc)
		*port = op.port;
	return rc;
}

static int npev_xen_close(u32 port)
{
	struct evtchn_close op = { .port = port };

	return HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

/* Is @port allocated in Xen right now? A failed query counts as no. */
static bool npev_xen_port_open(u32 port)
{
	struct evtchn_status op = { .dom = DOMID_SELF, .port = port };

	return !HYPERVISOR_event_channel_op(EVTCHNOP_status, &op) &&
	       op.status != EVTCHNSTAT_closed;
}

/* The kernel's interrupt for @port, or -1 (some kernels return unsigned). */
static int npev_xen_irq(u32 port)
{
	return (int)irq_from_evtchn(port);
}

static irqreturn_t npev_xen_interrupt(int irq, void *data)
{
	npev_irq_hold(irq);
	npev_port_event(data);
	return IRQ_HANDLED;
}

#ifndef NOPANIC_HAVE_EVTCHN_STATIC
/*
 * Quarantined ports (kernels without static event channels): closed
 * behind our back, then released. Their mapping (port -> irq) is left in
 * the kernel, whose unmap would close the port again and crash when Xen
 * refuses. Xen soon hands the number out again (lowest free port first):
 * the bind that is given it takes the mapping over instead of refusing
 * the port, so neither the port nor the irq stays lost. The value is the
 * irq, by port number; the port's stripe in evtchn_core.c orders its
 * release against its binds.
 */
static DEFINE_XARRAY(npev_quarantine);

/* @port's quarantined irq, or -1 if the kernel's mapping is not ours. */
static int npev_xen_quarantined(u32 port)
{
	void *entry = xa_load(&npev_quarantine, port);
	int irq = npev_xen_irq(port);

	if (!entry || irq < 0 || xa_to_value(entry) != (unsigned long)irq ||
	    irq_has_action(irq))
		return -1;
	return irq;
}

static void npev_xen_quarantine(struct npev_port *p)
{
	if (xa_err(xa_store(&npev_quarantine, p->port,
			    xa_mk_value((unsigned long)p->irq), GFP_KERNEL)))
		return;	/* unrecorded: the number stays refused (EBUSY) */
	atomic_long_inc(&npev_stats[NPEV_STAT_QUARANTINED_PORTS]);
}

/*
 * Xen has given @p's port number to us again while the kernel still maps
 * it to the quarantined @irq: the mapping is right again, adopt it.
 */
static int npev_xen_take_over(struct npev_port *p, int irq, const char *name)
{
	int rc = request_irq(irq, npev_xen_interrupt, 0, name, p);

	if (rc) {
		/* Still quarantined; the port Xen gave us is ours to close. */
		if (npev_xen_close(p->port)) {
			npev_stat_inc(NPEV_STAT_CLOSE_FAILED);
			pr_warn_ratelimited("closing port %u after a failed take-over failed\n",
					    p->port);
		}
		return rc;
	}
	xa_erase(&npev_quarantine, p->port);
	atomic_long_dec(&npev_stats[NPEV_STAT_QUARANTINED_PORTS]);
	npev_stat_inc(NPEV_STAT_QUARANTINE_REUSED);
	p->irq = irq;
	/* The old binding may have left an EOI pending: start unmasked. */
	npev_irq_eoi(irq);
	return 0;
}
#endif

static bool npev_xen_port_in_use(u32 port)
{
	int irq = npev_xen_irq(port);

#ifndef NOPANIC_HAVE_EVTCHN_STATIC
	/* Our own quarantined mapping: npev_xen_attach() takes it over. */
	if (irq >= 0 && npev_xen_quarantined(port) == irq)
		return false;
#endif
	return irq >= 0;
}

static int npev_xen_attach(struct npev_port *p, const char *name)
{
	int irq;

#ifndef NOPANIC_HAVE_EVTCHN_STATIC
	irq = npev_xen_quarantined(p->port);
	if (irq >= 0)
		return npev_xen_take_over(p, irq, name);
#endif
	irq = npev_bind_irqhandler(p->port, npev_xen_interrupt, 0, name, p);

	if (irq < 0) {
		/*
		 * Some failures happen after the kernel mapped the port, and
		 * it then closes the port on the way out; close it only if
		 * it is still open.
		 */
		if (!p->is_static && npev_xen_port_open(p->port) &&
		    npev_xen_close(p->port)) {
			npev_stat_inc(NPEV_STAT_CLOSE_FAILED);
			pr_warn_ratelimited("closing port %u after a failed bind failed\n",
					    p->port);
		}
		return irq;
	}
	p->irq = irq;

	/* Cannot fail for a port bound just now; say so if it does. */
	if (npev_make_refcounted(p->port)) {
		npev_stat_inc(NPEV_STAT_BACKEND_ERROR);
		pr_warn_ratelimited("port %u: cannot make it refcounted\n",
				    p->port);
	}
	return 0;
}

static enum npev_release npev_xen_release(struct npev_port *p)
{
	/*
	 * The mapping is not ours any more: touching it could free another
	 * binding's interrupt. Our handler may still be installed, so the
	 * module must stay loaded for good.
	 */
	if (npev_xen_irq(p->port) != p->irq) {
		__module_get(THIS_MODULE);
		return NPEV_RELEASE_LOST;
	}

	disable_irq(p->irq); /* and wait for a running handler */

#ifdef NOPANIC_HAVE_EVTCHN_STATIC
	/* Bound as static: the kernel unmaps the port and leaves it to us. */
	unbind_from_irqhandler(p->irq, p);
	if (p->is_static || !npev_xen_close(p->port))
		return NPEV_RELEASED;
	return NPEV_RELEASE_CLOSE_FAILED;
#else
	/*
	 * This kernel closes the port itself when it unmaps it, and hits a BUG
	 * if Xen refuses. Let it only if the port is open; otherwise leave the
	 * dead mapping alone. Our handler goes first: freeing it waits for a
	 * running handler, and between asking Xen and the kernel's close a
	 * root process can still close the port through privcmd (found by
	 * tests/evtchn-fuzz on a debug kernel), so that window is kept to
	 * the two hypercalls and the mapping lock. The mapping is refcounted
	 * (npev_xen_attach()): dropping the last reference unmaps and closes.
	 */
	free_irq(p->irq, p);
	if (!npev_xen_port_open(p->port)) {
		npev_xen_quarantine(p);
		return NPEV_RELEASE_QUARANTINED;
	}
	evtchn_put(p->port);
	return NPEV_RELEASED;
#endif
}

static void npev_xen_eoi(struct npev_port *p)
{
	npev_irq_eoi(p->irq);
}

static void npev_xen_notify(struct npev_port *p)
{
	notify_remote_via_evtchn(p->port);
}

static u32 npev_xen_nr_channels(void)
{
	return xen_evtchn_nr_channels();
}

const struct npev_ops npev_xen_ops = {
	.bind_virq		= npev_xen_bind_virq,
	.bind_interdomain	= npev_xen_bind_interdomain,
	.alloc_unbound		= npev_xen_alloc_unbound,
	.close			= npev_xen_close,
	.port_in_use		= npev_xen_port_in_use,
	.port_open		= npev_xen_port_open,
	.attach			= npev_xen_attach,
	.release		= npev_xen_release,
	.eoi			= npev_xen_eoi,
	.notify			= npev_xen_notify,
	.nr_channels		= npev_xen_nr_channels,
};

bool npev_xen_present(void)
{
	return xen_domain();
}
