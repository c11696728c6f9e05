// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite nopanic_evtchn_race: ports re-issued by the hypervisor while
 * some file still records them, the 3.10 race of seed 004 ("kernel BUG at
 * drivers/xen/evtchn.c:264" in evtchn_bind_to_user), releases that find
 * the hypervisor or the kernel in a state they did not leave it in, events
 * racing with unbind, and several files at once under lockdep.
 *
 * The fake backend hands out the lowest free port like Xen, so a port
 * closed in the hypervisor is the very next one handed out: each
 * interleaving below happens on every run, not once a month.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "evtchn_fake.h"

#define NPT_MAX_PORTS	64U

static struct npev_user *npt_user(struct kunit *test)
{
	struct npev_user *u = npev_fake_user(test, NPT_MAX_PORTS);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, u);
	return u;
}

/* @u holds exactly @ports (ascending), each found and notifiable. */
static void npt_expect_ports(struct kunit *test, struct npev_user *u,
			     const u32 *ports, unsigned int nr)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, u->nr_ports, nr);
	KUNIT_EXPECT_EQ(test, npev_fake_tree_nodes(u), (int)nr);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, npev_fake_user_has(u, ports[i]),
				      "port %u", ports[i]);
		KUNIT_EXPECT_EQ_MSG(test, npev_notify(u, ports[i]), 0,
				    "port %u", ports[i]);
		KUNIT_EXPECT_PTR_EQ_MSG(test, npev_fake_owner(ports[i]), u,
					"port %u", ports[i]);
	}
}

/*
 * The seed's race, across two files. File A holds port 2; the port is
 * closed in the hypervisor while A's bookkeeping (its tree and the
 * kernel's mapping) still records it. File B binds: Xen hands out the
 * lowest free port, 2 again. The 3.10 driver found A's entry in its one
 * global table and hit BUG_ON(get_port_user(port) != NULL). Here B gets
 * an errno, A's binding is untouched, nothing is closed that is not
 * ours; A then unbinds cleanly and B can bind port 2.
 */
static void race_reissued_port_refused_in_other_file(struct kunit *test)
{
	static const u32 a_ports[] = { 1, 2, 3 };
	long busy = npev_fake_stat(NPEV_STAT_BIND_REFUSED_BUSY);
	long stale = npev_fake_stat(NPEV_STAT_BIND_REFUSED_STALE);
	long close_failed = npev_fake_stat(NPEV_STAT_CLOSE_FAILED);
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);
	struct npev_user *a = npt_user(test);
	struct npev_user *b = npt_user(test);

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_virq(a, 1), 2);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 3);

	/* A's port 2 is closed in the hypervisor, A not knowing. */
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(2), 0);

	/* B binds and receives port 2. */
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(b, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).allocs, 2U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BIND_REFUSED_BUSY) - busy,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BIND_REFUSED_STALE),
			stale);
	KUNIT_EXPECT_EQ(test, b->nr_ports, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_tree_nodes(b), 0);
	KUNIT_EXPECT_EQ(test, npev_unbind(b, 2), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, npev_notify(b, 2), -ENOTCONN);

	/* A's binding is intact. */
	npt_expect_ports(test, a, a_ports, ARRAY_SIZE(a_ports));
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS) - bound, 3L);

	/* Nothing was closed: the re-issued port is left to A's binding. */
	KUNIT_EXPECT_EQ(test, npev_fake.nr_closes, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
	KUNIT_EXPECT_TRUE(test, npev_fake_is_open(2));
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_CLOSE_FAILED),
			close_failed);

	/* A unbinds cleanly: its binding closes the port, once. */
	KUNIT_EXPECT_EQ(test, npev_unbind(a, 2), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).closes, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_CLOSE_FAILED),
			close_failed);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(2));
	KUNIT_EXPECT_NULL(test, npev_fake_mapped(2));

	/* And B can bind: port 2 again. */
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(b, 0), 2);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(2), b);
	KUNIT_EXPECT_EQ(test, npev_notify(b, 2), 0);
	KUNIT_EXPECT_EQ(test, npev_notify(a, 2), -ENOTCONN);

	npev_fake_user_free(test, a);
	npev_fake_user_free(test, b);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS), bound);
}

