// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-user core of /dev/xen/evtchn: port tree, pending ring, bind rules.
 *
 * Every file keeps its own ports. A port number is trusted only within
 * the file that bound it, and a port number the hypervisor hands out is
 * checked against both this file's tree and the kernel's own mapping
 * before it is used: a port closed behind our back and re-issued by Xen
 * (the 3.10 "kernel BUG at drivers/xen/evtchn.c:264" race) is refused
 * with an errno and counted, and the binding that still owns it is left
 * exactly as it was.
 */

#define pr_fmt(fmt) "xen_evtchn: " fmt

#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/ratelimit.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "evtchn_core.h"

atomic_long_t npev_stats[NPEV_STAT_NR];

const char *const npev_stat_names[NPEV_STAT_NR] = {
	[NPEV_STAT_BOUND_PORTS]		= "bound_ports",
	[NPEV_STAT_BIND_REFUSED_STALE]	= "bind_refused_stale",
	[NPEV_STAT_BIND_REFUSED_BUSY]	= "bind_refused_busy",
	[NPEV_STAT_CLOSE_FAILED]	= "close_failed",
	[NPEV_STAT_RELEASE_QUARANTINED]	= "release_quarantined",
	[NPEV_STAT_LIMIT_REFUSED]	= "limit_refused",
	[NPEV_STAT_SPURIOUS_EVENT]	= "spurious_event",
	[NPEV_STAT_RING_OVERFLOW]	= "ring_overflow",
	[NPEV_STAT_BACKEND_ERROR]	= "backend_error",
	[NPEV_STAT_QUARANTINED_PORTS]	= "quarantined_ports",
	[NPEV_STAT_QUARANTINE_REUSED]	= "quarantine_reused",
	[NPEV_STAT_PORT_REOPENED]	= "port_reopened",
	[NPEV_STAT_RESUME_RELEASED]	= "resume_released",
};

/*
 * Port hand-over between files. Xen hands out the lowest free port, so a
 * number one file releases is soon another file's. Per port number (one of
 * NPEV_STRIPES mutexes, by number), a release holds the stripe over its
 * unmap and close, and a bind holds it over its checks and attach. A bind
 * allocates before it knows its port, so a release of the same number may
 * close the fresh allocation before the bind gets the stripe: the port of
 * a release closed behind its owner's back, re-issued to us. Releases count
 * their closes; a bind that sees the count move since before its alloc
 * asks Xen whether its port is still open and, if not, allocates again. A
 * port a file has bound is then never closed by another file, and binds
 * and releases of different ports run side by side. Events and reads
 * never take a stripe.
 */
#define NPEV_STRIPES	64
static struct mutex npev_stripes[NPEV_STRIPES];
static atomic_long_t npev_closes;

/*
 * Numbers the kernel maps for a static binding of ours, any file's.
 * BIND_STATIC binds the number it is given, open in Xen or not (the
 * kernel does not ask), and the mapping never closes it, also when
 * another kernel user (gntalloc) holds it past the binding: a port Xen
 * issues afresh under such a number has nobody else to close it. A
 * number stays recorded while the kernel maps it, until our next
 * ordinary binding of it (which needs it unmapped) at the latest.
 */
static DEFINE_XARRAY(npev_static_ports);

void npev_core_init(void)
{
	unsigned int i;

	for (i = 0; i < NPEV_STRIPES; i++)
		mutex_init(&npev_stripes[i]);
}

void npev_core_exit(void)
{
	/* Numbers still held by another kernel user when the files went. */
	xa_destroy(&npev_static_ports);
}

static struct mutex *npev_stripe(u32 port)
{
	return &npev_stripes[port % NPEV_STRIPES];
}

static struct npev_port *npev_find(struct npev_user *u, u32 port)
	__must_hold(&u->bind_mutex)
{
	struct rb_node *n = u->ports.rb_node;

	while (n) {
		struct npev_port *p = rb_entry(n, struct npev_port, node);

		if (port < p->port)
			n = n->rb_left;
		else if (port > p->port)
			n = n->rb_right;
		else
			return p;
	}
	return NULL;
}

