# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# plan-clients.sh - Xen's own clients of /dev/xen/evtchn beyond the
# toolstack, sourced by plan-toolstack.sh once the daemons run (so on the
# in-tree module, the control, and on ours), its checks prefixed $P.
#
# vchan: Xen's vchan-socket-proxy (libxenvchan), server and client both in
# dom0 (domain 0 to itself), data both ways, then one end killed with
# SIGKILL: the other must see the close, which libxenvchan learns from the
# unmap notify the dead end's gntalloc/gntdev sends through the shared
# event channel. NP_VCHAN_CYCLES rounds (default 2: the server killed,
# then the client), dom0's bound ports back at baseline after each.
#
# hvlog: xenconsoled --log=all (scripts/dom0.sh) reads Xen's own console
# on VIRQ_CON_RING: a line Xen prints (xl debug-keys) must reach its
# hypervisor.log.
#
# lowmemd: xen-lowmemd binds VIRQ_ENOMEM; it must start, stay up, and give
# its port back when killed.
#
# xentrace: binds VIRQ_TBUF (setting up Xen's trace buffers itself); a
# second xentrace meanwhile must fail cleanly (Xen binds a global VIRQ
# once), the first must finish with records, its port given back.
#
# test-xenstore: Xen's own xenstore test, against whichever xenstored runs
# (C xenstored where make matrix selects it), where the release ships it.

VCHAN_CYCLES=${NP_VCHAN_CYCLES:-2}
VCHAN_PATH=/local/domain/0/data/nopanic-vchan

