#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench.sh - `make bench`: the in-tree xen-evtchn against ours, both in
# the same dom0 boot (scripts/e2e.sh bench, tests/guest/plan-bench.sh),
# BENCH_ROUNDS interleaved rounds of tests/evtchn-bench. Prints a
# Markdown table (median and range of each driver, the ratio of the
# medians and the range of the per-round ratios) and writes it with a
# PNG chart of the ratios to $NOPANIC_CACHE/bench/. Only ratios within one
# run mean anything: QEMU emulates the CPU here.
#
# Usage: scripts/bench.sh                 (make bench)
#        scripts/bench.sh --table RAW     the table and chart of RAW only
#
# Environment: BENCH_ROUNDS (default 5), BENCH_SCALE (operation counts
# times this, default 1), and those of scripts/e2e.sh.
#
# Last line `N passed, N failed` (the boot's checks: every operation of
# every run succeeded, the kernel log clean); no speed is asserted.

set -u
export LC_ALL=C

. "$(dirname "$0")/lib.sh"

BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_SCALE=${BENCH_SCALE:-1}
OUT=$NP_CACHE/bench
mkdir -p "$OUT"
raw=$OUT/raw.txt

np_need_pkgs gnuplot-nox > /dev/null 2>&1 || echo "bench: no gnuplot: no chart" >&2

log=$(mktemp)
if [ "${1:-}" = --table ]; then
	# Only the table and the chart, from the figures of an earlier run.
	cp "${2:?usage: $0 --table RAW}" "$raw.new" && mv "$raw.new" "$raw"
	echo "0 passed, 0 failed" > "$log"
else
	rm -f "$raw"
	BENCH_RAW=$raw E2E_TIMEOUT=${E2E_TIMEOUT:-1800} \
		E2E_PLAN_ARGS="np.rounds=$BENCH_ROUNDS np.scale=$BENCH_SCALE" \
		"$NP_TOP/scripts/e2e.sh" bench | tee "$log"
fi
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
kver=$(sed -n 's/^time guest .*(KVER=\([^,]*\),.*/\1/p' "$log" | head -n1)
rm -f "$log"

# table RAW: one row per measure, in the order the plan runs them.
table()
{
	awk '
	function median(list,   n, a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function lo(list,   n, a, i, m) {
		n = split(list, a, " "); m = a[1]
		for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]
		return m
	}
	function hi(list,   n, a, i, m) {
		n = split(list, a, " "); m = a[1]
		for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]
		return m
	}
	{
		drv = $1; sub(/^drv=/, "", drv)
		round = $2; sub(/^round=/, "", round)
		key = $3
		for (i = 4; i <= NF && $i !~ /^rate=/; i++)
			key = key " " $i
		rate = $i; sub(/^rate=/, "", rate)
		if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
		v[key, drv] = v[key, drv] " " rate
		r[key, drv, round] = rate
		rounds[round] = 1
	}
	END {
		print "| measure | in-tree ops/s, median (range) | ours ops/s, median (range) | ours / in-tree | per-round ratios |"
		print "|---|---|---|---|---|"
		for (k = 1; k <= nk; k++) {
			key = keys[k]
			mi = median(v[key, "intree"]); mo = median(v[key, "ours"])
			ratios = ""
			for (rd in rounds)
				if (r[key, "intree", rd] > 0 && r[key, "ours", rd] != "")
					ratios = ratios " " sprintf("%.2f", r[key, "ours", rd] / r[key, "intree", rd])
			printf "| %s | %.0f (%.0f-%.0f) | %.0f (%.0f-%.0f) | %.2f | %s-%s |\n",
				key, mi, lo(v[key, "intree"]), hi(v[key, "intree"]),
				mo, lo(v[key, "ours"]), hi(v[key, "ours"]),
				(mi > 0 ? mo / mi : 0), lo(ratios), hi(ratios)
		}
	}' "$1"
}

if [ -s "$raw" ]; then
	rounds=$(awk '{ sub(/^round=/, "", $2); if ($2 > n) n = $2 } END { print n + 0 }' "$raw")
	{
		echo "Measured $(date -u +%Y-%m-%d) by \`make bench\`: $rounds interleaved rounds in one dom0 boot, Debian's ${kver:-?} under Xen in QEMU without KVM, on $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1) ($(nproc) host cores, 2 vCPUs). The CPU is emulated: only the ratios mean anything."
		echo
		table "$raw"
	} > "$OUT/latest.md"
	echo
	cat "$OUT/latest.md"
	if command -v gnuplot > /dev/null; then
		table "$raw" | awk -F' \\| ' 'NR > 2 { gsub(/^\| /, "", $1); printf "\"%s\" %s\n", $1, $4 }' \
			> "$OUT/ratios.dat"
		gnuplot <<-EOF && echo "chart: $OUT/latest.png"
		set terminal pngcairo size 900,480
		set output "$OUT/latest.png"
		set title "xen-evtchn: ours / in-tree, median of $rounds rounds (1.0: as fast)"
		set style fill solid 0.6
		set boxwidth 0.7
		set yrange [0:*]
		set offsets 0, 0, graph 0.15, 0
		set xtics rotate by -35
		set grid ytics
		unset key
		plot "$OUT/ratios.dat" using 0:2:xtic(1) with boxes, 1 with lines lw 2
		EOF
	fi
else
	echo "bench: no figures (see the boot's checks above)"
fi
echo "${summary:-0 passed, 1 failed}"
[ -n "$summary" ] && [ "${summary#* passed, }" = "0 failed" ]
