# shellcheck shell=bash
# lab/modules.sh - kernel modules from an extracted Debian kernel package,
# for the lab host and for test guests.  Sourced, not run.
#
#   modules_dir KDIR              print the lib/modules/<abi> directory of
#                                 the extracted package KDIR (fails if it
#                                 has no modules.dep)
#   modules_stage [--compressed] MODDIR DEST LIST NAME...
#                                 copy modules NAME... (as "kvm-amd" or
#                                 "kvm_amd") and everything they depend on,
#                                 decompressed, into DEST as <name>.ko, and
#                                 append their names to file LIST in load
#                                 order (dependencies first, each once);
#                                 with --compressed, copy them as the
#                                 package has them (<name>.ko.xz, say) and
#                                 list those file names instead
#
# Both return non-zero with a message on stderr when something is missing.

modules_dir() {
	local kdir=$1 f abi d
	for f in "$kdir"/boot/vmlinuz-*; do
		[[ -f $f ]] || continue
		abi=${f##*/vmlinuz-}
		for d in "$kdir/lib/modules/$abi" "$kdir/usr/lib/modules/$abi"; do
			if [[ -f $d/modules.dep ]]; then
				printf '%s\n' "$d"
				return 0
			fi
		done
	done
	echo "modules.sh: no boot/vmlinuz-* with a modules.dep in $kdir" >&2
	return 1
}

# The modules.dep path of module $2 in $1.
_modules_path() {
	local want=${2//-/_}
	awk -F: -v want="$want" '{
		n = split($1, p, "/"); b = p[n]; sub(/\.ko(\.[a-z0-9]+)?$/, "", b); gsub(/-/, "_", b)
		if (b == want) { print $1; exit }
	}' "$1/modules.dep"
}

# Append to file $3 the modules.dep paths of $2 and its dependencies, in
# load order, skipping those already in the associative array _modules_seen.
_modules_order() {
	local moddir=$1 path=$2 out=$3 deps d
	[[ -z ${_modules_seen[$path]:-} ]] || return 0
	_modules_seen[$path]=1
	deps=$(awk -v p="$path:" 'substr($0, 1, length(p)) == p { print substr($0, length(p) + 1); exit }' \
		"$moddir/modules.dep")
	for d in $deps; do _modules_order "$moddir" "$d" "$out"; done
	printf '%s\n' "$path" >>"$out"
}

modules_stage() {
	local keep='' moddir dest list name path b order
	if [[ $1 == --compressed ]]; then
		keep=1
		shift
	fi
	moddir=$1 dest=$2 list=$3
	shift 3
	declare -gA _modules_seen=()
	mkdir -p "$dest" || return 1
	order=$(mktemp) || return 1
	for name in "$@"; do
		path=$(_modules_path "$moddir" "$name")
		if [[ -z $path ]]; then
			echo "modules.sh: kernel module '$name' not found in $moddir" >&2
			rm -f "$order"
			return 1
		fi
		_modules_order "$moddir" "$path" "$order"
	done
	while IFS= read -r path; do
		b=${path##*/}
		if [[ -n $keep ]]; then
			cp "$moddir/$path" "$dest/$b" || { rm -f "$order"; return 1; }
			printf '%s\n' "$b" >>"$list"
			continue
		fi
		b=${b%%.ko*}
		case $path in
		*.ko.xz) xz -dc "$moddir/$path" >"$dest/$b.ko" ;;
		*.ko.zst) zstd -qdc "$moddir/$path" >"$dest/$b.ko" ;;
		*.ko.gz) gzip -dc "$moddir/$path" >"$dest/$b.ko" ;;
		*.ko) cp "$moddir/$path" "$dest/$b.ko" ;;
		*) false ;;
		esac || {
			echo "modules.sh: cannot unpack $path" >&2
			rm -f "$order"
			return 1
		}
		printf '%s\n' "$b" >>"$list"
	done <"$order"
	rm -f "$order"
}
