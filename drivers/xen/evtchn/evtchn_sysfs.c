// SPDX-License-Identifier: GPL-2.0-only
/*
 * The counters of evtchn_core.h, one read-only file each, in the group
 * "nopanic" of the misc device:
 *
 *   /sys/class/misc/xen!evtchn/nopanic/<counter>
 *
 * Attributes of the device rather than of the module, so that they exist
 * the same way when the driver is built into the kernel.
 */

#include <linux/device.h>
#include <linux/kernel.h>

#include "evtchn_core.h"
#include "evtchn_sysfs.h"

struct npev_stat_attr {
	struct device_attribute dattr;
	enum npev_stat stat;
};

static ssize_t npev_stat_show(struct device *dev,
			      struct device_attribute *dattr, char *buf)
{
	struct npev_stat_attr *a = container_of(dattr, struct npev_stat_attr,
						dattr);

	return sysfs_emit(buf, "%ld\n", atomic_long_read(&npev_stats[a->stat]));
}

static struct npev_stat_attr npev_stat_attrs[NPEV_STAT_NR];
static struct attribute *npev_attrs[NPEV_STAT_NR + 1];

static const struct attribute_group npev_stats_group = {
	.name	= "nopanic",
	.attrs	= npev_attrs,
};

const struct attribute_group *npev_sysfs_groups[] = {
	&npev_stats_group,
	NULL,
};

/* Fill in the attributes from the counter names; before misc_register(). */
void npev_sysfs_init(void)
{
	int i;

	for (i = 0; i < NPEV_STAT_NR; i++) {
		struct npev_stat_attr *a = &npev_stat_attrs[i];

		sysfs_attr_init(&a->dattr.attr);
		a->dattr.attr.name = npev_stat_names[i];
		a->dattr.attr.mode = 0444;
		a->dattr.show = npev_stat_show;
		a->stat = i;
		npev_attrs[i] = &a->dattr.attr;
	}
}