/* The caller has checked that @p->port is not in the tree. */
static void npev_insert(struct npev_user *u, struct npev_port *p)
	__must_hold(&u->bind_mutex)
{
	struct rb_node **link = &u->ports.rb_node, *parent = NULL;

	while (*link) {
		struct npev_port *q = rb_entry(*link, struct npev_port, node);

		parent = *link;
		link = p->port < q->port ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&p->node, parent, link);
	rb_insert_color(&p->node, &u->ports);
	u->nr_ports++;
	atomic_long_inc(&npev_stats[NPEV_STAT_BOUND_PORTS]);
}

static unsigned int npev_ring_max(struct npev_user *u)
{
	u32 nr = u->ops->nr_channels();

	return nr > NPEV_RING_MIN ? roundup_pow_of_two(nr) : NPEV_RING_MIN;
}

/*
 * Make room for one pending entry per bound port, plus the one about to be
 * bound, so that a file which reads its events never overflows.
 */
static int npev_ring_reserve(struct npev_user *u, unsigned int nr)
	__must_hold(&u->bind_mutex)
{
	unsigned int size, i;
	u32 *ring, *old;

	if (nr <= u->ring_size)
		return 0;
	size = max(NPEV_RING_MIN, u->ring_size * 2);
	if (size > npev_ring_max(u))
		return 0; /* already one slot per port the interface has */

	ring = kvmalloc_array(size, sizeof(*ring), GFP_KERNEL);
	if (!ring)
		return -ENOMEM;

	mutex_lock(&u->ring_cons_mutex);
	spin_lock_irq(&u->ring_prod_lock);
	/* Indices run freely; each entry moves to its slot in the new size. */
	for (i = u->ring_cons; i != u->ring_prod; i++)
		ring[i & (size - 1)] = u->ring[i & (u->ring_size - 1)];
	old = u->ring;
	u->ring = ring;
	u->ring_size = size;
	spin_unlock_irq(&u->ring_prod_lock);
	mutex_unlock(&u->ring_cons_mutex);

	kvfree(old);
	return 0;
}

struct npev_user *npev_user_alloc(const struct npev_ops *ops,
				  const char *name, unsigned int max_ports)
{
	struct npev_user *u = kzalloc(sizeof(*u), GFP_KERNEL);

	if (!u)
		return NULL;
	u->name = kstrdup(name, GFP_KERNEL);
	if (!u->name) {
		kfree(u);
		return NULL;
	}
	u->ops = ops;
	u->ports = RB_ROOT;
	u->max_ports = max_ports;
	u->restrict_domid = NPEV_UNRESTRICTED;
	mutex_init(&u->bind_mutex);
	mutex_init(&u->ring_cons_mutex);
	spin_lock_init(&u->ring_prod_lock);
	init_waitqueue_head(&u->wait);
	return u;
}

/* Close a port this file allocated but never attached. */
static void npev_close_unattached(struct npev_user *u, u32 port)
{
	int rc = u->ops->close(port);

	if (rc) {
		npev_stat_inc(NPEV_STAT_CLOSE_FAILED);
		pr_warn_ratelimited("%s: closing unattached port %u failed: %d\n",
				    u->name, port, rc);
	}
}

static bool npev_static_bound(u32 port)
{
	return xa_load(&npev_static_ports, port);
}

/*
 * Xen has just issued @port to a bind while a binding (in this file, or
 * elsewhere in the kernel) still maps the number, and the bind is
 * refused. A binding whose port was closed behind its back closes the
 * number when it goes, and that close must find it open: the port is
 * left to it. A static binding closes nothing: the port is closed here.
 */
static void npev_refuse_fresh(struct npev_user *u, u32 port)
{
	if (npev_static_bound(port))
		npev_close_unattached(u, port);
}

static void __npev_release_port(struct npev_user *u, struct npev_port *p);

/*
 * Record a port the hypervisor has just given this file (or, for a static
 * port, the one the user named) and start delivering its events.
 */
