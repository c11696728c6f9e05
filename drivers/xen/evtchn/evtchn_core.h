/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-user core of /dev/xen/evtchn.
 *
 * One struct npev_user per open file: the ports that file has bound (an
 * rbtree, never a table shared between files), the ring of ports waiting
 * to be read, and the locks that guard them. The core includes no Xen
 * header and reaches the hypervisor only through struct npev_ops, so the
 * same code runs in dom0 (evtchn_xen.c) and under User-Mode Linux against
 * a fake event-channel backend (kunit/).
 *
 * Lock order: bind_mutex, one port's hand-over stripe (evtchn_core.c),
 * ring_cons_mutex, ring_prod_lock. The event handler takes ring_prod_lock
 * only.
 */
#ifndef NOPANIC_EVTCHN_CORE_H
#define NOPANIC_EVTCHN_CORE_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

/* Xen ABI values the core needs; evtchn_xen.c asserts they match Xen's. */
#define NPEV_DOMID_FIRST_RESERVED	0x7FF0U
#define NPEV_UNRESTRICTED		0xFFFFU
#define NPEV_DOMID_SELF			0x7FF0U

/* The ring starts this small and doubles as ports are bound. */
#define NPEV_RING_MIN			64U

struct npev_user;

/* How a detach() ended. */
enum npev_detach {
	/* The handler is gone; the binding's reference is kept. */
	NPEV_DETACHED,
	/*
	 * The port went with the domain's save/restore (or migration): the
	 * kernel forgot every port, and the backend has now freed the
	 * binding's interrupt, handler and reference. Nothing is left.
	 */
	NPEV_DETACH_GONE,
	/*
	 * The kernel maps the port to another interrupt: nothing was
	 * touched, the handler may still reference @p, and @p must never
	 * be freed.
	 */
	NPEV_DETACH_LOST,
};

/* One port bound by one file. */
struct npev_port {
	struct rb_node node;	/* in user->ports, under user->bind_mutex */
	struct npev_user *user;
	u32 port;
	int irq;		/* set and used by the backend only */
	unsigned int epoch;	/* the backend's: its resumes seen at attach */
	bool is_static;		/* never closed by us: it belongs to Xen */
	bool interdomain;	/* BIND_INTERDOMAIN: some kernels spread these */
	bool enabled;		/* may deliver: cleared by an event, set by EOI */
	bool unbinding;		/* being released: its events are dropped */
};

/*
 * The hypervisor and the kernel's event-channel layer as the core sees
 * them. Ports are allocated by the first three operations and are the
 * caller's to close until attach() succeeds. From then on the kernel maps
 * the port to an interrupt and counts references to that mapping: the
 * binding holds one, and other kernel users may take their own (gntalloc
 * and gntdev unmap notify, with evtchn_get()). When the last reference is
 * dropped the kernel unmaps the port and closes it in the hypervisor,
 * unless it is static. A binding ends with detach() and then put().
 */
struct npev_ops {
	int (*bind_virq)(u32 virq, u32 *port);
	int (*bind_interdomain)(u32 remote_dom, u32 remote_port, u32 *port);
	int (*alloc_unbound)(u32 remote_dom, u32 *port);
	/* Close a port that was never attached. */
	int (*close)(u32 port);
	/*
	 * True if something in this kernel already handles @port. For a
	 * port Xen has just issued (!@is_static), a mapping the backend
	 * quarantined is not in use: attach() adopts it.
	 */
	bool (*port_in_use)(u32 port, bool is_static);
	/* True if @port is allocated in the hypervisor (not closed). */
	bool (*port_open)(u32 port);
	/*
	 * Start delivering @p's events to npev_port_event() and take the
	 * binding's reference. On failure the backend has released the port
	 * itself (it alone knows whether the kernel closed it on the way
	 * out).
	 */
	int (*attach)(struct npev_port *p, const char *name);
	/*
	 * Stop delivering: remove the handler and wait for a running one;
	 * the binding's reference stays (NPEV_DETACHED). See enum
	 * npev_detach for a port the kernel no longer maps.
	 */
	enum npev_detach (*detach)(struct npev_port *p);
	/*
	 * True if @p's port went with a save/restore since it was bound
	 * (detach() would say NPEV_DETACH_GONE).
	 */
	bool (*forgotten)(struct npev_port *p);
	/* Drop the binding's reference (the kernel may unmap and close). */
	void (*put)(struct npev_port *p);
	/*
	 * Keep the reference of a detached port that is dead in the
	 * hypervisor and could not be taken back: the kernel would crash
	 * closing it. A later attach() given the same number adopts it.
	 */
	void (*quarantine)(struct npev_port *p);
	/*
	 * @port, quarantined, is open in the hypervisor again (the caller
	 * holds it): drop the kept reference, so the kernel unmaps the port
	 * and closes it. False if @port is not quarantined.
	 */
	bool (*unquarantine)(u32 port);
	/* Re-enable delivery after an event was read (late EOI). */
	void (*eoi)(struct npev_port *p);
	void (*notify)(struct npev_port *p);
	/* Ports the hypervisor interface has set up so far. */
	u32 (*nr_channels)(void);
};