/*
 * File B's bind, started by a thread while file A's release is between
 * removing its handler and dropping its reference, or just after.
 */
struct npt_window {
	struct npev_user *b;
	u32 port;			/* the port A is unbinding */
	enum npev_fake_phase phase;	/* where in A's release B starts */
	int rc;				/* B's bind */
	bool done_in_window;		/* B's bind ended inside the window */
	unsigned int calls;
	struct completion done;
};

static int npt_window_bind(void *data)
{
	struct npt_window *w = data;

	w->rc = npev_bind_unbound(w->b, 0);
	complete(&w->done);
	return 0;
}

static void npt_window_hook(struct npev_port *p, enum npev_fake_phase ph,
			    void *data)
{
	struct npt_window *w = data;
	struct task_struct *t;

	if (ph != w->phase || p->port != w->port || w->calls++)
		return;
	/*
	 * Another thread: B's bind takes B's bind_mutex while this one holds
	 * A's, as two processes would. Give it time to overtake A: it must
	 * instead wait for A's release to finish.
	 */
	t = kthread_run(npt_window_bind, w, "npt_window");
	if (IS_ERR(t)) {
		w->rc = PTR_ERR(t);
		complete(&w->done);
		return;
	}
	w->done_in_window = wait_for_completion_timeout(&w->done, HZ / 5);
}

/*
 * A holds ports 1-3 and unbinds 2 (closed behind its back first if
 * @behind); B binds from inside A's release, at @phase. B's bind must wait
 * for A's release, then get port 2 cleanly, and A must not have closed it.
 */
static void npt_window_case(struct kunit *test, enum npev_fake_phase phase,
			    bool behind)
{
	static const u32 a_ports[] = { 1, 3 };
	long busy = npev_fake_stat(NPEV_STAT_BIND_REFUSED_BUSY);
	long close_failed = npev_fake_stat(NPEV_STAT_CLOSE_FAILED);
	struct npev_user *a = npt_user(test);
	struct npev_user *b = npt_user(test);
	struct npt_window w = { .b = b, .port = 2, .phase = phase };

	init_completion(&w.done);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 2);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 3);
	if (behind)
		KUNIT_ASSERT_EQ(test, npev_fake_close_behind(2), 0);

	npev_fake.release_hook_data = &w;
	WRITE_ONCE(npev_fake.release_hook, npt_window_hook);
	KUNIT_EXPECT_EQ(test, npev_unbind(a, 2), 0);
	WRITE_ONCE(npev_fake.release_hook, NULL);

	KUNIT_ASSERT_EQ(test, w.calls, 1U);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&w.done, 30 * HZ));
	KUNIT_EXPECT_FALSE(test, w.done_in_window);
	KUNIT_EXPECT_EQ(test, w.rc, 2);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BIND_REFUSED_BUSY), busy);
	/*
	 * Behind A's back, port 2 was free for B's first allocation, which
	 * A's close then ended: B saw it and allocated again. A's close
	 * therefore did not fail.
	 */
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_CLOSE_FAILED),
			close_failed);

	/* Port 2 is B's and open; A's other ports are untouched. */
	KUNIT_EXPECT_TRUE(test, npev_fake_is_open(2));
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(2), b);
	KUNIT_EXPECT_EQ(test, npev_notify(b, 2), 0);
	KUNIT_EXPECT_EQ(test, npev_notify(a, 2), -ENOTCONN);
	npt_expect_ports(test, a, a_ports, ARRAY_SIZE(a_ports));

	npev_fake_user_free(test, a);
	npev_fake_user_free(test, b);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
}

/*
 * The 3.10 ordering in time: A unbinds port 2 and the kernel has closed
 * it in the hypervisor, but A's release has not finished; B binds and Xen
 * hands out port 2. B waits for A's release, then binds port 2.
 */
static void race_window_inside_unbind(struct kunit *test)
{
	npt_window_case(test, NPEV_FAKE_AFTER_PUT, false);
	/* A's close by the kernel, then B's when its file went. */
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).closes, 2U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
}

/*
 * A port closed behind A's back is free while A's release runs: B's
 * allocation gets it, and B waits for A's release. A asks Xen, finds the
 * port open (B's allocation) and drops its reference, so the kernel closes
 * it, as with the in-tree driver; B sees the close, allocates port 2 again
 * and binds it, so A's close cannot end B's binding.
 */
