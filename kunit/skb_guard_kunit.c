// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite nopanic_skb_guard: the checked skb_put() family of
 * include/nopanic/skb_guard.h and its refusal path,
 * drivers/net/skb_guard/skb_guard.c, linked in by scripts/tiers/kunit.sh.
 *
 * A refused put must leave the skb exactly as it was (every field of the
 * struct, its shared info and every byte of its buffer are compared with a
 * snapshot), and count once: per reason, per calling site and, when
 * skb->dev is set, in the device's rx_errors and rx_length_errors. The
 * drop helpers add rx_dropped and free the skb (KASAN watches the free).
 *
 * The counters are module-wide, so every case compares deltas.
 */
#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/gfp.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <nopanic/skb_guard.h>

#define SGT_SIZE	256	/* asked of alloc_skb(); the tailroom is more */
#define SGT_HEADROOM	32
#define SGT_FILL	0xa5	/* every buffer byte before a case starts */
#define SGT_SKBS	4
#define SGT_FRAG	100	/* bytes in the page fragment */

struct sgt_ctx {
	struct net_device *dev;
	struct sk_buff *skbs[SGT_SKBS];	/* freed by sgt_exit() */
};

/* dev_get_stats() calls through netdev_ops: an empty table reads dev->stats. */
static const struct net_device_ops sgt_netdev_ops;

static int sgt_init(struct kunit *test)
{
	struct sgt_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	test->priv = ctx;
	return 0;
}

static void sgt_exit(struct kunit *test)
{
	struct sgt_ctx *ctx = test->priv;
	int i;

	for (i = 0; i < SGT_SKBS; i++)
		kfree_skb(ctx->skbs[i]);
	if (ctx->dev)
		free_netdev(ctx->dev);
}

static void sgt_keep(struct kunit *test, struct sk_buff *skb)
{
	struct sgt_ctx *ctx = test->priv;
	int i;

	for (i = 0; i < SGT_SKBS; i++) {
		if (!ctx->skbs[i]) {
			ctx->skbs[i] = skb;
			return;
		}
	}
	kfree_skb(skb);
	KUNIT_ASSERT_FAILURE(test, "more than %d skbs in one case", SGT_SKBS);
}

/* @skb was freed by the code under test: sgt_exit() must not free it. */
static void sgt_forget(struct kunit *test, struct sk_buff *skb)
{
	struct sgt_ctx *ctx = test->priv;
	int i;

	for (i = 0; i < SGT_SKBS; i++)
		if (ctx->skbs[i] == skb)
			ctx->skbs[i] = NULL;
}

/* A linear skb with headroom, @data bytes of data, the rest SGT_FILL. */
static struct sk_buff *sgt_skb(struct kunit *test, unsigned int data)
{
	struct sk_buff *skb = alloc_skb(SGT_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	sgt_keep(test, skb);
	memset(skb->head, SGT_FILL, skb_end_offset(skb));
	skb_reserve(skb, SGT_HEADROOM);
	if (data)
		memset(skb_put(skb, data), 0x11, data);
	return skb;
}

/* An skb with @data linear bytes and one page fragment: data_len != 0. */
static struct sk_buff *sgt_nonlinear_skb(struct kunit *test, unsigned int data)
{
	struct sk_buff *skb = sgt_skb(test, data);
	struct page *page = alloc_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, page);
	skb_add_rx_frag(skb, 0, page, 0, SGT_FRAG, PAGE_SIZE);
	KUNIT_ASSERT_TRUE(test, skb_is_nonlinear(skb));
	return skb;
}

/* A net_device as a driver has it before register_netdev(). */
static struct net_device *sgt_dev(struct kunit *test)
{
	struct sgt_ctx *ctx = test->priv;

	ctx->dev = alloc_etherdev(0);
	KUNIT_ASSERT_NOT_NULL(test, ctx->dev);
	ctx->dev->netdev_ops = &sgt_netdev_ops;
	return ctx->dev;
}

/* --- the skb unchanged after a refusal ----------------------------------- */

struct sgt_snap {
	struct sk_buff skb;
	struct skb_shared_info shinfo;
	unsigned int buf_len;
	u8 *buf;
};

