// SPDX-License-Identifier: GPL-2.0-only
/*
 * evtchn-fuzz - random and structured misuse of /dev/xen/evtchn from
 * several processes and threads at once.
 *
 * Every worker (P processes x T threads) draws its operations from its
 * own xorshift generator seeded from the run's seed: open, close and dup
 * of shared descriptors; the ioctls with valid and invalid numbers and
 * arguments (ports of other files, huge values, bad pointers); read and
 * write of odd sizes and to bad addresses; poll; fork (a child that does
 * a few operations on the inherited descriptors and exits); event traffic
 * on loopback pairs it bound; the port's other kernel holders, as
 * libxenvchan makes them: a gntalloc page whose release notifies through
 * one of its ports (the notify takes a reference to the port and drops it
 * after sending), set and let go; and now and then a port of its own
 * closed in Xen behind the driver's back through /dev/xen/privcmd.
 *
 * Closes behind against releases: the kernel closes a released port when
 * its last reference goes and BUG()s if Xen refuses, so a close behind
 * that lands between the driver's question to Xen (is the port still
 * open?) and that close takes dom0 down (README, Known limits). A close
 * behind therefore waits, by default, for the releases in flight
 * and holds new ones off: a process-shared rwlock that every operation
 * on the driver's descriptors holds for reading. Every one, not only
 * close and unbind: a call in flight holds a reference to its file, and
 * when another thread closes the descriptor meanwhile, the end of that
 * call (a read, a poll) is the file's release. That keeps the ports
 * closed behind, their quarantine and take-over in the run without the
 * window. --race-close lets them race anyway (to reproduce the kernel's
 * BUG).
 *
 * Closes behind against the other holders: a port that a gntalloc notify
 * still holds after the driver let go of it is the kernel's alone; closed
 * behind then, the holder's release makes the kernel close it, Xen
 * refuses and the kernel BUG()s, whichever driver bound it (the first
 * long run with holders found it, 2026-12-06; patches/<line>/xen 0002
 * makes that close an error). No driver can take such a port back, so a
 * close behind leaves the ports a holder holds alone, and a forked
 * child, which shares the holders' files, lives under the parent's read
 * lock.
 *
 * What it checks: no worker dies of a signal; every call answers 0 or an
 * errno the ABI knows; afterwards, with every descriptor closed, the
 * ports the driver has bound are those it had before and Xen's view of
 * dom0's ports agrees: no port open in Xen that was closed before the run
 * (EVTCHNOP_status over the range the run used), up to --allow-leaked.
 * The kernel log (KASAN, lockdep, UBSAN, WARN, BUG) is the caller's to
 * check.
 *
 * The seed is printed first; the same seed, -p, -t and -n give every
 * worker the same sequence of operations again (the interleaving of the
 * workers is the scheduler's).
 *
 * Usage: evtchn-fuzz [-s seed] [-p procs] [-t threads] [-n ops]
 *                    [-c close-behind per mille] [--race-close]
 *                    [--allow-leaked N]
 */

#define _GNU_SOURCE	/* close_range(), pthread_rwlockattr_setkind_np() */

#include "evtchn_abi.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#define SLOTS		6	/* descriptors per process */
#define HOLDERS		4	/* gntalloc notifies per process */
#define MYPORTS		32	/* ports a worker remembers */
#define SCAN_MAX	4096	/* ports scanned in Xen at most */
#define HIST		134	/* errno histogram buckets: every errno */

struct fuzz_cfg {
	uint64_t seed;
	int procs, threads;
	long ops;			/* over the whole run */
	int close_behind;		/* per mille of operations */
	bool race_close;		/* --race-close */
	int allow_leaked;
};

static struct fuzz_cfg cfg = {
	.procs = 4, .threads = 2, .ops = 100000, .close_behind = 3,
};

/* One process's descriptors, shared by its threads. */
static int slot_fd[SLOTS] = { -1, -1, -1, -1, -1, -1 };
/* gntalloc descriptors holding a notify on one of our ports. */
static int holder_fd[HOLDERS] = { -1, -1, -1, -1 };
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
/* xen_evtchn_op() keeps one page and one fd per process. */
static pthread_mutex_t xen_lock = PTHREAD_MUTEX_INITIALIZER;

