/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For a KUnit tree that carries patches/<line>/net as well: one UML build
 * runs both the module's suites (nopanic_skb_guard*) and the in-tree
 * suite of the series (skb_guard). The series declares in
 * <linux/skbuff.h>, and defines in net/core/skbuff.c, the names that
 * <nopanic/skb_guard.h> and drivers/net/skb_guard/skb_guard.c use for the
 * module. kunit/Kbuild force-includes this header into our objects in
 * such a tree only: the kernel's declarations are read first, under their
 * own names, and the module's copy is then compiled under other names, so
 * that the module's suites still test the module's code. Never part of
 * the DKMS payload.
 */
#ifndef NOPANIC_SKB_GUARD_RENAME_H
#define NOPANIC_SKB_GUARD_RENAME_H

#include <linux/skbuff.h>

/* The kernel's macros, replaced by the module's when it defines them. */
#undef skb_guard_put
#undef skb_guard_put_data
#undef skb_guard_put_zero
#undef skb_guard_put_data_or_drop

#define skb_guard_reason	nopanic_skb_guard_reason
#define SKB_GUARD_NONLINEAR	NOPANIC_SKB_GUARD_NONLINEAR
#define SKB_GUARD_TAILROOM	NOPANIC_SKB_GUARD_TAILROOM
#define SKB_GUARD_NR_REASONS	NOPANIC_SKB_GUARD_NR_REASONS
#define skb_guard_refused	nopanic_skb_guard_refused
#define skb_guard_drop		nopanic_skb_guard_drop
#define skb_guard_reason_count	nopanic_skb_guard_reason_count
#define skb_guard_room		nopanic_skb_guard_room
#define __skb_guard_put		nopanic___skb_guard_put

#endif /* NOPANIC_SKB_GUARD_RENAME_H */
