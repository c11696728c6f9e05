#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench.sh - `make bench`, two boots:
#   evtchn    the in-tree xen-evtchn against ours, both in the same dom0
#             boot (scripts/tiers/e2e.sh bench, tests/guest/plan-bench.sh),
#             BENCH_ROUNDS interleaved rounds of tests/evtchn-bench;
#   skbguard  the skb guard on Debian's production kernel booted bare
#             (scripts/tiers/e2e-skbguard.sh bench, tests/skbguard/
#             plan-bench.sh), BENCH_ROUNDS interleaved rounds: ns per put
#             of skb_guard_put() and its plain counterparts, ns per
#             refusal (skb_guard_bench.ko), np_vnic's frames per second
#             with guard=1 and guard=0.
# Prints a Markdown table for each (median and range of each side, the
# ratio of the medians and the range of the per-round ratios) and writes
# them with PNG charts of the ratios to $NOPANIC_CACHE/bench/ (latest.md,
# latest.png, skbguard.png). Only ratios within one run mean anything:
# QEMU emulates the CPU here.
#
# Usage: scripts/tiers/bench.sh                 (make bench)
#        scripts/tiers/bench.sh --table RAW [SKBRAW]
#                                         the tables and charts of earlier
#                                         figures only
#
# Environment: BENCH_ROUNDS (default 5), BENCH_SCALE (operation counts
# times this, default 1), BENCH_PARTS (default "evtchn skbguard"), and
# those of scripts/tiers/e2e.sh and scripts/tiers/e2e-skbguard.sh.
#
# Last line `N passed, N failed` (the boot's checks: every operation of
# every run succeeded, the kernel log clean); no speed is asserted.

set -u
export LC_ALL=C

. "$(dirname "$0")/../lib/lib.sh"

BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_SCALE=${BENCH_SCALE:-1}
BENCH_PARTS=${BENCH_PARTS:-evtchn skbguard}
OUT=$NP_CACHE/bench
mkdir -p "$OUT"
raw=$OUT/raw.txt
skbraw=$OUT/skbguard-raw.txt

np_need_pkgs @bench > /dev/null 2>&1 || echo "bench: no gnuplot: no chart" >&2

log=$(mktemp)
skblog=$(mktemp)
# part NAME LOG CMD...: one benchmark boot; its output goes to stderr as
# it runs and to LOG, its checks are counted here (one failure if it ended
# without its plan line).
part() {
	local name=$1 out=$2

	shift 2
	"$@" 2>&1 | tee "$out" >&2
	np_relay_tier "bench $name" grep -E '^(not )?ok [0-9]|^1\.\.[0-9]' "$out"
}
np_ktap_header
if [ "${1:-}" = --table ]; then
	# Only the tables and the charts, from the figures of an earlier run.
	cp "${2:?usage: $0 --table RAW [SKBRAW]}" "$raw.new" && mv "$raw.new" "$raw"
	if [ -n "${3:-}" ]; then
		cp "$3" "$skbraw.new" && mv "$skbraw.new" "$skbraw"
	else
		rm -f "$skbraw"
	fi
else
	rm -f "$raw" "$skbraw"
	t=$(np_now)
	case " $BENCH_PARTS " in
	*" evtchn "*)
		part evtchn "$log" env BENCH_RAW="$raw" \
			E2E_TIMEOUT="${E2E_TIMEOUT:-1800}" \
			E2E_PLAN_ARGS="np.rounds=$BENCH_ROUNDS np.scale=$BENCH_SCALE" \
			"$NP_TOP/scripts/tiers/e2e.sh" bench
		np_timing "bench evtchn $(np_since "$t")s" ;;
	esac
	t=$(np_now)
	case " $BENCH_PARTS " in
	*" skbguard "*)
		part skbguard "$skblog" env SKBG_BENCH_RAW="$skbraw" \
			SKBG_PLAN_ARGS="np.rounds=$BENCH_ROUNDS np.scale=$BENCH_SCALE" \
			"$NP_TOP/scripts/tiers/e2e-skbguard.sh" bench
		np_timing "bench skbguard $(np_since "$t")s" ;;
	esac
