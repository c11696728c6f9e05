// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite nopanic_evtchn_shared: a bound port is not only the
 * driver's. Other kernel users take references to the kernel's mapping of
 * it (evtchn_get()/evtchn_put(): gntalloc's and gntdev's unmap notify,
 * which libxenvchan uses to tell its peer that an end died), and the port
 * stays open in the hypervisor until the last of them lets go, exactly as
 * with the in-tree driver. A port closed behind the driver's back must
 * not make the kernel's close crash, whoever closes last.
 *
 * The fake models the kernel's reference count and its close on the last
 * put; a close the hypervisor refuses is counted as the kernel BUG it is
 * (nr_kernel_bugs), and every case expects none.
 */

#include <kunit/test.h>

#include "evtchn_fake.h"

#define NPT_MAX_PORTS	64U

static struct npev_user *npt_user(struct kunit *test)
{
	struct npev_user *u = npev_fake_user(test, NPT_MAX_PORTS);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, u);
	return u;
}

/*
 * A vchan's shape, in one domain: the server's file @s offers port 1
 * (unbound, for dom0), the client's file @c connects port 2 to it.
 */
static void npt_vchan(struct kunit *test, struct npev_user *s,
		      struct npev_user *c)
{
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(s, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_interdomain(c, 0, 1), 2);
	/* Xen marked the new local port pending: take that event away. */
	npev_fake_eoi(c, 2);
	npev_reset(c);
}

/*
 * The server's file is closed first (a process that exits closes its
 * files in order) while gntalloc still holds the port for its unmap
 * notify. The port stays open and mapped, an unrelated bind gets another
 * port, the notify reaches the peer, and the holder's put closes the port.
 */
static void shared_port_outlives_its_file(struct kunit *test)
{
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);
	struct npev_user *s = npt_user(test);
	struct npev_user *c = npt_user(test);
	struct npev_user *b = npt_user(test);
	unsigned int deliveries;
	u32 buf[4];

	npt_vchan(test, s, c);
	KUNIT_ASSERT_EQ(test, npev_fake_holder_get(1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).refs, 2U);

	npev_fake_user_free(test, s);
	/* Open in Xen, still connected, mapped for the holder alone. */
	KUNIT_EXPECT_EQ(test, npev_fake_state(1), NPEV_FAKE_INTERDOMAIN);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).refs, 1U);
	KUNIT_EXPECT_NULL(test, npev_fake_mapped(1));
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 0U);

	/* An event for the gone file reaches nobody, and nothing breaks. */
	deliveries = npev_fake_chan(1).deliveries;
	KUNIT_EXPECT_EQ(test, npev_notify(c, 2), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).deliveries, deliveries);

	/* Another file's bind gets the next free port, not a busy one. */
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(b, 0), 3);

	/* The unmap notify reaches the client. */
	KUNIT_EXPECT_TRUE(test, npev_fake_holder_send(1));
	KUNIT_EXPECT_EQ(test, npev_fake_read(c, buf, sizeof(buf)), (ssize_t)4);
	KUNIT_EXPECT_EQ(test, buf[0], 2U);

	/* The last holder lets go: the kernel closes the port, cleanly. */
	npev_fake_holder_put(1);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).refs, 0U);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(1));
	KUNIT_EXPECT_EQ(test, npev_fake_state(2), NPEV_FAKE_UNBOUND);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);

	npev_fake_user_free(test, c);
	npev_fake_user_free(test, b);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS), bound);
}

/* The holder lets go first: the binding is untouched, and closes it once. */
static void shared_port_holder_first(struct kunit *test)
{
	struct npev_user *s = npt_user(test);
	struct npev_user *c = npt_user(test);
	u32 buf[4];

	npt_vchan(test, s, c);
	KUNIT_ASSERT_EQ(test, npev_fake_holder_get(1), 0);
	KUNIT_EXPECT_TRUE(test, npev_fake_holder_send(1));
	npev_fake_holder_put(1);

	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 0U);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(1), s);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).refs, 1U);
	/* Still the server's: a notify from the client arrives. */
	KUNIT_EXPECT_EQ(test, npev_notify(c, 2), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_read(s, buf, sizeof(buf)), (ssize_t)4);
	KUNIT_EXPECT_EQ(test, buf[0], 1U);

	KUNIT_EXPECT_EQ(test, npev_unbind(s, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 1U);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(1));
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
}