static int npev_bind_port(struct npev_user *u, u32 port, bool is_static,
			  bool interdomain)
	__must_hold(&u->bind_mutex)	/* and npev_stripe(port) */
{
	struct npev_port *p;
	int rc;

	p = npev_find(u, port);
	if (p && u->ops->forgotten(p)) {
		/*
		 * The domain was restored since @p was bound: Xen forgot @p's
		 * port and has now issued the number afresh. The record goes
		 * (nothing to close), the new port is bound.
		 */
		__npev_release_port(u, p);
		p = NULL;
	}
	if (p) {
		/*
		 * Xen hands out the lowest free port, so this is a number of
		 * ours that was closed behind our back (or bound static while
		 * closed) and re-issued.
		 */
		npev_stat_inc(NPEV_STAT_BIND_REFUSED_STALE);
		pr_warn_ratelimited("%s: port %u re-issued while still bound here; was it closed behind our back?\n",
				    u->name, port);
		npev_refuse_fresh(u, port);
		return -EEXIST;
	}
	if (u->ops->port_in_use(port, is_static)) {
		/* The same, for a binding elsewhere in this kernel. */
		npev_stat_inc(NPEV_STAT_BIND_REFUSED_BUSY);
		pr_warn_ratelimited("%s: port %u is already handled in this kernel\n",
				    u->name, port);
		if (!is_static)
			npev_refuse_fresh(u, port);
		return -EBUSY;
	}

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p) {
		rc = -ENOMEM;
		goto close;
	}
	p->user = u;
	p->port = port;
	p->is_static = is_static;
	p->interdomain = interdomain;
	p->enabled = true;

	rc = npev_ring_reserve(u, u->nr_ports + 1);
	if (rc)
		goto free;
	/* Recorded before the kernel maps it: see npev_reopen_once(). */
	if (is_static) {
		rc = xa_err(xa_store(&npev_static_ports, port, xa_mk_value(1),
				     GFP_KERNEL));
		if (rc)
			goto free;
	}
	rc = u->ops->attach(p, u->name);
	if (rc) {
		/* attach() has released the port already. */
		if (is_static)
			xa_erase(&npev_static_ports, port);
		kfree(p);
		return rc;
	}
	if (!is_static)
		xa_erase(&npev_static_ports, port);
	npev_insert(u, p);
	return 0;

free:
	kfree(p);
close:
	if (!is_static)
		npev_close_unattached(u, port);
	return rc;
}

struct npev_bind_req {
	enum { NPEV_REQ_VIRQ, NPEV_REQ_INTERDOMAIN, NPEV_REQ_UNBOUND } type;
	u32 arg;		/* the virq, or the remote domain */
	u32 remote_port;	/* NPEV_REQ_INTERDOMAIN only */
};

bool npev_is_restricted(struct npev_user *u)
{
	return READ_ONCE(u->restrict_domid) != NPEV_UNRESTRICTED;
}

/*
 * Has this file room for one more port? Only a restricted file (a
 * deprivileged device model, RESTRICT_DOMID) is limited: a trusted
 * toolstack binds as many ports as Xen gives it, as with the in-tree
 * driver (xenstored keeps one per domain).
 */
static int npev_check_limit(struct npev_user *u)
	__must_hold(&u->bind_mutex)
{
	if (u->restrict_domid == NPEV_UNRESTRICTED ||
	    u->nr_ports < u->max_ports)
		return 0;
	npev_stat_inc(NPEV_STAT_LIMIT_REFUSED);
	pr_warn_ratelimited("%s: refusing a bind over max_user_ports (%u)\n",
			    u->name, u->max_ports);
	return -EMFILE;
}

/* May this file bind one more port for @req? */
static int npev_may_bind(struct npev_user *u, const struct npev_bind_req *req)
	__must_hold(&u->bind_mutex)
{
	/* A restricted file may only connect to its one domain. */
	if (u->restrict_domid != NPEV_UNRESTRICTED &&
	    (req->type != NPEV_REQ_INTERDOMAIN ||
	     req->arg != u->restrict_domid))
		return -EACCES;
	return npev_check_limit(u);
}