struct npev_user {
	const struct npev_ops *ops;
	const char *name;		/* interrupt name: "evtchn:<comm>" */

	struct mutex bind_mutex;	/* bind, unbind, notify, EOI, restrict */
	struct rb_root ports;
	unsigned int nr_ports;
	unsigned int max_ports;
	u16 restrict_domid;

	struct mutex ring_cons_mutex;	/* readers and ring resets */
	spinlock_t ring_prod_lock;	/* the event handler */
	u32 *ring;
	unsigned int ring_size;		/* 0 or a power of two */
	unsigned int ring_cons;
	unsigned int ring_prod;
	bool ring_overflow;

	wait_queue_head_t wait;
	struct fasync_struct *async;
};

/* Module-wide counters, readable in sysfs (evtchn_sysfs.c). */
enum npev_stat {
	NPEV_STAT_BOUND_PORTS,		/* gauge: ports bound right now */
	NPEV_STAT_BIND_REFUSED_STALE,	/* Xen re-issued a port we record */
	NPEV_STAT_BIND_REFUSED_BUSY,	/* the kernel already handles it */
	NPEV_STAT_CLOSE_FAILED,		/* released port closed behind our back */
	NPEV_STAT_RELEASE_QUARANTINED,	/* such a port could not be taken back */
	NPEV_STAT_LIMIT_REFUSED,	/* restricted file over max_user_ports */
	NPEV_STAT_SPURIOUS_EVENT,	/* event on a port not yet EOI'd */
	NPEV_STAT_RING_OVERFLOW,	/* events lost to a full ring */
	NPEV_STAT_BACKEND_ERROR,	/* kernel state we cannot explain */
	NPEV_STAT_QUARANTINED_PORTS,	/* gauge: dead ports left mapped now */
	NPEV_STAT_QUARANTINE_REUSED,	/* re-issued to a bind, taken over */
	NPEV_STAT_PORT_REOPENED,	/* such a port taken back from Xen */
	NPEV_STAT_RESUME_RELEASED,	/* released after a save/restore */
	NPEV_STAT_NR
};

extern atomic_long_t npev_stats[NPEV_STAT_NR];
extern const char *const npev_stat_names[NPEV_STAT_NR];

static inline void npev_stat_inc(enum npev_stat stat)
{
	atomic_long_inc(&npev_stats[stat]);
}

/* Copies @len bytes to the reader at byte offset @off; 0 or -EFAULT. */
typedef int (*npev_copy_fn)(void *ctx, size_t off, const void *src,
			    size_t len);

/* Once, before the first npev_user_alloc(); exit after the last free. */
void npev_core_init(void);
void npev_core_exit(void);

struct npev_user *npev_user_alloc(const struct npev_ops *ops,
				  const char *name, unsigned int max_ports);
void npev_user_free(struct npev_user *u);

bool npev_is_restricted(struct npev_user *u);
int npev_bind_virq(struct npev_user *u, u32 virq);
int npev_bind_interdomain(struct npev_user *u, u32 remote_dom,
			  u32 remote_port);
int npev_bind_unbound(struct npev_user *u, u32 remote_dom);
int npev_bind_static(struct npev_user *u, u32 port);
int npev_unbind(struct npev_user *u, u32 port);
int npev_notify(struct npev_user *u, u32 port);
int npev_restrict_domid(struct npev_user *u, u32 domid);
void npev_reset(struct npev_user *u);

ssize_t npev_read(struct npev_user *u, npev_copy_fn copy, void *ctx,
		  size_t count, bool nonblock);
void npev_eoi(struct npev_user *u, const u32 *ports, unsigned int nr);
__poll_t npev_poll(struct npev_user *u, struct file *file, poll_table *wait);
int npev_fasync(struct npev_user *u, int fd, struct file *file, int on);

/* Called by the backend, in interrupt context, when @p's port fires. */
void npev_port_event(struct npev_port *p);

#endif /* NOPANIC_EVTCHN_CORE_H */
