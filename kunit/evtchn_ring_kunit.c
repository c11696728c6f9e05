// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite nopanic_evtchn_ring: the pending ring of one file, read back
 * through npev_read() with a kernel-buffer copy callback, as read() would.
 *
 * Events come from the fake backend, which models Xen's late EOI: a port
 * that fired stays masked (further events pending in the "hypervisor")
 * until its number is written back (npev_eoi()).
 */

#include <kunit/test.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/poll.h>

#include "evtchn_fake.h"

#define NPT_MAX_PORTS	4096U
#define NPT_POLL_IDLE	(EPOLLOUT | EPOLLWRNORM)
#define NPT_POLL_READY	(EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM)

static struct npev_user *npt_user(struct kunit *test)
{
	struct npev_user *u = npev_fake_user(test, NPT_MAX_PORTS);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, u);
	return u;
}

/* Bind @nr unbound ports, expecting 1..nr. */
static void npt_bind_ports(struct kunit *test, struct npev_user *u, u32 nr)
{
	u32 i;

	for (i = 1; i <= nr; i++)
		KUNIT_ASSERT_EQ(test, npev_bind_unbound(u, 0), (int)i);
}

/* One event on @port, then its EOI so that it can fire again. */
static void npt_event(struct kunit *test, struct npev_user *u, u32 port)
{
	KUNIT_ASSERT_TRUE(test, npev_fake_fire(port));
	npev_fake_eoi(u, port);
}

static __poll_t npt_poll(struct npev_user *u)
{
	return npev_poll(u, NULL, NULL);
}

/* Read @nr ports, expecting exactly @nr, into @buf. */
static void npt_read_n(struct kunit *test, struct npev_user *u, u32 *buf,
		       unsigned int nr)
{
	KUNIT_ASSERT_EQ(test, npev_fake_read(u, buf, nr * sizeof(u32)),
			(ssize_t)(nr * sizeof(u32)));
}

/* 64 entries fit; the 65th sets the overflow flag: -EFBIG, EPOLLERR. */
static void ring_fill_then_overflow(struct kunit *test)
{
	long overflow = npev_fake_stat(NPEV_STAT_RING_OVERFLOW);
	struct npev_user *u = npt_user(test);
	unsigned int i;
	u32 buf[4];

	npt_bind_ports(test, u, 1);
	KUNIT_EXPECT_EQ(test, u->ring_size, NPEV_RING_MIN);
	KUNIT_EXPECT_EQ(test, npt_poll(u), NPT_POLL_IDLE);

	for (i = 0; i < NPEV_RING_MIN; i++)
		npt_event(test, u, 1);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(u), NPEV_RING_MIN);
	KUNIT_EXPECT_FALSE(test, u->ring_overflow);
	KUNIT_EXPECT_EQ(test, npt_poll(u), NPT_POLL_READY);

	KUNIT_EXPECT_TRUE(test, npev_fake_fire(1));
	KUNIT_EXPECT_TRUE(test, u->ring_overflow);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(u), NPEV_RING_MIN);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_RING_OVERFLOW) - overflow,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, sizeof(buf)),
			(ssize_t)-EFBIG);
	KUNIT_EXPECT_EQ(test, npt_poll(u), (__poll_t)EPOLLERR);

	/* It stays overflowed, and every lost event is counted. */
	npev_fake_eoi(u, 1);
	KUNIT_EXPECT_TRUE(test, npev_fake_fire(1));
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_RING_OVERFLOW) - overflow,
			2L);
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, sizeof(buf)),
			(ssize_t)-EFBIG);
}

/* RESET empties the ring and clears the overflow; events flow again. */
static void ring_reset_recovers(struct kunit *test)
{
	struct npev_user *u = npt_user(test);
	unsigned int i;
	u32 buf[4];

	npt_bind_ports(test, u, 2);
	for (i = 0; i <= NPEV_RING_MIN; i++)
		npt_event(test, u, 1);
	KUNIT_ASSERT_TRUE(test, u->ring_overflow);

	npev_reset(u);
	KUNIT_EXPECT_FALSE(test, u->ring_overflow);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(u), 0U);
	KUNIT_EXPECT_EQ(test, npt_poll(u), NPT_POLL_IDLE);
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, sizeof(buf)),
			(ssize_t)-EAGAIN);

	KUNIT_EXPECT_TRUE(test, npev_fake_fire(2));
	npt_event(test, u, 1);
	KUNIT_EXPECT_EQ(test, npt_poll(u), NPT_POLL_READY);
	npt_read_n(test, u, buf, 2);
	KUNIT_EXPECT_EQ(test, buf[0], 2U);
	KUNIT_EXPECT_EQ(test, buf[1], 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, sizeof(buf)),
			(ssize_t)-EAGAIN);
}

