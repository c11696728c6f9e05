// SPDX-License-Identifier: GPL-2.0-only
/*
 * evtchn-stress - concurrent bind/unbind across files: the seed's race.
 *
 * In 3.10 one global port table let file B's bind find file A's stale
 * entry for a port Xen had just re-issued, and BUG().  Here P processes,
 * each with two fds, bind unbound ports and loopback pairs, notify, read
 * and EOI, unbind and close/reopen at random until N operations are done
 * in all.  Any unexpected errno fails; a port handed out while it is still
 * bound (anywhere in the run: a shared bitmap tracks every live port) fails.
 *
 * Usage: evtchn-stress [-p PROCS] [-n OPS] [-s SEED]   (env NPTEST_PREFIX)
 */

#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "evtchn_abi.h"

#define MAX_LIVE	64	/* ports one process holds at most */
#define MAX_PROCS	256
#define READ_MAX	256
#define WAIT_MS		5000
#define MAX_ERR_LINES	10

struct child_stat {
	uint64_t ops, binds, pairs, notifies, reads, events, eois;
	uint64_t unbinds, reopens, efbig, errors, dups, final_fail;
	int roundtrip_ok;
	char first_err[256];
};

struct shared {
	/* One bit per port bound by any child right now. */
	_Atomic uint64_t live[NP_MAX_PORTS / 64];
	struct child_stat st[MAX_PROCS];
};

struct slot {
	bool used;
	uint32_t port;
	int fdi;		/* which of the two fds */
	int partner;		/* slot of the other end of a pair, or -1 */
};

struct child {
	int id;
	uint64_t rng;
	int fds[2];
	uint8_t *ever[2];	/* ports ever bound on fds[i] since open */
	struct slot s[MAX_LIVE];
	int nlive;
	struct child_stat *st;
	struct shared *sh;
};

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static unsigned int rnd(struct child *c, unsigned int n)
{
	return (unsigned int)(rng_next(&c->rng) >> 33) % n;
}

static void child_err(struct child *c, const char *fmt, ...) NP_PRINTF(2, 3);
static void child_err(struct child *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->st->errors == 0)
		snprintf(c->st->first_err, sizeof(c->st->first_err), "%s",
			 msg);
	if (c->st->errors < MAX_ERR_LINES)
		np_info("stress proc%d op %llu: %s", c->id,
			(unsigned long long)c->st->ops, msg);
	c->st->errors++;
}

static void ever_set(struct child *c, int fdi, uint32_t port)
{
	c->ever[fdi][port / 8] |= (uint8_t)(1U << (port % 8));
}

static bool ever_test(struct child *c, int fdi, uint32_t port)
{
	return c->ever[fdi][port / 8] & (1U << (port % 8));
}

/* A bind returned @port on fds[@fdi]: it must not be bound anywhere. */
static int track_bind(struct child *c, int fdi, int rc, const char *op)
{
	uint32_t port = (uint32_t)rc;
	uint64_t bit, old;
	int k;

	if (rc <= 0 || port >= NP_MAX_PORTS) {
		child_err(c, "%s on fd%d returned %s", op, fdi, np_err(rc));
		return -1;
	}
	for (k = 0; k < MAX_LIVE; k++) {
		if (c->s[k].used && c->s[k].port == port) {
			c->st->dups++;
			child_err(c, "%s on fd%d returned port %u, still bound on this process's fd%d",
				  op, fdi, port, c->s[k].fdi);
			return -1;
		}
	}
	bit = 1ULL << (port % 64);
	old = atomic_fetch_or(&c->sh->live[port / 64], bit);
	if (old & bit) {
		c->st->dups++;
		child_err(c, "%s on fd%d returned port %u, still bound by another process",
			  op, fdi, port);
		return -1;
	}
	for (k = 0; k < MAX_LIVE; k++) {
		if (!c->s[k].used) {
			c->s[k] = (struct slot){ true, port, fdi, -1 };
			c->nlive++;
			ever_set(c, fdi, port);
			return k;
		}
	}
	/* Callers keep nlive < MAX_LIVE: cannot happen. */
	child_err(c, "internal: no free slot");
	return -1;
}

/* Clear the live bit before the port is released: never a false dup. */
static void live_clear(struct child *c, uint32_t port)
{
	atomic_fetch_and(&c->sh->live[port / 64], ~(1ULL << (port % 64)));
}

