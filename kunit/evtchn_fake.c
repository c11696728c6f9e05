// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fake event-channel backend the KUnit suites drive the core with.
 * See evtchn_fake.h for the model.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/random.h>
#include <linux/rbtree.h>
#include <linux/string.h>

#include "evtchn_fake.h"

#define NPEV_FAKE_NR_VIRQS	24U	/* Xen's NR_VIRQS */
#define NPEV_FAKE_DOMID_XEN_SELF 0x7FF0U	/* DOMID_SELF */
#define NPEV_FAKE_IRQ_BASE	1000

struct npev_fake npev_fake = {
	.lock = __SPIN_LOCK_UNLOCKED(npev_fake.lock),
	.nr_channels = NPEV_FAKE_NR_DEFAULT,
};

void npev_fake_reset(void)
{
	unsigned long flags;

	spin_lock_irqsave(&npev_fake.lock, flags);
	memset(npev_fake.chan, 0, sizeof(npev_fake.chan));
	npev_fake.nr_channels = NPEV_FAKE_NR_DEFAULT;
	npev_fake.nr_open = 0;
	npev_fake.nr_closes = 0;
	npev_fake.nr_close_free = 0;
	npev_fake.nr_kernel_bugs = 0;
	npev_fake.resumes = 0;
	npev_fake.nr_orphans = 0;
	npev_fake.interdomain_pending = true;
	npev_fake.alloc_error = 0;
	npev_fake.alloc_count = 0;
	npev_fake.attach_error = 0;
	npev_fake.attach_count = 0;
	npev_fake.yield = false;
	npev_fake.release_hook = NULL;
	npev_fake.release_hook_data = NULL;
	spin_unlock_irqrestore(&npev_fake.lock, flags);
}

void npev_fake_set_nr_channels(u32 nr)
{
	WRITE_ONCE(npev_fake.nr_channels, min(nr, NPEV_FAKE_PORTS));
}

/*
 * The ops the Xen glue may sleep in. DEBUG_ATOMIC_SLEEP is not available
 * on UML, so say it ourselves (a WARNING fails scripts/tiers/kunit.sh).
 */
static void npev_fake_might_sleep(const char *op)
{
	might_sleep();
	WARN_ONCE(irqs_disabled() || in_interrupt(),
		  "npev fake: %s called in atomic context\n", op);
}

/* Sometimes sleep, so that threads driving several files interleave. */
static void npev_fake_maybe_yield(void)
{
	if (READ_ONCE(npev_fake.yield) && !(get_random_u32() & 3))
		usleep_range(1, 5);
}

static bool npev_fake_valid(u32 port)
{
	return port < READ_ONCE(npev_fake.nr_channels);
}

static struct npev_fake_chan *npev_fake_get(u32 port)
{
	return npev_fake_valid(port) ? &npev_fake.chan[port] : NULL;
}

/*
 * Any port the fake can model, set up by the guest or not: static ports
 * and the kernel's mappings may lie past nr_channels.
 */
static struct npev_fake_chan *npev_fake_slot(u32 port)
{
	return port < NPEV_FAKE_PORTS ? &npev_fake.chan[port] : NULL;
}

/* Xen: the lowest free port; port 0 is reserved and never handed out. */
static int npev_fake_alloc_locked(u32 *port)
{
	u32 i;

	lockdep_assert_held(&npev_fake.lock);
	if (npev_fake.alloc_count) {
		npev_fake.alloc_count--;
		return npev_fake.alloc_error;
	}
	for (i = 1; i < npev_fake.nr_channels; i++) {
		struct npev_fake_chan *ch = &npev_fake.chan[i];

		if (ch->state == NPEV_FAKE_FREE && !ch->busy) {
			ch->allocs++;
			ch->peer = 0;
			ch->virq = 0;
			ch->remote_dom = 0;
			ch->pending = false;
			npev_fake.nr_open++;
			*port = i;
			return 0;
		}
	}
	return -ENOSPC;
}

static void npev_fake_free_locked(struct npev_fake_chan *ch)
{
	if (ch->state == NPEV_FAKE_INTERDOMAIN && ch->peer) {
		struct npev_fake_chan *peer = &npev_fake.chan[ch->peer];

		/* Xen: the other end goes back to unbound. */
		peer->state = NPEV_FAKE_UNBOUND;
		peer->remote_dom = NPEV_FAKE_DOMID_SELF;
		peer->peer = 0;
	}
	/*
	 * Xen clears the pending bit. The mask is the kernel's (late EOI
	 * holds the interrupt): it stays with the mapping, if any.
	 */
	ch->state = NPEV_FAKE_FREE;
	ch->peer = 0;
	ch->virq = 0;
	ch->pending = false;
	npev_fake.nr_open--;
}

