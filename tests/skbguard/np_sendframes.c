// SPDX-License-Identifier: GPL-2.0-only
/*
 * np_sendframes - send crafted Ethernet frames on one interface with
 * AF_PACKET and count, exactly, which of them arrive on another.
 *
 * Usage: np_sendframes [-t TXIF] [-r RXIF|-] [-n N] [-b BIG] [-s SMALL]
 *                      [-k icmp,udp] [-w SECONDS] [-c COUNT]
 *
 *   -t TXIF   interface to send on (default npv0)
 *   -r RXIF   interface to count arrivals on with an ETH_P_ALL socket
 *             (default npv1); "-" sends without counting
 *   -n N      frames of each kind and size (default 5)
 *   -b BIG    length of the oversized frames, Ethernet header included
 *             (default 8000; 0: none)
 *   -s SMALL  length of the normal frames (default 1000; 0: none)
 *   -k KINDS  icmp, udp or icmp,udp (default): IPv4 + ICMP echo request,
 *             IPv4 + UDP
 *   -w SECS   how long to wait for the last frame (default 10)
 *   -c COUNT  rate mode, for make bench: for each length given (-b, -s,
 *             in that order), COUNT / 10 frames of that length and of
 *             the first kind of -k to warm up, then COUNT more, sent as
 *             fast as send() takes them, timed; nothing is counted on
 *             RXIF (only its MAC is used as the destination). One line
 *             per length:
 *               rate len=<L> warmup=<W> frames=<N> ns=<T> fps=<F>
 *             Every frame is sent inside its own send(), the receiving
 *             device's netif_rx() and the backlog included (see below).
 *
 * Frames go out interleaved (per round: ICMP big, UDP big, ICMP small, UDP
 * small) from one socket with PACKET_QDISC_BYPASS, from a process pinned
 * to one CPU: each frame reaches the driver inside its own sendto(), in
 * order, and is received (netif_rx) on that CPU's backlog in the same
 * order. So once the last frame sent has arrived, every earlier frame has
 * either arrived too or never will: the wait needs no sleep, only a
 * deadline for the case where the last frame is lost. When the last frame
 * sent is oversized (no small frames), the receive side cannot tell it
 * apart from a loss and waits out -w: use -r - for that.
 *
 * Every frame carries a marker, this run's id, its kind, size and index,
 * so frames from anyone else (the kernel's own traffic) are not counted,
 * and duplicates are.
 *
 * Output, one line each, for the plan to read:
 *   sent <kind>/<len>=<n> ...
 *   recv <kind>/<len>=<n> ...
 *   sent_big=N sent_small=N recv_big=N recv_small=N recv_dup=N
 *       recv_foreign=N recv_last=0|1 sock_drops=N
 * Exit status: 0 when every frame was sent (whatever arrived: the plan
 * judges the counts), 1 when a send failed, 2 on a usage or setup error.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC		"NPSKBG01"
#define MAX_FRAME	9018
#define MAX_N		1000

enum { K_ICMP, K_UDP, NKINDS };
enum { S_BIG, S_SMALL, NSIZES };

static const char *const kind_name[NKINDS] = { "icmp", "udp" };

/* What follows the IPv4 payload header in every frame we send. */
struct marker {
	char magic[8];
	uint32_t run;
	uint8_t kind;
	uint8_t size;
	uint16_t index;
} __attribute__((packed));

static unsigned int sent[NKINDS][NSIZES];
static unsigned int recvd[NKINDS][NSIZES];
static unsigned char seen[NKINDS][NSIZES][MAX_N];
static unsigned int recv_dup, recv_foreign;

static void die(const char *what)
{
	fprintf(stderr, "np_sendframes: %s: %s\n", what, strerror(errno));
	exit(2);
}

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static int if_info(int fd, const char *name, uint8_t mac[ETH_ALEN])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(name) >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		die(name);
	}
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		die(name);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		die(name);
	return ifr.ifr_ifindex;
}

/*
 * build: one frame of @len bytes, Ethernet + IPv4 + ICMP echo or UDP +
 * marker + pattern. Returns the length, or 0 if @len is too small.
 */
