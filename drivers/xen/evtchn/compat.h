/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Compatibility with the kernels nopanic builds against, force-included
 * into every file of the module by Kbuild. Features are detected by what
 * the kernel's own headers declare (Kbuild greps them and passes
 * -DNOPANIC_HAVE_*), not by version number alone: distributions backport.
 *
 * This header includes nothing: the per-user core stays free of Xen
 * headers, and the macros below expand only where they are used.
 */
#ifndef NOPANIC_EVTCHN_COMPAT_H
#define NOPANIC_EVTCHN_COMPAT_H

/*
 * evtchn_make_refcounted() gained an is_static argument together with
 * static event channels (and IOCTL_EVTCHN_BIND_STATIC). Where it exists
 * we mark every port static for the kernel, so that unbinding never makes
 * the kernel close the port (a kernel BUG if Xen refuses), and close the
 * port ourselves.
 */
#ifdef NOPANIC_HAVE_EVTCHN_STATIC
#define npev_make_refcounted(port)	evtchn_make_refcounted(port, true)
#else
#define npev_make_refcounted(port)	evtchn_make_refcounted(port)
#endif

/*
 * NOPANIC_HAVE_BIND_STATIC: the uapi has IOCTL_EVTCHN_BIND_STATIC and the
 * kernel has static ports (Kbuild requires both). Without it the ioctl is
 * unknown, -ENOSYS, as with the in-tree driver of such a kernel.
 */

/*
 * Late EOI (XSA-332, CVE-2020-27673): the event is acknowledged when user
 * space writes the port back, not when the handler runs. Kernels without
 * it re-enable the interrupt instead.
 */
#ifdef NOPANIC_HAVE_LATEEOI
#define npev_bind_irqhandler		bind_evtchn_to_irqhandler_lateeoi
#define npev_irq_eoi(irq)		xen_irq_lateeoi(irq, 0)
#define npev_irq_hold(irq)		do { } while (0)
#else
#define npev_bind_irqhandler		bind_evtchn_to_irqhandler
#define npev_irq_eoi(irq)		enable_irq(irq)
#define npev_irq_hold(irq)		disable_irq_nosync(irq)
#endif

#endif /* NOPANIC_EVTCHN_COMPAT_H */
