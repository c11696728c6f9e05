// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for the per-user core of /dev/xen/evtchn (evtchn_core.c):
 *
 *   nopanic_evtchn_bind      binding, unbinding, notifying, the per-file
 *                            limit, and the failure paths of the backend
 *   nopanic_evtchn_restrict  IOCTL_EVTCHN_RESTRICT_DOMID
 *
 * The core runs against the fake backend of evtchn_fake.c, which hands out
 * the lowest free port like Xen. Counters are module-wide, so every case
 * compares deltas.
 */

#include <kunit/test.h>
#include <linux/kernel.h>

#include "evtchn_fake.h"

#define NPT_MAX_PORTS	64U

static struct npev_user *npt_user(struct kunit *test, unsigned int max_ports)
{
	struct npev_user *u = npev_fake_user(test, max_ports);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, u);
	return u;
}

/* Xen hands out the lowest free port, never port 0; freed ports come back. */
static void bind_gets_lowest_free_port(struct kunit *test)
{
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);
	struct npev_user *u = npt_user(test, NPT_MAX_PORTS);

	KUNIT_EXPECT_EQ(test, npev_bind_virq(u, 1), 1);
	KUNIT_EXPECT_EQ(test, npev_bind_virq(u, 2), 2);
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), 3);
	KUNIT_EXPECT_EQ(test, u->nr_ports, 3U);
	KUNIT_EXPECT_EQ(test, npev_fake_tree_nodes(u), 3);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS) - bound, 3L);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(0));
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(2), u);

	KUNIT_EXPECT_EQ(test, npev_unbind(u, 2), 0);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(2));
	KUNIT_EXPECT_NULL(test, npev_fake_mapped(2));
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).closes, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS) - bound, 2L);

	/* Port 2 is the lowest free one again. */
	KUNIT_EXPECT_EQ(test, npev_bind_virq(u, 5), 2);
	KUNIT_EXPECT_EQ(test, npev_fake_tree_nodes(u), 3);
	KUNIT_EXPECT_TRUE(test, npev_fake_user_has(u, 2));
}

/* An error from the hypervisor comes back as is, and nothing is kept. */
static void bind_hypervisor_error_leaks_nothing(struct kunit *test)
{
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);
	struct npev_user *u = npt_user(test, NPT_MAX_PORTS);

	KUNIT_ASSERT_EQ(test, npev_bind_virq(u, 3), 1);
	/* Xen: one port per virq (and vcpu). */
	KUNIT_EXPECT_EQ(test, npev_bind_virq(u, 3), -EEXIST);
	/* Xen: the remote end is not an unbound port for us. */
	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 0, 99), -EINVAL);

	/* Injected: the hypervisor is out of ports. */
	npev_fake.alloc_error = -ENOSPC;
	npev_fake.alloc_count = 2;
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, npev_bind_virq(u, 4), -ENOSPC);

	KUNIT_EXPECT_EQ(test, u->nr_ports, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_tree_nodes(u), 1);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 1U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_closes, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS) - bound, 1L);

	/* And the next bind works, on the next port. */
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), 2);
}

/* Running out of ports for real: every port below nr_channels, then -ENOSPC. */
static void bind_channels_exhausted(struct kunit *test)
{
	struct npev_user *u = npt_user(test, NPT_MAX_PORTS);
	u32 port;

	npev_fake_set_nr_channels(8);
	for (port = 1; port < 8; port++)
		KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), (int)port);
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, u->nr_ports, 7U);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 7U);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 4), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), 4);
}

/*
 * attach() fails: the backend released the port itself (the glue closes
 * it if still open). The core must not close it again, nor keep anything.
 */