/* Per process, written by its threads: what happened. */
struct fuzz_stats {
	long ops, calls_ok, unexpected, close_behind, forks, events, holders;
	long held_skipped;	/* closes behind left to a holder's port */
	uint32_t held[HOLDERS];	/* port + 1 of each holder, 0: none */
	long err[HIST];
	char first_bad[256];
};

static struct fuzz_stats *stats;	/* shared with the parent (mmap) */

/* Closes behind against releases (see the top); NULL: they race. */
static pthread_rwlock_t *release_lock;	/* shared by every process */

static void release_begin(void)
{
	if (release_lock)
		pthread_rwlock_rdlock(release_lock);
}

static void release_end(void)
{
	if (release_lock)
		pthread_rwlock_unlock(release_lock);
}
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
/* In a forked child: its parent's other threads may hold any lock. */
static bool in_child;

static void st_lock(void)
{
	if (!in_child)
		pthread_mutex_lock(&stats_lock);
}

static void st_unlock(void)
{
	if (!in_child)
		pthread_mutex_unlock(&stats_lock);
}

struct worker {
	uint64_t rng;
	int id;
	long ops;
	uint32_t port[MYPORTS];
	int nports;
	struct fuzz_stats *st;
};

static uint64_t rnd(struct worker *w)
{
	uint64_t x = w->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static unsigned int below(struct worker *w, unsigned int n)
{
	return (unsigned int)(rnd(w) % n);
}

/* The errnos the driver, Xen or the VFS may answer misuse with. */
static bool errno_known(int e)
{
	switch (e) {
	case EINVAL: case ENOTCONN: case EEXIST: case EBUSY: case EMFILE:
	case EACCES: case ENOSYS: case ENOTTY: case EFAULT: case EBADF:
	case EISCONN: case EAGAIN: case EFBIG: case ENOSPC: case ENOMEM:
	case ENOENT: case EPERM: case ESRCH: case ENFILE: case EINTR:
		return true;
	default:
		return false;
	}
}

/* Account one call's result (rc < 0: -errno). */
static void note(struct worker *w, const char *what, long rc)
{
	struct fuzz_stats *st = w->st;
	int e = rc < 0 ? (int)-rc : 0;

	st_lock();
	if (rc >= 0) {
		st->calls_ok++;
	} else {
		st->err[e < HIST ? e : 0]++;
		if (!errno_known(e)) {
			st->unexpected++;
			if (!st->first_bad[0])
				snprintf(st->first_bad, sizeof(st->first_bad),
					 "worker %d op %ld: %s answered %s",
					 w->id, w->ops, what, np_err((int)rc));
		}
	}
	st_unlock();
}

static int pick_fd(struct worker *w)
{
	return slot_fd[below(w, SLOTS)];	/* racy on purpose */
}

static void remember(struct worker *w, int port)
{
	if (port <= 0)
		return;
	if (w->nports < MYPORTS)
		w->port[w->nports++] = (uint32_t)port;
	else
		w->port[below(w, MYPORTS)] = (uint32_t)port;
}

/* A port to aim at: mostly one of ours, else anything. */
static unsigned int pick_port(struct worker *w)
{
	switch (below(w, 8)) {
	case 0:
		return (unsigned int)rnd(w);
	case 1:
		return below(w, 256);
	case 2:
		return NP_MAX_PORTS + below(w, 4);
	default:
		return w->nports ? w->port[below(w, (unsigned int)w->nports)] :
				   below(w, 64);
	}
}

/* A pointer user space should not have handed over. */
static void *bad_ptr(struct worker *w)
{
	static void *const bad[] = {
		NULL, (void *)1, (void *)0xffff800000000000ULL,
		(void *)(uintptr_t)-4096,
	};

	return bad[below(w, ARRAY_SIZE(bad))];
}

static void op_open(struct worker *w)
{
	int i = (int)below(w, SLOTS), fd, old;

	fd = ev_open(true);	/* a blocking read would stall the worker */
	note(w, "open", fd < 0 ? fd : 0);
	if (fd < 0)
		return;
	pthread_mutex_lock(&slot_lock);
	old = slot_fd[i];
	slot_fd[i] = fd;
	pthread_mutex_unlock(&slot_lock);
	if (old >= 0)
		close(old);
}

static void op_close(struct worker *w)
{
	int i = (int)below(w, SLOTS), fd;

	pthread_mutex_lock(&slot_lock);
	fd = slot_fd[i];
	slot_fd[i] = -1;
	pthread_mutex_unlock(&slot_lock);
	if (fd >= 0)
		note(w, "close", close(fd) < 0 ? -errno : 0);
}

static void op_dup(struct worker *w)
{
	int i = (int)below(w, SLOTS), j = (int)below(w, SLOTS), fd, old;

	pthread_mutex_lock(&slot_lock);
	fd = slot_fd[i] >= 0 ? fcntl(slot_fd[i], F_DUPFD_CLOEXEC, 3) : -1;
	old = fd >= 0 ? slot_fd[j] : -1;
	if (fd >= 0)
		slot_fd[j] = fd;
	pthread_mutex_unlock(&slot_lock);
	if (old >= 0)
		close(old);
}

static void op_ioctl(struct worker *w, int fd)
{
	struct np_bind_interdomain bi;
	unsigned int nr;
	int rc;

	switch (below(w, 12)) {
	case 0:
	case 1:
		rc = ev_bind_unbound(fd, below(w, 4) ? 0 : (unsigned int)rnd(w));
		remember(w, rc);
		note(w, "bind_unbound", rc);
		break;
	case 2:
	case 3: {
		/* A loopback pair: unbound, then bound to it. */
		int u = ev_bind_unbound(fd, 0);

		remember(w, u);
		rc = ev_bind_interdomain(fd, below(w, 8) ? 0 : (unsigned int)rnd(w),
					 u > 0 && below(w, 4) ? (unsigned int)u :
					 pick_port(w));
		remember(w, rc);
		note(w, "bind_interdomain", rc);
		if (rc > 0 && u > 0) {
			note(w, "notify", ev_notify(fd, (unsigned int)u));
			st_lock();
			w->st->events++;
			st_unlock();
		}
		break;
	}
	case 4:
		rc = ev_bind_virq(fd, below(w, 4) ? below(w, 24) : (unsigned int)rnd(w));
		remember(w, rc);
		note(w, "bind_virq", rc);
		break;
	case 5:
		note(w, "unbind", ev_unbind(fd, pick_port(w)));
		break;
	case 6:
		note(w, "notify", ev_notify(fd, pick_port(w)));
		break;
	case 7:
		note(w, "reset", below(w, 8) ? 0 : ev_reset(fd));
		break;
	case 8:
		/* Rarely: a restricted file can bind only to that domain. */
		note(w, "restrict", below(w, 16) ? 0 :
		     ev_restrict(fd, (uint16_t)rnd(w)));
		break;
	case 9:
		note(w, "bind_static", np_ioctl(fd, NP_IOCTL_BIND_STATIC,
						&(struct np_port_arg){
							.port = pick_port(w) }));
		break;
	case 10:
		/* A valid number with a pointer the kernel must not trust. */
		nr = below(w, 8);
		rc = np_ioctl(fd, NP_EVTCHN_IOC(nr, sizeof(bi)), bad_ptr(w));
		note(w, "ioctl-bad-pointer", nr == 5 ? 0 : rc);
		break;
	default:
		/* Numbers and types the driver does not have. */
		nr = 8 + below(w, 248);
		rc = np_ioctl(fd, below(w, 2) ? NP_EVTCHN_IOC(nr, 0) :
			      (unsigned long)rnd(w), &bi);
		note(w, "ioctl-unknown", rc);
		break;
	}
}

static void op_read(struct worker *w, int fd)
{
	uint32_t buf[64];
	size_t len = below(w, sizeof(buf) + 1);
	ssize_t n;

	n = read(fd, below(w, 8) ? (void *)buf : bad_ptr(w), len);
	note(w, "read", n < 0 ? -errno : 0);
}

static void op_write(struct worker *w, int fd)
{
	uint32_t buf[16];
	size_t len = below(w, sizeof(buf) + 1);
	unsigned int i;
	ssize_t n;

	for (i = 0; i < ARRAY_SIZE(buf); i++)
		buf[i] = pick_port(w);
	n = write(fd, below(w, 8) ? (void *)buf : bad_ptr(w), len);
	note(w, "write", n < 0 ? -errno : 0);
}

static void op_poll(struct worker *w, int fd)
{
	note(w, "poll", ev_poll(fd, POLLIN | POLLOUT, 0) < 0 ? -EINTR : 0);
}

/* Whether a holder of any process holds @port (see the top). */
static bool port_held(uint32_t port)
{
	int p, i;

	for (p = 0; p < cfg.procs; p++)
		for (i = 0; i < HOLDERS; i++)
			if (__atomic_load_n(&stats[p].held[i], __ATOMIC_RELAXED) ==
			    port + 1)
				return true;
	return false;
}

static void held_set(struct worker *w, int i, uint32_t v)
{
	__atomic_store_n(&w->st->held[i], v, __ATOMIC_RELAXED);
}

/*
 * Close one of our ports in Xen behind the driver's back; not one a
 * holder holds (see the top).
 */
static void op_close_behind(struct worker *w)
{
	int rc;

	uint32_t port;

	if (!w->nports)
		return;
	port = w->port[below(w, (unsigned int)w->nports)];
	if (release_lock)
		pthread_rwlock_wrlock(release_lock);
	if (port_held(port)) {
		rc = 1;
	} else {
		pthread_mutex_lock(&xen_lock);
		rc = xen_close_port(port);
		pthread_mutex_unlock(&xen_lock);
	}
	if (release_lock)
		pthread_rwlock_unlock(release_lock);
	st_lock();
	if (rc == 1)
		w->st->held_skipped++;
	else
		w->st->close_behind++;
	st_unlock();
	if (rc != 1)
		note(w, "close-behind", rc == -EINVAL ? 0 : rc);
}

/*
 * Another kernel holder of one of our ports (gntalloc's unmap notify, set
 * as libxenvchan's server sets it): take one, or let one go. Letting go
 * releases the page, which sends the event and drops the holder's
 * reference, the last one when the driver has let go already: a release,
 * run under release_begin() by the caller.
 */
static void op_holder(struct worker *w)
{
	int i = (int)below(w, HOLDERS), fd;
	uint32_t port;

	pthread_mutex_lock(&slot_lock);
	fd = holder_fd[i];
	holder_fd[i] = -1;
	pthread_mutex_unlock(&slot_lock);
	if (fd >= 0) {
		note(w, "holder-release", close(fd) ? -errno : 0);
		held_set(w, i, 0);
		return;
	}
	port = w->nports ? w->port[below(w, (unsigned int)w->nports)] :
			   below(w, 64);
	fd = gnt_notify_on(port);
	note(w, "holder-set", fd < 0 ? fd : 0);
	if (fd < 0)
		return;
	pthread_mutex_lock(&slot_lock);
	if (holder_fd[i] < 0) {
		holder_fd[i] = fd;
		held_set(w, i, port + 1);
		fd = -1;
	}
	pthread_mutex_unlock(&slot_lock);
	if (fd >= 0)
		close(fd);
	st_lock();
	w->st->holders++;
	st_unlock();
}

static void one_op(struct worker *w);

/* A child on the inherited descriptors: a few operations, then exit. */
static void op_fork(struct worker *w)
{
	pid_t pid;
	int status;

	/*
	 * The child's calls and its exit are releases, and it shares the
	 * holders' files from its first instant: the read lock is taken
	 * here and held for it until it is gone.
	 */
	release_begin();
	pid = fork();
	if (pid == 0) {
		struct worker c = *w;
		int k;

		in_child = true;
		c.rng ^= 0x9E3779B97F4A7C15ULL;
		for (k = 0; k < 16; k++) {
			int fd = pick_fd(&c);

			if (fd < 0)
				continue;
			switch (below(&c, 4)) {
			case 0:	op_read(&c, fd); break;
			case 1:	op_write(&c, fd); break;
			case 2:	op_poll(&c, fd); break;
			default: op_ioctl(&c, fd); break;
			}
		}
		/* Its exit may drop a file's last reference: a release. */
		close_range(3, ~0U, 0);
		_exit(0);
	}
	if (pid < 0) {
		release_end();
		note(w, "fork", -errno);
		return;
	}
	waitpid(pid, &status, 0);
	release_end();
	st_lock();
	w->st->forks++;
	if (!WIFEXITED(status) && !w->st->first_bad[0]) {
		w->st->unexpected++;
		snprintf(w->st->first_bad, sizeof(w->st->first_bad),
			 "worker %d: forked child died of signal %d", w->id,
			 WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	}
	st_unlock();
}

static void one_op(struct worker *w)
{
	unsigned int r = below(w, 1000);
	int fd;

	if (r < (unsigned int)cfg.close_behind) {
		op_close_behind(w);
		return;
	}
	r = below(w, 100);
	if (r == 12) {
		op_fork(w);	/* takes the lock itself */
		return;
	}
	release_begin();
	if (r < 6) {
		op_open(w);
	} else if (r < 10) {
		op_close(w);
	} else if (r < 12) {
		op_dup(w);
	} else if (r == 13) {
		op_holder(w);
	} else {
		fd = pick_fd(w);
		if (fd < 0)
			op_open(w);
		else if (r < 60)
			op_ioctl(w, fd);
		else if (r < 75)
			op_read(w, fd);
		else if (r < 90)
			op_write(w, fd);
		else
			op_poll(w, fd);
	}
	release_end();
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (w->ops = 0; w->ops < cfg.ops; w->ops++)
		one_op(w);
	st_lock();
	w->st->ops += w->ops;
	st_unlock();
	return NULL;
}

/* One process: its threads, then every descriptor closed. */
static int process_main(int p)
{
	pthread_t tid[16];
	struct worker *w;
	long per = cfg.ops / (cfg.procs * cfg.threads);
	int t, i;

	w = calloc((size_t)cfg.threads, sizeof(*w));
	if (!w)
		return 1;
	cfg.ops = per;
	for (t = 0; t < cfg.threads; t++) {
		w[t].id = p * cfg.threads + t;
		w[t].rng = cfg.seed ^ (0x9E3779B97F4A7C15ULL * (uint64_t)(w[t].id + 1));
		if (!w[t].rng)
			w[t].rng = 1;
		w[t].st = &stats[p];
		if (pthread_create(&tid[t], NULL, worker_main, &w[t]))
			return 1;
	}
	for (t = 0; t < cfg.threads; t++)
		pthread_join(tid[t], NULL);
	release_begin();
	for (i = 0; i < SLOTS; i++)
		if (slot_fd[i] >= 0)
			close(slot_fd[i]);
	for (i = 0; i < HOLDERS; i++)
		if (holder_fd[i] >= 0) {
			close(holder_fd[i]);
			held_set(&w[0], i, 0);
		}
	release_end();
	free(w);
	return 0;
}

/*
 * Xen's view, from a child of its own (xen_evtchn_op() keeps per-process
 * state): into @open, for every port below @n, its status
 * (EVTCHNSTAT_*) if Xen has it open for dom0, else 0. Returns the count
 * of open ports, or -errno.
 */
static int xen_scan(uint8_t *open, int n)
{
	int pfd[2], count = 0, st, p;
	pid_t pid;

	if (pipe(pfd) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		for (p = 1; p < n; p++) {
			uint8_t o;

			st = xen_port_status((uint32_t)p);
			if (st < 0 && st != -EINVAL)
				_exit(1);
			o = st > NP_EVTCHNSTAT_closed ? (uint8_t)st : 0;
			if (write(pfd[1], &o, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return -ECHILD;
	}
	memset(open, 0, (size_t)n);
	for (p = 1; p < n; p++) {
		if (read(pfd[0], &open[p], 1) != 1)
			break;
		count += !!open[p];
	}
	close(pfd[0]);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) || p < n)
		return -EIO;
	return count;
}

static int user_ports(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "evtchn:"))
			n++;
	fclose(f);
	return n;
}

/* The rwlock in shared memory, writers first: closes behind get their turn. */
static pthread_rwlock_t *release_lock_new(void)
{
	pthread_rwlockattr_t a;
	pthread_rwlock_t *l;

	l = mmap(NULL, sizeof(*l), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (l == MAP_FAILED)
		return NULL;
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_rwlockattr_setkind_np(&a,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (pthread_rwlock_init(l, &a)) {
		munmap(l, sizeof(*l));
		l = NULL;
	}
	pthread_rwlockattr_destroy(&a);
	return l;
}

static void usage(const char *me)
{
	fprintf(stderr, "usage: %s [-s seed] [-p procs] [-t threads] [-n ops] [-c close-behind per mille] [--race-close] [--allow-leaked N]\n",
		me);
	exit(2);
}

int main(int argc, char **argv)
{
	static uint8_t before[SCAN_MAX], after[SCAN_MAX];
	struct fuzz_stats total;
	int i, p, e, died = 0, nb, na, ub, ua, leaked = 0, gone = 0;
	char list[256];
	size_t off = 0;
	long long t0;
	pid_t pid[64];

	np_init();
	cfg.seed = (uint64_t)np_now_ms() ^ ((uint64_t)getpid() << 32);
	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--race-close")) {
			cfg.race_close = true;
			continue;
		}
		if (!v)
			usage(argv[0]);
		if (!strcmp(argv[i], "-s"))
			cfg.seed = strtoull(v, NULL, 0);
		else if (!strcmp(argv[i], "-p"))
			cfg.procs = atoi(v);
		else if (!strcmp(argv[i], "-t"))
			cfg.threads = atoi(v);
		else if (!strcmp(argv[i], "-n"))
			cfg.ops = atol(v);
		else if (!strcmp(argv[i], "-c"))
			cfg.close_behind = atoi(v);
		else if (!strcmp(argv[i], "--allow-leaked"))
			cfg.allow_leaked = atoi(v);
		else
			usage(argv[0]);
		i++;
	}
	if (cfg.procs < 1 || cfg.procs > 64 || cfg.threads < 1 ||
	    cfg.threads > 16 || cfg.ops < 1)
		usage(argv[0]);
	np_info("fuzz seed=%llu procs=%d threads=%d ops=%ld close_behind=%d/1000 (replay: %s -s %llu -p %d -t %d -n %ld -c %d%s)",
		(unsigned long long)cfg.seed, cfg.procs, cfg.threads, cfg.ops,
		cfg.close_behind, argv[0], (unsigned long long)cfg.seed,
		cfg.procs, cfg.threads, cfg.ops, cfg.close_behind,
		cfg.race_close ? " --race-close" : "");
	if (cfg.close_behind && !cfg.race_close) {
		release_lock = release_lock_new();
		if (!release_lock) {
			np_fail("fuzz-setup", "the release lock: %s",
				np_err(-errno));
			return np_finish();
		}
		np_info("fuzz: closes behind wait for releases in flight (this kernel's unmap closes released ports; --race-close to let them race)");
	} else if (cfg.close_behind) {
		np_info("fuzz: closes behind race with releases");
	}

	stats = mmap(NULL, sizeof(*stats) * (size_t)cfg.procs,
		     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED) {
		np_fail("fuzz-setup", "mmap: %s", np_err(-errno));
		return np_finish();
	}
	memset(stats, 0, sizeof(*stats) * (size_t)cfg.procs);
	ub = user_ports();
	nb = xen_scan(before, SCAN_MAX);
	if (!np_check(nb >= 0 && ub >= 0, "fuzz-baseline",
		      "Xen scan: %s, /proc/interrupts: %s", np_err(nb),
		      np_err(ub)))
		return np_finish();
	np_info("fuzz baseline: %d ports open in Xen below %d, %d bound through the driver",
		nb, SCAN_MAX, ub);

	t0 = np_now_ms();
	for (p = 0; p < cfg.procs; p++) {
		pid[p] = fork();
		if (pid[p] == 0)
			_exit(process_main(p));
	}
	for (p = 0; p < cfg.procs; p++) {
		int st;

		if (pid[p] < 0 || waitpid(pid[p], &st, 0) < 0) {
			died++;
			continue;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			died++;
			np_info("fuzz: process %d ended with status %#x", p, st);
		}
	}
	memset(&total, 0, sizeof(total));
	for (p = 0; p < cfg.procs; p++) {
		total.ops += stats[p].ops;
		total.calls_ok += stats[p].calls_ok;
		total.unexpected += stats[p].unexpected;
		total.close_behind += stats[p].close_behind;
		total.forks += stats[p].forks;
		total.events += stats[p].events;
		total.holders += stats[p].holders;
		total.held_skipped += stats[p].held_skipped;
		for (e = 0; e < HIST; e++)
			total.err[e] += stats[p].err[e];
		if (!total.first_bad[0] && stats[p].first_bad[0])
			memcpy(total.first_bad, stats[p].first_bad,
			       sizeof(total.first_bad));
	}
	np_info("fuzz done: %ld operations in %.1f s, %ld calls succeeded, %ld forks, %ld loopback notifies, %ld gntalloc holders set, %ld ports closed behind the driver (%ld left to a holder)",
		total.ops, (double)(np_now_ms() - t0) / 1000.0, total.calls_ok,
		total.forks, total.events, total.holders, total.close_behind,
		total.held_skipped);
	for (e = 1; e < HIST; e++)
		if (total.err[e])
			off += (size_t)snprintf(list + off, sizeof(list) - off,
						" %s=%ld", np_err(-e),
						total.err[e]);
	np_info("fuzz errnos:%s", off ? list : " none");

	np_check(!died, "fuzz-workers-exited", "%d of %d processes died or failed",
		 died, cfg.procs);
	np_check(total.ops == cfg.ops / (cfg.procs * cfg.threads) *
			      (cfg.procs * cfg.threads),
		 "fuzz-all-operations-done", "%ld of %ld", total.ops, cfg.ops);
	np_check(!total.unexpected, "fuzz-errnos-known",
		 "%ld calls answered an errno the ABI does not use; first: %s",
		 total.unexpected, total.first_bad);

	ua = user_ports();
	np_check(ua == ub, "fuzz-driver-ports-baseline",
		 "ports bound through the driver: %d before, %d after", ub, ua);
	na = xen_scan(after, SCAN_MAX);
	if (!np_check(na >= 0, "fuzz-xen-scan", "%s", np_err(na)))
		return np_finish();
	off = 0;
	list[0] = 0;
	for (p = 1; p < SCAN_MAX; p++) {
		if (after[p] && !before[p]) {
			leaked++;
			if (off < sizeof(list) - 16)
				off += (size_t)snprintf(list + off,
							sizeof(list) - off,
							" %d(%s)", p,
							xen_stat_name(after[p]));
		}
		if (before[p] && !after[p])
			gone++;
	}
	np_info("fuzz Xen view: %d ports open before, %d after; %d open now that were closed, %d closed that were open",
		nb, na, leaked, gone);
	np_check(leaked <= cfg.allow_leaked, "fuzz-xen-no-leaked-port",
		 "%d ports left open in Xen that no file holds (allowed %d):%s",
		 leaked, cfg.allow_leaked, list);
	np_check(!gone, "fuzz-xen-no-foreign-port-closed",
		 "%d ports open before the run are closed now", gone);
	return np_finish();
}