# vchan_wait_for SECS FILE TEXT: FILE contains TEXT within SECS seconds.
vchan_wait_for()
{
	local end=$(($(np_now) + $1))

	while ! grep -q "$3" "$2" 2>/dev/null; do
		[ "$(np_now)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# vchan_gone SECS PID: PID has exited within SECS seconds.
vchan_gone()
{
	local end=$(($(np_now) + $1))

	while kill -0 "$2" 2>/dev/null; do
		[ "$(np_now)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# vchan_cycle N VICTIM: one connection, VICTIM (server or client) killed.
vchan_cycle()
{
	local n=$1 victim=$2 d=$NP_TMP/vchan.$1 base srv cli other name

	mkdir -p "$d"
	mkfifo "$d/srv.in" "$d/cli.in"
	base=$(np_user_ports)
	# Each end reads a FIFO this shell keeps open for writing (fds 7, 8).
	exec 7<> "$d/srv.in" 8<> "$d/cli.in"
	vchan-socket-proxy --mode=server 0 "$VCHAN_PATH$n" - \
		< "$d/srv.in" > "$d/srv.out" 2> "$d/srv.err" &
	srv=$!
	wait_for 10 xenstore-exists "$VCHAN_PATH$n" ||
		np_info "vchan $n: no $VCHAN_PATH$n in xenstore after 10 s"
	vchan-socket-proxy 0 "$VCHAN_PATH$n" - \
		< "$d/cli.in" > "$d/cli.out" 2> "$d/cli.err" &
	cli=$!

	echo "to-server-$n" >&8
	if vchan_wait_for 15 "$d/srv.out" "to-server-$n"; then
		np_ok "${P}vchan/$n/client-to-server"
	else
		np_fail "${P}vchan/$n/client-to-server" \
			"server got '$(head -c 200 "$d/srv.out")'; stderr: $(cat "$d/srv.err" "$d/cli.err" | tail -n 4 | tr '\n' ' ')"
	fi
	echo "to-client-$n" >&7
	if vchan_wait_for 15 "$d/cli.out" "to-client-$n"; then
		np_ok "${P}vchan/$n/server-to-client"
	else
		np_fail "${P}vchan/$n/server-to-client" \
			"client got '$(head -c 200 "$d/cli.out")'"
	fi

	if [ "$victim" = server ]; then
		kill -9 "$srv"
		other=$cli
		name=client
	else
		kill -9 "$cli"
		other=$srv
		name=server
	fi
	np_check "${P}vchan/$n/$name-sees-$victim-killed" \
		"the $name still runs 15 s after the $victim was killed" \
		vchan_gone 15 "$other"
	kill -9 "$srv" "$cli" 2>/dev/null
	wait "$srv" "$cli" 2>/dev/null
	exec 7>&- 8>&-
	xenstore-rm "$VCHAN_PATH$n" 2>/dev/null
	if wait_for 10 ports_at "$base"; then
		np_ok "${P}vchan/$n/ports-at-baseline"
	else
		np_fail "${P}vchan/$n/ports-at-baseline" \
			"dom0 bound ports: $base before, $(np_user_ports) after"
	fi
}

# libxenvchan shares its rings through gntalloc (server) and gntdev
# (client).
for m in xen_gntalloc xen_gntdev; do
	[ -e "/sys/module/$m" ] || modprobe "$m" ||
		np_fail "${P}vchan/modprobe-$m" "modprobe $m failed"
done
if command -v vchan-socket-proxy > /dev/null; then
	i=1
	while [ "$i" -le "$VCHAN_CYCLES" ]; do
		if [ $((i % 2)) = 1 ]; then
			vchan_cycle "$i" server
		else
			vchan_cycle "$i" client
		fi
		i=$((i + 1))
	done
else
	np_fail "${P}vchan/present" "no vchan-socket-proxy in this initramfs"
fi

# --- xenconsoled: Xen's console on VIRQ_CON_RING --------------------------

HVLOG=/var/log/xen/console/hypervisor.log
hvlog_has_key_help()
{
	grep -q "'h' pressed" "$HVLOG" 2>/dev/null
}
if pidof xenconsoled > /dev/null; then
	xl debug-keys h > /dev/null 2>&1
	if wait_for 10 hvlog_has_key_help; then
		np_ok "${P}hvlog/debug-key-logged"
	else
		np_fail "${P}hvlog/debug-key-logged" \
			"no \"'h' pressed\" in $HVLOG: $(tail -c 200 "$HVLOG" 2>&1 | tr '\n' ' ')"
	fi
else
	np_fail "${P}hvlog/debug-key-logged" "no xenconsoled"
fi

# --- xen-lowmemd: VIRQ_ENOMEM ----------------------------------------------

if command -v xen-lowmemd > /dev/null; then
	base=$(np_user_ports)
	xen-lowmemd > "$NP_TMP/lowmemd.out" 2>&1 &
	lpid=$!
	sleep 2
	if kill -0 "$lpid" 2>/dev/null; then
		np_ok "${P}lowmemd/runs" "dom0 bound ports $base -> $(np_user_ports)"
	else
		np_fail "${P}lowmemd/runs" "exited: $(tr '\n' ' ' < "$NP_TMP/lowmemd.out")"
	fi
	kill -9 "$lpid" 2>/dev/null
	wait "$lpid" 2>/dev/null
	if wait_for 10 ports_at "$base"; then
		np_ok "${P}lowmemd/ports-at-baseline"
	else
		np_fail "${P}lowmemd/ports-at-baseline" \
			"dom0 bound ports: $base before, $(np_user_ports) after"
	fi
else
	np_fail "${P}lowmemd/present" "no xen-lowmemd in this initramfs"
fi

# --- test-xenstore ---------------------------------------------------------

txs=$(ls /usr/lib/xen-*/bin/test-xenstore 2>/dev/null | head -n 1)
if [ -n "$txs" ]; then
	xsd=$(for p in $(pidof oxenstored xenstored); do readlink "/proc/$p/exe"; done)
	timeout 120 "$txs" > "$NP_TMP/test-xenstore.out" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		np_ok "${P}test-xenstore" "against $xsd"
	else
		np_fail "${P}test-xenstore" "rc=$rc against $xsd: $(tail -n 3 "$NP_TMP/test-xenstore.out" | tr '\n' ' ')"
	fi
else
	np_info "test-xenstore: not shipped with this release's Xen"
fi

# --- xentrace: VIRQ_TBUF -----------------------------------------------------

if command -v xentrace > /dev/null; then
	base=$(np_user_ports)
	rm -f "$NP_TMP/trace.bin"
	timeout 60 xentrace -D -T 4 "$NP_TMP/trace.bin" \
		> "$NP_TMP/xentrace.out" 2>&1 &
	tpid=$!
	sleep 1.5
	timeout 20 xentrace -D -T 2 "$NP_TMP/trace2.bin" \
		> "$NP_TMP/xentrace2.out" 2>&1
	rc2=$?
	wait "$tpid"
	rc=$?
	size=$(wc -c < "$NP_TMP/trace.bin" 2>/dev/null || echo 0)
	if [ "$rc" = 0 ] && [ "$size" -gt 0 ]; then
		np_ok "${P}xentrace/records" "$size bytes in 4 s"
	else
		np_fail "${P}xentrace/records" "rc=$rc, $size bytes: $(tail -n 3 "$NP_TMP/xentrace.out" | tr '\n' ' ')"
	fi
	# 124: timeout killed it; anything else non-zero is a clean refusal.
	if [ "$rc2" != 0 ] && [ "$rc2" != 124 ]; then
		np_ok "${P}xentrace/second-refused" "rc=$rc2: $(tail -n 1 "$NP_TMP/xentrace2.out")"
	else
		np_fail "${P}xentrace/second-refused" "rc=$rc2: $(tail -n 3 "$NP_TMP/xentrace2.out" | tr '\n' ' ')"
	fi
	rm -f "$NP_TMP/trace.bin" "$NP_TMP/trace2.bin"
	if wait_for 10 ports_at "$base"; then
		np_ok "${P}xentrace/ports-at-baseline"
	else
		np_fail "${P}xentrace/ports-at-baseline" \
			"dom0 bound ports: $base before, $(np_user_ports) after"
	fi
else
	np_fail "${P}xentrace/present" "no xentrace in this initramfs"
fi