/* Reads of 0..3 bytes return 0 and consume nothing; 5..7 bytes read one. */
static void ring_read_small_counts(struct kunit *test)
{
	struct npev_user *u = npt_user(test);
	u32 buf[4] = { };
	size_t n;

	npt_bind_ports(test, u, 3);
	KUNIT_EXPECT_TRUE(test, npev_fake_fire(1));
	KUNIT_EXPECT_TRUE(test, npev_fake_fire(2));
	KUNIT_EXPECT_TRUE(test, npev_fake_fire(3));

	for (n = 0; n < sizeof(u32); n++)
		KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, n), (ssize_t)0);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(u), 3U);
	KUNIT_EXPECT_EQ(test, buf[0], 0U);	/* nothing copied either */

	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, 5), (ssize_t)4);
	KUNIT_EXPECT_EQ(test, buf[0], 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, 7), (ssize_t)4);
	KUNIT_EXPECT_EQ(test, buf[0], 2U);
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, 4), (ssize_t)4);
	KUNIT_EXPECT_EQ(test, buf[0], 3U);
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, 4), (ssize_t)-EAGAIN);
}

/* Short reads take the oldest entries first and leave the rest in order. */
static void ring_partial_reads_keep_order(struct kunit *test)
{
	static const u32 order[] = { 3, 1, 5, 2, 4 };
	struct npev_user *u = npt_user(test);
	u32 buf[16];
	unsigned int i;

	npt_bind_ports(test, u, 5);
	for (i = 0; i < ARRAY_SIZE(order); i++)
		KUNIT_ASSERT_TRUE(test, npev_fake_fire(order[i]));

	npt_read_n(test, u, buf, 2);
	KUNIT_EXPECT_EQ(test, buf[0], 3U);
	KUNIT_EXPECT_EQ(test, buf[1], 1U);
	npt_read_n(test, u, buf, 2);
	KUNIT_EXPECT_EQ(test, buf[0], 5U);
	KUNIT_EXPECT_EQ(test, buf[1], 2U);
	/* Asking for more than is pending returns what there is. */
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, sizeof(buf)), (ssize_t)4);
	KUNIT_EXPECT_EQ(test, buf[0], 4U);
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, sizeof(buf)),
			(ssize_t)-EAGAIN);
	KUNIT_EXPECT_EQ(test, npt_poll(u), NPT_POLL_IDLE);
}

/*
 * The ring grows from 64 when the 65th port is bound, while it holds
 * entries that wrap around its end (cons is not 0): every entry survives,
 * in order.
 */
static void ring_grows_preserving_order_across_wrap(struct kunit *test)
{
	struct npev_user *u = npt_user(test);
	u32 *buf = kunit_kcalloc(test, 128, sizeof(u32), GFP_KERNEL);
	u32 port;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	npt_bind_ports(test, u, 60);
	KUNIT_ASSERT_EQ(test, u->ring_size, NPEV_RING_MIN);

	/* Ports 1..40 fire; the reader takes 30 of them and EOIs those. */
	for (port = 1; port <= 40; port++)
		KUNIT_ASSERT_TRUE(test, npev_fake_fire(port));
	npt_read_n(test, u, buf, 30);
	for (i = 0; i < 30; i++) {
		KUNIT_EXPECT_EQ(test, buf[i], i + 1);
		npev_fake_eoi(u, buf[i]);
	}
	/* Then 41..60 and 1..30: 60 pending, from index 30 to 89. */
	for (port = 41; port <= 60; port++)
		KUNIT_ASSERT_TRUE(test, npev_fake_fire(port));
	for (port = 1; port <= 30; port++)
		KUNIT_ASSERT_TRUE(test, npev_fake_fire(port));
	KUNIT_ASSERT_EQ(test, u->ring_cons, 30U);
	KUNIT_ASSERT_EQ(test, u->ring_prod, 90U);
	KUNIT_ASSERT_FALSE(test, u->ring_overflow);

	/* Ports 61..64 fit in 64 slots; the 65th port needs 128. */
	for (port = 61; port <= 64; port++)
		KUNIT_ASSERT_EQ(test, npev_bind_unbound(u, 0), (int)port);
	KUNIT_EXPECT_EQ(test, u->ring_size, NPEV_RING_MIN);
	KUNIT_ASSERT_EQ(test, npev_bind_unbound(u, 0), 65);
	KUNIT_EXPECT_EQ(test, u->ring_size, 2 * NPEV_RING_MIN);

	/* New events land after the old ones. */
	for (port = 61; port <= 65; port++)
		KUNIT_ASSERT_TRUE(test, npev_fake_fire(port));

	npt_read_n(test, u, buf, 65);
	for (i = 0; i < 10; i++)
		KUNIT_EXPECT_EQ(test, buf[i], 31 + i);
	for (i = 10; i < 30; i++)
		KUNIT_EXPECT_EQ(test, buf[i], 41 + (i - 10));
	for (i = 30; i < 60; i++)
		KUNIT_EXPECT_EQ(test, buf[i], 1 + (i - 30));
	for (i = 60; i < 65; i++)
		KUNIT_EXPECT_EQ(test, buf[i], 61 + (i - 60));
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, 4), (ssize_t)-EAGAIN);
}