static struct sgt_snap *sgt_snap(struct kunit *test, const struct sk_buff *skb)
{
	struct sgt_snap *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->buf_len = skb_end_offset(skb);
	s->buf = kunit_kmalloc(test, s->buf_len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->buf);
	memcpy(&s->skb, skb, sizeof(*skb));
	memcpy(&s->shinfo, skb_shinfo(skb), sizeof(s->shinfo));
	memcpy(s->buf, skb->head, s->buf_len);
	return s;
}

/* Every field, the shared info and every buffer byte as in @s. */
static void __sgt_expect_unchanged(struct kunit *test,
				   const struct sk_buff *skb,
				   const struct sgt_snap *s, int line)
{
	KUNIT_EXPECT_EQ_MSG(test, skb->len, s->skb.len, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, skb->data_len, s->skb.data_len,
			    "line %d", line);
	KUNIT_EXPECT_PTR_EQ_MSG(test, skb_tail_pointer(skb),
				skb_tail_pointer(&s->skb), "line %d", line);
	KUNIT_EXPECT_PTR_EQ_MSG(test, skb->data, s->skb.data, "line %d", line);
	KUNIT_EXPECT_PTR_EQ_MSG(test, skb->head, s->skb.head, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, skb_end_offset(skb), skb_end_offset(&s->skb),
			    "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, skb->truesize, s->skb.truesize,
			    "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(skb, &s->skb, sizeof(*skb)), 0,
			    "line %d: struct sk_buff changed", line);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(skb_shinfo(skb), &s->shinfo,
					 sizeof(s->shinfo)), 0,
			    "line %d: skb_shared_info changed", line);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(skb->head, s->buf, s->buf_len), 0,
			    "line %d: buffer bytes changed", line);
}

#define sgt_expect_unchanged(test, skb, s) \
	__sgt_expect_unchanged(test, skb, s, __LINE__)

/* --- counters ------------------------------------------------------------- */

struct sgt_counts {
	long reason[SKB_GUARD_NR_REASONS];
	u64 rx_errors;
	u64 rx_length_errors;
	u64 rx_dropped;
};

static void sgt_counts(struct kunit *test, struct sgt_counts *c)
{
	struct sgt_ctx *ctx = test->priv;
	struct rtnl_link_stats64 st;
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < SKB_GUARD_NR_REASONS; i++)
		c->reason[i] = skb_guard_reason_count(i);
	if (ctx->dev) {
		dev_get_stats(ctx->dev, &st);
		c->rx_errors = st.rx_errors;
		c->rx_length_errors = st.rx_length_errors;
		c->rx_dropped = st.rx_dropped;
	}
}

/* Deltas since @before: per reason, then the device's counters. */
static void __sgt_expect_delta(struct kunit *test,
			       const struct sgt_counts *before,
			       long d_nonlinear, long d_tailroom,
			       u64 d_errors, u64 d_dropped, int line)
{
	struct sgt_counts now;

	sgt_counts(test, &now);
	KUNIT_EXPECT_EQ_MSG(test, now.reason[SKB_GUARD_NONLINEAR] -
			    before->reason[SKB_GUARD_NONLINEAR], d_nonlinear,
			    "line %d: nonlinear refusals", line);
	KUNIT_EXPECT_EQ_MSG(test, now.reason[SKB_GUARD_TAILROOM] -
			    before->reason[SKB_GUARD_TAILROOM], d_tailroom,
			    "line %d: tailroom refusals", line);
	KUNIT_EXPECT_EQ_MSG(test, now.rx_errors - before->rx_errors, d_errors,
			    "line %d: rx_errors", line);
	KUNIT_EXPECT_EQ_MSG(test, now.rx_length_errors -
			    before->rx_length_errors, d_errors,
			    "line %d: rx_length_errors", line);
	KUNIT_EXPECT_EQ_MSG(test, now.rx_dropped - before->rx_dropped,
			    d_dropped, "line %d: rx_dropped", line);
}

#define sgt_expect_delta(test, before, d_nonlinear, d_tailroom, d_errors, \
			 d_dropped)					\
	__sgt_expect_delta(test, before, d_nonlinear, d_tailroom,	\
			   d_errors, d_dropped, __LINE__)

/* --- cases ---------------------------------------------------------------- */

