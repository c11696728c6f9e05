/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake event-channel backend for the KUnit suites: a tiny model of Xen's
 * event channels (the lowest free port is handed out, port 0 is never
 * used, closing a free port fails with -EINVAL) and of the kernel's
 * port -> handler mapping (port_in_use, attach, release), behind the same
 * struct npev_ops the Xen glue implements.
 *
 * The ops table has no context argument, so there is one fake, reset by
 * npev_fake_reset() at the start of every case. KUnit runs one case at a
 * time; cases that start threads stop them before they return.
 *
 * Everything is guarded by npev_fake.lock, an irq-safe spinlock: events
 * are delivered with interrupts disabled and with that lock held, so once
 * release() has removed a mapping no event can reach the npev_port any
 * more, which is what unbind_from_irqhandler() guarantees in the kernel.
 */
#ifndef NOPANIC_EVTCHN_FAKE_H
#define NOPANIC_EVTCHN_FAKE_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "evtchn_core.h"

struct kunit;

#define NPEV_FAKE_PORTS		4096U	/* most ports the fake can model */
#define NPEV_FAKE_NR_DEFAULT	1024U	/* nr_channels() unless changed */
#define NPEV_FAKE_DOMID_SELF	0U	/* the fake runs as dom0 */

enum npev_fake_state {
	NPEV_FAKE_FREE,
	NPEV_FAKE_UNBOUND,		/* alloc_unbound, or a closed peer */
	NPEV_FAKE_INTERDOMAIN,
	NPEV_FAKE_VIRQ,
	NPEV_FAKE_STATIC,		/* made by Xen, never allocated here */
};

/* Where the backend's release calls npev_fake.release_hook. */
enum npev_fake_phase {
	NPEV_FAKE_BEFORE_DETACH,	/* handler still installed */
	NPEV_FAKE_AFTER_DETACH,		/* handler gone, reference still held */
	NPEV_FAKE_AFTER_PUT,		/* the binding's reference dropped */
};

struct npev_fake_chan {
	enum npev_fake_state state;
	u32 remote_dom;
	u32 peer;		/* loopback partner, or 0 */
	u32 virq;
	struct npev_port *mapped;	/* the kernel's handler for this port */
	/*
	 * The kernel's mapping of a port a binding attached: its reference
	 * count (the binding's and other holders', 0: no such mapping), and
	 * whether the kernel leaves the port open when the count hits 0.
	 */
	unsigned int refs;
	bool is_static;
	bool quarantined;	/* reference kept by the glue's quarantine */
	bool foreign;		/* mapped by something else in the kernel */
	bool busy;		/* Xen does not hand it out while free */
	bool masked;		/* delivered, waiting for its EOI */
	/*
	 * A binding's interrupt left from before a restore (npev_fake_resume):
	 * no longer mapped to the port, still the binding's, with the
	 * references it had. The glue must free it.
	 */
	struct npev_port *orphan;
	unsigned int orphan_refs;
	bool pending;		/* fired while masked or not mapped */

	/* What the fake saw. */
	unsigned int allocs;		/* handed out by bind/alloc */
	unsigned int closes;		/* closed by the driver or kernel */
	unsigned int close_free;	/* driver closed it while free */
	unsigned int kernel_bugs;	/* the kernel closed it while free */
	unsigned int holders;		/* other kernel users' references */
	unsigned int sends;		/* their notifies through the port */
	unsigned int behind_closes;	/* npev_fake_close_behind() */
	unsigned int attaches;
	unsigned int releases;
	unsigned int deliveries;	/* calls of npev_port_event() */
	unsigned int eois;
	unsigned int notifies;
};

struct npev_fake {
	spinlock_t lock;		/* everything below; irq-safe */
	u32 nr_channels;
	unsigned int nr_open;		/* ports not FREE, static included */
	unsigned int nr_closes;		/* all driver closes, all ports */
	unsigned int nr_close_free;
	/*
	 * The kernel's last put closed a port Xen had freed: a real kernel
	 * hits BUG() in xen_evtchn_close() there. Every case expects 0.
	 */
	unsigned int nr_kernel_bugs;
	unsigned int resumes;		/* npev_fake_resume() calls */
	unsigned int nr_orphans;	/* orphaned interrupts not yet freed */