static void race_close_gap_after_unmap(struct kunit *test)
{
	npt_window_case(test, NPEV_FAKE_AFTER_DETACH, true);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).close_free, 0U);
	/* A's first, B's ended by A's close, B's second. */
	KUNIT_EXPECT_EQ(test, npev_fake_chan(2).allocs, 3U);
}

/*
 * A release of a port that is open in the hypervisor holds no one up: B's
 * bind completes while A's release is paused between removing its handler
 * and dropping its reference (a module-wide mutex held across both made B
 * wait). The port is A's in Xen until the kernel closes it, so B gets the
 * next free one.
 */
static void release_does_not_hold_up_other_binds(struct kunit *test)
{
	struct npev_user *a = npt_user(test);
	struct npev_user *b = npt_user(test);
	struct npt_window w = {
		.b = b, .port = 2, .phase = NPEV_FAKE_AFTER_DETACH,
	};

	init_completion(&w.done);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 2);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 3);

	npev_fake.release_hook_data = &w;
	WRITE_ONCE(npev_fake.release_hook, npt_window_hook);
	KUNIT_EXPECT_EQ(test, npev_unbind(a, 2), 0);
	WRITE_ONCE(npev_fake.release_hook, NULL);

	KUNIT_ASSERT_EQ(test, w.calls, 1U);
	/* The hook's own wait took the completion if B ended in the window. */
	KUNIT_EXPECT_TRUE(test, w.done_in_window);
	if (!w.done_in_window)
		KUNIT_ASSERT_TRUE(test,
				  wait_for_completion_timeout(&w.done, 30 * HZ));
	KUNIT_EXPECT_EQ(test, w.rc, 4);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(4), b);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(2));
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);

	npev_fake_user_free(test, a);
	npev_fake_user_free(test, b);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
}

/*
 * A port freed behind our back, then handed to the same file again. Mainline
 * counts the port, then its -EEXIST error path erases a node that was never
 * linked, which empties the tree. Here: -EEXIST, counted, nothing closed,
 * the tree whole, the count unchanged.
 */
static void stale_port_same_file_eexist_tree_whole(struct kunit *test)
{
	static const u32 ports[] = { 1, 2, 3, 4, 5 };
	static const u32 ports_after[] = { 1, 2, 4, 5, 6 };
	long stale = npev_fake_stat(NPEV_STAT_BIND_REFUSED_STALE);
	long close_failed = npev_fake_stat(NPEV_STAT_CLOSE_FAILED);
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);
	struct npev_user *u = npt_user(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ports); i++)
		KUNIT_ASSERT_EQ(test, npev_bind_unbound(u, 0), (int)ports[i]);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(3), 0);

	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(3).allocs, 2U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BIND_REFUSED_STALE) - stale,
			1L);
	/* Also through the other bind paths. */
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(3), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_virq(u, 9), -EEXIST);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(3), 0);
	KUNIT_EXPECT_EQ(test, npev_bind_interdomain(u, 0, 1), -EEXIST);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BIND_REFUSED_STALE) - stale,
			3L);

	/* The tree is whole: every port found and notifiable, count unchanged. */
	npt_expect_ports(test, u, ports, ARRAY_SIZE(ports));
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS) - bound, 5L);
	/* The re-issued port was not closed by us. */
	KUNIT_EXPECT_EQ(test, npev_fake_chan(3).closes, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_closes, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
	KUNIT_EXPECT_TRUE(test, npev_fake_is_open(3));

	/* Port 3 stays with the binding: the next bind gets 6. */
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), 6);
	/* Unbinding it closes the re-issued channel, once, no failure. */
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 3), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(3).closes, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_CLOSE_FAILED),
			close_failed);
	npt_expect_ports(test, u, ports_after, ARRAY_SIZE(ports_after));

	npev_fake_user_free(test, u);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_close_free, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS), bound);
}

/*
 * Unbinding a port the hypervisor already freed: the kernel would BUG
 * closing it, so the driver takes the number back from Xen first; the
 * kernel's close then succeeds. Counted, not fatal.
 */
