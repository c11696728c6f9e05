/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared helpers of the /dev/xen/evtchn test programs.
 *
 * Our own definitions of the few ABI constants and structures the tests
 * need (the same ABI that include/uapi/xen/evtchn.h, privcmd.h and Xen's
 * public event_channel.h describe), the output, and thin wrappers that
 * return a value >= 0 or -errno instead of setting errno.
 *
 * Output: one KTAP version 1 document on stdout
 * (Documentation/dev-tools/ktap.rst): every check is one result line,
 *   ok <n> <prefix><name>
 *   not ok <n> <prefix><name> # <detail>
 * where <prefix> is $NPTEST_PREFIX (default empty); information lines
 * are diagnostics ("# ..."); np_finish() prints the plan line last.  A
 * program exits 0 iff every check passed.  Only the parent process of a
 * program reports checks: the numbers are its own.
 *
 * Each program is a single translation unit: everything here is static.
 */
#ifndef NOPANIC_TESTS_EVTCHN_ABI_H
#define NOPANIC_TESTS_EVTCHN_ABI_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* ---- ABI: /dev/xen/evtchn (ioctl type 'E', direction none) ---- */

#define NP_EVTCHN_DEV		"/dev/xen/evtchn"

struct np_bind_virq {
	unsigned int virq;
};

struct np_bind_interdomain {
	unsigned int remote_domain;
	unsigned int remote_port;
};

struct np_bind_unbound_port {
	unsigned int remote_domain;
};

/* UNBIND, NOTIFY and (6.5+) BIND_STATIC take one port. */
struct np_port_arg {
	unsigned int port;
};

struct np_restrict_domid {
	uint16_t domid;			/* domid_t */
};

#define NP_EVTCHN_IOC(nr, size)	_IOC(_IOC_NONE, 'E', (nr), (size))

#define NP_IOCTL_BIND_VIRQ \
	NP_EVTCHN_IOC(0, sizeof(struct np_bind_virq))
#define NP_IOCTL_BIND_INTERDOMAIN \
	NP_EVTCHN_IOC(1, sizeof(struct np_bind_interdomain))
#define NP_IOCTL_BIND_UNBOUND_PORT \
	NP_EVTCHN_IOC(2, sizeof(struct np_bind_unbound_port))
#define NP_IOCTL_UNBIND \
	NP_EVTCHN_IOC(3, sizeof(struct np_port_arg))
#define NP_IOCTL_NOTIFY \
	NP_EVTCHN_IOC(4, sizeof(struct np_port_arg))
#define NP_IOCTL_RESET \
	NP_EVTCHN_IOC(5, 0)
#define NP_IOCTL_RESTRICT_DOMID \
	NP_EVTCHN_IOC(6, sizeof(struct np_restrict_domid))
#define NP_IOCTL_BIND_STATIC \
	NP_EVTCHN_IOC(7, sizeof(struct np_port_arg))

/* Xen public interface facts. */
#define NP_VIRQ_DOM_EXC			3
#define NP_DOMID_FIRST_RESERVED		0x7FF0U
#define NP_DOMID_SELF			0x7FF0U
/* FIFO ABI channel count: the largest xen_evtchn_nr_channels(). */
#define NP_MAX_PORTS			(1U << 17)

/* ---- ABI: /dev/xen/privcmd, to act on ports behind the driver ---- */

#define NP_PRIVCMD_DEV		"/dev/xen/privcmd"

struct np_privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};

#define NP_IOCTL_PRIVCMD_HYPERCALL \
	_IOC(_IOC_NONE, 'P', 0, sizeof(struct np_privcmd_hypercall))

#define NP_HYPERVISOR_event_channel_op	32
#define NP_EVTCHNOP_close		3
#define NP_EVTCHNOP_status		5
#define NP_EVTCHNOP_alloc_unbound	6

struct np_evtchn_close {
	uint32_t port;
};

struct np_evtchn_alloc_unbound {
	uint16_t dom;		/* IN */
	uint16_t remote_dom;	/* IN */
	uint32_t port;		/* OUT */
};

struct np_evtchn_status {
	uint16_t dom;			/* in: DOMID_SELF */
	uint32_t port;			/* in */
	uint32_t status;		/* out: NP_EVTCHNSTAT_* */
	uint32_t vcpu;
	union {
		struct {
			uint16_t dom;
		} unbound;
		struct {
			uint16_t dom;
			uint32_t port;
		} interdomain;
		uint32_t pirq;
		uint32_t virq;
	} u;
};

