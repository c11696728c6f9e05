/* SPDX-License-Identifier: GPL-2.0-only */
/* The module's counters as sysfs attributes of the misc device. */
#ifndef NOPANIC_EVTCHN_SYSFS_H
#define NOPANIC_EVTCHN_SYSFS_H

#include <linux/sysfs.h>

extern const struct attribute_group *npev_sysfs_groups[];

void npev_sysfs_init(void);

#endif /* NOPANIC_EVTCHN_SYSFS_H */