static int npev_alloc(struct npev_user *u, const struct npev_bind_req *req,
		      u32 *port)
{
	switch (req->type) {
	case NPEV_REQ_VIRQ:
		return u->ops->bind_virq(req->arg, port);
	case NPEV_REQ_INTERDOMAIN:
		return u->ops->bind_interdomain(req->arg, req->remote_port,
						port);
	default:
		return u->ops->alloc_unbound(req->arg, port);
	}
}

/*
 * Allocate a port for @req and bind it. -EAGAIN: a release closed the new
 * port before we got its stripe (its owner's port had been closed behind
 * its back and re-issued to us); nothing is left to close.
 */
static int npev_bind_once(struct npev_user *u, const struct npev_bind_req *req,
			  u32 *port)
	__must_hold(&u->bind_mutex)
{
	long closes = atomic_long_read(&npev_closes);
	int rc;

	rc = npev_alloc(u, req, port);
	if (rc)
		return rc;
	mutex_lock(npev_stripe(*port));
	if (atomic_long_read(&npev_closes) != closes &&
	    !u->ops->port_open(*port))
		rc = -EAGAIN;
	else
		rc = npev_bind_port(u, *port, false,
				    req->type == NPEV_REQ_INTERDOMAIN);
	mutex_unlock(npev_stripe(*port));
	return rc;
}

/* Returns the new port, or a negative errno. */
static int npev_bind_new(struct npev_user *u, const struct npev_bind_req *req)
{
	u32 port;
	int rc;

	mutex_lock(&u->bind_mutex);
	rc = npev_may_bind(u, req);
	if (!rc) {
		rc = npev_bind_once(u, req, &port);
		if (rc == -EAGAIN)
			rc = npev_bind_once(u, req, &port);
		if (rc == -EAGAIN)
			rc = -EBUSY;	/* the same again: give up cleanly */
	}
	mutex_unlock(&u->bind_mutex);
	return rc ? rc : (int)port;
}

int npev_bind_virq(struct npev_user *u, u32 virq)
{
	struct npev_bind_req req = { .type = NPEV_REQ_VIRQ, .arg = virq };

	return npev_bind_new(u, &req);
}

int npev_bind_interdomain(struct npev_user *u, u32 remote_dom,
			  u32 remote_port)
{
	struct npev_bind_req req = {
		.type = NPEV_REQ_INTERDOMAIN,
		.arg = remote_dom,
		.remote_port = remote_port,
	};

	return npev_bind_new(u, &req);
}

int npev_bind_unbound(struct npev_user *u, u32 remote_dom)
{
	struct npev_bind_req req = { .type = NPEV_REQ_UNBOUND, .arg = remote_dom };

	return npev_bind_new(u, &req);
}

/* Static ports are Xen's: bind to them, never allocate or close them. */
int npev_bind_static(struct npev_user *u, u32 port)
{
	int rc;

	/*
	 * Port 0 is never an event channel: refuse it before the kernel maps
	 * it (6.12's own driver maps it and warns). Ports past those set up
	 * so far are fine: the kernel sets up as many as the port needs, and
	 * refuses one past the interface's last as in-tree (ENOMEM).
	 */
	if (!port)
		return -EINVAL;

	mutex_lock(&u->bind_mutex);
	if (npev_find(u, port)) {
		rc = -EISCONN;
	} else {
		rc = npev_check_limit(u);
		if (!rc) {
			mutex_lock(npev_stripe(port));
			rc = npev_bind_port(u, port, true, false);
			mutex_unlock(npev_stripe(port));
		}
	}
	mutex_unlock(&u->bind_mutex);
	return rc;
}

/*
 * Most ports a take-back allocates on its way to the number it wants: Xen
 * hands out the lowest free port, so this many free ports below it.
 */
#define NPEV_REOPEN_MAX		256U
#define NPEV_REOPEN_TRIES	3

/*
 * Allocate ports from Xen until it hands out @port, then close the others.
 * 1: @port is ours again; 0: Xen handed out a higher one first (@port is
 * not free, or too many below it are); or a negative errno.
 */
