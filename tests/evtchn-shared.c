// SPDX-License-Identifier: GPL-2.0-only
/*
 * evtchn-shared - a port bound through /dev/xen/evtchn that another kernel
 * user also holds, as libxenvchan does it: the server end's port gets a
 * gntalloc unmap notify (IOCTL_GNTALLOC_SET_UNMAP_NOTIFY with
 * UNMAP_NOTIFY_SEND_EVENT), which takes the kernel's reference to the port
 * (evtchn_get) and, when the shared page goes, sends an event through it
 * (the peer learns that this end died) and drops the reference.
 *
 * The in-tree driver keeps the port open in Xen until the last holder lets
 * go, whichever closes first. Each case checks what a vchan user would
 * see: the notify reaches the peer, an unrelated bind meanwhile works, and
 * no port is left behind. Run on ours and on the in-tree module alike.
 *
 * --behind (ours only): the port is also closed behind the driver's back
 * through privcmd before its file is closed; the gntalloc put that follows
 * would make the in-tree driver's kernel hit BUG() in xen_evtchn_close().
 *
 * Needs /dev/xen/gntalloc (xen-gntalloc) and /dev/xen/privcmd.
 */

#include <signal.h>
#include <sys/wait.h>

#include "evtchn_abi.h"

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

#define NP_IOCTL_GNTALLOC_ALLOC_GREF \
	_IOC(_IOC_NONE, 'G', 5, sizeof(struct np_gntalloc_alloc_gref))
#define NP_IOCTL_GNTALLOC_SET_UNMAP_NOTIFY \
	_IOC(_IOC_NONE, 'G', 7, sizeof(struct np_gntalloc_unmap_notify))
#define NP_GNTALLOC_FLAG_WRITABLE	1
#define NP_UNMAP_NOTIFY_SEND_EVENT	0x2

#define NP_NOTIFY_MS	5000
#define NP_PROBE	8

/*
 * A shared page for dom0 itself whose release notifies through @port:
 * the gntalloc fd (closing it releases the page), or -errno.
 */
