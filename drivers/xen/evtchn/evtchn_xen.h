/* SPDX-License-Identifier: GPL-2.0-only */
/* The Xen backend of the per-user core (evtchn_xen.c). */
#ifndef NOPANIC_EVTCHN_XEN_H
#define NOPANIC_EVTCHN_XEN_H

#include "evtchn_core.h"

extern const struct npev_ops npev_xen_ops;

bool npev_xen_present(void);
void npev_xen_init(void);
void npev_xen_exit(void);

#endif /* NOPANIC_EVTCHN_XEN_H */
