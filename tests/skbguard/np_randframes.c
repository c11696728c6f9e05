// SPDX-License-Identifier: GPL-2.0-only
/*
 * np_randframes - frames of random lengths through np_vnic at random
 * receive MTUs, each one either delivered or refused by the skb guard and
 * counted, exactly.
 *
 * Usage: np_randframes [-t TXIF] [-r RXIF] [-s SEED] [-R ROUNDS] [-n N]
 *
 * Per round: RXIF's MTU set to a random value (68 .. 65517), then N frames
 * of random length (0 .. 65535, weighted to the receiver's limit and both ends)
 * sent on TXIF (at np_vnic's largest MTU), each marked with the run, round
 * and index, and a last 60-byte fence frame, which always fits. Lengths
 * the socket layer must refuse never reach np_vnic: shorter than an
 * Ethernet header (EINVAL) or longer than TXIF's MTU + 14 (EMSGSIZE).
 * Runts too short to carry the marker (14 .. 29 bytes) are recognised by
 * their addresses and type alone. Frames go through np_vnic in
 * order (one sending CPU, PACKET_QDISC_BYPASS), so once the fence has
 * arrived every frame has either arrived or been refused. RXIF's
 * rx_length_errors and rx_dropped (sysfs) are read around each round.
 *
 * Checks, per round and over the run (one KTAP result line each):
 *   - every frame is accounted for: delivered + refused == sent, where
 *     refused is the rise of rx_length_errors, and rx_dropped rose by as
 *     much (the guard drops what it refuses); no frame arrives twice;
 *   - the socket refuses exactly the lengths it must, with their errno;
 *     every runt it takes is delivered;
 *   - every frame that must fit (length <= MTU + VLAN_ETH_HLEN, what
 *     np_vnic allocates at least) is delivered;
 *   - the refusals are the long frames: every refused frame is longer
 *     than every delivered one of the round (the buffer's real tailroom,
 *     a rounded-up allocation, lies in between).
 * Prints the seed first; the same seed replays the same lengths and MTUs.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC		"NPRAND01"
#define MAX_FRAME	65535
#define MIN_FRAME	60	/* the fence */
#define MARKED_MIN	(ETH_HLEN + (int)sizeof(struct marker))
#define MAX_N		512
#define VLAN_ETH_HLEN	18
#define RX_MTU_MIN	68
#define RX_MTU_MAX	(65535 - VLAN_ETH_HLEN)

struct marker {
	char magic[8];
	uint32_t run;
	uint16_t round;
	uint16_t index;		/* MAX_N: the fence */
} __attribute__((packed));

static uint64_t rng;
static int nr_ok, nr_fail;
static uint8_t frame[MAX_FRAME], buf[MAX_FRAME + 64];

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static void die(const char *what)
{
	printf("not ok %d randframes-setup # %s: %s\n", nr_ok + nr_fail + 1,
	       what, strerror(errno));
	printf("1..%d\n", nr_ok + nr_fail + 1);
	exit(2);
}