/* A put of exactly the tailroom fits, as skb_put() would, and leaves 0. */
static void sgt_exact_fit(struct kunit *test)
{
	struct sk_buff *skb = sgt_skb(test, 10);
	struct sk_buff *ref = sgt_skb(test, 10);
	unsigned int room = skb_tailroom(skb);
	unsigned char *tail = skb_tail_pointer(skb);
	struct sgt_counts before;
	void *p;

	KUNIT_ASSERT_GT(test, room, 0U);
	KUNIT_EXPECT_EQ(test, skb_guard_room(skb), (s64)room);
	sgt_counts(test, &before);

	p = skb_guard_put(skb, room);
	KUNIT_EXPECT_PTR_EQ(test, p, (void *)tail);
	KUNIT_EXPECT_EQ(test, skb_tailroom(skb), 0);
	KUNIT_EXPECT_EQ(test, skb_guard_room(skb), 0LL);
	KUNIT_EXPECT_EQ(test, skb->len, 10U + room);
	KUNIT_EXPECT_PTR_EQ(test, skb_tail_pointer(skb), skb_end_pointer(skb));

	/* the same as skb_put() on an identical skb */
	KUNIT_EXPECT_EQ(test, (long)((unsigned char *)skb_put(ref, room) -
				     ref->head),
			(long)((unsigned char *)p - skb->head));
	KUNIT_EXPECT_EQ(test, ref->len, skb->len);
	KUNIT_EXPECT_EQ(test, ref->tail, skb->tail);

	/* full, an empty put still fits (skb_put(skb, 0) does too) */
	KUNIT_EXPECT_PTR_EQ(test, skb_guard_put(skb, 0),
			    (void *)skb_end_pointer(skb));
	KUNIT_EXPECT_EQ(test, skb->len, 10U + room);
	sgt_expect_delta(test, &before, 0, 0, 0, 0);
}