static int npev_reopen_once(struct npev_user *u, u32 port)
{
	unsigned int n = 0;
	u32 *extra, got;
	int rc;

	extra = kmalloc_array(NPEV_REOPEN_MAX, sizeof(*extra), GFP_KERNEL);
	if (!extra)
		return -ENOMEM;
	for (;;) {
		rc = u->ops->alloc_unbound(NPEV_DOMID_SELF, &got);
		if (rc)
			break;
		if (got == port) {
			rc = 1;
			break;
		}
		extra[n++] = got;
		if (got > port || n == NPEV_REOPEN_MAX)
			break;	/* rc == 0 */
	}
	/*
	 * A borrowed port that is quarantined is open again: let go of its
	 * mapping, and the kernel closes it. One the kernel maps otherwise
	 * is another dead port of a binding (ours or a kernel user's): open
	 * again, its holder's close will now succeed, so leave it to that,
	 * unless the binding is static and closes nothing. A static bind of
	 * the number now sees it recorded before it maps it.
	 */
	while (n--) {
		if (u->ops->unquarantine(extra[n]))
			continue;
		if (!u->ops->port_in_use(extra[n], false) ||
		    npev_static_bound(extra[n]))
			npev_close_unattached(u, extra[n]);
	}
	kfree(extra);
	return rc;
}

/*
 * @p's port was closed in the hypervisor behind the binding's back (root
 * can, through privcmd), while the kernel still maps it. Whoever drops
 * the mapping's last reference, this binding or another holder, makes the
 * kernel close the port, and the kernel crashes if Xen refuses. Take the
 * number back from Xen, as an unbound port of our own, so that close
 * succeeds. False if it could not be had: it is still closed.
 */
static bool npev_reopen(struct npev_user *u, u32 port)
{
	int try;

	for (try = 0; try < NPEV_REOPEN_TRIES; try++) {
		/*
		 * Xen re-issued it already: its new owner's close will be
		 * the kernel's, as with the in-tree driver.
		 */
		if (u->ops->port_open(port))
			return true;
		if (npev_reopen_once(u, port) > 0) {
			npev_stat_inc(NPEV_STAT_PORT_REOPENED);
			return true;
		}
		/* A port still queued in Xen is briefly not free. */
		usleep_range(100, 1000);
	}
	return false;
}

/* How the backend's side of a release ended. */
enum npev_release {
	NPEV_RELEASED,			/* reference dropped */
	NPEV_RELEASE_QUARANTINED,	/* dead port, reference kept */
	NPEV_RELEASE_RESUMED,		/* gone with a save/restore */
	NPEV_RELEASE_LOST,		/* not our mapping: nothing touched */
};

/* The backend's side of ending @p's binding. */
static enum npev_release npev_release_backend(struct npev_user *u,
					      struct npev_port *p)
{
	switch (u->ops->detach(p)) {
	case NPEV_DETACHED:
		break;
	case NPEV_DETACH_GONE:
		return NPEV_RELEASE_RESUMED;
	case NPEV_DETACH_LOST:
	default:
		return NPEV_RELEASE_LOST;
	}
	/*
	 * The handler is gone; asking Xen only now keeps the window in which
	 * a close through privcmd can still beat the kernel's to the two
	 * hypercalls and the kernel's mapping lock.
	 */
	if (!p->is_static && !u->ops->port_open(p->port)) {
		npev_stat_inc(NPEV_STAT_CLOSE_FAILED);
		if (!npev_reopen(u, p->port)) {
			u->ops->quarantine(p);
			return NPEV_RELEASE_QUARANTINED;
		}
		pr_warn_ratelimited("%s: port %u was closed behind our back\n",
				    u->name, p->port);
	}
	u->ops->put(p);
	return NPEV_RELEASED;
}

/*
 * End @p's binding; @p is freed unless the backend lost track of it. The
 * caller holds @p's stripe.
 */