fi
kver=$(sed -n 's/^time guest .*(KVER=\([^,]*\),.*/\1/p' "$log" | head -n1)
skbkver=$(sed -n 's/^time guest .*(KVER=\([^,]*\),.*/\1/p' "$skblog" | head -n1)
rm -f "$log" "$skblog"
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n1)

# Median, lowest and highest of a space-separated list, for awk.
AWK_STATS='
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
	}'

# table RAW: one row per measure, in the order the plan runs them.
table()
{
	awk "$AWK_STATS"'
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

# skbtable RAW [dat]: the skb guard's rows from RAW (lines of
# tests/skbguard/plan-bench.sh: "round=R put kind=K ... n=N ns=T",
# "round=R refusal dev=D n=N ns=T", "round=R vnic run=I guard=G len=L
# ... frames=N ns=T", two runs per guard value and round: their mean is
# the round's figure). Each pair is the guarded figure against its
# unguarded counterpart, in the same round; "guard's cost" is the extra time the
# guard takes (for frames/s: per frame). With "dat": "label" and the
# time ratio (guarded / unguarded) per pair, for the chart.
skbtable()
{
	awk -v mode="${2:-table}" "$AWK_STATS"'
	function row(label, short, ukey, gkey, unit,   mu, mg, ratios, rd, fmt, cost, t) {
		mg = median(v[gkey])
		fmt = unit == "fps" ? "%.0f" : "%.2f"
		if (ukey == "") {
			if (mode == "table")
				printf "| %s | - | " fmt " (" fmt "-" fmt ") | - | - | - |\n",
					label, mg, lo(v[gkey]), hi(v[gkey])
			return
		}
		mu = median(v[ukey])
		ratios = ""
		for (rd in rounds)
			if (r[ukey, rd] > 0 && r[gkey, rd] != "")
				ratios = ratios " " sprintf("%.3f", r[gkey, rd] / r[ukey, rd])
		# The time ratio: frames/s is a rate, ns a time.
		t = unit == "fps" ? (mg > 0 ? mu / mg : 0) : (mu > 0 ? mg / mu : 0)
		cost = sprintf("%+.1f%%", (t - 1) * 100)
		if (mode == "dat") {
			printf "\"%s\" %.4f\n", short, t
			return
		}
		printf "| %s | " fmt " (" fmt "-" fmt ") | " fmt " (" fmt "-" fmt ") | %.3f | %s-%s | %s |\n",
			label, mu, lo(v[ukey]), hi(v[ukey]), mg, lo(v[gkey]), hi(v[gkey]),
			(mu > 0 ? mg / mu : 0), lo(ratios), hi(ratios), cost
	}
	{
		round = $1; sub(/^round=/, "", round)
		delete f
		for (i = 3; i <= NF; i++) {
			eq = index($i, "=")
			if (eq) f[substr($i, 1, eq - 1)] = substr($i, eq + 1)
		}
		if (!(f["ns"] > 0)) next
		if ($2 == "put") {
			key = "put:" f["kind"]; val = f["ns"] / f["n"]
		} else if ($2 == "refusal") {
			key = "refusal:" f["dev"]; val = f["ns"] / f["n"]
		} else if ($2 == "vnic") {
			key = "vnic:" f["guard"] ":" f["len"]; val = f["frames"] * 1e9 / f["ns"]
		} else
			next
		# np_vnic runs twice per guard value and round: their mean.
		sum[key, round] += val
		cnt[key, round]++
		if (!((key, round) in seen)) {
			seen[key, round] = 1
			order[++nk] = key SUBSEP round
		}
		rounds[round] = 1
	}
	END {
		for (i = 1; i <= nk; i++) {
			split(order[i], kr, SUBSEP)
			val = sum[kr[1], kr[2]] / cnt[kr[1], kr[2]]
			v[kr[1]] = v[kr[1]] " " val
			r[kr[1], kr[2]] = val
		}
		if (mode == "table") {
			print "| measure | unguarded, median (range) | guarded, median (range) | guarded / unguarded | per-round ratios | guard'"'"'s cost |"
			print "|---|---|---|---|---|---|"
		}
		row("ns/put, 64 B: skb_guard_put vs skb_put", "guard_put / skb_put",
		    "put:skb_put", "put:skb_guard_put", "ns")
		row("ns/put, 64 B: skb_guard_put vs __skb_put", "guard_put / __skb_put",
		    "put:__skb_put", "put:skb_guard_put", "ns")
		row("ns/put, 64 B: skb_guard_put_data vs skb_put_data",
		    "guard_put_data / skb_put_data",
		    "put:skb_put_data", "put:skb_guard_put_data", "ns")
		row("ns/put, 64 B: the loop and reset alone", "", "", "put:loop+reset", "ns")
		row("ns/refusal, no device", "", "", "refusal:0", "ns")
		row("ns/refusal, skb->dev set", "", "", "refusal:1", "ns")
		row("np_vnic frames/s, 64 B: guard=1 vs guard=0", "np_vnic 64 B, per frame",
		    "vnic:0:64", "vnic:1:64", "fps")
		row("np_vnic frames/s, 1500 B: guard=1 vs guard=0", "np_vnic 1500 B, per frame",
		    "vnic:0:1500", "vnic:1:1500", "fps")
	}' "$1"
}

: > "$OUT/latest.md.new"
if [ -s "$raw" ]; then
	rounds=$(awk '{ sub(/^round=/, "", $2); if ($2 > n) n = $2 } END { print n + 0 }' "$raw")
	{
		echo "xen-evtchn, measured $(date -u +%Y-%m-%d) by \`make bench\`: $rounds interleaved rounds in one dom0 boot, Debian's ${kver:-?} under Xen in QEMU without KVM, on $cpu ($(nproc) host cores, 2 vCPUs). The CPU is emulated: only the ratios mean anything."
		echo
		table "$raw"
	} >> "$OUT/latest.md.new"
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
	echo "bench: no xen-evtchn figures (see the boot's checks above)"
fi
if [ -s "$skbraw" ]; then
	rounds=$(awk '{ sub(/^round=/, "", $1); if ($1 > n) n = $1 } END { print n + 0 }' "$skbraw")
	[ ! -s "$OUT/latest.md.new" ] || echo >> "$OUT/latest.md.new"
	{
		echo "skb guard, measured $(date -u +%Y-%m-%d) by \`make bench\`: $rounds interleaved rounds in one boot of Debian's ${skbkver:-?} (its production build, no sanitizers) alone in QEMU without KVM, on $cpu ($(nproc) host cores, 2 vCPUs). ns/put: best of 3 loops of 10^6 puts each round, loop and reset included; frames/s: np_sendframes through npv0 -> npv1, MTU 1500, np_vnic reloaded with the other guard value between runs. Guard's cost: the extra time the guarded side takes (per frame for frames/s), from the medians. The CPU is emulated: only the ratios mean anything."
		echo
		skbtable "$skbraw"
	} >> "$OUT/latest.md.new"
	if command -v gnuplot > /dev/null; then
		skbtable "$skbraw" dat > "$OUT/skbguard-ratios.dat"
		gnuplot <<-EOF && echo "chart: $OUT/skbguard.png"
		set terminal pngcairo size 900,480
		set output "$OUT/skbguard.png"
		set termoption noenhanced
		set title "skb guard: guarded / unguarded time, median of $rounds rounds (1.0: as fast, 1.02: the target)"
		set style fill solid 0.6
		set boxwidth 0.7
		set yrange [0:*]
		set offsets 0, 0, graph 0.15, 0
		set xtics rotate by -20
		set grid ytics
		unset key
		plot "$OUT/skbguard-ratios.dat" using 0:2:xtic(1) with boxes, 1 with lines lw 2, 1.02 with lines dt 2
		EOF
	fi
else
	echo "bench: no skb guard figures (see the boot's checks above)"
fi
if [ -s "$OUT/latest.md.new" ]; then
	mv "$OUT/latest.md.new" "$OUT/latest.md"
	echo
	cat "$OUT/latest.md"
else
	rm -f "$OUT/latest.md.new"
fi
np_summary
