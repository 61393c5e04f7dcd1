#!/bin/bash
# fetch-kernel.sh META OUTDIR
#
# Resolve a Debian kernel meta-package (e.g. linux-image-6.12-cloud-amd64) to
# the real linux-image-<abi> package at run time, download it with
# `apt-get download`, extract it with `dpkg-deb -x`, and print on stdout (one
# line) the directory that holds boot/vmlinuz-* and lib/modules/*.
#
# No ABI version is ever hard-coded: security updates remove old ones from the
# archive, so the current one is always resolved from the meta-package.
#
# Cache layout under OUTDIR/kernels/:
#   <package>_<version>/     extracted package (boot/, lib/modules/, ...)
#   <META>.last              name of the directory last resolved for META
#   <META>.resolved          last resolution, with a fingerprint of apt's
#                            package lists (re-resolved when they change)
#   .lock                    flock(1) lock serialising concurrent runs
#
# Behaviour:
#   - already extracted version -> reused, no download;
#   - apt-cache knows nothing -> `apt-get update` once, then retry;
#   - download fails (stale lists) -> `apt-get update` once, then retry;
#   - resolution/download fails but META was extracted before -> that copy is
#     used, with a warning on stderr;
#   - otherwise a clear error on stderr and exit status 1.
# modules.dep is generated after extraction (Debian makes it at install time),
# with kmod's depmod if present, else busybox's.
# Extraction goes to a temporary directory that is renamed into place, so an
# interrupted run never leaves a half-extracted kernel behind.
set -euo pipefail

prog=fetch-kernel.sh
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
warn() { printf '%s: warning: %s\n' "$prog" "$*" >&2; }
info() { [[ -n ${FETCH_KERNEL_QUIET:-} ]] || printf '%s: %s\n' "$prog" "$*" >&2; }

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
    exit 0