/* Sizes are powers of two, one slot per bound port at least. */
static void ring_grows_in_powers_of_two(struct kunit *test)
{
	struct npev_user *u = npt_user(test);

	KUNIT_EXPECT_EQ(test, u->ring_size, 0U);	/* nothing bound yet */
	npt_bind_ports(test, u, 1);
	KUNIT_EXPECT_EQ(test, u->ring_size, 64U);
	while (u->nr_ports < 64)
		KUNIT_ASSERT_GT(test, npev_bind_unbound(u, 0), 0);
	KUNIT_EXPECT_EQ(test, u->ring_size, 64U);
	KUNIT_ASSERT_GT(test, npev_bind_unbound(u, 0), 0);
	KUNIT_EXPECT_EQ(test, u->ring_size, 128U);
	while (u->nr_ports < 129)
		KUNIT_ASSERT_GT(test, npev_bind_unbound(u, 0), 0);
	KUNIT_EXPECT_EQ(test, u->ring_size, 256U);
	/* Unbinding does not shrink it. */
	KUNIT_EXPECT_EQ(test, npev_unbind(u, 129), 0);
	KUNIT_EXPECT_EQ(test, u->ring_size, 256U);
}

/* With every port of the interface bound, each can be pending at once. */
static void ring_holds_every_bound_port(struct kunit *test)
{
	struct npev_user *u = npt_user(test);
	u32 *buf = kunit_kcalloc(test, 128, sizeof(u32), GFP_KERNEL);
	u32 port;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	npev_fake_set_nr_channels(100);
	npt_bind_ports(test, u, 99);
	KUNIT_EXPECT_EQ(test, npev_bind_unbound(u, 0), -ENOSPC);
	KUNIT_EXPECT_EQ(test, u->ring_size, 128U);	/* not more */
	for (port = 99; port >= 1; port--)
		KUNIT_ASSERT_TRUE(test, npev_fake_fire(port));
	KUNIT_EXPECT_FALSE(test, u->ring_overflow);
	npt_read_n(test, u, buf, 99);
	for (port = 0; port < 99; port++)
		KUNIT_EXPECT_EQ(test, buf[port], 99 - port);
}

/*
 * A port fires once until written back; Xen keeps the next event pending
 * and delivers it at the EOI. An interrupt despite the mask is counted.
 */
static void ring_eoi_rearms_and_spurious_counted(struct kunit *test)
{
	long spurious = npev_fake_stat(NPEV_STAT_SPURIOUS_EVENT);
	struct npev_user *u = npt_user(test);

	npt_bind_ports(test, u, 1);
	KUNIT_EXPECT_TRUE(test, npev_fake_fire(1));
	KUNIT_EXPECT_FALSE(test, npev_fake_fire(1));	/* masked: pending */
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(u), 1U);
	npev_fake_eoi(u, 1);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(u), 2U);
	KUNIT_EXPECT_EQ(test, npev_fake_chan(1).eois, 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_SPURIOUS_EVENT),
			spurious);

	/* The handler runs again before the EOI. */
	KUNIT_EXPECT_TRUE(test, npev_fake_fire_raw(1));
	KUNIT_EXPECT_EQ(test, npev_fake_stat(NPEV_STAT_SPURIOUS_EVENT) - spurious,
			1L);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(u), 3U);
}

struct npt_copy_fault {
	u32 *dst;
	unsigned int calls;
	unsigned int fail_at;	/* this call fails, counting from 1 */
};

static int npt_copy_faulting(void *ctx, size_t off, const void *src,
			     size_t len)
{
	struct npt_copy_fault *f = ctx;

	if (++f->calls == f->fail_at)
		return -EFAULT;
	memcpy((u8 *)f->dst + off, src, len);
	return 0;
}