/* One byte more than the tailroom: NULL, the skb exactly as it was. */
static void sgt_one_over(struct kunit *test)
{
	struct sk_buff *skb = sgt_skb(test, 10);
	unsigned int room = skb_tailroom(skb);
	struct sgt_counts before;
	struct sgt_snap *snap;
	u8 *src;

	src = kunit_kmalloc(test, room + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	memset(src, 0x5a, room + 1);
	snap = sgt_snap(test, skb);
	sgt_counts(test, &before);

	KUNIT_EXPECT_NULL(test, skb_guard_put(skb, room + 1));
	sgt_expect_unchanged(test, skb, snap);
	KUNIT_EXPECT_NULL(test, skb_guard_put_data(skb, src, room + 1));
	sgt_expect_unchanged(test, skb, snap);
	KUNIT_EXPECT_NULL(test, skb_guard_put_zero(skb, room + 1));
	sgt_expect_unchanged(test, skb, snap);
	sgt_expect_delta(test, &before, 0, 3, 0, 0);

	/* and the exact fit still works afterwards */
	KUNIT_EXPECT_NOT_NULL(test, skb_guard_put(skb, room));
	KUNIT_EXPECT_EQ(test, skb_tailroom(skb), 0);
	snap = sgt_snap(test, skb);
	KUNIT_EXPECT_NULL(test, skb_guard_put(skb, 1));
	sgt_expect_unchanged(test, skb, snap);
	sgt_expect_delta(test, &before, 0, 4, 0, 0);
}

/* An empty put fits any linear skb and is refused on a non-linear one. */
static void sgt_zero_len(struct kunit *test)
{
	struct sk_buff *skb = sgt_skb(test, 0);
	struct sk_buff *nl = sgt_nonlinear_skb(test, 20);
	unsigned char *tail = skb_tail_pointer(skb);
	struct sgt_counts before;
	struct sgt_snap *snap;
	u8 src[1] = { 0x77 };

	sgt_counts(test, &before);
	KUNIT_EXPECT_PTR_EQ(test, skb_guard_put(skb, 0), (void *)tail);
	KUNIT_EXPECT_PTR_EQ(test, skb_guard_put_data(skb, src, 0),
			    (void *)tail);
	KUNIT_EXPECT_PTR_EQ(test, skb_guard_put_zero(skb, 0), (void *)tail);
	KUNIT_EXPECT_EQ(test, skb->len, 0U);
	KUNIT_EXPECT_PTR_EQ(test, skb_tail_pointer(skb), tail);
	KUNIT_EXPECT_EQ(test, *tail, (u8)SGT_FILL);
	sgt_expect_delta(test, &before, 0, 0, 0, 0);

	snap = sgt_snap(test, nl);
	KUNIT_EXPECT_NULL(test, skb_guard_put(nl, 0));
	KUNIT_EXPECT_NULL(test, skb_guard_put_data(nl, src, 0));
	KUNIT_EXPECT_NULL(test, skb_guard_put_zero(nl, 0));
	sgt_expect_unchanged(test, nl, snap);
	sgt_expect_delta(test, &before, 3, 0, 0, 0);
}

/*
 * Lengths near the top of unsigned int, and lengths that make a 32-bit
 * tail + len or len + len wrap to a value inside the buffer (where a
 * naive "skb->tail + len <= skb->end" in u32 would let them through). The
 * guard compares in 64 bits: all refused, nothing read from @src.
 */
static void sgt_huge(struct kunit *test)
{
	struct sk_buff *skb = sgt_skb(test, 10);
	unsigned int room = skb_tailroom(skb);
	unsigned int tail = skb_tail_pointer(skb) - skb->head;
	unsigned int lens[] = {
		UINT_MAX,
		INT_MAX + 1U,
		INT_MAX,
		(unsigned int)-SGT_SIZE,
		0U - room,		/* tailroom + len == 2^32 */
		0U - room + 1,		/* tailroom + len == 2^32 + 1 */
		0U - tail,		/* tail + len == 2^32, wraps to 0 */
		0U - tail + 1,		/* tail + len wraps to 1 */
		0U - tail + tail / 2,	/* wraps to tail / 2: "fits" in u32 */
		0U - skb->len,		/* len + len wraps to 0 */
		0U - skb->len + 5,
		room + 1 + (UINT_MAX - room) / 2,
	};
	struct sgt_counts before;
	struct sgt_snap *snap;
	u8 src[8] = { 0 };
	unsigned int i;

	KUNIT_ASSERT_GT(test, tail, 1U);
	snap = sgt_snap(test, skb);
	sgt_counts(test, &before);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		KUNIT_ASSERT_GT(test, lens[i], room);
		KUNIT_EXPECT_GT(test, (s64)lens[i], skb_guard_room(skb));
		KUNIT_EXPECT_NULL_MSG(test, skb_guard_put(skb, lens[i]),
				      "len %u", lens[i]);
		KUNIT_EXPECT_NULL_MSG(test,
				      skb_guard_put_data(skb, src, lens[i]),
				      "len %u", lens[i]);
		KUNIT_EXPECT_NULL_MSG(test, skb_guard_put_zero(skb, lens[i]),
				      "len %u", lens[i]);
		sgt_expect_unchanged(test, skb, snap);
	}
	sgt_expect_delta(test, &before, 0, 3 * ARRAY_SIZE(lens), 0, 0);
}

/* Paged data: the tail is not the end of the data, every put refused. */
static void sgt_nonlinear(struct kunit *test)
{
	struct sk_buff *skb = sgt_nonlinear_skb(test, 64);
	struct sgt_counts before;
	struct sgt_snap *snap;
	u8 src[16];

	memset(src, 0x3c, sizeof(src));
	KUNIT_EXPECT_EQ(test, skb->data_len, (unsigned int)SGT_FRAG);
	KUNIT_EXPECT_EQ(test, skb->len, 64U + SGT_FRAG);
	KUNIT_EXPECT_EQ(test, skb_guard_room(skb), -1LL);
	/* there is room in the linear part: the reason is the fragment */
	KUNIT_EXPECT_GT(test, (unsigned int)(skb_end_pointer(skb) -
					     skb_tail_pointer(skb)), 16U);

	snap = sgt_snap(test, skb);
	sgt_counts(test, &before);
	KUNIT_EXPECT_NULL(test, skb_guard_put(skb, 1));
	KUNIT_EXPECT_NULL(test, skb_guard_put_data(skb, src, sizeof(src)));
	KUNIT_EXPECT_NULL(test, skb_guard_put_zero(skb, sizeof(src)));
	KUNIT_EXPECT_NULL(test, skb_guard_put(skb, UINT_MAX));
	sgt_expect_unchanged(test, skb, snap);
	sgt_expect_delta(test, &before, 4, 0, 0, 0);
}

