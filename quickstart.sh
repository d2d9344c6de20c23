#!/bin/sh
# quickstart.sh: install kmemlab's Debian packages (when run as root), build
# kmemlab, and run the main job.  Safe to run again: it only installs what is
# missing and only configures a tree that has not been configured.
set -e
cd "$(dirname "$0")"

PKGS="build-essential autoconf automake libtool pkg-config libsqlite3-dev
libncurses-dev libbpf-dev bpftool clang libclang-rt-14-dev libelf-dev zlib1g-dev
mandoc tmux"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		echo "quickstart: installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q
		# shellcheck disable=SC2086
		apt-get install -y -q --no-install-recommends $missing
	else
		echo "quickstart: missing Debian packages; run as root, or first:" >&2
		echo "  sudo apt-get install -y --no-install-recommends$missing" >&2
		exit 1
	fi
fi

if [ ! -f Makefile ]; then
	./autogen.sh
	./configure
fi
make -j"$(nproc)"

echo
echo "quickstart: replaying traces/compile.kmt, the kernel allocations of a compile"
echo "quickstart: recorded with ftrace, on 2 virtual CPUs (netbsd policy); the run"
echo "quickstart: is stored in ./kmemlab.db, then its report is printed"
echo
./src/kmemlab replay traces/compile.kmt
echo
./src/kmemlab report