static size_t build(uint8_t *f, size_t len, int kind, int size, int index,
		    uint32_t run, const uint8_t dst[6], const uint8_t src[6])
{
	size_t l4hdr = 8, iplen = len - ETH_HLEN;
	uint8_t *ip = f + ETH_HLEN, *l4 = ip + 20;
	struct marker m;
	size_t i;

	if (len < ETH_HLEN + 20 + l4hdr + sizeof(m) || len > MAX_FRAME)
		return 0;
	memset(f, 0, len);
	memcpy(f, dst, ETH_ALEN);
	memcpy(f + ETH_ALEN, src, ETH_ALEN);
	put16(f + 12, ETH_P_IP);

	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)iplen);
	put16(ip + 4, (uint16_t)(run + index));
	put16(ip + 6, 0x4000);			/* DF */
	ip[8] = 64;
	ip[9] = kind == K_ICMP ? IPPROTO_ICMP : IPPROTO_UDP;
	ip[12] = 10; ip[13] = 99; ip[14] = 0; ip[15] = 1;
	ip[16] = 10; ip[17] = 99; ip[18] = 0; ip[19] = 2;

	memcpy(m.magic, MAGIC, sizeof(m.magic));
	m.run = run;
	m.kind = (uint8_t)kind;
	m.size = (uint8_t)size;
	m.index = (uint16_t)index;
	memcpy(l4 + l4hdr, &m, sizeof(m));
	for (i = ETH_HLEN + 20 + l4hdr + sizeof(m); i < len; i++)
		f[i] = (uint8_t)i;

	if (kind == K_ICMP) {
		l4[0] = 8;			/* echo request */
		put16(l4 + 4, (uint16_t)run);
		put16(l4 + 6, (uint16_t)index);
		memcpy(l4 + 2, &(uint16_t){ csum(l4, iplen - 20) }, 2);
	} else {
		put16(l4, 40000);
		put16(l4 + 2, 9);		/* discard */
		put16(l4 + 4, (uint16_t)(iplen - 20));
		/* UDP checksum 0: none, valid for IPv4. */
	}
	memcpy(ip + 10, &(uint16_t){ csum(ip, 20) }, 2);
	return len;
}

/* account: one received frame. Returns 1 if it is the last one sent. */
static int account(const uint8_t *f, size_t len, uint32_t run,
		   const size_t lens[NSIZES], int last_kind, int last_size,
		   int last_index)
{
	struct marker m;
	size_t off = ETH_HLEN + 20 + 8;

	if (len < off + sizeof(m)) {
		recv_foreign++;
		return 0;
	}
	memcpy(&m, f + off, sizeof(m));
	if (memcmp(m.magic, MAGIC, sizeof(m.magic)) || m.run != run ||
	    m.kind >= NKINDS || m.size >= NSIZES || m.index >= MAX_N ||
	    len != lens[m.size]) {
		recv_foreign++;
		return 0;
	}
	if (seen[m.kind][m.size][m.index]++) {
		recv_dup++;
		return 0;
	}
	recvd[m.kind][m.size]++;
	return m.kind == last_kind && m.size == last_size &&
	       m.index == last_index;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr, "usage: np_sendframes [-t TXIF] [-r RXIF|-] [-n N] "
		"[-b BIG] [-s SMALL] [-k icmp,udp] [-w SECONDS] [-c COUNT]\n");
	exit(2);
}

/*
 * rate: -c COUNT. COUNT frames of each length in @lens (0: none) and of
 * kind @kind on @tx, timed. Returns the exit status.
 */