static void slot_del(struct child *c, int k)
{
	int p = c->s[k].partner;

	if (p >= 0)
		c->s[p].partner = -1;
	c->s[k].used = false;
	c->s[k].partner = -1;
	c->nlive--;
}

static int pick_slot(struct child *c)
{
	int start = (int)rnd(c, MAX_LIVE), k;

	for (k = 0; k < MAX_LIVE; k++) {
		int j = (start + k) % MAX_LIVE;

		if (c->s[j].used)
			return j;
	}
	return -1;
}

static int op_bind_unbound(struct child *c)
{
	int fdi = (int)rnd(c, 2);
	int rc = ev_bind_unbound(c->fds[fdi], 0);

	c->st->binds++;
	return track_bind(c, fdi, rc, "bind_unbound_port");
}

static void op_bind_pair(struct child *c)
{
	int fu = (int)rnd(c, 2), fi = (int)rnd(c, 2), ku, ki, rc;
	uint32_t u;

	rc = ev_bind_unbound(c->fds[fu], 0);
	ku = track_bind(c, fu, rc, "bind_unbound_port (pair)");
	if (ku < 0)
		return;
	u = c->s[ku].port;
	rc = ev_bind_interdomain(c->fds[fi], 0, u);
	ki = track_bind(c, fi, rc, "bind_interdomain (pair)");
	if (ki < 0)
		return;
	c->s[ku].partner = ki;
	c->s[ki].partner = ku;
	c->st->pairs++;
}

static void op_notify(struct child *c)
{
	int k = pick_slot(c), rc;

	if (k < 0)
		return;
	rc = ev_notify(c->fds[c->s[k].fdi], c->s[k].port);
	c->st->notifies++;
	if (rc != 0)
		child_err(c, "notify port %u on fd%d: %s", c->s[k].port,
			  c->s[k].fdi, np_err(rc));
}

/*
 * Drain fds[@fdi]: check every port read was bound on that fd, EOI all.
 * Returns true if @want (when not UINT32_MAX) was among them.
 */
static bool op_read(struct child *c, int fdi, uint32_t want)
{
	uint32_t buf[READ_MAX];
	bool seen = false;
	int round, n, i, rc;

	c->st->reads++;
	for (round = 0; round < 8; round++) {
		n = ev_read(c->fds[fdi], buf, READ_MAX);
		if (n == -EAGAIN)
			break;
		if (n == -EFBIG) {
			/* Legal when stale entries pile up: count, reset. */
			c->st->efbig++;
			np_info("stress proc%d: ring overflow on fd%d, reset",
				c->id, fdi);
			rc = ev_reset(c->fds[fdi]);
			if (rc != 0)
				child_err(c, "reset fd%d: %s", fdi,
					  np_err(rc));
			break;
		}
		if (n < 0) {
			child_err(c, "read fd%d: %s", fdi, np_err(n));
			break;
		}
		if (n == 0) {
			child_err(c, "read fd%d returned 0 bytes", fdi);
			break;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] >= NP_MAX_PORTS ||
			    !ever_test(c, fdi, buf[i]))
				child_err(c, "read fd%d: port %u was never bound on this fd",
					  fdi, buf[i]);
			if (buf[i] == want)
				seen = true;
		}
		c->st->events += (uint64_t)n;
		rc = ev_write(c->fds[fdi], buf, (size_t)n * 4);
		if (rc != n * 4)
			child_err(c, "EOI write of %d ports on fd%d: %s", n,
				  fdi, np_err(rc));
		else
			c->st->eois += (uint64_t)n;
	}
	return seen;
}

static int unbind_slot(struct child *c, int k)
{
	uint32_t port = c->s[k].port;
	int fdi = c->s[k].fdi, rc;

	live_clear(c, port);
	rc = ev_unbind(c->fds[fdi], port);
	c->st->unbinds++;
	slot_del(c, k);
	if (rc != 0)
		child_err(c, "unbind port %u on fd%d: %s", port, fdi,
			  np_err(rc));
	return rc;
}

static void op_unbind(struct child *c)
{
	int k = pick_slot(c);

	if (k >= 0)
		unbind_slot(c, k);
}

