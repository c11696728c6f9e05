// SPDX-License-Identifier: GPL-2.0-only
/*
 * Xen glue: the event-channel operations of the per-user core, done with
 * hypercalls and the kernel's event-channel interrupt layer.
 *
 * A bound port is the kernel's mapping (port -> irq) with a reference
 * count: the binding holds one, other kernel users may hold more
 * (gntalloc's and gntdev's unmap notify), and the kernel closes the port
 * when the last one goes, exactly as with the in-tree driver. The kernel's
 * close hits a kernel BUG when Xen refuses it (xen_evtchn_close()), and
 * any root process holding /dev/xen/privcmd can close a port behind our
 * back: the core asks Xen before it drops the binding's reference and
 * takes a dead port's number back first (evtchn_core.c), and ports this
 * glue closes itself are checked or their refusal counted.
 */

#define pr_fmt(fmt) "xen_evtchn: " fmt

#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/module.h>
#include <linux/syscore_ops.h>
#include <linux/xarray.h>

#include <xen/xen.h>
#include <xen/events.h>
#include <xen/xen-ops.h>
#include <xen/interface/event_channel.h>
#include <asm/xen/hypercall.h>

#include "evtchn_xen.h"

static_assert(NPEV_DOMID_FIRST_RESERVED == DOMID_FIRST_RESERVED);
static_assert(NPEV_UNRESTRICTED == (domid_t)-1);
static_assert(NPEV_DOMID_SELF == DOMID_SELF);

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

/*
 * Quarantined ports: closed behind our back, released, and not to be had
 * back from Xen (npev_reopen() in evtchn_core.c). The binding's reference
 * is kept, so the kernel never closes the dead port (a kernel BUG when Xen
 * refuses), and the mapping (port -> irq) stays. When Xen hands the number
 * to one of our binds again, that bind takes the mapping over instead of
 * refusing the port, so neither the port nor the irq stays lost. The value
 * is the irq, by port number; the port's stripe in evtchn_core.c orders
 * its release against its binds.
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

static bool npev_xen_unquarantine(u32 port)
{
	if (npev_xen_quarantined(port) < 0)
		return false;
	xa_erase(&npev_quarantine, port);
	atomic_long_dec(&npev_stats[NPEV_STAT_QUARANTINED_PORTS]);
	evtchn_put(port);	/* the kept reference: unmaps and closes */
	return true;
}

/*
 * Xen has given @p's port number to us again while the kernel still maps
 * it to the quarantined @irq: the mapping is right again, adopt it with
 * the reference it kept.
 */