static int gnt_notify_on(uint32_t port)
{
	struct np_gntalloc_alloc_gref a = {
		.domid = 0,
		.flags = NP_GNTALLOC_FLAG_WRITABLE,
		.count = 1,
	};
	struct np_gntalloc_unmap_notify n = {
		.action = NP_UNMAP_NOTIFY_SEND_EVENT,
		.event_channel_port = port,
	};
	int fd = open(NP_GNTALLOC_DEV, O_RDWR | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	rc = np_ioctl(fd, NP_IOCTL_GNTALLOC_ALLOC_GREF, &a);
	if (rc == 0) {
		n.index = a.index;
		rc = np_ioctl(fd, NP_IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, &n);
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/*
 * A vchan's two ends in dom0: @srv offers *@sp (unbound, for dom0), @cli
 * connects *@cp to it; the pending event Xen marks on a new interdomain
 * port is consumed. 0 or -errno.
 */
static int vchan_pair(int *srv, uint32_t *sp, int *cli, uint32_t *cp)
{
	uint32_t got[8];
	int rc;

	*srv = ev_open(true);
	*cli = ev_open(true);
	if (*srv < 0 || *cli < 0)
		return *srv < 0 ? *srv : *cli;
	rc = ev_bind_unbound(*srv, 0);
	if (rc < 0)
		return rc;
	*sp = rc;
	rc = ev_bind_interdomain(*cli, 0, *sp);
	if (rc < 0)
		return rc;
	*cp = rc;
	rc = ev_collect(*cli, got, 8, 1, 1000);
	if (rc > 0)
		ev_eoi(*cli, *cp);
	return 0;
}

static bool port_is(const char *name, uint32_t port, int want)
{
	int st = xen_port_status(port);

	/* Xen answers EINVAL for a port past those set up: closed too. */
	if (want == NP_EVTCHNSTAT_closed && st == -EINVAL)
		st = NP_EVTCHNSTAT_closed;
	return np_check(st == want, name, "port %u is %s in Xen, expected %s",
			port, xen_stat_name(st), xen_stat_name(want));
}

static void check_notify(const char *name, int cli, uint32_t cp)
{
	char why[256];

	np_check(ev_expect(cli, cp, NP_NOTIFY_MS, true, why, sizeof(why)) == 0,
		 name, "the peer got no unmap notify: %s", why);
}

/* The evtchn file closed first, the page after (a process's exit order). */
static void case_file_first(bool behind)
{
	const char *pfx = behind ? "behind/" : "file-first/";
	char name[96];
	int srv, cli, gnt, b, rc;
	uint32_t sp, cp;

	rc = vchan_pair(&srv, &sp, &cli, &cp);
	if (rc < 0) {
		np_fail(pfx, "setting up the pair: %s", np_err(rc));
		return;
	}
	gnt = gnt_notify_on(sp);
	snprintf(name, sizeof(name), "%sgntalloc-notify-set", pfx);
	if (!np_check(gnt >= 0, name, "gntalloc: %s", np_err(gnt)))
		return;

	if (behind) {
		rc = xen_close_port(sp);
		snprintf(name, sizeof(name), "%sclosed-behind", pfx);
		np_check(rc == 0, name, "EVTCHNOP_close %u: %s", sp,
			 np_err(rc));
	}
	close(srv);
	if (!behind) {
		snprintf(name, sizeof(name), "%sport-open-after-file-close", pfx);
		port_is(name, sp, NP_EVTCHNSTAT_interdomain);
	}

	/* An unrelated bind meanwhile: a fresh port, never EBUSY. */
	b = ev_open(true);
	rc = b < 0 ? b : ev_bind_unbound(b, 0);
	snprintf(name, sizeof(name), "%sunrelated-bind", pfx);
	np_check(rc > 0 && (behind || (uint32_t)rc != sp), name,
		 "bind on another file: %s (shared port %u)",
		 rc < 0 ? np_err(rc) : "the shared port again", sp);

	close(gnt);
	if (!behind) {
		snprintf(name, sizeof(name), "%snotify-delivered", pfx);
		check_notify(name, cli, cp);
	}
	snprintf(name, sizeof(name), "%sport-closed-after-holder", pfx);
	if (behind && rc > 0 && (uint32_t)rc == sp)
		port_is(name, sp, NP_EVTCHNSTAT_unbound);	/* b's now */
	else
		port_is(name, sp, NP_EVTCHNSTAT_closed);
	if (b >= 0)
		close(b);
	close(cli);
}

/* The page released first: the notify arrives, the port stays the file's. */
static void case_holder_first(void)
{
	int srv, cli, gnt, rc;
	uint32_t sp, cp;

	rc = vchan_pair(&srv, &sp, &cli, &cp);
	if (rc < 0) {
		np_fail("holder-first/", "setting up the pair: %s", np_err(rc));
		return;
	}
	gnt = gnt_notify_on(sp);
	if (!np_check(gnt >= 0, "holder-first/gntalloc-notify-set",
		      "gntalloc: %s", np_err(gnt)))
		return;
	close(gnt);
	check_notify("holder-first/notify-delivered", cli, cp);
	port_is("holder-first/port-open-after-holder", sp,
		NP_EVTCHNSTAT_interdomain);
	np_round_trip("holder-first/still-the-files", cli, cp, srv, sp);
	close(srv);
	port_is("holder-first/port-closed-after-file", sp, NP_EVTCHNSTAT_closed);
	close(cli);
}

/* The vchan server end killed: its peer must learn it from the notify. */
static void case_sigkill(void)
{
	int up[2], down[2], cli, st;
	uint32_t sp = 0, cp = 0, got[8];
	char ready;
	pid_t pid;
	int rc;

	cli = ev_open(true);
	if (cli < 0 || pipe(up) || pipe(down)) {
		np_fail("sigkill/", "setup: %s", np_err(cli < 0 ? cli : -errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		int srv = ev_open(true), gnt;

		rc = srv < 0 ? srv : ev_bind_unbound(srv, 0);
		sp = rc < 0 ? 0 : rc;
		if (write(up[1], &sp, sizeof(sp)) != sizeof(sp) ||
		    read(down[0], &ready, 1) != 1)
			_exit(1);
		gnt = sp ? gnt_notify_on(sp) : -EINVAL;
		ready = gnt >= 0 ? 'y' : 'n';
		if (write(up[1], &ready, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (pid < 0 || read(up[0], &sp, sizeof(sp)) != sizeof(sp) || !sp) {
		np_fail("sigkill/", "the child did not bind");
		goto out;
	}
	rc = ev_bind_interdomain(cli, 0, sp);
	if (rc < 0) {
		np_fail("sigkill/", "binding to the child's port %u: %s", sp,
			np_err(rc));
		goto out;
	}
	cp = rc;
	if (ev_collect(cli, got, 8, 1, 1000) > 0)
		ev_eoi(cli, cp);
	if (write(down[1], "g", 1) != 1 || read(up[0], &ready, 1) != 1 ||
	    !np_check(ready == 'y', "sigkill/gntalloc-notify-set",
		      "the child could not set the notify")) {
		goto out;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	pid = 0;
	check_notify("sigkill/notify-delivered", cli, cp);
	port_is("sigkill/port-closed", sp, NP_EVTCHNSTAT_closed);
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
	close(cli);
}

int main(int argc, char **argv)
{
	uint32_t before[NP_PROBE], after[NP_PROBE];
	bool behind = argc > 1 && !strcmp(argv[1], "--behind");
	char a[256], b[256];
	int rc;

	np_init();
	if (access(NP_GNTALLOC_DEV, R_OK | W_OK)) {
		np_fail("gntalloc", "%s: %s", NP_GNTALLOC_DEV, strerror(errno));
		return np_finish();
	}
	rc = ev_probe_free(before, NP_PROBE);
	if (rc < 0) {
		np_fail("probe", "%s", np_err(rc));
		return np_finish();
	}

	case_file_first(false);
	case_holder_first();
	case_sigkill();
	if (behind)
		case_file_first(true);

	/* Xen hands out the lowest free ports: the same ones, nothing leaked. */
	rc = ev_probe_free(after, NP_PROBE);
	np_fmt_ports(a, sizeof(a), before, NP_PROBE);
	np_fmt_ports(b, sizeof(b), after, NP_PROBE);
	np_check(rc == 0 && !memcmp(before, after, sizeof(before)),
		 "no-port-left", "free ports before %s, after %s", a, b);
	return np_finish();
}