static void bind_attach_failure_leaks_nothing(struct kunit *test)
{
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);
	long close_failed = npev_fake_stat(NPEV_STAT_CLOSE_FAILED);
	struct npev_user *u = npt_user(test, NPT_MAX_PORTS);

	npev_fake.attach_error = -ENOMEM;
	npev_fake.attach_count = 1;
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), -ENOMEM);
	KUNIT_EXPECT_EQ(test, u->nr_ports, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_tree_nodes(u), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 1U);	/* by the glue */
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);	/* not twice */
	KUNIT_EXPECT_NULL(test, npev_fake_mapped(1));
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS), bound);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_CLOSE_FAILED),
			close_failed);

	/* A static port is Xen's: a failed attach leaves it open. */
	KUNIT_ASSERT_EQ(test, npev_fake_make_static(9), 0);
	npev_fake.attach_error = -EIO;
	npev_fake.attach_count = 1;
	KUNIT_EXPECT_EQ(test, npev_bind_static(u, 9), -EIO);
	KUNIT_EXPECT_EQ(test, npev_fake_state(9), NPEV_FAKE_STATIC);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(9).closes, 0U);
	KUNIT_EXPECT_EQ(test, u->nr_ports, 0U);

	/* Both work once attach() does. */
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), 1);
	KUNIT_EXPECT_EQ(test, npev_bind_static(u, 9), 0);
	KUNIT_EXPECT_EQ(test, u->nr_ports, 2U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS) - bound, 2L);
}

/* BIND_STATIC twice in one file: -EISCONN; in another file: -EBUSY. */
static void bind_static_twice_eisconn(struct kunit *test)
{
	long busy = npev_fake_stat(NPEV_STAT_BIND_REFUSED_BUSY);
	struct npev_user *a = npt_user(test, NPT_MAX_PORTS);
	struct npev_user *b = npt_user(test, NPT_MAX_PORTS);

	KUNIT_ASSERT_EQ(test, npev_fake_make_static(7), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_static(a, 7), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_static(a, 7), -EISCONN);
	KUNIT_EXPECT_EQ(test, a->nr_ports, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(7).attaches, 1U);

	KUNIT_EXPECT_EQ(test, npev_bind_static(b, 7), -EBUSY);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BIND_REFUSED_BUSY) - busy,
			1L);
	KUNIT_EXPECT_EQ(test, b->nr_ports, 0U);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(7), a);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(7).closes, 0U);
}

/* A static port is unbound but never closed, and can be bound again. */
static void bind_static_never_closed(struct kunit *test)
{
	struct npev_user *u = npt_user(test, NPT_MAX_PORTS);

	KUNIT_ASSERT_EQ(test, npev_fake_make_static(5), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_static(u, 5), 0);
	/* The allocator skips it. */
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), 1);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 5), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_state(5), NPEV_FAKE_STATIC);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(5).closes, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(5).releases, 1U);
	KUNIT_EXPECT_NULL(test, npev_fake_mapped(5));
	KUNIT_EXPECT_FALSE(test, npev_fake_user_has(u, 5));

	KUNIT_EXPECT_EQ(test, npev_bind_static(u, 5), 0);
	KUNIT_EXPECT_TRUE(test, npev_fake_user_has(u, 5));

	/* Port 0 is never an event channel: refused before any mapping. */
	KUNIT_EXPECT_EQ(test, npev_bind_static(u, 0), -EINVAL);
	KUNIT_EXPECT_NULL(test, npev_fake_mapped(0));
	/*
	 * Numbers Xen has not open: the kernel maps them all the same (it
	 * asks Xen nothing), as for the in-tree driver; nothing is closed.
	 */
	KUNIT_EXPECT_EQ(test, npev_bind_static(u, 11), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_static(u, NPEV_FAKE_NR_DEFAULT), 0);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(11), u);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 11), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_state(11), NPEV_FAKE_FREE);
	/* Past the interface's last port: the kernel's answer, as in-tree. */
	KUNIT_EXPECT_EQ(test, npev_bind_static(u, U32_MAX), -ENOMEM);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_closes, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
	KUNIT_EXPECT_EQ(test, u->nr_ports, 3U);
}

static void unbind_unknown_port_enotconn(struct kunit *test)
{
	struct npev_user *u = npt_user(test, NPT_MAX_PORTS);

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(u, 0), 1);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 2), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 0), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 1), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
	KUNIT_EXPECT_EQ(test, u->nr_ports, 0U);
}