/* A driver close (or the glue's close): -EINVAL on a free port, like Xen. */
static int npev_fake_close_locked(u32 port)
{
	struct npev_fake_chan *ch = npev_fake_get(port);

	if (!ch || ch->state == NPEV_FAKE_FREE) {
		if (ch)
			ch->close_free++;
		npev_fake.nr_close_free++;
		return -EINVAL;
	}
	ch->closes++;
	npev_fake.nr_closes++;
	if (ch->state == NPEV_FAKE_STATIC)
		return -EINVAL;	/* counted: the suites check it never happens */
	npev_fake_free_locked(ch);
	return 0;
}

/* Deliver to the mapped handler, with interrupts off, unless masked. */
static bool npev_fake_fire_locked(u32 port)
{
	struct npev_fake_chan *ch = npev_fake_get(port);

	lockdep_assert_held(&npev_fake.lock);
	if (!ch || ch->state == NPEV_FAKE_FREE)
		return false;
	if (!ch->mapped || ch->masked) {
		ch->pending = true;
		return false;
	}
	ch->pending = false;
	ch->masked = true;	/* late EOI: held until the port is written */
	ch->deliveries++;
	npev_port_event(ch->mapped);
	return true;
}

/* --- the ops ------------------------------------------------------------- */

static int npev_fake_bind_virq(u32 virq, u32 *port)
{
	unsigned long flags;
	int rc = 0;
	u32 i;

	npev_fake_maybe_yield();
	if (virq >= NPEV_FAKE_NR_VIRQS)
		return -EINVAL;
	spin_lock_irqsave(&npev_fake.lock, flags);
	for (i = 1; i < npev_fake.nr_channels; i++)
		if (npev_fake.chan[i].state == NPEV_FAKE_VIRQ &&
		    npev_fake.chan[i].virq == virq)
			rc = -EEXIST;	/* Xen: one port per virq and vcpu */
	if (!rc)
		rc = npev_fake_alloc_locked(port);
	if (!rc) {
		npev_fake.chan[*port].state = NPEV_FAKE_VIRQ;
		npev_fake.chan[*port].virq = virq;
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return rc;
}

/* Xen's view of a remote domain: DOMID_SELF is us, reserved ids are not. */
static int npev_fake_remote_dom(u32 *remote_dom)
{
	if (*remote_dom == NPEV_FAKE_DOMID_XEN_SELF)
		*remote_dom = NPEV_FAKE_DOMID_SELF;
	return *remote_dom >= NPEV_DOMID_FIRST_RESERVED ? -ESRCH : 0;
}

static int npev_fake_bind_interdomain(u32 remote_dom, u32 remote_port,
				      u32 *port)
{
	struct npev_fake_chan *ch, *rch = NULL;
	unsigned long flags;
	int rc;

	npev_fake_maybe_yield();
	rc = npev_fake_remote_dom(&remote_dom);
	if (rc)
		return rc;

	spin_lock_irqsave(&npev_fake.lock, flags);
	if (remote_dom == NPEV_FAKE_DOMID_SELF) {
		/* Loopback: the remote end must be our unbound port for us. */
		rch = npev_fake_get(remote_port);
		if (!rch || rch->state != NPEV_FAKE_UNBOUND ||
		    rch->remote_dom != NPEV_FAKE_DOMID_SELF) {
			rc = -EINVAL;
			goto out;
		}
	}
	rc = npev_fake_alloc_locked(port);
	if (rc)
		goto out;
	ch = &npev_fake.chan[*port];
	ch->state = NPEV_FAKE_INTERDOMAIN;
	ch->remote_dom = remote_dom;
	if (rch) {
		ch->peer = remote_port;
		rch->state = NPEV_FAKE_INTERDOMAIN;
		rch->peer = *port;
	}
	/* Xen marks the new local port pending. */
	ch->pending = npev_fake.interdomain_pending;
out:
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return rc;
}

static int npev_fake_alloc_unbound(u32 remote_dom, u32 *port)
{
	unsigned long flags;
	int rc;

	npev_fake_maybe_yield();
	rc = npev_fake_remote_dom(&remote_dom);
	if (rc)
		return rc;
	spin_lock_irqsave(&npev_fake.lock, flags);
	rc = npev_fake_alloc_locked(port);
	if (!rc) {
		npev_fake.chan[*port].state = NPEV_FAKE_UNBOUND;
		npev_fake.chan[*port].remote_dom = remote_dom;
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return rc;
}

static int npev_fake_close(u32 port)
{
	unsigned long flags;
	int rc;

	spin_lock_irqsave(&npev_fake.lock, flags);
	rc = npev_fake_close_locked(port);
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return rc;
}

static bool npev_fake_port_in_use(u32 port, bool is_static)
{
	struct npev_fake_chan *ch;
	unsigned long flags;
	bool used;

	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_slot(port);
	used = ch && ((ch->refs && (is_static || !ch->quarantined)) ||
		      ch->foreign);
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return used;
}

static bool npev_fake_port_open(u32 port)
{
	struct npev_fake_chan *ch;
	unsigned long flags;
	bool open;

	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_get(port);
	open = ch && ch->state != NPEV_FAKE_FREE;
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return open;
}

static int npev_fake_attach(struct npev_port *p, const char *name)
{
	struct npev_fake_chan *ch;
	unsigned long flags;
	int rc = 0;

	npev_fake_might_sleep("attach");	/* request_irq() allocates */
	npev_fake_maybe_yield();
	spin_lock_irqsave(&npev_fake.lock, flags);
	p->epoch = npev_fake.resumes;
	ch = npev_fake_get(p->port);
	if (!ch && p->is_static)
		ch = npev_fake_slot(p->port);	/* set up on demand */
	if (npev_fake.attach_count) {
		npev_fake.attach_count--;
		rc = npev_fake.attach_error;
		/* The glue: on failure, close the port if it is still open. */
		if (!p->is_static && ch && ch->state != NPEV_FAKE_FREE)
			npev_fake_close_locked(p->port);
	} else if (!ch) {
		rc = -ENOMEM;	/* past the interface's last port */
	} else if (ch->quarantined && !ch->mapped && !p->is_static &&
		   ch->state != NPEV_FAKE_FREE) {
		/* The glue adopts its quarantined mapping and its reference. */
		ch->quarantined = false;
		ch->mapped = p;
		ch->masked = false;
		ch->attaches++;
		p->irq = NPEV_FAKE_IRQ_BASE + p->port;
		atomic_long_dec(&npev_stats[NPEV_STAT_QUARANTINED_PORTS]);
		npev_stat_inc(NPEV_STAT_QUARANTINE_REUSED);
	} else if (ch->state == NPEV_FAKE_FREE && !p->is_static) {
		rc = -EINVAL;	/* nothing in Xen to bind to */
	} else if (ch->refs || ch->foreign) {
		rc = -EBUSY;
	} else {
		ch->mapped = p;
		ch->refs = 1;
		ch->is_static = p->is_static;
		ch->masked = false;
		ch->attaches++;
		p->irq = NPEV_FAKE_IRQ_BASE + p->port;
		/* An event that arrived before the handler is delivered now. */
		if (ch->pending)
			npev_fake_fire_locked(p->port);
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return rc;
}

static void npev_fake_hook(struct npev_port *p, enum npev_fake_phase ph)
{
	typeof(npev_fake.release_hook) hook;

	hook = READ_ONCE(npev_fake.release_hook);
	if (hook)
		hook(p, ph, npev_fake.release_hook_data);
}

static bool npev_fake_forgotten_locked(struct npev_port *p)
{
	struct npev_fake_chan *ch = npev_fake_slot(p->port);

	lockdep_assert_held(&npev_fake.lock);
	return ch && ch->mapped != p && ch->orphan == p &&
	       p->epoch != npev_fake.resumes;
}

static bool npev_fake_forgotten(struct npev_port *p)
{
	unsigned long flags;
	bool forgotten;

	spin_lock_irqsave(&npev_fake.lock, flags);
	forgotten = npev_fake_forgotten_locked(p);
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return forgotten;
}

static enum npev_detach npev_fake_detach(struct npev_port *p)
{
	struct npev_fake_chan *ch;
	unsigned long flags;

	/* free_irq() waits for a running handler */
	npev_fake_might_sleep("detach");
	npev_fake_maybe_yield();
	npev_fake_hook(p, NPEV_FAKE_BEFORE_DETACH);

	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_slot(p->port);
	if (npev_fake_forgotten_locked(p)) {
		/* The glue: unbind_from_irqhandler() of the orphan. */
		if (!--ch->orphan_refs) {
			ch->orphan = NULL;
			npev_fake.nr_orphans--;
		}
		ch->releases++;
		spin_unlock_irqrestore(&npev_fake.lock, flags);
		return NPEV_DETACH_GONE;
	}
	if (!ch || ch->mapped != p) {
		/* The kernel maps the port elsewhere: touch nothing. */
		spin_unlock_irqrestore(&npev_fake.lock, flags);
		return NPEV_DETACH_LOST;
	}
	ch->mapped = NULL;
	ch->masked = false;
	ch->releases++;
	spin_unlock_irqrestore(&npev_fake.lock, flags);

	npev_fake_hook(p, NPEV_FAKE_AFTER_DETACH);
	return NPEV_DETACHED;
}

/*
 * The kernel drops one reference to @ch's mapping: at the last, it unmaps
 * the port and closes it unless static, crashing if Xen has freed it.
 */
static void npev_fake_unref_locked(u32 port)
{
	struct npev_fake_chan *ch = &npev_fake.chan[port];

	lockdep_assert_held(&npev_fake.lock);
	if (WARN_ON_ONCE(!ch->refs))
		return;
	if (--ch->refs)
		return;
	ch->masked = false;
	ch->quarantined = false;
	if (ch->is_static)
		return;
	if (ch->state == NPEV_FAKE_FREE) {
		ch->kernel_bugs++;
		npev_fake.nr_kernel_bugs++;
		return;
	}
	ch->closes++;
	npev_fake.nr_closes++;
	npev_fake_free_locked(ch);
}

static void npev_fake_put(struct npev_port *p)
{
	unsigned long flags;

	npev_fake_might_sleep("put");	/* the kernel's mapping mutex */
	spin_lock_irqsave(&npev_fake.lock, flags);
	if (p->port < NPEV_FAKE_PORTS)
		npev_fake_unref_locked(p->port);
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	npev_fake_hook(p, NPEV_FAKE_AFTER_PUT);
}

static void npev_fake_quarantine(struct npev_port *p)
{
	unsigned long flags;

	spin_lock_irqsave(&npev_fake.lock, flags);
	if (p->port < NPEV_FAKE_PORTS && npev_fake.chan[p->port].refs) {
		npev_fake.chan[p->port].quarantined = true;
		atomic_long_inc(&npev_stats[NPEV_STAT_QUARANTINED_PORTS]);
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
}

static bool npev_fake_unquarantine(u32 port)
{
	struct npev_fake_chan *ch;
	unsigned long flags;
	bool done = false;

	npev_fake_might_sleep("unquarantine");
	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_slot(port);
	if (ch && ch->quarantined && !ch->mapped) {
		atomic_long_dec(&npev_stats[NPEV_STAT_QUARANTINED_PORTS]);
		npev_fake_unref_locked(port);
		done = true;
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return done;
}

static void npev_fake_eoi_op(struct npev_port *p)
{
	struct npev_fake_chan *ch;
	unsigned long flags;

	npev_fake_maybe_yield();
	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_get(p->port);
	if (ch && ch->mapped == p) {
		ch->eois++;
		ch->masked = false;
		if (ch->pending)
			npev_fake_fire_locked(p->port);
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
}

static void npev_fake_notify(struct npev_port *p)
{
	struct npev_fake_chan *ch;
	unsigned long flags;

	npev_fake_maybe_yield();
	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_get(p->port);
	if (ch) {
		ch->notifies++;
		if (ch->state == NPEV_FAKE_INTERDOMAIN && ch->peer)
			npev_fake_fire_locked(ch->peer);
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
}

static u32 npev_fake_nr_channels(void)
{
	return READ_ONCE(npev_fake.nr_channels);
}

const struct npev_ops npev_fake_ops = {
	.bind_virq		= npev_fake_bind_virq,
	.bind_interdomain	= npev_fake_bind_interdomain,
	.alloc_unbound		= npev_fake_alloc_unbound,
	.close			= npev_fake_close,
	.port_in_use		= npev_fake_port_in_use,
	.port_open		= npev_fake_port_open,
	.attach			= npev_fake_attach,
	.detach			= npev_fake_detach,
	.forgotten		= npev_fake_forgotten,
	.put			= npev_fake_put,
	.quarantine		= npev_fake_quarantine,
	.unquarantine		= npev_fake_unquarantine,
	.eoi			= npev_fake_eoi_op,
	.notify			= npev_fake_notify,
	.nr_channels		= npev_fake_nr_channels,
};

/* --- the test's side ----------------------------------------------------- */

int npev_fake_make_static(u32 port)
{
	struct npev_fake_chan *ch;
	unsigned long flags;
	int rc = -EINVAL;

	/* Xen makes static ports past those the guest has set up too. */
	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_slot(port);
	if (port && ch && ch->state == NPEV_FAKE_FREE) {
		ch->state = NPEV_FAKE_STATIC;
		npev_fake.nr_open++;
		rc = 0;
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return rc;
}

int npev_fake_close_behind(u32 port)
{
	struct npev_fake_chan *ch;
	unsigned long flags;
	int rc = -EINVAL;

	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_get(port);
	if (ch && ch->state != NPEV_FAKE_FREE &&
	    ch->state != NPEV_FAKE_STATIC) {
		ch->behind_closes++;
		npev_fake_free_locked(ch);
		rc = 0;
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return rc;
}

enum npev_fake_state npev_fake_state(u32 port)
{
	return npev_fake_chan(port).state;
}

bool npev_fake_is_open(u32 port)
{
	return npev_fake_state(port) != NPEV_FAKE_FREE;
}

unsigned int npev_fake_nr_open(void)
{
	return READ_ONCE(npev_fake.nr_open);
}

bool npev_fake_fire(u32 port)
{
	unsigned long flags;
	bool delivered;

	spin_lock_irqsave(&npev_fake.lock, flags);
	delivered = npev_fake_fire_locked(port);
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return delivered;
}

bool npev_fake_fire_raw(u32 port)
{
	struct npev_fake_chan *ch;
	unsigned long flags;
	bool delivered = false;

	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_get(port);
	if (ch && ch->mapped) {
		ch->deliveries++;
		ch->masked = true;
		npev_port_event(ch->mapped);
		delivered = true;
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return delivered;
}

struct npev_port *npev_fake_mapped(u32 port)
{
	return npev_fake_chan(port).mapped;
}

struct npev_user *npev_fake_owner(u32 port)
{
	struct npev_fake_chan *ch;
	struct npev_user *u = NULL;
	unsigned long flags;

	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_get(port);
	if (ch && ch->mapped)
		u = ch->mapped->user;
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return u;
}

void npev_fake_resume(bool restored)
{
	struct npev_fake_chan *ch, saved;
	unsigned long flags;
	u32 port;

	spin_lock_irqsave(&npev_fake.lock, flags);
	npev_fake.resumes++;
	for (port = 0; restored && port < NPEV_FAKE_PORTS; port++) {
		ch = &npev_fake.chan[port];
		saved = *ch;
		memset(ch, 0, sizeof(*ch));
		ch->orphan = saved.orphan;
		ch->orphan_refs = saved.orphan_refs;
		if (saved.mapped) {
			/* No earlier orphan of the port is freed by this. */
			WARN_ON_ONCE(ch->orphan);
			ch->orphan = saved.mapped;
			ch->orphan_refs = saved.refs;
			npev_fake.nr_orphans++;
		}
	}
	if (restored)
		npev_fake.nr_open = 0;
	spin_unlock_irqrestore(&npev_fake.lock, flags);
}

struct npev_port *npev_fake_steal_mapping(u32 port)
{
	struct npev_fake_chan *ch;
	struct npev_port *p = NULL;
	unsigned long flags;

	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_get(port);
	if (ch) {
		p = ch->mapped;
		ch->mapped = NULL;
		ch->refs = 0;
		ch->foreign = true;
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return p;
}

void npev_fake_map_foreign(u32 port, bool on)
{
	struct npev_fake_chan *ch;
	unsigned long flags;

	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_get(port);
	if (ch)
		ch->foreign = on;
	spin_unlock_irqrestore(&npev_fake.lock, flags);
}

int npev_fake_holder_get(u32 port)
{
	struct npev_fake_chan *ch;
	unsigned long flags;
	int rc = -ENOENT;

	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_slot(port);
	if (ch && ch->refs) {
		ch->refs++;
		ch->holders++;
		rc = 0;
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return rc;
}

void npev_fake_holder_put(u32 port)
{
	struct npev_fake_chan *ch;
	unsigned long flags;

	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_slot(port);
	if (ch && !WARN_ON_ONCE(!ch->holders)) {
		ch->holders--;
		npev_fake_unref_locked(port);
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
}

bool npev_fake_holder_send(u32 port)
{
	struct npev_fake_chan *ch;
	unsigned long flags;
	bool delivered = false;

	spin_lock_irqsave(&npev_fake.lock, flags);
	ch = npev_fake_get(port);
	if (ch) {
		ch->sends++;
		if (ch->state == NPEV_FAKE_INTERDOMAIN && ch->peer)
			delivered = npev_fake_fire_locked(ch->peer);
	}
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return delivered;
}

void npev_fake_set_busy(u32 port, bool busy)
{
	unsigned long flags;

	spin_lock_irqsave(&npev_fake.lock, flags);
	if (port < NPEV_FAKE_PORTS)
		npev_fake.chan[port].busy = busy;
	spin_unlock_irqrestore(&npev_fake.lock, flags);
}

struct npev_fake_chan npev_fake_chan(u32 port)
{
	struct npev_fake_chan snap = { .state = NPEV_FAKE_FREE };
	unsigned long flags;

	spin_lock_irqsave(&npev_fake.lock, flags);
	if (port < NPEV_FAKE_PORTS)
		snap = npev_fake.chan[port];
	spin_unlock_irqrestore(&npev_fake.lock, flags);
	return snap;
}

/* --- KUnit helpers ------------------------------------------------------- */

int npev_fake_case_init(struct kunit *test)
{
	/* What the last case's holders left recorded goes with its fake. */
	npev_core_exit();
	npev_core_init();
	npev_fake_reset();
	return 0;
}

struct npev_fake_user_args {
	const char *name;
	unsigned int max_ports;
};

static int npev_fake_user_init(struct kunit_resource *res, void *context)
{
	struct npev_fake_user_args *args = context;

	res->data = npev_user_alloc(&npev_fake_ops, args->name,
				    args->max_ports);
	return res->data ? 0 : -ENOMEM;
}

static void npev_fake_user_release(struct kunit_resource *res)
{
	npev_user_free(res->data);
}

struct npev_user *npev_fake_user(struct kunit *test, unsigned int max_ports)
{
	struct npev_fake_user_args args = {
		.name = "evtchn:kunit",
		.max_ports = max_ports,
	};

	return kunit_alloc_resource(test, npev_fake_user_init,
				    npev_fake_user_release, GFP_KERNEL, &args);
}

static bool npev_fake_user_match(struct kunit *test,
				 struct kunit_resource *res, void *data)
{
	return res->free == npev_fake_user_release && res->data == data;
}

void npev_fake_user_free(struct kunit *test, struct npev_user *u)
{
	KUNIT_EXPECT_EQ(test, 0, kunit_destroy_resource(test,
							npev_fake_user_match,
							u));
}

int npev_fake_read_copy(void *ctx, size_t off, const void *src, size_t len)
{
	memcpy((u8 *)ctx + off, src, len);
	return 0;
}

ssize_t npev_fake_read(struct npev_user *u, u32 *buf, size_t bytes)
{
	return npev_read(u, npev_fake_read_copy, buf, bytes, true);
}

unsigned int npev_fake_ring_pending(struct npev_user *u)
{
	return READ_ONCE(u->ring_prod) - READ_ONCE(u->ring_cons);
}

bool npev_fake_user_has(struct npev_user *u, u32 port)
{
	struct rb_node *n;
	bool found = false;

	mutex_lock(&u->bind_mutex);
	for (n = rb_first(&u->ports); n; n = rb_next(n))
		if (rb_entry(n, struct npev_port, node)->port == port)
			found = true;
	mutex_unlock(&u->bind_mutex);
	return found;
}

int npev_fake_tree_nodes(struct npev_user *u)
{
	struct rb_node *n;
	int nodes = 0;
	u32 last = 0;

	mutex_lock(&u->bind_mutex);
	for (n = rb_first(&u->ports); n; n = rb_next(n)) {
		struct npev_port *p = rb_entry(n, struct npev_port, node);

		if ((nodes && p->port <= last) || p->user != u) {
			nodes = -1;
			break;
		}
		last = p->port;
		nodes++;
	}
	mutex_unlock(&u->bind_mutex);
	return nodes;
}

void npev_fake_eoi(struct npev_user *u, u32 port)
{
	npev_eoi(u, &port, 1);
}

long npev_fake_stat(enum npev_stat stat)
{
	return atomic_long_read(&npev_stats[stat]);
}