/*
 * A clone shares the buffer but has its own len and tail: a refused put on
 * either leaves both as they were; a fitting put on the clone moves only
 * the clone's len and tail (what skb_put() on a clone does).
 */
static void sgt_cloned(struct kunit *test)
{
	struct sk_buff *skb = sgt_skb(test, 20);
	struct sk_buff *clone = skb_clone(skb, GFP_KERNEL);
	struct sgt_snap *s_skb, *s_clone;
	struct sgt_counts before;
	unsigned int room;
	u8 src[10];
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, clone);
	sgt_keep(test, clone);
	KUNIT_EXPECT_TRUE(test, skb_cloned(skb));
	KUNIT_EXPECT_TRUE(test, skb_cloned(clone));
	room = skb_tailroom(clone);
	KUNIT_EXPECT_EQ(test, room, (unsigned int)skb_tailroom(skb));

	s_skb = sgt_snap(test, skb);
	s_clone = sgt_snap(test, clone);
	sgt_counts(test, &before);
	KUNIT_EXPECT_NULL(test, skb_guard_put(clone, room + 1));
	KUNIT_EXPECT_NULL(test, skb_guard_put(skb, room + 1));
	sgt_expect_unchanged(test, clone, s_clone);
	sgt_expect_unchanged(test, skb, s_skb);
	sgt_expect_delta(test, &before, 0, 2, 0, 0);

	memset(src, 0x42, sizeof(src));
	p = skb_guard_put_data(clone, src, sizeof(src));
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, p, (void *)skb_tail_pointer(&s_clone->skb));
	KUNIT_EXPECT_EQ(test, clone->len, 30U);
	KUNIT_EXPECT_EQ(test, clone->tail, s_clone->skb.tail + 10);
	KUNIT_EXPECT_EQ(test, skb_tailroom(clone), (int)room - 10);
	KUNIT_EXPECT_EQ(test, memcmp(p, src, sizeof(src)), 0);
	/* the original: every field as it was */
	KUNIT_EXPECT_EQ(test, skb->len, 20U);
	KUNIT_EXPECT_EQ(test, skb->tail, s_skb->skb.tail);
	KUNIT_EXPECT_EQ(test, (unsigned int)skb_tailroom(skb), room);
	KUNIT_EXPECT_EQ(test, memcmp(skb, &s_skb->skb, sizeof(*skb)), 0);
	sgt_expect_delta(test, &before, 0, 2, 0, 0);
}

/* One refusal, one count, under its own reason only. */
static void sgt_reason_counts(struct kunit *test)
{
	struct sk_buff *skb = sgt_skb(test, 0);
	struct sk_buff *nl = sgt_nonlinear_skb(test, 0);
	struct sgt_counts before;

	KUNIT_EXPECT_EQ(test, skb_guard_reason_count(SKB_GUARD_NR_REASONS), 0L);

	sgt_counts(test, &before);
	KUNIT_EXPECT_NULL(test, skb_guard_put(skb, skb_tailroom(skb) + 1));
	sgt_expect_delta(test, &before, 0, 1, 0, 0);

	sgt_counts(test, &before);
	KUNIT_EXPECT_NULL(test, skb_guard_put(nl, 1));
	sgt_expect_delta(test, &before, 1, 0, 0, 0);

	/* fitting puts count nothing */
	sgt_counts(test, &before);
	KUNIT_EXPECT_NOT_NULL(test, skb_guard_put(skb, 1));
	sgt_expect_delta(test, &before, 0, 0, 0, 0);
}

/*
 * The sites with a count for @reason inside the function @fn: every address
 * that %ps resolves to @fn's name, from its start on. The site counters can
 * only be read by address, and the address is the _THIS_IP_ of the call.
 */
