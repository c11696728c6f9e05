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
 * --kbinder: also case_kbinder() below (needs np_kbinder.ko loaded).
 *
 * --behind (ours only): the port is also closed behind the driver's back
 * through privcmd before its file is closed; the gntalloc put that follows
 * would make the in-tree driver's kernel hit BUG() in xen_evtchn_close().
 *
 * --held-behind (a kernel with patches/<line>/xen 0002 only): the port is
 * closed behind after the file let go, while gntalloc alone holds it; no
 * driver can take it back then, and the holder's put makes the kernel
 * close a closed port: without 0002 that close BUG()s (make torture's
 * fuzzer found it, 2026-12-06), with it the kernel logs it and goes on.
 *
 * Needs /dev/xen/gntalloc (xen-gntalloc), /dev/xen/gntdev (xen-gntdev) and
 * /dev/xen/privcmd.
 */

#define _GNU_SOURCE	/* sched_setaffinity() */
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include "evtchn_abi.h"

#define NP_NOTIFY_MS	5000
#define NP_PROBE	8

/*
 * The other side of a vchan's shared page: a grant of dom0's own
 * (gntalloc, kept open in *@gnt) entered in a gntdev map whose release
 * notifies through @port; the gntdev fd (closing it releases the map), or
 * -errno. The grant is never mmap()ed: the notify belongs to the map.
 */