static void __npev_release_port(struct npev_user *u, struct npev_port *p)
	__must_hold(&u->bind_mutex)
{
	enum npev_release res;

	rb_erase(&p->node, &u->ports);
	u->nr_ports--;
	atomic_long_dec(&npev_stats[NPEV_STAT_BOUND_PORTS]);

	WRITE_ONCE(p->unbinding, true);
	res = npev_release_backend(u, p);
	if (p->is_static && !u->ops->port_in_use(p->port, true))
		xa_erase(&npev_static_ports, p->port);
	/* Xen has forgotten a resumed port: nothing was closed. */
	if (!p->is_static && res != NPEV_RELEASE_RESUMED)
		atomic_long_inc(&npev_closes);
	switch (res) {
	case NPEV_RELEASED:
		break;
	case NPEV_RELEASE_RESUMED:
		npev_stat_inc(NPEV_STAT_RESUME_RELEASED);
		break;
	case NPEV_RELEASE_QUARANTINED:
		npev_stat_inc(NPEV_STAT_RELEASE_QUARANTINED);
		pr_warn_ratelimited("%s: port %u was closed behind our back and cannot be taken back; its interrupt is left mapped\n",
				    u->name, p->port);
		break;
	case NPEV_RELEASE_LOST:
		npev_stat_inc(NPEV_STAT_BACKEND_ERROR);
		pr_warn_ratelimited("%s: port %u is no longer mapped to our interrupt; leaking its state\n",
				    u->name, p->port);
		return;
	}
	kfree(p);
}

static void npev_release_port(struct npev_user *u, struct npev_port *p)
	__must_hold(&u->bind_mutex)
{
	struct mutex *stripe = npev_stripe(p->port);

	mutex_lock(stripe);
	__npev_release_port(u, p);
	mutex_unlock(stripe);
}

void npev_user_free(struct npev_user *u)
{
	struct rb_node *n;

	mutex_lock(&u->bind_mutex);
	while ((n = rb_first(&u->ports)))
		npev_release_port(u, rb_entry(n, struct npev_port, node));
	mutex_unlock(&u->bind_mutex);

	kvfree(u->ring);
	kfree(u->name);
	kfree(u);
}

int npev_unbind(struct npev_user *u, u32 port)
{
	struct npev_port *p;
	int rc = -ENOTCONN;

	if (port >= u->ops->nr_channels())
		return -EINVAL;

	mutex_lock(&u->bind_mutex);
	p = npev_find(u, port);
	if (p) {
		npev_release_port(u, p);
		rc = 0;
	}
	mutex_unlock(&u->bind_mutex);
	return rc;
}

int npev_notify(struct npev_user *u, u32 port)
{
	struct npev_port *p;
	int rc = -ENOTCONN;

	mutex_lock(&u->bind_mutex);
	p = npev_find(u, port);
	if (p) {
		u->ops->notify(p);
		rc = 0;
	}
	mutex_unlock(&u->bind_mutex);
	return rc;
}

int npev_restrict_domid(struct npev_user *u, u32 domid)
{
	int rc = 0;

	mutex_lock(&u->bind_mutex);
	if (u->restrict_domid != NPEV_UNRESTRICTED)
		rc = -EACCES;
	else if (domid == 0 || domid >= NPEV_DOMID_FIRST_RESERVED)
		rc = -EINVAL;
	else
		WRITE_ONCE(u->restrict_domid, domid);
	mutex_unlock(&u->bind_mutex);
	return rc;
}

void npev_reset(struct npev_user *u)
{
	mutex_lock(&u->ring_cons_mutex);
	spin_lock_irq(&u->ring_prod_lock);
	WRITE_ONCE(u->ring_cons, 0);
	WRITE_ONCE(u->ring_prod, 0);
	WRITE_ONCE(u->ring_overflow, false);
	spin_unlock_irq(&u->ring_prod_lock);
	mutex_unlock(&u->ring_cons_mutex);
}

static bool npev_ring_pending(struct npev_user *u)
{
	return READ_ONCE(u->ring_cons) != READ_ONCE(u->ring_prod);
}