#define NP_EVTCHNSTAT_closed		0
#define NP_EVTCHNSTAT_unbound		1
#define NP_EVTCHNSTAT_interdomain	2
#define NP_EVTCHNSTAT_pirq		3
#define NP_EVTCHNSTAT_virq		4
#define NP_EVTCHNSTAT_ipi		5

/* ---- nopanic module knobs and counters ---- */

#define NP_PARAM_MAX_USER_PORTS \
	"/sys/module/xen_evtchn/parameters/max_user_ports"
#define NP_COUNTER_DIR		"/sys/class/misc/xen!evtchn/nopanic/"

/* ---- output protocol ---- */

#define NP_PRINTF(a, b)	__attribute__((format(printf, a, b)))

static const char *np_prefix = "";
static int np_nr_ok;
static int np_nr_fail;

static inline void np_init(void)
{
	const char *p = getenv("NPTEST_PREFIX");

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (p)
		np_prefix = p;
	printf("KTAP version 1\n");
}

static inline void np_info(const char *fmt, ...) NP_PRINTF(1, 2);
static inline void np_info(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("# %s\n", line);
}

static inline void np_ok(const char *name)
{
	np_nr_ok++;
	printf("ok %d %s%s\n", np_nr_ok + np_nr_fail, np_prefix, name);
}

static inline void np_vfail(const char *name, const char *fmt, va_list ap)
{
	char detail[1024];
	char *nl;

	np_nr_fail++;
	vsnprintf(detail, sizeof(detail), fmt, ap);
	/* One line per check, whatever the detail holds. */
	while ((nl = strchr(detail, '\n')))
		*nl = ' ';
	printf("not ok %d %s%s # %s\n", np_nr_ok + np_nr_fail, np_prefix,
	       name, detail);
}

static inline void np_fail(const char *name, const char *fmt, ...)
	NP_PRINTF(2, 3);
static inline void np_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	np_vfail(name, fmt, ap);
	va_end(ap);
}

/* Report one check: ok if @cond, else FAIL with the formatted detail. */
static inline bool np_check(bool cond, const char *name, const char *fmt, ...)
	NP_PRINTF(3, 4);
static inline bool np_check(bool cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		np_ok(name);
		return true;
	}
	va_start(ap, fmt);
	np_vfail(name, fmt, ap);
	va_end(ap);
	return false;
}

static inline int np_finish(void)
{
	np_info("summary ok=%d fail=%d", np_nr_ok, np_nr_fail);
	printf("1..%d\n", np_nr_ok + np_nr_fail);
	return np_nr_fail ? 1 : 0;
}

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define NP_ERRNAME(e)	{ e, #e }
static const struct {
	int e;
	const char *name;
} np_errnames[] = {
	NP_ERRNAME(EPERM), NP_ERRNAME(ENOENT), NP_ERRNAME(ESRCH),
	NP_ERRNAME(EINTR), NP_ERRNAME(EIO), NP_ERRNAME(EBADF),
	NP_ERRNAME(EAGAIN), NP_ERRNAME(ENOMEM), NP_ERRNAME(EACCES),
	NP_ERRNAME(EFAULT), NP_ERRNAME(EBUSY), NP_ERRNAME(EEXIST),
	NP_ERRNAME(ENODEV), NP_ERRNAME(EINVAL), NP_ERRNAME(ENFILE),
	NP_ERRNAME(EMFILE), NP_ERRNAME(ENOTTY), NP_ERRNAME(EFBIG),
	NP_ERRNAME(ENOSPC), NP_ERRNAME(ERANGE), NP_ERRNAME(ENOSYS),
	NP_ERRNAME(ENOTCONN), NP_ERRNAME(EISCONN), NP_ERRNAME(ETIMEDOUT),
};

/*
 * "EEXIST(17)" for -17, "ok(5)" for values >= 0.  Rotating buffers, so
 * a few may appear in one printf().
 */
static inline const char *np_err(int rc)
{
	static char bufs[8][32];
	static unsigned int next;
	char *b = bufs[next++ % 8];
	const char *n = "errno";
	size_t i;

	if (rc >= 0) {
		snprintf(b, sizeof(bufs[0]), "ok(%d)", rc);
		return b;
	}
	for (i = 0; i < ARRAY_SIZE(np_errnames); i++)
		if (np_errnames[i].e == -rc)
			n = np_errnames[i].name;
	snprintf(b, sizeof(bufs[0]), "%s(%d)", n, -rc);
	return b;
}

/* ---- time ---- */

static inline long long np_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Pacing only (never an assertion): sleep @ms milliseconds. */
static inline void np_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- /dev/xen/evtchn wrappers: value >= 0 or -errno ---- */

static inline int ev_open(bool nonblock)
{
	int fd = open(NP_EVTCHN_DEV,
		      O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));

	return fd < 0 ? -errno : fd;
}