static int gntdev_notify_on(uint32_t port, int *gnt)
{
	struct np_gntdev_map_grant_ref m = { .count = 1, .domid = 0 };
	uint64_t index;
	int fd, rc;

	*gnt = gnt_share(&index, &m.ref);
	if (*gnt < 0)
		return *gnt;
	fd = open(NP_GNTDEV_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = np_ioctl(fd, NP_IOCTL_GNTDEV_MAP_GRANT_REF, &m);
	if (rc == 0)
		rc = gnt_set_notify(fd, NP_IOCTL_GNTDEV_SET_UNMAP_NOTIFY,
				    m.index, port);
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

/*
 * The evtchn file closed first, the page after (a process's exit order);
 * the notify set through gntalloc (the vchan server's side) or gntdev
 * (the client's side).
 */
static void case_file_first(bool behind, bool gntdev)
{
	const char *pfx = behind ? "behind/" :
			  gntdev ? "gntdev-file-first/" : "file-first/";
	long long reopened = 0, now = 0;
	char name[96];
	int srv, cli, gnt, b, rc, grant = -1;
	uint32_t sp, cp;

	rc = vchan_pair(&srv, &sp, &cli, &cp);
	if (rc < 0) {
		np_fail(pfx, "setting up the pair: %s", np_err(rc));
		return;
	}
	gnt = gntdev ? gntdev_notify_on(sp, &grant) : gnt_notify_on(sp);
	snprintf(name, sizeof(name), "%s%s-notify-set", pfx,
		 gntdev ? "gntdev" : "gntalloc");
	if (!np_check(gnt >= 0, name, "%s: %s", gntdev ? "gntdev" : "gntalloc",
		      np_err(gnt)))
		return;

	if (behind) {
		np_read_ll(NP_COUNTER_DIR "port_reopened", &reopened);
		rc = xen_close_port(sp);
		snprintf(name, sizeof(name), "%sclosed-behind", pfx);
		np_check(rc == 0, name, "EVTCHNOP_close %u: %s", sp,
			 np_err(rc));
	}
	close(srv);
	if (!behind) {
		snprintf(name, sizeof(name), "%sport-open-after-file-close", pfx);
		port_is(name, sp, NP_EVTCHNSTAT_interdomain);
	} else {
		/* The number taken back, so that gntalloc's put closes it. */
		np_read_ll(NP_COUNTER_DIR "port_reopened", &now);
		snprintf(name, sizeof(name), "%sport-taken-back", pfx);
		np_check(now == reopened + 1, name,
			 "port_reopened %lld -> %lld, want +1", reopened, now);
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
	if (grant >= 0)
		close(grant);
	close(cli);
}

/* --held-behind (see the top). */
static void case_held_behind(void)
{
	int srv, cli, gnt, b, rc;
	uint32_t sp, cp;

	rc = vchan_pair(&srv, &sp, &cli, &cp);
	gnt = rc < 0 ? rc : gnt_notify_on(sp);
	if (!np_check(gnt >= 0, "held-behind/gntalloc-notify-set", "%s",
		      np_err(gnt)))
		return;
	close(srv);
	rc = xen_close_port(sp);
	np_check(rc == 0, "held-behind/closed-behind", "EVTCHNOP_close %u: %s",
		 sp, np_err(rc));
	/* The kernel's close of a closed port: refused, logged, survived. */
	close(gnt);
	port_is("held-behind/port-closed-after-holder", sp,
		NP_EVTCHNSTAT_closed);
	b = ev_open(true);
	rc = b < 0 ? b : ev_bind_unbound(b, 0);
	np_check(rc > 0, "held-behind/bind-after", "%s", np_err(rc));
	if (b >= 0)
		close(b);
	close(cli);
}

/*
 * A vCPU taken offline and back while gntalloc holds a port whose file is
 * gone: the vCPU's timer and IPI ports are bound anew on the way up, and
 * Xen must not hand them the held port's number (0.1.0 closed it early,
 * and the holder's later put tore down the timer bound to that number).
 * The port stays open, the notify still arrives, the port closes after.
 */
#define NP_CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"

static void case_hotplug(void)
{
	int srv, cli, gnt, rc, rc2;
	uint32_t sp, cp;

	if (access(NP_CPU1_ONLINE, W_OK)) {
		np_info("hotplug: no %s (one vCPU?): not run", NP_CPU1_ONLINE);
		return;
	}
	rc = vchan_pair(&srv, &sp, &cli, &cp);
	gnt = rc < 0 ? rc : gnt_notify_on(sp);
	if (!np_check(gnt >= 0, "hotplug/gntalloc-notify-set", "%s",
		      np_err(gnt)))
		return;
	close(srv);
	rc = np_write_str(NP_CPU1_ONLINE, "0\n");
	np_sleep_ms(500);
	rc2 = np_write_str(NP_CPU1_ONLINE, "1\n");
	np_check(rc == 0 && rc2 == 0, "hotplug/cpu1-offline-online",
		 "offline: %s, online: %s", np_err(rc), np_err(rc2));
	port_is("hotplug/port-open-across-hotplug", sp,
		NP_EVTCHNSTAT_interdomain);
	close(gnt);
	check_notify("hotplug/notify-delivered", cli, cp);
	port_is("hotplug/port-closed-after-holder", sp, NP_EVTCHNSTAT_closed);
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

/*
 * --kbinder: a kernel user (tests/kbinder, np_kbinder.ko) binds a fresh
 * port right after a file released one: Xen hands it the same number.
 * It must get a binding of its own: every event sent to it arrives. With
 * --behind the released port had been closed behind the driver first
 * (ours only: the in-tree driver's kernel BUGs on that release).
 */
#define NP_KB		"/sys/module/np_kbinder/parameters/"
#define NP_KB_EVENTS	5

static void case_kbinder(bool behind)
{
	const char *pfx = behind ? "kbinder-behind/" : "kbinder/";
	long long kport = 0, got = -1;
	char name[96];
	int f, c, rc, p, cp, i;
	long long t0;

	f = ev_open(true);
	p = f < 0 ? f : ev_bind_unbound(f, 0);
	if (p <= 0) {
		np_fail(pfx, "bind: %s", np_err(p));
		return;
	}
	if (behind)
		xen_close_port(p);
	rc = ev_unbind(f, p);
	close(f);
	snprintf(name, sizeof(name), "%sreleased", pfx);
	np_check(rc == 0, name, "unbind %d: %s", p, np_err(rc));

	rc = np_write_str(NP_KB "bind", "1\n");
	if (rc == 0)
		rc = np_read_ll(NP_KB "port", &kport);
	snprintf(name, sizeof(name), "%sgets-the-released-number", pfx);
	if (!np_check(rc == 0 && kport == p, name,
		      "np_kbinder: %s, port %lld, released %d", np_err(rc),
		      kport, p))
		goto unbind;

	c = ev_open(true);
	cp = c < 0 ? c : ev_bind_interdomain(c, 0, (unsigned int)kport);
	for (i = 0; cp > 0 && i < NP_KB_EVENTS; i++) {
		if (ev_notify(c, cp))
			break;
		/* One at a time: each must arrive, none merge with the next. */
		t0 = np_now_ms();
		do {
			np_read_ll(NP_KB "events", &got);
			if (got > i)
				break;
			np_sleep_ms(10);
		} while (np_now_ms() - t0 < 2000);
	}
	np_read_ll(NP_KB "events", &got);
	snprintf(name, sizeof(name), "%sreceives-every-event", pfx);
	np_check(got == NP_KB_EVENTS, name,
		 "np_kbinder on port %lld got %lld of %d events (peer %s)",
		 kport, got, NP_KB_EVENTS, np_err(cp));
	if (c >= 0)
		close(c);
unbind:
	np_write_str(NP_KB "bind", "0\n");
}

/*
 * --vcpus: bind NP_PAIRS loopback interdomain pairs and print how many of
 * the new local ports Xen delivers to each vCPU ("vcpu0=4 vcpu1=4"). The
 * in-tree driver of 5.10 spreads them round-robin over the online vCPUs,
 * later ones leave them on vCPU 0: the plan compares ours with in-tree.
 * Pinned to CPU 0, since 5.10's round-robin state is per CPU.
 */
#define NP_PAIRS	8
#define NP_VCPUS	64

static int vcpu_census(void)
{
	unsigned int count[NP_VCPUS] = { 0 };
	struct np_evtchn_status st;
	cpu_set_t set;
	int fd, i, rc, p;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	fd = ev_open(true);
	if (fd < 0)
		return 1;
	for (i = 0; i < NP_PAIRS; i++) {
		p = ev_bind_unbound(fd, 0);
		rc = p < 0 ? p : ev_bind_interdomain(fd, 0, p);
		if (rc < 0) {
			fprintf(stderr, "pair %d: %s\n", i, np_err(rc));
			return 1;
		}
		memset(&st, 0, sizeof(st));
		st.dom = NP_DOMID_SELF;
		st.port = rc;
		rc = xen_evtchn_op(NP_EVTCHNOP_status, &st, sizeof(st));
		if (rc < 0 || st.vcpu >= NP_VCPUS) {
			fprintf(stderr, "status of %u: %s\n", st.port, np_err(rc));
			return 1;
		}
		count[st.vcpu]++;
	}
	for (i = 0; i < NP_VCPUS; i++)
		if (count[i])
			printf("vcpu%d=%u ", i, count[i]);
	printf("\n");
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t before[NP_PROBE], after[NP_PROBE];
	bool behind = false, kbinder = false, held_behind = false;
	char a[256], b[256];
	int rc, i;

	if (argc > 1 && !strcmp(argv[1], "--vcpus"))
		return vcpu_census();
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--behind")) {
			behind = true;
		} else if (!strcmp(argv[i], "--kbinder")) {
			kbinder = true;
		} else if (!strcmp(argv[i], "--held-behind")) {
			held_behind = true;
		} else {
			fprintf(stderr, "usage: %s [--behind] [--kbinder] [--held-behind] | --vcpus\n",
				argv[0]);
			return 2;
		}
	}
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

	case_file_first(false, false);
	case_holder_first();
	case_sigkill();
	case_hotplug();
	if (access(NP_GNTDEV_DEV, R_OK | W_OK) == 0)
		case_file_first(false, true);
	else
		np_fail("gntdev", "%s: %s", NP_GNTDEV_DEV, strerror(errno));
	if (behind)
		case_file_first(true, false);
	if (held_behind)
		case_held_behind();
	if (kbinder) {
		case_kbinder(false);
		if (behind)
			case_kbinder(true);
	}

	/*
	 * Xen hands out the lowest free ports: the same ones, nothing
	 * leaked, once the holders' last references are gone.
	 */
	rc = ev_probe_settled(after, before, NP_PROBE);
	np_fmt_ports(a, sizeof(a), before, NP_PROBE);
	np_fmt_ports(b, sizeof(b), after, NP_PROBE);
	np_check(rc == 0 && !memcmp(before, after, sizeof(before)),
		 "no-port-left", "free ports before %s, after %s", a, b);
	return np_finish();
}
