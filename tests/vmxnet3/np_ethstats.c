// SPDX-License-Identifier: GPL-2.0-only
/*
 * np_ethstats - what `ethtool -S DEV` prints, for a guest without
 * ethtool: one "name value" line per driver statistic (names with their
 * leading blanks removed, inner blanks as '_').
 *
 * Usage: np_ethstats DEV
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int ethtool(int fd, const char *dev, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

int main(int argc, char **argv)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 len;
	} info;
	struct ethtool_gstrings *names;
	struct ethtool_stats *stats;
	unsigned int i, n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DEV\n", argv[0]);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	memset(&info, 0, sizeof(info));
	info.hdr.cmd = ETHTOOL_GSSET_INFO;
	info.hdr.sset_mask = 1ULL << ETH_SS_STATS;
	if (ethtool(fd, argv[1], &info) < 0 || !info.hdr.sset_mask) {
		fprintf(stderr, "%s: no statistics: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	n = info.len;
	names = calloc(1, sizeof(*names) + n * ETH_GSTRING_LEN);
	stats = calloc(1, sizeof(*stats) + n * sizeof(__u64));
	if (!names || !stats)
		return 1;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_STATS;
	names->len = n;
	stats->cmd = ETHTOOL_GSTATS;
	stats->n_stats = n;
	if (ethtool(fd, argv[1], names) < 0 || ethtool(fd, argv[1], stats) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		char name[ETH_GSTRING_LEN + 1], *p = name, *q;

		memcpy(name, names->data + i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		name[ETH_GSTRING_LEN] = '\0';
		while (*p == ' ')
			p++;
		for (q = p; *q; q++)
			if (*q == ' ')
				*q = '_';
		printf("%s %llu\n", p, (unsigned long long)stats->data[i]);
	}
	close(fd);
	return 0;
}