fi
[[ $# -eq 2 ]] || { echo "usage: $prog META OUTDIR" >&2; exit 2; }
meta=$1
outdir=$2
[[ $meta =~ ^[a-z0-9][a-z0-9.+-]*$ ]] || die "invalid package name '$meta'"

for tool in apt-cache apt-get dpkg-deb flock; do
    command -v "$tool" >/dev/null || die "'$tool' not found (this needs a Debian host with apt and dpkg)"
done

kdir=$outdir/kernels
mkdir -p "$kdir" || die "cannot create cache directory $kdir"
kdir=$(cd "$kdir" && pwd)

# Serialise concurrent runs on the same cache (a second run waits, then finds
# the kernel already extracted).
exec 9>"$kdir/.lock"
flock 9

export LC_ALL=C DEBIAN_FRONTEND=noninteractive

# The directory extracted for $1 holds a kernel image and its modules.
is_extracted() {
    local d=$1
    [[ -d $d/boot ]] || return 1
    compgen -G "$d/boot/vmlinuz-*" >/dev/null || return 1
    compgen -G "$d/lib/modules/*/modules.dep" >/dev/null ||
        compgen -G "$d/usr/lib/modules/*/modules.dep" >/dev/null
}

# Print "<version> <linux-image-dep>..." for the candidate version of package
# $1: its version, then the linux-image-* packages among its (Pre-)Depends
# (first alternative of each group). Nothing if apt knows no such package.
# One apt-cache call per package: each call costs about a second here.
candidate() {
    apt-cache show --no-all-versions "$1" 2>/dev/null | awk '
        /^$/ { exit }
        $1 == "Version:" { ver = $2 }
        $1 == "Depends:" || $1 == "Pre-Depends:" {
            sub(/^[^:]*: */, "")
            n = split($0, groups, /, */)
            for (i = 1; i <= n; i++) {
                split(groups[i], alt, / *\| */)
                split(alt[1], w, /[ (]/)
                if (w[1] ~ /^linux-image-/) deps = deps " " w[1]
            }
        }
        END { if (ver != "") print ver deps }'
}

# Follow meta-packages down to the real image package (the first one without
# a linux-image-* dependency); print "<pkg> <version>".
resolve() {
    local pkg=$1 depth=0 line ver deps
    while :; do
        line=$(candidate "$pkg")
        [[ -n $line ]] || return 1
        read -r ver deps <<<"$line"
        if [[ -z $deps ]]; then
            printf '%s %s\n' "$pkg" "$ver"
            return 0
        fi
        pkg=${deps%% *}
        depth=$((depth + 1))
        [[ $depth -lt 8 ]] || return 1
    done
}

updated=0
apt_update() {
    [[ $updated -eq 0 ]] || return 1
    updated=1
    info "running apt-get update (package lists are missing or stale)"
    apt-get update -qq >&2 || { warn "apt-get update failed"; return 1; }
}

fallback() {
    local reason=$1 last
    if [[ -f $kdir/$meta.last ]]; then
        last=$(<"$kdir/$meta.last")
        if [[ -n $last ]] && is_extracted "$kdir/$last"; then
            warn "$reason; using the previously extracted $last"
            printf '%s\n' "$kdir/$last"
            exit 0
        fi
    fi
    die "$reason (and no previously extracted kernel for $meta in $kdir)"
}

# A resolution only changes when apt's package lists do, so it is remembered
# together with a fingerprint of the lists (apt-cache costs ~1 s per call).
lists_key() {
    local d
    d=$(apt-config shell d Dir::State::lists/d 2>/dev/null | sed -n "s/^d='\(.*\)'$/\1/p")
    [[ -n $d ]] || d=/var/lib/apt/lists/
    # shellcheck disable=SC2012  # only a fingerprint of names, sizes, times
    ls -l --time-style=+%s "$d" 2>/dev/null | cksum | cut -d' ' -f1
}
memo=$kdir/$meta.resolved

# 1. Resolve.
key=$(lists_key)
resolved=
if [[ -f $memo ]]; then
    read -r mkey mpkg mver <"$memo" || true
    if [[ ${mkey:-} == "$key" && -n ${mpkg:-} && -n ${mver:-} ]]; then
        resolved="$mpkg $mver"
    fi
fi
if [[ -z $resolved ]]; then
    if ! resolved=$(resolve "$meta"); then
        apt_update || true
        key=$(lists_key)
        resolved=$(resolve "$meta") || fallback "cannot resolve '$meta' with apt-cache"
    fi
    printf '%s %s\n' "$key" "$resolved" >"$memo"
fi
pkg=${resolved% *}
ver=${resolved#* }
name=${pkg}_${ver}
dest=$kdir/$name

# 2. Reuse if already extracted.
record_last() {
    printf '%s\n' "$name" >"$kdir/$meta.last.tmp" && mv -f "$kdir/$meta.last.tmp" "$kdir/$meta.last"
}

if is_extracted "$dest"; then
    record_last
    printf '%s\n' "$dest"
    exit 0
fi

# 3. Download and extract into a temporary directory, then rename into place.
tmp=$(mktemp -d "$kdir/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

download() {
    # -o APT::Sandbox::User=root: apt-get download as root would otherwise
    # warn that the _apt user cannot write the (root-owned) target directory.
    (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2)
}

info "downloading $pkg ($ver)"
if ! download; then
    if apt_update && resolved=$(resolve "$meta"); then
        pkg=${resolved% *}
        ver=${resolved#* }
        name=${pkg}_${ver}
        dest=$kdir/$name
        if is_extracted "$dest"; then
            record_last
            printf '%s\n' "$dest"
            exit 0
        fi
        info "downloading $pkg ($ver)"
        download || fallback "cannot download $pkg ($ver)"
        printf '%s %s\n' "$(lists_key)" "$resolved" >"$memo"
    else
        fallback "cannot download $pkg ($ver)"
    fi
fi

debs=("$tmp"/*.deb)
[[ -f ${debs[0]} ]] || fallback "apt-get download produced no .deb for $pkg"
info "extracting ${debs[0]##*/}"
mkdir "$tmp/x"
dpkg-deb -x "${debs[0]}" "$tmp/x" || die "dpkg-deb -x failed for ${debs[0]##*/}"
# Debian generates modules.dep in the package's postinst (depmod), so the
# extracted tree has none yet: generate it here, with kmod's depmod if the
# host has it, else busybox's.
for moddir in "$tmp"/x/lib/modules/* "$tmp"/x/usr/lib/modules/*; do
    [[ -d $moddir && ! -f $moddir/modules.dep ]] || continue
    abi=${moddir##*/}
    base=${moddir%/modules/*}     # .../x/lib or .../x/usr/lib
    base=${base%/lib}             # .../x or .../x/usr
    base=${base%/usr}
    if command -v depmod >/dev/null; then
        depmod -b "$base" "$abi" || die "depmod failed for $abi"
    elif command -v busybox >/dev/null; then
        busybox depmod -b "$base" "$abi" || die "busybox depmod failed for $abi"
    else
        die "neither depmod (kmod) nor busybox is installed: cannot generate modules.dep"
    fi
done
is_extracted "$tmp/x" || die "$pkg ($ver) holds no boot/vmlinuz-* and lib/modules/*/modules.dep: is '$meta' a kernel image package?"

rm -rf "$dest"
mv "$tmp/x" "$dest"
record_last
printf '%s\n' "$dest"