static inline int np_ioctl(int fd, unsigned long cmd, void *arg)
{
	int rc = ioctl(fd, cmd, arg);

	return rc < 0 ? -errno : rc;
}

static inline int ev_bind_virq(int fd, unsigned int virq)
{
	struct np_bind_virq a = { .virq = virq };

	return np_ioctl(fd, NP_IOCTL_BIND_VIRQ, &a);
}

static inline int ev_bind_interdomain(int fd, unsigned int rdom,
				      unsigned int rport)
{
	struct np_bind_interdomain a = {
		.remote_domain = rdom,
		.remote_port = rport,
	};

	return np_ioctl(fd, NP_IOCTL_BIND_INTERDOMAIN, &a);
}

static inline int ev_bind_unbound(int fd, unsigned int rdom)
{
	struct np_bind_unbound_port a = { .remote_domain = rdom };

	return np_ioctl(fd, NP_IOCTL_BIND_UNBOUND_PORT, &a);
}

static inline int ev_unbind(int fd, unsigned int port)
{
	struct np_port_arg a = { .port = port };

	return np_ioctl(fd, NP_IOCTL_UNBIND, &a);
}

static inline int ev_notify(int fd, unsigned int port)
{
	struct np_port_arg a = { .port = port };

	return np_ioctl(fd, NP_IOCTL_NOTIFY, &a);
}

static inline int ev_reset(int fd)
{
	return np_ioctl(fd, NP_IOCTL_RESET, NULL);
}

static inline int ev_restrict(int fd, uint16_t domid)
{
	struct np_restrict_domid a = { .domid = domid };

	return np_ioctl(fd, NP_IOCTL_RESTRICT_DOMID, &a);
}

/* read(): number of ports read (bytes / 4) or -errno. */
static inline int ev_read(int fd, uint32_t *ports, size_t max)
{
	ssize_t n = read(fd, ports, max * sizeof(*ports));

	if (n < 0)
		return -errno;
	return (int)(n / (ssize_t)sizeof(*ports));
}

/* write(): bytes written or -errno. */
static inline int ev_write(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	return n < 0 ? -errno : (int)n;
}

/* EOI one port: 4 on success. */
static inline int ev_eoi(int fd, uint32_t port)
{
	return ev_write(fd, &port, sizeof(port));
}

/* poll() one fd: revents (0 on timeout) or -errno. */
static inline int ev_poll(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;

	do {
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	return rc ? pfd.revents : 0;
}

static inline int ev_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) < 0 ? -errno : 0;
}

/*
 * Read events from the non-blocking @fd into @out until @want entries
 * are collected or @timeout_ms has passed.  Returns the number collected
 * (possibly fewer than @want) or -errno (e.g. -EFBIG after an overflow).
 */
static inline int ev_collect(int fd, uint32_t *out, int max, int want,
			     int timeout_ms)
{
	long long deadline = np_now_ms() + timeout_ms;
	int n = 0;

	if (want > max)
		want = max;
	while (n < want) {
		long long left = deadline - np_now_ms();
		int rc;

		if (left < 0)
			left = 0;
		rc = ev_poll(fd, POLLIN, (int)left);
		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
		rc = ev_read(fd, out + n, (size_t)(max - n));
		if (rc < 0 && rc != -EAGAIN)
			return rc;
		if (rc > 0)
			n += rc;
		if (left == 0)
			break;
	}
	return n;
}

/*
 * Wait up to @timeout_ms for exactly one event, @port, on @fd: any other
 * entry read meanwhile is an error.  EOI the port if @eoi.  Returns 0, or
 * -1 with a reason in @why.
 */
static inline int ev_expect(int fd, uint32_t port, int timeout_ms, bool eoi,
			    char *why, size_t whylen)
{
	uint32_t got[64];
	int n, i, rc;

	n = ev_collect(fd, got, 64, 1, timeout_ms);
	if (n < 0) {
		snprintf(why, whylen, "waiting for port %u: read %s", port,
			 np_err(n));
		return -1;
	}
	if (n == 0) {
		snprintf(why, whylen, "no event on port %u within %d ms",
			 port, timeout_ms);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (got[i] != port || i > 0) {
			snprintf(why, whylen,
				 "expected one event on port %u, read %d entries, entry %d is port %u",
				 port, n, i, got[i]);
			return -1;
		}
	}
	if (eoi) {
		rc = ev_eoi(fd, port);
		if (rc != 4) {
			snprintf(why, whylen, "EOI of port %u: write %s",
				 port, np_err(rc));
			return -1;
		}
	}
	snprintf(why, whylen, "ok");
	return 0;
}

