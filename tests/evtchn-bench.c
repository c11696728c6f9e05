// SPDX-License-Identifier: GPL-2.0-only
/*
 * evtchn-bench - throughput of /dev/xen/evtchn on the paths a toolstack
 * uses, for comparing two drivers in the same dom0 boot. Measures, never
 * asserts a speed: a check fails only when an operation fails.
 *
 * Usage: evtchn-bench <test> [-n OPS] [-p PROCS] [-k PORTS] [-t]
 *
 *   rt        round trips over a loopback interdomain pair: notify, read,
 *             EOI on the other end, and back (-n round trips)
 *   bind      bind an unbound port and unbind it, -n times in each of -p
 *             processes, each on its own fd; with -t, -p threads sharing
 *             one fd
 *   deliver   -k loopback pairs on one pair of fds; -n events, notified
 *             one port after the other and read and EOI'd in batches
 *   openclose open a file, bind -k ports, close it (-n times)
 *
 * Prints "# bench <test> <params> rate=<ops/s> ops=<n> secs=<s>" and
 * one KTAP check that every operation succeeded.
 */

#include <pthread.h>
#include <sys/wait.h>

#include "evtchn_abi.h"

#define MAX_PROCS	64
#define MAX_PAIRS	4096
#define BATCH		256

static const char *test;
static long n_ops = 10000;
static int n_procs = 1;
static int n_ports = 1;
static bool threads;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *params, long ops, double secs)
{
	np_info("bench %s %s rate=%.1f ops=%ld secs=%.3f", test, params,
		secs > 0 ? (double)ops / secs : 0.0, ops, secs);
}

/* A loopback pair: @*a unbound on @fa for dom0, @*b bound to it on @fb. */
static int pair(int fa, int fb, uint32_t *a, uint32_t *b)
{
	int u = ev_bind_unbound(fa, 0);
	int i;

	if (u < 0)
		return u;
	i = ev_bind_interdomain(fb, 0, (unsigned int)u);
	if (i < 0) {
		ev_unbind(fa, (unsigned int)u);
		return i;
	}
	*a = (uint32_t)u;
	*b = (uint32_t)i;
	return 0;
}

/* Wait for the one event @port on blocking @fd, and EOI it. */
static int take(int fd, uint32_t port)
{
	uint32_t got;
	int rc = ev_read(fd, &got, 1);

	if (rc != 1)
		return rc < 0 ? rc : -EIO;
	if (got != port)
		return -EPROTO;
	rc = ev_eoi(fd, port);
	return rc == 4 ? 0 : (rc < 0 ? rc : -EIO);
}

static int bench_rt(void)
{
	int fa = ev_open(false), fb = ev_open(false), rc = 0;
	uint32_t a, b;
	double t0;
	long i;

	if (fa < 0 || fb < 0)
		return fa < 0 ? fa : fb;
	rc = pair(fa, fb, &a, &b);
	if (rc)
		return rc;
	t0 = now_s();
	for (i = 0; i < n_ops && !rc; i++) {
		rc = ev_notify(fa, a);
		if (!rc)
			rc = take(fb, b);
		if (!rc)
			rc = ev_notify(fb, b);
		if (!rc)
			rc = take(fa, a);
	}
	report("pairs=1", i, now_s() - t0);
	close(fa);
	close(fb);
	return rc;
}

/* @n bind+unbind on @fd; 0 or the first error. */
static int bind_loop(int fd, long n)
{
	long i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = ev_bind_unbound(fd, 0);
		if (rc < 0)
			return rc;
		rc = ev_unbind(fd, (unsigned int)rc);
		if (rc)
			return rc;
	}
	return 0;
}

struct worker {
	pthread_t tid;
	int fd;
	int rc;
	pthread_barrier_t *start;
};

static void *bind_thread(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	w->rc = bind_loop(w->fd, n_ops);
	return NULL;
}

static int bench_bind_threads(void)
{
	struct worker w[MAX_PROCS];
	pthread_barrier_t start;
	char params[64];
	int fd = ev_open(false), k, rc = 0;
	double t0;

	if (fd < 0)
		return fd;
	pthread_barrier_init(&start, NULL, (unsigned int)n_procs + 1);
	for (k = 0; k < n_procs; k++) {
		w[k].fd = fd;
		w[k].start = &start;
		w[k].rc = 0;
		if (pthread_create(&w[k].tid, NULL, bind_thread, &w[k]))
			return -EAGAIN;
	}
	pthread_barrier_wait(&start);
	t0 = now_s();
	for (k = 0; k < n_procs; k++) {
		pthread_join(w[k].tid, NULL);
		if (w[k].rc && !rc)
			rc = w[k].rc;
	}
	snprintf(params, sizeof(params), "threads=%d fds=1", n_procs);
	report(params, n_ops * n_procs, now_s() - t0);
	close(fd);
	return rc;
}

