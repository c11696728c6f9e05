// SPDX-License-Identifier: GPL-2.0-only
/*
 * evtchn-conform - ABI conformance of /dev/xen/evtchn.
 *
 * Uses only behaviour the in-tree drivers of Debian 11 to sid (5.10 to
 * 7.2) have, so it must pass on them and on nopanic's alike; where one of
 * them has a bug a case would reach (BIND_STATIC of port 0 on 6.12+), the
 * case runs on nopanic's module only and says so.  Needs a Xen dom0 (loopback
 * channels to domain 0), no xenstored, nothing else binding ports.
 *
 * Usage: evtchn-conform        (env NPTEST_PREFIX prefixes check names)
 */

#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "evtchn_abi.h"

#define WAIT_MS		5000	/* an event that must come */
#define QUIET_MS	300	/* an event that must not come */
#define PROBE_N		4

static char why[512];
/* The module under test is nopanic's (it has max_user_ports). */
static bool is_nopanic;

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * SIGALRM every @ms until disarmed: it interrupts system calls (no
 * SA_RESTART), and repeats in case one fires before read() blocks.
 */
static void arm_alarm(long ms)
{
	struct itimerval it = {
		.it_value = { ms / 1000, (ms % 1000) * 1000 },
		.it_interval = { ms / 1000, (ms % 1000) * 1000 },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm_alarm(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
}

static int open_or_die(const char *what)
{
	int fd = ev_open(true);

	if (fd < 0) {
		np_fail("open", "open %s for %s: %s", NP_EVTCHN_DEV, what,
			np_err(fd));
		exit(np_finish());
	}
	return fd;
}

static bool expect_rc(const char *name, int rc, int want)
{
	return np_check(rc == want, name, "got %s, want %s", np_err(rc),
			np_err(want));
}

/* ---- commands the driver does not know, bad argument pointers ---- */

/*
 * BIND_STATIC (nr 7) exists where the kernel has static event channels
 * (6.5+ upstream, Debian 13 on); elsewhere it is an unknown command. A bad
 * pointer tells which without binding anything.
 */
/*
 * BIND_STATIC of a port another file has bound (ours only): the in-tree
 * driver maps it a second time, and evtchn_make_refcounted() warns and
 * resets the port's reference count, which ends in a BUG_ON() at the next
 * unbinds. Ours answers EBUSY and leaves the other file's binding whole.
 */
static void test_bind_static_taken(int fd)
{
	struct np_port_arg p;
	int other = ev_open(true);
	int port = other < 0 ? other : ev_bind_unbound(other, 0);
	int rc;

	if (port <= 0) {
		np_fail("bind-static-taken-ebusy", "setup: %s", np_err(port));
		return;
	}
	p.port = port;
	rc = np_ioctl(fd, NP_IOCTL_BIND_STATIC, &p);
	expect_rc("bind-static-taken-ebusy", rc, -EBUSY);
	rc = ev_unbind(fd, port);
	expect_rc("bind-static-taken-not-ours", rc, -ENOTCONN);
	rc = ev_unbind(other, port);
	expect_rc("bind-static-taken-owner-unbinds", rc, 0);
	close(other);
}

static void test_bind_static(int fd)
{
	struct np_port_arg p = { .port = 0 };
	int rc;

	rc = np_ioctl(fd, NP_IOCTL_BIND_STATIC, (void *)1);
	if (rc == -ENOSYS) {
		np_ok("bind-static-enosys-or-efault");
		np_info("BIND_STATIC: unknown here (no static event channels)");
		return;
	}
	if (!expect_rc("bind-static-enosys-or-efault", rc, -EFAULT))
		return;
	/* Past the interface's last port: the kernel refuses to map it. */
	p.port = NP_MAX_PORTS;
	rc = np_ioctl(fd, NP_IOCTL_BIND_STATIC, &p);
	expect_rc("bind-static-past-last-port-enomem", rc, -ENOMEM);
	p.port = 0;
	if (!is_nopanic) {
		/* A driver bug, reported rather than run: see the README. */
		np_info("BIND_STATIC of port 0 not tried: the in-tree driver binds it and the kernel warns (events_base.c)");
		return;
	}
	rc = np_ioctl(fd, NP_IOCTL_BIND_STATIC, &p);
	expect_rc("bind-static-port0-einval", rc, -EINVAL);
	test_bind_static_taken(fd);
}

static void test_bad_commands(int fd)
{
	struct np_port_arg p = { .port = 0 };
	uint32_t big[4] = { 0xFFFFFFFFU, 0, 0, 0 };
	void *bad = (void *)1;
	int rc, rc2, rc3;

	rc = np_ioctl(fd, NP_EVTCHN_IOC(42, 0), NULL);
	rc2 = np_ioctl(fd, NP_EVTCHN_IOC(42, sizeof(p)), &p);
	np_check(rc == -ENOSYS && rc2 == -ENOSYS, "enosys-nr42",
		 "nr 42 size 0: %s, size 4: %s", np_err(rc), np_err(rc2));

	/* Known nr, wrong size or direction: a different command. */
	rc = np_ioctl(fd, NP_EVTCHN_IOC(3, 8), big);
	rc2 = np_ioctl(fd, _IOC(_IOC_WRITE, 'E', 4, sizeof(p)), big);
	rc3 = np_ioctl(fd, NP_EVTCHN_IOC(5, 4), big);
	np_check(rc == -ENOSYS && rc2 == -ENOSYS && rc3 == -ENOSYS,
		 "enosys-mismatched-size-or-dir",
		 "unbind size 8: %s, notify _IOC_WRITE: %s, reset size 4: %s",
		 np_err(rc), np_err(rc2), np_err(rc3));

	rc = np_ioctl(fd, NP_IOCTL_BIND_VIRQ, bad);
	expect_rc("efault-bind-virq", rc, -EFAULT);
	rc = np_ioctl(fd, NP_IOCTL_BIND_INTERDOMAIN, bad);
	expect_rc("efault-bind-interdomain", rc, -EFAULT);
	rc = np_ioctl(fd, NP_IOCTL_BIND_UNBOUND_PORT, bad);
	expect_rc("efault-bind-unbound-port", rc, -EFAULT);
	rc = np_ioctl(fd, NP_IOCTL_UNBIND, bad);
	expect_rc("efault-unbind", rc, -EFAULT);
	rc = np_ioctl(fd, NP_IOCTL_NOTIFY, bad);
	expect_rc("efault-notify", rc, -EFAULT);
	rc = np_ioctl(fd, NP_IOCTL_RESTRICT_DOMID, bad);
	expect_rc("efault-restrict-domid", rc, -EFAULT);

	/* The failed RESTRICT_DOMID must not have restricted the fd. */
	rc = ev_bind_unbound(fd, 0);
	rc2 = rc > 0 ? ev_unbind(fd, (unsigned int)rc) : rc;
	np_check(rc > 0 && rc2 == 0, "efault-restrict-leaves-fd-unrestricted",
		 "bind unbound after EFAULT restrict: %s, unbind: %s",
		 np_err(rc), np_err(rc2));

	/* RESET takes no argument: any pointer is fine. */
	rc = np_ioctl(fd, NP_IOCTL_RESET, bad);
	expect_rc("reset-ignores-argument", rc, 0);

	rc = ev_unbind(fd, NP_MAX_PORTS);
	rc2 = ev_unbind(fd, 0xFFFFFFFFU);
	np_check(rc == -EINVAL && rc2 == -EINVAL, "unbind-out-of-range-einval",
		 "unbind %u: %s, unbind 0xffffffff: %s", NP_MAX_PORTS,
		 np_err(rc), np_err(rc2));

	rc = ev_unbind(fd, 0);
	expect_rc("unbind-port0-enotconn", rc, -ENOTCONN);
	rc = ev_notify(fd, 0);
	rc2 = ev_notify(fd, 0xFFFFFFFFU);
	np_check(rc == -ENOTCONN && rc2 == -ENOTCONN, "notify-unbound-enotconn",
		 "notify 0: %s, notify 0xffffffff: %s", np_err(rc),
		 np_err(rc2));

	rc = ev_bind_interdomain(fd, 0, 0);
	np_check(rc == -EINVAL, "bind-interdomain-bad-remote-port-einval",
		 "bind_interdomain(0, port 0): %s (Xen's answer), want EINVAL",
		 np_err(rc));

	rc = ev_bind_virq(fd, 1000);
	np_check(rc == -EINVAL, "bind-virq-invalid-einval",
		 "bind_virq(1000): %s (Xen's answer), want EINVAL", np_err(rc));
}

/* ---- a loopback pair: u on fd A, i on fd B ---- */

struct pair {
	int fa, fb;		/* fds */
	uint32_t u, i;		/* ports: u unbound on fa, i interdomain on fb */
};

static bool make_pair(const char *name, struct pair *pr, int fa, int fb)
{
	int u, i;

	pr->fa = fa;
	pr->fb = fb;
	u = ev_bind_unbound(fa, 0);
	if (u <= 0) {
		np_fail(name, "bind_unbound_port(0): %s", np_err(u));
		return false;
	}
	i = ev_bind_interdomain(fb, 0, (unsigned int)u);
	if (i <= 0 || i == u) {
		np_fail(name, "bind_interdomain(0, %d): %s", u, np_err(i));
		ev_unbind(fa, (unsigned int)u);
		return false;
	}
	pr->u = (uint32_t)u;
	pr->i = (uint32_t)i;
	np_info("%s: unbound port u=%u, interdomain port i=%u", name, pr->u,
		pr->i);
	/* Xen marks i pending right after the bind: drain that event. */
	if (ev_expect(fb, pr->i, WAIT_MS, true, why, sizeof(why)) < 0) {
		np_fail(name, "initial event of interdomain port: %s", why);
		return false;
	}
	np_ok(name);
	return true;
}

static void test_read_write_poll(struct pair *pr)
{
	int fa = pr->fa, fb = pr->fb;
	uint32_t buf[16];
	uint8_t six[6];
	ssize_t n, n2;
	int rc, rc2;

	rc = ev_poll(fa, POLLIN | POLLOUT, 0);
	np_check(rc == POLLOUT, "poll-empty-pollout",
		 "revents 0x%x, want POLLOUT only (0x%x)", rc, POLLOUT);

	rc = ev_read(fa, buf, 16);
	expect_rc("read-empty-nonblock-eagain", rc, -EAGAIN);

	n = read(fa, buf, 0);
	n2 = read(fa, buf, 3);
	np_check(n == 0 && n2 == 0, "read-under-4-bytes-empty",
		 "read 0 bytes: %zd, read 3 bytes: %zd (errno %d)", n, n2,
		 errno);

	/* One event pending on A. */
	rc = ev_notify(fb, pr->i);
	expect_rc("notify-ok", rc, 0);
	rc2 = ev_poll(fa, POLLIN, WAIT_MS);	/* wait for it */
	rc = ev_poll(fa, POLLIN | POLLOUT, 0);
	np_check(rc == (POLLIN | POLLOUT), "poll-pending-pollin",
		 "revents 0x%x (0x%x after waiting for POLLIN), want POLLIN|POLLOUT",
		 rc, rc2);

	n = read(fa, buf, 3);
	np_check(n == 0, "read-3-bytes-returns-0",
		 "read of 3 bytes with an event pending: %zd", n);

	buf[0] = 0xdeadbeef;
	n = read(fa, buf, 4);
	np_check(n == 4 && buf[0] == pr->u, "read-4-bytes-event",
		 "read %zd bytes, port %u, want 4 bytes, port %u", n, buf[0],
		 pr->u);

	rc = ev_read(fa, buf, 16);
	expect_rc("read-drained-eagain", rc, -EAGAIN);

	/* Not EOI'd: u stays masked, a new notify must not show up yet. */
	rc = ev_notify(fb, pr->i);
	rc2 = ev_poll(fa, POLLIN, QUIET_MS);
	np_check(rc == 0 && rc2 == 0, "delivered-port-masked-until-eoi",
		 "notify: %s, poll within %d ms: revents 0x%x (want none)",
		 np_err(rc), QUIET_MS, rc2);

	/* write() rounds down to whole ports: 6 bytes EOI one port. */
	memcpy(six, &pr->u, 4);
	six[4] = 0xff;
	six[5] = 0xff;
	rc = ev_write(fa, six, sizeof(six));
	expect_rc("write-6-bytes-returns-4", rc, 4);

	/* The pending event comes in on EOI. */
	rc = ev_expect(fa, pr->u, WAIT_MS, false, why, sizeof(why));
	np_check(rc == 0, "eoi-delivers-pending-event", "%s", why);

	rc = ev_eoi(fa, pr->u);
	expect_rc("write-4-bytes-returns-4", rc, 4);

	n = write(fa, buf, 3);
	n2 = write(fa, buf, 0);
	np_check(n == 0 && n2 == 0, "write-under-4-bytes-returns-0",
		 "write 3 bytes: %zd, write 0 bytes: %zd", n, n2);

	buf[0] = NP_MAX_PORTS - 1;	/* not bound on this fd */
	buf[1] = 0;
	rc = ev_write(fa, buf, 8);
	expect_rc("write-foreign-ports-ignored", rc, 8);

	/* RESET drops what is pending. */
	rc = ev_notify(fb, pr->i);
	rc2 = ev_poll(fa, POLLIN, WAIT_MS);
	if (np_check(rc == 0 && (rc2 & POLLIN), "reset-setup",
		     "notify: %s, poll: 0x%x", np_err(rc), rc2)) {
		rc = ev_reset(fa);
		rc2 = ev_read(fa, buf, 16);
		np_check(rc == 0 && rc2 == -EAGAIN, "reset-drops-pending",
			 "reset: %s, read after: %s (want EAGAIN)",
			 np_err(rc), np_err(rc2));
	}
	/* The dropped entry was never EOI'd: u is masked until we do. */
	rc = ev_eoi(fa, pr->u);
	if (rc != 4)
		np_info("EOI after reset: %s", np_err(rc));
	np_round_trip("reset-then-events-flow", fb, pr->i, fa, pr->u);

	np_round_trip("loopback-i-to-u", fb, pr->i, fa, pr->u);
	np_round_trip("loopback-u-to-i", fa, pr->u, fb, pr->i);
}

static void test_other_fd(struct pair *pr)
{
	int rc, rc2;

	rc = ev_unbind(pr->fb, pr->u);
	rc2 = ev_unbind(pr->fa, pr->i);
	np_check(rc == -ENOTCONN && rc2 == -ENOTCONN,
		 "unbind-other-fds-port-enotconn",
		 "unbind u=%u on B: %s, unbind i=%u on A: %s", pr->u,
		 np_err(rc), pr->i, np_err(rc2));

	rc = ev_notify(pr->fb, pr->u);
	rc2 = ev_notify(pr->fa, pr->i);
	np_check(rc == -ENOTCONN && rc2 == -ENOTCONN,
		 "notify-other-fds-port-enotconn",
		 "notify u=%u on B: %s, notify i=%u on A: %s", pr->u,
		 np_err(rc), pr->i, np_err(rc2));

	/* ... and the owners are unaffected. */
	np_round_trip("other-fd-still-works-i-to-u", pr->fb, pr->i, pr->fa,
		   pr->u);
	np_round_trip("other-fd-still-works-u-to-i", pr->fa, pr->u, pr->fb,
		   pr->i);
}

static void test_same_fd_loopback(int fd)
{
	struct pair pr;

	if (!make_pair("loopback-same-fd-bind", &pr, fd, fd))
		return;
	np_round_trip("loopback-same-fd-i-to-u", fd, pr.i, fd, pr.u);
	np_round_trip("loopback-same-fd-u-to-i", fd, pr.u, fd, pr.i);
	expect_rc("loopback-same-fd-unbind-i", ev_unbind(fd, pr.i), 0);
	expect_rc("loopback-same-fd-unbind-u", ev_unbind(fd, pr.u), 0);
}

/* Two events pending on A, read 4 bytes, then the rest. */
static void test_short_read(struct pair *p1, int fc)
{
	struct pair p2, pc;
	uint32_t buf[16], first;
	ssize_t n;
	int rc, rc2, rc3, got;

	if (!make_pair("short-read-second-pair", &p2, p1->fa, p1->fb))
		return;
	if (!make_pair("short-read-barrier-pair", &pc, fc, p1->fb))
		return;

	rc = ev_notify(p1->fb, p1->i);
	rc2 = ev_notify(p1->fb, p2.i);
	rc3 = ev_notify(p1->fb, pc.i);
	if (!np_check(rc == 0 && rc2 == 0 && rc3 == 0, "short-read-notify",
		      "notify: %s %s %s", np_err(rc), np_err(rc2),
		      np_err(rc3)))
		return;
	/*
	 * Barrier: events are delivered in order on vcpu 0, so once the
	 * third one (on C) is in, both on A normally are too.  Not an
	 * assertion: the check below holds either way.
	 */
	if (ev_expect(fc, pc.u, WAIT_MS, true, why, sizeof(why)) < 0)
		np_info("short-read barrier: %s", why);
	if (ev_poll(p1->fa, POLLIN, WAIT_MS) <= 0) {
		np_fail("short-read-4-bytes", "no event on A");
		return;
	}
	buf[0] = 0;
	n = read(p1->fa, buf, 4);
	first = buf[0];
	np_check(n == 4 && (first == p1->u || first == p2.u),
		 "short-read-4-bytes",
		 "read(4) = %zd, port %u, want 4 bytes, port %u or %u", n,
		 first, p1->u, p2.u);

	got = ev_collect(p1->fa, buf, 16, 1, WAIT_MS);
	np_check(n == 4 && got == 1 &&
		 buf[0] == (first == p1->u ? p2.u : p1->u),
		 "short-read-rest",
		 "after reading port %u: %d more entries (%s), first %u",
		 first, got, np_err(got), got > 0 ? buf[0] : 0);
	ev_eoi(p1->fa, p1->u);
	ev_eoi(p1->fa, p2.u);

	rc = ev_unbind(p1->fa, p2.u);
	rc2 = ev_unbind(p1->fb, p2.i);
	np_check(rc == 0 && rc2 == 0, "unbind-ok", "unbind u=%u: %s, i=%u: %s",
		 p2.u, np_err(rc), p2.i, np_err(rc2));
	rc = ev_unbind(p1->fa, p2.u);
	expect_rc("unbind-twice-enotconn", rc, -ENOTCONN);
	rc = ev_notify(p1->fa, p2.u);
	expect_rc("notify-after-unbind-enotconn", rc, -ENOTCONN);
	ev_unbind(fc, pc.u);
	ev_unbind(p1->fb, pc.i);
}

static void test_blocking_read(struct pair *pr)
{
	struct sigaction sa;
	uint32_t buf[16];
	pid_t pid;
	ssize_t n;
	int err, rc, status;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;			/* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);

	rc = ev_read(pr->fa, buf, 16);
	if (rc != -EAGAIN)
		np_info("blocking read: ring not empty before: %s",
			np_err(rc));
	if (ev_set_nonblock(pr->fa, false) < 0) {
		np_fail("read-blocking-eintr", "fcntl: %s", np_err(-errno));
		return;
	}

	/* Nothing pending, a signal: EINTR. */
	arm_alarm(200);
	n = read(pr->fa, buf, sizeof(buf));
	err = errno;
	disarm_alarm();
	np_check(n < 0 && err == EINTR, "read-blocking-eintr",
		 "read on an empty ring interrupted by SIGALRM: %zd (%s)", n,
		 n < 0 ? np_err(-err) : "data");

	/* A child notifies later: the blocked read wakes with the event. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		np_sleep_ms(300);
		_exit(ev_notify(pr->fb, pr->i) == 0 ? 0 : 1);
	}
	arm_alarm(10000);	/* safety net, not expected to fire */
	n = read(pr->fa, buf, sizeof(buf));
	err = errno;
	disarm_alarm();
	status = -1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	np_check(pid > 0 && n == 4 && buf[0] == pr->u,
		 "read-blocking-wakes",
		 "fork %d, child status 0x%x, read %zd (%s), port %u, want 4 bytes, port %u",
		 (int)pid, status, n, n < 0 ? np_err(-err) : "ok",
		 n > 0 ? buf[0] : 0, pr->u);
	ev_set_nonblock(pr->fa, true);
	ev_eoi(pr->fa, pr->u);
}

/* ---- ring overflow ---- */

static void test_overflow(void)
{
	int fa = open_or_die("overflow"), fb = open_or_die("overflow");
	long long deadline;
	uint32_t buf[16];
	struct pair pr;
	int iter = 0, rc, rc2, rev = 0;
	bool over = false;

	if (!make_pair("overflow-pair", &pr, fa, fb))
		goto out;
	/*
	 * Fill the ring without reading: notify, let the event in, EOI
	 * so the next one can come, again and again.  Whether an event is
	 * in yet cannot be seen once the ring is non-empty: pace a little,
	 * and stop as soon as poll() reports the overflow.
	 */
	deadline = np_now_ms() + 20000;
	while (np_now_ms() < deadline) {
		rc = ev_notify(fb, pr.i);
		if (rc != 0) {
			np_fail("overflow-reached", "notify: %s", np_err(rc));
			goto out;
		}
		if (iter == 0)
			ev_poll(fa, POLLIN, WAIT_MS);
		else
			np_sleep_ms(1);
		rc = ev_eoi(fa, pr.u);
		if (rc != 4) {
			np_fail("overflow-reached", "EOI: %s", np_err(rc));
			goto out;
		}
		iter++;
		rev = ev_poll(fa, POLLIN, 0);
		if (rev > 0 && (rev & POLLERR)) {
			over = true;
			break;
		}
	}
	np_info("overflow: %d notify/EOI rounds, last revents 0x%x", iter,
		rev);
	if (!np_check(over, "overflow-reached",
		      "no POLLERR after %d rounds in 20 s", iter))
		goto out;
	/* Settle: let an in-flight delivery land (pacing, not a check). */
	np_sleep_ms(500);

	rc = ev_poll(fa, POLLIN | POLLOUT, 0);
	np_check(rc == POLLERR, "overflow-poll-pollerr-only",
		 "revents 0x%x, want POLLERR only (0x%x)", rc, POLLERR);
	rc = ev_read(fa, buf, 16);
	rc2 = ev_read(fa, buf, 16);
	np_check(rc == -EFBIG && rc2 == -EFBIG, "overflow-read-efbig",
		 "read: %s, again: %s", np_err(rc), np_err(rc2));

	rc = ev_reset(fa);
	expect_rc("overflow-reset", rc, 0);
	rc = ev_read(fa, buf, 16);
	expect_rc("overflow-reset-read-eagain", rc, -EAGAIN);
	rc = ev_poll(fa, POLLIN | POLLOUT, 0);
	np_check(rc == POLLOUT, "overflow-reset-poll",
		 "revents 0x%x, want POLLOUT only", rc);

	/* u may be masked (its last entry was dropped): EOI, then flow. */
	rc = ev_eoi(fa, pr.u);
	rc2 = ev_notify(fb, pr.i);
	if (rc != 4 || rc2 != 0) {
		np_fail("overflow-events-flow-again", "EOI: %s, notify: %s",
			np_err(rc), np_err(rc2));
		goto out;
	}
	rc = ev_expect(fa, pr.u, WAIT_MS, true, why, sizeof(why));
	np_check(rc == 0, "overflow-events-flow-again", "%s", why);
out:
	close(fa);
	close(fb);
}

/* ---- RESTRICT_DOMID ---- */

static void test_restrict(void)
{
	int fr = open_or_die("restrict"), fx = open_or_die("restrict");
	int r0, rc, rc2;

	r0 = ev_bind_unbound(fr, 0);	/* bound before the restriction */
	if (r0 <= 0) {
		np_fail("restrict-domid", "bind_unbound before: %s",
			np_err(r0));
		goto out;
	}
	np_info("restrict: port %d bound before restricting", r0);

	rc = ev_restrict(fr, 1);
	if (!expect_rc("restrict-domid", rc, 0))
		goto out;

	rc = ev_bind_virq(fr, NP_VIRQ_DOM_EXC);
	expect_rc("restricted-bind-virq-eacces", rc, -EACCES);
	rc = ev_bind_unbound(fr, 0);
	rc2 = ev_bind_unbound(fr, 1);
	np_check(rc == -EACCES && rc2 == -EACCES,
		 "restricted-bind-unbound-eacces",
		 "remote 0: %s, remote 1: %s", np_err(rc), np_err(rc2));
	/* r0 is a valid target: only the restriction can refuse. */
	rc = ev_bind_interdomain(fr, 0, (unsigned int)r0);
	expect_rc("restricted-bind-interdomain-other-domid-eacces", rc,
		  -EACCES);
	/* The allowed domid passes the check; Xen has no domain 1. */
	rc = ev_bind_interdomain(fr, 1, (unsigned int)r0);
	np_check(rc < 0 && rc != -EACCES,
		 "restricted-bind-interdomain-own-domid-reaches-xen",
		 "bind_interdomain(1, %d): %s, want an error from Xen",
		 r0, np_err(rc));
	np_info("restrict: bind_interdomain to absent domain 1: %s",
		np_err(rc));

	rc = ev_restrict(fr, 2);
	rc2 = ev_restrict(fr, 1);
	np_check(rc == -EACCES && rc2 == -EACCES, "restrict-second-eacces",
		 "restrict 2: %s, restrict 1 again: %s", np_err(rc),
		 np_err(rc2));

	/* In-tree order: the restriction is checked before the copy. */
	rc = np_ioctl(fr, NP_IOCTL_RESTRICT_DOMID, (void *)1);
	rc2 = np_ioctl(fr, NP_IOCTL_BIND_VIRQ, (void *)1);
	np_check(rc == -EACCES && rc2 == -EACCES,
		 "restricted-eacces-before-efault",
		 "restrict(bad ptr): %s, bind_virq(bad ptr): %s", np_err(rc),
		 np_err(rc2));
	rc = np_ioctl(fr, NP_IOCTL_BIND_UNBOUND_PORT, (void *)1);
	rc2 = np_ioctl(fr, NP_IOCTL_BIND_INTERDOMAIN, (void *)1);
	np_check(rc == -EACCES && rc2 == -EFAULT,
		 "restricted-errno-order-unbound-interdomain",
		 "bind_unbound(bad ptr): %s (want EACCES), bind_interdomain(bad ptr): %s (want EFAULT)",
		 np_err(rc), np_err(rc2));

	rc = ev_unbind(fr, (unsigned int)r0);
	expect_rc("restricted-unbind-still-works", rc, 0);

	rc = ev_restrict(fx, 0);
	expect_rc("restrict-domid-0-einval", rc, -EINVAL);
	rc = ev_restrict(fx, NP_DOMID_FIRST_RESERVED);
	rc2 = ev_restrict(fx, 0xFFFF);
	np_check(rc == -EINVAL && rc2 == -EINVAL,
		 "restrict-domid-reserved-einval",
		 "restrict 0x7ff0: %s, 0xffff: %s", np_err(rc), np_err(rc2));
	/* A refused restriction does not use up the one allowed. */
	rc = ev_restrict(fx, NP_DOMID_FIRST_RESERVED - 1);
	rc2 = ev_bind_unbound(fx, 0);
	np_check(rc == 0 && rc2 == -EACCES, "restrict-after-einval-works",
		 "restrict 0x7fef: %s, then bind_unbound: %s (want EACCES)",
		 np_err(rc), np_err(rc2));
out:
	close(fr);
	close(fx);
}

/* ---- VIRQ ---- */

static void test_virq(void)
{
	int f1 = open_or_die("virq"), f2 = open_or_die("virq");
	int v, rc, rc2;

	v = ev_bind_virq(f1, NP_VIRQ_DOM_EXC);
	if (!np_check(v > 0, "bind-virq-dom-exc",
		      "bind_virq(VIRQ_DOM_EXC): %s", np_err(v)))
		goto out;
	np_info("virq: VIRQ_DOM_EXC bound to port %d", v);

	rc = ev_bind_virq(f2, NP_VIRQ_DOM_EXC);
	np_info("virq: second bind on another fd: %s", np_err(rc));
	np_check(rc < 0, "bind-virq-twice-other-fd-fails",
		 "second bind_virq(VIRQ_DOM_EXC) on another fd: %s",
		 np_err(rc));
	rc2 = ev_bind_virq(f1, NP_VIRQ_DOM_EXC);
	np_info("virq: second bind on the same fd: %s", np_err(rc2));
	np_check(rc2 < 0, "bind-virq-twice-same-fd-fails",
		 "second bind_virq(VIRQ_DOM_EXC) on the same fd: %s",
		 np_err(rc2));
	/* Refused binds must not have disturbed the first one. */
	rc = ev_notify(f1, (unsigned int)v);
	expect_rc("bind-virq-first-still-bound", rc, 0);

	rc = ev_unbind(f1, (unsigned int)v);
	expect_rc("unbind-virq", rc, 0);
	v = ev_bind_virq(f2, NP_VIRQ_DOM_EXC);
	np_check(v > 0, "bind-virq-after-unbind",
		 "bind_virq(VIRQ_DOM_EXC) after unbind: %s", np_err(v));
	close(f2);
	f2 = -1;
	/* Closing the fd released the virq. */
	v = ev_bind_virq(f1, NP_VIRQ_DOM_EXC);
	np_check(v > 0, "bind-virq-after-close",
		 "bind_virq(VIRQ_DOM_EXC) after closing its fd: %s",
		 np_err(v));
	if (v > 0)
		ev_unbind(f1, (unsigned int)v);
out:
	close(f1);
	if (f2 >= 0)
		close(f2);
}

/* ---- close releases ports, lowest free port reused ---- */

static void test_close_releases(void)
{
	enum { N = 5 };
	uint32_t a[N], b[N];
	char sa[128], sb[128];
	int fx = open_or_die("close"), fy, i, rc = 0;
	uint32_t lo = UINT32_MAX;

	for (i = 0; i < N; i++) {
		rc = ev_bind_unbound(fx, 0);
		if (rc <= 0)
			break;
		a[i] = (uint32_t)rc;
		if (a[i] < lo)
			lo = a[i];
	}
	if (!np_check(i == N, "close-releases-setup", "bind %d: %s", i,
		      np_err(rc))) {
		close(fx);
		return;
	}
	close(fx);
	fy = open_or_die("close");
	for (i = 0; i < N; i++) {
		rc = ev_bind_unbound(fy, 0);
		b[i] = rc > 0 ? (uint32_t)rc : 0;
	}
	np_fmt_ports(sa, sizeof(sa), a, N);
	np_fmt_ports(sb, sizeof(sb), b, N);
	np_info("close: ports before close %s, after %s", sa, sb);
	np_check(b[0] > 0 && b[0] <= lo, "close-releases-ports",
		 "first bind after close: %u, want <= %u (lowest released)",
		 b[0], lo);
	np_check(memcmp(a, b, sizeof(a)) == 0, "close-releases-all-ports",
		 "ports %s before close, %s after", sa, sb);
	close(fy);
}

/* ---- the ring grows with the ports bound ---- */

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/* @got (n entries) is exactly the set @want (n entries): 0, else -1. */
static int same_set(uint32_t *got, int n, uint32_t *want, int nw)
{
	int i;

	if (n != nw)
		return -1;
	qsort(got, (size_t)n, sizeof(*got), cmp_u32);
	qsort(want, (size_t)n, sizeof(*want), cmp_u32);
	for (i = 0; i < n; i++)
		if (got[i] != want[i])
			return -1;
	return 0;
}

static void test_ring_growth(void)
{
	enum { NU = 200, NI = 100 };
	static uint32_t u[NU], in[NI], got[NU + 64], want[NI];
	int g1 = open_or_die("ring"), g2 = open_or_die("ring");
	int k, rc = 0, n;

	for (k = 0; k < NU; k++) {
		rc = ev_bind_unbound(g1, 0);
		if (rc <= 0)
			break;
		u[k] = (uint32_t)rc;
	}
	if (!np_check(k == NU, "ring-growth-bind-200",
		      "bind_unbound #%d: %s", k, np_err(rc)))
		goto out;
	for (k = 0; k < NI; k++) {
		rc = ev_bind_interdomain(g2, 0, u[k]);
		if (rc <= 0)
			break;
		in[k] = (uint32_t)rc;
	}
	if (!np_check(k == NI, "ring-growth-bind-100-interdomain",
		      "bind_interdomain #%d to %u: %s", k, u[k], np_err(rc)))
		goto out;
	np_info("ring: %d ports on fd 1 (%u..%u), %d on fd 2 (%u..%u)", NU,
		u[0], u[NU - 1], NI, in[0], in[NI - 1]);

	/* The initial event of every interdomain port, all on fd 2. */
	n = ev_collect(g2, got, NU + 64, NI, 10000);
	memcpy(want, in, sizeof(want));
	np_check(n == NI && same_set(got, n, want, NI) == 0,
		 "ring-growth-initial-events",
		 "read %d (%s) initial events, want the %d interdomain ports",
		 n, np_err(n), NI);
	rc = n > 0 ? ev_write(g2, got, (size_t)n * 4) : 0;
	if (n > 0 && rc != n * 4)
		np_info("ring: EOI of %d ports: %s", n, np_err(rc));

	for (k = 0; k < NI; k++) {
		rc = ev_notify(g2, in[k]);
		if (rc != 0)
			break;
	}
	if (!np_check(k == NI, "ring-growth-notify-100",
		      "notify %u: %s", k < NI ? in[k] : 0, np_err(rc)))
		goto out;
	n = ev_collect(g1, got, NU + 64, NI, 10000);
	memcpy(want, u, sizeof(want));
	np_check(n == NI && same_set(got, n, want, NI) == 0,
		 "ring-growth-100-events-no-efbig",
		 "read %d (%s) events, want the %d notified ports, no EFBIG",
		 n, np_err(n), NI);
out:
	close(g1);
	close(g2);
}

int main(void)
{
	uint32_t before[PROBE_N], after[PROBE_N];
	char sb[128], sa[128];
	long long maxp;
	struct pair pr;
	int fa, fb, fc, rc;

	np_init();
	is_nopanic = np_read_ll(NP_PARAM_MAX_USER_PORTS, &maxp) == 0;
	if (is_nopanic)
		np_info("max_user_ports=%lld (nopanic module)", maxp);
	else
		np_info("no max_user_ports parameter (in-tree module?)");

	fa = open_or_die("A");
	fb = open_or_die("B");
	fc = open_or_die("C");
	np_ok("open");

	rc = ev_probe_free(before, PROBE_N);
	np_fmt_ports(sb, sizeof(sb), before, PROBE_N);
	if (!np_check(rc == 0, "probe-free-ports", "bind: %s", np_err(rc)))
		return np_finish();
	np_info("lowest free ports at start: %s", sb);

	test_bad_commands(fa);
	test_bind_static(fa);

	if (make_pair("loopback-bind", &pr, fa, fb)) {
		test_read_write_poll(&pr);
		test_other_fd(&pr);
		test_short_read(&pr, fc);
		test_blocking_read(&pr);
		expect_rc("unbind-interdomain-port", ev_unbind(fb, pr.i), 0);
		expect_rc("unbind-unbound-port", ev_unbind(fa, pr.u), 0);
	}
	test_same_fd_loopback(fc);
	test_overflow();
	test_restrict();
	test_virq();
	test_close_releases();
	test_ring_growth();

	close(fa);
	close(fb);
	close(fc);

	rc = ev_probe_free(after, PROBE_N);
	np_fmt_ports(sa, sizeof(sa), after, PROBE_N);
	np_check(rc == 0 && memcmp(before, after, sizeof(after)) == 0,
		 "no-port-leak", "lowest free ports at start %s, at end %s (%s)",
		 sb, sa, np_err(rc));
	return np_finish();
}
