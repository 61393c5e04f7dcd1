# lab/mode.sh - sourced by scripts that run guests.  Defines
#   lab_mode_resolve MODE   prints "direct" or "lab" for MODE in lab|direct|auto
# auto means: direct when this CPU has hardware virtualization (vmx or svm
# in /proc/cpuinfo) and /dev/kvm is usable, else the nested lab.

lab_mode_resolve() {
	case ${1:-auto} in
	direct | lab) echo "$1" ;;
	auto)
		if grep -qwE 'vmx|svm' /proc/cpuinfo && [[ -c /dev/kvm && -r /dev/kvm && -w /dev/kvm ]]; then
			echo direct
		else
			echo lab
		fi
		;;
	*)
		echo "MVM_TEST_MODE must be lab, direct or auto, not '$1'" >&2
		return 1
		;;
	esac
}