static void op_reopen(struct child *c)
{
	int fdi = (int)rnd(c, 2), k, fd;

	for (k = 0; k < MAX_LIVE; k++) {
		if (c->s[k].used && c->s[k].fdi == fdi) {
			live_clear(c, c->s[k].port);
			slot_del(c, k);
		}
	}
	close(c->fds[fdi]);		/* releases everything bound on it */
	memset(c->ever[fdi], 0, NP_MAX_PORTS / 8);
	fd = ev_open(true);
	if (fd < 0) {
		child_err(c, "reopen fd%d: %s", fdi, np_err(fd));
		exit(1);
	}
	c->fds[fdi] = fd;
	c->st->reopens++;
}

/* A fresh loopback pair across the two fds must carry an event. */
static void final_round_trip(struct child *c)
{
	long long deadline;
	int ku, ki, rc;
	uint32_t u, i;
	bool seen = false;

	while (c->nlive > MAX_LIVE - 2)
		op_unbind(c);
	rc = ev_bind_unbound(c->fds[0], 0);
	ku = track_bind(c, 0, rc, "final bind_unbound_port");
	if (ku < 0)
		return;
	u = c->s[ku].port;
	rc = ev_bind_interdomain(c->fds[1], 0, u);
	ki = track_bind(c, 1, rc, "final bind_interdomain");
	if (ki < 0)
		return;
	i = c->s[ki].port;
	c->s[ku].partner = ki;
	c->s[ki].partner = ku;

	/* The initial event of i (Xen marks it pending), among others. */
	deadline = np_now_ms() + WAIT_MS;
	while (!seen && np_now_ms() < deadline) {
		ev_poll(c->fds[1], POLLIN, 100);
		seen = op_read(c, 1, i);
	}
	if (!seen)
		np_info("stress proc%d: no initial event on port %u", c->id,
			i);

	rc = ev_notify(c->fds[1], i);
	if (rc != 0) {
		child_err(c, "final notify port %u on fd1: %s", i,
			  np_err(rc));
		return;
	}
	seen = false;
	deadline = np_now_ms() + WAIT_MS;
	while (!seen && np_now_ms() < deadline) {
		ev_poll(c->fds[0], POLLIN, 100);
		seen = op_read(c, 0, u);
	}
	if (seen)
		c->st->roundtrip_ok = 1;
	else
		child_err(c, "final round trip: notify %u on fd1, no event on port %u on fd0 within %d ms",
			  i, u, WAIT_MS);
}

static int child_main(struct shared *sh, int id, uint64_t seed,
		      uint64_t nops)
{
	struct child c;
	uint64_t n;
	int k;

	memset(&c, 0, sizeof(c));
	c.id = id;
	c.sh = sh;
	c.st = &sh->st[id];
	c.rng = (seed + 1) * 0x9E3779B97F4A7C15ULL + (uint64_t)id * 2654435761ULL;
	if (!c.rng)
		c.rng = 1;
	for (k = 0; k < MAX_LIVE; k++)
		c.s[k].partner = -1;
	for (k = 0; k < 2; k++) {
		c.ever[k] = calloc(NP_MAX_PORTS / 8, 1);
		c.fds[k] = ev_open(true);
		if (!c.ever[k] || c.fds[k] < 0) {
			child_err(&c, "setup fd%d: %s", k, np_err(c.fds[k]));
			return 1;
		}
	}

	for (n = 0; n < nops; n++) {
		unsigned int r = rnd(&c, 100);

		c.st->ops++;
		if (r < 2) {
			op_reopen(&c);
		} else if (r < 22) {
			if (c.nlive < MAX_LIVE)
				op_bind_unbound(&c);
			else
				op_unbind(&c);
		} else if (r < 37) {
			if (c.nlive <= MAX_LIVE - 2)
				op_bind_pair(&c);
			else
				op_unbind(&c);
		} else if (r < 57) {
			if (c.nlive > 0)
				op_notify(&c);
			else
				op_bind_unbound(&c);
		} else if (r < 77) {
			op_read(&c, (int)rnd(&c, 2), UINT32_MAX);
		} else {
			if (c.nlive > 0)
				op_unbind(&c);
			else
				op_bind_unbound(&c);
		}
	}

	final_round_trip(&c);

	/* Every port this process believes bound must unbind with 0. */
	for (k = 0; k < MAX_LIVE; k++) {
		if (c.s[k].used && unbind_slot(&c, k) != 0)
			c.st->final_fail++;
	}
	close(c.fds[0]);
	close(c.fds[1]);
	return c.st->errors ? 1 : 0;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-p procs (1..%d)] [-n ops] [-s seed]\n",
		argv0, MAX_PROCS);
	exit(2);
}