/* A port number is trusted only within the file that bound it. */
static void unbind_other_files_port_enotconn(struct kunit *test)
{
	struct npev_user *a = npt_user(test, NPT_MAX_PORTS);
	struct npev_user *b = npt_user(test, NPT_MAX_PORTS);

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(b, 0), 2);
	KUNIT_EXPECT_EQ(test, npev_unbind(b, 1), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, npev_unbind(a, 2), -ENOTCONN);

	KUNIT_EXPECT_TRUE(test, npev_fake_user_has(a, 1));
	KUNIT_EXPECT_TRUE(test, npev_fake_user_has(b, 2));
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(1), a);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(2), b);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_closes, 0U);
	KUNIT_EXPECT_EQ(test, npev_notify(a, 1), 0);
}

static void unbind_out_of_range_einval(struct kunit *test)
{
	struct npev_user *u = npt_user(test, NPT_MAX_PORTS);

	npev_fake_set_nr_channels(32);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 32), -EINVAL);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 4096), -EINVAL);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, U32_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 31), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_closes + npev_fake.nr_close_free, 0U);
}

static void notify_unknown_or_foreign_enotconn(struct kunit *test)
{
	struct npev_user *a = npt_user(test, NPT_MAX_PORTS);
	struct npev_user *b = npt_user(test, NPT_MAX_PORTS);

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_EXPECT_EQ(test, npev_notify(a, 2), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, npev_notify(a, U32_MAX), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, npev_notify(b, 1), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).notifies, 0U);
	KUNIT_EXPECT_EQ(test, npev_notify(a, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).notifies, 1U);
}

/*
 * A loopback pair across two files: a's unbound port, b's interdomain port
 * bound to it. Xen marks b's new port pending; notify reaches the peer.
 */
static void notify_loopback_delivers_to_peer(struct kunit *test)
{
	struct npev_user *a = npt_user(test, NPT_MAX_PORTS);
	struct npev_user *b = npt_user(test, NPT_MAX_PORTS);
	u32 buf[4];

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_interdomain(b, 0, 1), 2);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).peer, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).peer, 2U);

	/* The pending bit Xen set at bind time. */
	KUNIT_ASSERT_EQ(test, npev_fake_read(b, buf, sizeof(buf)), 4L);
	KUNIT_EXPECT_EQ(test, buf[0], 2U);
	npev_fake_eoi(b, 2);

	KUNIT_EXPECT_EQ(test, npev_notify(a, 1), 0);
	KUNIT_ASSERT_EQ(test, npev_fake_read(b, buf, sizeof(buf)), 4L);
	KUNIT_EXPECT_EQ(test, buf[0], 2U);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(a), 0U);

	KUNIT_EXPECT_EQ(test, npev_notify(b, 2), 0);
	KUNIT_ASSERT_EQ(test, npev_fake_read(a, buf, sizeof(buf)), 4L);
	KUNIT_EXPECT_EQ(test, buf[0], 1U);

	/* b's port is masked until b writes it back: the event waits. */
	KUNIT_EXPECT_EQ(test, npev_notify(a, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(b), 0U);
	KUNIT_EXPECT_TRUE(test, npev_fake_chan(2).pending);
	npev_fake_eoi(b, 2);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(b), 1U);

	/* Closing one end leaves the other unbound, as in Xen. */
	KUNIT_EXPECT_EQ(test, npev_unbind(b, 2), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_state(1), NPEV_FAKE_UNBOUND);
	KUNIT_EXPECT_EQ(test, npev_notify(a, 1), 0);
}

/* Write-back (EOI) of ports not bound or not delivered changes nothing. */
static void eoi_of_unknown_or_undelivered_ignored(struct kunit *test)
{
	struct npev_user *a = npt_user(test, NPT_MAX_PORTS);
	struct npev_user *b = npt_user(test, NPT_MAX_PORTS);
	u32 ports[] = { 0, 1, 2, 3, U32_MAX };

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(b, 0), 2);
	npev_eoi(a, ports, ARRAY_SIZE(ports));
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).eois, 0U);	/* not delivered */
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).eois, 0U);	/* b's */

	KUNIT_EXPECT_TRUE(test, npev_fake_fire(1));
	KUNIT_EXPECT_TRUE(test, npev_fake_fire(2));
	npev_eoi(a, ports, ARRAY_SIZE(ports));
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).eois, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).eois, 0U);	/* still b's */
	npev_eoi(a, ports, ARRAY_SIZE(ports));
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).eois, 1U);	/* once */
}