static int npev_xen_take_over(struct npev_port *p, int irq, const char *name)
{
	int rc = request_irq(irq, npev_xen_interrupt, NPEV_IRQ_FLAGS, name, p);

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

static bool npev_xen_port_in_use(u32 port, bool is_static)
{
	int irq = npev_xen_irq(port);

	/*
	 * Our own quarantined mapping: npev_xen_attach() takes it over for a
	 * port Xen has given us again. A static bind does not get the port
	 * from Xen: the number is still dead, its mapping stays quarantined.
	 */
	if (irq >= 0 && !is_static && npev_xen_quarantined(port) == irq)
		return false;
	return irq >= 0;
}

#ifdef NOPANIC_HAVE_SET_AFFINITY_EVTCHN
/*
 * Where the kernel exports xen_set_affinity_evtchn() (5.10), its in-tree
 * driver moves each new interdomain port to the online vCPU after the one
 * it chose last; later kernels leave them on vCPU 0. Do the same.
 */
static void npev_xen_spread(struct npev_port *p)
{
	static DEFINE_SPINLOCK(lock);
	static unsigned int last;
	struct irq_desc *desc = irq_to_desc(p->irq);
	unsigned long flags;
	unsigned int cpu;

	if (!desc)
		return;
	spin_lock(&lock);
	cpu = cpumask_next(last, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	last = cpu;
	spin_unlock(&lock);

	/* The rebind unmasks the port, which wants interrupts off. */
	raw_spin_lock_irqsave(&desc->lock, flags);
	xen_set_affinity_evtchn(desc, cpu);
	raw_spin_unlock_irqrestore(&desc->lock, flags);
}
#else
static void npev_xen_spread(struct npev_port *p)
{
}
#endif

/*
 * A save/restore or migration of this domain: the kernel forgets every
 * port -> irq mapping (xen_irq_resume()), and the new Xen knows none of
 * the old ports, while each binding's interrupt and handler stay. Xen's
 * suspend runs the syscore resume callbacks right after the kernel's own
 * resume, before any other CPU runs again: counted there, so that a
 * release can tell such a port from one the kernel maps elsewhere. An
 * ordinary suspend or a cancelled one counts too, and changes nothing:
 * its ports are still mapped.
 */
static atomic_t npev_xen_resumes = ATOMIC_INIT(0);

static void npev_xen_resume(NPEV_SYSCORE_ARG)
{
	atomic_inc(&npev_xen_resumes);
}

NPEV_DEFINE_SYSCORE(npev_xen_syscore, npev_xen_resume);

void npev_xen_init(void)
{
	npev_register_syscore(&npev_xen_syscore);
}

void npev_xen_exit(void)
{
	npev_unregister_syscore(&npev_xen_syscore);
}

static int npev_xen_attach(struct npev_port *p, const char *name)
{
	int irq;

	p->epoch = atomic_read(&npev_xen_resumes);

	irq = p->is_static ? -1 : npev_xen_quarantined(p->port);
	if (irq >= 0)
		return npev_xen_take_over(p, irq, name);

	irq = npev_bind_irqhandler(p->port, npev_xen_interrupt, NPEV_IRQ_FLAGS,
				   name, p);
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

	/*
	 * The binding's reference, which other kernel users of the port
	 * (evtchn_get()) add to. Cannot fail for a port mapped just now; say
	 * so if it does.
	 */
	if (npev_make_refcounted(p->port, p->is_static)) {
		npev_stat_inc(NPEV_STAT_BACKEND_ERROR);
		pr_warn_ratelimited("port %u: cannot make it refcounted\n",
				    p->port);
	}
	if (p->interdomain)
		npev_xen_spread(p);
	return 0;
}

static bool npev_xen_forgotten(struct npev_port *p)
{
	return npev_xen_irq(p->port) != p->irq &&
	       atomic_read(&npev_xen_resumes) != p->epoch;
}

static enum npev_detach npev_xen_detach(struct npev_port *p)
{
	if (npev_xen_irq(p->port) != p->irq) {
		/*
		 * The domain was restored since the bind: the interrupt is
		 * still ours, mapped to no port. Free it with its handler
		 * and the binding's reference; with no port to close, the
		 * kernel closes nothing.
		 */
		if (npev_xen_forgotten(p)) {
			unbind_from_irqhandler(p->irq, p);
			return NPEV_DETACH_GONE;
		}
		/*
		 * The mapping is not ours any more: touching it could free
		 * another binding's interrupt. Our handler may still be
		 * installed, so the module must stay loaded for good.
		 */
		__module_get(THIS_MODULE);
		return NPEV_DETACH_LOST;
	}
	/*
	 * Waits for a running handler. Only our handler goes: privcmd may
	 * share the interrupt (IRQF_SHARED), so it is not disabled.
	 */
	free_irq(p->irq, p);
	return NPEV_DETACHED;
}

/*
 * The binding's reference goes; the last holder's put unmaps the port and
 * closes it unless it is static, as unbind_from_irqhandler() would after
 * free_irq().
 */
static void npev_xen_put(struct npev_port *p)
{
	evtchn_put(p->port);
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
	.detach			= npev_xen_detach,
	.forgotten		= npev_xen_forgotten,
	.put			= npev_xen_put,
	.quarantine		= npev_xen_quarantine,
	.unquarantine		= npev_xen_unquarantine,
	.eoi			= npev_xen_eoi,
	.notify			= npev_xen_notify,
	.nr_channels		= npev_xen_nr_channels,
};

bool npev_xen_present(void)
{
	return xen_domain();
}