/* A failed copy consumes nothing, in the first chunk or the wrapped one. */
static void ring_read_efault_consumes_nothing(struct kunit *test)
{
	struct npev_user *u = npt_user(test);
	u32 buf[64];
	struct npt_copy_fault f = { .dst = buf };
	unsigned int i;

	npt_bind_ports(test, u, 1);
	/* Move the indices to 60 so that the next entries wrap. */
	for (i = 0; i < 60; i++)
		npt_event(test, u, 1);
	npt_read_n(test, u, buf, 60);
	for (i = 0; i < 8; i++)
		npt_event(test, u, 1);
	KUNIT_ASSERT_EQ(test, npev_fake_ring_pending(u), 8U);

	f.fail_at = 1;
	KUNIT_EXPECT_EQ(test, npev_read(u, npt_copy_faulting, &f, sizeof(buf),
					true), (ssize_t)-EFAULT);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(u), 8U);

	f.calls = 0;
	f.fail_at = 2;	/* the part from slot 0 */
	KUNIT_EXPECT_EQ(test, npev_read(u, npt_copy_faulting, &f, sizeof(buf),
					true), (ssize_t)-EFAULT);
	KUNIT_EXPECT_EQ(test, f.calls, 2U);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(u), 8U);

	f.calls = 0;
	f.fail_at = 0;
	KUNIT_EXPECT_EQ(test, npev_read(u, npt_copy_faulting, &f, sizeof(buf),
					true), (ssize_t)(8 * sizeof(u32)));
	KUNIT_EXPECT_EQ(test, f.calls, 2U);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, buf[i], 1U);
	KUNIT_EXPECT_EQ(test, npev_fake_ring_pending(u), 0U);
}

/* Empty and non-blocking: -EAGAIN, poll says writable only. */
static void ring_empty_nonblock_eagain(struct kunit *test)
{
	struct npev_user *u = npt_user(test);
	u32 buf[4];

	/* No port bound yet: no ring at all. */
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, sizeof(buf)),
			(ssize_t)-EAGAIN);
	KUNIT_EXPECT_EQ(test, npt_poll(u), NPT_POLL_IDLE);
	npev_reset(u);
	npt_bind_ports(test, u, 1);
	KUNIT_EXPECT_EQ(test, npev_fake_read(u, buf, sizeof(buf)),
			(ssize_t)-EAGAIN);
	KUNIT_EXPECT_EQ(test, npt_poll(u), NPT_POLL_IDLE);
}

struct npt_irq_timer {
	struct hrtimer timer;
	u32 port;
	bool delivered;
};

static enum hrtimer_restart npt_irq_timer_fn(struct hrtimer *t)
{
	struct npt_irq_timer *it = container_of(t, struct npt_irq_timer, timer);

	WRITE_ONCE(it->delivered, npev_fake_fire(it->port));
	return HRTIMER_NORESTART;
}

/* A blocking read sleeps until an event arrives in interrupt context. */
static void ring_blocking_read_woken_from_irq(struct kunit *test)
{
	struct npev_user *u = npt_user(test);
	struct npt_irq_timer it = { .port = 2 };
	u32 buf[4] = { };

	npt_bind_ports(test, u, 2);
	hrtimer_init_on_stack(&it.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	it.timer.function = npt_irq_timer_fn;
	hrtimer_start(&it.timer, ms_to_ktime(20), HRTIMER_MODE_REL);

	KUNIT_EXPECT_EQ(test, npev_read(u, npev_fake_read_copy, buf,
					sizeof(buf), false), (ssize_t)4);
	hrtimer_cancel(&it.timer);
	destroy_hrtimer_on_stack(&it.timer);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(it.delivered));
	KUNIT_EXPECT_EQ(test, buf[0], 2U);
}

static struct kunit_case npev_ring_cases[] = {
	KUNIT_CASE(ring_fill_then_overflow),
	KUNIT_CASE(ring_reset_recovers),
	KUNIT_CASE(ring_read_small_counts),
	KUNIT_CASE(ring_partial_reads_keep_order),
	KUNIT_CASE(ring_grows_preserving_order_across_wrap),
	KUNIT_CASE(ring_grows_in_powers_of_two),
	KUNIT_CASE(ring_holds_every_bound_port),
	KUNIT_CASE(ring_eoi_rearms_and_spurious_counted),
	KUNIT_CASE(ring_read_efault_consumes_nothing),
	KUNIT_CASE(ring_empty_nonblock_eagain),
	KUNIT_CASE(ring_blocking_read_woken_from_irq),
	{}
};

static struct kunit_suite npev_ring_suite = {
	.name = "nopanic_evtchn_ring",
	.init = npev_fake_case_init,
	.test_cases = npev_ring_cases,
};

kunit_test_suite(npev_ring_suite);
