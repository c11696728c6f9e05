// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/xen/evtchn: the device front end. File operations, ioctl decoding
 * and copies to and from user space; everything else is the per-user core
 * (evtchn_core.c) running on the Xen backend (evtchn_xen.c).
 *
 * A drop-in replacement for the in-tree xen_evtchn module: the same ABI
 * (include/uapi/xen/evtchn.h) and the same errno for the same misuse, with
 * per-file bookkeeping that never crashes the kernel.
 */

#define pr_fmt(fmt) "xen_evtchn: " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <xen/xen.h>
/* domid_t, which the uapi header uses: xen.h has it only with XEN_DOM0. */
#include <xen/interface/xen.h>
#include <xen/evtchn.h>

#include "evtchn_core.h"
#include "evtchn_sysfs.h"
#include "evtchn_xen.h"

#define NOPANIC_EVTCHN_VERSION	"0.2.1"

/*
 * Ports one restricted file may bind. A file restricted to one domain
 * (IOCTL_EVTCHN_RESTRICT_DOMID) belongs to a deprivileged device model,
 * which binds a few ports per vCPU of its guest: 4096 is plenty, and one
 * such opener can take no more than 1/32 of the 131072 ports of the FIFO
 * interface. Trusted openers are not limited, as with the in-tree driver
 * (xenstored keeps one port per domain). Read at open().
 */
static unsigned int max_user_ports = 4096;
module_param(max_user_ports, uint, 0644);
MODULE_PARM_DESC(max_user_ports,
		 "Event channels one restricted file may bind (default 4096)");

struct npev_ubuf {
	char __user *buf;
};

static int npev_copy_to_user(void *ctx, size_t off, const void *src,
			     size_t len)
{
	struct npev_ubuf *ub = ctx;

	return copy_to_user(ub->buf + off, src, len) ? -EFAULT : 0;
}

static ssize_t evtchn_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct npev_ubuf ub = { .buf = buf };

	return npev_read(file->private_data, npev_copy_to_user, &ub, count,
			 file->f_flags & O_NONBLOCK);
}

/* Ports written back are re-enabled (EOI); unknown ports are ignored. */
static ssize_t evtchn_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	u32 *ports;

	count = min_t(size_t, count, PAGE_SIZE) & ~(sizeof(u32) - 1);
	if (!count)
		return 0;

	ports = memdup_user(buf, count);
	if (IS_ERR(ports))
		return PTR_ERR(ports);
	npev_eoi(file->private_data, ports, count / sizeof(u32));
	kfree(ports);
	return count;
}

static long evtchn_ioctl_bind_virq(struct npev_user *u, void __user *uarg)
{
	struct ioctl_evtchn_bind_virq bind;

	/* Checked before the copy, in the in-tree driver's order. */
	if (npev_is_restricted(u))
		return -EACCES;
	if (copy_from_user(&bind, uarg, sizeof(bind)))
		return -EFAULT;
	return npev_bind_virq(u, bind.virq);
}

static long evtchn_ioctl_bind_interdomain(struct npev_user *u,
					  void __user *uarg)
{
	struct ioctl_evtchn_bind_interdomain bind;

	if (copy_from_user(&bind, uarg, sizeof(bind)))
		return -EFAULT;
	return npev_bind_interdomain(u, bind.remote_domain, bind.remote_port);
}

static long evtchn_ioctl_bind_unbound(struct npev_user *u, void __user *uarg)
{
	struct ioctl_evtchn_bind_unbound_port bind;

	if (npev_is_restricted(u))
		return -EACCES;
	if (copy_from_user(&bind, uarg, sizeof(bind)))
		return -EFAULT;
	return npev_bind_unbound(u, bind.remote_domain);
}

#ifdef NOPANIC_HAVE_BIND_STATIC
static long evtchn_ioctl_bind_static(struct npev_user *u, void __user *uarg)
{
	struct ioctl_evtchn_bind bind;

	if (copy_from_user(&bind, uarg, sizeof(bind)))
		return -EFAULT;
	return npev_bind_static(u, bind.port);
}
#endif