static void unbind_port_closed_behind_back(struct kunit *test)
{
	long close_failed = npev_fake_stat(NPEV_STAT_CLOSE_FAILED);
	long reopened = npev_fake_stat(NPEV_STAT_PORT_REOPENED);
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);
	struct npev_user *u = npt_user(test);

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(u, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(u, 0), 2);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(1), 0);

	KUNIT_EXPECT_EQ(test, npev_unbind(u, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_CLOSE_FAILED) - close_failed,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_PORT_REOPENED) - reopened,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).close_free, 0U);
	/* Taken back, then closed by the kernel: the same number twice. */
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).allocs, 2U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 1U);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(1));
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).refs, 0U);
	KUNIT_EXPECT_NULL(test, npev_fake_mapped(1));
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS) - bound, 1L);
	KUNIT_EXPECT_FALSE(test, npev_fake_user_has(u, 1));
	KUNIT_EXPECT_EQ(test, npev_notify(u, 2), 0);
	/* Port 1 is usable again. */
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), 1);
}

/*
 * A dead port whose number Xen will not hand back (still queued): the
 * binding's reference is kept (quarantine), so the kernel never closes
 * it. Counted; when Xen later gives the number to a bind, that bind takes
 * the mapping over instead of refusing it.
 */
static void quarantined_port_taken_over(struct kunit *test)
{
	long quarantined = npev_fake_stat(NPEV_STAT_RELEASE_QUARANTINED);
	long reused = npev_fake_stat(NPEV_STAT_QUARANTINE_REUSED);
	long gauge = npev_fake_stat(NPEV_STAT_QUARANTINED_PORTS);
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);
	struct npev_user *a = npt_user(test);
	struct npev_user *b = npt_user(test);

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 2);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(1), 0);
	npev_fake_set_busy(1, true);

	KUNIT_EXPECT_EQ(test, npev_unbind(a, 1), 0);
	KUNIT_EXPECT_EQ(test,
			npev_fake_stat(NPEV_STAT_RELEASE_QUARANTINED) - quarantined,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_QUARANTINED_PORTS) - gauge,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
	KUNIT_EXPECT_TRUE(test, npev_fake_chan(1).quarantined);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).refs, 1U);
	/* What the take-back tried was given back. */
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 1U);
	KUNIT_EXPECT_EQ(test, a->nr_ports, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS) - bound, 1L);

	/* Xen hands port 1 out again: B takes the mapping over. */
	npev_fake_set_busy(1, false);
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(b, 0), 1);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_QUARANTINE_REUSED) - reused,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_QUARANTINED_PORTS), gauge);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(1), b);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).refs, 1U);
	KUNIT_EXPECT_EQ(test, npev_notify(a, 2), 0);

	/* And releases it as any other port. */
	KUNIT_EXPECT_EQ(test, npev_unbind(b, 1), 0);
	KUNIT_EXPECT_FALSE(test, npev_fake_is_open(1));
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
}

/*
 * The kernel maps the port to something else by the time we unbind: the
 * backend touches nothing and the core must not free the npev_port (the
 * handler may still use it). The port leaves the tree, counted.
 */
static void release_lost_mapping_leaks_on_purpose(struct kunit *test)
{
	long backend = npev_fake_stat(NPEV_STAT_BACKEND_ERROR);
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);
	struct npev_user *u = npt_user(test);
	struct npev_port *lost;

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(u, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(u, 0), 2);
	lost = npev_fake_steal_mapping(1);
	KUNIT_ASSERT_NOT_NULL(test, lost);

	KUNIT_EXPECT_EQ(test, npev_unbind(u, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BACKEND_ERROR) - backend,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS) - bound, 1L);
	KUNIT_EXPECT_FALSE(test, npev_fake_user_has(u, 1));
	KUNIT_EXPECT_EQ(test, npev_notify(u, 1), -ENOTCONN);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).closes, 0U);
	KUNIT_EXPECT_TRUE(test, npev_fake_is_open(1));
	/* Not freed: still readable under KASAN, and marked as unbinding. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(lost->port), 1U);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(lost->unbinding));
	/* A late event through it queues nothing. */
	npev_port_event(lost);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(u), 0U);
	kfree(lost);	/* the "handler" is gone: ours to free now */
}

