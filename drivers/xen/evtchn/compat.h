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
 * static event channels (IOCTL_EVTCHN_BIND_STATIC): the kernel then leaves
 * a static port open when its last reference goes. Before, no port was
 * static.
 */
#ifdef NOPANIC_HAVE_EVTCHN_STATIC
#define npev_make_refcounted(port, is_static) \
	evtchn_make_refcounted(port, is_static)
#else
#define npev_make_refcounted(port, is_static) \
	((void)(is_static), evtchn_make_refcounted(port))
#endif

/*
 * Kernels whose privcmd can deliver a user's port to an ioeventfd (6.7+,
 * IOCTL_PRIVCMD_IOEVENTFD) bind user ports with IRQF_SHARED, so that
 * privcmd can share the interrupt; the events core there counts the
 * sharer's reference. Elsewhere the in-tree driver binds with no flags.
 */
#ifdef NOPANIC_HAVE_SHARED_USER_IRQ
#define NPEV_IRQ_FLAGS		IRQF_SHARED
#else
#define NPEV_IRQ_FLAGS		0
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
#define npev_irq_hold(irq)		((void)(irq))
#else
#define npev_bind_irqhandler		bind_evtchn_to_irqhandler
#define npev_irq_eoi(irq)		enable_irq(irq)
#define npev_irq_hold(irq)		disable_irq_nosync(irq)
#endif

/*
 * Syscore callbacks gained a context argument, and registration a struct
 * syscore around the ops (Debian carries it on 6.12). NPEV_SYSCORE_ARG is
 * a callback's parameter list; NPEV_DEFINE_SYSCORE(name, resume) defines
 * what npev_register_syscore(&name) registers.
 */
#ifdef NOPANIC_HAVE_SYSCORE_DATA
#define NPEV_SYSCORE_ARG	void *data
#define NPEV_DEFINE_SYSCORE(name, resume_fn)				\
	static const struct syscore_ops name##_ops = {			\
		.resume = resume_fn,					\
	};								\
	static struct syscore name = { .ops = &name##_ops }
#define npev_register_syscore		register_syscore
#define npev_unregister_syscore		unregister_syscore
#else
#define NPEV_SYSCORE_ARG	void
#define NPEV_DEFINE_SYSCORE(name, resume_fn)				\
	static struct syscore_ops name = { .resume = resume_fn }
#define npev_register_syscore		register_syscore_ops
#define npev_unregister_syscore		unregister_syscore_ops
#endif

#endif /* NOPANIC_EVTCHN_COMPAT_H */