/* A holder cannot take a reference to a port no binding maps. */
static void shared_port_get_needs_a_binding(struct kunit *test)
{
	struct npev_user *s = npt_user(test);

	KUNIT_EXPECT_EQ(test, npev_fake_holder_get(1), -ENOENT);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(s, 0), 1);
	KUNIT_EXPECT_EQ(test, npev_fake_holder_get(1), 0);
	KUNIT_EXPECT_EQ(test, npev_unbind(s, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_holder_get(1), 0);	/* still held */
	npev_fake_holder_put(1);
	npev_fake_holder_put(1);
	KUNIT_EXPECT_EQ(test, npev_fake_holder_get(1), -ENOENT);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
}

/*
 * The port is closed behind the driver's back (privcmd) while a holder
 * has it, and the file goes first. The holder's later put would make the
 * kernel close a dead port (a BUG): the driver took the number back from
 * Xen on release, so that close succeeds.
 */
static void shared_port_closed_behind_then_holder_puts(struct kunit *test)
{
	long reopened = npev_fake_stat(NPEV_STAT_PORT_REOPENED);
	long close_failed = npev_fake_stat(NPEV_STAT_CLOSE_FAILED);
	struct npev_user *s = npt_user(test);
	struct npev_user *c = npt_user(test);

	npt_vchan(test, s, c);
	KUNIT_ASSERT_EQ(test, npev_fake_holder_get(1), 0);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(1), 0);

	KUNIT_EXPECT_EQ(test, npev_unbind(s, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_PORT_REOPENED) - reopened,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_CLOSE_FAILED) - close_failed,
			1L);
	KUNIT_EXPECT_TRUE(test, npev_fake_is_open(1));
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).refs, 1U);

	/* The holder's notify goes nowhere now; no harm done. */
	KUNIT_EXPECT_FALSE(test, npev_fake_holder_send(1));
	npev_fake_holder_put(1);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 1U);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(1));

	npev_fake_user_free(test, c);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
}

/*
 * Taking a number back allocates every free port below it first (Xen
 * hands out the lowest): those are closed again, and only those.
 */
static void reopen_gives_back_the_ports_below(struct kunit *test)
{
	struct npev_user *a = npt_user(test);
	u32 port;

	for (port = 1; port <= 6; port++)
		KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), (int)port);
	KUNIT_ASSERT_EQ(test, npev_unbind(a, 2), 0);
	KUNIT_ASSERT_EQ(test, npev_unbind(a, 3), 0);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(5), 0);

	KUNIT_EXPECT_EQ(test, npev_unbind(a, 5), 0);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
	/* 2 and 3: bound, unbound, borrowed by the take-back, closed. */
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).allocs, 2U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).closes, 2U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(3).closes, 2U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(5).closes, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 3U);	/* 1, 4 and 6 */
	KUNIT_EXPECT_EQ(test, a->nr_ports, 3U);
	/* The file's other ports are untouched. */
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(4), a);
	KUNIT_EXPECT_EQ(test, npev_notify(a, 6), 0);
}

/*
 * A port borrowed on the way that the kernel still maps is another dead
 * port of a binding: it is left open, so that binding's own release later
 * finds it open and the kernel's close succeeds.
 */
static void reopen_revives_other_dead_ports(struct kunit *test)
{
	struct npev_user *a = npt_user(test);
	struct npev_user *b = npt_user(test);

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(b, 0), 2);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 3);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(2), 0);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(3), 0);

	KUNIT_EXPECT_EQ(test, npev_unbind(a, 3), 0);
	KUNIT_EXPECT_TRUE(test, npev_fake_is_open(2));	/* borrowed, kept */
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).closes, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(3).closes, 1U);

	KUNIT_EXPECT_EQ(test, npev_unbind(b, 2), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).closes, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 1U);	/* a's port 1 */
}

/*
 * When more free ports lie below the dead one than a take-back may borrow,
 * it gives up cleanly: every borrowed port closed, the dead one
 * quarantined (its reference kept, so the kernel never closes it).
 */