/* Closing the file frees every port: each closed exactly once, static never. */
static void release_closes_every_port_once(struct kunit *test)
{
	long close_failed = npev_fake_stat(NPEV_STAT_CLOSE_FAILED);
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);
	struct npev_user *a = npt_user(test);
	struct npev_user *b = npt_user(test);
	u32 port;

	KUNIT_ASSERT_EQ(test, npev_fake_make_static(10), 0);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_virq(a, 1), 2);
	KUNIT_ASSERT_EQ(test, npev_bind_interdomain(a, 0, 1), 3);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 7), 4);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 5);
	KUNIT_ASSERT_EQ(test, npev_bind_static(a, 10), 0);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(b, 0), 6);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(a, 0), 7);
	KUNIT_ASSERT_EQ(test, npev_fake_close_behind(5), 0);
	/* Pending events in a's ring must not matter either. */
	KUNIT_EXPECT_TRUE(test, npev_fake_fire(1));
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS) - bound, 8L);

	npev_fake_user_free(test, a);

	for (port = 1; port <= 7; port++) {
		struct npev_fake_chan ch = npev_fake_chan(port);

		if (port == 6)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, ch.releases, 1U, "port %u", port);
		KUNIT_EXPECT_NULL_MSG(test, ch.mapped, "port %u", port);
		KUNIT_EXPECT_EQ_MSG(test, ch.state, NPEV_FAKE_FREE, "port %u",
				    port);
		/*
		 * Once per allocation: port 5's take-back borrowed the
		 * ports released before it and gave them back.
		 */
		KUNIT_EXPECT_EQ_MSG(test, ch.closes + ch.behind_closes,
				    ch.allocs, "port %u", port);
		KUNIT_EXPECT_EQ_MSG(test, ch.close_free, 0U, "port %u", port);
	}
	/* Port 5, dead, was taken back and then closed by the kernel. */
	KUNIT_EXPECT_EQ(test, npev_fake_chan(5).close_free, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(5).closes, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake.nr_kernel_bugs, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_CLOSE_FAILED) - close_failed,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(10).closes, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(10).releases, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_state(10), NPEV_FAKE_STATIC);
	KUNIT_EXPECT_NULL(test, npev_fake_mapped(10));

	/* The other file is untouched. */
	KUNIT_EXPECT_EQ(test, npev_fake_chan(6).closes, 0U);
	KUNIT_EXPECT_PTR_EQ(test, npev_fake_owner(6), b);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 2U);	/* 6 and static 10 */
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS) - bound, 1L);
	KUNIT_EXPECT_EQ(test, npev_notify(b, 6), 0);
}

/* An event handler running while the port is released. */
struct npt_late_event {
	unsigned int calls;
	unsigned int queued;
};

static void npt_late_event_hook(struct npev_port *p, enum npev_fake_phase ph,
				void *data)
{
	struct npt_late_event *le = data;
	struct npev_user *u = p->user;
	unsigned int prod = READ_ONCE(u->ring_prod);
	unsigned long flags;

	/* As the interrupt handler would run it: interrupts off. */
	local_irq_save(flags);
	npev_port_event(p);
	local_irq_restore(flags);
	le->calls++;
	if (READ_ONCE(u->ring_prod) != prod || READ_ONCE(u->ring_overflow))
		le->queued++;
}

/* Hook calls per release: around the handler's removal, after the put */
#define NPT_RELEASE_PHASES	3U

/*
 * The fake calls npev_port_event() before the handler goes, between its
 * removal and the put, and after the put: nothing is queued, and KASAN
 * sees no access to freed memory.
 */