/*
 * The per-file limit binds a restricted file (a deprivileged device
 * model): -EMFILE, counted, and refused before the hypervisor is asked
 * for a port.
 */
static void limit_refuses_with_emfile(struct kunit *test)
{
	long limit = npev_fake_stat(NPEV_STAT_LIMIT_REFUSED);
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);
	struct npev_user *u = npt_user(test, 3);

	KUNIT_ASSERT_EQ(test, npev_fake_make_static(20), 0);
	KUNIT_ASSERT_EQ(test, npev_restrict_domid(u, 5), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 5, 1), 1);
	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 5, 2), 2);
	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 5, 3), 3);

	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 5, 4), -EMFILE);
	KUNIT_EXPECT_EQ(test, npev_bind_static(u, 20), -EMFILE);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_LIMIT_REFUSED) - limit,
			2L);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(4).allocs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 4U);	/* 3 + the static */
	KUNIT_EXPECT_EQ(test, npev_fake_chan(20).attaches, 0U);
	KUNIT_EXPECT_EQ(test, u->nr_ports, 3U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS) - bound, 3L);

	KUNIT_EXPECT_EQ(test, npev_unbind(u, 2), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_static(u, 20), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 5, 4), -EMFILE);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_LIMIT_REFUSED) - limit,
			3L);
}

/*
 * A trusted opener (not restricted) is not limited, as with the in-tree
 * driver: xenstored keeps one port per domain. Xen's own answer stands
 * when it runs out.
 */
static void limit_spares_unrestricted(struct kunit *test)
{
	long limit = npev_fake_stat(NPEV_STAT_LIMIT_REFUSED);
	struct npev_user *u = npt_user(test, 3);
	u32 port;

	npev_fake_set_nr_channels(16);
	for (port = 1; port < 16; port++)
		KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), (int)port);
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, u->nr_ports, 15U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_LIMIT_REFUSED), limit);
}

static struct kunit_case npev_bind_cases[] = {
	KUNIT_CASE(bind_gets_lowest_free_port),
	KUNIT_CASE(limit_spares_unrestricted),
	KUNIT_CASE(bind_hypervisor_error_leaks_nothing),
	KUNIT_CASE(bind_channels_exhausted),
	KUNIT_CASE(bind_attach_failure_leaks_nothing),
	KUNIT_CASE(bind_static_twice_eisconn),
	KUNIT_CASE(bind_static_never_closed),
	KUNIT_CASE(unbind_unknown_port_enotconn),
	KUNIT_CASE(unbind_other_files_port_enotconn),
	KUNIT_CASE(unbind_out_of_range_einval),
	KUNIT_CASE(notify_unknown_or_foreign_enotconn),
	KUNIT_CASE(notify_loopback_delivers_to_peer),
	KUNIT_CASE(eoi_of_unknown_or_undelivered_ignored),
	KUNIT_CASE(limit_refuses_with_emfile),
	{}
};

static struct kunit_suite npev_bind_suite = {
	.name = "nopanic_evtchn_bind",
	.init = npev_fake_case_init,
	.test_cases = npev_bind_cases,
};

/* --- RESTRICT_DOMID ------------------------------------------------------ */

/* Restricted: no virq, no unbound port, even for the domain itself. */
static void restrict_refuses_virq_and_unbound(struct kunit *test)
{
	struct npev_user *u = npt_user(test, NPT_MAX_PORTS);

	KUNIT_EXPECT_FALSE(test, npev_is_restricted(u));
	KUNIT_ASSERT_EQ(test, npev_restrict_domid(u, 5), 0);
	KUNIT_EXPECT_TRUE(test, npev_is_restricted(u));
	KUNIT_EXPECT_EQ(test, npev_bind_virq(u, 1), -EACCES);
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 5), -EACCES);
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), -EACCES);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).allocs, 0U);
	KUNIT_EXPECT_EQ(test, u->nr_ports, 0U);

	/* BIND_STATIC allocates nothing and is not restricted, as upstream. */
	KUNIT_ASSERT_EQ(test, npev_fake_make_static(4), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_static(u, 4), 0);
	KUNIT_EXPECT_EQ(test, u->nr_ports, 1U);
}