static unsigned int sgt_sites_in(struct kunit *test, void *fn,
				 enum skb_guard_reason reason,
				 unsigned long *sites, unsigned long *counts,
				 unsigned int max)
{
	char *name = kunit_kzalloc(test, KSYM_SYMBOL_LEN, GFP_KERNEL);
	char *here = kunit_kzalloc(test, KSYM_SYMBOL_LEN, GFP_KERNEL);
	unsigned long a, end = (unsigned long)fn + SZ_64K;
	unsigned int n = 0;

	KUNIT_ASSERT_NOT_NULL(test, name);
	KUNIT_ASSERT_NOT_NULL(test, here);
	snprintf(name, KSYM_SYMBOL_LEN, "%ps", fn);
	for (a = (unsigned long)fn; a < end; a++) {
		snprintf(here, KSYM_SYMBOL_LEN, "%ps", (void *)a);
		if (strcmp(here, name))
			break;
		counts[n] = skb_guard_site_count(a, reason);
		if (counts[n]) {
			sites[n] = a;
			if (++n == max)
				break;
		}
	}
	return n;
}

/*
 * Two call sites in this function: two site entries, one refusal each,
 * each resolving with %pS to this function. Nothing counted under the
 * other reason at these sites.
 */
static void sgt_sites(struct kunit *test)
{
	struct sk_buff *skb = sgt_skb(test, 0);
	unsigned int room = skb_tailroom(skb);
	char *buf = kunit_kzalloc(test, KSYM_SYMBOL_LEN, GFP_KERNEL);
	unsigned long sites[4], counts[4];
	unsigned int n, i;

	KUNIT_ASSERT_NOT_NULL(test, buf);

	KUNIT_EXPECT_EQ(test, sgt_sites_in(test, sgt_sites, SKB_GUARD_TAILROOM,
					   sites, counts, 4), 0U);

	KUNIT_EXPECT_NULL(test, skb_guard_put(skb, room + 1));	/* site A */
	KUNIT_EXPECT_NULL(test, skb_guard_put_zero(skb, room + 2)); /* site B */

	n = sgt_sites_in(test, sgt_sites, SKB_GUARD_TAILROOM, sites, counts, 4);
	KUNIT_EXPECT_EQ(test, n, 2U);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, counts[i], 1UL);
		KUNIT_EXPECT_EQ(test,
				skb_guard_site_count(sites[i],
						     SKB_GUARD_NONLINEAR),
				0UL);
		snprintf(buf, KSYM_SYMBOL_LEN, "%pS", (void *)sites[i]);
		kunit_info(test, "site %u: %s\n", i, buf);
		/* "<this function>+0x<offset>/<size>" */
		KUNIT_EXPECT_TRUE_MSG(test, strstarts(buf, __func__) &&
				      buf[strlen(__func__)] == '+',
				      "site %u resolves to %s", i, buf);
	}
	if (n == 2)
		KUNIT_EXPECT_NE(test, sites[0], sites[1]);

	/* an explicit caller is counted as given, per reason */
	KUNIT_EXPECT_NULL(test, __skb_guard_put(skb, room + 1,
						(unsigned long)sgt_sites_in));
	KUNIT_EXPECT_NULL(test, __skb_guard_put(skb, room + 1,
						(unsigned long)sgt_sites_in));
	KUNIT_EXPECT_EQ(test, skb_guard_site_count((unsigned long)sgt_sites_in,
						   SKB_GUARD_TAILROOM), 2UL);
	KUNIT_EXPECT_EQ(test, skb_guard_site_count((unsigned long)sgt_sites_in,
						   SKB_GUARD_NONLINEAR), 0UL);
}

/* skb->dev set: the refusal shows in rx_errors and rx_length_errors. */
static void sgt_device_counters(struct kunit *test)
{
	struct net_device *dev = sgt_dev(test);
	struct sk_buff *skb = sgt_skb(test, 0);
	struct sk_buff *nodev = sgt_skb(test, 0);
	struct page *page = alloc_page(GFP_KERNEL);
	struct sgt_counts before;

	KUNIT_ASSERT_NOT_NULL(test, page);
	skb->dev = dev;
	sgt_counts(test, &before);
	KUNIT_EXPECT_NULL(test, skb_guard_put(skb, skb_tailroom(skb) + 1));
	sgt_expect_delta(test, &before, 0, 1, 1, 0);

	/* a non-linear refusal counts as a length error too */
	skb_add_rx_frag(skb, 0, page, 0, SGT_FRAG, PAGE_SIZE);
	KUNIT_EXPECT_NULL(test, skb_guard_put(skb, 1));
	sgt_expect_delta(test, &before, 1, 1, 2, 0);

	/* no device: the module counters only */
	KUNIT_EXPECT_NULL(test, skb_guard_put(nodev, skb_tailroom(nodev) + 1));
	sgt_expect_delta(test, &before, 1, 2, 2, 0);

	/* the drop: rx_dropped, and the skb is freed */
	skb_guard_drop(skb);
	sgt_forget(test, skb);
	sgt_expect_delta(test, &before, 1, 2, 2, 1);
	skb_guard_drop(nodev);
	sgt_forget(test, nodev);
	sgt_expect_delta(test, &before, 1, 2, 2, 1);
}

