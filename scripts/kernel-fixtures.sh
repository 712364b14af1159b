#!/usr/bin/env bash
# Build the real-kernel fixtures that the integration tests of correlate,
# check and lint run on. Nothing here is committed: everything lands in a
# cache directory outside the repository, keyed by kernel package version and
# configuration, and is reused when present.
#
#   KLPCHECK_KERNEL_CACHE  where the cache lives (default ~/.cache/klpcheck/kernel)
#   KLPCHECK_KERNEL_JOBS   make -j (default: nproc)
#
# Layout of $KLPCHECK_KERNEL_CACHE:
#   src/linux-source-6.1, src/linux-source-6.12   extracted Debian trees (lint's oracle)
#   linux-6.12-thin -> 6.12.<pkgver>-thin-<confighash>   (what tests read)
#     manifest.env        what was built: paths, planted names, the patched file
#     build/              the O= build directory, left in its last (planted) state
#     orig/               vmlinux.o, vmlinux and *.ko of the first build
#     patched/            vmlinux.o, vmlinux after the one-line change (same tree, same dirs)
#     planted/            vmlinux.o, vmlinux with asm globals planted in a .S file
#     split/              the planted vmlinux.o relinked with split DWARF: vmlinux.o, dwo/*.dwo
#
# The patched rebuild happens in the same source tree and build directory as
# the original, because ThinLTO's module hash depends on the source path: a
# rebuild elsewhere would re-hash every module (../shared/DOMAIN.md §5).
set -euo pipefail

cache=${KLPCHECK_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klpcheck/kernel}
jobs=${KLPCHECK_KERNEL_JOBS:-$(nproc)}
llvm=-22
mkdir -p "$cache/src"

need() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if ((${#missing[@]})); then
		if [ "$(id -u)" != 0 ]; then
			echo "kernel-fixtures: missing packages: ${missing[*]} (apt-get install them as root)" >&2
			exit 2
		fi
		echo "== kernel-fixtures: installing ${missing[*]}"
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
	fi
}
need linux-source-6.1 linux-source-6.12 clang-22 lld-22 llvm-22 make flex bison bc \
	libelf-dev libssl-dev xz-utils python3 gcc libc6-dev

extract() { # extract VERSION: /usr/src/linux-source-V.tar.xz -> $cache/src/linux-source-V
	local v=$1 dst=$cache/src/linux-source-$1
	local pkgver
	pkgver=$(dpkg-query -W -f='${Version}' "linux-source-$v")
	if [ -f "$dst/.klpcheck-extracted" ] && [ "$(cat "$dst/.klpcheck-extracted")" = "$pkgver" ]; then
		return
	fi
	echo "== kernel-fixtures: extracting linux-source-$v $pkgver"
	rm -rf "$dst" "$dst.tmp"
	mkdir -p "$dst.tmp"
	tar -xf "/usr/src/linux-source-$v.tar.xz" -C "$dst.tmp"
	mv "$dst.tmp/linux-source-$v" "$dst"
	rmdir "$dst.tmp"
	echo "$pkgver" >"$dst/.klpcheck-extracted"
}
extract 6.1
extract 6.12

src=$cache/src/linux-source-6.12
pkgver=$(cat "$src/.klpcheck-extracted")

# The configuration: tinyconfig plus what DOMAIN.md §5 lists, in-process
# ThinLTO with DWARF 5, and modules with a few small =m drivers so real
# ThinLTO .ko files exist.
config_opts=(-e 64BIT -d LTO_NONE -e LTO_CLANG_THIN -e PRINTK -e BLOCK -e MULTIUSER -e FUTEX
	-e EPOLL -e PROC_FS -e SYSFS -e BINFMT_ELF -e TTY -e DEBUG_KERNEL -e DEBUG_INFO
	-e DEBUG_INFO_DWARF5 -e MODULES -m CONFIGFS_FS -m BINFMT_MISC -m CRC_CCITT -m CRC_ITU_T)
patch_file=fs/bad_inode.c
# bump this when the recipe below changes, so caches are rebuilt
recipe=1
key=$(printf '%s\n' "$recipe" "$pkgver" "$llvm" "${config_opts[@]}" "$patch_file" | sha256sum | cut -c1-12)
name=6.12.$pkgver-thin-$key
out=$cache/$name
ln -sfn "$name" "$cache/linux-6.12-thin"

# Each step below is skipped when its .done marker is there, so a cache
# made before a step was added gains just that step.
if [ -f "$out/manifest.env" ] && [ -f "$out/split/.done" ]; then
	echo "== kernel-fixtures: cached: $out"
	exit 0
fi

build=$out/build
mkdir -p "$build" "$out/orig" "$out/patched" "$out/planted"
mk() { make -C "$src" O="$build" LLVM="$llvm" -j"$jobs" "$@"; }

start=$(date +%s)
if [ ! -f "$out/orig/.done" ]; then
	echo "== kernel-fixtures: configuring $build"
	mk tinyconfig >/dev/null
	"$src/scripts/config" --file "$build/.config" "${config_opts[@]}"
	mk olddefconfig >/dev/null
	for o in LTO_CLANG_THIN DEBUG_INFO_DWARF5 MODULES; do
		grep -qx "CONFIG_$o=y" "$build/.config" || { echo "kernel-fixtures: CONFIG_$o did not stick" >&2; exit 1; }
	done
	echo "== kernel-fixtures: building vmlinux and modules (a few minutes)"
	mk vmlinux modules >"$out/build-orig.log" 2>&1 || { tail -50 "$out/build-orig.log" >&2; exit 1; }
	cp "$build/vmlinux.o" "$build/vmlinux" "$out/orig/"
	mkdir -p "$out/orig/modules"
	find "$build" -name '*.ko' -exec cp {} "$out/orig/modules/" \;
	touch "$out/orig/.done"
fi

restore() { [ -f "$1.klpcheck-orig" ] && mv "$1.klpcheck-orig" "$1"; return 0; }
trap 'restore "$src/$patch_file"; restore "$src/$planted_asm"' EXIT
planted_asm=arch/x86/entry/entry_64.S

if [ ! -f "$out/patched/.done" ]; then
	echo "== kernel-fixtures: one-line change in $patch_file, rebuild in place"
	cp -p "$src/$patch_file" "$src/$patch_file.klpcheck-orig"
	# bad_file_open returns -EIO; the patch makes it -ENXIO (one line)
	awk 'done!=1 && /^static int bad_file_open/ {f=1} f && /return -EIO;/ {sub(/-EIO/, "-ENXIO"); f=0; done=1} {print}' \
		"$src/$patch_file.klpcheck-orig" >"$src/$patch_file"
	diff -u --label "a/$patch_file" --label "b/$patch_file" "$src/$patch_file.klpcheck-orig" "$src/$patch_file" >"$out/patch.diff" || true
	[ -s "$out/patch.diff" ] || { echo "kernel-fixtures: the patch to $patch_file changed nothing" >&2; exit 1; }
	mk vmlinux >"$out/build-patched.log" 2>&1 || { tail -50 "$out/build-patched.log" >&2; exit 1; }
	cp "$build/vmlinux.o" "$build/vmlinux" "$out/patched/"
	restore "$src/$patch_file"
	touch "$out/patched/.done"
fi

# Pick the planted names from the real build: a promoted C static (hard: the
# link fails once suffix reduction drops the hash) and an unpromoted C static
# function (latent), each a name no global of the build already has.
nm=llvm-nm$llvm
"$nm" --defined-only "$out/orig/vmlinux.o" >"$out/orig/nm.txt"
hard=$(awk '$2 ~ /^[tT]$/ && $3 ~ /\.llvm\.[0-9]+$/ {n=$3; sub(/\.llvm\.[0-9]+$/, "", n); c[n]++} $2 ~ /^[A-Z]$/ {g[$3]=1} END {for (n in c) if (c[n]==1 && !(n in g) && n ~ /^[a-z_][a-z0-9_]*$/) print n}' "$out/orig/nm.txt" | sort | sed -n 1p)
latent=$(awk '$2=="t" && $3 ~ /^[a-z_][a-z0-9_]*$/ {c[$3]++} $2 ~ /^[A-Z]$/ {g[$3]=1} $3 ~ /\.llvm\./ {n=$3; sub(/\.llvm\.[0-9]+$/, "", n); p[n]=1} END {for (n in c) if (c[n]==1 && !(n in g) && !(n in p)) print n}' "$out/orig/nm.txt" | sort | sed -n 1p)
[ -n "$hard" ] && [ -n "$latent" ] || { echo "kernel-fixtures: no names to plant (hard='$hard' latent='$latent')" >&2; exit 1; }

if [ ! -f "$out/planted/.done" ]; then
	echo "== kernel-fixtures: planting asm globals $hard (hard) and $latent (latent) in $planted_asm"
	cp -p "$src/$planted_asm" "$src/$planted_asm.klpcheck-orig"
	{
		cat "$src/$planted_asm.klpcheck-orig"
		printf '\n/* klpcheck fixture: asm globals named like C statics */\n'
		printf '\t.pushsection .data, "aw"\n'
		for s in "$hard" "$latent"; do
			printf '\t.globl %s\n\t.type %s, @object\n%s:\n\t.quad 0\n\t.size %s, 8\n' "$s" "$s" "$s" "$s"
		done
		printf '\t.popsection\n'
	} >"$src/$planted_asm"
	mk vmlinux >"$out/build-planted.log" 2>&1 || { tail -50 "$out/build-planted.log" >&2; exit 1; }
	cp "$build/vmlinux.o" "$build/vmlinux" "$out/planted/"
	restore "$src/$planted_asm"
	touch "$out/planted/.done"
fi

# Split DWARF of the planted build: ThinLTO writes .dwo files only when the
# LTO link is given a dwo_dir (clang's -gsplit-dwarf alone, which is what
# CONFIG_DEBUG_INFO_SPLIT adds, leaves the bitcode's DWARF whole in
# vmlinux.o), and it splits whatever the bitcode holds. So kbuild's own
# vmlinux.o link of the planted objects, from its saved command, is run
# again with --plugin-opt=dwo_dir=: the same objects, the same link and
# objtool pass, DWARF 5 skeleton units in vmlinux.o and one .dwo per module.
if [ ! -f "$out/split/.done" ]; then
	echo "== kernel-fixtures: relinking the planted vmlinux.o with split DWARF"
	rm -rf "$out/split"
	mkdir -p "$out/split/dwo"
	cmd=$(sed -n 's/^savedcmd_vmlinux\.o := //p' "$build/.vmlinux.o.cmd")
	case $cmd in
	"ld.lld$llvm "*"-o vmlinux.o "*) ;;
	*) echo "kernel-fixtures: unexpected vmlinux.o link in $build/.vmlinux.o.cmd: $cmd" >&2; exit 1 ;;
	esac
	cmd=${cmd/#ld.lld$llvm /ld.lld$llvm --plugin-opt=dwo_dir=$out/split/dwo }
	cmd=${cmd//-o vmlinux.o /-o $out/split/vmlinux.o }
	cmd=${cmd//--link vmlinux.o/--link $out/split/vmlinux.o}
	(cd "$build" && eval "$cmd") >"$out/build-split.log" 2>&1 || { tail -50 "$out/build-split.log" >&2; exit 1; }
	ls "$out/split/dwo/"*.dwo >/dev/null 2>&1 || { echo "kernel-fixtures: the split link wrote no .dwo file" >&2; exit 1; }
	touch "$out/split/.done"
fi

cat >"$out/manifest.env" <<EOF
KERNEL_VERSION=$(make -s -C "$src" kernelversion)
KERNEL_PACKAGE=linux-source-6.12 $pkgver
SRC=$src
BUILD=$build
LLVM=$llvm
PATCHED_FILE=$patch_file
PLANTED_ASM=$planted_asm
PLANTED_HARD=$hard
PLANTED_LATENT=$latent
CONFIG_OPTS=${config_opts[*]}
EOF
echo "== kernel-fixtures: done in $(($(date +%s) - start)) s: $out"
