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
# vchan-guest: the same between dom0 and a PV guest running the module
# under test, each side serving and each side killed (below).
#
# qdisk: with np.qdisk=1, QEMU (qemu-system-xen) as a PV guest's disk
# backend (below).
#
# hvlog: xenconsoled --log=all (scripts/lib/dom0.sh) reads Xen's own console
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

# has FILE TEXT: FILE contains TEXT (wait_for's test).
has()
{
	grep -q "$2" "$1" 2>/dev/null
}

# gone PID: PID has exited (wait_for's test).
gone()
{
	! kill -0 "$1" 2>/dev/null
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
	if wait_for 15 has "$d/srv.out" "to-server-$n"; then
		np_ok "${P}vchan/$n/client-to-server"
	else
		np_fail "${P}vchan/$n/client-to-server" \
			"server got '$(head -c 200 "$d/srv.out")'; stderr: $(cat "$d/srv.err" "$d/cli.err" | tail -n 4 | tr '\n' ' ')"
	fi
	echo "to-client-$n" >&7
	if wait_for 15 has "$d/cli.out" "to-client-$n"; then
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
		wait_for 15 gone "$other"
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

# --- vchan with a PV guest ----------------------------------------------

# One PV guest (the minimal guest, plus Xen's vchan-socket-proxy with the
# libraries it loads and this kernel's Xen modules; the guest loads the
# same xen_evtchn as dom0) runs three connections to dom0 one after the
# other (tests/guest/domu-vchan):
#   a: the guest serves, dom0's client is killed: the guest must see it;
#   b: the guest serves and kills its own end: dom0's client must see it
#      (the guest's gntalloc notify reaches dom0 through a port bound
#      here);
#   c: dom0 serves (a port bound unbound for the guest), the guest's
#      client connects, dom0's server is killed: the guest must see it.
# Data both ways in each; then xl destroy, dom0's ports at baseline.

VG_DIR=$NP_TMP/vchan-guest
# What the guest loads as xen_evtchn: the module dom0 runs.
if [ "$TARGET" = ours ]; then VG_EVTCHN=ours; else VG_EVTCHN=$INTREE; fi

# vg_initrd OUT: the minimal guest's initramfs with the vchan tools.
vg_initrd()
{
	local d=$VG_DIR/root bin lib

	rm -rf "$d"
	mkdir -p "$d" || return 1
	(cd "$d" && zcat "$DOMU/initrd.cpio.gz" | cpio -id 2> /dev/null) ||
		return 1
	bin=$(ls /usr/lib/xen-*/bin/vchan-socket-proxy 2>/dev/null | head -n 1)
	[ -n "$bin" ] || return 1
	mkdir -p "$d/bin" "$d/lib64" "$d/lib/modules"
	cp "$bin" "$d/bin/vchan-socket-proxy" || return 1
	cp -L /lib64/ld-linux-x86-64.so.2 "$d/lib64/" || return 1
	for lib in $(/lib64/ld-linux-x86-64.so.2 --list "$bin" |
		     sed -n 's/.* => \(\/[^ ]*\) .*/\1/p'); do
		mkdir -p "$d${lib%/*}"
		cp -L "$lib" "$d$lib" || return 1
	done
	# glibc loads it at run time for pthread_cancel (the client's
	# watch thread); no --list shows it.
	for lib in /lib/x86_64-linux-gnu/libgcc_s.so.1 \
		   /usr/lib/x86_64-linux-gnu/libgcc_s.so.1; do
		[ -e "$lib" ] || continue
		mkdir -p "$d${lib%/*}"
		cp -L "$lib" "$d$lib" || return 1
	done
	# For the save/restore guest (plan-toolstack.sh): it polls its
	# xenstore home for dom0's word that the restore is done.
	cp -L "$(command -v xenstore-read)" "$d/bin/" || return 1
	cp -a "/lib/modules/$(uname -r)" "$d/lib/modules/" || return 1
	# The in-tree module where this plan found it (outside the module
	# tree in make matrix, where dkms's build shadows it).
	mkdir -p "$d${INTREE%/*}" && cp "$INTREE" "$d$INTREE" || return 1
	(cd "$d" && find . | cpio -o -H newc 2> /dev/null) > "$1"
}

# vg_cfg FILE NAME ARGS [LINE]: an xl config for a guest NAME on that
# initramfs, ARGS added to its command line, LINE (a disk) to the config.
vg_cfg()
{
	cat > "$1" <<-EOF
	name = "$2"
	type = "pv"
	kernel = "$DOMU/kernel"
	ramdisk = "$VG_DIR/initrd.cpio"
	extra = "console=hvc0 quiet np.token=$2 $3"
	memory = 192
	vcpus = 1
	on_poweroff = "destroy"
	on_reboot = "destroy"
	on_crash = "destroy"
	${4:-}
	EOF
}

# vg_console_has SECS TEXT: the vchan guest's console shows TEXT.
vg_console_has()
{
	wait_for "$1" has "$CONLOG/guest-$VG_NAME.log" "$2"
}

# vg_data PHASE IN OUT: dom0 writes through IN, reads OUT; checks both
# directions against the guest's console.
vg_data()
{
	local ph=$1 in=$2 out=$3

	echo "np-reply-$ph" >&"$in"
	if vg_console_has 20 "phase=$ph got=np-reply-$ph"; then
		np_ok "${P}vchan-guest/$ph/dom0-to-guest"
	else
		np_fail "${P}vchan-guest/$ph/dom0-to-guest" \
			"guest: $(grep -a "phase=$ph" "$CONLOG/guest-$VG_NAME.log" | tr -d '\r' | tail -n 3 | tr '\n' ' ')"
	fi
	if wait_for 15 has "$out" "from-domu-$ph"; then
		np_ok "${P}vchan-guest/$ph/guest-to-dom0"
	else
		np_fail "${P}vchan-guest/$ph/guest-to-dom0" \
			"dom0 got '$(head -c 200 "$out")'"
	fi
}

# vg_alive PHASE: the guest's end of PHASE still runs, or a failed check
# that says so (a kill cannot show what has already happened).
vg_alive()
{
	local check=guest-sees-dom0-killed

	[ "$1" != b ] || check=dom0-sees-guest-killed
	if grep -aq "phase=$1 exited" "$CONLOG/guest-$VG_NAME.log"; then
		np_fail "${P}vchan-guest/$1/$check" \
			"the guest's end ended before dom0's was killed: $(grep -a "phase=$1 proxy-rc" "$CONLOG/guest-$VG_NAME.log" | tr -d '\r')"
		return 1
	fi
}

vchan_guest()
{
	local domid cfg cpid spid base ph t0 want

	t0=$(uptime_f)
	mkdir -p "$VG_DIR"
	if ! vg_initrd "$VG_DIR/initrd.cpio"; then
		np_fail "${P}vchan-guest/initrd" "could not build the guest's initramfs"
		return
	fi
	np_info "vchan guest initramfs $(wc -c < "$VG_DIR/initrd.cpio") bytes"
	rm -rf "$VG_DIR/root"
	VG_NAME=np-$TARGET-vchan
	base=$(np_user_ports)
	cfg=$VG_DIR/$VG_NAME.cfg
	vg_cfg "$cfg" "$VG_NAME" "np.vchan=$VG_EVTCHN+a,server,data/vchan-a+b,server,data/vchan-b+c,client,$VCHAN_PATH-c"
	if timeout 120 xl create "$cfg" > "$VG_DIR/create.out" 2>&1 &&
	   domid=$(xl domid "$VG_NAME"); then
		np_ok "${P}vchan-guest/xl-create" "domid $domid"
	else
		np_fail "${P}vchan-guest/xl-create" "$(tail -n 4 "$VG_DIR/create.out" | tr '\n' ' ')"
		return
	fi

	# The guest runs the module dom0 runs: ours has a version, the
	# in-tree one none.
	if [ "$TARGET" = ours ]; then want=${NP_VER:-}; else want=none; fi
	np_check "${P}vchan-guest/guest-module" \
		"the guest's xen_evtchn: $(grep -a 'xen_evtchn version=' "$CONLOG/guest-$VG_NAME.log" | tr -d '\r'), want version=$want" \
		vg_console_has 120 "xen_evtchn loaded version=$want"

	# c's server first: it waits for the guest, whose client finds it.
	mkfifo "$VG_DIR/c.in" "$VG_DIR/a.in" "$VG_DIR/b.in"
	exec 7<> "$VG_DIR/c.in"
	vchan-socket-proxy --mode=server "$domid" "$VCHAN_PATH-c" - \
		< "$VG_DIR/c.in" > "$VG_DIR/c.out" 2> "$VG_DIR/c.err" &
	spid=$!

	for ph in a b; do
		if ! vg_console_has 120 "phase=$ph start"; then
			np_fail "${P}vchan-guest/$ph/guest-ready" \
				"$(tr -d '\r' < "$CONLOG/guest-$VG_NAME.log" | tail -n 8 | tr '\n' ' ')"
			continue
		fi
		exec 8<> "$VG_DIR/$ph.in"
		vchan-socket-proxy "$domid" "/local/domain/$domid/data/vchan-$ph" - \
			< "$VG_DIR/$ph.in" > "$VG_DIR/$ph.out" 2> "$VG_DIR/$ph.err" &
		cpid=$!
		vg_data "$ph" 8 "$VG_DIR/$ph.out"
		if [ "$ph" = a ]; then
			vg_alive a && kill -9 "$cpid" &&
			np_check "${P}vchan-guest/a/guest-sees-dom0-killed" \
				"no 'phase=a exited' on the guest's console 20 s after dom0's client was killed" \
				vg_console_has 20 "phase=a exited"
		elif vg_alive b && kill -0 "$cpid" 2>/dev/null; then
			echo np-die >&8
			np_check "${P}vchan-guest/b/dom0-sees-guest-killed" \
				"dom0's client still runs 20 s after the guest's server was killed" \
				wait_for 20 gone "$cpid"
		elif kill -0 "$cpid" 2>/dev/null; then
			:	# vg_alive has said why
		else
			np_fail "${P}vchan-guest/b/dom0-sees-guest-killed" \
				"dom0's client ended before the guest's server was killed: $(tr '\n' ' ' < "$VG_DIR/b.err")"
		fi
		kill -9 "$cpid" 2>/dev/null
		wait "$cpid" 2>/dev/null
		exec 8>&-
	done

	if vg_console_has 60 "phase=c start"; then
		vg_data c 7 "$VG_DIR/c.out"
		vg_alive c && kill -9 "$spid" &&
		np_check "${P}vchan-guest/c/guest-sees-dom0-killed" \
			"no 'phase=c exited' on the guest's console 20 s after dom0's server was killed" \
			vg_console_has 20 "phase=c exited"
	else
		np_fail "${P}vchan-guest/c/guest-ready" \
			"$(tr -d '\r' < "$CONLOG/guest-$VG_NAME.log" | tail -n 8 | tr '\n' ' ')"
	fi
	kill -9 "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	exec 7>&-
	xenstore-rm "$VCHAN_PATH-c" 2>/dev/null
	grep -a 'NPDOMU-VCHAN' "$CONLOG/guest-$VG_NAME.log" |
		np_info_lines "vchan guest: "

	timeout 60 xl destroy "$VG_NAME" > "$VG_DIR/stop.out" 2>&1
	np_check "${P}vchan-guest/xl-destroy" "$(tail -n 3 "$VG_DIR/stop.out" | tr '\n' ' ')" \
		wait_for 30 domain_gone "$VG_NAME"
	if wait_for 30 ports_at "$base"; then
		np_ok "${P}vchan-guest/ports-at-baseline"
	else
		np_fail "${P}vchan-guest/ports-at-baseline" \
			"dom0 bound ports: $base before, $(np_user_ports) after"
	fi
	np_info "time vchan-guest $(dt "$t0" "$(uptime_f)")s"
}

if command -v vchan-socket-proxy > /dev/null; then
	vchan_guest
fi

# --- QEMU as a PV disk backend (qdisk) ---------------------------------------

# Where the dom0 has qemu-system-xen (make matrix's MATRIX_QDISK releases):
# a PV guest whose disk (a file in dom0) QEMU serves as its qdisk backend,
# QEMU binding the ring's event channel through the module under test. The
# guest (tests/guest/domu-qdisk) reads what dom0 wrote into the image and
# writes a line of its own, which dom0 finds in the file after xl destroy;
# QEMU gone with the guest, dom0's ports at baseline.

qdisk_guest()
{
	local name=np-$TARGET-qdisk img=$NP_TMP/qdisk.img cfg base during t0 qpid got

	t0=$(uptime_f)
	base=$(np_user_ports)
	rm -f "$img"
	if ! dd if=/dev/zero of="$img" bs=1M count=8 2> /dev/null ||
	   ! printf 'from-dom0-%s\n' "$name" |
		dd of="$img" bs=4096 seek=1 conv=notrunc 2> /dev/null; then
		np_fail "${P}qdisk/image" "cannot write $img"
		return
	fi
	cfg=$NP_TMP/$name.cfg
	vg_cfg "$cfg" "$name" np.qdisk=1 \
		"disk = [ \"format=raw, vdev=xvda, access=rw, backendtype=qdisk, target=$img\" ]"
	if timeout 120 xl create "$cfg" > "$NP_TMP/qdisk-create.out" 2>&1; then
		np_ok "${P}qdisk/xl-create"
	else
		np_fail "${P}qdisk/xl-create" "$(tail -n 4 "$NP_TMP/qdisk-create.out" | tr '\n' ' ') $(tail -n 4 "/var/log/xen/qemu-dm-$name.log" 2>/dev/null | tr '\n' ' ')"
		xl destroy "$name" > /dev/null 2>&1
		return
	fi
	qpid=$(pidof xen-qemu-system-i386 qemu-system-i386 | cut -d ' ' -f 1)
	np_check "${P}qdisk/qemu-runs" "no QEMU process: $(tail -n 4 "/var/log/xen/qemu-dm-$name.log" 2>/dev/null | tr '\n' ' ')" \
		test -n "$qpid"
	if wait_for 120 has "$CONLOG/guest-$name.log" "NPDOMU-QDISK token=$name read="; then
		got=$(grep -a "NPDOMU-QDISK token=$name read=" "$CONLOG/guest-$name.log" | tr -d '\r' | head -n 1)
		np_check "${P}qdisk/guest-reads-dom0" "guest: $got" \
			test "${got#*read=}" = "from-dom0-$name"
	else
		np_fail "${P}qdisk/guest-reads-dom0" \
			"$(tr -d '\r' < "$CONLOG/guest-$name.log" 2>/dev/null | tail -n 8 | tr '\n' ' ')"
	fi
	np_check "${P}qdisk/guest-writes" \
		"$(grep -a 'NPDOMU-QDISK' "$CONLOG/guest-$name.log" | tr -d '\r' | tail -n 2 | tr '\n' ' ')" \
		wait_for 60 has "$CONLOG/guest-$name.log" "NPDOMU-QDISK token=$name wrote"
	# xenstored's and xenconsoled's ports to the guest, and QEMU's for
	# the disk's ring, all through the module under test.
	during=$(np_user_ports)
	if [ "$during" -ge $((base + 3)) ]; then
		np_ok "${P}qdisk/ring-port-bound" "dom0 bound ports $base -> $during"
	else
		np_fail "${P}qdisk/ring-port-bound" "dom0 bound ports $base -> $during (want 3 more)"
	fi
	timeout 60 xl destroy "$name" > "$NP_TMP/qdisk-stop.out" 2>&1
	np_check "${P}qdisk/xl-destroy" "$(tail -n 3 "$NP_TMP/qdisk-stop.out" | tr '\n' ' ')" \
		wait_for 30 domain_gone "$name"
	if [ -n "$qpid" ]; then
		np_check "${P}qdisk/qemu-gone" "QEMU ($qpid) still runs 20 s after xl destroy" \
			wait_for 20 gone "$qpid"
	fi
	got=$(head -n 1 "$img")
	np_check "${P}qdisk/dom0-reads-guest" "the image starts with '$(echo "$got" | head -c 60)'" \
		test "$got" = "from-guest-$name"
	if wait_for 30 ports_at "$base"; then
		np_ok "${P}qdisk/ports-at-baseline"
	else
		np_fail "${P}qdisk/ports-at-baseline" \
			"dom0 bound ports: $base before, $(np_user_ports) after"
	fi
	rm -f "$img"
	np_info "time qdisk $(dt "$t0" "$(uptime_f)")s"
}

if [ "${NP_QDISK:-0}" = 1 ]; then
	if ! command -v vchan-socket-proxy > /dev/null || [ ! -f "$VG_DIR/initrd.cpio" ]; then
		np_fail "${P}qdisk/guest" "no guest initramfs (see vchan-guest)"
	elif [ -x /usr/libexec/xen-qemu-system-i386 ] || command -v qemu-system-i386 > /dev/null; then
		qdisk_guest
	else
		np_fail "${P}qdisk/qemu-present" "np.qdisk=1 but no qemu-system-xen in this dom0"
	fi
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