/* Restricted to 5: interdomain to 5 works, to anyone else -EACCES. */
static void restrict_interdomain_only_to_its_domid(struct kunit *test)
{
	struct npev_user *u = npt_user(test, NPT_MAX_PORTS);
	struct npev_user *other = npt_user(test, NPT_MAX_PORTS);

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(other, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_restrict_domid(u, 5), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 6, 1), -EACCES);
	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 0, 1), -EACCES);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 1U);

	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 5, 3), 2);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).remote_dom, 5U);
	KUNIT_EXPECT_EQ(test, u->nr_ports, 1U);
	/* Notify and unbind of its own port are not restricted. */
	KUNIT_EXPECT_EQ(test, npev_notify(u, 2), 0);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 2), 0);
	/* The other file is not restricted. */
	KUNIT_EXPECT_FALSE(test, npev_is_restricted(other));
	KUNIT_EXPECT_EQ(test, npev_bind_virq(other, 1), 2);
}

static void restrict_twice_eacces(struct kunit *test)
{
	struct npev_user *u = npt_user(test, NPT_MAX_PORTS);

	KUNIT_ASSERT_EQ(test, npev_restrict_domid(u, 5), 0);
	KUNIT_EXPECT_EQ(test, npev_restrict_domid(u, 5), -EACCES);
	KUNIT_EXPECT_EQ(test, npev_restrict_domid(u, 6), -EACCES);
	/* Even a bad domid: the file is restricted already. */
	KUNIT_EXPECT_EQ(test, npev_restrict_domid(u, 0), -EACCES);
	/* Still restricted to 5, not 6. */
	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 6, 1), -EACCES);
	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 5, 1), 1);
}

/* Domain 0 and the reserved ids from DOMID_FIRST_RESERVED up: -EINVAL. */
static void restrict_bad_domid_einval(struct kunit *test)
{
	struct npev_user *u = npt_user(test, NPT_MAX_PORTS);

	KUNIT_EXPECT_EQ(test, npev_restrict_domid(u, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, npev_restrict_domid(u, 0x7FF0), -EINVAL);
	KUNIT_EXPECT_EQ(test, npev_restrict_domid(u, 0x7FF2), -EINVAL);
	KUNIT_EXPECT_EQ(test, npev_restrict_domid(u, 0xFFFF), -EINVAL);
	KUNIT_EXPECT_EQ(test, npev_restrict_domid(u, 0x10005), -EINVAL);
	/* None of them restricted the file. */
	KUNIT_EXPECT_FALSE(test, npev_is_restricted(u));
	KUNIT_EXPECT_EQ(test, npev_bind_virq(u, 1), 1);

	KUNIT_EXPECT_EQ(test, npev_restrict_domid(u, 0x7FEF), 0);
	KUNIT_EXPECT_TRUE(test, npev_is_restricted(u));
	KUNIT_EXPECT_EQ(test, u->restrict_domid, 0x7FEF);
	/* A port bound before the restriction stays usable. */
	KUNIT_EXPECT_EQ(test, npev_notify(u, 1), 0);
}

static struct kunit_case npev_restrict_cases[] = {
	KUNIT_CASE(restrict_refuses_virq_and_unbound),
	KUNIT_CASE(restrict_interdomain_only_to_its_domid),
	KUNIT_CASE(restrict_twice_eacces),
	KUNIT_CASE(restrict_bad_domid_einval),
	{}
};

static struct kunit_suite npev_restrict_suite = {
	.name = "nopanic_evtchn_restrict",
	.init = npev_fake_case_init,
	.test_cases = npev_restrict_cases,
};

kunit_test_suites(&npev_bind_suite, &npev_restrict_suite);

MODULE_DESCRIPTION("KUnit tests for the nopanic xen-evtchn per-user core");
MODULE_LICENSE("GPL");