static long evtchn_ioctl_unbind(struct npev_user *u, void __user *uarg)
{
	struct ioctl_evtchn_unbind unbind;

	if (copy_from_user(&unbind, uarg, sizeof(unbind)))
		return -EFAULT;
	return npev_unbind(u, unbind.port);
}

static long evtchn_ioctl_notify(struct npev_user *u, void __user *uarg)
{
	struct ioctl_evtchn_notify notify;

	if (copy_from_user(&notify, uarg, sizeof(notify)))
		return -EFAULT;
	return npev_notify(u, notify.port);
}

static long evtchn_ioctl_restrict(struct npev_user *u, void __user *uarg)
{
	struct ioctl_evtchn_restrict_domid req;

	if (npev_is_restricted(u))
		return -EACCES;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	return npev_restrict_domid(u, req.domid);
}

static long evtchn_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct npev_user *u = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case IOCTL_EVTCHN_BIND_VIRQ:
		return evtchn_ioctl_bind_virq(u, uarg);
	case IOCTL_EVTCHN_BIND_INTERDOMAIN:
		return evtchn_ioctl_bind_interdomain(u, uarg);
	case IOCTL_EVTCHN_BIND_UNBOUND_PORT:
		return evtchn_ioctl_bind_unbound(u, uarg);
#ifdef NOPANIC_HAVE_BIND_STATIC
	case IOCTL_EVTCHN_BIND_STATIC:
		return evtchn_ioctl_bind_static(u, uarg);
#endif
	case IOCTL_EVTCHN_UNBIND:
		return evtchn_ioctl_unbind(u, uarg);
	case IOCTL_EVTCHN_NOTIFY:
		return evtchn_ioctl_notify(u, uarg);
	case IOCTL_EVTCHN_RESET:
		npev_reset(u);
		return 0;
	case IOCTL_EVTCHN_RESTRICT_DOMID:
		return evtchn_ioctl_restrict(u, uarg);
	default:
		return -ENOSYS;
	}
}

static __poll_t evtchn_poll(struct file *file, poll_table *wait)
{
	return npev_poll(file->private_data, file, wait);
}

static int evtchn_fasync(int fd, struct file *file, int on)
{
	return npev_fasync(file->private_data, fd, file, on);
}

static int evtchn_open(struct inode *inode, struct file *file)
{
	char name[sizeof("evtchn:") + TASK_COMM_LEN];
	struct npev_user *u;

	snprintf(name, sizeof(name), "evtchn:%s", current->comm);
	u = npev_user_alloc(&npev_xen_ops, name, READ_ONCE(max_user_ports));
	if (!u)
		return -ENOMEM;
	file->private_data = u;
	return stream_open(inode, file);
}

static int evtchn_release(struct inode *inode, struct file *file)
{
	npev_user_free(file->private_data);
	return 0;
}

static const struct file_operations evtchn_fops = {
	.owner		= THIS_MODULE,
	.read		= evtchn_read,
	.write		= evtchn_write,
	.unlocked_ioctl	= evtchn_ioctl,
	.poll		= evtchn_poll,
	.fasync		= evtchn_fasync,
	.open		= evtchn_open,
	.release	= evtchn_release,
};

static struct miscdevice evtchn_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "xen/evtchn",
	.fops	= &evtchn_fops,
	.groups	= npev_sysfs_groups,
};

static int __init evtchn_init(void)
{
	int rc;

	if (!npev_xen_present())
		return -ENODEV;

	npev_core_init();
	npev_sysfs_init();
	npev_xen_init();
	rc = misc_register(&evtchn_miscdev);
	if (rc) {
		pr_err("could not register /dev/xen/evtchn: %d\n", rc);
		npev_xen_exit();
		npev_core_exit();
		return rc;
	}
	pr_info("nopanic event-channel device %s installed\n",
		NOPANIC_EVTCHN_VERSION);
	return 0;
}

static void __exit evtchn_exit(void)
{
	misc_deregister(&evtchn_miscdev);
	npev_xen_exit();
	npev_core_exit();
}

module_init(evtchn_init);
module_exit(evtchn_exit);

MODULE_DESCRIPTION("Xen /dev/xen/evtchn with per-user locking that does not BUG");
MODULE_LICENSE("GPL");
MODULE_VERSION(NOPANIC_EVTCHN_VERSION);