static void event_during_unbind_not_queued(struct kunit *test)
{
	long spurious = npev_fake_stat(NPEV_STAT_SPURIOUS_EVENT);
	struct npev_user *u = npt_user(test);
	struct npt_late_event le = { };
	u32 buf[4];

	KUNIT_ASSERT_EQ(test, npev_bind_unbound(u, 0), 1);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(u, 0), 2);
	/* Port 1 has an event already delivered, not yet EOI'd. */
	KUNIT_ASSERT_TRUE(test, npev_fake_fire(1));

	npev_fake.release_hook_data = &le;
	WRITE_ONCE(npev_fake.release_hook, npt_late_event_hook);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 1), 0);
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 2), 0);
	WRITE_ONCE(npev_fake.release_hook, NULL);

	KUNIT_EXPECT_EQ(test, le.calls, 2 * NPT_RELEASE_PHASES);
	KUNIT_EXPECT_EQ(test, le.queued, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_SPURIOUS_EVENT), spurious);
	/* Only the event from before the unbind is there. */
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, sizeof(buf)), (ssize_t)4);
	KUNIT_EXPECT_EQ(test, buf[0], 1U);
	/* The hypervisor firing the freed port reaches nobody. */
	KUNIT_EXPECT_FALSE(test, npev_fake_fire(1));
	KUNIT_EXPECT_FALSE(test, npev_fake_fire_raw(2));
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(u), 0U);
}