static void check(int cond, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check(int cond, const char *name, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	if (cond) {
		nr_ok++;
		printf("ok %d %s\n", nr_ok + nr_fail, name);
		return;
	}
	nr_fail++;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	printf("not ok %d %s # %s\n", nr_ok + nr_fail, name, detail);
}

static int ifreq_do(int fd, unsigned long req, const char *name,
		    struct ifreq *ifr)
{
	memset(ifr->ifr_name, 0, sizeof(ifr->ifr_name));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	return ioctl(fd, req, ifr);
}

static long long stat_read(const char *dev, const char *name)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", dev,
		 name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* One frame: Ethernet (IPv4 type) + marker + pattern, @len bytes. */
static void build(size_t len, uint32_t run, int round, int index,
		  const uint8_t *dst, const uint8_t *src)
{
	struct marker m;
	size_t i;

	memcpy(frame, dst, ETH_ALEN);
	memcpy(frame + ETH_ALEN, src, ETH_ALEN);
	frame[12] = 0x88;	/* local experimental ethertype: 0x88b5 */
	frame[13] = 0xb5;
	memcpy(m.magic, MAGIC, sizeof(m.magic));
	m.run = run;
	m.round = (uint16_t)round;
	m.index = (uint16_t)index;
	memcpy(frame + ETH_HLEN, &m, sizeof(m));
	for (i = ETH_HLEN + sizeof(m); i < len; i++)
		frame[i] = (uint8_t)(i ^ index);
}

int main(int argc, char **argv)
{
	const char *txif = "npv0", *rxif = "npv1";
	int rounds = 20, n = 50, opt, one = 1, rcvbuf = 32 << 20, r, i;
	static size_t len[MAX_N];
	static unsigned char seen[MAX_N];
	uint8_t txmac[ETH_ALEN], rxmac[ETH_ALEN];
	long long sent_all = 0, deliv_all = 0, refused_all = 0;
	long long runts_all = 0, sock_refused_all = 0;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	cpu_set_t cpus;
	uint32_t run;
	int tx, rx, ctl, txidx, rxidx, txmtu;

	rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((opt = getopt(argc, argv, "t:r:s:R:n:")) != -1) {
		switch (opt) {
		case 't': txif = optarg; break;
		case 'r': rxif = optarg; break;
		case 's': rng = strtoull(optarg, NULL, 0); break;
		case 'R': rounds = atoi(optarg); break;
		case 'n': n = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: np_randframes [-t TXIF] [-r RXIF] [-s SEED] [-R ROUNDS] [-n N]\n");
			return 2;
		}
	}
	if (n < 1 || n > MAX_N || rounds < 1 || !rng)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n");
	printf("# randframes seed=%llu rounds=%d n=%d (replay: -s %llu -R %d -n %d)\n",
	       (unsigned long long)rng, rounds, n, (unsigned long long)rng,
	       rounds, n);

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus) < 0)
		die("sched_setaffinity");
	run = (uint32_t)rnd();

	ctl = socket(AF_INET, SOCK_DGRAM, 0);
	if (ctl < 0)
		die("socket(AF_INET)");
	if (ifreq_do(ctl, SIOCGIFMTU, txif, &ifr) < 0)
		die(txif);
	txmtu = ifr.ifr_mtu;
	if (ifreq_do(ctl, SIOCGIFHWADDR, txif, &ifr) < 0)
		die(txif);
	memcpy(txmac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	if (ifreq_do(ctl, SIOCGIFINDEX, txif, &ifr) < 0)
		die(txif);
	txidx = ifr.ifr_ifindex;
	if (ifreq_do(ctl, SIOCGIFHWADDR, rxif, &ifr) < 0)
		die(rxif);
	memcpy(rxmac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	if (ifreq_do(ctl, SIOCGIFINDEX, rxif, &ifr) < 0)
		die(rxif);
	rxidx = ifr.ifr_ifindex;

	tx = socket(AF_PACKET, SOCK_RAW, 0);
	if (tx < 0)
		die("socket(AF_PACKET)");
	setsockopt(tx, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = txidx;
	if (bind(tx, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind tx");
	rx = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (rx < 0)
		die("socket(AF_PACKET, ETH_P_ALL)");
	setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = rxidx;
	if (bind(rx, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind rx");

	for (r = 0; r < rounds; r++) {
		int mtu = RX_MTU_MIN + (int)(rnd() % (RX_MTU_MAX - RX_MTU_MIN + 1));
		size_t maxlen = (size_t)txmtu + ETH_HLEN, min_ref = SIZE_MAX;
		size_t max_del = 0, must_fit;
		long long le0, dr0, le1, dr1, refused, deliv = 0, dup = 0;
		long long missing_fit = 0, sent = 0;
		long long runts = 0, runts_seen = 0, sock_refused = 0;
		long long sock_wrong = 0;
		int fence = 0;
		char name[64];

		/* Mostly around the interesting MTUs, sometimes anywhere. */
		if (rnd() % 2)
			mtu = (int[]){ 1500, 576, 9000, 1280, 68, 65517 }[rnd() % 6] +
			      (int)(rnd() % 9) - 4;
		if (mtu < RX_MTU_MIN)
			mtu = RX_MTU_MIN;
		if (mtu > RX_MTU_MAX)
			mtu = RX_MTU_MAX;
		ifr.ifr_mtu = mtu;
		if (ifreq_do(ctl, SIOCSIFMTU, rxif, &ifr) < 0) {
			check(0, "randframes-set-mtu", "MTU %d on %s: %s", mtu,
			      rxif, strerror(errno));
			continue;
		}
		must_fit = (size_t)mtu + VLAN_ETH_HLEN;
		if (maxlen > MAX_FRAME)
			maxlen = MAX_FRAME;
		le0 = stat_read(rxif, "rx_length_errors");
		dr0 = stat_read(rxif, "rx_dropped");
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < n; i++) {
			size_t l;
			ssize_t rc;

			/*
			 * Three in eight near the receiver's limit, one at
			 * the bottom (runts), one at the top (around TXIF's
			 * limit), three anywhere.
			 */
			switch (rnd() % 8) {
			case 0:
				l = rnd() % 64;
				break;
			case 1:
				l = maxlen - 8 + rnd() % (MAX_FRAME - maxlen + 9);
				break;
			case 2: case 3: case 4:
				l = must_fit - 64 + rnd() % 4096;
				break;
			default:
				l = rnd() % (MAX_FRAME + 1);
				break;
			}
			if (l > MAX_FRAME)
				l = MAX_FRAME;
			len[i] = 0;
			build(l, run, r, i, rxmac, txmac);
			if (l < ETH_HLEN || l > maxlen) {
				/* The socket layer's to refuse. */
				rc = send(tx, frame, l, 0);
				if (rc < 0 && errno == (l < ETH_HLEN ? EINVAL : EMSGSIZE))
					sock_refused++;
				else
					sock_wrong++;
				continue;
			}
			if (l < (size_t)MARKED_MIN) {
				if (send(tx, frame, l, 0) == (ssize_t)l)
					runts++;
				else
					sock_wrong++;
				continue;
			}
			len[i] = l;
			if (send(tx, frame, len[i], 0) != (ssize_t)len[i]) {
				check(0, "randframes-send", "round %d frame %d (%zu bytes): %s",
				      r, i, len[i], strerror(errno));
				len[i] = 0;
				continue;
			}
			sent++;
		}
		build(MIN_FRAME, run, r, MAX_N, rxmac, txmac);
		if (send(tx, frame, MIN_FRAME, 0) != MIN_FRAME)
			die("send fence");

		while (!fence) {
			struct pollfd pfd = { .fd = rx, .events = POLLIN };
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			struct marker m;
			ssize_t got;

			if (poll(&pfd, 1, 10000) <= 0)
				break;
			got = recvfrom(rx, buf, sizeof(buf), MSG_TRUNC,
				       (struct sockaddr *)&from, &fl);
			if (got < ETH_HLEN || from.sll_pkttype == PACKET_OUTGOING)
				continue;
			if (got < MARKED_MIN) {
				/* A runt: ours by its addresses and type. */
				if (!memcmp(buf, rxmac, ETH_ALEN) &&
				    !memcmp(buf + ETH_ALEN, txmac, ETH_ALEN) &&
				    buf[12] == 0x88 && buf[13] == 0xb5)
					runts_seen++;
				continue;
			}
			memcpy(&m, buf + ETH_HLEN, sizeof(m));
			if (memcmp(m.magic, MAGIC, sizeof(m.magic)) ||
			    m.run != run || m.round != r)
				continue;
			if (m.index == MAX_N) {
				fence = 1;
			} else if (m.index < n && (size_t)got == len[m.index]) {
				if (seen[m.index]++)
					dup++;
			}
		}
		le1 = stat_read(rxif, "rx_length_errors");
		dr1 = stat_read(rxif, "rx_dropped");
		refused = le1 - le0;
		for (i = 0; i < n; i++) {
			if (!len[i])
				continue;
			if (seen[i]) {
				deliv++;
				if (len[i] > max_del)
					max_del = len[i];
			} else {
				if (len[i] < min_ref)
					min_ref = len[i];
				if (len[i] <= must_fit)
					missing_fit++;
			}
		}
		printf("# randframes round %d: rx MTU %d, %lld sent, %lld delivered, %lld refused, longest delivered %zu, shortest refused %zu; %lld runts sent, %lld seen; %lld refused by the socket\n",
		       r, mtu, sent, deliv, refused,
		       max_del, min_ref == SIZE_MAX ? 0 : min_ref, runts,
		       runts_seen, sock_refused);
		snprintf(name, sizeof(name), "randframes-round-%d-socket", r);
		check(!sock_wrong && runts_seen == runts, name,
		      "%lld lengths the socket answered wrongly (want EINVAL below %d bytes, EMSGSIZE above %zu, success between), %lld runts sent, %lld seen",
		      sock_wrong, ETH_HLEN, maxlen, runts, runts_seen);
		snprintf(name, sizeof(name), "randframes-round-%d", r);
		check(fence && !dup && deliv + refused == sent &&
		      dr1 - dr0 == refused && !missing_fit &&
		      (min_ref == SIZE_MAX || !max_del || min_ref > max_del),
		      name,
		      "MTU %d: fence %s, %lld sent = %lld delivered + %lld refused (rx_length_errors)? rx_dropped +%lld, %lld duplicates, %lld fitting frames (<= %zu) lost, longest delivered %zu, shortest refused %zu",
		      mtu, fence ? "seen" : "lost", sent, deliv, refused,
		      dr1 - dr0, dup, missing_fit, must_fit, max_del,
		      min_ref == SIZE_MAX ? 0 : min_ref);
		sent_all += sent;
		runts_all += runts;
		sock_refused_all += sock_refused;
		deliv_all += deliv;
		refused_all += refused;
	}
	printf("# randframes total: %lld frames sent, %lld delivered, %lld refused and counted\n",
	       sent_all, deliv_all, refused_all);
	printf("# randframes outside the guard: %lld runts (%d .. %d bytes) delivered, %lld lengths refused by the socket layer\n",
	       runts_all, ETH_HLEN, MARKED_MIN - 1, sock_refused_all);
	check(refused_all > 0 && deliv_all > 0, "randframes-both-outcomes",
	      "%lld delivered, %lld refused: the run must see both",
	      deliv_all, refused_all);
	printf("# randframes summary ok=%d fail=%d\n", nr_ok, nr_fail);
	printf("1..%d\n", nr_ok + nr_fail);
	return nr_fail ? 1 : 0;
}