static void reopen_bounded_then_quarantine(struct kunit *test)
{
	long quarantined = npev_fake_stat(NPEV_STAT_RELEASE_QUARANTINED);
	struct npev_user *a = npt_user(test);
	const u32 dead = 300;
	u32 port;

	for (port = 1; port <= dead; port++)
		KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), (int)port);
	for (port = 1; port < dead; port++)
		KUNIT_ASSERT_EQ(test, npev_unbind(a, port), 0);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(dead), 0);

	KUNIT_EXPECT_EQ(test, npev_unbind(a, dead), 0);
	KUNIT_EXPECT_EQ(test,
			npev_fake_stat(NPEV_STAT_RELEASE_QUARANTINED) - quarantined,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	KUNIT_EXPECT_TRUE(test, npev_fake_chan(dead).quarantined);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(dead).refs, 1U);
	KUNIT_EXPECT_EQ(test, a->nr_ports, 0U);
}

/*
 * A quarantined port's number borrowed by a later take-back is open again:
 * the kept reference goes, the kernel closes it, the quarantine ends.
 */
static void reopen_ends_a_quarantine(struct kunit *test)
{
	long gauge = npev_fake_stat(NPEV_STAT_QUARANTINED_PORTS);
	struct npev_user *a = npt_user(test);

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 2);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 3);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(1), 0);
	npev_fake_set_busy(1, true);
	KUNIT_ASSERT_EQ(test, npev_unbind(a, 1), 0);
	KUNIT_ASSERT_TRUE(test, npev_fake_chan(1).quarantined);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_QUARANTINED_PORTS) - gauge,
			1L);

	npev_fake_set_busy(1, false);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(3), 0);
	KUNIT_EXPECT_EQ(test, npev_unbind(a, 3), 0);
	/* Port 1 was borrowed on the way to 3: its quarantine is over. */
	KUNIT_EXPECT_FALSE(test, npev_fake_chan(1).quarantined);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).refs, 0U);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(1));
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_QUARANTINED_PORTS), gauge);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(3));
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 1U);	/* a's port 2 */
	KUNIT_EXPECT_EQ(test, npev_notify(a, 2), 0);
}

/* A static port shared with a holder: unmapped at the last put, never closed. */
static void shared_static_port_never_closed(struct kunit *test)
{
	struct npev_user *a = npt_user(test);

	KUNIT_ASSERT_EQ(test, npev_fake_make_static(10), 0);
	KUNIT_ASSERT_EQ(test, npev_bind_static(a, 10), 0);
	KUNIT_ASSERT_EQ(test, npev_fake_holder_get(10), 0);
	KUNIT_EXPECT_EQ(test, npev_unbind(a, 10), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(10).refs, 1U);
	npev_fake_holder_put(10);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(10).refs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(10).closes, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_state(10), NPEV_FAKE_STATIC);
	/* And it can be bound again. */
	KUNIT_EXPECT_EQ(test, npev_bind_static(a, 10), 0);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
}

/*
 * Port 1 is free and unmapped again: @b binds it as an ordinary port, it
 * is closed behind @b's back, and Xen issues it to @a. As for any dead
 * port of an ordinary binding, @a's bind is refused and the port left
 * open for @b's close, which then succeeds.
 */
static void npt_number_ordinary_again(struct kunit *test,
				      struct npev_user *a, struct npev_user *b)
{
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(b, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(1), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(a, 0), -EBUSY);
	KUNIT_EXPECT_TRUE(test, npev_fake_is_open(1));
	KUNIT_EXPECT_EQ(test, npev_unbind(b, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
}

/*
 * BIND_STATIC of a number Xen has closed maps it all the same, and Xen,
 * which knows nothing of that, issues the number to the next bind. The
 * bind is refused as for any number the kernel maps, but the static
 * binding will never close the port Xen gave it: the core closes it, in
 * another file (-EBUSY) and in the same one (-EEXIST), for every kind of
 * bind. (Found by the fuzzer on 6.12: 2,556 ports left open in 1,000,000
 * operations.) A dead port of an ordinary binding is still left open.
 */
static void bind_over_static_number_closed(struct kunit *test)
{
	long busy = npev_fake_stat(NPEV_STAT_BIND_REFUSED_BUSY);
	long stale = npev_fake_stat(NPEV_STAT_BIND_REFUSED_STALE);
	struct npev_user *a = npt_user(test);
	struct npev_user *b = npt_user(test);

	KUNIT_ASSERT_EQ(test, npev_bind_static(a, 1), 0);
	KUNIT_ASSERT_EQ(test, npev_fake_state(1), NPEV_FAKE_FREE);

	KUNIT_EXPECT_EQ(test, npev_bind_unbound(b, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).allocs, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_state(1), NPEV_FAKE_FREE);
	KUNIT_EXPECT_EQ(test, npev_bind_virq(b, 3), -EBUSY);
	KUNIT_EXPECT_EQ(test, npev_fake_state(1), NPEV_FAKE_FREE);
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(a, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).allocs, 3U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 3U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BIND_REFUSED_BUSY) - busy,
			2L);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BIND_REFUSED_STALE) - stale,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(1), a);

	/* Its release closes nothing; then the number is ordinary again. */
	KUNIT_EXPECT_EQ(test, npev_unbind(a, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 3U);
	npt_number_ordinary_again(test, a, b);
}