int main(int argc, char **argv)
{
	enum { PROBE_N = 4 };
	uint32_t before[PROBE_N], after[PROBE_N];
	unsigned long long nops = 10000, seed = 1, sum[8] = { 0 };
	char name[64], sb[64], sa[64];
	pid_t pids[MAX_PROCS];
	struct shared *sh;
	long long t0, t1;
	int procs = 4, opt, k, rc;
	double secs;

	while ((opt = getopt(argc, argv, "p:n:s:")) != -1) {
		switch (opt) {
		case 'p':
			procs = atoi(optarg);
			break;
		case 'n':
			nops = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || procs < 1 || procs > MAX_PROCS)
		usage(argv[0]);

	np_init();
	np_info("stress start procs=%d ops=%llu seed=%llu", procs, nops,
		seed);
	rc = ev_probe_free(before, PROBE_N);
	if (!np_check(rc == 0, "stress-setup", "bind on %s: %s",
		      NP_EVTCHN_DEV, np_err(rc)))
		return np_finish();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		np_fail("stress-setup", "mmap: %s", np_err(-errno));
		return np_finish();
	}

	fflush(stdout);
	t0 = now_us();
	for (k = 0; k < procs; k++) {
		uint64_t share = nops / (unsigned int)procs +
			((unsigned int)k < nops % (unsigned int)procs);

		pids[k] = fork();
		if (pids[k] == 0)
			_exit(child_main(sh, k, seed, share));
		if (pids[k] < 0)
			np_info("stress: fork %d: %s", k, np_err(-errno));
	}
	for (k = 0; k < procs; k++) {
		struct child_stat *st = &sh->st[k];
		int status = 0;

		snprintf(name, sizeof(name), "stress-proc%d", k);
		if (pids[k] < 0) {
			np_fail(name, "fork failed");
			continue;
		}
		while (waitpid(pids[k], &status, 0) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(status)) {
			np_fail(name, "killed by signal %d after %llu ops",
				WTERMSIG(status),
				(unsigned long long)st->ops);
			continue;
		}
		np_check(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
			 st->errors == 0, name,
			 "exit status %d, %llu errors, first: %s",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			 (unsigned long long)st->errors, st->first_err);
	}
	t1 = now_us();
	secs = (double)(t1 - t0) / 1e6;

	for (k = 0; k < procs; k++) {
		struct child_stat *st = &sh->st[k];

		sum[0] += st->ops;
		sum[1] += st->binds + st->pairs * 2;
		sum[2] += st->notifies;
		sum[3] += st->events;
		sum[4] += st->unbinds;
		sum[5] += st->reopens;
		sum[6] += st->efbig;
		sum[7] += (uint64_t)st->roundtrip_ok;
	}
	np_info("stress procs=%d ops=%llu seconds=%.3f ops_per_sec=%.0f",
		procs, sum[0], secs, secs > 0 ? (double)sum[0] / secs : 0.0);
	np_info("stress totals: binds=%llu notifies=%llu events=%llu unbinds=%llu reopens=%llu efbig=%llu",
		sum[1], sum[2], sum[3], sum[4], sum[5], sum[6]);

	np_check(sum[0] == nops, "stress-all-ops-done",
		 "%llu of %llu operations done", sum[0], nops);
	{
		unsigned long long dups = 0, errs = 0, ff = 0;

		for (k = 0; k < procs; k++) {
			dups += sh->st[k].dups;
			errs += sh->st[k].errors;
			ff += sh->st[k].final_fail;
		}
		np_check(errs == 0, "stress-no-unexpected-errno",
			 "%llu unexpected results (see the diagnostics)", errs);
		np_check(dups == 0, "stress-no-port-bound-twice",
			 "%llu binds returned a port still bound", dups);
		np_check(ff == 0, "stress-final-unbind-all",
			 "%llu believed-bound ports failed to unbind", ff);
	}
	np_check(sum[7] == (unsigned long long)procs,
		 "stress-final-round-trip",
		 "%llu of %d processes got an event through a fresh pair",
		 sum[7], procs);

	rc = ev_probe_free(after, PROBE_N);
	np_fmt_ports(sb, sizeof(sb), before, PROBE_N);
	np_fmt_ports(sa, sizeof(sa), after, PROBE_N);
	np_check(rc == 0 && memcmp(before, after, sizeof(after)) == 0,
		 "stress-no-port-leak",
		 "lowest free ports before %s, after %s (%s)", sb, sa,
		 np_err(rc));
	return np_finish();
}