/*
 * One check @name: NOTIFY @tx on @ftx, then exactly one event, @rx, must
 * come in on @frx (EOI'd here).
 */
static inline bool np_round_trip(const char *name, int ftx, uint32_t tx,
				 int frx, uint32_t rx)
{
	char why[256];
	int rc = ev_notify(ftx, tx);

	if (rc != 0) {
		np_fail(name, "notify %u: %s", tx, np_err(rc));
		return false;
	}
	if (ev_expect(frx, rx, 5000, true, why, sizeof(why)) < 0) {
		np_fail(name, "notify %u: %s", tx, why);
		return false;
	}
	np_ok(name);
	return true;
}

/*
 * Bind @n unbound ports on a fresh fd, record them in @ports and close
 * the fd: Xen hands out the lowest free ports, so comparing two probes
 * shows whether ports leaked in between.  0 or -errno.
 */
static inline int ev_probe_free(uint32_t *ports, int n)
{
	int fd = ev_open(true);
	int i, rc = 0;

	if (fd < 0)
		return fd;
	for (i = 0; i < n; i++) {
		rc = ev_bind_unbound(fd, 0);
		if (rc < 0)
			break;
		ports[i] = (uint32_t)rc;
		rc = 0;
	}
	close(fd);
	return rc;
}

/*
 * ev_probe_free() into @after until it matches @before, for up to a
 * second: a port another kernel user held (gntalloc, a kernel binder) is
 * closed when its last reference goes, which the kernel may do after an
 * RCU grace period, not before the holder's release returns.  A leaked
 * port never comes back.  0 or -errno.
 */
static inline int ev_probe_settled(uint32_t *after, const uint32_t *before,
				   int n)
{
	int rc, tries = 20;

	for (;;) {
		rc = ev_probe_free(after, n);
		if (rc < 0 || !memcmp(before, after, n * sizeof(*after)) ||
		    !--tries)
			return rc;
		usleep(50000);
	}
}

static inline void np_fmt_ports(char *buf, size_t len, const uint32_t *ports,
				int n)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && off + 12 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u",
					i ? "," : "", ports[i]);
}

/* ---- event-channel hypercalls through /dev/xen/privcmd ---- */

