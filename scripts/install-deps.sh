#!/usr/bin/env bash
# Install the Debian packages this project needs to build, test and demo.
# Idempotent: does nothing (and touches no network) when all are present.
# Uses sudo when not run as root.
set -euo pipefail

packages=(
	# build
	gcc libc6-dev make meson ninja-build pkg-config python3 libseccomp-dev
	# the host tools: JSON configs, SHA-256, payload packages (EROFS)
	libcjson-dev libssl-dev erofs-utils
	# tests, sanitizers and libFuzzer (clang 14 and its runtime)
	libcmocka-dev clang libclang-rt-14-dev
	# the lab (nested KVM under QEMU) and guest images
	qemu-system-x86 busybox-static cpio gzip zstd xz-utils lz4 kmod
	# fetching Debian's kernel packages
	apt-utils dpkg
	# the Microdroid image: its dm-verity hash tree (erofs-utils is above)
	cryptsetup-bin
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

if ((EUID == 0)); then
	sudo=()
elif command -v sudo >/dev/null 2>&1; then
	sudo=(sudo)
else
	echo "install-deps: missing packages (${missing[*]}) and not root, and no sudo" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