/* The same while the whole file is released (close()). */
static void event_during_file_release_not_queued(struct kunit *test)
{
	struct npev_user *u = npt_user(test);
	struct npt_late_event le = { };
	u32 port;

	for (port = 1; port <= 8; port++)
		KUNIT_ASSERT_EQ(test, npev_bind_unbound(u, 0), (int)port);
	for (port = 1; port <= 8; port += 2)
		KUNIT_ASSERT_TRUE(test, npev_fake_fire(port));

	npev_fake.release_hook_data = &le;
	WRITE_ONCE(npev_fake.release_hook, npt_late_event_hook);
	npev_fake_user_free(test, u);
	WRITE_ONCE(npev_fake.release_hook, NULL);

	KUNIT_EXPECT_EQ(test, le.calls, 8 * NPT_RELEASE_PHASES);
	KUNIT_EXPECT_EQ(test, le.queued, 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	for (port = 1; port <= 8; port++)
		KUNIT_EXPECT_FALSE(test, npev_fake_fire(port));
}

/* --- several files at once ----------------------------------------------- */

#define NPT_STRESS_FILES	3
#define NPT_STRESS_ITERS	400
#define NPT_STRESS_PORTS	80	/* more than 64: the rings grow */
#define NPT_STRESS_MAXPORT	256	/* what the interrupt and chaos hit */

struct npt_stress;

struct npt_stress_file {
	struct npt_stress *s;
	struct npev_user *u;
	u32 ports[NPT_STRESS_PORTS];
	unsigned int nr;
	struct completion worker_done;
	struct completion reader_done;
};

struct npt_stress {
	struct npt_stress_file f[NPT_STRESS_FILES];
	struct hrtimer timer;
	struct completion chaos_done;
	bool stop;		/* readers, chaos and the timer */
	atomic_t workers_left;
	atomic_t unexpected;
	atomic_t binds, refused, unbinds, notifies, reads, irqs, behind;
	int first_rc;
	int first_op;
};

enum npt_op {
	NPT_OP_BIND,
	NPT_OP_PAIR,
	NPT_OP_UNBIND,
	NPT_OP_NOTIFY,
	NPT_OP_NOTIFY_OTHER,
	NPT_OP_READ,
};

static void npt_stress_bad(struct npt_stress *s, int op, int rc)
{
	if (atomic_inc_return(&s->unexpected) == 1) {
		s->first_op = op;
		s->first_rc = rc;
	}
}

/* A bind may be refused because the chaos thread closed ports. */
static void npt_stress_bound(struct npt_stress_file *f, int op, int rc)
{
	struct npt_stress *s = f->s;

	if (rc > 0) {
		f->ports[f->nr++] = rc;
		atomic_inc(&s->binds);
	} else if (rc == -EEXIST || rc == -EBUSY || rc == -EINVAL) {
		atomic_inc(&s->refused);
	} else {
		npt_stress_bad(s, op, rc);
	}
}

static bool npt_stress_has(struct npt_stress_file *f, u32 port)
{
	unsigned int i;

	for (i = 0; i < f->nr; i++)
		if (f->ports[i] == port)
			return true;
	return false;
}

static int npt_stress_worker(void *data)
{
	struct npt_stress_file *f = data;
	struct npt_stress *s = f->s;
	unsigned int it, i;
	int rc;

	for (it = 0; it < NPT_STRESS_ITERS; it++) {
		u32 r = get_random_u32() % 100;

		if (r < 40 && f->nr < NPT_STRESS_PORTS) {
			npt_stress_bound(f, NPT_OP_BIND,
					 npev_bind_unbound(f->u, 0));
		} else if (r < 50 && f->nr + 2 <= NPT_STRESS_PORTS) {
			rc = npev_bind_unbound(f->u, 0);
			npt_stress_bound(f, NPT_OP_PAIR, rc);
			if (rc > 0)
				npt_stress_bound(f, NPT_OP_PAIR,
						 npev_bind_interdomain(f->u, 0,
								       rc));
		} else if (r < 80 && f->nr) {
			i = get_random_u32() % f->nr;
			rc = npev_unbind(f->u, f->ports[i]);
			if (rc)
				npt_stress_bad(s, NPT_OP_UNBIND, rc);
			f->ports[i] = f->ports[--f->nr];
			atomic_inc(&s->unbinds);
		} else if (r < 90 && f->nr) {
			rc = npev_notify(f->u, f->ports[get_random_u32() % f->nr]);
			if (rc)
				npt_stress_bad(s, NPT_OP_NOTIFY, rc);
			atomic_inc(&s->notifies);
		} else if (r < 95) {
			u32 port = 1 + get_random_u32() % NPT_STRESS_MAXPORT;

			rc = npev_notify(f->u, port);
			if (rc != (npt_stress_has(f, port) ? 0 : -ENOTCONN))
				npt_stress_bad(s, NPT_OP_NOTIFY_OTHER, rc);
		} else {
			npev_reset(f->u);
		}
		if (!(it % 16))
			cond_resched();
	}
	/* Unbind what is left; the file itself is freed by the test. */
	while (f->nr) {
		rc = npev_unbind(f->u, f->ports[--f->nr]);
		if (rc)
			npt_stress_bad(s, NPT_OP_UNBIND, rc);
	}
	atomic_dec(&s->workers_left);
	complete(&f->worker_done);
	return 0;
}

/* Reads and writes back what it read, as libxenevtchn does. */
static int npt_stress_reader(void *data)
{
	struct npt_stress_file *f = data;
	struct npt_stress *s = f->s;
	u32 buf[32];
	ssize_t rc;

	while (!READ_ONCE(s->stop)) {
		rc = npev_fake_read(f->u, buf, sizeof(buf));
		if (rc > 0) {
			npev_eoi(f->u, buf, rc / sizeof(u32));
			atomic_add(rc / sizeof(u32), &s->reads);
		} else if (rc == -EFBIG) {
			npev_reset(f->u);
		} else if (rc != -EAGAIN) {
			npt_stress_bad(s, NPT_OP_READ, rc);
		}
		usleep_range(20, 100);
	}
	complete(&f->reader_done);
	return 0;
}

/* Closes random ports behind the driver's back, as privcmd could. */
static int npt_stress_chaos(void *data)
{
	struct npt_stress *s = data;

	while (!READ_ONCE(s->stop)) {
		if (!npev_fake_close_behind(1 + get_random_u32() %
					    NPT_STRESS_MAXPORT))
			atomic_inc(&s->behind);
		usleep_range(500, 1000);
	}
	complete(&s->chaos_done);
	return 0;
}

/* The hypervisor: random ports fire, in hard interrupt context. */
static enum hrtimer_restart npt_stress_irq(struct hrtimer *t)
{
	struct npt_stress *s = container_of(t, struct npt_stress, timer);
	int i;

	if (READ_ONCE(s->stop))
		return HRTIMER_NORESTART;
	for (i = 0; i < 4; i++)
		if (npev_fake_fire(1 + get_random_u32() % NPT_STRESS_MAXPORT))
			atomic_inc(&s->irqs);
	hrtimer_forward_now(t, ns_to_ktime(300 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/*
 * Three files, each with a thread binding, unbinding and notifying and a
 * thread reading and writing back; a thread closing ports behind their
 * back; an interrupt firing ports. Bounded, then the totals must add up:
 * no unexpected errno, the bound_ports gauge back where it started, no
 * port left open in the hypervisor. Lockdep and KASAN watch throughout.
 */
static void concurrent_files_under_lockdep(struct kunit *test)
{
	long bound = npev_fake_stat(NPEV_STAT_BOUND_PORTS);
	long spurious = npev_fake_stat(NPEV_STAT_SPURIOUS_EVENT);
	long backend = npev_fake_stat(NPEV_STAT_BACKEND_ERROR);
	struct npt_stress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct task_struct *t;
	bool finished = true;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	npev_fake.yield = true;
	init_completion(&s->chaos_done);
	atomic_set(&s->workers_left, NPT_STRESS_FILES);
	for (i = 0; i < NPT_STRESS_FILES; i++) {
		s->f[i].s = s;
		s->f[i].u = npev_fake_user(test, NPT_STRESS_PORTS);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s->f[i].u);
		init_completion(&s->f[i].worker_done);
		init_completion(&s->f[i].reader_done);
	}

	hrtimer_init(&s->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	s->timer.function = npt_stress_irq;
	hrtimer_start(&s->timer, ns_to_ktime(300 * NSEC_PER_USEC), HRTIMER_MODE_REL);
	t = kthread_run(npt_stress_chaos, s, "npt_chaos");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for (i = 0; i < NPT_STRESS_FILES; i++) {
		t = kthread_run(npt_stress_reader, &s->f[i], "npt_reader%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		t = kthread_run(npt_stress_worker, &s->f[i], "npt_worker%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}

	for (i = 0; i < NPT_STRESS_FILES; i++)
		if (!wait_for_completion_timeout(&s->f[i].worker_done, 120 * HZ))
			finished = false;
	WRITE_ONCE(s->stop, true);
	hrtimer_cancel(&s->timer);
	for (i = 0; i < NPT_STRESS_FILES; i++)
		wait_for_completion(&s->f[i].reader_done);
	wait_for_completion(&s->chaos_done);
	/* A worker still running would touch its file after it is freed. */
	KUNIT_ASSERT_TRUE(test, finished);

	kunit_info(test, "binds %d refused %d unbinds %d notifies %d irqs %d read %d behind %d\n",
		   atomic_read(&s->binds), atomic_read(&s->refused),
		   atomic_read(&s->unbinds), atomic_read(&s->notifies),
		   atomic_read(&s->irqs), atomic_read(&s->reads),
		   atomic_read(&s->behind));
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&s->unexpected), 0,
			    "first: op %d rc %d", s->first_op, s->first_rc);
	KUNIT_EXPECT_GT(test, atomic_read(&s->binds), NPT_STRESS_ITERS / 2);
	KUNIT_EXPECT_GT(test, atomic_read(&s->reads), 0);
	/* Late EOI held every port until it was written back. */
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_SPURIOUS_EVENT), spurious);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BACKEND_ERROR), backend);

	for (i = 0; i < NPT_STRESS_FILES; i++) {
		KUNIT_EXPECT_EQ(test, s->f[i].u->nr_ports, 0U);
		KUNIT_EXPECT_EQ(test, npev_fake_tree_nodes(s->f[i].u), 0);
	}
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS), bound);
	for (i = 0; i < NPT_STRESS_FILES; i++)
		npev_fake_user_free(test, s->f[i].u);
	KUNIT_EXPECT_EQ(test, npev_fake_nr_open(), 0U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_BOUND_PORTS), bound);
}

static struct kunit_case npev_race_cases[] = {
	KUNIT_CASE(race_reissued_port_refused_in_other_file),
	KUNIT_CASE(race_window_inside_unbind),
	KUNIT_CASE(race_close_gap_after_unmap),
	KUNIT_CASE(release_does_not_hold_up_other_binds),
	KUNIT_CASE(stale_port_same_file_eexist_tree_whole),
	KUNIT_CASE(unbind_port_closed_behind_back),
	KUNIT_CASE(quarantined_port_taken_over),
	KUNIT_CASE(release_lost_mapping_leaks_on_purpose),
	KUNIT_CASE(release_closes_every_port_once),
	KUNIT_CASE(event_during_unbind_not_queued),
	KUNIT_CASE(event_during_file_release_not_queued),
	KUNIT_CASE(concurrent_files_under_lockdep),
	{}
};

static struct kunit_suite npev_race_suite = {
	.name = "nopanic_evtchn_race",
	.init = npev_fake_case_init,
	.test_cases = npev_race_cases,
};

kunit_test_suite(npev_race_suite);