static int rate(int tx, const size_t lens[NSIZES], int kind, long count,
		uint32_t run, const uint8_t dst[ETH_ALEN],
		const uint8_t src[ETH_ALEN])
{
	static uint8_t frame[MAX_FRAME];
	unsigned int errors = 0;
	long warm = count / 10, i;
	long long t = 0;
	size_t len;
	int s;

	for (s = 0; s < NSIZES; s++) {
		if (!lens[s])
			continue;
		len = build(frame, lens[s], kind, s, 0, run, dst, src);
		if (!len) {
			fprintf(stderr, "np_sendframes: bad frame length %zu\n",
				lens[s]);
			return 2;
		}
		for (i = -warm; i < count; i++) {
			if (!i)
				t = now_ns();
			if (send(tx, frame, len, 0) != (ssize_t)len &&
			    errors++ < 3)
				fprintf(stderr, "np_sendframes: send %zu #%ld: %s\n",
					len, i, strerror(errno));
		}
		t = now_ns() - t;
		printf("rate len=%zu warmup=%ld frames=%ld ns=%lld fps=%.0f\n",
		       len, warm, count, t, t > 0 ? count * 1e9 / t : 0.0);
	}
	if (errors)
		fprintf(stderr, "np_sendframes: %u sends failed\n", errors);
	return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *txif = "npv0", *rxif = "npv1";
	int n = 5, wait_s = 10, kinds[NKINDS] = { 1, 1 };
	size_t lens[NSIZES] = { 8000, 1000 };
	uint8_t txmac[ETH_ALEN], rxmac[ETH_ALEN];
	static uint8_t frame[MAX_FRAME], buf[65536];
	int tx, rx = -1, txidx, rxidx = 0, opt, one = 1, k, s, i;
	int last_kind = -1, last_size = -1, last_index = -1, got_last = 0;
	unsigned int sent_big = 0, sent_small = 0, send_errors = 0;
	struct tpacket_stats pst = { 0 };
	struct sockaddr_ll sll;
	cpu_set_t cpus;
	uint32_t run;
	long deadline;
	char *tok, *save;
	long count = 0;

	while ((opt = getopt(argc, argv, "t:r:n:b:s:k:w:c:")) != -1) {
		switch (opt) {
		case 't': txif = optarg; break;
		case 'r': rxif = strcmp(optarg, "-") ? optarg : NULL; break;
		case 'n': n = atoi(optarg); break;
		case 'b': lens[S_BIG] = strtoul(optarg, NULL, 0); break;
		case 's': lens[S_SMALL] = strtoul(optarg, NULL, 0); break;
		case 'w': wait_s = atoi(optarg); break;
		case 'c': count = atol(optarg); break;
		case 'k':
			kinds[K_ICMP] = kinds[K_UDP] = 0;
			for (tok = strtok_r(optarg, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (!strcmp(tok, "icmp"))
					kinds[K_ICMP] = 1;
				else if (!strcmp(tok, "udp"))
					kinds[K_UDP] = 1;
				else
					usage();
			}
			break;
		default:
			usage();
		}
	}
	if (optind != argc || n < 1 || n > MAX_N || wait_s < 0 || count < 0)
		usage();

	/* One CPU: the frames' order through the driver and the backlog. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus) < 0)
		die("sched_setaffinity");

	run = (uint32_t)getpid() ^ (uint32_t)now_ms() << 16;

	/* Protocol 0: this socket sends and never receives. */
	tx = socket(AF_PACKET, SOCK_RAW, 0);
	if (tx < 0)
		die("socket(AF_PACKET) for sending");
	txidx = if_info(tx, txif, txmac);
	memset(rxmac, 0xff, sizeof(rxmac));
	if (rxif)
		rxidx = if_info(tx, rxif, rxmac);
	if (setsockopt(tx, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one)) < 0)
		die("PACKET_QDISC_BYPASS");
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = txidx;
	if (bind(tx, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind sending socket");

	if (count)
		return rate(tx, lens, kinds[K_ICMP] ? K_ICMP : K_UDP, count,
			    run, rxmac, txmac);

	if (rxif) {
		int rcvbuf = 8 << 20;

		rx = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		if (rx < 0)
			die("socket(AF_PACKET, ETH_P_ALL)");
		setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			   sizeof(rcvbuf));
		memset(&sll, 0, sizeof(sll));
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ALL);
		sll.sll_ifindex = rxidx;
		if (bind(rx, (struct sockaddr *)&sll, sizeof(sll)) < 0)
			die("bind receiving socket");
	}

	for (i = 0; i < n; i++) {
		for (s = 0; s < NSIZES; s++) {
			if (!lens[s])
				continue;
			for (k = 0; k < NKINDS; k++) {
				size_t len;

				if (!kinds[k])
					continue;
				len = build(frame, lens[s], k, s, i, run,
					    rxmac, txmac);
				if (!len) {
					fprintf(stderr, "np_sendframes: bad frame length %zu\n",
						lens[s]);
					return 2;
				}
				if (send(tx, frame, len, 0) != (ssize_t)len) {
					fprintf(stderr, "np_sendframes: send %s/%zu #%d: %s\n",
						kind_name[k], len, i,
						strerror(errno));
					send_errors++;
					continue;
				}
				sent[k][s]++;
				*(s == S_BIG ? &sent_big : &sent_small) += 1;
				last_kind = k;
				last_size = s;
				last_index = i;
			}
		}
	}

	deadline = now_ms() + wait_s * 1000L;
	while (rx >= 0 && last_kind >= 0) {
		struct pollfd pfd = { .fd = rx, .events = POLLIN };
		long left = got_last ? 0 : deadline - now_ms();
		struct sockaddr_ll from;
		socklen_t fromlen = sizeof(from);
		ssize_t r;

		if (left < 0)
			left = 0;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll");
		if (r == 0)
			break;	/* last frame seen and queue drained, or deadline */
		r = recvfrom(rx, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fromlen);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0)
			die("recvfrom");
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (account(buf, (size_t)r, run, lens, last_kind, last_size,
			    last_index))
			got_last = 1;
	}
	if (rx >= 0) {
		socklen_t l = sizeof(pst);

		getsockopt(rx, SOL_PACKET, PACKET_STATISTICS, &pst, &l);
	}

	printf("sent");
	for (k = 0; k < NKINDS; k++)
		for (s = 0; s < NSIZES; s++)
			if (kinds[k] && lens[s])
				printf(" %s/%zu=%u", kind_name[k], lens[s],
				       sent[k][s]);
	printf("\nrecv");
	for (k = 0; k < NKINDS; k++)
		for (s = 0; s < NSIZES; s++)
			if (kinds[k] && lens[s])
				printf(" %s/%zu=%u", kind_name[k], lens[s],
				       recvd[k][s]);
	printf("\nsent_big=%u sent_small=%u recv_big=%u recv_small=%u recv_dup=%u recv_foreign=%u recv_last=%d sock_drops=%u\n",
	       sent_big, sent_small,
	       recvd[K_ICMP][S_BIG] + recvd[K_UDP][S_BIG],
	       recvd[K_ICMP][S_SMALL] + recvd[K_UDP][S_SMALL],
	       recv_dup, recv_foreign, got_last, pst.tp_drops);
	return send_errors ? 1 : 0;
}