/* Copy out up to @count bytes of pending ports, in at most two chunks. */
static ssize_t npev_ring_copy(struct npev_user *u, npev_copy_fn copy,
			      void *ctx, size_t count)
	__must_hold(&u->ring_cons_mutex)
{
	unsigned int cons = u->ring_cons;
	unsigned int prod = READ_ONCE(u->ring_prod);
	unsigned int mask = u->ring_size - 1;
	size_t avail = (size_t)(prod - cons) * sizeof(u32);
	size_t first, len;

	len = min(avail, count);
	/* From the consumer index to the end of the ring, then from 0. */
	first = min(len, (size_t)(u->ring_size - (cons & mask)) * sizeof(u32));

	smp_rmb(); /* read the entries only after seeing ring_prod */
	if (copy(ctx, 0, &u->ring[cons & mask], first) ||
	    (len > first && copy(ctx, first, &u->ring[0], len - first)))
		return -EFAULT;

	WRITE_ONCE(u->ring_cons, cons + len / sizeof(u32));
	return len;
}

ssize_t npev_read(struct npev_user *u, npev_copy_fn copy, void *ctx,
		  size_t count, bool nonblock)
{
	ssize_t rc;

	/* Whole ports only, at most a page per call. */
	count = min_t(size_t, count, PAGE_SIZE) & ~(sizeof(u32) - 1);
	if (!count)
		return 0;

	for (;;) {
		mutex_lock(&u->ring_cons_mutex);
		if (READ_ONCE(u->ring_overflow)) {
			rc = -EFBIG;
			break;
		}
		if (npev_ring_pending(u)) {
			rc = npev_ring_copy(u, copy, ctx, count);
			break;
		}
		mutex_unlock(&u->ring_cons_mutex);

		if (nonblock)
			return -EAGAIN;
		rc = wait_event_interruptible(u->wait, npev_ring_pending(u) ||
					      READ_ONCE(u->ring_overflow));
		if (rc)
			return rc;
	}
	mutex_unlock(&u->ring_cons_mutex);
	return rc;
}

void npev_eoi(struct npev_user *u, const u32 *ports, unsigned int nr)
{
	unsigned int i;

	mutex_lock(&u->bind_mutex);
	for (i = 0; i < nr; i++) {
		struct npev_port *p = npev_find(u, ports[i]);

		/* Unknown ports and ports not delivered yet are ignored. */
		if (p && !READ_ONCE(p->enabled)) {
			WRITE_ONCE(p->enabled, true);
			u->ops->eoi(p);
		}
	}
	mutex_unlock(&u->bind_mutex);
}

__poll_t npev_poll(struct npev_user *u, struct file *file, poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &u->wait, wait);
	if (npev_ring_pending(u))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(u->ring_overflow))
		mask = EPOLLERR;
	return mask;
}

int npev_fasync(struct npev_user *u, int fd, struct file *file, int on)
{
	return fasync_helper(fd, file, on, &u->async);
}

void npev_port_event(struct npev_port *p)
{
	struct npev_user *u = p->user;
	unsigned int prod, cons;
	unsigned long flags;

	/* The backend may still call us while the port is being released. */
	if (READ_ONCE(p->unbinding))
		return;

	if (!READ_ONCE(p->enabled)) {
		npev_stat_inc(NPEV_STAT_SPURIOUS_EVENT);
		pr_warn_ratelimited("%s: event on port %u before its EOI\n",
				    u->name, p->port);
	}
	WRITE_ONCE(p->enabled, false);

	spin_lock_irqsave(&u->ring_prod_lock, flags);
	prod = u->ring_prod;
	cons = READ_ONCE(u->ring_cons);
	if (prod - cons < u->ring_size) {
		u->ring[prod & (u->ring_size - 1)] = p->port;
		smp_wmb(); /* publish the entry before the index */
		WRITE_ONCE(u->ring_prod, prod + 1);
		if (cons == prod) {
			wake_up_interruptible(&u->wait);
			kill_fasync(&u->async, SIGIO, POLL_IN);
		}
	} else {
		WRITE_ONCE(u->ring_overflow, true);
		npev_stat_inc(NPEV_STAT_RING_OVERFLOW);
		wake_up_interruptible(&u->wait);
	}
	spin_unlock_irqrestore(&u->ring_prod_lock, flags);
}