	/* Knobs, set by a case before it drives the core. */
	bool interdomain_pending;	/* Xen marks a new local port pending */
	int alloc_error;		/* next alloc_count allocations fail */
	unsigned int alloc_count;
	int attach_error;		/* next attach_count attaches fail */
	unsigned int attach_count;
	bool yield;			/* ops may sleep: more interleavings */
	void (*release_hook)(struct npev_port *p, enum npev_fake_phase ph,
			     void *data);
	void *release_hook_data;

	struct npev_fake_chan chan[NPEV_FAKE_PORTS];
};

extern struct npev_fake npev_fake;
extern const struct npev_ops npev_fake_ops;

/* Forget every port and knob; the case's users must be gone. */
void npev_fake_reset(void);
void npev_fake_set_nr_channels(u32 nr);

/* Xen side. */
int npev_fake_make_static(u32 port);
int npev_fake_close_behind(u32 port);	/* e.g. EVTCHNOP_close via privcmd */
bool npev_fake_is_open(u32 port);
enum npev_fake_state npev_fake_state(u32 port);
unsigned int npev_fake_nr_open(void);

/* Fire @port as Xen would: delivered unless masked (then pending). */
bool npev_fake_fire(u32 port);
/* Call the handler even if masked: a spurious interrupt. */
bool npev_fake_fire_raw(u32 port);

/*
 * The domain's suspend and resume. @restored: the kernel forgot every
 * mapping and Xen every port, as after xl save/restore or a migration (each
 * bound port's interrupt becomes an orphan, see npev_fake_chan); else a
 * cancelled suspend, which changes nothing but the count.
 */
void npev_fake_resume(bool restored);

/* Kernel side: the handler mapped to @port (not a reference). */
struct npev_port *npev_fake_mapped(u32 port);
/* The file whose handler @port is mapped to, or NULL. */
struct npev_user *npev_fake_owner(u32 port);
/*
 * Something else in the kernel takes over @port's mapping: returns the
 * npev_port that was mapped, which the core will then leak on purpose.
 */
struct npev_port *npev_fake_steal_mapping(u32 port);
/* A binding elsewhere in the kernel (port_in_use() says yes). */
void npev_fake_map_foreign(u32 port, bool on);
/*
 * Another kernel user of a bound port, as gntalloc's and gntdev's unmap
 * notify are: evtchn_get() (0, or -ENOENT if no binding maps the port),
 * evtchn_put() (the last reference unmaps and closes, unless static), and
 * notify_remote_via_evtchn() (true if the peer's handler got it).
 */
int npev_fake_holder_get(u32 port);
void npev_fake_holder_put(u32 port);
bool npev_fake_holder_send(u32 port);
/* Xen skips @port when handing out ports (still queued, say). */
void npev_fake_set_busy(u32 port, bool busy);

/* A snapshot of one port's record, taken under the lock. */
struct npev_fake_chan npev_fake_chan(u32 port);

/* KUnit helpers shared by the suites. */

/* Every suite's .init: a fresh fake. */
int npev_fake_case_init(struct kunit *test);

/* A user freed when the case ends (or by npev_fake_user_free()). */
struct npev_user *npev_fake_user(struct kunit *test, unsigned int max_ports);
void npev_fake_user_free(struct kunit *test, struct npev_user *u);

/* The npev_read() copy callback for a kernel buffer (@ctx). */
int npev_fake_read_copy(void *ctx, size_t off, const void *src, size_t len);
/* Non-blocking npev_read() into a kernel buffer. */
ssize_t npev_fake_read(struct npev_user *u, u32 *buf, size_t bytes);
/* Number of ports waiting in @u's ring. */
unsigned int npev_fake_ring_pending(struct npev_user *u);
/* True if @port is in @u's tree (an in-order walk of the whole tree). */
bool npev_fake_user_has(struct npev_user *u, u32 port);
/*
 * Nodes in @u's tree, or -1 if the tree is not strictly ascending or holds
 * a port of another file.
 */
int npev_fake_tree_nodes(struct npev_user *u);
/* EOI one port, as a write() of that port would. */
void npev_fake_eoi(struct npev_user *u, u32 port);

long npev_fake_stat(enum npev_stat stat);

#endif /* NOPANIC_EVTCHN_FAKE_H */