/*
 * The same when gntalloc still holds the static mapping after its binding
 * went: the number stays static for the kernel until the holder's put,
 * and a port Xen issues under it meanwhile is closed. Once the number is
 * an ordinary binding's again, its dead port is left open as usual.
 */
static void static_number_held_past_its_binding(struct kunit *test)
{
	struct npev_user *a = npt_user(test);
	struct npev_user *b = npt_user(test);

	KUNIT_ASSERT_EQ(test, npev_bind_static(a, 1), 0);
	KUNIT_ASSERT_EQ(test, npev_fake_holder_get(1), 0);
	KUNIT_EXPECT_EQ(test, npev_unbind(a, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).refs, 1U);

	KUNIT_EXPECT_EQ(test, npev_bind_unbound(b, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).allocs, 1U);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(1));

	npev_fake_holder_put(1);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).refs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 1U);
	npt_number_ordinary_again(test, a, b);
}

/*
 * A take-back borrows a number a static binding maps while Xen has it
 * closed: nobody else would close it, so the take-back does.
 */
static void reopen_closes_a_static_number(struct kunit *test)
{
	struct npev_user *a = npt_user(test);
	struct npev_user *b = npt_user(test);
	u32 port;

	for (port = 1; port <= 4; port++)
		KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), (int)port);
	KUNIT_ASSERT_EQ(test, npev_unbind(a, 3), 0);
	KUNIT_ASSERT_EQ(test, npev_bind_static(b, 3), 0);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(4), 0);

	KUNIT_EXPECT_EQ(test, npev_unbind(a, 4), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(3).allocs, 2U);	/* borrowed */
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(3));
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(4));
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(3), b);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 2U);	/* a's 1 and 2 */
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
}

/*
 * BIND_STATIC of a quarantined number: the number is still dead in Xen
 * and its mapping is the quarantine's, not to be adopted as static (the
 * kernel would then close it, or warn, when it goes): -EBUSY, and the
 * quarantine stands.
 */
static void bind_static_leaves_a_quarantine(struct kunit *test)
{
	struct npev_user *a = npt_user(test);
	struct npev_user *b = npt_user(test);

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(1), 0);
	npev_fake_set_busy(1, true);
	KUNIT_ASSERT_EQ(test, npev_unbind(a, 1), 0);
	KUNIT_ASSERT_TRUE(test, npev_fake_chan(1).quarantined);

	KUNIT_EXPECT_EQ(test, npev_bind_static(b, 1), -EBUSY);
	KUNIT_EXPECT_TRUE(test, npev_fake_chan(1).quarantined);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).refs, 1U);
	KUNIT_EXPECT_EQ(test, b->nr_ports, 0U);

	/* Given by Xen again, the number is adopted as before. */
	npev_fake_set_busy(1, false);
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(b, 0), 1);
	KUNIT_EXPECT_FALSE(test, npev_fake_chan(1).quarantined);
	KUNIT_EXPECT_EQ(test, npev_unbind(b, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
}

/*
 * A static port the interface has not set up yet (FIFO sets up 1024 ports
 * at a time) binds: the kernel sets it up, as for the in-tree driver.
 * Past the interface's last port the kernel's answer (-ENOMEM) stands.
 */
static void bind_static_past_the_ports_set_up(struct kunit *test)
{
	struct npev_user *a = npt_user(test);

	npev_fake_set_nr_channels(64);
	KUNIT_ASSERT_EQ(test, npev_fake_make_static(1000), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_static(a, 1000), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1000).attaches, 1U);
	KUNIT_EXPECT_EQ(test, npev_bind_static(a, NPEV_FAKE_PORTS), -ENOMEM);
	KUNIT_EXPECT_EQ(test, npev_bind_static(a, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, a->nr_ports, 1U);
}

/*
 * xl save/restore or a migration of the domain: the kernel forgets every
 * port -> interrupt mapping and Xen every port, while each binding's
 * interrupt and handler stay. Closing the files frees them all, closes
 * nothing (there is nothing left to close), and loses no state. (The
 * in-tree driver hits BUG_ON(irq < 0) there.)
 */
static void resume_release_frees_everything(struct kunit *test)
{
	struct npev_user *s = npt_user(test);
	struct npev_user *c = npt_user(test);
	long resumed = npev_fake_stat(NPEV_STAT_RESUME_RELEASED);
	long errors = npev_fake_stat(NPEV_STAT_BACKEND_ERROR);
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);

	npt_vchan(test, s, c);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(s, 0), 3);
	npev_fake_resume(true);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_orphans, 3U);
	KUNIT_EXPECT_NULL(test, npev_fake_mapped(1));
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);

	KUNIT_EXPECT_EQ(test, npev_unbind(s, 3), 0);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_orphans, 2U);
	npev_fake_user_free(test, s);
	npev_fake_user_free(test, c);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_orphans, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_RESUME_RELEASED) - resumed, 3L);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BACKEND_ERROR), errors);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS), bound);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_closes, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
}