/* EVTCHNOP_@cmd on @arg (copied to and from an mlocked page). */
static inline int xen_evtchn_op(unsigned int cmd, void *arg, size_t len)
{
	static int fd = -1;
	static void *page;
	struct np_privcmd_hypercall hc;
	int rc;

	if (len > 4096)
		return -EINVAL;
	if (fd < 0) {
		fd = open(NP_PRIVCMD_DEV, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (!page) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -errno;
		if (mlock(p, 4096) < 0) {
			rc = -errno;
			munmap(p, 4096);
			return rc;
		}
		page = p;
	}
	memset(page, 0, 4096);
	memcpy(page, arg, len);
	memset(&hc, 0, sizeof(hc));
	hc.op = NP_HYPERVISOR_event_channel_op;
	hc.arg[0] = cmd;
	hc.arg[1] = (uint64_t)(uintptr_t)page;
	rc = ioctl(fd, NP_IOCTL_PRIVCMD_HYPERCALL, &hc);
	if (rc < 0)
		return -errno;
	memcpy(arg, page, len);
	return rc;
}

/* Close @port in Xen behind the evtchn driver's back. */
static inline int xen_close_port(uint32_t port)
{
	struct np_evtchn_close c = { .port = port };

	return xen_evtchn_op(NP_EVTCHNOP_close, &c, sizeof(c));
}

/*
 * A port allocated in Xen for @remote, with no kernel binding: what a
 * static event channel looks like to IOCTL_EVTCHN_BIND_STATIC, which
 * binds a number it is given. The port number, or -errno.
 */
static inline int xen_alloc_unbound(uint16_t remote)
{
	struct np_evtchn_alloc_unbound a = {
		.dom = NP_DOMID_SELF,
		.remote_dom = remote,
	};
	int rc;

	rc = xen_evtchn_op(NP_EVTCHNOP_alloc_unbound, &a, sizeof(a));
	return rc < 0 ? rc : (int)a.port;
}

/*
 * Xen's view of our own @port: NP_EVTCHNSTAT_* or -errno (Xen answers
 * -EINVAL for a port beyond the allocated range: closed as well).
 */
static inline int xen_port_status(uint32_t port)
{
	struct np_evtchn_status s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.dom = NP_DOMID_SELF;
	s.port = port;
	rc = xen_evtchn_op(NP_EVTCHNOP_status, &s, sizeof(s));
	return rc < 0 ? rc : (int)s.status;
}

static inline const char *xen_stat_name(int st)
{
	switch (st) {
	case NP_EVTCHNSTAT_closed:	return "closed";
	case NP_EVTCHNSTAT_unbound:	return "unbound";
	case NP_EVTCHNSTAT_interdomain:	return "interdomain";
	case NP_EVTCHNSTAT_pirq:	return "pirq";
	case NP_EVTCHNSTAT_virq:	return "virq";
	case NP_EVTCHNSTAT_ipi:		return "ipi";
	default:			return np_err(st);
	}
}

/* ---- grant pages whose release notifies through a port (gntalloc, gntdev) ---- */

#define NP_GNTALLOC_DEV		"/dev/xen/gntalloc"

/* include/uapi/xen/gntalloc.h */
struct np_gntalloc_alloc_gref {
	uint16_t domid;
	uint16_t flags;
	uint32_t count;
	uint64_t index;
	uint32_t gref_ids[1];
};

struct np_gntalloc_unmap_notify {
	uint64_t index;
	uint32_t action;
	uint32_t event_channel_port;
};

/* include/uapi/xen/gntdev.h */
struct np_gntdev_map_grant_ref {
	uint32_t count;
	uint32_t pad;
	uint64_t index;
	uint32_t domid;
	uint32_t ref;
};

#define NP_GNTDEV_DEV		"/dev/xen/gntdev"
#define NP_IOCTL_GNTDEV_MAP_GRANT_REF \
	_IOC(_IOC_NONE, 'G', 0, sizeof(struct np_gntdev_map_grant_ref))
#define NP_IOCTL_GNTDEV_SET_UNMAP_NOTIFY \
	_IOC(_IOC_NONE, 'G', 7, sizeof(struct np_gntalloc_unmap_notify))

#define NP_IOCTL_GNTALLOC_ALLOC_GREF \
	_IOC(_IOC_NONE, 'G', 5, sizeof(struct np_gntalloc_alloc_gref))
#define NP_IOCTL_GNTALLOC_SET_UNMAP_NOTIFY \
	_IOC(_IOC_NONE, 'G', 7, sizeof(struct np_gntalloc_unmap_notify))
#define NP_GNTALLOC_FLAG_WRITABLE	1
#define NP_UNMAP_NOTIFY_SEND_EVENT	0x2


/*
 * One page shared with dom0 itself through gntalloc: the gntalloc fd
 * (closing it releases the page) with the page's mmap() offset in *@index
 * and its grant reference in *@ref, or -errno.
 */
static inline int gnt_share(uint64_t *index, uint32_t *ref)
{
	struct np_gntalloc_alloc_gref a = {
		.domid = 0,
		.flags = NP_GNTALLOC_FLAG_WRITABLE,
		.count = 1,
	};
	int fd = open(NP_GNTALLOC_DEV, O_RDWR | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	rc = np_ioctl(fd, NP_IOCTL_GNTALLOC_ALLOC_GREF, &a);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	*index = a.index;
	*ref = a.gref_ids[0];
	return fd;
}

/* Ask @fd (gntalloc or gntdev) to notify through @port when @index goes. */
static inline int gnt_set_notify(int fd, unsigned long cmd, uint64_t index,
			  uint32_t port)
{
	struct np_gntalloc_unmap_notify n = {
		.index = index,
		.action = NP_UNMAP_NOTIFY_SEND_EVENT,
		.event_channel_port = port,
	};

	return np_ioctl(fd, cmd, &n);
}

/*
 * A shared page for dom0 itself whose release notifies through @port:
 * the gntalloc fd (closing it releases the page), or -errno.
 */
static inline int gnt_notify_on(uint32_t port)
{
	uint64_t index = 0;
	uint32_t ref = 0;
	int fd = gnt_share(&index, &ref);
	int rc;

	if (fd < 0)
		return fd;
	rc = gnt_set_notify(fd, NP_IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, index, port);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/* ---- sysfs ---- */

static inline int np_read_ll(const char *path, long long *val)
{
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (!f)
		return -errno;
	if (fscanf(f, "%lld", val) != 1)
		rc = -EINVAL;
	fclose(f);
	return rc;
}

static inline int np_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(s);
	ssize_t n;
	int rc = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	close(fd);
	return rc;
}

/* A nopanic counter: 0 and *val, or -errno (-ENOENT when missing). */
static inline int np_counter(const char *name, long long *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s%s", NP_COUNTER_DIR, name);
	return np_read_ll(path, val);
}

#endif /* NOPANIC_TESTS_EVTCHN_ABI_H */