/* put_data copies the bytes, put_zero zeroes them, nothing past them. */
static void sgt_put_data_zero(struct kunit *test)
{
	struct sk_buff *skb = sgt_skb(test, 4);
	struct sgt_counts before;
	u8 src[64], *p, *q;
	unsigned int i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = i * 7 + 1;
	sgt_counts(test, &before);

	p = skb_guard_put_data(skb, src, sizeof(src));
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, p, (u8 *)skb->data + 4);
	KUNIT_EXPECT_EQ(test, memcmp(p, src, sizeof(src)), 0);
	KUNIT_EXPECT_EQ(test, skb->len, 4U + sizeof(src));
	KUNIT_EXPECT_EQ(test, p[sizeof(src)], (u8)SGT_FILL);

	q = skb_guard_put_zero(skb, 32);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_EQ(test, q, p + sizeof(src));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(q, 0, 32));
	KUNIT_EXPECT_EQ(test, q[32], (u8)SGT_FILL);
	KUNIT_EXPECT_EQ(test, memcmp(p, src, sizeof(src)), 0);
	KUNIT_EXPECT_EQ(test, skb->len, 4U + sizeof(src) + 32);
	sgt_expect_delta(test, &before, 0, 0, 0, 0);
}

/*
 * The one-call receive helper: true and the bytes in place when they fit;
 * false, counted (rx_length_errors, rx_errors, rx_dropped) and the skb
 * freed when they do not (KASAN reports any use after that free).
 */
static void sgt_put_data_or_drop(struct kunit *test)
{
	struct net_device *dev = sgt_dev(test);
	struct sk_buff *skb = sgt_skb(test, 0);
	struct sk_buff *nodev = sgt_skb(test, 0);
	unsigned int room = skb_tailroom(skb);
	struct sgt_counts before;
	u8 *src;

	src = kunit_kmalloc(test, room + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	memset(src, 0x6b, room + 1);
	skb->dev = dev;
	sgt_counts(test, &before);

	KUNIT_EXPECT_TRUE(test, skb_guard_put_data_or_drop(skb, src, 100));
	KUNIT_EXPECT_EQ(test, skb->len, 100U);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, src, 100), 0);
	sgt_expect_delta(test, &before, 0, 0, 0, 0);

	KUNIT_EXPECT_FALSE(test, skb_guard_put_data_or_drop(skb, src,
							    room - 99));
	sgt_forget(test, skb);		/* freed: KASAN reports any later use */
	sgt_expect_delta(test, &before, 0, 1, 1, 1);

	/* without a device: counted per reason, freed */
	KUNIT_EXPECT_FALSE(test, skb_guard_put_data_or_drop(nodev, src,
							    UINT_MAX));
	sgt_forget(test, nodev);
	sgt_expect_delta(test, &before, 0, 2, 1, 1);
}

static struct kunit_case sgt_cases[] = {
	KUNIT_CASE(sgt_exact_fit),
	KUNIT_CASE(sgt_one_over),
	KUNIT_CASE(sgt_zero_len),
	KUNIT_CASE(sgt_huge),
	KUNIT_CASE(sgt_nonlinear),
	KUNIT_CASE(sgt_cloned),
	KUNIT_CASE(sgt_reason_counts),
	KUNIT_CASE(sgt_sites),
	KUNIT_CASE(sgt_device_counters),
	KUNIT_CASE(sgt_put_data_zero),
	KUNIT_CASE(sgt_put_data_or_drop),
	{}
};

static struct kunit_suite sgt_suite = {
	.name = "nopanic_skb_guard",
	.init = sgt_init,
	.exit = sgt_exit,
	.test_cases = sgt_cases,
};

kunit_test_suites(&sgt_suite);

MODULE_LICENSE("GPL");
