# SPDX-License-Identifier: GPL-2.0-only
#
# Thin wrapper around kbuild for building out of tree, plus the test and
# packaging entry points. Build for a kernel other than the running one
# with KERNELRELEASE=<version> or KDIR=<build tree>.

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
PWD := $(CURDIR)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

install: modules
	$(MAKE) -C $(KDIR) M=$(PWD) INSTALL_MOD_DIR=updates modules_install

# Needs no kernel tree: dkms 2.8 (Debian 11) runs a bare `make clean` in
# its build directory.
clean:
	rm -rf out .dkms-source .tmp_versions
	find . -path ./.git -prune -o -type f \( -name '*.o' -o -name '*.ko' \
		-o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
		-o -name '*.a' -o -name '.*.d' -o -name '*.dwo' \
		-o -name modules.order -o -name Module.symvers \
		-o -name .cache.mk \) -exec rm -f -- {} +

# Style, sparse, W=1 and the module's metadata, against Debian's headers.
check-build:
	@scripts/tiers/check-build.sh

# KUnit suites under User-Mode Linux (Debian's linux-source, cached).
kunit:
	@scripts/tiers/kunit.sh

e2e:
	@scripts/tiers/e2e.sh e2e

# The skb guard end to end: Debian's kernel under QEMU, guarded and
# control boots.
e2e-skbguard:
	@scripts/tiers/e2e-skbguard.sh

# The skb guard under frames of random lengths at random receive MTUs
# (tests/skbguard/np_randframes): SKBG_ROUNDS, SKBG_N_RANDOM, SKBG_SEED.
skbguard-random:
	@scripts/tiers/e2e-skbguard.sh random

# Debian's Xen tools (xenstored, xenconsoled, xl) creating and destroying
# guests in the dom0, on the in-tree module and then on ours.
e2e-toolstack:
	@scripts/tiers/e2e-toolstack.sh

demo:
	@scripts/tiers/e2e.sh demo

# tests/evtchn-fuzz on our module in the e2e dom0 (Debian's production
# kernel): FUZZ_N operations, FUZZ_SEED to replay. Not part of make check.
fuzz:
	@scripts/tiers/e2e.sh fuzz

# Our xen-evtchn and the skb guard on a debug dom0 kernel
# (scripts/tools/line-kernel.sh --debug: KFENCE, lockdep, debugobjects,
# kmemleak, UBSAN), panic_on_warn=1: conformance, stress, hardening, the
# fuzzer (TORTURE_FUZZ_N, TORTURE_FUZZ_SEED) and random frames. One run per
# release:flavour of TORTURE_RUNS: Debian 12's 6.1 and Debian 13's 6.12 as
# PV dom0s, each under its release's Xen, and trixie:kasan: 6.12 with
# KASAN as a PVH dom0 (about 31 minutes under TCG: tests/README). The
# first run builds the kernels. make check runs torture-ci: Debian 12's boot
# shorter, or without a cached debug kernel the fuzzer and frames on the
# production kernel.
TORTURE_RUNS ?= bookworm:debug trixie:debug trixie:kasan
torture:
	@rc=0; for r in $(TORTURE_RUNS); do \
		TORTURE_RELEASE=$${r%%:*} TORTURE_FLAVOUR=$${r#*:} \
			scripts/tiers/torture.sh || rc=1; \
	done; exit $$rc

torture-ci:
	@scripts/tiers/torture.sh --ci

# The operator's flow on every Debian release (scripts/conf/releases), each in
# its own root and its own Xen dom0: RELEASES="trixie sid" for some.
matrix:
	@scripts/tiers/matrix.sh $(RELEASES)

# The matrix with the in-tree control of the toolstack and Xen's other
# clients (vchan in dom0 and with a guest, xenconsoled's hypervisor log,
# xen-lowmemd, test-xenstore, xentrace, QEMU's qdisk, xl save/restore) on
# every release, not only on Debian 13 and sid as make check runs it
# (there without save/restore, and qdisk on Debian 13 only).
clients:
	@MATRIX_CONTROL="$(or $(RELEASES),bullseye bookworm trixie sid)" \
		MATRIX_SAVE_RESTORE=1 MATRIX_QDISK="bookworm trixie sid" \
		scripts/tiers/matrix.sh $(RELEASES)

# The in-tree xen-evtchn against ours, interleaved in one dom0 boot, and
# the skb guard's cost on Debian's production kernel in a second boot:
# tables and charts in the cache. Not part of make check (it measures).
bench:
	@scripts/tiers/bench.sh

# patches/: each line's series applied, checkpatch'd and built on its
# Debian source, the patched in-tree driver booted in that line's dom0
# against the unpatched one, and the line's kernel built with the series
# and without it, booted one after the other (built here when not cached:
# about 10 min a line): RELEASES="trixie sid" for some. make check runs
# the same with the kernels it finds cached.
patches-check:
	@PATCHES_KERNEL=build scripts/tiers/patches-check.sh $(RELEASES)

# patches/<line>/net against a lying vmxnet3: Debian's kernel under QEMU
# with its emulated vmxnet3, receive completions rewritten to claim more
# than the posted buffer; the patched driver drops and counts, Debian's
# panics. Debian 12's line by default (make check runs it inside
# patches-check), RELEASES="bullseye bookworm trixie sid" for every line.
vmxnet3:
	@scripts/tiers/vmxnet3.sh $(RELEASES)

# README's supported-kernels table from the latest make matrix.
readme-matrix:
	@scripts/tools/readme-matrix.sh

# Everything; the last line printed is "N passed, N failed".
check:
	@scripts/check.sh

dkms-source:
	scripts/tools/dkms-source.sh $(or $(DESTDIR),$(PWD)/.dkms-source)

# nopanic-dkms_<version>_all.deb in out/ (debian/, dh-dkms), lintian-checked.
deb:
	@scripts/tools/deb.sh

.PHONY: all modules install clean check-build kunit e2e e2e-skbguard e2e-toolstack \
	demo fuzz skbguard-random torture torture-ci matrix clients patches-check vmxnet3 readme-matrix bench check dkms-source deb