/*
 * After a restore Xen issues a forgotten number afresh, to another file
 * or to the file that still records it: that bind succeeds, and the old
 * binding's release touches only its own interrupt.
 */
static void resume_number_issued_again(struct kunit *test)
{
	struct npev_user *a = npt_user(test);
	struct npev_user *b = npt_user(test);
	long resumed = npev_fake_stat(NPEV_STAT_RESUME_RELEASED);
	u32 buf[4];

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 2);
	npev_fake_resume(true);

	/* Another file gets 1: a's record of 1 stays until a lets go. */
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(b, 0), 1);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(1), b);
	KUNIT_EXPECT_EQ(test, npev_unbind(a, 1), 0);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(1), b);
	KUNIT_EXPECT_TRUE(test, npev_fake_fire(1));
	KUNIT_EXPECT_EQ(test, npev_fake_read(b, buf, sizeof(buf)), (ssize_t)4);
	KUNIT_EXPECT_EQ(test, buf[0], 1U);

	/* a itself gets 2 again: the forgotten record gives way. */
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(a, 0), 2);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(2), a);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_orphans, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_RESUME_RELEASED) - resumed, 2L);

	/* The new bindings end as any other: closed once, cleanly. */
	npev_fake_user_free(test, a);
	npev_fake_user_free(test, b);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_closes, 2U);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
}

/* A suspend that was cancelled (or an ordinary one) changes nothing. */
static void resume_cancelled_changes_nothing(struct kunit *test)
{
	struct npev_user *a = npt_user(test);
	long resumed = npev_fake_stat(NPEV_STAT_RESUME_RELEASED);

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	npev_fake_resume(false);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(1), a);
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(a, 0), 2);
	KUNIT_EXPECT_EQ(test, npev_unbind(a, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 1U);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(1));
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_RESUME_RELEASED), resumed);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
}

static struct kunit_case npev_shared_cases[] = {
	KUNIT_CASE(shared_port_outlives_its_file),
	KUNIT_CASE(shared_port_holder_first),
	KUNIT_CASE(shared_port_get_needs_a_binding),
	KUNIT_CASE(shared_port_closed_behind_then_holder_puts),
	KUNIT_CASE(reopen_gives_back_the_ports_below),
	KUNIT_CASE(reopen_revives_other_dead_ports),
	KUNIT_CASE(reopen_bounded_then_quarantine),
	KUNIT_CASE(reopen_ends_a_quarantine),
	KUNIT_CASE(shared_static_port_never_closed),
	KUNIT_CASE(bind_over_static_number_closed),
	KUNIT_CASE(static_number_held_past_its_binding),
	KUNIT_CASE(reopen_closes_a_static_number),
	KUNIT_CASE(bind_static_leaves_a_quarantine),
	KUNIT_CASE(bind_static_past_the_ports_set_up),
	KUNIT_CASE(resume_release_frees_everything),
	KUNIT_CASE(resume_number_issued_again),
	KUNIT_CASE(resume_cancelled_changes_nothing),
	{}
};

static struct kunit_suite npev_shared_suite = {
	.name = "nopanic_evtchn_shared",
	.init = npev_fake_case_init,
	.test_cases = npev_shared_cases,
};

kunit_test_suite(npev_shared_suite);