/* Processes, each its own fd, started together through a pipe. */
static int bench_bind_procs(void)
{
	int go[2], k, status, rc = 0;
	pid_t pids[MAX_PROCS];
	char params[64];
	double t0;

	if (pipe(go))
		return -errno;
	for (k = 0; k < n_procs; k++) {
		pids[k] = fork();
		if (pids[k] < 0)
			return -errno;
		if (pids[k] == 0) {
			int fd = ev_open(false);
			char c;

			close(go[1]);
			if (fd < 0)
				_exit(1);
			if (read(go[0], &c, 1) != 0)
				_exit(1);
			_exit(bind_loop(fd, n_ops) ? 1 : 0);
		}
	}
	close(go[0]);
	/* Let every child open its fd, then release them all at once. */
	np_sleep_ms(200);
	t0 = now_s();
	close(go[1]);
	for (k = 0; k < n_procs; k++) {
		if (waitpid(pids[k], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			rc = -EIO;
	}
	snprintf(params, sizeof(params), "procs=%d fds=%d", n_procs, n_procs);
	report(params, n_ops * n_procs, now_s() - t0);
	return rc;
}

static int bench_deliver(void)
{
	static uint32_t a[MAX_PAIRS], b[MAX_PAIRS];
	uint32_t got[BATCH];
	int fa = ev_open(false), fb = ev_open(false), k, rc = 0, m, j, q;
	char params[64];
	long done = 0;
	double t0;

	if (fa < 0 || fb < 0)
		return fa < 0 ? fa : fb;
	if (n_ports > MAX_PAIRS)
		n_ports = MAX_PAIRS;
	for (k = 0; k < n_ports && !rc; k++)
		rc = pair(fa, fb, &a[k], &b[k]);
	if (rc)
		return rc;
	t0 = now_s();
	k = 0;
	while (done < n_ops && !rc) {
		/* A batch of distinct ports: each is pending at most once. */
		q = BATCH < n_ports ? BATCH : n_ports;
		if (q > n_ops - done)
			q = (int)(n_ops - done);
		for (m = 0; m < q && !rc; m++) {
			rc = ev_notify(fa, a[k]);
			k = (k + 1) % n_ports;
		}
		for (m = 0; m < q && !rc;) {
			int r = ev_read(fb, got, (size_t)(q - m));

			if (r <= 0) {
				rc = r < 0 ? r : -EIO;
				break;
			}
			for (j = 0; j < r && !rc; j++)
				rc = ev_eoi(fb, got[j]) == 4 ? 0 : -EIO;
			m += r;
		}
		done += m;
	}
	snprintf(params, sizeof(params), "ports=%d", n_ports);
	report(params, done, now_s() - t0);
	close(fa);
	close(fb);
	return rc;
}

static int bench_openclose(void)
{
	char params[64];
	double t0 = now_s();
	long i;
	int k, rc = 0;

	for (i = 0; i < n_ops && !rc; i++) {
		int fd = ev_open(false);

		if (fd < 0)
			return fd;
		for (k = 0; k < n_ports && !rc; k++) {
			int p = ev_bind_unbound(fd, 0);

			rc = p < 0 ? p : 0;
		}
		close(fd);
	}
	snprintf(params, sizeof(params), "ports=%d", n_ports);
	report(params, i, now_s() - t0);
	return rc;
}

int main(int argc, char **argv)
{
	char name[64];
	int opt, rc;

	np_init();
	if (argc < 2) {
		fprintf(stderr, "usage: %s rt|bind|deliver|openclose [-n OPS] [-p PROCS] [-k PORTS] [-t]\n",
			argv[0]);
		return 2;
	}
	test = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "n:p:k:t")) != -1) {
		switch (opt) {
		case 'n':
			n_ops = atol(optarg);
			break;
		case 'p':
			n_procs = atoi(optarg);
			break;
		case 'k':
			n_ports = atoi(optarg);
			break;
		case 't':
			threads = true;
			break;
		default:
			return 2;
		}
	}
	if (n_procs < 1 || n_procs > MAX_PROCS || n_ports < 1 || n_ops < 1)
		return 2;

	if (!strcmp(test, "rt"))
		rc = bench_rt();
	else if (!strcmp(test, "bind"))
		rc = threads ? bench_bind_threads() : bench_bind_procs();
	else if (!strcmp(test, "deliver"))
		rc = bench_deliver();
	else if (!strcmp(test, "openclose"))
		rc = bench_openclose();
	else
		return 2;
	snprintf(name, sizeof(name), "bench-%s-p%d-k%d%s", test, n_procs,
		 n_ports, threads ? "-t" : "");
	np_check(rc == 0, name, "%s", np_err(rc));
	return np_finish();
}
